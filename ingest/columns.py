"""dlt column hints for the raw tables, written once for every source.

Declaring the columns (rather than letting dlt infer them from the first rows) keeps a raw
table's schema the contract of docs/data-contracts.md even when a load has no value for a
column, and makes timestamps timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dlt.common.schema.typing import TTableSchemaColumns

TIMESTAMP_TZ: dict[str, Any] = {"data_type": "timestamp", "timezone": True, "nullable": True}


def table_columns(spec: Iterable[tuple[str, str]], keys: Sequence[str]) -> TTableSchemaColumns:
    """Column hints from (name, dlt data type) pairs; "timestamp" means with time zone; the
    primary-key columns are not nullable."""
    columns: TTableSchemaColumns = {}
    for name, data_type in spec:
        column: dict[str, Any] = dict(TIMESTAMP_TZ) if data_type == "timestamp" else {"data_type": data_type}
        column["nullable"] = name not in keys
        columns[name] = column  # type: ignore[assignment]
    return columns
