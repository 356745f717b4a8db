"""dlt source for the Basecamp 4 API (``3.basecampapi.com``): the card-table cards and to-dos
of some projects (buckets) and their events -> ``raw_basecamp``.

Why this shape: Basecamp feeds T1 (a kickoff card or to-do created) and T3 (its approval: a
move into an approval column, or its completion). Which card table or to-do list holds the
kickoffs and which column is an approval are dbt vars, so the loader keeps every card and
to-do with its column, card table / to-do list, and events, and dbt decides.

What Basecamp records: a card's events include ``adopted`` for each move between columns, with
empty ``details`` (the column moved into is not named), ``completed``/``uncompleted`` when a
card enters or leaves a Done column or a to-do is ticked, and ``created``. So the move into the
card's *current* column is its latest ``adopted`` event; earlier columns are not known.

Requests, all project (bucket) scoped and paged by the ``Link`` header (rel="next"):
``GET /projects/{id}.json`` (its dock names the card tables and to-do set),
``GET /buckets/{id}/card_tables/{table}.json`` (the columns), ``GET
/buckets/{id}/card_tables/lists/{column}/cards.json``, ``GET
/buckets/{id}/todosets/{set}/todolists.json``, ``GET /buckets/{id}/todolists/{list}/todos.json``
(pending) and ``...?completed=true`` (completed), ``GET
/buckets/{id}/recordings/{recording}/events.json``. The base URL carries the account:
``https://3.basecampapi.com/{account_id}``. Auth: an OAuth 2 access token as ``Authorization:
Bearer`` (secret ``sources.basecamp.token``); Basecamp asks for a ``User-Agent`` naming the
app and a contact (``sources.basecamp.user_agent``). People are pseudonymised by email.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dlt
import requests
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator

from ingest.pseudonymise import person_id, resolve_salt
from ingest.columns import table_columns as cols
from ingest.tracker_common import Row, as_rows, parse_iso_time, redact_emails, run_source, secret

log = logging.getLogger(__name__)

DATASET = "raw_basecamp"
DEFAULT_USER_AGENT = "mlops-kpis loader (set sources.basecamp.user_agent to 'app (contact)')"

RECORDING_COLUMNS = cols(
    [("id", "bigint"), ("bucket_id", "bigint"), ("recording_type", "text"), ("title", "text"),
     ("status", "text"), ("completed", "bool"), ("parent_id", "bigint"), ("parent_title", "text"),
     ("parent_type", "text"), ("container_id", "bigint"), ("container_title", "text"), ("creator_id", "text"),
     ("created_at", "timestamp"), ("updated_at", "timestamp")],
    ["id"],
)
EVENT_COLUMNS = cols(
    [("id", "bigint"), ("recording_id", "bigint"), ("bucket_id", "bigint"), ("action", "text"),
     ("creator_id", "text"), ("created_at", "timestamp")],
    ["id"],
)


# ---------------------------------------------------------------------------------------------
# Pure parsing


def _person(person: Any, salt: str | None) -> str | None:
    if not isinstance(person, dict):
        return None
    return person_id(person.get("email_address") or (str(person["id"]) if person.get("id") else None), salt)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def parse_basecamp_recording(obj: dict[str, Any], bucket_id: int, container: dict[str, Any],
                             salt: str | None = None) -> Row:
    """A card (``cards.json``) or to-do (``todos.json``) -> a ``recordings`` row.

    ``container`` is the card table of a card, or the to-do list of a to-do (its ``id``/``title``).
    """
    parent = obj.get("parent") or {}
    return {
        "id": int(obj["id"]),
        "bucket_id": int((obj.get("bucket") or {}).get("id") or bucket_id),
        "recording_type": obj.get("type"),
        "title": redact_emails(obj.get("title") or obj.get("content"), salt),
        "status": obj.get("status"),
        "completed": bool(obj.get("completed")),
        "parent_id": _int(parent.get("id")),
        "parent_title": parent.get("title"),
        "parent_type": parent.get("type"),
        "container_id": _int(container.get("id")),
        "container_title": container.get("title"),
        "creator_id": _person(obj.get("creator"), salt),
        "created_at": parse_iso_time(obj.get("created_at")),
        "updated_at": parse_iso_time(obj.get("updated_at")),
    }


def parse_basecamp_event(obj: dict[str, Any], bucket_id: int, salt: str | None = None) -> Row:
    """An ``events.json`` item -> an ``events`` row."""
    return {
        "id": int(obj["id"]),
        "recording_id": int(obj["recording_id"]),
        "bucket_id": int(bucket_id),
        "action": obj.get("action"),
        "creator_id": _person(obj.get("creator"), salt),
        "created_at": parse_iso_time(obj.get("created_at")),
    }


def dock_tools(project: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The enabled tools of a project's dock with that name (``kanban_board``, ``todoset``)."""
    return [tool for tool in project.get("dock") or [] if tool.get("name") == name and tool.get("enabled")]


# ---------------------------------------------------------------------------------------------
# Client and source


def basecamp_client(base_url: str, session: requests.Session | None = None, token: str | None = None,
                    user_agent: str | None = None) -> RESTClient:
    """A RESTClient for Basecamp: ``Link`` pagination, User-Agent, Bearer auth when a token is given."""
    return RESTClient(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/json", "User-Agent": user_agent or DEFAULT_USER_AGENT},
        auth=BearerTokenAuth(token) if token else None,
        paginator=HeaderLinkPaginator(),
        data_selector="$",
        session=session,  # type: ignore[arg-type]
    )


def _get(client: RESTClient, path: str) -> dict[str, Any]:
    """One JSON object (not a list endpoint); an error status raises ``HTTPError``."""
    response = client.get(path)
    response.raise_for_status()
    return dict(response.json())


@dlt.source(name="basecamp", max_table_nesting=0)
def basecamp_source(
    projects: list[str],
    base_url: str,
    session: requests.Session | None = None,
    token: str | None = None,
    history_for: Callable[[Row], bool] | None = None,
    user_agent: str | None = None,
) -> Any:
    """The ``raw_basecamp`` resources for the Basecamp projects (bucket ids) ``projects``.

    ``base_url`` is ``https://3.basecampapi.com/{account_id}``. ``history_for`` chooses the
    cards and to-dos whose events are read (one request or more each); by default all.
    """
    client = basecamp_client(base_url, session, token or secret("sources.basecamp.token"),
                             user_agent or secret("sources.basecamp.user_agent"))
    salt = resolve_salt()
    buckets = sorted({int(p) for p in projects})

    def cards_of(bucket: int, table_id: int) -> Iterator[list[Row]]:
        table = _get(client, f"/buckets/{bucket}/card_tables/{table_id}.json")
        container = {"id": table.get("id"), "title": table.get("title")}
        for column in table.get("lists") or []:
            for page in client.paginate(f"/buckets/{bucket}/card_tables/lists/{column['id']}/cards.json"):
                yield [parse_basecamp_recording(obj, bucket, container, salt) for obj in page]

    def todos_of(bucket: int, todoset_id: int) -> Iterator[list[Row]]:
        for lists in client.paginate(f"/buckets/{bucket}/todosets/{todoset_id}/todolists.json"):
            for todolist in lists:
                container = {"id": todolist.get("id"), "title": todolist.get("title") or todolist.get("name")}
                for params in ({}, {"completed": "true"}):  # pending, then completed to-dos
                    for page in client.paginate(f"/buckets/{bucket}/todolists/{todolist['id']}/todos.json",
                                                params=params):
                        yield [parse_basecamp_recording(obj, bucket, container, salt) for obj in page]

    @dlt.resource(name="recordings", primary_key="id", write_disposition="merge", columns=RECORDING_COLUMNS)
    def recordings() -> Iterator[list[Row]]:
        for bucket in buckets:
            log.info("basecamp: cards and to-dos of project %s", bucket)
            project = _get(client, f"/projects/{bucket}.json")
            for tool in dock_tools(project, "kanban_board"):
                yield from cards_of(bucket, int(tool["id"]))
            for tool in dock_tools(project, "todoset"):
                yield from todos_of(bucket, int(tool["id"]))

    @dlt.transformer(name="events", data_from=recordings, primary_key="id", write_disposition="merge",
                     columns=EVENT_COLUMNS)
    def events(rows: Any) -> Iterator[list[Row]]:
        for recording in as_rows(rows):
            if history_for is not None and not history_for(recording):
                continue
            path = f"/buckets/{recording['bucket_id']}/recordings/{recording['id']}/events.json"
            for page in client.paginate(path):
                yield [parse_basecamp_event(obj, recording["bucket_id"], salt) for obj in page]

    return recordings, events


def load_basecamp(
    pipeline_dir: Path,
    db_path: Path,
    projects: list[str],
    base_url: str,
    session: requests.Session | None = None,
    token: str | None = None,
    history_for: Callable[[Row], bool] | None = None,
    user_agent: str | None = None,
) -> dict[str, int]:
    """Load the Basecamp projects ``projects`` into ``raw_basecamp`` of ``db_path``; return the
    row counts per table. Nothing is loaded (and {} returned) when ``projects`` is empty."""
    if not projects:
        log.info("basecamp: no projects in the catalog")
        return {}
    source = basecamp_source(projects, base_url, session=session, token=token, history_for=history_for,
                             user_agent=user_agent)
    return run_source(source, "basecamp", DATASET, Path(pipeline_dir), Path(db_path))
