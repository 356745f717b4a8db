"""Build a small organisation end to end, as the product does: write it (real git repositories,
recorded API pages, catalog), load it with the real dlt loaders, and run `dbt build`.

Scenario tests build one warehouse per session and query its marts.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import duckdb

from ingest.demo.model import Organisation
from ingest.demo.writers import write_organisation
from ingest.run import load_all
from mlops_kpis.dbt_runner import PROJECT_DIR, run_dbt

SCRATCH = PROJECT_DIR / "build" / "tests"


def build_warehouse(
    org: Organisation, name: str, dbt_vars: Mapping[str, object] | None = None
) -> tuple[Path, dict[str, dict[str, str]]]:
    """Write, load and build ``org``; return the DuckDB file and the commit shas by repo/key.

    The folder lives under build/tests/<name> (inside the project: dbt reads the catalog seeds
    from a path relative to the project) and is wiped first, so each session starts clean.
    """
    root = SCRATCH / name
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shas = write_organisation(org, root / "org")
    db_path = root / "warehouse.duckdb"
    load_all(root / "org", db_path, root / "org" / "catalog")
    run_dbt(["build"], db_path, root / "org" / "catalog", root / "dbt_target", dbt_vars)
    return db_path, shas


def query(db_path: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    """Rows of a read-only query on the built warehouse."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def query_dicts(db_path: Path, sql: str, params: list[object] | None = None) -> list[dict]:
    """Rows of a read-only query as dicts keyed by column name."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]
