"""dlt source for the Asana REST API (1.0): tasks of some projects, their custom field values
and their stories (section moves, custom field changes) -> ``raw_asana``.

Why this shape: Asana feeds two journey steps, T1 (a kickoff task created) and T3 (its first
move into an approval section, or its approval custom field set to an approval value). Which
task is a kickoff and which section or value is an approval are dbt vars, so the loader keeps
what decides it (section, tags, custom field values, the section/field history) and dbt
decides; changing a var needs no reload.

Requests (docs/data-contracts.md section 2): ``GET /projects/{gid}/tasks?opt_fields=...&limit=100``
and ``GET /tasks/{gid}/stories?opt_fields=...&limit=100``, both paged by ``next_page.offset``
(``next_page`` is null on the last page). Auth: a personal access token or OAuth token as
``Authorization: Bearer`` (secret ``sources.asana.token``). The same code runs on the live API
and on recorded pages (``session`` with ``ingest.replay`` mounted, or a loopback server).
Parsing is pure (``parse_asana_task``, ``parse_asana_custom_fields``, ``parse_asana_story``);
people are pseudonymised by email when Asana shows it, else by user gid.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dlt
import requests
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from ingest.pseudonymise import person_id, resolve_salt
from ingest.columns import table_columns as cols
from ingest.tracker_common import Row, as_rows, parse_iso_time, redact_emails, run_source, secret

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://app.asana.com/api/1.0"
DATASET = "raw_asana"
PAGE_SIZE = 100

TASK_FIELDS = (
    "name,created_at,modified_at,completed,completed_at,assignee.email,tags.name,"
    "memberships.project.name,memberships.section.name,"
    "custom_fields.name,custom_fields.resource_subtype,custom_fields.display_value,custom_fields.enum_value.name"
)
STORY_FIELDS = (
    "created_at,created_by.email,resource_subtype,text,old_section.name,new_section.name,"
    "custom_field.name,old_enum_value.name,new_enum_value.name,old_text_value,new_text_value,"
    "old_number_value,new_number_value,old_multi_enum_values.name,new_multi_enum_values.name"
)
#: The story subtypes kept: those that can move a task into or out of approval. Comments and
#: the rest are dropped (free text, and nothing the journey reads).
KEPT_STORY_SUBTYPES = frozenset({
    "section_changed", "enum_custom_field_changed", "multi_enum_custom_field_changed",
    "text_custom_field_changed", "number_custom_field_changed", "marked_complete", "marked_incomplete",
})

TASK_COLUMNS = cols(
    [("gid", "text"), ("project_gid", "text"), ("name", "text"), ("section_name", "text"), ("tags", "text"),
     ("completed", "bool"), ("assignee_id", "text"), ("created_at", "timestamp"), ("modified_at", "timestamp"),
     ("completed_at", "timestamp")],
    ["gid"],
)
CUSTOM_FIELD_COLUMNS = cols(
    [("task_gid", "text"), ("custom_field_gid", "text"), ("custom_field_name", "text"), ("field_type", "text"),
     ("display_value", "text"), ("enum_value", "text")],
    ["task_gid", "custom_field_gid"],
)
STORY_COLUMNS = cols(
    [("gid", "text"), ("task_gid", "text"), ("resource_subtype", "text"), ("created_at", "timestamp"),
     ("created_by_id", "text"), ("old_section", "text"), ("new_section", "text"), ("custom_field_gid", "text"),
     ("custom_field_name", "text"), ("old_value", "text"), ("new_value", "text")],
    ["gid"],
)

# "moved this Task from "To do" to "Approved" in Project X": the fallback when the story does not
# carry old_section/new_section (the text is localised and not stable, so it is only a fallback)
_MOVED = re.compile(r'from\s+"(?P<old>[^"]*)"\s+to\s+"(?P<new>[^"]*)"', re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Pure parsing


def _user_id(user: Any, salt: str | None) -> str | None:
    if not isinstance(user, dict):
        return None
    return person_id(user.get("email") or user.get("gid"), salt)


def _name(obj: Any) -> str | None:
    return obj.get("name") if isinstance(obj, dict) else None


def _section_in(task: dict[str, Any], project_gid: str) -> str | None:
    """The name of the task's section in ``project_gid`` (a task can live in several projects)."""
    for membership in task.get("memberships") or []:
        project = membership.get("project") or {}
        if str(project.get("gid")) == str(project_gid):
            return _name(membership.get("section"))
    return None


def parse_asana_task(obj: dict[str, Any], project_gid: str, salt: str | None = None) -> Row:
    """A ``GET /projects/{gid}/tasks`` item -> a ``tasks`` row."""
    tags = [t.get("name") for t in obj.get("tags") or [] if isinstance(t, dict) and t.get("name")]
    return {
        "gid": str(obj["gid"]),
        "project_gid": str(project_gid),
        "name": redact_emails(obj.get("name"), salt),
        "section_name": _section_in(obj, project_gid),
        "tags": ",".join(tags),
        "completed": bool(obj.get("completed")),
        "assignee_id": _user_id(obj.get("assignee"), salt),
        "created_at": parse_iso_time(obj.get("created_at")),
        "modified_at": parse_iso_time(obj.get("modified_at")),
        "completed_at": parse_iso_time(obj.get("completed_at")),
    }


def parse_asana_custom_fields(obj: dict[str, Any], salt: str | None = None) -> list[Row]:
    """A task's ``custom_fields`` -> one ``task_custom_fields`` row per field (null when unset)."""
    rows = []
    for field in obj.get("custom_fields") or []:
        if not isinstance(field, dict) or not field.get("gid"):
            continue
        rows.append({
            "task_gid": str(obj["gid"]),
            "custom_field_gid": str(field["gid"]),
            "custom_field_name": field.get("name"),
            "field_type": field.get("resource_subtype") or field.get("type"),
            "display_value": redact_emails(field.get("display_value"), salt),
            "enum_value": _name(field.get("enum_value")),
        })
    return rows


def _value(story: dict[str, Any], which: str) -> str | None:
    """The old/new value of a custom field change, as text whatever the field type."""
    enum = story.get(f"{which}_enum_value")
    if isinstance(enum, dict):
        return enum.get("name")
    multi = story.get(f"{which}_multi_enum_values")
    if isinstance(multi, list) and multi:
        return ",".join(str(_name(v)) for v in multi if _name(v))
    for kind in ("text", "number"):
        value = story.get(f"{which}_{kind}_value")
        if value is not None:
            return str(value)
    return None


def parse_asana_story(obj: dict[str, Any], task_gid: str, salt: str | None = None) -> Row | None:
    """A ``GET /tasks/{gid}/stories`` item -> a ``stories`` row, or None for a story the
    journey does not read (comments, likes, assignments ...)."""
    subtype = obj.get("resource_subtype")
    if subtype not in KEPT_STORY_SUBTYPES:
        return None
    old_section, new_section = _name(obj.get("old_section")), _name(obj.get("new_section"))
    if subtype == "section_changed" and new_section is None:
        moved = _MOVED.search(obj.get("text") or "")
        if moved:
            old_section, new_section = moved.group("old"), moved.group("new")
    field = obj.get("custom_field") if isinstance(obj.get("custom_field"), dict) else {}
    return {
        "gid": str(obj["gid"]),
        "task_gid": str(task_gid),
        "resource_subtype": subtype,
        "created_at": parse_iso_time(obj.get("created_at")),
        "created_by_id": _user_id(obj.get("created_by"), salt),
        "old_section": old_section,
        "new_section": new_section,
        "custom_field_gid": str(field["gid"]) if field.get("gid") else None,
        "custom_field_name": field.get("name"),
        "old_value": redact_emails(_value(obj, "old"), salt),
        "new_value": redact_emails(_value(obj, "new"), salt),
    }


# ---------------------------------------------------------------------------------------------
# Client and source


def asana_paginator() -> JSONResponseCursorPaginator:
    """Asana's offset token: ``next_page.offset`` -> query ``offset``; ``next_page`` null ends."""
    return JSONResponseCursorPaginator(cursor_path="next_page.offset", cursor_param="offset")


def asana_client(base_url: str, session: requests.Session | None = None, token: str | None = None) -> RESTClient:
    """A RESTClient for Asana; Bearer auth when a token is given."""
    return RESTClient(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/json"},
        auth=BearerTokenAuth(token) if token else None,
        session=session,  # type: ignore[arg-type]
    )


@dlt.source(name="asana", max_table_nesting=0)
def asana_source(
    projects: list[str],
    base_url: str = DEFAULT_BASE_URL,
    session: requests.Session | None = None,
    token: str | None = None,
    history_for: Callable[[Row], bool] | None = None,
) -> Any:
    """The ``raw_asana`` resources for the tasks of the Asana projects ``projects`` (gids).

    ``history_for`` chooses the tasks whose stories are read (one request or more per task);
    by default every task, so that any kickoff rule set later in dbt vars has its history. A
    task listed in two of the projects is kept once, with the first project (sorted by gid).
    """
    client = asana_client(base_url, session, token or secret("sources.asana.token"))
    salt = resolve_salt()
    gids = sorted({str(p) for p in projects})

    @dlt.resource(name="task_objects", selected=False)
    def task_objects() -> Iterator[list[Row]]:
        seen: set[str] = set()
        for project in gids:
            log.info("asana: tasks of project %s", project)
            params = {"opt_fields": TASK_FIELDS, "limit": PAGE_SIZE}
            for page in client.paginate(f"/projects/{project}/tasks", params=params,
                                        paginator=asana_paginator(), data_selector="data"):
                fresh = [obj for obj in page if str(obj["gid"]) not in seen]
                seen.update(str(obj["gid"]) for obj in fresh)
                yield [{"project_gid": project, "task": obj} for obj in fresh]

    @dlt.transformer(name="tasks", data_from=task_objects, primary_key="gid", write_disposition="merge",
                     columns=TASK_COLUMNS)
    def tasks(items: Any) -> Iterator[list[Row]]:
        yield [parse_asana_task(item["task"], item["project_gid"], salt) for item in as_rows(items)]

    @dlt.transformer(name="task_custom_fields", data_from=task_objects, primary_key=("task_gid", "custom_field_gid"),
                     write_disposition="merge", columns=CUSTOM_FIELD_COLUMNS)
    def task_custom_fields(items: Any) -> Iterator[list[Row]]:
        yield [row for item in as_rows(items) for row in parse_asana_custom_fields(item["task"], salt)]

    @dlt.transformer(name="stories", data_from=task_objects, primary_key="gid", write_disposition="merge",
                     columns=STORY_COLUMNS)
    def stories(items: Any) -> Iterator[list[Row]]:
        for item in as_rows(items):
            task = parse_asana_task(item["task"], item["project_gid"], salt)
            if history_for is not None and not history_for(task):
                continue
            params = {"opt_fields": STORY_FIELDS, "limit": PAGE_SIZE}
            for page in client.paginate(f"/tasks/{task['gid']}/stories", params=params,
                                        paginator=asana_paginator(), data_selector="data"):
                parsed = (parse_asana_story(obj, task["gid"], salt) for obj in page)
                yield [row for row in parsed if row is not None]

    return task_objects, tasks, task_custom_fields, stories


def load_asana(
    pipeline_dir: Path,
    db_path: Path,
    projects: list[str],
    base_url: str = DEFAULT_BASE_URL,
    session: requests.Session | None = None,
    token: str | None = None,
    history_for: Callable[[Row], bool] | None = None,
) -> dict[str, int]:
    """Load the Asana projects ``projects`` into ``raw_asana`` of ``db_path``; return the row
    counts per table. Nothing is loaded (and {} returned) when ``projects`` is empty."""
    if not projects:
        log.info("asana: no projects in the catalog")
        return {}
    source = asana_source(projects, base_url, session=session, token=token, history_for=history_for)
    return run_source(source, "asana", DATASET, Path(pipeline_dir), Path(db_path))
