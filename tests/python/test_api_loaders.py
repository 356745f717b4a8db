"""The GitHub, Jira and MLflow loaders on a hand-built organisation, through recorded pages.

A small organisation is written by the real writers (git repositories, cassettes, catalog),
then ``ingest.run.load_all`` loads it into a temporary DuckDB through ``ingest.replay``. Counts
are exact and derived by hand from the organisation below; several lists are longer than one
page (101 pull requests, 102 Jira issues, a 101-step changelog, 1001 runs) so pagination is
exercised on every paginator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from ingest.demo.model import (
    CatalogProject,
    Commit,
    Deployment,
    DeploymentStatus,
    GitHubIssue,
    JiraIssue,
    JiraTransition,
    MlflowExperiment,
    MlflowRun,
    ModelVersion,
    Organisation,
    Person,
    PullRequest,
    RegisteredModel,
    Release,
    Repo,
    Review,
)
from ingest.demo.writers import write_organisation
from ingest.pseudonymise import person_id
from ingest.replay import UnmatchedRequestError, replay_session
from ingest.run import load_all

SALT = "test-salt"
Written = tuple[Organisation, Path, dict[str, dict[str, str]]]
UTC = timezone.utc
CET = timezone(timedelta(hours=1))
EST = timezone(timedelta(hours=-5))
AS_OF = datetime(2026, 4, 30, 18, 0, tzinfo=UTC)

ALICE = Person("alice", "Alice Example", "alice@acme-ml.example", "alice-gh")
BOB = Person("bob", "Bob Builder", "bob@acme-ml.example", "bob-gh")
CAROL = Person("carol", "Carol Tester", "carol@acme-ml.example", "carol-gh")
PEOPLE = [ALICE, BOB, CAROL]

N_FRAUD_PRS = 101  # one more than a page
N_STORIES = 101  # FRD-2 .. FRD-102
N_EPIC_TRANSITIONS = 101  # one more than a changelog page
N_FRAUD_RUNS = 1001  # one more than an MLflow page


def _run_id(i: int) -> str:
    return hashlib.md5(f"run-{i}".encode()).hexdigest()


def _fraud_repo() -> tuple[Repo, list[PullRequest]]:
    t0 = datetime(2025, 1, 2, 9, 0, tzinfo=UTC)
    commits = [Commit("c0", "Initial commit\n", "alice", datetime(2025, 1, 1, 9, 0, tzinfo=CET),
                      files={"README.md": "fraud\n"})]
    prs: list[PullRequest] = []
    mainline = "c0"
    for i in range(1, N_FRAUD_PRS + 1):
        opened = t0 + timedelta(hours=i)
        author = "alice" if i % 2 else "bob"
        reviewer = "bob" if author == "alice" else "alice"
        pr_commits = [f"f{i}"]
        commits.append(Commit(f"f{i}", f"Change {i}\n\nDetails {i}\n", author, opened - timedelta(minutes=30),
                              parents=[mainline], files={f"src/change_{i}.py": f"x = {i}\n"}))
        if i == 1:
            commits.append(Commit("f1b", "Fix review remarks\n", author, opened + timedelta(minutes=30),
                                  parents=["f1"], files={"src/change_1.py": "x = 1  # fixed\n"}))
            pr_commits.append("f1b")
        merged = i < N_FRAUD_PRS
        reviews = [Review(reviewer, "APPROVED", opened + timedelta(hours=2))] if merged else []
        if i == 1:
            reviews.insert(0, Review("carol", "CHANGES_REQUESTED", opened + timedelta(minutes=10)))
        if merged:
            merge_at = opened + timedelta(days=1)
            commits.append(Commit(f"m{i}", f"Change {i} (#{i})\n", author, merge_at, parents=[mainline],
                                  committed_at=merge_at, committer=author,
                                  files={f"src/change_{i}.py": "x = 1  # fixed\n" if i == 1 else f"x = {i}\n"}))
            mainline = f"m{i}"
        prs.append(PullRequest(
            repo="fraud-pipeline", number=i, title=f"Change {i}", author=author, head_branch=f"feature/change-{i}",
            commits=pr_commits, opened_at=opened,
            merged_at=opened + timedelta(days=1) if merged else None,
            closed_at=opened + timedelta(days=1) if merged else None,
            merge_commit=f"m{i}" if merged else None, merge_method="squash", reviews=reviews,
            labels=["ml", "model"] if i == 1 else [], body=f"Implements change {i}.",
        ))
    repo = Repo("fraud-pipeline", "acme-ml/fraud-pipeline", commits,
                branches={"main": mainline, f"feature/change-{N_FRAUD_PRS}": f"f{N_FRAUD_PRS}"})
    return repo, prs


def _churn_repo() -> tuple[Repo, list[PullRequest]]:
    t = datetime(2025, 3, 1, 10, 0, tzinfo=EST)
    commits = [
        Commit("b0", "Initial churn model\n", "carol", t, files={"model.py": "v = 0\n"}),
        Commit("b1", "Add features\n", "carol", t + timedelta(hours=1), parents=["b0"], files={"model.py": "v = 1\n"}),
        Commit("b2", "Merge pull request #1 from acme-ml/feature/features\n", "carol", t + timedelta(hours=5),
               parents=["b0", "b1"], files={"model.py": "v = 1\n"}),
        Commit("b3", "Try something\n", "bob", t + timedelta(hours=6), parents=["b0"], files={"other.py": "y = 1\n"}),
    ]
    prs = [
        PullRequest("churn-model", 1, "Add features", "carol", "feature/features", ["b1"], t + timedelta(hours=2),
                    merged_at=t + timedelta(hours=5), closed_at=t + timedelta(hours=5), merge_commit="b2"),
        PullRequest("churn-model", 2, "Try something", "bob", "feature/x", ["b3"], t + timedelta(hours=7),
                    closed_at=t + timedelta(hours=8)),
    ]
    return Repo("churn-model", "acme-ml/churn-model", commits, branches={"main": "b2", "feature/x": "b3"}), prs


def _jira_issues() -> list[JiraIssue]:
    start = datetime(2025, 1, 1, 10, 0, tzinfo=CET)
    epic_transitions = []
    status = "To Do"
    for j in range(N_EPIC_TRANSITIONS):
        new = "In Progress" if status == "To Do" else "To Do"
        epic_transitions.append(JiraTransition(start + timedelta(hours=j + 1), status, new, "alice"))
        status = new
    issues = [JiraIssue("FRD-1", 10001, "Epic", "Fraud detection", "alice", start, status,
                        transitions=epic_transitions, labels=["kickoff"],
                        description="Detect fraud.\n\nSecond paragraph\nline two")]
    for n in range(2, N_STORIES + 2):
        created = datetime(2025, 2, 1, 9, 0, tzinfo=UTC) + timedelta(hours=n)
        issues.append(JiraIssue(
            f"FRD-{n}", 10000 + n, "Story", f"Story {n}", "bob", created, "Done",
            transitions=[JiraTransition(created + timedelta(hours=1), "To Do", "In Progress", "bob"),
                         JiraTransition(created + timedelta(hours=3), "In Progress", "Done", "bob")],
            resolved_at=created + timedelta(hours=3)))
    issues.append(JiraIssue("CHN-1", 20001, "Incident", "Churn scores stale", "carol",
                            datetime(2025, 3, 2, 8, 0, tzinfo=EST), "To Do", labels=["incident"],
                            priority="High"))
    # a project outside the catalog: recorded, never loaded
    issues.append(JiraIssue("OPS-1", 30001, "Task", "Rotate keys", "bob", datetime(2025, 3, 3, tzinfo=UTC), "Done",
                            transitions=[JiraTransition(datetime(2025, 3, 4, tzinfo=UTC), "To Do", "Done", "bob")]))
    return issues


def _mlflow(shas_keys: list[str]) -> tuple[list[MlflowExperiment], list[MlflowRun], list[RegisteredModel],
                                            list[ModelVersion]]:
    experiments = [
        MlflowExperiment("1", "fraud/training", datetime(2025, 1, 3, tzinfo=UTC)),
        MlflowExperiment("2", "churn/training", datetime(2025, 3, 1, tzinfo=UTC)),
        MlflowExperiment("3", "scratch", datetime(2025, 1, 1, tzinfo=UTC), lifecycle_stage="deleted"),
    ]
    t = datetime(2025, 1, 5, 8, 0, tzinfo=UTC)
    runs = [
        MlflowRun(_run_id(i), "1", f"train-{i}", "alice", t + timedelta(minutes=i),
                  t + timedelta(minutes=i, seconds=30),
                  git_repo="fraud-pipeline", git_commit=shas_keys[i % len(shas_keys)],
                  tags={"team": "fraud"}, metrics={"auc": 0.9 + i / 100000}, params={"lr": "0.01"})
        for i in range(N_FRAUD_RUNS)
    ]
    runs.append(MlflowRun(_run_id(5000), "2", "churn-1", "carol", datetime(2025, 3, 2, tzinfo=UTC),
                          datetime(2025, 3, 2, 1, tzinfo=UTC), metrics={"f1": 0.7}))
    runs.append(MlflowRun(_run_id(5001), "2", "churn-2", "carol", datetime(2025, 3, 3, tzinfo=UTC), None,
                          status="RUNNING"))
    runs.append(MlflowRun(_run_id(6000), "3", "scratch-1", "bob", datetime(2025, 1, 2, tzinfo=UTC),
                          datetime(2025, 1, 2, 1, tzinfo=UTC)))
    models = [
        RegisteredModel("fraud-model", datetime(2025, 1, 6, tzinfo=UTC), aliases={"champion": 3, "challenger": 2}),
        RegisteredModel("churn-model", datetime(2025, 3, 2, tzinfo=UTC)),
    ]
    versions = [
        ModelVersion("fraud-model", v, datetime(2025, 1, 6 + v, tzinfo=UTC), _run_id(v * 10)) for v in (1, 2, 3)
    ] + [ModelVersion("churn-model", 1, datetime(2025, 3, 2, 2, tzinfo=UTC), _run_id(5000))]
    return experiments, runs, models, versions


def build_org() -> Organisation:
    """The test organisation; the expected counts below follow from it."""
    fraud, fraud_prs = _fraud_repo()
    churn, churn_prs = _churn_repo()
    d = datetime(2025, 2, 1, 12, 0, tzinfo=UTC)
    deployments = [
        Deployment("fraud-pipeline", 9001, "m50", "production", d, [DeploymentStatus("in_progress", d),
                   DeploymentStatus("success", d + timedelta(minutes=5))], "alice",
                   model_name="fraud-model", model_version="3", payload_extra={"run": "x"}),
        Deployment("fraud-pipeline", 9002, "m100", "staging", d + timedelta(days=3),
                   [DeploymentStatus("success", d + timedelta(days=3, minutes=4))], "bob"),
        Deployment("fraud-pipeline", 9003, "m100", "production", d + timedelta(days=4),
                   [DeploymentStatus("in_progress", d + timedelta(days=4)),
                    DeploymentStatus("failure", d + timedelta(days=4, minutes=9))], "bob",
                   model_name="fraud-model", model_version="2"),
        Deployment("churn-model", 9101, "b2", "production", d + timedelta(days=40),
                   [DeploymentStatus("success", d + timedelta(days=40, minutes=2))], "carol"),
    ]
    issues = [
        GitHubIssue("fraud-pipeline", 201, "Scores missing in prod", "bob", d + timedelta(days=5),
                    closed_at=d + timedelta(days=5, hours=3), labels=["incident"], body="Pager fired."),
        GitHubIssue("fraud-pipeline", 202, "Flaky test", "alice", d + timedelta(days=6), labels=["bug"]),
        GitHubIssue("churn-model", 301, "Add docs", "carol", d + timedelta(days=41)),
    ]
    releases = [
        Release("fraud-pipeline", 7001, "v1.0.0", "m50", d, d + timedelta(minutes=1), "alice"),
        Release("churn-model", 7101, "v0.1.0", "b2", d + timedelta(days=40), d + timedelta(days=40), "carol"),
    ]
    experiments, runs, models, versions = _mlflow([f"m{i}" for i in range(1, N_FRAUD_PRS)])
    catalog = [
        CatalogProject("fraud", "Fraud detection", "risk", git_repos=["fraud-pipeline"],
                       github_repos=["acme-ml/fraud-pipeline"], jira_projects=["FRD"], kickoff_keys=["FRD-1"],
                       mlflow_experiment_prefixes=["fraud/"], registered_models=["fraud-model"]),
        CatalogProject("churn", "Churn model", "growth", git_repos=["churn-model"],
                       github_repos=["acme-ml/churn-model"], jira_projects=["CHN"],
                       mlflow_experiment_prefixes=["churn/"], registered_models=["churn-model"]),
    ]
    return Organisation(
        name="acme-ml", as_of=AS_OF, people=PEOPLE, repos=[fraud, churn],
        pull_requests=fraud_prs + churn_prs, deployments=deployments, github_issues=issues, releases=releases,
        jira_issues=_jira_issues(), experiments=experiments, runs=runs, registered_models=models,
        model_versions=versions, catalog=catalog,
    )


EXPECTED_API_COUNTS = {
    "raw_github.deployment_statuses": 6,
    "raw_github.deployments": 4,
    "raw_github.issues": 3 + N_FRAUD_PRS + 2,  # issues and pull requests, as the API lists them
    "raw_github.pull_request_commits": N_FRAUD_PRS + 1 + 2,  # PR 1 has two commits
    "raw_github.pull_request_reviews": (N_FRAUD_PRS - 1) + 1,  # merged PRs approved, PR 1 also changes requested
    "raw_github.pull_requests": N_FRAUD_PRS + 2,
    "raw_github.releases": 2,
    "raw_jira.issue_changelogs": N_EPIC_TRANSITIONS + 2 * N_STORIES,  # OPS-1 is not in the catalog
    "raw_jira.issues": 1 + N_STORIES + 1,
    "raw_mlflow.experiments": 2,  # the deleted experiment is not listed
    "raw_mlflow.model_aliases": 2,
    "raw_mlflow.model_versions": 4,
    "raw_mlflow.registered_models": 2,
    "raw_mlflow.runs": N_FRAUD_RUNS + 2,
}
EXPECTED_GIT_COUNTS = {
    # reachable from a ref: c0, m1..m100, f101 (squash-merged branches are gone) | b0..b3
    "raw_git.commits": 1 + (N_FRAUD_PRS - 1) + 1 + 4,
    # main, feature/change-101, v1.0.0 | main, feature/x, v0.1.0
    "raw_git.refs": 6,
    # c0, m1..m100 | b0, b1, b2
    "raw_git.mainline_commits": 1 + (N_FRAUD_PRS - 1) + 3,
}


@pytest.fixture(scope="module")
def salt() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_KPIS_PSEUDONYM_SALT", SALT)
        mp.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
        yield SALT


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, salt: str) -> Written:
    org = build_org()
    out = tmp_path_factory.mktemp("org")
    shas = write_organisation(org, out)
    return org, out, shas


@pytest.fixture(scope="module")
def loaded(written: Written, tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, Any]:
    """Load the API sources twice into one warehouse; keep both counts."""
    _, out, _ = written
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    only = {"github", "jira", "mlflow"}
    first = load_all(out, db, out / "catalog", only)
    second = load_all(out, db, out / "catalog", only)
    return {"db": db, "first": first, "second": second}


def _query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _one(db: Path, sql: str, params: list[Any] | None = None) -> Any:
    rows = _query(db, sql, params)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def test_exact_row_counts(loaded: dict[str, Any]) -> None:
    assert loaded["first"] == EXPECTED_API_COUNTS


def test_second_load_changes_no_counts(loaded: dict[str, Any]) -> None:
    assert loaded["second"] == loaded["first"]


def test_raw_columns_are_the_contract(loaded: dict[str, Any]) -> None:
    columns = _query(loaded["db"], "select table_name, column_name from information_schema.columns "
                                   "where table_schema = 'raw_github' and table_name = 'pull_requests' "
                                   "order by ordinal_position")
    assert [c for _, c in columns] == [
        "repo", "id", "number", "title", "state", "draft", "author_id", "created_at", "updated_at", "closed_at",
        "merged_at", "merge_commit_sha", "head_ref", "head_sha", "base_ref", "labels", "_dlt_load_id", "_dlt_id"]
    types = dict(_query(loaded["db"], "select column_name, data_type from information_schema.columns "
                                      "where table_schema = 'raw_jira' and table_name = 'issues'"))
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["resolved_at"] == "TIMESTAMP WITH TIME ZONE"


def test_github_values(loaded: dict[str, Any], written: Written) -> None:
    db = loaded["db"]
    _, _, shas = written
    row = _one(db, "select state, author_id, merged_at, merge_commit_sha, head_sha, base_ref, labels "
                   "from raw_github.pull_requests where repo = 'acme-ml/fraud-pipeline' and number = 1")
    assert row == ("closed", person_id("alice-gh", SALT), datetime(2025, 1, 3, 10, 0, tzinfo=UTC),
                   shas["fraud-pipeline"]["m1"], shas["fraud-pipeline"]["f1b"], "main", "ml,model")
    open_pr = _one(db, "select state, merged_at, closed_at from raw_github.pull_requests where number = 101")
    assert open_pr == ("open", None, None)
    commits = _query(db, "select position, sha, author_id, subject from raw_github.pull_request_commits "
                         "where repo = 'acme-ml/fraud-pipeline' and pr_number = 1 order by position")
    assert commits == [(0, shas["fraud-pipeline"]["f1"], person_id(ALICE.email, SALT), "Change 1"),
                       (1, shas["fraud-pipeline"]["f1b"], person_id(ALICE.email, SALT), "Fix review remarks")]
    reviews = _query(db, "select state, reviewer_id, commit_id from raw_github.pull_request_reviews "
                         "where pr_number = 1 and repo = 'acme-ml/fraud-pipeline' order by submitted_at")
    assert reviews == [("CHANGES_REQUESTED", person_id("carol-gh", SALT), shas["fraud-pipeline"]["f1"]),
                       ("APPROVED", person_id("bob-gh", SALT), shas["fraud-pipeline"]["f1b"])]
    dep = _one(db, "select sha, environment, production_environment, model_name, model_version, payload "
                   "from raw_github.deployments where id = 9001")
    assert dep[:5] == (shas["fraud-pipeline"]["m50"], "production", True, "fraud-model", "3")
    assert json.loads(dep[5]) == {"model_name": "fraud-model", "model_version": "3", "run": "x"}
    assert _one(db, "select model_version from raw_github.deployments where id = 9002") is None
    statuses = _query(db, "select state from raw_github.deployment_statuses where deployment_id = 9003 "
                          "order by created_at")
    assert statuses == [("in_progress",), ("failure",)]
    by_kind = dict(_query(db, "select is_pull_request, count(*) from raw_github.issues group by 1"))
    assert by_kind == {True: N_FRAUD_PRS + 2, False: 3}
    incident = _one(db, "select state, state_reason, labels, closed_at from raw_github.issues where number = 201")
    assert incident == ("closed", "completed", "incident", datetime(2025, 2, 6, 15, 0, tzinfo=UTC))
    release = _one(db, "select tag_name, target_commitish, author_id from raw_github.releases where id = 7001")
    assert release == ("v1.0.0", shas["fraud-pipeline"]["m50"], person_id("alice-gh", SALT))


def test_jira_values(loaded: dict[str, Any]) -> None:
    db = loaded["db"]
    epic = _one(db, "select id, project_key, issue_type, status, status_category, created_at, description_text, "
                    "reporter_id, labels from raw_jira.issues where key = 'FRD-1'")
    # "2025-01-01T10:00:00.000+0100" is 09:00 UTC
    assert epic == ("10001", "FRD", "Epic", "In Progress", "indeterminate", datetime(2025, 1, 1, 9, 0, tzinfo=UTC),
                    "Detect fraud.\n\nSecond paragraph\nline two", person_id(ALICE.email, SALT), "kickoff")
    incident = _one(db, "select created_at, priority, status_category, resolved_at from raw_jira.issues "
                        "where key = 'CHN-1'")
    assert incident == (datetime(2025, 3, 2, 13, 0, tzinfo=UTC), "High", "new", None)
    assert _one(db, "select count(*) from raw_jira.issues where project_key = 'OPS'") == 0
    done = _one(db, "select status, status_category, resolved_at from raw_jira.issues where key = 'FRD-2'")
    assert done == ("Done", "done", datetime(2025, 2, 1, 14, 0, tzinfo=UTC))
    steps = _query(db, "select field, field_type, from_string, to_string, from_value, to_value, author_id "
                       "from raw_jira.issue_changelogs where issue_key = 'FRD-1' order by created_at")
    assert len(steps) == N_EPIC_TRANSITIONS
    assert steps[0] == ("status", "jira", "To Do", "In Progress", "10000", "3", person_id(ALICE.email, SALT))
    assert steps[-1][3] == "In Progress"


def test_mlflow_values(loaded: dict[str, Any], written: Written) -> None:
    db = loaded["db"]
    _, _, shas = written
    run = _one(db, "select experiment_id, run_name, user_id, status, start_time, git_commit, source_name, "
                   "source_type, tags, metrics from raw_mlflow.runs where run_id = ?", [_run_id(7)])
    assert run[:8] == ("1", "train-7", person_id(ALICE.email, SALT), "FINISHED",
                       datetime(2025, 1, 5, 8, 7, tzinfo=UTC), shas["fraud-pipeline"]["m8"], "train.py", "LOCAL")
    assert json.loads(run[8]) == {"mlflow.source.git.repoURL": "https://github.com/acme-ml/fraud-pipeline.git",
                                  "team": "fraud"}
    assert json.loads(run[9]) == {"auc": pytest.approx(0.90007)}
    running = _one(db, "select status, end_time, metrics from raw_mlflow.runs where run_id = ?", [_run_id(5001)])
    assert running == ("RUNNING", None, "{}")
    versions = _query(db, "select version, run_id, current_stage from raw_mlflow.model_versions "
                          "where name = 'fraud-model' order by version")
    assert versions == [(1, _run_id(10), "None"), (2, _run_id(20), "None"), (3, _run_id(30), "None")]
    assert _one(db, "select data_type from information_schema.columns where table_schema = 'raw_mlflow' "
                    "and table_name = 'model_versions' and column_name = 'version'") == "BIGINT"
    aliases = _query(db, "select alias, version, observed_at from raw_mlflow.model_aliases order by alias")
    assert aliases == [("challenger", 2, AS_OF), ("champion", 3, AS_OF)]
    assert _one(db, "select last_updated_time from raw_mlflow.registered_models where name = 'fraud-model'") == \
        datetime(2025, 1, 9, tzinfo=UTC)


def _text_values(db: Path, schemas: tuple[str, ...]) -> Iterator[tuple[str, str, str]]:
    columns = _query(db, "select table_schema, table_name, column_name from information_schema.columns "
                         "where table_schema in (select unnest(?)) and data_type = 'VARCHAR' "
                         "and table_name not like '\\_dlt%' escape '\\' "
                         "and column_name not like '\\_dlt%' escape '\\'", [list(schemas)])
    for schema, table, column in columns:
        sql = f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null'
        for (value,) in _query(db, sql):
            yield f"{schema}.{table}.{column}", str(value), str(value).lower()


def test_no_identity_is_stored(loaded: dict[str, Any]) -> None:
    forbidden = [w.lower() for p in PEOPLE for w in (p.email, p.name, p.login, p.name.split()[0])]
    values = _text_values(loaded["db"], ("raw_github", "raw_jira", "raw_mlflow"))
    leaks = [(where, value) for where, value, lowered in values
             if "@" in value or any(word in lowered for word in forbidden)]
    assert leaks == []


def test_unmatched_request_names_cassette_method_and_url(
    written: Written
) -> None:
    _, out, _ = written
    session = replay_session([out / "recorded"])
    url = "https://api.github.com/repos/acme-ml/unknown/pulls?state=all&per_page=100"
    with pytest.raises(UnmatchedRequestError) as caught:
        session.get(url)
    message = str(caught.value)
    assert "github.jsonl" in message and "GET" in message and url in message


def test_loader_surfaces_unmatched_request(
    written: Written, tmp_path: Path, salt: str
) -> None:
    """A repository the recording does not hold fails the load with the replay error."""
    import dlt

    from ingest.github import github_source

    _, out, _ = written
    source = github_source(["acme-ml/unknown"], "https://api.github.com",
                           session=replay_session([out / "recorded"])).with_resources("releases")
    pipeline = dlt.pipeline("unmatched", destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
                            dataset_name="raw_github", pipelines_dir=str(tmp_path / ".dlt"))
    with pytest.raises(Exception) as caught:
        pipeline.run(source)
    assert "no recorded response in" in str(caught.value)
    assert "GET https://api.github.com/repos/acme-ml/unknown/releases?per_page=100" in str(caught.value)


def test_git_loads_with_the_api_sources(
    written: Written, tmp_path: Path
) -> None:
    _, out, _ = written
    counts = load_all(out, tmp_path / "wh.duckdb", out / "catalog")
    assert {k: v for k, v in counts.items() if k.startswith("raw_git.")} == EXPECTED_GIT_COUNTS
    assert {k: v for k, v in counts.items() if not k.startswith("raw_git.")} == EXPECTED_API_COUNTS


def test_cli_prints_the_counts(
    written: Written, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ingest.run import main

    _, out, _ = written
    assert main(["--recorded", str(out), "--db", str(tmp_path / "cli.duckdb"), "--catalog", str(out / "catalog"),
                 "--only", "mlflow"]) == 0
    printed = capsys.readouterr().out
    assert "raw_mlflow.runs" in printed and str(N_FRAUD_RUNS + 2) in printed
    assert "raw_github" not in printed


def test_live_shaped_session_also_works(written: Written) -> None:
    """The replaying session is a plain requests.Session: headers and Link as the API sends."""
    _, out, _ = written
    session = replay_session([out / "recorded"])
    params: dict[str, str | int] = {"state": "all", "sort": "created", "direction": "asc", "per_page": 100}
    first = session.get("https://api.github.com/repos/acme-ml/fraud-pipeline/pulls", params=params)
    assert isinstance(first, requests.Response) and first.status_code == 200
    assert len(first.json()) == 100
    assert first.headers["Date"] == "Thu, 30 Apr 2026 18:00:00 GMT"
    assert first.links["next"]["url"].endswith("&page=2")
    second = session.get(first.links["next"]["url"])
    assert [pr["number"] for pr in second.json()] == [101]
    assert set(second.links) == {"prev", "first"}
