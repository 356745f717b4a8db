"""dlt source for MLflow REST 2.0: experiments, runs, registered models, model versions and
model aliases -> the ``raw_mlflow`` tables.

Why this shape: the same code runs on a live tracking server and on recorded responses
(``ingest.replay`` mounted on the ``session``). Every search endpoint is paged by
``next_page_token`` (sent back as ``page_token`` in the JSON body of POST searches, in the
query of GET ones). Parsing is pure (``parse_run`` ...) so live connectors and tests reuse it.
MLflow keeps no alias history, so ``model_aliases`` is replaced at each load and stamped with
the response's ``Date`` header; the dbt snapshot keeps the history.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import dlt
import requests
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth, HttpBasicAuth
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
from requests import Response

from ingest.http import RateLimitPolicy, live_session, wait_out_rate_limits
from ingest.incremental import CursorBook
from ingest.pseudonymise import person_id, resolve_salt
from ingest.columns import table_columns

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
Row = dict[str, Any]

GIT_COMMIT_TAG = "mlflow.source.git.commit"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
RUN_NAME_TAG = "mlflow.runName"
#: tags that name a person; never stored, even in the JSON of the other tags
IDENTITY_TAGS = frozenset({"mlflow.user", "mlflow.databricks.notebookPath", "mlflow.databricks.cluster.creator",
                           "mlflow.databricks.workspaceURL", "mlflow.source.git.author"})
_EXTRACTED_TAGS = frozenset({GIT_COMMIT_TAG, SOURCE_NAME_TAG, SOURCE_TYPE_TAG, RUN_NAME_TAG})

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")




EXPERIMENT_COLUMNS = table_columns(
    [("experiment_id", "text"), ("name", "text"), ("lifecycle_stage", "text"), ("artifact_location", "text"),
     ("creation_time", "timestamp"), ("last_update_time", "timestamp")],
    ["experiment_id"],
)
RUN_COLUMNS = table_columns(
    [("run_id", "text"), ("experiment_id", "text"), ("run_name", "text"), ("user_id", "text"), ("status", "text"),
     ("lifecycle_stage", "text"), ("start_time", "timestamp"), ("end_time", "timestamp"), ("git_commit", "text"),
     ("source_name", "text"), ("source_type", "text"), ("tags", "text"), ("metrics", "text")],
    ["run_id"],
)
REGISTERED_MODEL_COLUMNS = table_columns(
    [("name", "text"), ("description", "text"), ("creation_time", "timestamp"), ("last_updated_time", "timestamp")],
    ["name"],
)
MODEL_VERSION_COLUMNS = table_columns(
    [("name", "text"), ("version", "bigint"), ("creation_time", "timestamp"), ("last_updated_time", "timestamp"),
     ("current_stage", "text"), ("status", "text"), ("run_id", "text"), ("source", "text")],
    ["name", "version"],
)
MODEL_ALIAS_COLUMNS = table_columns(
    [("name", "text"), ("alias", "text"), ("version", "bigint"), ("observed_at", "timestamp")],
    ["name", "alias"],
)


# ---------------------------------------------------------------------------------------------
# Pure parsing


def epoch_ms_to_utc(value: Any) -> datetime | None:
    """MLflow's epoch milliseconds (number or numeric string) -> tz-aware UTC datetime."""
    if value is None or value == "":
        return None
    return _EPOCH + timedelta(milliseconds=int(value))


def redact_emails(text: str | None, salt: str | None = None) -> str | None:
    """Free text with every email address replaced by its person id (no email is stored)."""
    if not text:
        return text
    return _EMAIL.sub(lambda m: person_id(m.group(0), salt) or "", text)


def parse_experiment(obj: dict[str, Any], salt: str | None = None) -> Row:
    """An ``experiments/search`` item -> an ``experiments`` row.

    Emails in the name (Databricks workspace paths like ``/Users/<email>/...``) are replaced by
    their person id, so a catalog prefix for such experiments uses the pseudonymised form.
    """
    return {
        "experiment_id": str(obj["experiment_id"]),
        "name": redact_emails(obj.get("name"), salt),
        "lifecycle_stage": obj.get("lifecycle_stage"),
        "artifact_location": obj.get("artifact_location"),
        "creation_time": epoch_ms_to_utc(obj.get("creation_time")),
        "last_update_time": epoch_ms_to_utc(obj.get("last_update_time")),
    }


def latest_metrics(metrics: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Key -> value of the latest (timestamp, step) entry per key, keys sorted."""
    latest: dict[str, tuple[int, int, float]] = {}
    for metric in metrics:
        key = metric["key"]
        stamp = (int(metric.get("timestamp") or 0), int(metric.get("step") or 0))
        if key not in latest or stamp >= latest[key][:2]:
            latest[key] = (*stamp, float(metric["value"]))
    return {key: latest[key][2] for key in sorted(latest)}


def parse_run(obj: dict[str, Any], salt: str | None = None) -> Row:
    """A ``runs/search`` item -> a ``runs`` row; identity tags dropped, emails redacted."""
    info, data = obj.get("info") or {}, obj.get("data") or {}
    tags = {t["key"]: t.get("value") for t in data.get("tags") or []}
    other_tags = {
        key: redact_emails(value, salt)
        for key, value in sorted(tags.items())
        if key not in IDENTITY_TAGS and key not in _EXTRACTED_TAGS
    }
    run_id = info.get("run_id") or info.get("run_uuid")
    return {
        "run_id": run_id,
        "experiment_id": str(info.get("experiment_id")),
        "run_name": redact_emails(info.get("run_name") or tags.get(RUN_NAME_TAG), salt),
        "user_id": person_id(info.get("user_id") or tags.get("mlflow.user"), salt),
        "status": info.get("status"),
        "lifecycle_stage": info.get("lifecycle_stage"),
        "start_time": epoch_ms_to_utc(info.get("start_time")),
        "end_time": epoch_ms_to_utc(info.get("end_time")),
        "git_commit": tags.get(GIT_COMMIT_TAG),
        "source_name": redact_emails(tags.get(SOURCE_NAME_TAG), salt),
        "source_type": tags.get(SOURCE_TYPE_TAG),
        "tags": json.dumps(other_tags, sort_keys=True),
        "metrics": json.dumps(latest_metrics(data.get("metrics") or []), sort_keys=True),
    }


def parse_registered_model(obj: dict[str, Any], salt: str | None = None) -> Row:
    """A ``registered-models/search`` item -> a ``registered_models`` row."""
    return {
        "name": obj["name"],
        "description": redact_emails(obj.get("description"), salt),
        "creation_time": epoch_ms_to_utc(obj.get("creation_timestamp")),
        "last_updated_time": epoch_ms_to_utc(obj.get("last_updated_timestamp")),
    }


def parse_model_version(obj: dict[str, Any]) -> Row:
    """A ``model-versions/search`` item -> a ``model_versions`` row (version as an integer)."""
    return {
        "name": obj["name"],
        "version": int(obj["version"]),
        "creation_time": epoch_ms_to_utc(obj.get("creation_timestamp")),
        "last_updated_time": epoch_ms_to_utc(obj.get("last_updated_timestamp")),
        "current_stage": obj.get("current_stage"),
        "status": obj.get("status"),
        "run_id": obj.get("run_id") or None,
        "source": obj.get("source"),
    }


def parse_model_aliases(obj: dict[str, Any], observed_at: datetime) -> list[Row]:
    """The aliases of a registered model -> ``model_aliases`` rows seen at ``observed_at``."""
    return [
        {"name": obj["name"], "alias": alias["alias"], "version": int(alias["version"]), "observed_at": observed_at}
        for alias in obj.get("aliases") or []
    ]


def response_time(response: Response) -> datetime:
    """When the server answered: its ``Date`` header in UTC (now, if it sent none)."""
    header = response.headers.get("Date")
    if header:
        try:
            return parsedate_to_datetime(header).astimezone(timezone.utc)
        except (TypeError, ValueError):
            log.warning("unparsable Date header %r; using the local clock", header)
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------------------------------------
# Client and source


def mlflow_client(base_url: str, session: requests.Session | None = None, token: str | None = None,
                  username: str | None = None, password: str | None = None,
                  rate_limit: RateLimitPolicy | None = None) -> RESTClient:
    """A RESTClient for an MLflow tracking server: bearer token (Databricks, a proxy) or basic
    auth (MLflow's own auth app) when given; 429s waited out."""
    session = wait_out_rate_limits(session, "mlflow", rate_limit) if session is not None \
        else live_session("mlflow", rate_limit)
    auth: Any = BearerTokenAuth(token) if token else HttpBasicAuth(username, password) if username and password else None
    return RESTClient(base_url=base_url.rstrip("/"), headers={"Accept": "application/json"}, auth=auth,
                      session=session)  # type: ignore[arg-type]


def check_access(client: RESTClient) -> None:
    """One tiny search: proves the tracking URI and credentials before any load."""
    response = client.post("/api/2.0/mlflow/experiments/search", json={"max_results": 1})
    response.raise_for_status()


def _post_cursor() -> JSONResponseCursorPaginator:
    return JSONResponseCursorPaginator(cursor_path="next_page_token", cursor_body_path="page_token")


def _get_cursor() -> JSONResponseCursorPaginator:
    return JSONResponseCursorPaginator(cursor_path="next_page_token", cursor_param="page_token")


def _epoch_ms(value: datetime) -> int:
    return int((value - _EPOCH).total_seconds() * 1000)


def _run_version_time(row: Row) -> datetime | None:
    """When a run last changed as far as its row shows: its end, else its start."""
    times = [t for t in (row["start_time"], row["end_time"]) if t is not None]
    return max(times) if times else None


@dlt.source(name="mlflow", max_table_nesting=0)
def mlflow_source(
    base_url: str,
    session: requests.Session | None = None,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    incremental: bool = False,
    since: datetime | None = None,
    rate_limit: RateLimitPolicy | None = None,
) -> Any:
    """The ``raw_mlflow`` resources: everything the tracking server lists (active experiments).

    ``incremental``: experiments, registered models and model versions are listed whole (few)
    and only those updated since the last load are kept (``last_update_time`` /
    ``last_updated_timestamp``); runs are searched per experiment with
    ``attributes.start_time >= cursor`` and ``attributes.end_time >= cursor`` (runs started or
    finished since; MLflow filters have no OR), the cursor being the latest start or end seen in
    that experiment. ``model_aliases`` is always the whole current view (replaced each load).
    ``since`` bounds the first load of runs only.
    """
    client = mlflow_client(base_url, session, token, username, password, rate_limit)
    salt = resolve_salt()
    lazy: dict[str, Any] = {}

    def book(with_since: bool = False) -> CursorBook:
        """The cursors; ``since`` bounds only runs: experiments, models and versions are few, and
        a run of an experiment created before ``since`` still needs its experiment."""
        key = "runs_book" if with_since else "book"
        if key not in lazy:
            lazy[key] = CursorBook(dlt.current.source_state().setdefault("incremental", {}),
                                   enabled=incremental, since=since if with_since else None)
        return lazy[key]

    def listed_experiments() -> list[Row]:
        """All active experiments, listed once per load (experiments and runs both need them)."""
        if "experiments" not in lazy:
            log.info("mlflow: experiments")
            rows: list[Row] = []
            for page in client.paginate("/api/2.0/mlflow/experiments/search", method="POST",
                                        json={"max_results": PAGE_SIZE}, paginator=_post_cursor(),
                                        data_selector="experiments"):
                rows += [parse_experiment(obj, salt) for obj in page]
            lazy["experiments"] = rows
        return lazy["experiments"]

    @dlt.resource(name="experiments", primary_key="experiment_id", write_disposition="merge",
                  columns=EXPERIMENT_COLUMNS)
    def experiments() -> Iterator[list[Row]]:
        previous, nxt = book().previous("experiments", "*"), book().next("experiments", "*")
        rows = [r for r in listed_experiments() if previous.is_new(r["last_update_time"], r["experiment_id"])]
        for row in rows:
            nxt.observe(row["last_update_time"], row["experiment_id"])
        book().save("experiments")
        yield rows

    def search_runs(experiment_id: str, run_filter: str | None) -> Iterator[list[Row]]:
        body: dict[str, Any] = {"experiment_ids": [experiment_id], "max_results": PAGE_SIZE}
        if run_filter:
            body["filter"] = run_filter
        for page in client.paginate("/api/2.0/mlflow/runs/search", method="POST", json=body,
                                    paginator=_post_cursor(), data_selector="runs"):
            yield [parse_run(obj, salt) for obj in page]

    @dlt.resource(name="runs", primary_key="run_id", write_disposition="merge", columns=RUN_COLUMNS)
    def runs() -> Iterator[list[Row]]:
        for exp in listed_experiments():
            exp_id = exp["experiment_id"]
            previous, nxt = book(True).previous("runs", exp_id), book(True).next("runs", exp_id)
            if previous.value is None:
                searches: list[str | None] = [None]
            else:
                bound = _epoch_ms(previous.value)
                searches = [f"attributes.start_time >= {bound}", f"attributes.end_time >= {bound}"]
                log.info("mlflow: runs of experiment %s started or ended since %s", exp_id,
                         f"{previous.value:%Y-%m-%d %H:%M:%S}Z")
            seen: set[str] = set()
            for run_filter in searches:
                for number, rows in enumerate(search_runs(exp_id, run_filter), start=1):
                    log.info("mlflow: experiment %s: runs page %d (%d listed)", exp_id, number, len(rows))
                    rows = [r for r in rows if r["run_id"] not in seen
                            and previous.is_new(_run_version_time(r), r["run_id"])]
                    for row in rows:
                        seen.add(row["run_id"])
                        nxt.observe(_run_version_time(row), row["run_id"])
                    if rows:
                        yield rows
        book(True).save("runs")

    def registered_model_pages() -> Iterator[Any]:
        yield from client.paginate("/api/2.0/mlflow/registered-models/search", params={"max_results": PAGE_SIZE},
                                   paginator=_get_cursor(), data_selector="registered_models")

    @dlt.resource(name="registered_models", primary_key="name", write_disposition="merge",
                  columns=REGISTERED_MODEL_COLUMNS)
    def registered_models() -> Iterator[list[Row]]:
        log.info("mlflow: registered models")
        previous, nxt = book().previous("registered_models", "*"), book().next("registered_models", "*")
        for page in registered_model_pages():
            rows = [parse_registered_model(obj, salt) for obj in page]
            rows = [r for r in rows if previous.is_new(r["last_updated_time"], r["name"])]
            for row in rows:
                nxt.observe(row["last_updated_time"], row["name"])
            yield rows
        book().save("registered_models")

    @dlt.resource(name="model_versions", primary_key=("name", "version"), write_disposition="merge",
                  columns=MODEL_VERSION_COLUMNS)
    def model_versions() -> Iterator[list[Row]]:
        log.info("mlflow: model versions")
        previous, nxt = book().previous("model_versions", "*"), book().next("model_versions", "*")
        for page in client.paginate("/api/2.0/mlflow/model-versions/search", params={"max_results": PAGE_SIZE},
                                    paginator=_get_cursor(), data_selector="model_versions"):
            rows = [parse_model_version(obj) for obj in page]
            rows = [r for r in rows if previous.is_new(r["last_updated_time"], f"{r['name']}:{r['version']}")]
            for row in rows:
                nxt.observe(row["last_updated_time"], f"{row['name']}:{row['version']}")
            yield rows
        book().save("model_versions")

    @dlt.resource(name="model_aliases", primary_key=("name", "alias"), write_disposition="replace",
                  columns=MODEL_ALIAS_COLUMNS)
    def model_aliases() -> Iterator[list[Row]]:
        log.info("mlflow: model aliases")
        for page in registered_model_pages():
            observed_at = response_time(page.response)
            yield [row for obj in page for row in parse_model_aliases(obj, observed_at)]

    return experiments, runs, registered_models, model_versions, model_aliases
