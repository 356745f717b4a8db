"""The demo organisation: seven ML projects in three teams, 18 months of telemetry.

Why a designed scenario rather than random data: the scorecard must show real contrast, so
each project is built to land somewhere known (see ``PROJECTS``):

- ``fraud-detection`` (risk) deploys code several times a week and retrains weekly (a new
  deployment of the same sha with a new model version), with few incidents (GitHub issues);
- ``churn-prediction`` (growth) deploys about weekly, incidents live in Jira;
- ``credit-scoring`` (risk) deploys monthly in big batches and fails often: linked and unlinked
  incidents, rollbacks (an earlier sha and model version) and hotfixes;
- ``demand-forecast`` (supply) deploys every two to four months, Jira incidents;
- ``search-ranking`` (growth) is still exploring: kickoff and hundreds of runs, no repository;
- ``price-elasticity`` (supply) never got its baseline approved;
- ``recsys`` (growth) went to production, then started a second kickoff ("massive steering").

Everything derives from one ``random.Random(SEED)`` and fixed dates (no wall clock), so the
same code always builds the same organisation. Texts that must name things only known at the
end (PR numbers, deployment ids, commit shas) are written with ``{{kind:key}}`` tokens and
resolved by ``Finaliser``; commit shas are computed with ``CommitHasher`` exactly as
``git fast-import`` will write them, so "This reverts commit <sha>" and "root cause: <sha>"
are real.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from ingest.demo.extra_systems import build_extra_systems
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
from ingest.demo.write_git import CommitHasher

log = logging.getLogger(__name__)

UTC = timezone.utc
SEED = 20261130
AS_OF = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
HISTORY_START = datetime(2025, 6, 1, tzinfo=UTC)
ORG_NAME = "acme-ml"
OWNER = "acme-ml"
EMAIL_DOMAIN = "acme-ml.example"
WORK_START_HOUR, WORK_END_HOUR = 9, 19
DEPLOY_BOT, GITHUB_WEB = "deploy-bot", "github"
KICKOFF_LABEL, INCIDENT_LABEL, HOTFIX_LABEL = "kickoff", "incident", "hotfix"
APPROVED = "Approved"
TOKEN = re.compile(r"\{\{(pr|dep|sha|short):([^}]+)\}\}")


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def whole(t: datetime) -> datetime:
    """Whole seconds: git, GitHub and Jira all keep second precision."""
    return t.replace(microsecond=0)


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Staff:
    """A person of the organisation with the UTC offset their machines stamp commits with."""

    key: str
    name: str
    login: str
    utc_offset_minutes: int
    team: str

    @property
    def email(self) -> str:
        ascii_name = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode()
        return ascii_name.lower().replace(" ", ".") + "@" + EMAIL_DOMAIN

    @property
    def tz(self) -> timezone:
        return timezone(minutes(self.utc_offset_minutes))


STAFF: tuple[Staff, ...] = (
    Staff("amara", "Amara Okafor", "amara-okafor", 60, "risk"),
    Staff("kenji", "Kenji Watanabe", "kwatanabe", 540, "risk"),
    Staff("priya", "Priya Raman", "priyaraman", 330, "risk"),
    Staff("lukas", "Lukas Becker", "lbecker-ml", 60, "risk"),
    Staff("olivia", "Olivia Brandt", "obrandt", 60, "risk"),
    Staff("diego", "Diego Alvarez", "dalvarez", -420, "growth"),
    Staff("hannah", "Hannah Kim", "hannahkim", -420, "growth"),
    Staff("ravi", "Ravi Menon", "ravimenon", 330, "growth"),
    Staff("yuki", "Yuki Tanaka", "ytanaka", 540, "growth"),
    Staff("grace", "Grace Miller", "gmiller-pm", -420, "growth"),
    Staff("fatima", "Fatima Idrissi", "fidrissi", 0, "supply"),
    Staff("marek", "Marek Novák", "mnovak", 60, "supply"),
    Staff("elena", "Elena Petrova", "epetrova", 60, "supply"),
    Staff("arjun", "Arjun Shah", "arjunshah", 330, "supply"),
    Staff("tom", "Tom Gallagher", "tgallagher", 0, "platform"),
)
STAFF_BY_KEY = {s.key: s for s in STAFF}


def build_people() -> list[Person]:
    """The staff plus the two bots: the deploy bot and GitHub's web-flow committer."""
    people = [Person(s.key, s.name, s.email, s.login) for s in STAFF]
    people.append(Person(DEPLOY_BOT, "deploy-bot", f"deploy-bot@{EMAIL_DOMAIN}", "acme-deploy-bot"))
    people.append(Person(GITHUB_WEB, "GitHub", "noreply@github.com", "web-flow"))
    return people


def tz_of(person: str) -> timezone:
    staff = STAFF_BY_KEY.get(person)
    return staff.tz if staff else UTC


def snap_to_work(t: datetime, tz: timezone, rng: random.Random) -> datetime:
    """``t`` moved forward (never back) into weekday working hours of ``tz``, in ``tz``."""
    local = t.astimezone(tz).replace(microsecond=0)
    if local.weekday() < 5 and WORK_START_HOUR <= local.hour < WORK_END_HOUR:
        return local
    day = local.date() if local.hour < WORK_START_HOUR else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(WORK_START_HOUR, rng.randrange(50), rng.randrange(60)), tz)


def is_holiday_week(monday: date) -> bool:
    """The week around Christmas and New Year, when nobody deploys."""
    days = [monday + timedelta(days=i) for i in range(7)]
    return any((d.month == 12 and d.day >= 22) or (d.month == 1 and d.day <= 2) for d in days)


def mondays(start: date, end: date) -> list[date]:
    first = start - timedelta(days=start.weekday())
    return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


# --------------------------------------------------------------------------- deployment slots


def fraud_slots(rng: random.Random) -> list[datetime]:
    """Two to four weekday afternoons a week from the first deployment on."""
    slots: list[datetime] = []
    for monday in mondays(date(2025, 8, 11), AS_OF.date()):
        if is_holiday_week(monday):
            continue
        for day in sorted(rng.sample(range(4), rng.choice([2, 3, 3, 4]))):
            at = datetime.combine(monday + timedelta(days=day), time(12, 30), UTC)
            slots.append(at + minutes(rng.randrange(210)))
    return [s for s in slots if utc(2025, 8, 12) <= s <= AS_OF - hours(6)]


def churn_slots(rng: random.Random) -> list[datetime]:
    """About weekly: Wednesday (sometimes Thursday) 16:00-18:00 UTC, 09:00-11:00 in Phoenix."""
    slots: list[datetime] = []
    for monday in mondays(date(2025, 9, 29), AS_OF.date()):
        if is_holiday_week(monday) or rng.random() < 0.08:
            continue
        day = monday + timedelta(days=3 if rng.random() < 0.15 else 2)
        slots.append(datetime.combine(day, time(16, 0), UTC) + minutes(rng.randrange(120)))
    return [s for s in slots if s <= AS_OF - hours(6)]


def credit_slots(rng: random.Random) -> list[datetime]:
    """Monthly release train: the third Tuesday of each month."""
    slots: list[datetime] = []
    for year, month in [(2025, m) for m in range(10, 13)] + [(2026, m) for m in range(1, 12)]:
        first = date(year, month, 1)
        third_tuesday = first + timedelta(days=(1 - first.weekday()) % 7 + 14)
        slots.append(datetime.combine(third_tuesday, time(9, 0), UTC) + minutes(rng.randrange(90)))
    return slots


def demand_slots(rng: random.Random) -> list[datetime]:
    """Every two to four months, after a long validation against the planners' forecasts."""
    days = [date(2026, 1, 15), date(2026, 4, 2), date(2026, 6, 25), date(2026, 9, 10), date(2026, 11, 19)]
    return [datetime.combine(d, time(10, 0), UTC) + minutes(rng.randrange(60)) for d in days]


def recsys_slots(rng: random.Random) -> list[datetime]:
    """Weekly on Tuesday until the team went back to exploration in spring 2026."""
    slots: list[datetime] = []
    for monday in mondays(date(2025, 9, 1), date(2026, 4, 27)):
        if is_holiday_week(monday) or rng.random() < 0.1:
            continue
        slots.append(datetime.combine(monday + timedelta(days=1), time(17, 0), UTC) + minutes(rng.randrange(90)))
    return slots


def weekly_retrains(rng: random.Random) -> list[datetime]:
    """Scheduled retraining: every Monday 02:00 UTC."""
    return [
        datetime.combine(monday, time(2, 0), UTC) + minutes(rng.randrange(30))
        for monday in mondays(date(2025, 8, 18), AS_OF.date())
        if datetime.combine(monday, time(2, 0), UTC) < AS_OF - hours(6)
    ]


# --------------------------------------------------------------------------- project specs


@dataclass
class ExplorationSpec:
    experiment: str  # name after the project prefix
    runs: int
    start: date
    end: date
    notebook: str


@dataclass
class KickoffSpec:
    title: str
    created: datetime
    in_progress: datetime | None
    in_review: datetime | None
    approved: datetime | None
    explorations: list[ExplorationSpec]
    problem: str


@dataclass
class DeliverySpec:
    repo: str
    code: str  # commit key prefix
    bootstrap: datetime
    pr_end: datetime
    prs_per_week: float
    commits_per_pr: tuple[int, ...]
    squash_share: float
    slots: Callable[[random.Random], list[datetime]]
    topics: tuple[str, ...]
    failures: dict[int, str] = field(default_factory=dict)  # code deployment ordinal -> kind
    failed_attempts: frozenset[int] = frozenset()
    releases: tuple[int, ...] = ()
    retrains: Callable[[random.Random], list[datetime]] | None = None
    retrain_incidents: frozenset[int] = frozenset()
    loose_incidents: tuple[datetime, ...] = ()  # incidents far from any deployment
    open_prs: tuple[datetime, ...] = ()  # PRs started then, still open at AS_OF
    github_issues: int = 4


@dataclass
class ProjectSpec:
    project_id: str
    project_name: str
    team: str
    jira_key: str
    members: tuple[str, ...]  # first is the lead
    approver: str
    metric: tuple[str, float, float]  # name, first value, total improvement
    kickoffs: list[KickoffSpec]
    incident_source: str = "github"
    model_name: str | None = None
    delivery: DeliverySpec | None = None
    stories: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        return self.project_id + "/"


COMMON_TOPICS = (
    "training pipeline", "data validation checks", "evaluation report", "model card",
    "CI workflow", "unit tests", "Dockerfile", "deployment config", "feature schema",
    "hyperparameter search", "pipeline logging", "integration tests",
)

PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        "fraud-detection", "Fraud detection", "risk", "FRD",
        ("amara", "kenji", "priya", "lukas"), "olivia", ("val_auc_pr", 0.62, 0.21),
        [KickoffSpec("Real-time card fraud scoring", utc(2025, 6, 2, 9, 12), utc(2025, 6, 4, 8, 30),
                     utc(2025, 7, 14, 13, 5), utc(2025, 7, 18, 15, 40),
                     [ExplorationSpec("exploration", 260, date(2025, 6, 5), date(2025, 7, 16), "fraud_features")],
                     "Card-not-present fraud losses doubled last year; rules catch 40% of it.")],
        model_name="fraud-detector",
        delivery=DeliverySpec(
            "fraud-detection-pipeline", "frd", utc(2025, 7, 21, 8, 30), AS_OF, 3.8,
            (2, 2, 3, 3, 4, 4, 5, 6, 7), 0.35, fraud_slots,
            ("velocity features", "merchant risk score", "card-not-present rules", "threshold calibration",
             "feature store client", "training data window", "drift monitor", "SHAP explanations",
             "batch scoring job", "label delay handling"),
            failures={12: "incident:deployment", 47: "incident", 83: "incident:model_version", 118: "incident"},
            failed_attempts=frozenset({17, 58, 102}), releases=(0, 30, 60, 90, 120),
            retrains=weekly_retrains, retrain_incidents=frozenset({25}),
            open_prs=(utc(2026, 11, 26, 10),), github_issues=7,
        ),
        stories=("Access to card transaction stream", "Define fraud label delay policy",
                 "Shadow mode evaluation plan", "Chargeback feedback loop", "Monitoring dashboard for alerts"),
    ),
    ProjectSpec(
        "churn-prediction", "Churn prediction", "growth", "CHURN",
        ("diego", "hannah", "ravi"), "grace", ("val_auc", 0.71, 0.09),
        [KickoffSpec("Customer churn propensity model", utc(2025, 6, 16, 16, 20), utc(2025, 6, 18, 17, 0),
                     utc(2025, 8, 22, 18, 30), utc(2025, 8, 29, 20, 15),
                     [ExplorationSpec("exploration", 210, date(2025, 6, 19), date(2025, 8, 21), "churn_baseline")],
                     "Retention offers go to everyone; target the customers likely to leave.")],
        incident_source="jira", model_name="churn-model",
        delivery=DeliverySpec(
            "churn-prediction-pipeline", "chn", utc(2025, 9, 3, 16, 0), AS_OF, 2.2,
            (2, 3, 4, 5, 6, 7, 8), 0.5, churn_slots,
            ("tenure features", "usage aggregates", "CRM export", "retention offer scoring",
             "calibration", "cohort backtest", "campaign feedback join"),
            failures={5: "incident", 14: "incident:model_version", 23: "incident",
                      37: "incident:model_version", 44: "incident"},
            failed_attempts=frozenset({11, 40}), releases=(0, 30), github_issues=4,
        ),
        stories=("Churn definition with finance", "CRM integration for scores", "Uplift test design",
                 "Weekly score export to marketing"),
    ),
    ProjectSpec(
        "credit-scoring", "Credit scoring", "risk", "CRED",
        ("lukas", "priya", "amara", "kenji"), "olivia", ("val_gini", 0.48, 0.14),
        [KickoffSpec("Credit scoring for instalment loans", utc(2025, 7, 1, 8, 0), utc(2025, 7, 2, 9, 30),
                     utc(2025, 9, 12, 14, 0), utc(2025, 9, 19, 11, 45),
                     [ExplorationSpec("exploration", 160, date(2025, 7, 7), date(2025, 9, 11), "credit_scorecard")],
                     "Manual underwriting takes two days; score instalment loan applications instantly.")],
        model_name="credit-scorer",
        delivery=DeliverySpec(
            "credit-scoring-pipeline", "crd", utc(2025, 9, 24, 9, 0), AS_OF, 1.3,
            (3, 4, 5, 6, 7, 8, 9, 10), 0.3, credit_slots,
            ("bureau data join", "income verification", "reject inference", "scorecard binning",
             "adverse action reasons", "affordability rules", "fairness report"),
            failures={1: "incident:deployment", 3: "rollback", 5: "hotfix", 7: "incident",
                      9: "rollback_silent", 10: "hotfix_silent", 12: "incident:model_version"},
            failed_attempts=frozenset({6}), releases=(0, 6, 12), github_issues=5,
        ),
        stories=("Regulatory review of features", "Adverse action reason codes", "Bureau data contract"),
    ),
    ProjectSpec(
        "demand-forecast", "Demand forecast", "supply", "DMD",
        ("fatima", "marek", "arjun"), "olivia", ("val_mape", 0.31, -0.12),
        [KickoffSpec("Weekly demand forecast per store and SKU", utc(2025, 8, 4, 9, 0), utc(2025, 8, 6, 8, 0),
                     utc(2025, 11, 7, 15, 0), utc(2025, 11, 14, 10, 30),
                     [ExplorationSpec("exploration", 140, date(2025, 8, 7), date(2025, 11, 6), "demand_hierarchical")],
                     "Planners forecast in spreadsheets; stock-outs and waste both grew in 2024.")],
        incident_source="jira", model_name="demand-forecaster",
        delivery=DeliverySpec(
            "demand-forecast-pipeline", "dmd", utc(2025, 11, 20, 10, 0), AS_OF, 0.9,
            (3, 4, 5, 6, 8, 10, 12), 0.2, demand_slots,
            ("promotion calendar", "holiday effects", "hierarchical reconciliation", "store clustering",
             "forecast export", "backtest windows"),
            failures={2: "incident"}, releases=(0, 3),
            loose_incidents=(utc(2026, 8, 20, 7, 40),), github_issues=3,
        ),
        stories=("Planner feedback sessions", "Store master data cleanup", "Forecast accuracy report",
                 "Promotion calendar feed"),
    ),
    ProjectSpec(
        "search-ranking", "Search ranking", "growth", "SRCH",
        ("yuki", "ravi", "hannah"), "grace", ("ndcg_at_10", 0.41, 0.12),
        [KickoffSpec("Learning-to-rank for site search", utc(2026, 8, 3, 1, 0), utc(2026, 8, 5, 2, 0), None, None,
                     [ExplorationSpec("ltr-exploration", 300, date(2026, 8, 6), date(2026, 11, 27), "ltr_lambdamart"),
                      ExplorationSpec("embeddings", 120, date(2026, 9, 14), date(2026, 11, 26), "query_embeddings")],
                     "Search sorts by popularity; a third of queries end without a click.")],
        stories=("Click log sampling", "Relevance judgement guidelines", "Offline metric agreement"),
    ),
    ProjectSpec(
        "price-elasticity", "Price elasticity", "supply", "PRICE",
        ("elena", "arjun", "marek"), "olivia", ("val_rmse", 0.094, -0.021),
        [KickoffSpec("Price elasticity per category", utc(2025, 10, 6, 8, 0), utc(2025, 10, 8, 9, 0),
                     utc(2026, 1, 22, 14, 30), None,
                     [ExplorationSpec("exploration", 190, date(2025, 10, 9), date(2026, 2, 13), "elasticity_bayes")],
                     "Markdowns are set by hand; estimate how demand responds to price per category.")],
        stories=("Price history extraction", "Competitor price feed evaluation"),
    ),
    ProjectSpec(
        "recsys", "Recommendations", "growth", "REC",
        ("hannah", "yuki", "diego", "ravi"), "grace", ("recall_at_20", 0.18, 0.07),
        [KickoffSpec("Product recommendations on the home page", utc(2025, 6, 9, 17, 0), utc(2025, 6, 10, 16, 0),
                     utc(2025, 7, 28, 18, 0), utc(2025, 8, 1, 19, 30),
                     [ExplorationSpec("exploration", 200, date(2025, 6, 12), date(2025, 7, 25), "recsys_two_tower")],
                     "The home page shows the same bestsellers to everyone."),
         KickoffSpec("Recsys v2: session-based recommendations", utc(2026, 5, 18, 16, 0), utc(2026, 5, 19, 17, 0),
                     None, None,
                     [ExplorationSpec("session-v2", 230, date(2026, 5, 20), date(2026, 11, 25), "session_transformer")],
                     "Two-tower recall plateaued; returning visitors need in-session intent.")],
        model_name="recsys-ranker",
        delivery=DeliverySpec(
            "recsys-pipeline", "rec", utc(2025, 8, 6, 17, 0), utc(2026, 5, 8), 2.6,
            (2, 3, 4, 5, 6, 7), 0.4, recsys_slots,
            ("candidate generation", "two-tower embeddings", "re-ranking features", "ANN index build",
             "diversity penalty", "cold-start fallback"),
            failures={9: "incident", 21: "incident:root_cause"}, failed_attempts=frozenset({14}),
            releases=(0,), open_prs=(utc(2026, 6, 10, 17),), github_issues=3,
        ),
        stories=("A/B test of home page slots", "Catalogue embeddings refresh", "Session data retention review"),
    ),
)

BRANCH_SUBJECTS = (
    "Add tests", "Fix lint", "Update config", "Handle empty partitions", "Refactor helper",
    "Tidy imports", "Log feature statistics", "Fix typo in docstring", "Pin dependency versions",
    "Speed up the join", "Add type hints", "Guard against missing values",
)
REVIEW_FIX_SUBJECTS = ("Address review comments", "Apply review suggestions", "Rename per review")
VERBS = ("Add", "Refactor", "Tune", "Fix", "Speed up", "Document", "Validate", "Backfill", "Parametrise")
RUN_MINUTES = (1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30)  # exploration runs are short
RUN_ADJECTIVES = ("bold", "calm", "brave", "clever", "eager", "gentle", "keen", "lucky", "merry", "quiet",
                  "rare", "sharp", "swift", "wise", "zesty", "amber", "silent", "vivid")
RUN_ANIMALS = ("hawk", "otter", "lynx", "heron", "panda", "wolf", "finch", "koala", "moose", "gecko",
               "bison", "crane", "ibis", "mole", "newt", "stoat", "tapir", "yak")
SYMPTOMS = {
    "fraud-detection": ("Alert volume tripled for card-not-present transactions",
                        "Scoring latency above SLO", "False positives spiked for travel merchants"),
    "churn-prediction": ("Churn scores missing for EU customers", "Score export to CRM stuck",
                         "All scores around 0.5 since the release"),
    "credit-scoring": ("Approval rate dropped to 12%", "Scores null for self-employed applicants",
                       "Adverse action reasons missing in decisions", "Scoring endpoint returns 500 for thin files"),
    "demand-forecast": ("Forecasts negative for new stores", "Forecast export missing for region north"),
    "recsys": ("Home page shows empty recommendation slots", "Recommendations repeat the same item"),
}
HOTFIXES = ("clamp negative income values", "restore missing bureau fields", "fix reason code mapping",
            "handle thin-file applicants")
ISSUE_TITLES = (("bug", "Pipeline fails when a partition is empty"), ("bug", "Evaluation report has wrong dates"),
                ("enhancement", "Add feature importance to the model card"),
                ("enhancement", "Cache the feature table between steps"),
                ("bug", "Backfill job ignores the end date"), ("documentation", "Document the retraining schedule"),
                ("enhancement", "Alert when training data is stale"))
PIPELINE_FILES = ("pipeline/data.py", "pipeline/features.py", "pipeline/train.py", "pipeline/evaluate.py",
                  "pipeline/deploy.py", "configs/pipeline.yaml", "tests/test_features.py", "tests/test_train.py")
BOOTSTRAP_FILES = ("README.md", "pyproject.toml", "pipeline/__init__.py", *PIPELINE_FILES,
                   ".github/workflows/deploy.yml")


# --------------------------------------------------------------------------- builder state


@dataclass
class PrPlan:
    """A pull request's timeline, decided before it is merged into the repository."""

    key: str
    author: str
    reviewer: str
    title: str
    branch: str
    method: str
    labels: list[str]
    commit_times: list[datetime]
    subjects: list[str]
    opened_at: datetime | None
    reviews: list[Review]
    merged_at: datetime | None
    closed_at: datetime | None
    files: list[str]
    body: str
    revert_of: PullRequest | None = None


@dataclass
class ProdRecord:
    """A successful production deployment and what it put in production."""

    deployment: Deployment
    commit: str
    version: int
    deployed_at: datetime
    kind: str
    last_pr: PullRequest | None


class OrgBuilder:
    """Holds the organisation being built, the random stream and the late-bound names."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.org = Organisation(name=ORG_NAME, as_of=AS_OF, people=build_people(), repos=[])
        self.pr_keys: dict[int, str] = {}  # id(PullRequest) -> token key
        self.prs_by_key: dict[str, PullRequest] = {}
        self.dep_keys: dict[int, str] = {}  # id(Deployment) -> token key
        self.deps_by_key: dict[str, Deployment] = {}
        self._seq = itertools.count(1)
        self._versions: dict[str, int] = {}

    def next_seq(self) -> int:
        return next(self._seq)

    def run_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def run_name(self) -> str:
        return f"{self.rng.choice(RUN_ADJECTIVES)}-{self.rng.choice(RUN_ANIMALS)}-{self.rng.randrange(1000)}"

    def register_pr(self, pr: PullRequest) -> str:
        key = f"{pr.repo}!{self.next_seq()}"
        self.pr_keys[id(pr)] = key
        self.prs_by_key[key] = pr
        self.org.pull_requests.append(pr)
        return key

    def register_deployment(self, deployment: Deployment) -> str:
        key = f"d{self.next_seq()}"
        self.dep_keys[id(deployment)] = key
        self.deps_by_key[key] = deployment
        self.org.deployments.append(deployment)
        return key

    def experiment(self, name: str, created_at: datetime) -> MlflowExperiment:
        experiment = MlflowExperiment(f"tmp-{self.next_seq()}", name, created_at)
        self.org.experiments.append(experiment)
        return experiment

    def model_version(self, model: str, created_at: datetime, run_id: str, description: str) -> ModelVersion:
        version = self._versions.get(model, 0) + 1
        self._versions[model] = version
        if version == 1:
            self.org.registered_models.append(RegisteredModel(model, created_at, description=f"{model} (demo)"))
        mv = ModelVersion(model, version, created_at, run_id, description=description)
        self.org.model_versions.append(mv)
        return mv

    def jira_issue(self, project_key: str, issue_type: str, summary: str, reporter: str, created: datetime,
                   steps: list[tuple[datetime, str, str]], **extra: object) -> JiraIssue:
        """A Jira issue whose status history is ``steps`` of (at, to_status, author) from To Do."""
        transitions: list[JiraTransition] = []
        status = "To Do"
        for at, to_status, author in steps:
            if at > AS_OF:
                break
            transitions.append(JiraTransition(at, status, to_status, author))
            status = to_status
        resolved = next((t.at for t in transitions if t.to_status == "Done"), None)
        issue = JiraIssue(key=f"{project_key}-tmp{self.next_seq()}", id=0, issue_type=issue_type, summary=summary,
                          reporter=reporter, created_at=created, status=status, transitions=transitions,
                          resolved_at=resolved, **extra)  # type: ignore[arg-type]
        self.org.jira_issues.append(issue)
        return issue


# --------------------------------------------------------------------------- exploration


def split_total(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` positive, uneven sizes (runs per burst)."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(parts)]
    sizes = [max(1, int(total * w / sum(weights))) for w in weights]
    index = 0
    while sum(sizes) != total:
        step = 1 if sum(sizes) < total else -1
        if sizes[index % parts] + step >= 1:
            sizes[index % parts] += step
        index += 1
    return sizes


def exploration_runs(b: OrgBuilder, spec: ProjectSpec, exp: ExplorationSpec) -> None:
    """Runs in bursts: on some weekdays one scientist runs a notebook dozens of times."""
    rng = b.rng
    days = [exp.start + timedelta(days=i) for i in range((exp.end - exp.start).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    bursts = sorted(rng.sample(days, min(len(days), max(1, round(exp.runs / 11)))))
    sizes = split_total(rng, exp.runs, len(bursts))
    pending: list[MlflowRun] = []
    name, first, gain = spec.metric
    for day, size in zip(bursts, sizes):
        user = rng.choice(spec.members)
        t = datetime.combine(day, time(rng.randint(9, 15), rng.randrange(60), rng.randrange(60)), tz_of(user))
        for _ in range(size):
            duration = minutes(rng.choice(RUN_MINUTES))
            duration += timedelta(seconds=rng.randrange(60))
            roll = rng.random()
            status = "FAILED" if roll < 0.06 else "KILLED" if roll < 0.08 else "FINISHED"
            progress = (len(pending) + 1) / exp.runs
            metrics = {} if status != "FINISHED" else {
                name: round(first + gain * progress ** 0.5 + rng.gauss(0, abs(gain) * 0.08), 4)}
            pending.append(MlflowRun(
                run_id=b.run_id(), experiment_id="", run_name=b.run_name(), user=user,
                start_time=t.astimezone(UTC), end_time=(t + duration).astimezone(UTC), status=status,
                tags={"mlflow.source.type": "NOTEBOOK", "mlflow.source.name": f"notebooks/{exp.notebook}.ipynb"},
                metrics=metrics,
                params={"model_type": rng.choice(("xgboost", "lightgbm", "logreg", "mlp")),
                        "learning_rate": rng.choice(("0.01", "0.03", "0.05", "0.1"))}))
            t = t + duration + minutes(rng.randint(1, 15))
    experiment = b.experiment(spec.prefix + exp.experiment, pending[0].start_time - minutes(rng.randint(5, 120)))
    for run in pending:
        run.experiment_id = experiment.experiment_id
    b.org.runs.extend(pending)


def kickoff_epic(b: OrgBuilder, spec: ProjectSpec, kickoff: KickoffSpec) -> JiraIssue:
    """The problem statement (T1) whose move to Approved is the baseline approval (T3)."""
    lead = spec.members[0]
    steps = [(kickoff.in_progress, "In Progress", lead), (kickoff.in_review, "In Review", lead),
             (kickoff.approved, APPROVED, spec.approver)]
    return b.jira_issue(spec.jira_key, "Epic", f"Kickoff: {kickoff.title}", lead, kickoff.created,
                        [(at, status, who) for at, status, who in steps if at is not None],
                        labels=[KICKOFF_LABEL], description=kickoff.problem, priority="High")


def stories(b: OrgBuilder, spec: ProjectSpec) -> None:
    """Ordinary tracker work: stories that are not kickoffs or incidents."""
    rng = b.rng
    start = spec.kickoffs[0].created
    span = (AS_OF - start).total_seconds()
    for summary in spec.stories:
        created = snap_to_work(start + timedelta(seconds=rng.uniform(0.02, 0.9) * span), UTC, rng)
        who = rng.choice(spec.members)
        started = created + hours(rng.randint(4, 120))
        done = started + hours(rng.randint(24, 400))
        steps = [(started, "In Progress", who)] + ([(done, "Done", who)] if rng.random() < 0.8 else [])
        b.jira_issue(spec.jira_key, "Story", summary, spec.members[0], created, steps,
                     description=f"{summary} for {spec.project_name}.")


# --------------------------------------------------------------------------- delivery


class Delivery:
    """Builds one pipeline repository in time order: PR merges, deployments, failures.

    Events (merges, deployment slots, retrains, rollbacks, hotfixes) run in time order from a
    heap, so a hotfix pull request opened in reaction to an incident lands in the history at
    the right place.
    """

    def __init__(self, b: OrgBuilder, spec: ProjectSpec, delivery: DeliverySpec) -> None:
        self.b, self.rng, self.spec, self.d = b, b.rng, spec, delivery
        self.repo = Repo(delivery.repo, f"{OWNER}/{delivery.repo}", [], {})
        self.main_times: list[datetime] = []
        self.main_keys: list[str] = []
        self.revision = 0
        self.authors = list(spec.members) * 3 + ["tom"]
        self.merged_prs: list[PullRequest] = []
        self.prod: list[ProdRecord] = []
        self.code_ordinal = 0
        self.retrain_ordinal = 0
        self.hotfix_count = 0
        self.branch_names: set[str] = set()
        self.events: list[tuple[datetime, int, str, object]] = []
        self.training: MlflowExperiment | None = None
        self.training_runs: list[MlflowRun] = []

    # ---- git primitives

    def content(self, path: str, note: str) -> str:
        self.revision += 1
        return f"# {path} - {self.spec.project_name} pipeline\n# revision {self.revision}: {note}\n"

    def commit(self, message: str, author: str, at: datetime, parents: list[str], files: dict[str, str],
               committer: str | None = None, committed_at: datetime | None = None) -> Commit:
        key = f"{self.d.code}-{len(self.repo.commits) + 1:05d}"
        c = Commit(key, message, author, at, parents, committed_at, committer, files)
        self.repo.commits.append(c)
        return c

    def on_main(self, c: Commit) -> None:
        self.main_times.append((c.committed_at or c.authored_at).astimezone(UTC))
        self.main_keys.append(c.key)

    def main_at(self, t: datetime) -> tuple[str, datetime]:
        index = bisect.bisect_right(self.main_times, t) - 1
        if index < 0:
            raise ValueError(f"{self.repo.name}: no commit on main before {t}")
        return self.main_keys[index], self.main_times[index]

    def bootstrap(self) -> None:
        """T4: the first commit on main, then a few direct pushes before branch protection."""
        lead = self.spec.members[0]
        at = snap_to_work(self.d.bootstrap, tz_of(lead), self.rng)
        files = {p: self.content(p, "skeleton") for p in BOOTSTRAP_FILES}
        root = self.commit("Initial pipeline skeleton\n", lead, at, [], files)
        self.on_main(root)
        for subject, path in (("Add CI deployment workflow", ".github/workflows/deploy.yml"),
                              ("Add training config", "configs/pipeline.yaml"),
                              ("Describe the pipeline in the README", "README.md")):
            at = snap_to_work(at + hours(self.rng.randint(1, 8)), tz_of(lead), self.rng)
            files = {path: self.content(path, subject)}
            self.on_main(self.commit(subject + "\n", lead, at, [self.main_keys[-1]], files))

    # ---- pull requests

    def branch_for(self, kind: str, title: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-")
        name = f"{kind}/{slug}"
        n = 2
        while name in self.branch_names:
            name, n = f"{kind}/{slug}-{n}", n + 1
        self.branch_names.add(name)
        return name

    def timeline(self, start: datetime, author: str, reviewer: str, n: int, urgent: bool, routine: bool
                 ) -> tuple[list[datetime], list[str], datetime, list[Review], datetime]:
        """Commit times and subjects, opened, reviews and merge time of one pull request.

        Some commits come before the PR is opened, the rest after (T6); a routine PR may get
        changes requested, then review-fix commits and a second, approving review.
        """
        rng = self.rng
        atz, rtz = tz_of(author), tz_of(reviewer)

        def work(t: datetime, tz: timezone) -> datetime:
            return t.astimezone(tz).replace(microsecond=0) if urgent else snap_to_work(t, tz, rng)

        def gap() -> timedelta:
            if urgent:
                return minutes(rng.randint(8, 35))
            return minutes(rng.choice((15, 30, 45, 60, 90, 120, 180, 240, 360)) + rng.randint(0, 20))

        times = [work(start, atz)]
        before_open = rng.randint(1, n)
        while len(times) < before_open:
            times.append(work(times[-1] + gap(), atz))
        opened = times[-1] + minutes(rng.randint(2, 5) if urgent else rng.randint(3, 40))
        pickup = minutes(rng.randint(5, 30)) if urgent else hours(rng.choice((0.5, 1, 2, 3, 5, 8, 16, 20, 24)))
        first_review = work(opened + pickup + timedelta(seconds=rng.randrange(600)), rtz)
        subjects = [rng.choice(BRANCH_SUBJECTS) for _ in range(n)]
        if urgent or not routine or rng.random() < 0.65:
            t = opened
            while len(times) < n:
                t = work(t + gap(), atz)
                times.append(t)
            approved = max(first_review, work(times[-1] + minutes(15), rtz))
            reviews = [Review(reviewer, "APPROVED", approved.astimezone(UTC))]
        else:
            reviews = [Review(reviewer, "CHANGES_REQUESTED", first_review.astimezone(UTC))]
            t = first_review
            subjects = subjects[:before_open]
            while len(times) < max(n, before_open + 1):
                t = work(t + gap(), atz)
                times.append(t)
                subjects.append(rng.choice(REVIEW_FIX_SUBJECTS))
            approved = work(times[-1] + minutes(rng.randint(30, 360)), rtz)
            reviews.append(Review(reviewer, "APPROVED", approved.astimezone(UTC)))
        merged = work(approved + minutes(rng.randint(5, 20) if urgent else rng.randint(5, 240)), atz)
        return times, subjects, opened.astimezone(UTC), reviews, merged.astimezone(UTC)

    def plan_pr(self, start: datetime, title: str, kind: str, labels: list[str], urgent: bool = False,
                author: str | None = None, n: int | None = None, method: str | None = None,
                routine: bool = False, slug: str | None = None) -> PrPlan:
        """Plan a PR; only routine ones may get changes requested or be abandoned."""
        rng = self.rng
        author = author or rng.choice(self.authors)
        reviewer = rng.choice([m for m in self.spec.members if m != author])
        n = n or rng.choice(self.d.commits_per_pr)
        times, subjects, opened, reviews, merged = self.timeline(start, author, reviewer, n, urgent, routine)
        subjects[0] = title
        method = method or ("squash" if rng.random() < self.d.squash_share else "merge")
        files = rng.sample(PIPELINE_FILES, rng.randint(1, 3))
        plan = PrPlan(f"plan{self.b.next_seq()}", author, reviewer, title, self.branch_for(kind, slug or title), method,
                      labels, times, subjects, opened, reviews, merged, None, files,
                      f"{title}.\n\nChecked against the last 30 days of data in staging.")
        if routine and rng.random() < 0.04:  # abandoned: closed without merging
            plan.closed_at, plan.merged_at = merged, None
        return plan

    def routine_pr(self, start: datetime) -> PrPlan:
        rng = self.rng
        topic = rng.choice(self.d.topics + COMMON_TOPICS)
        verb = rng.choice(VERBS)
        kind = "fix" if verb == "Fix" else "chore" if topic in ("CI workflow", "Dockerfile") else "feature"
        labels = ["bug"] if verb == "Fix" else ["enhancement"] if rng.random() < 0.3 else []
        return self.plan_pr(start, f"{verb} {topic}", kind, labels, routine=True)

    def schedule_prs(self) -> None:
        rng = self.rng
        t = self.main_times[-1] + timedelta(days=1)  # pull requests start after the bootstrap pushes
        rate_per_hour = self.d.prs_per_week / (7 * 24)
        while True:
            t = t + hours(rng.expovariate(rate_per_hour))
            if t >= self.d.pr_end:
                break
            self.push_pr(self.routine_pr(t))
        for start in self.d.open_prs:
            plan = self.routine_pr(start)
            plan.merged_at = plan.closed_at = None
            self.push_pr(plan)

    def push(self, at: datetime, kind: str, payload: object) -> None:
        heapq.heappush(self.events, (at, self.b.next_seq(), kind, payload))

    def push_pr(self, plan: PrPlan) -> None:
        self.push(plan.merged_at or plan.closed_at or plan.commit_times[-1], "pr", plan)

    def apply_pr(self, plan: PrPlan) -> PullRequest | None:
        """Write the branch commits and, when merged, the merge or squash commit on main."""
        times = [t for t in plan.commit_times if t <= AS_OF]
        if not times:
            return None
        parent, _ = self.main_at(times[0].astimezone(UTC))
        branch_files: dict[str, str] = {}
        keys: list[str] = []
        for at, subject in zip(times, plan.subjects):
            path = self.rng.choice(plan.files)
            branch_files[path] = self.content(path, subject)
            parent = self.commit(subject + "\n", plan.author, at, [parent], {path: branch_files[path]}).key
            keys.append(parent)
        merged = plan.merged_at if plan.merged_at and plan.merged_at <= AS_OF else None
        opened = plan.opened_at if plan.opened_at and plan.opened_at <= AS_OF else None
        if opened is None:
            self.repo.branches[plan.branch] = parent  # pushed, no pull request yet
            return None
        abandoned = plan.closed_at if plan.closed_at and plan.closed_at <= AS_OF else None
        pr = PullRequest(self.repo.name, 0, plan.title, plan.author, plan.branch, keys, opened,
                         merged_at=merged, closed_at=merged or abandoned,
                         merge_method=plan.method,
                         reviews=[r for r in plan.reviews if r.submitted_at <= AS_OF],
                         labels=plan.labels, body=plan.body)
        token = self.b.register_pr(pr)
        if merged is None:
            self.repo.branches[plan.branch] = parent
            return pr
        tip = self.main_keys[-1]
        author_at = merged.astimezone(tz_of(plan.author))
        if plan.method == "squash":
            squashed = "".join(f"* {s}\n" for s in plan.subjects[: len(keys)])
            message = f"{plan.title} (#{{{{pr:{token}}}}})\n\n{squashed}"
            c = self.commit(message, plan.author, author_at, [tip], dict(branch_files), GITHUB_WEB, merged)
            self.repo.branches[plan.branch] = parent  # the PR's commits live only on the branch
        else:
            message = f"Merge pull request #{{{{pr:{token}}}}} from {OWNER}/{plan.branch}\n\n{plan.title}\n"
            if plan.revert_of is not None:
                message = self.revert_message(plan.revert_of, token, plan.branch)
            c = self.commit(message, plan.author, author_at, [tip, parent], dict(branch_files), GITHUB_WEB, merged)
        self.on_main(c)
        pr.merge_commit = c.key
        self.merged_prs.append(pr)
        return pr

    def revert_message(self, bad: PullRequest, token: str, branch: str) -> str:
        return f"Merge pull request #{{{{pr:{token}}}}} from {OWNER}/{branch}\n\nRevert \"{bad.title}\"\n"

    def plan_revert(self, bad: PullRequest, start: datetime) -> None:
        """A revert PR made with GitHub's Revert button: one commit, ``This reverts commit <sha>``."""
        bad_token = self.b.pr_keys[id(bad)]
        plan = self.plan_pr(start, f'Revert "{bad.title}"', "revert", [], author=bad.author, n=1, method="merge")
        plan.branch = f"revert-{{{{pr:{bad_token}}}}}-{bad.head_branch}"
        merge = next(c for c in self.repo.commits if c.key == bad.merge_commit)
        if bad.merge_method == "squash":
            reverted = f"{bad.title} (#{{{{pr:{bad_token}}}}})"
            plan.subjects[0] = f'Revert "{reverted}"\n\nThis reverts commit {{{{sha:{merge.key}}}}}.'
        else:
            reverted = f"Merge pull request #{{{{pr:{bad_token}}}}} from {OWNER}/{bad.head_branch}"
            plan.subjects[0] = (f'Revert "{reverted}"\n\nThis reverts commit {{{{sha:{merge.key}}}}}, reversing\n'
                                f"changes made to {{{{sha:{merge.parents[0]}}}}}.")
        plan.closed_at = None
        plan.revert_of = bad
        plan.body = f"Reverts {OWNER}/{self.repo.name}#{{{{pr:{bad_token}}}}}"
        self.push_pr(plan)

    # ---- training, model versions and deployments

    def train(self, commit_key: str, start: datetime, trigger: str) -> tuple[MlflowRun, ModelVersion]:
        """A pipeline training run on ``commit_key`` and the model version registered from it."""
        rng = self.rng
        duration = minutes(rng.randint(10, 20) if trigger == "hotfix" else rng.randint(25, 70))
        name, first, gain = self.spec.metric
        progress = min(1.0, (start - self.d.bootstrap).days / 480)
        run = MlflowRun(self.b.run_id(), "", f"train-{start:%Y%m%d-%H%M}", DEPLOY_BOT, start, start + duration,
                        git_repo=self.repo.name, git_commit=commit_key,
                        tags={"mlflow.source.type": "JOB", "mlflow.source.name": "pipeline/train.py",
                              "trigger": trigger},
                        metrics={name: round(first + gain * (1.05 + 0.1 * progress)
                                             + rng.gauss(0, abs(gain) * 0.03), 4)},
                        params={"training_window_days": rng.choice(("90", "180", "365"))})
        if self.training is None:
            self.training = self.b.experiment(self.spec.prefix + "training", start - minutes(rng.randint(10, 60)))
        run.experiment_id = self.training.experiment_id
        self.b.org.runs.append(run)
        version = self.b.model_version(self.spec.model_name or "", run.end_time + minutes(rng.randint(2, 5)),
                                       run.run_id, f"Trained by the pipeline at commit {{{{short:{commit_key}}}}}")
        return run, version

    def deployment(self, environment: str, commit_key: str, version: int, created: datetime, ok: bool,
                   description: str, trigger: str, ref: str = "main") -> tuple[Deployment, datetime]:
        rng = self.rng
        created = created.replace(microsecond=0)
        started = created + timedelta(seconds=rng.randint(20, 90))
        finished = started + minutes(rng.randint(3, 12)) + timedelta(seconds=rng.randrange(60))
        statuses = [DeploymentStatus("queued", created), DeploymentStatus("in_progress", started),
                    DeploymentStatus("success" if ok else "failure", finished)]
        dep = Deployment(self.repo.name, 0, commit_key, environment, created, statuses, DEPLOY_BOT, ref=ref,
                         description=description, model_name=self.spec.model_name, model_version=str(version),
                         payload_extra={"trigger": trigger})
        self.b.register_deployment(dep)
        return dep, finished

    def deploy_code(self, at: datetime, kind: str, description: str, trigger: str,
                    ordinal: int | None = None) -> ProdRecord | None:
        """Train, register, deploy to staging, then production; ``None`` if main has not moved.

        ``ordinal`` numbers the regular (slot) code deployments that the spec's failed attempts
        and releases refer to; hotfix deployments have none.
        """
        rng = self.rng
        urgent = kind == "hotfix"
        tip, tip_time = self.main_at(at - (minutes(10) if urgent else hours(3)))
        if self.prod and self.prod[-1].commit == tip:
            return None
        run_start = max(at - minutes(rng.randint(100, 160)), tip_time + minutes(rng.randint(5, 15)))
        run_start = run_start.replace(microsecond=0)
        _, version = self.train(tip, run_start, "hotfix" if urgent else trigger)
        _, staged = self.deployment("staging", tip, version.version, version.created_at + minutes(rng.randint(4, 9)),
                                    True, "", trigger)
        prod_at = max(at, staged + minutes(rng.randint(12, 30)))
        if ordinal is not None and ordinal in self.d.failed_attempts:
            _, failed = self.deployment("production", tip, version.version, prod_at, False, description, trigger)
            prod_at = whole(failed + hours(rng.uniform(1, 3)))
        dep, done = self.deployment("production", tip, version.version, prod_at, True, description, trigger)
        record = ProdRecord(dep, tip, version.version, done, "initial" if not self.prod else kind,
                            self.merged_prs[-1] if self.merged_prs else None)
        self.prod.append(record)
        if ordinal is not None:
            self.release_if_due(ordinal, record)
        return record

    def release_if_due(self, ordinal: int, record: ProdRecord) -> None:
        if ordinal not in self.d.releases:
            return
        number = self.d.releases.index(ordinal)
        published = record.deployed_at + minutes(self.rng.randint(5, 40))
        self.b.org.releases.append(Release(self.repo.name, 0, f"v1.{number}.0", record.commit,
                                           published - minutes(2), published, self.spec.members[0]))

    def retrain(self, at: datetime) -> None:
        """Continuous training: same code (sha) as in production, a new model version."""
        if not self.prod:
            return
        current = self.prod[-1]
        _, version = self.train(current.commit, at, "schedule")
        dep, done = self.deployment("production", current.commit, version.version,
                                    version.created_at + minutes(self.rng.randint(8, 20)), True,
                                    "scheduled weekly retrain", "schedule")
        self.prod.append(ProdRecord(dep, current.commit, version.version, done, "retrain", current.last_pr))
        if self.retrain_ordinal in self.d.retrain_incidents:
            self.incident(self.prod[-1], "incident", done + hours(self.rng.uniform(6, 30)))
        self.retrain_ordinal += 1

    def rollback(self, failed: ProdRecord, at: datetime) -> None:
        """Put the previous good deployment's sha and model version back in production."""
        index = self.prod.index(failed)
        target = self.prod[index - 1]
        dep, done = self.deployment("production", target.commit, target.version, at, True,
                                    f"rollback to {self.spec.model_name} v{target.version}", "manual",
                                    ref=f"{{{{sha:{target.commit}}}}}")
        self.prod.append(ProdRecord(dep, target.commit, target.version, done, "rollback", target.last_pr))
        if failed.last_pr is not None and failed.last_pr.merge_commit is not None:
            self.plan_revert(failed.last_pr, whole(done + hours(self.rng.uniform(2, 20))))

    def plan_hotfix(self, at: datetime) -> None:
        what = HOTFIXES[self.hotfix_count % len(HOTFIXES)]
        self.hotfix_count += 1
        plan = self.plan_pr(at + minutes(self.rng.randint(30, 90)), f"Hotfix: {what}", "hotfix", [HOTFIX_LABEL],
                            urgent=True, n=self.rng.randint(1, 3), method="merge", slug=what)
        self.push_pr(plan)
        self.push(plan.merged_at + minutes(self.rng.randint(30, 60)), "hotfix_deploy", what)  # type: ignore[operator]

    # ---- incidents

    def incident(self, record: ProdRecord, link: str, created: datetime) -> None:
        """An incident after ``record`` went live; ``link`` decides how its text names the cause."""
        rng = self.rng
        created = created.replace(microsecond=0)
        if created > AS_OF:
            return
        symptom = rng.choice(SYMPTOMS[self.spec.project_id])
        dep_token = self.b.dep_keys[id(record.deployment)]
        detail = {
            "deployment": f"Caused by deployment {{{{dep:{dep_token}}}}}.",
            "root_cause": f"root cause: {{{{sha:{record.commit}}}}}",
            "model_version": f"Started with {self.spec.model_name} version {record.version}.",
        }.get(link, "Investigating; no change identified yet.")
        body = f"{symptom}.\n\nDetected by monitoring at {created:%H:%M} UTC.\n\n{detail}"
        resolved = whole(created + hours(rng.uniform(1.5, 30)))
        reporter = rng.choice(self.spec.members)
        if self.spec.incident_source == "jira":
            self.b.jira_issue(self.spec.jira_key, "Incident", symptom, reporter, created,
                              [(created + minutes(rng.randint(10, 60)), "In Progress", reporter),
                               (resolved, "Done", reporter)], description=body, priority="Highest")
        else:
            self.b.org.github_issues.append(GitHubIssue(
                self.repo.name, 0, symptom, reporter, created,
                closed_at=resolved if resolved <= AS_OF else None, labels=[INCIDENT_LABEL, "sev2"], body=body))

    def after_deploy(self, record: ProdRecord, ordinal: int) -> None:
        """Scripted failures of code deployment ``ordinal`` (``DeliverySpec.failures``)."""
        kind = self.d.failures.get(ordinal)
        if kind is None:
            return
        rng = self.rng
        noticed = whole(record.deployed_at + hours(rng.uniform(1, 8)))
        if kind.startswith("incident"):
            link = kind.partition(":")[2] or "none"
            self.incident(record, link, record.deployed_at + hours(rng.uniform(2, 20)))
        elif kind in ("rollback", "rollback_silent"):
            if kind == "rollback":
                self.incident(record, "deployment", noticed)
            self.push(noticed + hours(rng.uniform(0.5, 2)), "rollback", record)
        elif kind in ("hotfix", "hotfix_silent"):
            if kind == "hotfix":
                self.incident(record, "root_cause", noticed)
            self.plan_hotfix(noticed)

    # ---- run

    def run(self) -> Repo:
        self.bootstrap()
        self.schedule_prs()
        for slot in self.d.slots(self.rng):
            self.push(slot, "deploy", None)
        for at in (self.d.retrains(self.rng) if self.d.retrains else []):
            self.push(at, "retrain", None)
        for at in self.d.loose_incidents:
            self.push(at, "loose_incident", None)
        while self.events:
            at, _, kind, payload = heapq.heappop(self.events)
            self.dispatch(at, kind, payload)
        self.repo.branches[self.repo.default_branch] = self.main_keys[-1]
        self.ordinary_issues()
        return self.repo

    def dispatch(self, at: datetime, kind: str, payload: object) -> None:
        if kind == "pr":
            self.apply_pr(payload)  # type: ignore[arg-type]
        elif at > AS_OF - hours(2):
            return
        elif kind == "deploy":
            record = self.deploy_code(at, "code", "Automated deployment from main", "push", self.code_ordinal)
            if record is not None:
                self.after_deploy(record, self.code_ordinal)
                self.code_ordinal += 1
        elif kind == "retrain":
            self.retrain(at)
        elif kind == "rollback":
            self.rollback(payload, at)  # type: ignore[arg-type]
        elif kind == "hotfix_deploy":
            self.deploy_code(at, "hotfix", f"hotfix: {payload}", "manual")
        elif kind == "loose_incident":
            last = [r for r in self.prod if r.deployed_at < at][-1]
            self.incident(last, "none", at)

    def ordinary_issues(self) -> None:
        """Bugs and enhancement requests: tracker noise that is not an incident."""
        rng = self.rng
        start = self.main_times[0] + timedelta(days=7)
        span = (AS_OF - timedelta(days=3) - start).total_seconds()
        for label, title in rng.sample(ISSUE_TITLES, self.d.github_issues):
            created = snap_to_work(start + timedelta(seconds=rng.uniform(0, 1) * span), UTC, rng).astimezone(UTC)
            closed = created + hours(rng.randint(3, 500)) if label == "bug" or rng.random() < 0.3 else None
            self.b.org.github_issues.append(GitHubIssue(
                self.repo.name, 0, title, rng.choice(self.spec.members), created,
                closed_at=closed if closed and closed <= AS_OF else None, labels=[label],
                body=f"{title}. Seen in the {self.spec.project_name} pipeline."))


# --------------------------------------------------------------------------- extras


def sandbox_repo(b: OrgBuilder) -> Repo:
    """``acme-ml/sandbox``: a scratch repository no project claims (an unassigned record)."""
    spec = ProjectSpec("sandbox", "Sandbox", "platform", "SBX", ("tom", "yuki"), "tom", ("loss", 1.0, -0.5), [])
    delivery = DeliverySpec("sandbox", "sbx", utc(2025, 11, 3, 10), utc(2025, 11, 28), 0.6, (2, 3), 0.0,
                            lambda rng: [], ("notebook utilities",), github_issues=0)
    sim = Delivery(b, spec, delivery)
    sim.bootstrap()
    for start in (sim.main_times[-1] + timedelta(days=1), sim.main_times[-1] + timedelta(days=8)):
        sim.push_pr(sim.routine_pr(start))
    while sim.events:
        at, _, kind, payload = heapq.heappop(sim.events)
        sim.dispatch(at, kind, payload)
    sim.repo.branches["main"] = sim.main_keys[-1]
    return sim.repo


def unassigned_experiments(b: OrgBuilder) -> None:
    """MLflow's ``Default`` experiment and ``scratch/tmp``: tracking activity of no project."""
    b.org.experiments.append(MlflowExperiment("0", "Default", utc(2025, 5, 28, 12)))
    spec = ProjectSpec("scratch", "Scratch", "platform", "SBX", ("tom",), "tom", ("loss", 1.0, -0.4), [])
    exploration_runs(b, spec, ExplorationSpec("tmp", 12, date(2026, 3, 2), date(2026, 3, 6), "tmp"))


def champion_aliases(b: OrgBuilder, sims: list[Delivery]) -> None:
    """``champion`` -> the version in production at AS_OF (MLflow keeps no alias history)."""
    models = {m.name: m for m in b.org.registered_models}
    for sim in sims:
        if sim.prod and sim.spec.model_name:
            models[sim.spec.model_name].aliases = {"champion": sim.prod[-1].version}


def catalog(spec: ProjectSpec) -> CatalogProject:
    d = spec.delivery
    return CatalogProject(
        spec.project_id, spec.project_name, spec.team,
        git_repos=[d.repo] if d else [], github_repos=[f"{OWNER}/{d.repo}"] if d else [],
        jira_projects=[spec.jira_key], mlflow_experiment_prefixes=[spec.prefix],
        registered_models=[spec.model_name] if spec.model_name else [], incident_source=spec.incident_source)


# --------------------------------------------------------------------------- finalising


class Finaliser:
    """Assigns numbers and ids in time order and resolves the ``{{kind:key}}`` tokens."""

    def __init__(self, b: OrgBuilder) -> None:
        self.b = b
        self.org = b.org
        self.pr_numbers: dict[str, int] = {}
        self.dep_ids: dict[str, int] = {}
        self.shas: dict[str, str] = {}

    def run(self) -> None:
        self.number_github()
        self.number_deployments()
        self.number_jira()
        self.number_experiments()
        self.hash_commits()
        self.resolve_texts()

    def resolve(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            kind, key = match.group(1), match.group(2)
            if kind == "pr":
                return str(self.pr_numbers[key])
            if kind == "dep":
                return str(self.dep_ids[key])
            if kind == "sha":
                return self.shas[key]
            return self.shas[key][:7]

        return TOKEN.sub(replace, text)

    def number_github(self) -> None:
        """PRs and issues share one number sequence per repository, in creation order."""
        items: dict[str, list[tuple[datetime, int, object]]] = {}
        for index, pr in enumerate(self.org.pull_requests):
            items.setdefault(pr.repo, []).append((pr.opened_at, index, pr))
        for index, issue in enumerate(self.org.github_issues):
            items.setdefault(issue.repo, []).append((issue.created_at, 100_000 + index, issue))
        for repo in sorted(items):
            for number, (_, _, item) in enumerate(sorted(items[repo], key=lambda x: (x[0], x[1])), start=1):
                item.number = number  # type: ignore[attr-defined]
                if isinstance(item, PullRequest):
                    self.pr_numbers[self.b.pr_keys[id(item)]] = number
        self.org.pull_requests.sort(key=lambda p: (p.repo, p.number))
        self.org.github_issues.sort(key=lambda i: (i.repo, i.number))

    def number_deployments(self) -> None:
        ids = itertools.accumulate(self.b.rng.randint(40, 4000) for _ in self.org.deployments)
        ordered = sorted(enumerate(self.org.deployments), key=lambda x: (x[1].created_at, x[0]))
        for (_, dep), step in zip(ordered, ids):
            dep.id = 2_510_000_000 + step
            self.dep_ids[self.b.dep_keys[id(dep)]] = dep.id
        self.org.deployments = [d for _, d in ordered]
        releases = sorted(self.org.releases, key=lambda r: r.created_at)
        for index, release in enumerate(releases):
            release.id = 187_400_000 + 3_217 * (index + 1)
        self.org.releases = releases

    def number_jira(self) -> None:
        ordered = sorted(enumerate(self.org.jira_issues), key=lambda x: (x[1].created_at, x[0]))
        counters: dict[str, int] = {}
        for issue_id, (_, issue) in enumerate(ordered, start=10_001):
            project = issue.project_key
            counters[project] = counters.get(project, 0) + 1
            issue.key, issue.id = f"{project}-{counters[project]}", issue_id
        self.org.jira_issues = [i for _, i in ordered]

    def number_experiments(self) -> None:
        ordered = sorted((e for e in self.org.experiments if e.experiment_id.startswith("tmp-")),
                         key=lambda e: e.created_at)
        ids = {e.experiment_id: str(n) for n, e in enumerate(ordered, start=1)}
        for experiment in ordered:
            experiment.experiment_id = ids[experiment.experiment_id]
        for run in self.org.runs:
            run.experiment_id = ids.get(run.experiment_id, run.experiment_id)
        self.org.experiments.sort(key=lambda e: int(e.experiment_id))
        self.org.runs.sort(key=lambda r: (int(r.experiment_id), r.start_time, r.run_id))

    def hash_commits(self) -> None:
        """Resolve commit messages in topological order, computing each sha as git will."""
        people = {p.key: p for p in self.org.people}
        for repo in self.org.repos:
            hasher = CommitHasher(people)
            for commit in repo.commits:
                commit.message = self.resolve(commit.message)
                self.shas[commit.key] = hasher.add(commit)

    def resolve_texts(self) -> None:
        for repo in self.org.repos:
            repo.branches = {self.resolve(name): key for name, key in repo.branches.items()}
        for pr in self.org.pull_requests:
            pr.title, pr.body = self.resolve(pr.title), self.resolve(pr.body)
            pr.head_branch = self.resolve(pr.head_branch)
        for issue in self.org.github_issues:
            issue.body = self.resolve(issue.body)
        for jira in self.org.jira_issues:
            jira.description = self.resolve(jira.description)
        for dep in self.org.deployments:
            dep.description, dep.ref = self.resolve(dep.description), self.resolve(dep.ref)
        for mv in self.org.model_versions:
            mv.description = self.resolve(mv.description)


# --------------------------------------------------------------------------- entry point


def build_demo_organisation() -> Organisation:
    """Build the deterministic demo organisation (same value on every call)."""
    b = OrgBuilder()
    sims: list[Delivery] = []
    for spec in PROJECTS:
        for kickoff in spec.kickoffs:
            kickoff_epic(b, spec, kickoff)
            for exploration in kickoff.explorations:
                exploration_runs(b, spec, exploration)
        stories(b, spec)
        if spec.delivery is not None:
            sim = Delivery(b, spec, spec.delivery)
            b.org.repos.append(sim.run())
            sims.append(sim)
        b.org.catalog.append(catalog(spec))
    b.org.repos.append(sandbox_repo(b))
    unassigned_experiments(b)
    champion_aliases(b, sims)
    b.org.model_versions.sort(key=lambda v: (v.name, v.version))
    b.org.registered_models.sort(key=lambda m: m.name)
    Finaliser(b).run()
    # one project on Notion, notebooks, TensorBoard, Airflow and SageMaker: its own random stream
    b.org.extra_systems = build_extra_systems(b.org.people, b.org.as_of)
    log.info("built demo organisation: %d repos, %d commits, %d PRs, %d deployments, %d runs",
             len(b.org.repos), sum(len(r.commits) for r in b.org.repos), len(b.org.pull_requests),
             len(b.org.deployments), len(b.org.runs))
    return b.org
