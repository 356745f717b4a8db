"""dlt source for Jira Cloud REST v3: issues of some projects and their changelogs -> ``raw_jira``.

Why this shape: the same code runs on the live API and on recorded responses (``ingest.replay``
mounted on the ``session``). Issues come from the enhanced search (``/rest/api/3/search/jql``,
paged by ``nextPageToken`` until ``isLast``); status history from the per-issue changelog
(paged by ``startAt`` until ``isLast`` or ``total``). Parsing is pure (``parse_jira_issue``,
``parse_jira_changelog``, ``adf_to_text``) so live connectors and tests reuse it; rows hold
exactly the raw columns of docs/data-contracts.md section 3, people pseudonymised and
timestamps converted from Jira's ``+hhmm`` offsets to UTC.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dlt
import requests
from dlt.sources.helpers.rest_client.auth import HttpBasicAuth
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator, OffsetPaginator
from requests import Response

from ingest.http import RateLimitPolicy, live_session, wait_out_rate_limits
from ingest.incremental import CursorBook
from ingest.pseudonymise import person_id, resolve_salt
from ingest.columns import table_columns

log = logging.getLogger(__name__)

PAGE_SIZE = 100
Row = dict[str, Any]

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PLAIN_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
# ADF nodes whose children are blocks: separated by blank lines (doc) or newlines (lists, cells)
_BLOCK_SEPARATORS = {"doc": "\n\n", "blockquote": "\n\n", "panel": "\n\n", "expand": "\n\n",
                     "bulletList": "\n", "orderedList": "\n", "taskList": "\n", "decisionList": "\n",
                     "table": "\n", "tableRow": " | ", "layoutSection": "\n\n", "layoutColumn": "\n\n"}




ISSUE_COLUMNS = table_columns(
    [("id", "text"), ("key", "text"), ("project_key", "text"), ("issue_type", "text"), ("summary", "text"),
     ("description_text", "text"), ("status", "text"), ("status_category", "text"), ("labels", "text"),
     ("priority", "text"), ("reporter_id", "text"), ("created_at", "timestamp"), ("updated_at", "timestamp"),
     ("resolved_at", "timestamp")],
    ["id"],
)
CHANGELOG_COLUMNS = table_columns(
    [("issue_id", "text"), ("issue_key", "text"), ("history_id", "text"), ("item_index", "bigint"),
     ("field", "text"), ("field_type", "text"), ("from_value", "text"), ("from_string", "text"),
     ("to_value", "text"), ("to_string", "text"), ("author_id", "text"), ("created_at", "timestamp")],
    ["history_id", "item_index"],
)


# ---------------------------------------------------------------------------------------------
# Pure parsing


def parse_jira_time(value: str | None) -> datetime | None:
    """``2025-06-03T09:15:00.000+0100`` -> tz-aware UTC datetime; None stays None."""
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, fmt).astimezone(timezone.utc)
        except ValueError:
            continue
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def redact_emails(text: str | None, salt: str | None = None) -> str | None:
    """Free text with every email address replaced by its person id (no email is stored)."""
    if not text:
        return text
    return _EMAIL.sub(lambda m: person_id(m.group(0), salt) or "", text)


def adf_to_text(node: Any) -> str | None:
    """Atlassian Document Format -> plain text: paragraphs separated by blank lines, hard
    breaks and list items by newlines, mentions as their text. None for no document."""
    if node is None:
        return None
    if isinstance(node, str):  # REST v2 (or a plain-text field) already gives text
        return node
    text = _adf_text(node)
    return text if text.strip() else None


def _adf_text(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji", "status", "date", "inlineCard"):
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("shortName") or attrs.get("url") or "")
    children = [_adf_text(child) for child in node.get("content") or [] if isinstance(child, dict)]
    separator = _BLOCK_SEPARATORS.get(str(kind))
    if separator is None:  # paragraph, heading, listItem, codeBlock, ...: inline content
        return "".join(children)
    return separator.join(children)


def _user_id(user: Any, salt: str | None) -> str | None:
    """A Jira user's person id: from the email address when Jira shows it (the identity the
    other sources use, so ids join), else from the accountId."""
    if not isinstance(user, dict):
        return None
    return person_id(user.get("emailAddress") or user.get("accountId"), salt)


def _name(obj: Any) -> str | None:
    return obj.get("name") if isinstance(obj, dict) else None


def parse_jira_issue(obj: dict[str, Any], salt: str | None = None) -> Row:
    """A search result issue -> an ``issues`` row."""
    fields = obj.get("fields") or {}
    status = fields.get("status") or {}
    project = fields.get("project") or {}
    return {
        "id": str(obj["id"]),
        "key": obj["key"],
        "project_key": project.get("key") or str(obj["key"]).rsplit("-", 1)[0],
        "issue_type": _name(fields.get("issuetype")),
        "summary": redact_emails(fields.get("summary"), salt),
        "description_text": redact_emails(adf_to_text(fields.get("description")), salt),
        "status": status.get("name"),
        "status_category": (status.get("statusCategory") or {}).get("key"),
        "labels": ",".join(fields.get("labels") or []),
        "priority": _name(fields.get("priority")),
        "reporter_id": _user_id(fields.get("reporter"), salt),
        "created_at": parse_jira_time(fields.get("created")),
        "updated_at": parse_jira_time(fields.get("updated")),
        "resolved_at": parse_jira_time(fields.get("resolutiondate")),
    }


def parse_jira_changelog(history: dict[str, Any], issue_id: str, issue_key: str, salt: str | None = None) -> list[Row]:
    """A changelog history -> one ``issue_changelogs`` row per changed item."""
    author_id = _user_id(history.get("author"), salt)
    created_at = parse_jira_time(history.get("created"))
    rows = []
    for index, item in enumerate(history.get("items") or []):
        rows.append(
            {
                "issue_id": str(issue_id),
                "issue_key": issue_key,
                "history_id": str(history["id"]),
                "item_index": index,
                "field": item.get("field"),
                "field_type": item.get("fieldtype"),
                "from_value": item.get("from"),
                "from_string": redact_emails(item.get("fromString"), salt),
                "to_value": item.get("to"),
                "to_string": redact_emails(item.get("toString"), salt),
                "author_id": author_id,
                "created_at": created_at,
            }
        )
    return rows


def project_jql(project_keys: Sequence[str], updated_from: str | None = None) -> str:
    """``project in (A, B) [AND updated >= "yyyy-MM-dd HH:mm"] ORDER BY updated ASC``, quoting
    keys that are not plain. ``updated_from`` is already in the Jira user's time zone."""
    quoted = [k if _PLAIN_KEY.match(k) else '"' + k.replace('"', '\\"') + '"' for k in project_keys]
    since = f' AND updated >= "{updated_from}"' if updated_from else ""
    return f"project in ({', '.join(quoted)}){since} ORDER BY updated ASC"


#: with no time zone from /myself, the cursor is moved back this far (the widest UTC offset)
UNKNOWN_ZONE_MARGIN = timedelta(hours=14)


def jql_time(cursor: datetime, time_zone: str | None) -> str:
    """A UTC cursor as a JQL date-time (``yyyy-MM-dd HH:mm``), which Jira reads in the searching
    user's time zone (``/rest/api/3/myself`` ``timeZone``), floored to the minute. Unknown zone:
    moved back 14 hours so that no offset can make the search start after the cursor."""
    cursor = cursor.astimezone(timezone.utc)
    if time_zone:
        try:
            return cursor.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M")
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("jira: unknown time zone %r; searching from 14 hours before the cursor", time_zone)
    return (cursor - UNKNOWN_ZONE_MARGIN).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------------------
# Client and source


class JiraSearchPaginator(JSONResponseCursorPaginator):
    """``nextPageToken`` cursor that also stops on ``isLast`` (Jira has sent a token with it)."""

    def __init__(self) -> None:
        super().__init__(cursor_path="nextPageToken", cursor_param="nextPageToken")

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        if response.json().get("isLast") is True:
            self._has_next_page = False


class JiraChangelogPaginator(OffsetPaginator):
    """``startAt``/``maxResults`` pages of ``/issue/{key}/changelog``, ending on ``isLast`` or
    when ``total`` is reached (whichever the response gives)."""

    def __init__(self) -> None:
        super().__init__(limit=PAGE_SIZE, offset_param="startAt", limit_param="maxResults", total_path=None,
                         stop_after_empty_page=True)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        body = response.json()
        total = body.get("total")
        if body.get("isLast") is True or (isinstance(total, int) and self.current_value >= total):
            self._has_next_page = False


def jira_client(
    base_url: str, session: requests.Session | None = None, email: str | None = None, token: str | None = None,
    rate_limit: RateLimitPolicy | None = None,
) -> RESTClient:
    """A RESTClient for Jira Cloud; basic auth with an API token when both are given; 429s
    (Jira's rate limiting, with Retry-After) are waited out."""
    session = wait_out_rate_limits(session, "jira", rate_limit) if session is not None \
        else live_session("jira", rate_limit)
    return RESTClient(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/json"},
        auth=HttpBasicAuth(email, token) if email and token else None,
        session=session,  # type: ignore[arg-type]
    )


def check_access(client: RESTClient) -> dict[str, Any]:
    """``GET /rest/api/3/myself``: proves the base URL, email and API token before any load,
    and gives the user's time zone (JQL dates are read in it). Raises ``HTTPError``."""
    response = client.get("/rest/api/3/myself")
    response.raise_for_status()
    body = response.json()
    return {"time_zone": body.get("timeZone"), "account_type": body.get("accountType")}


def _rows(items: Any) -> list[Row]:
    return list(items) if isinstance(items, list) else [items]


@dlt.source(name="jira", max_table_nesting=0)
def jira_source(
    project_keys: list[str],
    base_url: str,
    session: requests.Session | None = None,
    email: str | None = None,
    token: str | None = None,
    incremental: bool = False,
    since: datetime | None = None,
    time_zone: str | None = None,
    rate_limit: RateLimitPolicy | None = None,
) -> Any:
    """The ``raw_jira`` resources for the issues of ``project_keys``.

    Only issues of the asked projects are kept, whatever the server answers (a recording may
    hold more projects than one load asks for). ``incremental``: per project, only issues
    updated since the last load (JQL ``updated >= "..."`` in ``time_zone``, the Jira user's,
    floored to the minute; issues at or before the cursor that did not change are skipped),
    and the whole changelog of each of those. ``since`` bounds the first load.
    """
    client = jira_client(base_url, session, email, token, rate_limit)
    salt = resolve_salt()
    keys = sorted(set(project_keys))
    lazy: dict[str, CursorBook] = {}

    def book() -> CursorBook:
        if "book" not in lazy:
            lazy["book"] = CursorBook(dlt.current.source_state().setdefault("incremental", {}),
                                      enabled=incremental, since=since)
        return lazy["book"]

    def searches() -> list[tuple[list[str], str | None]]:
        """(project keys, JQL lower bound) per search: one search per distinct cursor."""
        if not incremental:
            return [(keys, None)]
        groups: dict[str | None, list[str]] = {}
        for key in keys:
            value = book().previous("issues", key).value
            groups.setdefault(jql_time(value, time_zone) if value else None, []).append(key)
        return [(group, bound) for bound, group in sorted(groups.items(), key=lambda kv: kv[0] or "")]

    @dlt.resource(name="issues", primary_key="id", write_disposition="merge", columns=ISSUE_COLUMNS)
    def issues() -> Iterator[list[Row]]:
        if not keys:
            log.info("jira: no projects to load")
            return
        for group, bound in searches():
            log.info("jira: issues of %s%s", ", ".join(group), f' updated since "{bound}"' if bound else "")
            params = {"jql": project_jql(group, bound), "fields": "*all", "maxResults": PAGE_SIZE}
            kept = 0
            for number, page in enumerate(client.paginate("/rest/api/3/search/jql", params=params,
                                                          paginator=JiraSearchPaginator(), data_selector="issues"),
                                          start=1):
                rows = [parse_jira_issue(obj, salt) for obj in page]
                log.info("jira: search page %d (%d issues)", number, len(rows))
                rows = [row for row in rows if row["project_key"] in group
                        and book().previous("issues", row["project_key"]).is_new(row["updated_at"], row["id"])]
                for row in rows:
                    book().next("issues", row["project_key"]).observe(row["updated_at"], row["id"])
                kept += len(rows)
                yield rows
            log.info("jira: %s: %d issues new or updated", ", ".join(group), kept)
        book().save("issues")

    @dlt.transformer(name="issue_changelogs", data_from=issues, primary_key=("history_id", "item_index"),
                     write_disposition="merge", columns=CHANGELOG_COLUMNS)
    def issue_changelogs(rows: Any) -> Iterator[list[Row]]:
        for issue in _rows(rows):
            for page in client.paginate(f"/rest/api/3/issue/{issue['key']}/changelog",
                                        paginator=JiraChangelogPaginator(), data_selector="values"):
                yield [row for history in page
                       for row in parse_jira_changelog(history, issue["id"], issue["key"], salt)]

    return issues, issue_changelogs
