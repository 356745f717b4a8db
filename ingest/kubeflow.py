"""dlt source for the Kubeflow Pipelines REST API v2beta1: pipelines and runs ->
``raw_kubeflow.pipelines`` and ``raw_kubeflow.runs``.

Why this shape: a KFP run is one execution of a training pipeline (journey step T6). Both list
endpoints (``GET /apis/v2beta1/pipelines``, ``GET /apis/v2beta1/runs``) page with
``page_size`` and the ``next_page_token`` of the previous answer sent back as ``page_token``;
the last page carries no token (or an empty one). A run names its pipeline either inline
(``pipeline_spec.pipelineInfo.name``, runs submitted from the SDK) or by reference
(``pipeline_version_reference.pipeline_id``, runs of an uploaded pipeline: the ``pipelines``
table gives its display name). Its ``runtime_config.parameters`` tie it to a commit and a
model when they carry ``git_commit`` / ``model_name`` / ``model_version``. v2beta1 has no start
time: ``started_at`` is the first ``RUNNING`` in ``state_history``. KFP writes
``1970-01-01T00:00:00Z`` for "not finished"; that reads as null.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import dlt
import requests
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from ingest.columns import table_columns as cols
from ingest.json_drops import Row, json_text, lineage, parse_time, redact_emails
from ingest.pseudonymise import resolve_salt

log = logging.getLogger(__name__)

DATASET = "raw_kubeflow"
API_PREFIX = "/apis/v2beta1"
PAGE_SIZE = 100

PIPELINE_COLUMNS = cols(
    [("pipeline_id", "text"), ("display_name", "text"), ("description", "text"), ("namespace", "text"),
     ("created_at", "timestamp")],
    ["pipeline_id"],
)
RUN_COLUMNS = cols(
    [("run_id", "text"), ("display_name", "text"), ("experiment_id", "text"), ("pipeline_id", "text"),
     ("pipeline_version_id", "text"), ("pipeline_spec_name", "text"), ("recurring_run_id", "text"),
     ("storage_state", "text"), ("state", "text"), ("created_at", "timestamp"), ("scheduled_at", "timestamp"),
     ("started_at", "timestamp"), ("finished_at", "timestamp"), ("error_message", "text"),
     ("parameters", "text"), ("git_commit", "text"), ("model_name", "text"), ("model_version", "text")],
    ["run_id"],
)


def parse_pipeline(obj: dict[str, Any], salt: str | None = None) -> Row:
    """A ``pipelines[]`` item of ``GET /apis/v2beta1/pipelines`` -> a ``pipelines`` row."""
    return {
        "pipeline_id": obj["pipeline_id"],
        "display_name": obj.get("display_name") or obj.get("name"),
        "description": redact_emails(obj.get("description"), salt),
        "namespace": obj.get("namespace"),
        "created_at": parse_time(obj.get("created_at")),
    }


def _first_running(history: Any) -> Any:
    times = [item.get("update_time") for item in history or []
             if isinstance(item, dict) and item.get("state") == "RUNNING" and item.get("update_time")]
    parsed = [t for t in (parse_time(v) for v in times) if t is not None]
    return min(parsed) if parsed else None


def parse_run(obj: dict[str, Any], salt: str | None = None) -> Row:
    """A ``runs[]`` item of ``GET /apis/v2beta1/runs`` -> a ``runs`` row."""
    reference = obj.get("pipeline_version_reference") or {}
    spec = obj.get("pipeline_spec") or {}
    runtime = obj.get("runtime_config") or {}
    parameters = runtime.get("parameters") if isinstance(runtime.get("parameters"), dict) else None
    git_commit, model_name, model_version = lineage(parameters)
    error = obj.get("error") or {}
    return {
        "run_id": obj["run_id"],
        "display_name": redact_emails(obj.get("display_name"), salt),
        "experiment_id": obj.get("experiment_id"),
        "pipeline_id": reference.get("pipeline_id"),
        "pipeline_version_id": reference.get("pipeline_version_id") or obj.get("pipeline_version_id"),
        "pipeline_spec_name": (spec.get("pipelineInfo") or {}).get("name") if isinstance(spec, dict) else None,
        "recurring_run_id": obj.get("recurring_run_id"),
        "storage_state": obj.get("storage_state"),
        "state": obj.get("state"),
        "created_at": parse_time(obj.get("created_at")),
        "scheduled_at": parse_time(obj.get("scheduled_at")),
        "started_at": _first_running(obj.get("state_history")),
        "finished_at": parse_time(obj.get("finished_at")),
        "error_message": redact_emails(error.get("message"), salt) if isinstance(error, dict) else None,
        "parameters": json_text(parameters, salt),
        "git_commit": git_commit,
        "model_name": model_name,
        "model_version": model_version,
    }


def kubeflow_client(base_url: str, session: requests.Session | None = None, token: str | None = None) -> RESTClient:
    """A RESTClient for the KFP API server (``https://kubeflow.example.com/pipeline``: the API
    is under ``/pipeline`` on a Kubeflow platform, at the root of a standalone KFP)."""
    return RESTClient(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/json"},
        auth=BearerTokenAuth(token) if token else None,
        session=session,  # type: ignore[arg-type]
    )


def page_token_paginator() -> JSONResponseCursorPaginator:
    """``next_page_token`` in the answer -> ``page_token`` in the next query; none/empty ends."""
    return JSONResponseCursorPaginator(cursor_path="next_page_token", cursor_param="page_token")


@dlt.source(name="kubeflow", max_table_nesting=0)
def kubeflow_source(
    base_url: str,
    session: requests.Session | None = None,
    token: str | None = None,
    namespace: str | None = None,
) -> Any:
    """``raw_kubeflow`` pipelines and runs (all of them, or of ``namespace`` on a multi-user
    deployment); which project a run belongs to is the catalog's ``kubeflow_pipeline``."""
    client = kubeflow_client(base_url, session, token)
    salt = resolve_salt()
    params: dict[str, Any] = {"page_size": PAGE_SIZE}
    if namespace:
        params["namespace"] = namespace

    @dlt.resource(name="pipelines", primary_key="pipeline_id", write_disposition="merge", columns=PIPELINE_COLUMNS)
    def pipelines() -> Iterator[list[Row]]:
        log.info("kubeflow: pipelines")
        for page in client.paginate(f"{API_PREFIX}/pipelines", params=params, paginator=page_token_paginator(),
                                    data_selector="pipelines"):
            yield [parse_pipeline(obj, salt) for obj in page]

    @dlt.resource(name="runs", primary_key="run_id", write_disposition="merge", columns=RUN_COLUMNS)
    def runs() -> Iterator[list[Row]]:
        log.info("kubeflow: runs")
        for page in client.paginate(f"{API_PREFIX}/runs", params=params, paginator=page_token_paginator(),
                                    data_selector="runs"):
            yield [parse_run(obj, salt) for obj in page]

    return pipelines, runs
