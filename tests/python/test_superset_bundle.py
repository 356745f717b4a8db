"""The Superset bundle (bi/superset/bundle/) without Superset: it hangs together, its exposures
are declared, and every table, column and SQL expression it uses exists in the published marts.

The browser test (`make test-superset`) renders the dashboards in Superset; this one runs in
`make test` and catches a renamed mart column in seconds, with the project venv only.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml

from mlops_kpis.dbt_runner import PROJECT_DIR
from mlops_kpis.publish import publish

BUNDLE = PROJECT_DIR / "bi" / "superset" / "bundle"


def load(kind: str) -> dict[str, dict]:
    """The bundle's documents of one kind (charts, datasets, ...) by uuid."""
    docs = {}
    for path in sorted((BUNDLE / kind).rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        docs[str(doc["uuid"])] = doc
    return docs


DATABASES, DATASETS, CHARTS, DASHBOARDS = load("databases"), load("datasets"), load("charts"), load("dashboards")


def chart_uuids(dashboard: dict) -> list[str]:
    return [n["meta"]["uuid"] for n in dashboard["position"].values() if isinstance(n, dict) and n.get("type") == "CHART"]


def filter_dataset_uuids(dashboard: dict) -> list[str]:
    return [
        target["datasetUuid"]
        for native_filter in dashboard["metadata"].get("native_filter_configuration", [])
        for target in native_filter.get("targets", [])
        if "datasetUuid" in target
    ]


def marts_read(dataset: dict) -> set[str]:
    if dataset.get("sql"):
        return set(re.findall(r"\bmarts\.(\w+)", dataset["sql"]))
    return {dataset["table_name"]} if dataset["schema"] == "marts" else set()


def test_bundle_hangs_together():
    (database,) = DATABASES.values()
    assert database["sqlalchemy_uri"] == "duckdb:///${warehouse}"
    assert database["extra"]["engine_params"]["connect_args"] == {"read_only": True}
    assert not database["allow_dml"]
    assert {d["slug"] for d in DASHBOARDS.values()} == {"dora-overview", "project-drilldown", "ml-journey"}
    used_charts = set()
    for dashboard in DASHBOARDS.values():
        assert set(chart_uuids(dashboard)) <= set(CHARTS), dashboard["slug"]
        names = [CHARTS[c]["slice_name"] for c in chart_uuids(dashboard)]
        assert len(set(names)) == len(names), f"{dashboard['slug']}: chart names repeat (the browser test finds charts by name)"
        assert set(filter_dataset_uuids(dashboard)) <= set(DATASETS), dashboard["slug"]
        used_charts |= set(chart_uuids(dashboard))
    assert used_charts == set(CHARTS), "charts on no dashboard"
    for chart in CHARTS.values():
        assert str(chart["dataset_uuid"]) in DATASETS, chart["slice_name"]
    for dataset in DATASETS.values():
        assert str(dataset["database_uuid"]) in DATABASES, dataset["table_name"]


def test_every_dashboard_is_an_exposure_reading_the_marts_it_reads():
    exposures = {
        e["url"].rstrip("/").rsplit("/", 1)[-1]: e
        for e in yaml.safe_load((PROJECT_DIR / "models" / "exposures.yml").read_text())["exposures"]
        if e["type"] == "dashboard"
    }
    for dashboard in DASHBOARDS.values():
        datasets = {str(CHARTS[c]["dataset_uuid"]) for c in chart_uuids(dashboard)} | set(filter_dataset_uuids(dashboard))
        reads = set().union(*(marts_read(DATASETS[d]) for d in datasets))
        declared = {re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in exposures[dashboard["slug"]]["depends_on"]}
        assert declared == reads, dashboard["slug"]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    from bi_warehouse import bi_demo_warehouse  # builds the demo once per pytest process

    target = tmp_path_factory.mktemp("superset-bundle") / "published.duckdb"
    publish(bi_demo_warehouse().db_path, target)
    return target


def source_of(dataset: dict) -> str:
    if dataset.get("sql"):
        return f"({dataset['sql']}) as source"
    return f'{dataset["schema"]}."{dataset["table_name"]}" as source'


@pytest.mark.slow
def test_datasets_match_the_published_marts(published):
    with duckdb.connect(str(published), read_only=True) as con:
        for dataset in DATASETS.values():
            rel = con.sql(f"select * from {source_of(dataset)}")
            physical = {c["column_name"] for c in dataset["columns"] if not c.get("expression")}
            assert physical == set(rel.columns), dataset["table_name"]
            for column in dataset["columns"]:
                if column.get("expression"):
                    con.execute(f"select {column['expression']} from {source_of(dataset)} limit 1")
            for metric in dataset["metrics"]:
                con.execute(f"select {metric['expression']} from {source_of(dataset)}")


def chart_sql(chart: dict, dataset: dict) -> str:
    """The chart's query as Superset would build it, roughly: its SQL metrics, columns and
    filters over its dataset (calculated columns inlined)."""
    params = chart["params"]
    calculated = {c["column_name"]: c["expression"] for c in dataset["columns"] if c.get("expression")}
    saved = {m["metric_name"]: m["expression"] for m in dataset["metrics"]}

    def column(name: str) -> str:
        return f"({calculated[name]})" if name in calculated else f'"{name}"'

    metrics = [m["sqlExpression"] if isinstance(m, dict) else saved[m]
               for m in ([params["metric"]] if "metric" in params else params.get("metrics", []))]
    columns = [column(c) for c in params.get("groupby", []) + params.get("all_columns", [])]
    if params.get("x_axis"):
        columns.append(column(params["x_axis"]))
    where = [f["sqlExpression"] for f in params.get("adhoc_filters", []) if f["expressionType"] == "SQL"]
    select = ", ".join(columns + metrics) or "1"
    group_by = f" group by {', '.join(columns)}" if metrics and columns else ""
    return (f"select {select} from {source_of(dataset)}" + (f" where {' and '.join(where)}" if where else "")
            + group_by)


@pytest.mark.slow
def test_every_chart_query_runs_on_the_published_marts(published):
    with duckdb.connect(str(published), read_only=True) as con:
        for chart in CHARTS.values():
            rows = con.execute(chart_sql(chart, DATASETS[str(chart["dataset_uuid"])])).fetchall()
            assert rows, f"{chart['slice_name']}: no rows on the demo"
