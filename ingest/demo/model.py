"""An in-memory description of an ML organisation: the input of the demo and test writers.

A scenario (the demo organisation, or a tiny hand-worked test organisation) is built as an
``Organisation`` value; ``ingest.demo.writers.write_organisation`` turns it into what the real
systems would hold: real git repositories (backdated dates, via ``git fast-import``), recorded
API pages of GitHub, Jira and MLflow exactly as those APIs return them, and the project catalog
seeds. The loaders then read those like they would read the live systems.

Commits are referred to by a scenario-local ``key``; their shas exist only after the git
repository is written, and the writers resolve keys to shas before rendering API pages.
All datetimes must be timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    login: str  # GitHub login; Jira accountId is derived from it


@dataclass
class Commit:
    key: str
    message: str
    author: str  # Person.key
    authored_at: datetime  # tz-aware; its utcoffset is kept in git
    parents: list[str] = field(default_factory=list)  # Commit.keys, first parent first
    committed_at: datetime | None = None  # defaults to authored_at
    committer: str | None = None  # Person.key, defaults to author
    files: dict[str, str] = field(default_factory=dict)  # path -> full content after commit


@dataclass
class Repo:
    """One git repository, also hosted on GitHub as ``github_full_name``."""

    name: str  # local clone folder name, e.g. "fraud-pipeline"
    github_full_name: str  # e.g. "acme-ml/fraud-pipeline"
    commits: list[Commit]  # in topological order (parents before children)
    branches: dict[str, str]  # branch name -> Commit.key of its tip
    default_branch: str = "main"


@dataclass
class Review:
    reviewer: str  # Person.key
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED
    submitted_at: datetime


@dataclass
class PullRequest:
    repo: str  # Repo.name
    number: int
    title: str
    author: str  # Person.key
    head_branch: str
    commits: list[str]  # Commit.keys on the PR branch, oldest first
    opened_at: datetime
    merged_at: datetime | None = None
    closed_at: datetime | None = None  # = merged_at when merged
    merge_commit: str | None = None  # Commit.key on the default branch (merge or squash commit)
    merge_method: str = "merge"  # merge | squash | rebase
    reviews: list[Review] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    body: str = ""


@dataclass
class DeploymentStatus:
    state: str  # queued | in_progress | success | failure | error | inactive
    at: datetime


@dataclass
class Deployment:
    """A GitHub Deployment with its statuses."""

    repo: str  # Repo.name
    id: int  # GitHub deployment id, unique in the organisation
    commit: str  # Commit.key that was deployed
    environment: str  # "production" | "staging" | ...
    created_at: datetime
    statuses: list[DeploymentStatus]
    creator: str  # Person.key
    ref: str = "main"
    task: str = "deploy"
    description: str = ""
    model_name: str | None = None  # payload.model_name
    model_version: str | None = None  # payload.model_version
    payload_extra: dict[str, str] = field(default_factory=dict)


@dataclass
class GitHubIssue:
    repo: str
    number: int
    title: str
    author: str
    created_at: datetime
    closed_at: datetime | None = None
    labels: list[str] = field(default_factory=list)
    body: str = ""


@dataclass
class Release:
    repo: str
    id: int
    tag_name: str
    target_commit: str  # Commit.key
    created_at: datetime
    published_at: datetime
    author: str


@dataclass
class JiraTransition:
    at: datetime
    from_status: str
    to_status: str
    author: str


@dataclass
class JiraIssue:
    key: str  # e.g. "FRD-1"
    id: int  # Jira's numeric id, unique
    issue_type: str  # Epic | Story | Task | Incident | Bug
    summary: str
    reporter: str
    created_at: datetime
    status: str  # current status name
    transitions: list[JiraTransition] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    description: str = ""
    resolved_at: datetime | None = None
    priority: str = "Medium"

    @property
    def project_key(self) -> str:
        return self.key.split("-")[0]


@dataclass
class MlflowExperiment:
    experiment_id: str
    name: str
    created_at: datetime
    lifecycle_stage: str = "active"


@dataclass
class MlflowRun:
    run_id: str  # 32 hex chars
    experiment_id: str
    run_name: str
    user: str  # Person.key
    start_time: datetime
    end_time: datetime | None
    status: str = "FINISHED"  # FINISHED | FAILED | KILLED | RUNNING
    git_repo: str | None = None  # Repo.name whose commit the run used
    git_commit: str | None = None  # Commit.key -> tag mlflow.source.git.commit
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelVersion:
    name: str
    version: int
    created_at: datetime
    run_id: str | None
    status: str = "READY"
    description: str = ""


@dataclass
class RegisteredModel:
    name: str
    created_at: datetime
    aliases: dict[str, int] = field(default_factory=dict)  # alias -> version, at recording time
    description: str = ""


@dataclass
class CatalogProject:
    """One project row of the catalog and the places its telemetry lives."""

    project_id: str
    project_name: str
    team: str
    git_repos: list[str] = field(default_factory=list)  # Repo.name
    github_repos: list[str] = field(default_factory=list)  # Repo.github_full_name
    jira_projects: list[str] = field(default_factory=list)  # Jira project keys
    jira_labels: list[str] = field(default_factory=list)  # a label in a shared Jira project
    mlflow_experiment_prefixes: list[str] = field(default_factory=list)
    registered_models: list[str] = field(default_factory=list)
    kickoff_keys: list[str] = field(default_factory=list)  # explicit kickoff issue keys
    incident_source: str = "github"  # github | jira (documentation only)


@dataclass
class Organisation:
    name: str
    as_of: datetime  # the fixed end date of the data
    people: list[Person]
    repos: list[Repo]
    pull_requests: list[PullRequest] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    github_issues: list[GitHubIssue] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    jira_issues: list[JiraIssue] = field(default_factory=list)
    experiments: list[MlflowExperiment] = field(default_factory=list)
    runs: list[MlflowRun] = field(default_factory=list)
    registered_models: list[RegisteredModel] = field(default_factory=list)
    model_versions: list[ModelVersion] = field(default_factory=list)
    catalog: list[CatalogProject] = field(default_factory=list)
    github_base_url: str = "https://api.github.com"
    jira_base_url: str = "https://acme-ml.atlassian.net"
    mlflow_base_url: str = "http://mlflow.acme-ml.internal:5000"
    # projects on other systems (Notion, notebooks, TensorBoard, Airflow, SageMaker): an object
    # with ``write(out_dir) -> repo -> key -> sha`` (ingest.demo.extra_systems.ExtraSystems)
    extra_systems: Any = None
