"""The demo organisation is deterministic and has the properties the scorecard is designed on."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import pytest

from ingest.demo.model import Deployment, Organisation
from ingest.demo.organisation import AS_OF, HISTORY_START, build_demo_organisation
from ingest.demo.write_catalog import write_catalog
from ingest.demo.write_git import CommitHasher, write_git_repos


@pytest.fixture(scope="module")
def org() -> Organisation:
    return build_demo_organisation()


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def production_successes(org: Organisation, repo: str) -> list[Deployment]:
    return sorted((d for d in org.deployments if d.repo == repo and d.environment == "production"
                   and any(s.state == "success" for s in d.statuses)), key=lambda d: d.created_at)


def kickoffs(org: Organisation, jira_key: str) -> list:
    return [i for i in org.jira_issues if i.project_key == jira_key and "kickoff" in i.labels]


def test_build_is_deterministic_down_to_the_bytes(org: Organisation, tmp_path: Path) -> None:
    again = build_demo_organisation()
    assert again == org
    shas_a = write_git_repos(org, tmp_path / "a" / "git")
    shas_b = write_git_repos(again, tmp_path / "b" / "git")
    assert shas_a == shas_b
    write_catalog(org, tmp_path / "a" / "catalog")
    write_catalog(again, tmp_path / "b" / "catalog")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    people = {p.key: p for p in org.people}
    for repo in org.repos:  # the shas used in texts before git ran are the ones git wrote
        hasher = CommitHasher(people)
        for commit in repo.commits:
            hasher.add(commit)
        assert hasher.shas == shas_a[repo.name]
    catalog = (tmp_path / "a" / "catalog" / "projects.csv").read_text()
    assert catalog.splitlines()[0] == "project_id,project_name,team" and "\r" not in catalog


def test_shape_and_size(org: Organisation) -> None:
    assert len(org.catalog) == 7
    assert {p.team for p in org.catalog} == {"risk", "growth", "supply"}
    assert 3000 <= sum(len(r.commits) for r in org.repos) <= 5000
    assert 300 <= len(org.pull_requests) <= 800
    assert 300 <= len(org.deployments) <= 700
    everything = [c.authored_at for r in org.repos for c in r.commits] + [r.start_time for r in org.runs]
    everything += [d.created_at for d in org.deployments] + [i.created_at for i in org.jira_issues]
    assert all(t.tzinfo is not None and HISTORY_START <= t <= AS_OF for t in everything)
    offsets = {c.authored_at.utcoffset() for r in org.repos for c in r.commits}
    assert {timedelta(hours=h) for h in (1, 5.5, -7, 9, 0)} <= offsets


def test_every_project_has_a_kickoff_and_experiments(org: Organisation) -> None:
    for project in org.catalog:
        (jira_key,) = project.jira_projects
        epics = kickoffs(org, jira_key)
        assert epics and all(e.issue_type == "Epic" for e in epics), project.project_id
        (prefix,) = project.mlflow_experiment_prefixes
        experiments = {e.experiment_id for e in org.experiments if e.name.startswith(prefix)}
        assert sum(r.experiment_id in experiments for r in org.runs) >= 100, project.project_id
        first_run = min(r.start_time for r in org.runs if r.experiment_id in experiments)
        assert min(e.created_at for e in epics) < first_run  # T1 before T2


def test_search_ranking_is_still_exploring(org: Organisation) -> None:
    project = next(p for p in org.catalog if p.project_id == "search-ranking")
    assert project.git_repos == [] and project.github_repos == []
    assert not any(r.name.startswith("search") for r in org.repos)
    (epic,) = kickoffs(org, "SRCH")
    assert epic.status == "In Progress"


def test_price_elasticity_never_got_its_baseline_approved(org: Organisation) -> None:
    (epic,) = kickoffs(org, "PRICE")
    assert [t.to_status for t in epic.transitions] == ["In Progress", "In Review"]
    assert epic.status != "Approved"
    project = next(p for p in org.catalog if p.project_id == "price-elasticity")
    assert project.git_repos == []


def test_recsys_went_back_to_exploration(org: Organisation) -> None:
    first, second = sorted(kickoffs(org, "REC"), key=lambda e: e.created_at)
    assert first.status == "Approved" and second.status != "Approved"
    deployments = production_successes(org, "recsys-pipeline")
    assert deployments[0].created_at < second.created_at  # the new kickoff comes after production
    new_runs = [r for r in org.runs if r.start_time > second.created_at
                and any(e.experiment_id == r.experiment_id and e.name.startswith("recsys/") for e in org.experiments)]
    assert len(new_runs) >= 100


def test_fraud_detection_retrains_the_same_code(org: Organisation) -> None:
    deployments = production_successes(org, "fraud-detection-pipeline")
    retrains = [d for d in deployments if d.payload_extra.get("trigger") == "schedule"]
    assert len(retrains) >= 50
    runs = {r.run_id: r for r in org.runs}
    versions = {(v.name, str(v.version)): v for v in org.model_versions}
    for retrain in retrains:
        previous = deployments[deployments.index(retrain) - 1]
        assert retrain.commit == previous.commit and retrain.model_version != previous.model_version
        run = runs[versions[(retrain.model_name, retrain.model_version)].run_id]
        assert run.git_commit == retrain.commit and run.end_time < retrain.created_at
    weeks = (AS_OF - deployments[0].created_at).days / 7
    code = [d for d in deployments if d.payload_extra.get("trigger") == "push"]
    assert len(code) / weeks >= 1.5  # several code deployments a week
    staging_first = {d.commit for d in org.deployments if d.repo == "fraud-detection-pipeline"
                     and d.environment == "staging"}
    assert all(d.commit in staging_first for d in code)


def failed_share(org: Organisation, repo: str, incident_times: Iterable) -> float:
    """Share of production deployments followed by an incident, a rollback or a hotfix."""
    deployments = production_successes(org, repo)
    failed: set[int] = set()
    for at in incident_times:
        before = [d for d in deployments if d.created_at < at]
        failed.add(before[-1].id)
    for index, dep in enumerate(deployments):
        if dep.description.startswith(("rollback", "hotfix:")):
            failed.add(deployments[index - 1].id)
    return len(failed) / len(deployments)


def test_credit_scoring_fails_often_and_says_why(org: Organisation) -> None:
    repo = next(r for r in org.repos if r.name == "credit-scoring-pipeline")
    shas = CommitHasher({p.key: p for p in org.people})
    for commit in repo.commits:
        shas.add(commit)
    incidents = [i for i in org.github_issues if i.repo == repo.name and "incident" in i.labels]
    assert 0.35 <= failed_share(org, repo.name, [i.created_at for i in incidents]) <= 0.45
    dep_ids = {d.id for d in org.deployments}
    named = [int(m) for i in incidents for m in re.findall(r"Caused by deployment (\d+)", i.body)]
    assert named and set(named) <= dep_ids
    root_causes = [m for i in incidents for m in re.findall(r"root cause: ([0-9a-f]{40})", i.body)]
    assert root_causes and set(root_causes) <= set(shas.shas.values())
    deployments = production_successes(org, repo.name)
    rollbacks = [d for d in deployments if d.description.startswith("rollback")]
    assert len(rollbacks) >= 2
    for rollback in rollbacks:
        earlier = deployments[: deployments.index(rollback)]
        assert (rollback.commit, rollback.model_version) in {(d.commit, d.model_version) for d in earlier[:-1]}
    assert len([d for d in deployments if d.description.startswith("hotfix:")]) >= 2
    assert any("hotfix" in pr.labels for pr in org.pull_requests if pr.repo == repo.name)
    reverts = [c for c in repo.commits if c.message.startswith("Revert ")]
    assert reverts and all(re.search(r"This reverts commit ([0-9a-f]{40})", c.message).group(1)
                           in shas.shas.values() for c in reverts)


def test_fraud_detection_fails_rarely(org: Organisation) -> None:
    incidents = [i.created_at for i in org.github_issues
                 if i.repo == "fraud-detection-pipeline" and "incident" in i.labels]
    assert 0 < failed_share(org, "fraud-detection-pipeline", incidents) < 0.05


def test_jira_incidents_and_squash_branches(org: Organisation) -> None:
    for key in ("CHURN", "DMD"):
        incidents = [i for i in org.jira_issues if i.project_key == key and i.issue_type == "Incident"]
        assert incidents and all([t.to_status for t in i.transitions] == ["In Progress", "Done"]
                                 and i.resolved_at is not None for i in incidents)
    repos = {r.name: r for r in org.repos}
    squashed = [p for p in org.pull_requests if p.merge_method == "squash" and p.merged_at]
    assert squashed
    for pr in squashed + [p for p in org.pull_requests if p.merge_method == "merge" and p.merged_at]:
        assert all(r.reviewer != pr.author for r in pr.reviews) and pr.reviews
        if pr.merge_method == "squash":  # the PR's commits stay reachable from their branch
            assert repos[pr.repo].branches[pr.head_branch] == pr.commits[-1]


def test_unassigned_records_exist(org: Organisation) -> None:
    prefixes = [p for c in org.catalog for p in c.mlflow_experiment_prefixes]
    unclaimed = {e.experiment_id for e in org.experiments if not e.name.startswith(tuple(prefixes))}
    assert any(r.experiment_id in unclaimed for r in org.runs)
    claimed_repos = {r for c in org.catalog for r in c.git_repos}
    assert any(r.name not in claimed_repos for r in org.repos)


def test_champion_alias_is_the_version_in_production(org: Organisation) -> None:
    for model in org.registered_models:
        deployments = [d for d in org.deployments if d.model_name == model.name and d.environment == "production"
                       and any(s.state == "success" for s in d.statuses)]
        assert model.aliases == {"champion": int(max(deployments, key=lambda d: d.created_at).model_version)}
