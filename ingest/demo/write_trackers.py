"""Asana, Notion and Basecamp as recorded API pages (cassettes), for the demo and the tests.

Why: the tracker loaders (``ingest.asana``, ``ingest.notion``, ``ingest.basecamp``) must run the
same client, paging and parsing code on recordings as on the live APIs, so a tracker scenario
is written as the HTTP conversation the loader will have: every request it sends (paths, query
parameters, JSON bodies and page cursors exactly as the loader sends them) with the response the
API would give, shaped per the public API documentation:

- Asana REST 1.0: ``{"data": [...], "next_page": {"offset", "path", "uri"} | null}``, objects
  holding ``gid`` plus the ``opt_fields`` asked for, times as ``2025-03-03T09:00:00.000Z``.
- Notion 2022-06-28: ``{"object": "list", "results": [page...], "next_cursor", "has_more",
  "type": "page_or_database", ...}``, page objects with typed ``properties``.
- Basecamp 4: bare JSON arrays paged by a ``Link: <...?page=2>; rel="next"`` header with
  ``X-Total-Count``; ``GET /projects/{id}.json`` with its dock, card tables with their columns.

These are shaped from the documentation, not captured from live instances. Everything is
deterministic: ids are the scenario's or derived from hashes, so a scenario gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ingest.asana import PAGE_SIZE as ASANA_PAGE_SIZE
from ingest.asana import STORY_FIELDS, TASK_FIELDS
from ingest.demo.model import Person
from ingest.demo.write_pages import client_url, http_date
from ingest.notion import NOTION_VERSION
from ingest.notion import PAGE_SIZE as NOTION_PAGE_SIZE

ASANA_FILE = "asana.jsonl"
NOTION_FILE = "notion.jsonl"
BASECAMP_FILE = "basecamp.jsonl"
SOURCES_FILE = "sources.json"
#: Basecamp decides its page sizes (they vary by endpoint); the recordings use 15 throughout
BASECAMP_PAGE_SIZE = 15

Entry = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Scenario model


@dataclass
class AsanaStory:
    """One story on a task: a section move, a custom field change, a completion or a comment."""

    at: datetime
    subtype: str  # section_changed | enum_custom_field_changed | marked_complete | comment_added
    author: Person
    old_section: str | None = None
    new_section: str | None = None
    custom_field: str | None = None  # field name (enum changes)
    old_value: str | None = None
    new_value: str | None = None
    text: str | None = None  # comments


@dataclass
class AsanaTask:
    gid: str
    name: str
    created_at: datetime
    section: str  # its section now
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, str | None] = field(default_factory=dict)  # enum field -> option now
    assignee: Person | None = None
    completed_at: datetime | None = None
    stories: list[AsanaStory] = field(default_factory=list)


@dataclass
class AsanaProject:
    gid: str
    name: str
    sections: list[str]
    custom_fields: dict[str, list[str]] = field(default_factory=dict)  # enum field -> its options
    tasks: list[AsanaTask] = field(default_factory=list)


@dataclass
class NotionPage:
    id: str  # a dashed uuid
    title: str
    created_at: datetime
    last_edited_at: datetime
    author: Person
    status: str | None = None
    select: dict[str, str | None] = field(default_factory=dict)  # select property -> option
    dates: dict[str, str | None] = field(default_factory=dict)  # date property -> ISO start
    people: dict[str, list[Person]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)  # rich_text property -> text


@dataclass
class NotionDatabase:
    id: str  # a dashed uuid
    title: str
    status_property: str = "Status"
    pages: list[NotionPage] = field(default_factory=list)


@dataclass
class BasecampEvent:
    at: datetime
    action: str  # created | adopted | completed | uncompleted | subscribers_changed ...
    author: Person


@dataclass
class BasecampRecording:
    """A card (its ``column`` set) or a to-do (in a to-do list)."""

    id: int
    title: str
    created_at: datetime
    author: Person
    column: str | None = None  # cards: the column it is in now
    completed: bool = False
    events: list[BasecampEvent] = field(default_factory=list)


@dataclass
class BasecampCardTable:
    id: int
    title: str
    columns: list[tuple[int, str, str]]  # (id, title, type: Kanban::Triage | Kanban::Column | Kanban::DoneColumn)
    cards: list[BasecampRecording] = field(default_factory=list)


@dataclass
class BasecampTodoList:
    id: int
    title: str
    todos: list[BasecampRecording] = field(default_factory=list)


@dataclass
class BasecampProject:
    id: int  # the bucket id
    name: str
    card_tables: list[BasecampCardTable] = field(default_factory=list)
    todoset_id: int | None = None
    todolists: list[BasecampTodoList] = field(default_factory=list)


@dataclass
class Trackers:
    """What a tracker scenario holds, with the base URLs it is recorded against."""

    as_of: datetime
    asana_projects: list[AsanaProject] = field(default_factory=list)
    notion_databases: list[NotionDatabase] = field(default_factory=list)
    basecamp_projects: list[BasecampProject] = field(default_factory=list)
    asana_base_url: str = "https://app.asana.com/api/1.0"
    notion_base_url: str = "https://api.notion.com"
    basecamp_base_url: str = "https://3.basecampapi.com/5550001"


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _gid(*parts: object) -> str:
    """A 16-digit Asana-like gid, stable for its parts."""
    return str(1_200_000_000_000_000 + int(_digest("gid", *parts)[:13], 16) % 10**15)


def _uuid(*parts: object) -> str:
    return str(uuid.UUID(_digest("uuid", *parts)[:32]))


def _bc_id(*parts: object) -> int:
    return 1_069_000_000 + int(_digest("bc", *parts)[:8], 16) % 900_000


def iso_ms(at: datetime) -> str:
    """``2025-03-03T09:00:00.000Z``: Asana's, Notion's and Basecamp's UTC form."""
    at = at.astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [items[:0]]


def _entry(method: str, url: str, json_body: Any, headers: dict[str, str], body: Any) -> Entry:
    return {"request": {"method": method, "url": url, "json": json_body},
            "response": {"status": 200, "headers": headers, "body": body}}


def _write_jsonl(path: Path, entries: Iterator[Entry]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Asana


class AsanaPages:
    """``GET /projects/{gid}/tasks`` and ``GET /tasks/{gid}/stories`` pages, offset-token paged."""

    def __init__(self, trackers: Trackers) -> None:
        self.t = trackers
        self.api = trackers.asana_base_url.rstrip("/")
        self.date = http_date(trackers.as_of)

    def _headers(self, n: int) -> dict[str, str]:
        return {"Content-Type": "application/json; charset=UTF-8", "Date": self.date,
                "Cache-Control": "no-store", "X-Asana-Request-Id": _digest("asana", n)[:16],
                "X-Robots-Tag": "none"}

    @staticmethod
    def _offset(path: str, n: int) -> str:
        """An opaque offset token like Asana's (a JWT-looking string)."""
        head = base64.urlsafe_b64encode(b'{"typ":"JWT","alg":"HS256"}').decode().rstrip("=")
        claims = base64.urlsafe_b64encode(json.dumps({"border_rank": _digest(path, n)[:12], "iat": n})
                                          .encode()).decode().rstrip("=")
        return f"{head}.{claims}.{_digest('sig', path, n)[:43]}"

    def _paged(self, path: str, params: dict[str, Any], items: list[dict[str, Any]], counter: list[int]
               ) -> Iterator[Entry]:
        pages = _chunks(items, ASANA_PAGE_SIZE)
        offsets = [None] + [self._offset(path, n) for n in range(1, len(pages))]
        for n, page in enumerate(pages):
            query = dict(params) if offsets[n] is None else {**params, "offset": offsets[n]}
            url = client_url(self.api + path, query)
            next_page = None
            if n + 1 < len(pages):
                next_query = {"limit": params["limit"], "offset": offsets[n + 1], "opt_fields": params["opt_fields"]}
                next_url = client_url(self.api + path, next_query)
                next_page = {"offset": offsets[n + 1], "path": next_url[len(self.api):], "uri": next_url}
            counter[0] += 1
            yield _entry("GET", url, None, self._headers(counter[0]), {"data": list(page), "next_page": next_page})

    @staticmethod
    def user(person: Person) -> dict[str, Any]:
        return {"gid": _gid("user", person.email), "email": person.email}

    def task(self, project: AsanaProject, task: AsanaTask) -> dict[str, Any]:
        fields = []
        for name, options in project.custom_fields.items():
            value = task.custom_fields.get(name)
            if value is not None and value not in options:
                raise ValueError(f"asana task {task.gid}: {value!r} is not an option of {name!r}")
            fields.append({
                "gid": _gid("field", project.gid, name),
                "display_value": value,
                "enum_value": None if value is None else {"gid": _gid("option", project.gid, name, value),
                                                          "name": value},
                "name": name,
                "resource_subtype": "enum",
            })
        if task.section not in project.sections:
            raise ValueError(f"asana task {task.gid}: unknown section {task.section!r}")
        return {
            "gid": task.gid,
            "assignee": self.user(task.assignee) if task.assignee else None,
            "completed": task.completed_at is not None,
            "completed_at": iso_ms(task.completed_at) if task.completed_at else None,
            "created_at": iso_ms(task.created_at),
            "custom_fields": fields,
            "memberships": [{"project": {"gid": project.gid, "name": project.name},
                             "section": {"gid": _gid("section", project.gid, task.section), "name": task.section}}],
            "modified_at": iso_ms(max([task.created_at] + [s.at for s in task.stories])),
            "name": task.name,
            "tags": [{"gid": _gid("tag", tag), "name": tag} for tag in task.tags],
        }

    def story(self, project: AsanaProject, task: AsanaTask, index: int) -> dict[str, Any]:
        s = task.stories[index]
        body: dict[str, Any] = {"gid": _gid("story", task.gid, index), "created_at": iso_ms(s.at),
                                "created_by": self.user(s.author), "resource_subtype": s.subtype}
        if s.subtype == "section_changed":
            body["new_section"] = {"gid": _gid("section", project.gid, s.new_section), "name": s.new_section}
            body["old_section"] = {"gid": _gid("section", project.gid, s.old_section), "name": s.old_section}
            body["text"] = f'moved this task from "{s.old_section}" to "{s.new_section}" in {project.name}'
        elif s.subtype == "enum_custom_field_changed":
            name = s.custom_field or ""

            def option(value: str | None) -> dict[str, Any] | None:
                return None if value is None else {"gid": _gid("option", project.gid, name, value), "name": value}

            body["custom_field"] = {"gid": _gid("field", project.gid, name), "name": name}
            body["new_enum_value"] = option(s.new_value)
            body["old_enum_value"] = option(s.old_value)
            body["text"] = f'changed {name} to "{s.new_value}"' if s.new_value else f"cleared {name}"
        elif s.subtype == "marked_complete":
            body["text"] = "marked this task complete"
        else:
            body["text"] = s.text or ""
        return body

    def entries(self) -> Iterator[Entry]:
        counter = [0]
        for project in self.t.asana_projects:
            tasks = [self.task(project, t) for t in project.tasks]
            yield from self._paged(f"/projects/{project.gid}/tasks",
                                   {"opt_fields": TASK_FIELDS, "limit": ASANA_PAGE_SIZE}, tasks, counter)
        seen: set[str] = set()
        for project in self.t.asana_projects:
            for task in project.tasks:
                if task.gid in seen:
                    continue
                seen.add(task.gid)
                stories = [self.story(project, task, i) for i in range(len(task.stories))]
                yield from self._paged(f"/tasks/{task.gid}/stories",
                                       {"opt_fields": STORY_FIELDS, "limit": ASANA_PAGE_SIZE}, stories, counter)


# ---------------------------------------------------------------------------------------------
# Notion


class NotionPages:
    """``POST /v1/databases/{id}/query`` pages, cursor paged."""

    def __init__(self, trackers: Trackers) -> None:
        self.t = trackers
        self.api = trackers.notion_base_url.rstrip("/")
        self.date = http_date(trackers.as_of)

    def _headers(self, n: int) -> dict[str, str]:
        return {"Content-Type": "application/json; charset=utf-8", "Date": self.date,
                "x-notion-request-id": _uuid("notion-request", n), "Notion-Version": NOTION_VERSION}

    @staticmethod
    def user(person: Person, full: bool = False) -> dict[str, Any]:
        user: dict[str, Any] = {"object": "user", "id": _uuid("user", person.email)}
        if full:
            user.update({"name": person.name, "avatar_url": None, "type": "person", "person": {"email": person.email}})
        return user

    @staticmethod
    def _prop_id(name: str) -> str:
        return base64.b64encode(_digest("prop", name).encode()[:3]).decode().replace("=", "")

    @staticmethod
    def _rich(text: str) -> list[dict[str, Any]]:
        return [{"type": "text", "text": {"content": text, "link": None},
                 "annotations": {"bold": False, "italic": False, "strikethrough": False, "underline": False,
                                 "code": False, "color": "default"},
                 "plain_text": text, "href": None}]

    def page(self, database: NotionDatabase, page: NotionPage) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for name, value in page.select.items():
            props[name] = {"id": self._prop_id(name), "type": "select",
                           "select": None if value is None else {"id": _uuid("option", name, value)[:8],
                                                                 "name": value, "color": "blue"}}
        props[database.status_property] = {
            "id": self._prop_id(database.status_property), "type": "status",
            "status": None if page.status is None else {"id": _uuid("status", page.status)[:8], "name": page.status,
                                                        "color": "green"}}
        for name, start in page.dates.items():
            props[name] = {"id": self._prop_id(name), "type": "date",
                           "date": None if start is None else {"start": start, "end": None, "time_zone": None}}
        for name, people in page.people.items():
            props[name] = {"id": self._prop_id(name), "type": "people",
                           "people": [self.user(p, full=True) for p in people]}
        for name, text in page.text.items():
            props[name] = {"id": self._prop_id(name), "type": "rich_text", "rich_text": self._rich(text)}
        props["Name"] = {"id": "title", "type": "title", "title": self._rich(page.title)}
        slug = "-".join(page.title.split()) + "-" + page.id.replace("-", "")
        return {
            "object": "page",
            "id": page.id,
            "created_time": iso_ms(page.created_at),
            "last_edited_time": iso_ms(page.last_edited_at),
            "created_by": self.user(page.author),
            "last_edited_by": self.user(page.author),
            "cover": None,
            "icon": None,
            "parent": {"type": "database_id", "database_id": database.id},
            "archived": False,
            "in_trash": False,
            "properties": props,
            "url": f"https://www.notion.so/{slug}",
            "public_url": None,
        }

    def entries(self) -> Iterator[Entry]:
        n = 0
        for database in self.t.notion_databases:
            url = f"{self.api}/v1/databases/{database.id}/query"
            pages = _chunks([self.page(database, p) for p in database.pages], NOTION_PAGE_SIZE)
            for i, chunk in enumerate(pages):
                has_more = i + 1 < len(pages)
                cursor = pages[i + 1][0]["id"] if has_more else None  # Notion's cursor: the next page's id
                request: dict[str, Any] = {"page_size": NOTION_PAGE_SIZE}
                if i > 0:
                    request["start_cursor"] = chunk[0]["id"]
                n += 1
                body = {"object": "list", "results": list(chunk), "next_cursor": cursor, "has_more": has_more,
                        "type": "page_or_database", "page_or_database": {},
                        "request_id": _uuid("notion-request", n)}
                yield _entry("POST", url, request, self._headers(n), body)


# ---------------------------------------------------------------------------------------------
# Basecamp 4


class BasecampPages:
    """Project, card table, card, to-do list, to-do and event pages, ``Link``-header paged."""

    def __init__(self, trackers: Trackers) -> None:
        self.t = trackers
        self.api = trackers.basecamp_base_url.rstrip("/")
        self.app = self.api.replace("basecampapi.com", "basecamp.com")
        self.date = http_date(trackers.as_of)
        self.n = 0
        self.event_counter = 0

    def _headers(self, body: Any, link: str | None = None, total: int | None = None) -> dict[str, str]:
        self.n += 1
        headers = {"Content-Type": "application/json; charset=utf-8", "Date": self.date,
                   "Cache-Control": "max-age=0, private, must-revalidate",
                   "ETag": 'W/"' + _digest(json.dumps(body, sort_keys=True))[:32] + '"',
                   "X-Request-Id": _uuid("basecamp-request", self.n)}
        if link:
            headers["Link"] = link
        if total is not None:
            headers["X-Total-Count"] = str(total)
        return headers

    def person(self, person: Person) -> dict[str, Any]:
        return {"id": _bc_id("person", person.email), "name": person.name, "email_address": person.email,
                "personable_type": "User", "title": "", "bio": None, "location": None,
                "created_at": iso_ms(self.t.as_of), "updated_at": iso_ms(self.t.as_of), "admin": False,
                "owner": False, "client": False, "employee": True, "time_zone": "Etc/UTC",
                "avatar_url": f"{self.api}/people/{_digest('avatar', person.email)[:20]}/avatar",
                "can_ping": True, "can_manage_projects": True, "can_manage_people": False}

    def _bucket(self, project: BasecampProject) -> dict[str, Any]:
        return {"id": project.id, "name": project.name, "type": "Project"}

    def _paged(self, path: str, items: list[Any], params: dict[str, str] | None = None) -> Iterator[Entry]:
        base = client_url(self.api + path, params or {})
        pages = _chunks(items, BASECAMP_PAGE_SIZE)
        for n, page in enumerate(pages, start=1):
            url = base if n == 1 else client_url(base, {"page": n})
            link = f'<{client_url(base, {"page": n + 1})}>; rel="next"' if n < len(pages) else None
            body = list(page)
            yield _entry("GET", url, None, self._headers(body, link, len(items)), body)

    def _recording(self, project: BasecampProject, rec: BasecampRecording, kind: str,
                   parent: dict[str, Any]) -> dict[str, Any]:
        b = project.id
        path = "card_tables/cards" if kind == "Kanban::Card" else "todos"
        body: dict[str, Any] = {
            "id": rec.id, "status": "active", "visible_to_clients": False,
            "created_at": iso_ms(rec.created_at),
            "updated_at": iso_ms(max([rec.created_at] + [e.at for e in rec.events])),
            "title": rec.title, "inherits_status": True, "type": kind,
            "url": f"{self.api}/buckets/{b}/{path}/{rec.id}.json",
            "app_url": f"{self.app}/buckets/{b}/{path}/{rec.id}",
            "comments_count": 0,
            "comments_url": f"{self.api}/buckets/{b}/recordings/{rec.id}/comments.json",
            "position": 1, "parent": parent, "bucket": self._bucket(project),
            "creator": self.person(rec.author), "description": "", "completed": rec.completed,
            "content": rec.title, "due_on": None, "assignees": [], "completion_subscribers": [],
            "completion_url": f"{self.api}/buckets/{b}/todos/{rec.id}/completion.json",
        }
        return body

    def _event(self, rec: BasecampRecording, index: int) -> dict[str, Any]:
        e = rec.events[index]
        self.event_counter += 1  # events are numbered in the order the scenario lists them
        return {"id": 1_071_900_000 + self.event_counter, "recording_id": rec.id,
                "action": e.action, "details": {}, "created_at": iso_ms(e.at), "creator": self.person(e.author)}

    def entries(self) -> Iterator[Entry]:
        for project in self.t.basecamp_projects:
            yield from self._project(project)

    def _project(self, project: BasecampProject) -> Iterator[Entry]:
        b = project.id
        dock = [{"id": table.id, "title": table.title, "name": "kanban_board", "enabled": True, "position": i + 1,
                 "url": f"{self.api}/buckets/{b}/card_tables/{table.id}.json",
                 "app_url": f"{self.app}/buckets/{b}/card_tables/{table.id}"}
                for i, table in enumerate(project.card_tables)]
        if project.todoset_id is not None:
            dock.append({"id": project.todoset_id, "title": "To-dos", "name": "todoset", "enabled": True,
                         "position": len(dock) + 1, "url": f"{self.api}/buckets/{b}/todosets/{project.todoset_id}.json",
                         "app_url": f"{self.app}/buckets/{b}/todosets/{project.todoset_id}"})
        body = {"id": b, "status": "active", "created_at": iso_ms(self.t.as_of), "updated_at": iso_ms(self.t.as_of),
                "name": project.name, "description": "", "purpose": "topic", "clients_enabled": False,
                "bookmark_url": f"{self.api}/my/bookmarks/{_digest('bm', b)[:24]}.json",
                "url": f"{self.api}/projects/{b}.json", "app_url": f"{self.app}/projects/{b}",
                "dock": dock, "bookmarked": False}
        yield _entry("GET", f"{self.api}/projects/{b}.json", None, self._headers(body), body)
        recordings: list[BasecampRecording] = []
        for table in project.card_tables:
            yield from self._card_table(project, table)
            recordings.extend(table.cards)
        if project.todoset_id is not None:
            yield from self._todos(project)
            recordings.extend(t for lst in project.todolists for t in lst.todos)
        for rec in recordings:
            events = [self._event(rec, i) for i in range(len(rec.events))]
            events.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)  # newest first
            yield from self._paged(f"/buckets/{b}/recordings/{rec.id}/events.json", events)

    def _card_table(self, project: BasecampProject, table: BasecampCardTable) -> Iterator[Entry]:
        b = project.id
        table_ref = {"id": table.id, "title": table.title, "type": "Kanban::Board",
                     "url": f"{self.api}/buckets/{b}/card_tables/{table.id}.json",
                     "app_url": f"{self.app}/buckets/{b}/card_tables/{table.id}"}
        titles = {title for _, title, _ in table.columns}
        for card in table.cards:
            if card.column not in titles:
                raise ValueError(f"basecamp card {card.id}: unknown column {card.column!r}")
        lists = []
        for i, (cid, title, kind) in enumerate(table.columns):
            lists.append({"id": cid, "status": "active", "created_at": iso_ms(self.t.as_of),
                          "updated_at": iso_ms(self.t.as_of), "title": title, "inherits_status": True,
                          "type": kind, "url": f"{self.api}/buckets/{b}/card_tables/columns/{cid}.json",
                          "app_url": f"{self.app}/buckets/{b}/card_tables/columns/{cid}", "position": i,
                          "parent": table_ref, "bucket": self._bucket(project), "description": None,
                          "color": None, "cards_count": sum(1 for c in table.cards if c.column == title),
                          "comment_count": 0,
                          "cards_url": f"{self.api}/buckets/{b}/card_tables/lists/{cid}/cards.json"})
        body = {**{k: v for k, v in table_ref.items() if k != "title"}, "status": "active",
                "created_at": iso_ms(self.t.as_of), "updated_at": iso_ms(self.t.as_of), "title": table.title,
                "bucket": self._bucket(project), "subscribers": [], "lists": lists}
        yield _entry("GET", f"{self.api}/buckets/{b}/card_tables/{table.id}.json", None, self._headers(body), body)
        for cid, title, kind in table.columns:
            parent = {"id": cid, "title": title, "type": kind,
                      "url": f"{self.api}/buckets/{b}/card_tables/columns/{cid}.json",
                      "app_url": f"{self.app}/buckets/{b}/card_tables/columns/{cid}"}
            cards = [self._recording(project, c, "Kanban::Card", parent) for c in table.cards if c.column == title]
            yield from self._paged(f"/buckets/{b}/card_tables/lists/{cid}/cards.json", cards)

    def _todos(self, project: BasecampProject) -> Iterator[Entry]:
        b = project.id
        lists = []
        for todolist in project.todolists:
            lists.append({"id": todolist.id, "status": "active", "created_at": iso_ms(self.t.as_of),
                          "updated_at": iso_ms(self.t.as_of), "title": todolist.title, "inherits_status": True,
                          "type": "Todolist", "url": f"{self.api}/buckets/{b}/todolists/{todolist.id}.json",
                          "app_url": f"{self.app}/buckets/{b}/todolists/{todolist.id}",
                          "parent": {"id": project.todoset_id, "title": "To-dos", "type": "Todoset",
                                     "url": f"{self.api}/buckets/{b}/todosets/{project.todoset_id}.json",
                                     "app_url": f"{self.app}/buckets/{b}/todosets/{project.todoset_id}"},
                          "bucket": self._bucket(project), "description": "",
                          "completed": all(t.completed for t in todolist.todos) and bool(todolist.todos),
                          "completed_ratio": f"{sum(t.completed for t in todolist.todos)}/{len(todolist.todos)}",
                          "name": todolist.title,
                          "todos_url": f"{self.api}/buckets/{b}/todolists/{todolist.id}/todos.json"})
        yield from self._paged(f"/buckets/{b}/todosets/{project.todoset_id}/todolists.json", lists)
        for todolist in project.todolists:
            parent = {"id": todolist.id, "title": todolist.title, "type": "Todolist",
                      "url": f"{self.api}/buckets/{b}/todolists/{todolist.id}.json",
                      "app_url": f"{self.app}/buckets/{b}/todolists/{todolist.id}"}
            pending = [self._recording(project, t, "Todo", parent) for t in todolist.todos if not t.completed]
            done = [self._recording(project, t, "Todo", parent) for t in todolist.todos if t.completed]
            yield from self._paged(f"/buckets/{b}/todolists/{todolist.id}/todos.json", pending)
            yield from self._paged(f"/buckets/{b}/todolists/{todolist.id}/todos.json", done, {"completed": "true"})


# ---------------------------------------------------------------------------------------------


def write_tracker_pages(trackers: Trackers, recorded_dir: Path) -> dict[str, int]:
    """Write ``asana.jsonl``, ``notion.jsonl`` and ``basecamp.jsonl`` into ``recorded_dir`` (each
    only when the scenario has that tracker) and add their base URLs to ``sources.json``
    (``asana_base_url``, ``notion_base_url``, ``basecamp_base_url``; other keys are kept).
    Returns file name -> entries written."""
    recorded_dir = Path(recorded_dir)
    recorded_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    urls: dict[str, str] = {}
    if trackers.asana_projects:
        counts[ASANA_FILE] = _write_jsonl(recorded_dir / ASANA_FILE, AsanaPages(trackers).entries())
        urls["asana_base_url"] = trackers.asana_base_url
    if trackers.notion_databases:
        counts[NOTION_FILE] = _write_jsonl(recorded_dir / NOTION_FILE, NotionPages(trackers).entries())
        urls["notion_base_url"] = trackers.notion_base_url
    if trackers.basecamp_projects:
        counts[BASECAMP_FILE] = _write_jsonl(recorded_dir / BASECAMP_FILE, BasecampPages(trackers).entries())
        urls["basecamp_base_url"] = trackers.basecamp_base_url
    sources_path = recorded_dir / SOURCES_FILE
    sources = json.loads(sources_path.read_text(encoding="utf-8")) if sources_path.exists() else {}
    sources.update(urls)
    sources_path.write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    return counts
