"""The scenario organisation: one tiny project per metric rule, answers worked out by hand.

One ``Organisation`` holds every scenario so that a single load + ``dbt build`` serves the
whole suite (tests/python/test_scenarios.py). Each project has its own git/GitHub repository,
Jira project or label, MLflow experiment prefix and registered model, so the projects never
touch each other's metrics (only team and org roll-ups mix them).

All dates are fixed. Metrics are computed as of ``AS_OF`` (passed to dbt as the var ``as_of``);
the 90-day summary window is then 2026-01-01 00:00 .. 2026-04-01 00:00 UTC and its 7-day
buckets are whole calendar days: bucket k = the dates (2026-03-31 - 7k - 6) .. (2026-03-31 - 7k).

MLflow aliases keep no history, so the alias scenario (projects ``dup`` and ``aliasonly``) is
loaded twice: ``build_organisation(first_alias_observation=True)`` is the organisation as seen
at ``FIRST_ALIAS_OBSERVATION`` (aliases on version 1), ``build_organisation()`` as seen at
``AS_OF`` (aliases moved to version 2); the conftest loads both, snapshotting in between.

The projects ``rand-1`` .. ``rand-6`` are random histories (a fixed seed) whose outcomes the
tests compare with the pure-Python reference in ``dora_reference.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

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

UTC = timezone.utc
TOKYO = timezone(timedelta(hours=9))
PACIFIC = timezone(timedelta(hours=-7))

OWNER = "scenario-ml"
AS_OF = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)  # a Wednesday
AS_OF_VAR = "2026-04-01 00:00:00"
FIRST_ALIAS_OBSERVATION = datetime(2026, 3, 25, 0, 0, tzinfo=UTC)

ALICE = Person("alice", "Alice Tokyo", "alice@scenario-ml.example", "alice-sc")  # commits at +09:00
BOB = Person("bob", "Bob Pacific", "bob@scenario-ml.example", "bob-sc")  # commits at -07:00
CAROL = Person("carol", "Carol Utc", "carol@scenario-ml.example", "carol-sc")
BOT = Person("bot", "Deploy Bot", "deploy-bot@scenario-ml.example", "deploy-bot-sc")
PEOPLE = [ALICE, BOB, CAROL, BOT]

N_RANDOM_PROJECTS = 6
RANDOM_SEED = 20260401


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def run_id(n: int) -> str:
    return f"{n:032x}"


def dep_id(n: int) -> str:
    """The deployment_id the marts give GitHub deployment ``n``."""
    return f"github:{n}"


# --------------------------------------------------------------------------- building blocks


@dataclass
class RandomProject:
    """What a random project was generated from, for the reference model."""

    project_id: str
    repo: str
    commit_times: list[datetime]  # position 1.. on the (linear) first-parent line
    deployments: list[tuple[int, int, datetime, str]]  # (github id, position, deployed_at, description)
    failed_attempts: list[int]  # github ids of attempts that only failed
    incidents: list[tuple[int, datetime, datetime | None]]  # (issue number, created, resolved)


@dataclass
class Builder:
    repos: list[Repo] = field(default_factory=list)
    pull_requests: list[PullRequest] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    github_issues: list[GitHubIssue] = field(default_factory=list)
    jira_issues: list[JiraIssue] = field(default_factory=list)
    experiments: list[MlflowExperiment] = field(default_factory=list)
    runs: list[MlflowRun] = field(default_factory=list)
    registered_models: list[RegisteredModel] = field(default_factory=list)
    model_versions: list[ModelVersion] = field(default_factory=list)
    catalog: list[CatalogProject] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    random_projects: list[RandomProject] = field(default_factory=list)
    _jira_id: int = 20000

    def project(self, project_id: str, team: str, *, repo: str | None = None, **mappings: list[str]) -> None:
        repos = {"git_repos": [repo], "github_repos": [f"{OWNER}/{repo}"]} if repo else {}
        self.catalog.append(CatalogProject(project_id, project_id.replace("-", " ").title(), team,
                                           **repos, **mappings))

    def repo(self, name: str, commits: list[Commit], branches: dict[str, str] | None = None) -> None:
        main_tip = commits[-1].key if branches is None else branches["main"]
        self.repos.append(Repo(name, f"{OWNER}/{name}", commits, {"main": main_tip, **(branches or {})}))

    def deploy(self, repo: str, number: int, commit: str, at: datetime, *, description: str = "release",
               environment: str = "production", model: str | None = None, version: int | None = None,
               outcome: str = "success") -> None:
        """A GitHub deployment created 5 minutes before ``at``; its final status is at ``at``."""
        statuses = [DeploymentStatus("queued", at - timedelta(minutes=4)),
                    DeploymentStatus("in_progress", at - timedelta(minutes=2)),
                    DeploymentStatus(outcome, at)]
        self.deployments.append(Deployment(
            repo=repo, id=number, commit=commit, environment=environment,
            created_at=at - timedelta(minutes=5), statuses=statuses, creator="bot",
            description=description, model_name=model,
            model_version=None if version is None else str(version)))

    def incident(self, repo: str, number: int, created: datetime, resolved: datetime | None,
                 title: str = "Alert fired", body: str = "Error rate above the objective.") -> None:
        self.github_issues.append(GitHubIssue(repo, number, title, "carol", created, resolved,
                                              labels=["incident"], body=body))

    def jira(self, key: str, issue_type: str, summary: str, created: datetime, status: str, *,
             labels: list[str] | None = None, transitions: list[tuple[datetime, str, str]] | None = None,
             resolved: datetime | None = None, description: str = "") -> None:
        self._jira_id += 1
        self.jira_issues.append(JiraIssue(
            key=key, id=self._jira_id, issue_type=issue_type, summary=summary, reporter="carol",
            created_at=created, status=status,
            transitions=[JiraTransition(at, a, b, "carol") for at, a, b in transitions or []],
            labels=labels or [], description=description, resolved_at=resolved))

    def experiment(self, experiment_id: str, name: str, created: datetime) -> None:
        self.experiments.append(MlflowExperiment(experiment_id, name, created))

    def run(self, number: int, experiment_id: str, start: datetime, end: datetime | None, *,
            repo: str | None = None, commit: str | None = None) -> str:
        rid = run_id(number)
        self.runs.append(MlflowRun(rid, experiment_id, f"run-{number}", "carol", start, end,
                                   status="FINISHED" if end else "RUNNING", git_repo=repo, git_commit=commit))
        return rid


def commit(key: str, at: datetime, parents: list[str], author: str = "carol", message: str | None = None) -> Commit:
    return Commit(key, (message or f"Change {key}") + "\n", author, at, list(parents),
                  files={f"src/{key}.py": f"# {key}\n"})


# --------------------------------------------------------------------------- the projects


def multi(b: Builder) -> None:
    """Rule 1 and 3: an initial deployment, then one carrying a long branch through a merge."""
    b.project("multi", "delivery", repo="multi-pipeline")
    b.repo("multi-pipeline", [
        commit("c1", utc(2026, 2, 2, 10), []),
        commit("c2", utc(2026, 2, 3, 10), ["c1"]),
        commit("f1", utc(2026, 2, 5, 9), ["c2"], "bob"),
        commit("f2", utc(2026, 2, 9, 9), ["f1"], "bob"),
        commit("c3", utc(2026, 2, 10, 15), ["c2"]),
        commit("f3", utc(2026, 2, 16, 9), ["f2"], "bob"),
        commit("merge", utc(2026, 2, 17, 11), ["c3", "f3"], "bob", "Merge pull request #1 from feature/long"),
        commit("c4", utc(2026, 2, 18, 8), ["merge"]),
        commit("c5", utc(2026, 2, 25, 10), ["c4"]),
    ], {"main": "c5", "feature/long": "f3"})
    b.pull_requests.append(PullRequest(
        "multi-pipeline", 1, "Long feature", "bob", "feature/long", ["f1", "f2", "f3"],
        opened_at=utc(2026, 2, 16, 10), merged_at=utc(2026, 2, 17, 11), merge_commit="merge",
        merge_method="merge", reviews=[Review("carol", "APPROVED", utc(2026, 2, 17, 10))]))
    # one release, so that raw_github.releases exists (dlt creates no table for an empty list)
    b.releases.append(Release("multi-pipeline", 1, "v1.0", "c2", utc(2026, 2, 4, 11), utc(2026, 2, 4, 11), "carol"))
    b.deploy("multi-pipeline", 101, "c2", utc(2026, 2, 4, 12))
    b.deploy("multi-pipeline", 102, "c4", utc(2026, 2, 18, 12))
    b.deploy("multi-pipeline", 103, "c5", utc(2026, 2, 25, 16))


def squash(b: Builder) -> None:
    """Rule 2: a squash-merged pull request whose branch commits never reach main."""
    b.project("squash", "delivery", repo="squash-pipeline")
    b.repo("squash-pipeline", [
        commit("c1", utc(2026, 2, 2, 9), []),
        commit("p1", utc(2026, 2, 9, 10), ["c1"], "bob"),
        commit("p2", utc(2026, 2, 10, 14), ["p1"], "bob"),
        commit("sq", utc(2026, 2, 11, 10), ["c1"], "bob", "Add calibration (#1)"),
    ], {"main": "sq", "feature/calibration": "p2"})
    b.pull_requests.append(PullRequest(
        "squash-pipeline", 1, "Add calibration", "bob", "feature/calibration", ["p1", "p2"],
        opened_at=utc(2026, 2, 10, 15), merged_at=utc(2026, 2, 11, 10), merge_commit="sq",
        merge_method="squash", reviews=[Review("carol", "APPROVED", utc(2026, 2, 11, 9))]))
    b.deploy("squash-pipeline", 201, "c1", utc(2026, 2, 2, 12))
    b.deploy("squash-pipeline", 202, "sq", utc(2026, 2, 12, 12))


def retrain(b: Builder) -> None:
    """Rule 4: the same sha deployed again with a new model version from a finished run."""
    b.project("retrain", "models", repo="retrain-pipeline", mlflow_experiment_prefixes=["retrain/"],
              registered_models=["retrain-model"])
    b.repo("retrain-pipeline", [commit("c1", utc(2026, 2, 2, 9), [])])
    b.experiment("301", "retrain/training", utc(2026, 2, 2, 9, 30))
    run_a = b.run(3011, "301", utc(2026, 2, 2, 10), utc(2026, 2, 2, 11), repo="retrain-pipeline", commit="c1")
    run_b = b.run(3012, "301", utc(2026, 2, 10, 8), utc(2026, 2, 10, 10, 30), repo="retrain-pipeline", commit="c1")
    b.registered_models.append(RegisteredModel("retrain-model", utc(2026, 2, 2, 11)))
    b.model_versions += [ModelVersion("retrain-model", 1, utc(2026, 2, 2, 11, 5), run_a),
                         ModelVersion("retrain-model", 2, utc(2026, 2, 10, 10, 35), run_b)]
    b.deploy("retrain-pipeline", 301, "c1", utc(2026, 2, 3, 12), model="retrain-model", version=1)
    b.deploy("retrain-pipeline", 302, "c1", utc(2026, 2, 11, 9, 15), model="retrain-model", version=2)


def rollback(b: Builder) -> None:
    """Rule 5: model v2 deployed again after v3 (rollback by model version)."""
    b.project("rollback", "models", repo="rollback-pipeline")
    b.repo("rollback-pipeline", [commit("c1", utc(2026, 2, 2, 9), []), commit("c2", utc(2026, 2, 9, 9), ["c1"])])
    b.deploy("rollback-pipeline", 401, "c1", utc(2026, 2, 3, 12), model="rollback-model", version=2)
    b.deploy("rollback-pipeline", 402, "c2", utc(2026, 2, 10, 12), model="rollback-model", version=3)
    b.deploy("rollback-pipeline", 403, "c2", utc(2026, 2, 10, 18, 30), model="rollback-model", version=2)


def rollsha(b: Builder) -> None:
    """Rule 5 by sha: an older sha deployed again, then the newer one re-deployed."""
    b.project("rollsha", "models", repo="rollsha-pipeline")
    b.repo("rollsha-pipeline", [commit("c1", utc(2026, 2, 2, 9), []), commit("c2", utc(2026, 2, 9, 9), ["c1"])])
    b.deploy("rollsha-pipeline", 451, "c1", utc(2026, 2, 3, 12))
    b.deploy("rollsha-pipeline", 452, "c2", utc(2026, 2, 10, 12))
    b.deploy("rollsha-pipeline", 453, "c1", utc(2026, 2, 10, 13))
    b.deploy("rollsha-pipeline", 454, "c2", utc(2026, 2, 12, 10))


def explicit(b: Builder) -> None:
    """Rule 6: the incident names the older deployment; the newer one is inside the window."""
    b.project("explicit", "reliability", repo="explicit-pipeline")
    b.repo("explicit-pipeline", [commit("c1", utc(2026, 2, 2, 9), []), commit("c2", utc(2026, 2, 9, 9), ["c1"])])
    b.deploy("explicit-pipeline", 501, "c1", utc(2026, 2, 3, 12))
    b.deploy("explicit-pipeline", 502, "c2", utc(2026, 2, 10, 12))
    b.incident("explicit-pipeline", 1, utc(2026, 2, 11, 9), utc(2026, 2, 11, 15), title="Scores drifted",
               body="Scores drifted after deployment 501; the drift began before the last release.")


def window(b: Builder) -> None:
    """Rule 7: one incident exactly 168 h after the deployment (attributed), one an hour later
    (a Jira incident: outside the window, unattributed)."""
    b.project("window", "reliability", repo="window-pipeline", jira_projects=["WIN"])
    b.repo("window-pipeline", [commit("c1", utc(2026, 2, 2, 9), [])])
    b.deploy("window-pipeline", 601, "c1", utc(2026, 2, 3, 12))
    b.incident("window-pipeline", 1, utc(2026, 2, 10, 12), utc(2026, 2, 10, 14))
    b.jira("WIN-1", "Incident", "Latency alert", utc(2026, 2, 10, 13), "Done",
           transitions=[(utc(2026, 2, 10, 19), "Open", "Done")], resolved=utc(2026, 2, 10, 19))


def twoinc(b: Builder) -> None:
    """Rule 8: two incidents (GitHub and Jira) on one deployment."""
    b.project("twoinc", "reliability", repo="twoinc-pipeline", jira_projects=["TWO"])
    b.repo("twoinc-pipeline", [commit("c1", utc(2026, 2, 2, 9), []), commit("c2", utc(2026, 2, 19, 9), ["c1"])])
    b.deploy("twoinc-pipeline", 701, "c1", utc(2026, 2, 3, 12))
    b.deploy("twoinc-pipeline", 702, "c2", utc(2026, 2, 20, 12))
    b.incident("twoinc-pipeline", 1, utc(2026, 2, 4, 9), utc(2026, 2, 4, 13))
    b.jira("TWO-1", "Incident", "Wrong scores for new customers", utc(2026, 2, 5, 10), "Done",
           transitions=[(utc(2026, 2, 6, 10), "Open", "Done")], resolved=utc(2026, 2, 6, 10))


def hotfix(b: Builder) -> None:
    """Rule 9: a hotfix by description, then one by a pull request labelled hotfix."""
    b.project("hotfix", "reliability", repo="hotfix-pipeline")
    b.repo("hotfix-pipeline", [
        commit("c1", utc(2026, 2, 2, 9), []),
        commit("c2", utc(2026, 2, 9, 9), ["c1"]),
        commit("c3", utc(2026, 2, 10, 16), ["c2"]),
        commit("x1", utc(2026, 2, 17, 10), ["c3"], "bob"),
        commit("sq", utc(2026, 2, 17, 12), ["c3"], "bob", "Fix cache key (#1)"),
    ], {"main": "sq", "fix/cache": "x1"})
    b.pull_requests.append(PullRequest(
        "hotfix-pipeline", 1, "Fix cache key", "bob", "fix/cache", ["x1"],
        opened_at=utc(2026, 2, 17, 10, 30), merged_at=utc(2026, 2, 17, 12), merge_commit="sq",
        merge_method="squash", reviews=[Review("carol", "APPROVED", utc(2026, 2, 17, 11, 30))],
        labels=["hotfix"]))
    b.deploy("hotfix-pipeline", 801, "c1", utc(2026, 2, 3, 12))
    b.deploy("hotfix-pipeline", 802, "c2", utc(2026, 2, 9, 12))
    b.deploy("hotfix-pipeline", 803, "c3", utc(2026, 2, 10, 18), description="hotfix: restore threshold")
    b.deploy("hotfix-pipeline", 804, "sq", utc(2026, 2, 17, 13))


def attempt(b: Builder) -> None:
    """Rule 10: a rollout attempt that only failed, a retry that succeeded, a staging deploy."""
    b.project("attempt", "delivery", repo="attempt-pipeline")
    b.repo("attempt-pipeline", [commit("c1", utc(2026, 2, 2, 9), []), commit("c2", utc(2026, 2, 9, 9), ["c1"])])
    b.deploy("attempt-pipeline", 901, "c1", utc(2026, 2, 3, 12))
    b.deploy("attempt-pipeline", 902, "c2", utc(2026, 2, 9, 12, 5), outcome="failure")
    b.deploy("attempt-pipeline", 903, "c2", utc(2026, 2, 9, 14))
    b.deploy("attempt-pipeline", 904, "c2", utc(2026, 2, 9, 10), environment="staging")


def tz(b: Builder) -> None:
    """Rule 11: commits stamped at +09:00 and -07:00, a deployment at 23:30 UTC on a Sunday."""
    b.project("tz", "delivery", repo="tz-pipeline")
    b.repo("tz-pipeline", [
        commit("c1", datetime(2026, 2, 24, 10, 0, tzinfo=TOKYO), [], "alice"),  # 2026-02-24 01:00 UTC
        commit("c2", datetime(2026, 3, 8, 8, 0, tzinfo=TOKYO), ["c1"], "alice"),  # 2026-03-07 23:00 UTC
        commit("c3", datetime(2026, 3, 8, 15, 0, tzinfo=PACIFIC), ["c2"], "bob"),  # 2026-03-08 22:00 UTC
    ])
    b.deploy("tz-pipeline", 1001, "c1", utc(2026, 2, 24, 12))
    b.deploy("tz-pipeline", 1002, "c3", utc(2026, 3, 8, 23, 30))  # Sunday


# deployment-frequency projects: (project, first github id, [(week bucket k, day offset d)]).
# A deployment at AS_OF - (7k + d) days - 12 h lies 7k + d + 0.5 days before as_of: bucket k
# (d < 7), on its own calendar date per (k, d).
FREQUENCY_PROJECTS: dict[str, tuple[int, list[int]]] = {
    # days before as_of (whole days; each deployment at noon of that day)
    "freq-a": (2001, [7 * k + d for k in range(12) for d in (0, 1, 2)]),  # 3 days in each of 12 weeks
    "freq-b": (2101, [7 * k + d for k in range(12) for d in (0, 1)]),  # 2 days in each week
    "freq-c": (2201, [7 * k for k in range(12)]),  # 1 day in each week
    "freq-d": (2301, [7 * k for k in (0, 2, 4, 6, 8, 10)]),  # 1 day in every other week
    "freq-e": (2401, [61, 62, 63, 64, 65]),  # 5 days, all 60-90 days before as_of
}


def frequency(b: Builder) -> None:
    """Rule 13: deployment-frequency bands (each project redeploys one sha)."""
    for project, (first_id, days_before) in FREQUENCY_PROJECTS.items():
        repo = f"{project}-pipeline"
        b.project(project, "cadence", repo=repo)
        b.repo(repo, [commit("c1", utc(2025, 12, 1, 9), [])])
        for i, days in enumerate(sorted(days_before, reverse=True)):
            b.deploy(repo, first_id + i, "c1", AS_OF - timedelta(days=days, hours=12))


def exploration(b: Builder) -> None:
    """Rule 14: still exploring; never reached baseline; re-entered exploration after production."""
    # explore: kickoff by explicit key DS-1 (Jira project DS belongs to no project), 4 runs
    b.project("explore", "research", mlflow_experiment_prefixes=["explore/"], kickoff_keys=["DS-1"])
    b.jira("DS-1", "Epic", "Kickoff: ranking", utc(2026, 3, 2, 9), "In Progress", labels=["kickoff"],
           transitions=[(utc(2026, 3, 2, 10), "To Do", "In Progress")])
    b.experiment("1301", "explore/ranking", utc(2026, 3, 3, 9))
    b.run(13011, "1301", utc(2026, 3, 3, 10), utc(2026, 3, 3, 10, 30))
    b.run(13012, "1301", utc(2026, 3, 4, 10), utc(2026, 3, 4, 12))
    b.run(13013, "1301", utc(2026, 3, 11, 9), utc(2026, 3, 11, 10))
    b.run(13014, "1301", utc(2026, 3, 12, 9), None)  # still running

    # neverbase: kickoff by label in the shared DS project, rejected, never approved
    b.project("neverbase", "research", mlflow_experiment_prefixes=["neverbase/"], jira_labels=["neverbase"])
    b.jira("DS-2", "Epic", "Kickoff: elasticity", utc(2026, 1, 5, 9), "Rejected", labels=["kickoff", "neverbase"],
           transitions=[(utc(2026, 1, 6, 9), "To Do", "In Progress"),
                        (utc(2026, 1, 20, 9), "In Progress", "In Review"),
                        (utc(2026, 2, 2, 9), "In Review", "Rejected")])
    b.experiment("1311", "neverbase/elasticity", utc(2026, 1, 5, 15))
    b.run(13111, "1311", utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
    b.run(13112, "1311", utc(2026, 1, 7, 10), utc(2026, 1, 7, 13))

    # steer: cycle 1 kickoff -> runs -> approved -> bootstrap -> deployments; cycle 2 kickoff,
    # runs, approved, not yet back in production
    b.project("steer", "research", repo="steer-pipeline", jira_projects=["STR"],
              mlflow_experiment_prefixes=["steer/"])
    b.jira("STR-1", "Epic", "Kickoff: recommendations", utc(2026, 1, 5, 9), "Done", labels=["kickoff"],
           transitions=[(utc(2026, 1, 15, 9), "To Do", "Approved"), (utc(2026, 2, 10, 9), "Approved", "Done")])
    b.jira("STR-2", "Epic", "Kickoff: recommendations v2", utc(2026, 2, 16, 9), "Approved", labels=["kickoff"],
           transitions=[(utc(2026, 3, 2, 9), "To Do", "Approved")])
    b.experiment("1321", "steer/v1", utc(2026, 1, 5, 13))
    b.run(13211, "1321", utc(2026, 1, 6, 9), utc(2026, 1, 6, 9, 45))
    b.run(13212, "1321", utc(2026, 1, 8, 9), utc(2026, 1, 8, 10, 30))
    b.run(13213, "1321", utc(2026, 1, 13, 9), utc(2026, 1, 13, 9, 30))
    b.experiment("1322", "steer/v2", utc(2026, 2, 17, 9))
    b.run(13221, "1322", utc(2026, 2, 17, 10), utc(2026, 2, 17, 12))
    b.run(13222, "1322", utc(2026, 2, 24, 10), utc(2026, 2, 24, 11))
    b.run(13223, "1322", utc(2026, 2, 25, 10), utc(2026, 2, 25, 14))
    b.repo("steer-pipeline", [commit("c1", utc(2026, 1, 19, 10), []), commit("c2", utc(2026, 1, 28, 10), ["c1"])])
    b.deploy("steer-pipeline", 1401, "c1", utc(2026, 1, 21, 12))
    b.deploy("steer-pipeline", 1402, "c2", utc(2026, 1, 28, 15))


def aliases(b: Builder, first_observation: bool) -> None:
    """The duplicate rule: a GitHub deployment of dup-model v2 and the champion alias moving to
    v2 are one rollout; alias-model's production alias moving with no CI record is a deployment."""
    version = 1 if first_observation else 2
    b.project("dup", "models", repo="dup-pipeline", mlflow_experiment_prefixes=["dup/"],
              registered_models=["dup-model"])
    b.repo("dup-pipeline", [commit("c1", utc(2026, 3, 10, 9), []), commit("c2", utc(2026, 3, 20, 9), ["c1"])])
    b.experiment("1501", "dup/train", utc(2026, 3, 10, 9, 30))
    r1 = b.run(15011, "1501", utc(2026, 3, 10, 10), utc(2026, 3, 10, 11), repo="dup-pipeline", commit="c1")
    r2 = b.run(15012, "1501", utc(2026, 3, 20, 10), utc(2026, 3, 20, 12), repo="dup-pipeline", commit="c2")
    b.registered_models.append(RegisteredModel("dup-model", utc(2026, 3, 10, 11), aliases={"champion": version}))
    b.model_versions += [ModelVersion("dup-model", 1, utc(2026, 3, 10, 11, 5), r1),
                         ModelVersion("dup-model", 2, utc(2026, 3, 20, 12, 5), r2)]
    b.deploy("dup-pipeline", 1501, "c1", utc(2026, 3, 16, 12), model="dup-model", version=1)
    b.deploy("dup-pipeline", 1502, "c2", utc(2026, 3, 31, 20), model="dup-model", version=2)

    b.project("aliasonly", "models", mlflow_experiment_prefixes=["aliasonly/"], registered_models=["alias-model"])
    b.experiment("1511", "aliasonly/train", utc(2026, 3, 1, 9))
    a1 = b.run(15111, "1511", utc(2026, 3, 1, 10), utc(2026, 3, 1, 11))
    a2 = b.run(15112, "1511", utc(2026, 3, 18, 10), utc(2026, 3, 18, 13))
    b.registered_models.append(RegisteredModel("alias-model", utc(2026, 3, 1, 11), aliases={"production": version}))
    b.model_versions += [ModelVersion("alias-model", 1, utc(2026, 3, 1, 11, 5), a1),
                         ModelVersion("alias-model", 2, utc(2026, 3, 18, 13, 5), a2)]


def random_projects(b: Builder) -> None:
    """Rule 15: small random deployment/incident histories on a linear first-parent line."""
    rng = random.Random(RANDOM_SEED)
    for p in range(1, N_RANDOM_PROJECTS + 1):
        project, repo = f"rand-{p}", f"rand-{p}-pipeline"
        b.project(project, "random", repo=repo)
        start = utc(2026, 1, 5, 9) + timedelta(days=3 * p)
        times = [start]
        for _ in range(rng.randint(2, 6)):
            times.append(times[-1] + timedelta(minutes=rng.randint(60, 4000)))
        b.repo(repo, [commit(f"c{i + 1}", t, [f"c{i}"] if i else []) for i, t in enumerate(times)])
        deployments: list[tuple[int, int, datetime, str]] = []
        failed: list[int] = []
        at = start + timedelta(minutes=rng.randint(60, 3000))
        highest = 0
        for i in range(rng.randint(3, 7)):
            # mostly a commit already written (now and then one dated later: clock skew), mostly
            # higher than anything deployed before (now and then an older one: a rollback)
            written = [n for n, t in enumerate(times, start=1) if t <= at] or [1]
            candidates = list(range(1, len(times) + 1)) if rng.random() < 0.15 else written
            newer = [n for n in candidates if n > highest]
            position = rng.choice(newer if newer and rng.random() < 0.7 else candidates)
            highest = max(highest, position)
            description = "hotfix: quick repair" if rng.random() < 0.2 else "release"
            number = 3000 + 100 * p + i
            if rng.random() < 0.2:
                failed.append(number + 50)
                b.deploy(repo, number + 50, f"c{position}", at - timedelta(minutes=20), outcome="failure")
            b.deploy(repo, number, f"c{position}", at, description=description)
            deployments.append((number, position, at, description))
            at += timedelta(minutes=rng.randint(30, 5000))
        first, last = deployments[0][2], deployments[-1][2]
        span = int((last - first).total_seconds() // 60) + 4 * 24 * 60
        incidents: list[tuple[int, datetime, datetime | None]] = []
        for n in range(1, rng.randint(0, 4) + 1):
            created = first - timedelta(days=2) + timedelta(minutes=rng.randint(0, span))
            resolved = None if rng.random() < 0.2 else created + timedelta(minutes=rng.randint(10, 3000))
            b.incident(repo, n, created, resolved)
            incidents.append((n, created, resolved))
        b.random_projects.append(RandomProject(project, repo, times, deployments, failed, incidents))


# --------------------------------------------------------------------------- the organisation


def build(first_alias_observation: bool = False) -> tuple[Organisation, list[RandomProject]]:
    b = Builder()
    for part in (multi, squash, retrain, rollback, rollsha, explicit, window, twoinc, hotfix, attempt, tz,
                 frequency, exploration, random_projects):
        part(b)
    aliases(b, first_alias_observation)
    org = Organisation(
        name="scenarios",
        as_of=FIRST_ALIAS_OBSERVATION if first_alias_observation else AS_OF,
        people=PEOPLE,
        repos=b.repos,
        pull_requests=b.pull_requests,
        deployments=b.deployments,
        github_issues=b.github_issues,
        releases=b.releases,
        jira_issues=b.jira_issues,
        experiments=b.experiments,
        runs=b.runs,
        registered_models=b.registered_models,
        model_versions=b.model_versions,
        catalog=b.catalog,
        github_base_url="https://api.github.com",
        jira_base_url="https://scenario-ml.atlassian.net",
        mlflow_base_url="http://mlflow.scenario-ml.internal:5000",
    )
    return org, b.random_projects


def build_organisation(first_alias_observation: bool = False) -> Organisation:
    """The scenario organisation as its systems hold it at AS_OF (or at the first alias
    observation: the same data, aliases still on version 1, responses dated then)."""
    return build(first_alias_observation)[0]


def random_histories() -> list[RandomProject]:
    return build()[1]
