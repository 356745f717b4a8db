"""The semantic layer (models/semantic/, MetricFlow) gives the marts' numbers.

On the session demo warehouse (conftest.demo_build), `mf validate-configs` passes and `mf query`
answers, run as the `mf` command in its own process, equal the metric marts exactly. The
comparisons are chosen where the two definitions truly agree: all deployments per calendar period
(the marts list a scope's periods from its first deployment to as_of, the semantic layer reads all
rows of the facts), with as_of left to its default (the latest event), so that no deployment,
failure or recovery lies after it - which the first test checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import pytest

from bi_warehouse import BuiltWarehouse, built_warehouse
from conftest import DemoBuild
from harness import query, query_dicts
from mlops_kpis import semantic

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(demo_build: DemoBuild) -> BuiltWarehouse:
    return built_warehouse(demo_build)


def mf_rows(built: BuiltWarehouse, metrics: Sequence[str], group_by: Sequence[str]) -> list[dict[str, str]]:
    return semantic.query(metrics, group_by, built.db_path, built.catalog_dir, built.target_dir)


def period(value: str) -> date:
    """metric_time as `mf --csv` writes it ('2025-09-01 00:00:00') as a date."""
    return datetime.fromisoformat(value).date()


def number(value: str) -> float | None:
    return None if value in ("", "None") else float(value)


def keyed(rows: Iterable[dict], keys: Sequence[str], values: Sequence[str]) -> dict[tuple, tuple]:
    return {tuple(r[k] for k in keys): tuple(r[v] for v in values) for r in rows}


def test_facts_and_marts_see_the_same_deployments(built: BuiltWarehouse) -> None:
    """The precondition of the comparisons below: with as_of at its default nothing is after it."""
    (is_set, after_as_of) = query(built.db_path, """
        select a.is_set_by_var,
               (select count(*) from marts.fct_deployments d
                where d.deployed_at > a.as_of or d.failure_detected_at > a.as_of or d.recovered_at > a.as_of)
        from intermediate.int_as_of_resolved a""")[0]
    assert not is_set
    assert after_as_of == 0


def test_validate_configs_passes(built: BuiltWarehouse) -> None:
    output = semantic.run_mf(["validate-configs"], built.db_path, built.catalog_dir, built.target_dir)
    # semantic checks and the checks against the warehouse (every column and metric queried)
    assert "Successfully validated the semantics of built manifest (ERRORS: 0" in output
    assert "Successfully validated metrics against data warehouse (ERRORS: 0" in output


def test_deployments_by_project_and_month_equal_the_monthly_mart(built: BuiltWarehouse) -> None:
    rows = mf_rows(
        built,
        ["deployments", "deployment_days", "failed_deployments", "rework_deployments", "retrain_deployments"],
        ["project", "metric_time__month"],
    )
    got = {
        (r["project"], period(r["metric_time__month"])): (
            int(r["deployments"]), int(r["deployment_days"]), int(r["failed_deployments"]),
            int(r["rework_deployments"]), int(r["retrain_deployments"]))
        for r in rows
    }
    mart = query_dicts(built.db_path, """
        select scope_id, period_start, deployments, deployment_days, failed_deployments,
               rework_deployments, retrain_deployments
        from marts.dora_metrics_monthly where scope = 'project' and deployments > 0""")
    expected = keyed(
        mart, ["scope_id", "period_start"],
        ["deployments", "deployment_days", "failed_deployments", "rework_deployments", "retrain_deployments"],
    )
    assert len(expected) > 30
    assert got == expected


def test_change_failure_and_rework_rate_by_team_and_month_equal_the_monthly_mart(built: BuiltWarehouse) -> None:
    rows = mf_rows(built, ["change_failure_rate", "rework_rate", "deployments"], ["team", "metric_time__month"])
    got = {
        (r["team"], period(r["metric_time__month"])): (
            number(r["change_failure_rate"]), number(r["rework_rate"]), int(r["deployments"]))
        for r in rows
    }
    mart = query_dicts(built.db_path, """
        select scope_id, period_start, change_failure_rate, rework_rate, deployments
        from marts.dora_metrics_monthly where scope = 'team' and deployments > 0""")
    expected = keyed(mart, ["scope_id", "period_start"], ["change_failure_rate", "rework_rate", "deployments"])
    assert {team for team, _ in expected} == {"growth", "risk", "supply"}
    assert any(cfr for cfr, _, _ in expected.values())
    assert got == expected
    # the team reached through the project entity gives the same answer
    via_project = mf_rows(built, ["change_failure_rate"], ["project__team", "metric_time__month"])
    assert {
        (r["project__team"], period(r["metric_time__month"])): number(r["change_failure_rate"]) for r in via_project
    } == {k: v[0] for k, v in expected.items()}


def test_lead_time_by_project_and_week_equals_the_weekly_mart(built: BuiltWarehouse) -> None:
    rows = mf_rows(
        built, ["lead_time_median_hours", "lead_time_p90_hours", "lead_time_n"], ["project", "metric_time__week"]
    )
    got = {
        (r["project"], period(r["metric_time__week"])): (
            number(r["lead_time_median_hours"]), number(r["lead_time_p90_hours"]), int(r["lead_time_n"]))
        for r in rows
        if int(r["lead_time_n"]) > 0
    }
    mart = query_dicts(built.db_path, """
        select scope_id, period_start, lead_time_median_hours, lead_time_p90_hours, lead_time_n
        from marts.dora_metrics_weekly where scope = 'project' and lead_time_n > 0""")
    expected = keyed(
        mart, ["scope_id", "period_start"], ["lead_time_median_hours", "lead_time_p90_hours", "lead_time_n"]
    )
    assert len(expected) > 50
    assert got == expected


def test_recovery_time_of_the_org_by_month_equals_the_monthly_mart(built: BuiltWarehouse) -> None:
    rows = mf_rows(built, ["recovery_median_hours", "recovery_p90_hours", "recovery_n"], ["metric_time__month"])
    got = {
        period(r["metric_time__month"]): (
            number(r["recovery_median_hours"]), number(r["recovery_p90_hours"]), int(r["recovery_n"]))
        for r in rows
        if int(r["recovery_n"]) > 0
    }
    mart = query_dicts(built.db_path, """
        select period_start, recovery_median_hours, recovery_p90_hours, recovery_n
        from marts.dora_metrics_monthly where scope = 'org' and recovery_n > 0""")
    expected = keyed(mart, ["period_start"], ["recovery_median_hours", "recovery_p90_hours", "recovery_n"])
    assert expected
    assert {k[0]: v for k, v in expected.items()} == got


def test_exploration_kpis_by_project_equal_the_cycles_mart(built: BuiltWarehouse) -> None:
    metrics = [
        "exploration_cycles",
        "time_to_first_experiment_median_hours",
        "runs_per_active_week_median",
        "time_to_baseline_median_hours",
        "concept_to_production_median_hours",
    ]
    rows = mf_rows(built, metrics, ["project"])
    got = {r["project"]: tuple(number(r[m]) for m in metrics) for r in rows}
    mart = query(built.db_path, """
        select project_id, count(*),
               percentile_cont(0.5) within group (order by time_to_first_experiment_hours),
               percentile_cont(0.5) within group (order by runs_per_active_week),
               percentile_cont(0.5) within group (order by time_to_baseline_hours),
               percentile_cont(0.5) within group (order by concept_to_production_hours)
        from marts.fct_exploration_cycles group by project_id""")
    expected = {r[0]: tuple(None if v is None else float(v) for v in r[1:]) for r in mart}
    assert got == expected
    assert got["recsys"][0] == 2  # went back to exploration: two cycles
    assert got["search-ranking"][3] is None  # still exploring: no baseline yet
