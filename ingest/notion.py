"""dlt source for the Notion API: the pages of some databases and their property values ->
``raw_notion``.

Why this shape: a Notion database of project briefs feeds T1 (a kickoff page created:
``created_time``) and T3 (its baseline approval). Notion keeps no property history, so the
approval is read from a date property (``Approved on``) when the page has one, else it is the
page's ``last_edited_time`` while its status property holds an approval status: an upper bound,
since any later edit moves it. Which property is the status, which is the approval date and
which values count are dbt vars, so every property value is loaded (one row per page and
property) and dbt decides; changing a var needs no reload.

Request (docs/data-contracts.md section 2): ``POST /v1/databases/{id}/query`` with body
``{"page_size": 100}``, paged by ``next_cursor`` -> body ``start_cursor`` while ``has_more``;
header ``Notion-Version: 2022-06-28`` (the version whose database query this is; newer versions
query data sources instead). Auth: an integration token as ``Authorization: Bearer`` (secret
``sources.notion.token``); the integration must be shared with the databases. Parsing is pure
(``parse_notion_page``, ``parse_notion_properties``); people are pseudonymised (email when
Notion shows it, else the user id), email properties hashed, phone numbers not stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dlt
import requests
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from ingest.pseudonymise import person_id, resolve_salt
from ingest.columns import table_columns as cols
from ingest.tracker_common import Row, as_rows, parse_iso_time, redact_emails, run_source, secret

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.notion.com"
NOTION_VERSION = "2022-06-28"
DATASET = "raw_notion"
PAGE_SIZE = 100

PAGE_COLUMNS = cols(
    [("id", "text"), ("database_id", "text"), ("title", "text"), ("created_time", "timestamp"),
     ("last_edited_time", "timestamp"), ("created_by_id", "text"), ("last_edited_by_id", "text"),
     ("archived", "bool")],
    ["id"],
)
PROPERTY_COLUMNS = cols(
    [("page_id", "text"), ("property_id", "text"), ("property_name", "text"), ("property_type", "text"),
     ("value_text", "text"), ("value_start", "timestamp"), ("value_end", "timestamp")],
    ["page_id", "property_id"],
)


# ---------------------------------------------------------------------------------------------
# Pure parsing


def _user_id(user: Any, salt: str | None) -> str | None:
    """A Notion user's person id: by email when the user object shows one, else by id."""
    if not isinstance(user, dict):
        return None
    email = (user.get("person") or {}).get("email") if isinstance(user.get("person"), dict) else None
    return person_id(email or user.get("id"), salt)


def _plain(rich: Any) -> str:
    return "".join(str(part.get("plain_text") or "") for part in rich or [] if isinstance(part, dict))


def notion_time(value: str | None, time_zone: str | None = None) -> datetime | None:
    """A Notion date/time as UTC: an offset wins; a bare time is in ``time_zone`` (or UTC); a
    bare date is its midnight UTC."""
    if not value:
        return None
    parsed = parse_iso_time(value)
    if parsed is None or not time_zone or len(value.strip()) == 10:
        return parsed
    naive = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if naive.tzinfo is not None:
        return parsed
    return naive.replace(tzinfo=ZoneInfo(time_zone)).astimezone(timezone.utc)


def _date_values(date: Any) -> tuple[str | None, datetime | None, datetime | None]:
    if not isinstance(date, dict):
        return None, None, None
    zone = date.get("time_zone")
    return date.get("start"), notion_time(date.get("start"), zone), notion_time(date.get("end"), zone)


def property_value(prop: dict[str, Any], salt: str | None = None
                   ) -> tuple[str | None, datetime | None, datetime | None]:
    """(value as text, start time, end time) of a page property value, by its type."""
    kind = prop.get("type")
    value = prop.get(kind) if kind else None
    if kind in ("title", "rich_text"):
        return redact_emails(_plain(value), salt) or None, None, None
    if kind in ("select", "status"):
        return (value or {}).get("name") if isinstance(value, dict) else None, None, None
    if kind == "multi_select":
        return ",".join(str(v.get("name")) for v in value or [] if isinstance(v, dict)) or None, None, None
    if kind == "date":
        return _date_values(value)
    if kind == "checkbox":
        return ("true" if value else "false"), None, None
    if kind == "number":
        return (None if value is None else str(value)), None, None
    if kind == "url":
        return value, None, None
    if kind == "email":
        return person_id(value, salt), None, None
    if kind == "people":
        ids = [_user_id(user, salt) for user in value or []]
        return ",".join(i for i in ids if i) or None, None, None
    if kind in ("created_by", "last_edited_by"):
        return _user_id(value, salt), None, None
    if kind in ("created_time", "last_edited_time"):
        return value, parse_iso_time(value), None
    if kind == "relation":
        return ",".join(str(v.get("id")) for v in value or [] if isinstance(v, dict)) or None, None, None
    if kind == "unique_id" and isinstance(value, dict):
        prefix = value.get("prefix")
        return (f"{prefix}-{value.get('number')}" if prefix else str(value.get("number"))), None, None
    if kind == "formula" and isinstance(value, dict):
        inner = value.get("type")
        if inner == "date":
            return _date_values(value.get("date"))
        if inner == "boolean":
            return ("true" if value.get("boolean") else "false"), None, None
        result = value.get(inner) if inner else None
        return (None if result is None else redact_emails(str(result), salt)), None, None
    return None, None, None  # phone_number (not stored), files, rollup, button, verification


def parse_notion_page(obj: dict[str, Any], database_id: str, salt: str | None = None) -> Row:
    """A database query result page -> a ``pages`` row."""
    properties = obj.get("properties") or {}
    title = next((_plain(p.get("title")) for p in properties.values()
                  if isinstance(p, dict) and p.get("type") == "title"), None)
    parent = obj.get("parent") or {}
    return {
        "id": str(obj["id"]),
        "database_id": str(parent.get("database_id") or database_id),
        "title": redact_emails(title, salt),
        "created_time": parse_iso_time(obj.get("created_time")),
        "last_edited_time": parse_iso_time(obj.get("last_edited_time")),
        "created_by_id": _user_id(obj.get("created_by"), salt),
        "last_edited_by_id": _user_id(obj.get("last_edited_by"), salt),
        "archived": bool(obj.get("archived") or obj.get("in_trash")),
    }


def parse_notion_properties(obj: dict[str, Any], salt: str | None = None) -> list[Row]:
    """A page's ``properties`` -> one ``page_properties`` row per property."""
    rows = []
    for name, prop in (obj.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        text, start, end = property_value(prop, salt)
        rows.append({
            "page_id": str(obj["id"]),
            "property_id": str(prop.get("id") or name),
            "property_name": name,
            "property_type": prop.get("type"),
            "value_text": text,
            "value_start": start,
            "value_end": end,
        })
    return rows


# ---------------------------------------------------------------------------------------------
# Client and source


def notion_paginator() -> JSONResponseCursorPaginator:
    """Notion's cursor: ``next_cursor`` -> body ``start_cursor`` while ``has_more``."""
    return JSONResponseCursorPaginator(cursor_path="next_cursor", cursor_body_path="start_cursor",
                                       has_more_path="has_more")


def notion_client(base_url: str, session: requests.Session | None = None, token: str | None = None) -> RESTClient:
    """A RESTClient for Notion: pinned ``Notion-Version``, Bearer auth when a token is given."""
    return RESTClient(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/json", "Notion-Version": NOTION_VERSION},
        auth=BearerTokenAuth(token) if token else None,
        session=session,  # type: ignore[arg-type]
    )


@dlt.source(name="notion", max_table_nesting=0)
def notion_source(
    databases: list[str],
    base_url: str = DEFAULT_BASE_URL,
    session: requests.Session | None = None,
    token: str | None = None,
) -> Any:
    """The ``raw_notion`` resources for the pages of the Notion databases ``databases`` (ids)."""
    client = notion_client(base_url, session, token or secret("sources.notion.token"))
    salt = resolve_salt()
    ids = sorted({str(d) for d in databases})

    @dlt.resource(name="page_objects", selected=False)
    def page_objects() -> Iterator[list[Row]]:
        for database in ids:
            log.info("notion: pages of database %s", database)
            for page in client.paginate(f"/v1/databases/{database}/query", method="POST",
                                        json={"page_size": PAGE_SIZE}, paginator=notion_paginator(),
                                        data_selector="results"):
                yield [{"database_id": database, "page": obj} for obj in page if obj.get("object") == "page"]

    @dlt.transformer(name="pages", data_from=page_objects, primary_key="id", write_disposition="merge",
                     columns=PAGE_COLUMNS)
    def pages(items: Any) -> Iterator[list[Row]]:
        yield [parse_notion_page(item["page"], item["database_id"], salt) for item in as_rows(items)]

    @dlt.transformer(name="page_properties", data_from=page_objects, primary_key=("page_id", "property_id"),
                     write_disposition="merge", columns=PROPERTY_COLUMNS)
    def page_properties(items: Any) -> Iterator[list[Row]]:
        yield [row for item in as_rows(items) for row in parse_notion_properties(item["page"], salt)]

    return page_objects, pages, page_properties


def load_notion(
    pipeline_dir: Path,
    db_path: Path,
    databases: list[str],
    base_url: str = DEFAULT_BASE_URL,
    session: requests.Session | None = None,
    token: str | None = None,
) -> dict[str, int]:
    """Load the Notion databases ``databases`` into ``raw_notion`` of ``db_path``; return the
    row counts per table. Nothing is loaded (and {} returned) when ``databases`` is empty."""
    if not databases:
        log.info("notion: no databases in the catalog")
        return {}
    source = notion_source(databases, base_url, session=session, token=token)
    return run_source(source, "notion", DATASET, Path(pipeline_dir), Path(db_path))
