"""The example queries of analyses/ (for SQL clients and BI tools) run on the marts and answer.

Each analysis's refs are resolved as dbt resolves them (schema and table from the manifest of the
session demo build, conftest.demo_build) and the query is run read-only on the warehouse.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bi_warehouse import BuiltWarehouse, built_warehouse
from conftest import DemoBuild
from harness import query
from mlops_kpis.dbt_runner import PROJECT_DIR

pytestmark = pytest.mark.slow

ANALYSES = sorted((PROJECT_DIR / "analyses").glob("*.sql"))
REF = re.compile(r"\{\{\s*ref\(\s*'([a-z0-9_]+)'\s*\)\s*\}\}")


@pytest.fixture(scope="module")
def built(demo_build: DemoBuild) -> BuiltWarehouse:
    return built_warehouse(demo_build)


def resolve_refs(sql: str, manifest: dict) -> str:
    relations = {
        n["name"]: f'{n["schema"]}.{n.get("alias") or n["name"]}'
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed", "snapshot")
    }
    return REF.sub(lambda m: relations[m.group(1)], sql)


def test_there_are_example_analyses() -> None:
    assert len(ANALYSES) >= 5


@pytest.mark.parametrize("path", ANALYSES, ids=[p.stem for p in ANALYSES])
def test_analysis_runs_on_the_marts(built: BuiltWarehouse, path: Path) -> None:
    manifest = json.loads((built.target_dir / "manifest.json").read_text())
    sql = resolve_refs(path.read_text(), manifest)
    assert "{{" not in sql, "only ref() is resolved here: keep analyses to plain SQL and ref()"
    rows = query(built.db_path, sql)
    assert rows, f"{path.name} returned no rows on the demo"


def metabase_questions() -> list[str]:
    """The native SQL questions of docs/bi.md's Metabase section, one statement each."""
    text = (PROJECT_DIR / "docs" / "bi.md").read_text()
    section = text.split("## Metabase", 1)[1]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    return [s.strip() for block in blocks for s in block.split(";") if s.strip()]


def test_metabase_questions_of_the_docs_run_on_the_marts(built: BuiltWarehouse) -> None:
    questions = metabase_questions()
    assert len(questions) >= 5
    for sql in questions:
        # a Metabase variable ({{project}}) takes a project of the demo
        rows = query(built.db_path, sql.replace("{{project}}", "'fraud-detection'"))
        assert rows, sql.splitlines()[0]
