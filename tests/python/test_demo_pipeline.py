"""The demo end to end: what the generator wrote is what the loaders loaded, row for row; a
second load adds nothing; dbt builds every model with a grain and a tested primary key; the
marts keep their invariants.

One module-scoped build (write + load + dbt build), about half a minute.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import DemoBuild
from harness import query
from ingest.demo.model import Organisation
from ingest.run import load_all


@pytest.fixture(scope="module")
def demo(demo_build: DemoBuild) -> tuple[Organisation, Path]:
    return demo_build.org, demo_build.db_path


def expected_counts(org: Organisation) -> dict[str, int]:
    """Row counts the raw tables must have, worked out from the organisation itself.

    The loaders fetch only what the catalog lists (GitHub repositories, Jira projects, git
    repositories) and MLflow whole; the GitHub issues API lists pull requests too. The project
    on other systems (``org.extra_systems``: Notion, notebooks, TensorBoard, Airflow, SageMaker)
    adds its pipeline repository's commits and its own raw tables.
    """
    github_repos = {r for p in org.catalog for r in p.github_repos}
    repo_by_full = {r.github_full_name: r.name for r in org.repos}
    catalogued = {repo_by_full[r] for r in github_repos}
    git_repos = {r for p in org.catalog for r in p.git_repos}
    jira_projects = {k for p in org.catalog for k in p.jira_projects}
    prs = [pr for pr in org.pull_requests if pr.repo in catalogued]
    deployments = [d for d in org.deployments if d.repo in catalogued]
    issues = [i for i in org.github_issues if i.repo in catalogued]
    jira = [i for i in org.jira_issues if i.project_key in jira_projects]
    commits = {
        (repo.name, c.key) for repo in org.repos if repo.name in git_repos for c in repo.commits
    }
    extra = org.extra_systems.expected_counts() if org.extra_systems is not None else {}
    return {
        **{t: n for t, n in extra.items() if t != "raw_git.commits"},
        "raw_git.commits": len(commits) + extra.get("raw_git.commits", 0),
        "raw_github.pull_requests": len(prs),
        "raw_github.pull_request_commits": sum(len(pr.commits) for pr in prs),
        "raw_github.pull_request_reviews": sum(len(pr.reviews) for pr in prs),
        "raw_github.deployments": len(deployments),
        "raw_github.deployment_statuses": sum(len(d.statuses) for d in deployments),
        # the issues API lists pull requests as issues too
        "raw_github.issues": len(issues) + len(prs),
        "raw_github.releases": len([r for r in org.releases if r.repo in catalogued]),
        "raw_jira.issues": len(jira),
        "raw_jira.issue_changelogs": sum(len(i.transitions) for i in jira),
        "raw_mlflow.runs": len(org.runs),
        "raw_mlflow.model_versions": len(org.model_versions),
        "raw_mlflow.registered_models": len(org.registered_models),
        "raw_mlflow.model_aliases": sum(len(m.aliases) for m in org.registered_models),
    }


def raw_counts(db_path: Path, tables: list[str]) -> dict[str, int]:
    return {t: query(db_path, f"select count(*) from {t}")[0][0] for t in tables}


def test_loaded_rows_match_what_the_generator_wrote(demo: tuple[Organisation, Path]) -> None:
    org, db_path = demo
    expected = expected_counts(org)
    assert raw_counts(db_path, list(expected)) == expected


def test_experiments_loaded_whole(demo: tuple[Organisation, Path]) -> None:
    org, db_path = demo
    names = {r[0] for r in query(db_path, "select name from raw_mlflow.experiments")}
    # every experiment of the organisation; MLflow's own "Default" experiment may come on top
    assert {e.name for e in org.experiments} <= names
    assert names - {e.name for e in org.experiments} <= {"Default"}


def test_second_load_adds_nothing(demo_build: DemoBuild) -> None:
    org, db_path = demo_build.org, demo_build.db_path
    tables = list(expected_counts(org)) + ["raw_git.mainline_commits", "raw_git.refs", "raw_mlflow.experiments"]
    before = raw_counts(db_path, tables)
    root = demo_build.root
    load_all(root / "org", db_path, root / "org" / "catalog")
    assert raw_counts(db_path, tables) == before


def test_every_model_has_a_grain_and_a_tested_primary_key(demo_build: DemoBuild) -> None:
    manifest = json.loads((demo_build.root / "dbt_target" / "manifest.json").read_text())
    models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    keyed: Counter[str] = Counter()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        test_name = (node.get("test_metadata") or {}).get("name")
        if test_name in {"unique", "unique_combination"}:
            for parent in node["depends_on"]["nodes"]:
                keyed[parent] += 1
    missing_grain = [k for k, n in models.items() if not n["description"].startswith("One row")]
    missing_key = [k for k in models if keyed[k] == 0]
    assert missing_grain == []
    assert missing_key == []


def test_mart_invariants_hold_on_the_demo(demo: tuple[Organisation, Path]) -> None:
    _org, db_path = demo
    # every deployment belongs to a catalogued project
    assert query(db_path, """
        select count(*) from marts.fct_deployments d
        left join marts.dim_projects p using (project_id) where p.project_id is null""")[0][0] == 0
    # 0 <= change failure rate <= 1 and failed <= deployments, in every period and summary row
    for table in ("marts.dora_metrics_weekly", "marts.dora_metrics_monthly", "marts.dora_summary"):
        assert query(db_path, f"""
            select count(*) from {table}
            where failed_deployments > deployments
               or change_failure_rate < 0 or change_failure_rate > 1""")[0][0] == 0
    # every change's lead time is >= 0 or the change is flagged and left out
    assert query(db_path, """
        select count(*) from marts.fct_changes
        where is_counted_in_lead_time and not lead_time_hours >= 0""")[0][0] == 0


def test_demo_shows_the_designed_contrast(demo: tuple[Organisation, Path]) -> None:
    _org, db_path = demo
    phases = dict(query(db_path, "select project_id, current_phase from marts.dim_projects"))
    assert phases == {
        "fraud-detection": "production",
        "churn-prediction": "production",
        "credit-scoring": "production",
        "demand-forecast": "production",
        "demand-sensing": "production",
        "search-ranking": "exploration",
        "price-elasticity": "exploration",
        "recsys": "exploration",
    }
    cycles = dict(query(db_path, "select project_id, exploration_cycles from marts.dim_projects"))
    assert cycles["recsys"] == 2
    levels = {
        r[0]: r[1:]
        for r in query(db_path, """
            select scope_id, deployment_frequency_level, change_failure_rate_level
            from marts.dora_summary where is_default_report and scope = 'project'""")
    }
    assert levels["fraud-detection"][0] == "elite"
    assert levels["credit-scoring"][1] == "low"
    assert levels["demand-forecast"][0] == "insufficient data"
    # SageMaker endpoint rollouts every week: enough for a level
    assert levels["demand-sensing"][0] not in ("insufficient data", None)
    kinds = dict(query(db_path, """
        select deployment_kind, count(*) from marts.fct_deployments
        where project_id = 'fraud-detection' group by 1"""))
    assert kinds["retrain"] > 0 and kinds["initial"] == 1
