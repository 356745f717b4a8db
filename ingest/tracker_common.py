"""What the Asana, Notion and Basecamp loaders share: column specs, time parsing, redaction,
secrets, and running one source into the DuckDB warehouse.

Why a module of its own: the three trackers feed the same two journey steps (T1 kickoff, T3
baseline approval) and are loaded the same way (one dlt pipeline per source, merge on primary
keys, one dataset per source). The GitHub/Jira helpers of the same name stay where they are so
that those loaders do not change.
"""

from __future__ import annotations

import csv
import logging
import os
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import dlt
import duckdb

from ingest.pseudonymise import person_id

log = logging.getLogger(__name__)

Row = dict[str, Any]

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")




def parse_iso_time(value: str | None) -> datetime | None:
    """An ISO 8601 time (``Z``, an offset, or none = UTC; a bare date = its midnight UTC) as a
    tz-aware UTC datetime; None or empty stays None."""
    if not value:
        return None
    text = value.strip()
    if _DATE_ONLY.match(text):
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def redact_emails(text: str | None, salt: str | None = None) -> str | None:
    """Free text with every email address replaced by its person id (no email is stored)."""
    if not text:
        return text
    return _EMAIL.sub(lambda m: person_id(m.group(0), salt) or "", text)


def secret(key: str) -> str | None:
    """A secret from dlt's providers (``.dlt/secrets.toml`` or env ``SOURCES__ASANA__TOKEN``
    for ``sources.asana.token``), or None when it is not set."""
    env_name = key.upper().replace(".", "__")
    if os.environ.get(env_name):
        return os.environ[env_name]
    try:
        value = dlt.secrets.get(key)
    except Exception:  # noqa: BLE001 - no config context: treated as "not set"
        log.debug("secret %s not readable", key)
        return None
    return str(value) if value else None


def catalog_keys(catalog_dir: Path, object_type: str) -> list[str]:
    """The sorted, distinct ``object_key`` values of one ``object_type`` in the catalog's
    ``project_mappings.csv`` (e.g. ``asana_project`` -> the Asana project gids to load)."""
    path = Path(catalog_dir) / "project_mappings.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        keys = {(row.get("object_key") or "").strip() for row in csv.DictReader(handle)
                if (row.get("object_type") or "").strip() == object_type}
    return sorted(k for k in keys if k)


def as_rows(items: Any) -> list[Row]:
    """A transformer's input as a list of rows (dlt hands over what the parent yielded)."""
    return list(items) if isinstance(items, list) else [items]


def table_counts(db_path: Path, dataset: str) -> dict[str, int]:
    """``dataset.table`` -> row count for the data tables (not dlt's own) of ``dataset``."""
    if not Path(db_path).exists():
        return {}
    counts: dict[str, int] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name not like '\\_dlt\\_%' escape '\\' order by 1",
            [dataset],
        ).fetchall()
        for (table,) in tables:
            (count,) = con.execute(f'select count(*) from "{dataset}"."{table}"').fetchone()  # type: ignore[misc]
            counts[f"{dataset}.{table}"] = int(count)
    return counts


def run_source(source: Any, name: str, dataset: str, pipeline_dir: Path, db_path: Path) -> dict[str, int]:
    """Run ``source`` as the dlt pipeline ``mlops_kpis_<name>`` into ``db_path`` (dataset
    ``dataset``) and return the dataset's row counts after the load."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    pipeline = dlt.pipeline(
        pipeline_name=f"mlops_kpis_{name}",
        destination=dlt.destinations.duckdb(str(db_path)),
        dataset_name=dataset,
        pipelines_dir=str(pipeline_dir),
    )
    info = pipeline.run(source)
    info.raise_on_failed_jobs()
    log.info("%s: loaded into %s (load ids %s)", name, db_path, ", ".join(info.loads_ids))
    return table_counts(db_path, dataset)
