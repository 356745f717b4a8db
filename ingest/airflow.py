"""dlt source for the Airflow stable REST API (Airflow 2.x, ``/api/v1``): the DAG runs of the
DAGs the catalog names (object type ``airflow_dag``) -> ``raw_airflow.dag_runs``.

Why this shape: a DAG run is one run of a training / pipeline DAG (journey step T6). The list
endpoint ``GET /api/v1/dags/{dag_id}/dagRuns`` pages by ``limit``/``offset`` and says how many
runs there are in ``total_entries``; dlt's ``OffsetPaginator`` follows exactly that. A run ties
to the code and model it built when it was triggered with a ``conf`` naming them
(``{"git_commit": ..., "model_name": ..., "model_version": ...}``; ``git_sha`` / ``commit_sha``
are read too, keys compared case-insensitively). Parsing is a pure function
(``parse_dag_run``) so tests and other connectors reuse it; the same client code runs against
a live Airflow and against recorded pages (``ingest.replay``) through the ``session``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

import dlt
import requests
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth, HttpBasicAuth
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import OffsetPaginator

from ingest.columns import table_columns as cols
from ingest.json_drops import Row, catalog_keys, json_text, lineage, parse_time, redact_emails
from ingest.pseudonymise import resolve_salt

log = logging.getLogger(__name__)

DATASET = "raw_airflow"
API_PREFIX = "/api/v1"
#: Airflow's default ``maximum_page_limit`` is 100: asking for more silently returns 100
PAGE_SIZE = 100
CATALOG_OBJECT_TYPE = "airflow_dag"

DAG_RUN_COLUMNS = cols(
    [("dag_id", "text"), ("dag_run_id", "text"), ("run_type", "text"), ("state", "text"),
     ("logical_date", "timestamp"), ("start_date", "timestamp"), ("end_date", "timestamp"),
     ("data_interval_start", "timestamp"), ("data_interval_end", "timestamp"),
     ("external_trigger", "bool"), ("note", "text"), ("conf", "text"),
     ("git_commit", "text"), ("model_name", "text"), ("model_version", "text")],
    ["dag_id", "dag_run_id"],
)


def parse_dag_run(obj: dict[str, Any], salt: str | None = None) -> Row:
    """A ``dag_runs[]`` item of ``GET /api/v1/dags/{dag_id}/dagRuns`` -> a ``dag_runs`` row.

    ``logical_date`` is ``execution_date`` on Airflow before 2.2; ``conf`` is kept as JSON text
    (emails redacted) and the commit and model it names are lifted into their own columns.
    """
    conf = obj.get("conf") if isinstance(obj.get("conf"), dict) else None
    git_commit, model_name, model_version = lineage(conf)
    return {
        "dag_id": obj["dag_id"],
        "dag_run_id": obj["dag_run_id"],
        "run_type": obj.get("run_type"),
        "state": obj.get("state"),
        "logical_date": parse_time(obj.get("logical_date") or obj.get("execution_date")),
        "start_date": parse_time(obj.get("start_date")),
        "end_date": parse_time(obj.get("end_date")),
        "data_interval_start": parse_time(obj.get("data_interval_start")),
        "data_interval_end": parse_time(obj.get("data_interval_end")),
        "external_trigger": obj.get("external_trigger"),
        "note": redact_emails(obj.get("note"), salt),
        "conf": json_text(conf, salt),
        "git_commit": git_commit,
        "model_name": model_name,
        "model_version": model_version,
    }


def airflow_client(
    base_url: str,
    session: requests.Session | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
) -> RESTClient:
    """A RESTClient for Airflow: basic auth (the API's default backend) or a bearer token."""
    auth: Any = None
    if token:
        auth = BearerTokenAuth(token)
    elif username and password:
        auth = HttpBasicAuth(username, password)
    return RESTClient(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/json"},
        auth=auth,
        session=session,  # type: ignore[arg-type]
    )


def dag_runs_paginator() -> OffsetPaginator:
    """``limit``/``offset`` paging that stops at ``total_entries`` (or an empty page)."""
    return OffsetPaginator(limit=PAGE_SIZE, offset_param="offset", limit_param="limit", total_path="total_entries")


@dlt.source(name="airflow", max_table_nesting=0)
def airflow_source(
    dag_ids: Sequence[str],
    base_url: str,
    session: requests.Session | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
) -> Any:
    """``raw_airflow.dag_runs`` for ``dag_ids`` from the Airflow at ``base_url``
    (``https://airflow.example.com``; the ``/api/v1`` prefix is added)."""
    client = airflow_client(base_url, session, username, password, token)
    salt = resolve_salt()
    wanted = sorted(set(dag_ids))

    @dlt.resource(name="dag_runs", primary_key=("dag_id", "dag_run_id"), write_disposition="merge",
                  columns=DAG_RUN_COLUMNS)
    def dag_runs() -> Iterator[list[Row]]:
        for dag_id in wanted:
            log.info("airflow: runs of DAG %s", dag_id)
            path = f"{API_PREFIX}/dags/{quote(dag_id, safe='')}/dagRuns"
            for page in client.paginate(path, paginator=dag_runs_paginator(), data_selector="dag_runs"):
                yield [parse_dag_run(obj, salt) for obj in page]

    return dag_runs


def airflow_source_from_catalog(catalog_dir: Any, base_url: str, **kwargs: Any) -> Any:
    """``airflow_source`` for the DAGs the catalog maps (``airflow_dag``), or None if none."""
    dag_ids = catalog_keys(catalog_dir, CATALOG_OBJECT_TYPE)
    if not dag_ids:
        return None
    return airflow_source(dag_ids, base_url, **kwargs)
