"""dlt source for GitHub REST: pull requests (with commits and reviews), deployments (with
statuses), issues and releases of a list of repositories -> the ``raw_github`` tables.

Why this shape: the same code runs on the live API and on recorded responses (``ingest.replay``
mounted on the ``session``), so requests are exactly those of docs/data-contracts.md section 2
and pagination follows GitHub's ``Link`` header. Parsing is a pure function per API object
(``parse_pull_request`` ...) so the live connectors and tests reuse it; each returns exactly
the raw columns of section 3, with people pseudonymised (``ingest.pseudonymise.person_id``)
and timestamps as tz-aware UTC datetimes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import dlt
import requests
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator

from ingest.http import RateLimitPolicy, live_session, wait_out_rate_limits
from ingest.incremental import CursorBook
from ingest.pseudonymise import person_id, resolve_salt
from ingest.columns import table_columns

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
PAGE_SIZE = 100

Row = dict[str, Any]

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")




PULL_REQUEST_COLUMNS = table_columns(
    [("repo", "text"), ("id", "bigint"), ("number", "bigint"), ("title", "text"), ("state", "text"),
     ("draft", "bool"), ("author_id", "text"), ("created_at", "timestamp"), ("updated_at", "timestamp"),
     ("closed_at", "timestamp"), ("merged_at", "timestamp"), ("merge_commit_sha", "text"),
     ("head_ref", "text"), ("head_sha", "text"), ("base_ref", "text"), ("labels", "text")],
    ["id"],
)
PULL_REQUEST_COMMIT_COLUMNS = table_columns(
    [("repo", "text"), ("pr_number", "bigint"), ("sha", "text"), ("position", "bigint"),
     ("author_id", "text"), ("author_date", "timestamp"), ("committer_date", "timestamp"), ("subject", "text")],
    ["repo", "pr_number", "sha"],
)
PULL_REQUEST_REVIEW_COLUMNS = table_columns(
    [("repo", "text"), ("pr_number", "bigint"), ("id", "bigint"), ("reviewer_id", "text"), ("state", "text"),
     ("submitted_at", "timestamp"), ("commit_id", "text")],
    ["id"],
)
DEPLOYMENT_COLUMNS = table_columns(
    [("repo", "text"), ("id", "bigint"), ("sha", "text"), ("ref", "text"), ("task", "text"),
     ("environment", "text"), ("description", "text"), ("creator_id", "text"), ("created_at", "timestamp"),
     ("updated_at", "timestamp"), ("payload", "text"), ("model_name", "text"), ("model_version", "text"),
     ("production_environment", "bool")],
    ["id"],
)
DEPLOYMENT_STATUS_COLUMNS = table_columns(
    [("repo", "text"), ("deployment_id", "bigint"), ("id", "bigint"), ("state", "text"), ("environment", "text"),
     ("description", "text"), ("created_at", "timestamp"), ("updated_at", "timestamp")],
    ["id"],
)
ISSUE_COLUMNS = table_columns(
    [("repo", "text"), ("id", "bigint"), ("number", "bigint"), ("title", "text"), ("body", "text"),
     ("state", "text"), ("state_reason", "text"), ("labels", "text"), ("author_id", "text"),
     ("created_at", "timestamp"), ("updated_at", "timestamp"), ("closed_at", "timestamp"),
     ("is_pull_request", "bool")],
    ["id"],
)
RELEASE_COLUMNS = table_columns(
    [("repo", "text"), ("id", "bigint"), ("tag_name", "text"), ("target_commitish", "text"), ("name", "text"),
     ("draft", "bool"), ("prerelease", "bool"), ("author_id", "text"), ("created_at", "timestamp"),
     ("published_at", "timestamp")],
    ["id"],
)


# ---------------------------------------------------------------------------------------------
# Pure parsing


def parse_github_time(value: str | None) -> datetime | None:
    """``2025-06-03T09:15:00Z`` (or with an offset) -> tz-aware UTC datetime; None stays None."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def redact_emails(text: str | None, salt: str | None = None) -> str | None:
    """Free text with every email address replaced by its person id (no email is stored)."""
    if not text:
        return text
    return _EMAIL.sub(lambda m: person_id(m.group(0), salt) or "", text)


def _login_id(user: Any, salt: str | None) -> str | None:
    return person_id(user.get("login"), salt) if isinstance(user, dict) else None


def _labels(obj: dict[str, Any]) -> str:
    names = [label["name"] if isinstance(label, dict) else str(label) for label in obj.get("labels") or []]
    return ",".join(names)


def parse_pull_request(obj: dict[str, Any], repo: str, salt: str | None = None) -> Row:
    """A ``GET /repos/{repo}/pulls`` item -> a ``pull_requests`` row."""
    head, base = obj.get("head") or {}, obj.get("base") or {}
    return {
        "repo": repo,
        "id": int(obj["id"]),
        "number": int(obj["number"]),
        "title": redact_emails(obj.get("title"), salt),
        "state": obj.get("state"),
        "draft": bool(obj.get("draft")),
        "author_id": _login_id(obj.get("user"), salt),
        "created_at": parse_github_time(obj.get("created_at")),
        "updated_at": parse_github_time(obj.get("updated_at")),
        "closed_at": parse_github_time(obj.get("closed_at")),
        "merged_at": parse_github_time(obj.get("merged_at")),
        "merge_commit_sha": obj.get("merge_commit_sha"),
        "head_ref": head.get("ref"),
        "head_sha": head.get("sha"),
        "base_ref": base.get("ref"),
        "labels": _labels(obj),
    }


def parse_pull_request_commit(
    obj: dict[str, Any], repo: str, pr_number: int, position: int, salt: str | None = None
) -> Row:
    """A ``GET .../pulls/{n}/commits`` item -> a ``pull_request_commits`` row.

    The author is identified by the commit's author email (the identity ``raw_git`` hashes,
    so the ids join across the two); the GitHub login is the fallback when git has no email.
    """
    commit = obj.get("commit") or {}
    author, committer = commit.get("author") or {}, commit.get("committer") or {}
    identity = author.get("email") or ((obj.get("author") or {}).get("login"))
    message = commit.get("message") or ""
    return {
        "repo": repo,
        "pr_number": int(pr_number),
        "sha": obj["sha"],
        "position": position,
        "author_id": person_id(identity, salt),
        "author_date": parse_github_time(author.get("date")),
        "committer_date": parse_github_time(committer.get("date")),
        "subject": redact_emails(message.split("\n", 1)[0], salt),
    }


def parse_pull_request_review(obj: dict[str, Any], repo: str, pr_number: int, salt: str | None = None) -> Row:
    """A ``GET .../pulls/{n}/reviews`` item -> a ``pull_request_reviews`` row."""
    return {
        "repo": repo,
        "pr_number": int(pr_number),
        "id": int(obj["id"]),
        "reviewer_id": _login_id(obj.get("user"), salt),
        "state": obj.get("state"),
        "submitted_at": parse_github_time(obj.get("submitted_at")),
        "commit_id": obj.get("commit_id"),
    }


def _payload(raw: Any) -> dict[str, Any] | None:
    """The deployment payload as a dict: GitHub returns an object, or a string (maybe JSON)."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw.strip():
        try:
            decoded = json.loads(raw)
        except ValueError:
            return None
        return decoded if isinstance(decoded, dict) else None
    return None


def parse_deployment(obj: dict[str, Any], repo: str, salt: str | None = None) -> Row:
    """A ``GET /repos/{repo}/deployments`` item -> a ``deployments`` row (payload kept as JSON)."""
    raw_payload = obj.get("payload")
    payload = _payload(raw_payload)
    model_version = (payload or {}).get("model_version")
    return {
        "repo": repo,
        "id": int(obj["id"]),
        "sha": obj.get("sha"),
        "ref": obj.get("ref"),
        "task": obj.get("task"),
        "environment": obj.get("environment"),
        "description": redact_emails(obj.get("description"), salt),
        "creator_id": _login_id(obj.get("creator"), salt),
        "created_at": parse_github_time(obj.get("created_at")),
        "updated_at": parse_github_time(obj.get("updated_at")),
        "payload": redact_emails(json.dumps(payload if payload is not None else raw_payload, sort_keys=True), salt),
        "model_name": (payload or {}).get("model_name"),
        "model_version": None if model_version is None else str(model_version),
        "production_environment": obj.get("production_environment"),
    }


def parse_deployment_status(obj: dict[str, Any], repo: str, deployment_id: int, salt: str | None = None) -> Row:
    """A ``GET .../deployments/{id}/statuses`` item -> a ``deployment_statuses`` row."""
    return {
        "repo": repo,
        "deployment_id": int(deployment_id),
        "id": int(obj["id"]),
        "state": obj.get("state"),
        "environment": obj.get("environment"),
        "description": redact_emails(obj.get("description"), salt),
        "created_at": parse_github_time(obj.get("created_at")),
        "updated_at": parse_github_time(obj.get("updated_at")),
    }


def parse_issue(obj: dict[str, Any], repo: str, salt: str | None = None) -> Row:
    """A ``GET /repos/{repo}/issues`` item (issue or pull request) -> an ``issues`` row."""
    return {
        "repo": repo,
        "id": int(obj["id"]),
        "number": int(obj["number"]),
        "title": redact_emails(obj.get("title"), salt),
        "body": redact_emails(obj.get("body"), salt),
        "state": obj.get("state"),
        "state_reason": obj.get("state_reason"),
        "labels": _labels(obj),
        "author_id": _login_id(obj.get("user"), salt),
        "created_at": parse_github_time(obj.get("created_at")),
        "updated_at": parse_github_time(obj.get("updated_at")),
        "closed_at": parse_github_time(obj.get("closed_at")),
        "is_pull_request": "pull_request" in obj,
    }


def parse_release(obj: dict[str, Any], repo: str, salt: str | None = None) -> Row:
    """A ``GET /repos/{repo}/releases`` item -> a ``releases`` row."""
    return {
        "repo": repo,
        "id": int(obj["id"]),
        "tag_name": obj.get("tag_name"),
        "target_commitish": obj.get("target_commitish"),
        "name": redact_emails(obj.get("name"), salt),
        "draft": bool(obj.get("draft")),
        "prerelease": bool(obj.get("prerelease")),
        "author_id": _login_id(obj.get("author"), salt),
        "created_at": parse_github_time(obj.get("created_at")),
        "published_at": parse_github_time(obj.get("published_at")),
    }


# ---------------------------------------------------------------------------------------------
# Client and source


def github_client(base_url: str, session: requests.Session | None = None, token: str | None = None,
                  rate_limit: RateLimitPolicy | None = None) -> RESTClient:
    """A RESTClient for GitHub: JSON media type, pinned API version, ``Link`` pagination.

    The session (given, or dlt's retrying one) waits out primary and secondary rate limits
    (``ingest.http``). ``base_url`` is ``https://api.github.com`` or, for GitHub Enterprise
    Server, ``https://<host>/api/v3``.
    """
    session = wait_out_rate_limits(session, "github", rate_limit) if session is not None \
        else live_session("github", rate_limit)
    return RESTClient(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION},
        auth=BearerTokenAuth(token) if token else None,
        paginator=HeaderLinkPaginator(),
        data_selector="$",
        session=session,  # type: ignore[arg-type]
    )


def check_access(client: RESTClient) -> dict[str, Any]:
    """``GET /rate_limit``: proves the base URL and the token before any load (it costs no
    quota), and says how much of the hourly quota is left. Raises ``HTTPError`` (401 for a bad
    token) through the client's hooks."""
    response = client.get("/rate_limit")
    response.raise_for_status()
    core = (response.json().get("resources") or {}).get("core") or {}
    return {"limit": core.get("limit"), "remaining": core.get("remaining"), "reset": core.get("reset")}


def _rows(items: Any) -> list[Row]:
    """A transformer's input as a list of rows (dlt hands over what the parent yielded)."""
    return list(items) if isinstance(items, list) else [items]


def _has_label(row: Row, wanted: frozenset[str]) -> bool:
    return any(label.strip().lower() in wanted for label in (row.get("labels") or "").split(","))


#: a deployment whose latest status is one of these will not change any more (for our purposes)
FINAL_DEPLOYMENT_STATES = frozenset({"success", "failure", "error", "inactive"})
#: an unfinished deployment is re-checked on later loads until the newest deployment of its
#: repository is this much younger
PENDING_DEPLOYMENT_DAYS = 14


@dlt.source(name="github", max_table_nesting=0)
def github_source(
    repos: list[str],
    base_url: str = DEFAULT_BASE_URL,
    session: requests.Session | None = None,
    token: str | None = None,
    incident_labels: Sequence[str] | None = None,
    incremental: bool = False,
    since: datetime | None = None,
    rate_limit: RateLimitPolicy | None = None,
) -> Any:
    """The ``raw_github`` resources for ``repos`` (``owner/name``).

    ``session`` is the transport: a replaying session in recorded mode, None (dlt's retrying
    session) or an authenticated one live. ``incident_labels``, when given, keeps only issues
    carrying one of those labels (case-insensitive) in ``issues``; by default every issue and
    pull request is kept and dbt decides what an incident is.

    ``incremental`` reads only what changed since the last load, per repository (cursors in the
    source state, docs/data-contracts.md section 5): pull requests newest-updated first until
    one older than the cursor (their commits and reviews only for those), issues with
    ``since``, deployments newest first until one created before the cursor (plus a re-check
    of deployments that had no final status yet). ``since`` bounds the first load. Releases
    are listed whole each time (their ``created_at`` is the commit date: no safe cursor).
    """
    client = github_client(base_url, session, token, rate_limit)
    salt = resolve_salt()
    wanted_labels = frozenset(label.strip().lower() for label in incident_labels) if incident_labels else None
    lazy: dict[str, Any] = {}

    def book() -> CursorBook:
        """The cursors, from the state of the pipeline running this source (read on first use:
        the state belongs to the pipeline that extracts, not to whichever was active before)."""
        if "book" not in lazy:
            state = dlt.current.source_state().setdefault("incremental", {})
            lazy["book"] = CursorBook(state, enabled=incremental, since=since)
            lazy["pending"] = dlt.current.source_state().setdefault("pending_deployments", {})
        return lazy["book"]

    def pending() -> dict[str, dict[str, str]]:
        book()
        return lazy["pending"]

    def paginate(path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        yield from client.paginate(path, params={**(params or {}), "per_page": PAGE_SIZE})

    @dlt.resource(name="pull_requests", primary_key="id", write_disposition="merge", columns=PULL_REQUEST_COLUMNS)
    def pull_requests() -> Iterator[list[Row]]:
        for repo in repos:
            previous, nxt = book().previous("pull_requests", repo), book().next("pull_requests", repo)
            log.info("github: pull requests of %s%s", repo,
                     f" updated since {previous.value:%Y-%m-%d %H:%M:%S}Z" if previous.value else "")
            params = {"state": "all", "sort": "updated", "direction": "desc"}
            fetched = kept = 0
            for number, page in enumerate(paginate(f"/repos/{repo}/pulls", params), start=1):
                rows = [parse_pull_request(obj, repo, salt) for obj in page]
                fetched += len(rows)
                log.info("github: %s: pull requests page %d (%d listed)", repo, number, len(rows))
                new = [r for r in rows if previous.is_new(r["updated_at"], r["id"])]
                for row in new:
                    nxt.observe(row["updated_at"], row["id"])
                kept += len(new)
                if new:
                    yield new
                if any(previous.is_older(r["updated_at"]) for r in rows):
                    break  # newest first: the next pages are older still
            book().save("pull_requests")
            log.info("github: %s: %d pull requests new or updated (%d listed)", repo, kept, fetched)

    @dlt.transformer(name="pull_request_commits", data_from=pull_requests, primary_key=("repo", "pr_number", "sha"),
                     write_disposition="merge", columns=PULL_REQUEST_COMMIT_COLUMNS)
    def pull_request_commits(prs: Any) -> Iterator[list[Row]]:
        for pr in _rows(prs):
            position = 0
            for page in paginate(f"/repos/{pr['repo']}/pulls/{pr['number']}/commits"):
                rows = []
                for obj in page:
                    rows.append(parse_pull_request_commit(obj, pr["repo"], pr["number"], position, salt))
                    position += 1
                yield rows

    @dlt.transformer(name="pull_request_reviews", data_from=pull_requests, primary_key="id",
                     write_disposition="merge", columns=PULL_REQUEST_REVIEW_COLUMNS)
    def pull_request_reviews(prs: Any) -> Iterator[list[Row]]:
        for pr in _rows(prs):
            for page in paginate(f"/repos/{pr['repo']}/pulls/{pr['number']}/reviews"):
                yield [parse_pull_request_review(obj, pr["repo"], pr["number"], salt) for obj in page]

    @dlt.resource(name="deployments", primary_key="id", write_disposition="merge", columns=DEPLOYMENT_COLUMNS)
    def deployments() -> Iterator[list[Row]]:
        for repo in repos:
            previous, nxt = book().previous("deployments", repo), book().next("deployments", repo)
            log.info("github: deployments of %s%s", repo,
                     f" created since {previous.value:%Y-%m-%d %H:%M:%S}Z" if previous.value else "")
            seen: set[str] = set()
            for number, page in enumerate(paginate(f"/repos/{repo}/deployments"), start=1):
                rows = [parse_deployment(obj, repo, salt) for obj in page]
                log.info("github: %s: deployments page %d (%d listed)", repo, number, len(rows))
                new = [r for r in rows if previous.is_new(r["created_at"], r["id"])]
                for row in new:
                    nxt.observe(row["created_at"], row["id"])
                    seen.add(str(row["id"]))
                if new:
                    yield new
                if any(previous.is_older(r["created_at"]) for r in rows):
                    break
            book().save("deployments")
            if not incremental:
                continue
            # deployments that had no final status at the last load: their statuses may have moved
            # (given up on once they are PENDING_DEPLOYMENT_DAYS older than the newest deployment)
            horizon = (nxt.value or datetime.now(timezone.utc)) - timedelta(days=PENDING_DEPLOYMENT_DAYS)
            repo_pending = pending().setdefault(repo, {})
            for dep_id, created in sorted(repo_pending.items()):
                created_at = parse_github_time(created)
                if dep_id in seen:
                    continue
                if created_at is not None and created_at < horizon:
                    repo_pending.pop(dep_id, None)
                    continue
                response = client.get(f"/repos/{repo}/deployments/{dep_id}")
                if response.status_code == 404:  # deleted since
                    repo_pending.pop(dep_id, None)
                    continue
                response.raise_for_status()
                log.info("github: %s: re-checking deployment %s (no final status at the last load)", repo, dep_id)
                yield [parse_deployment(response.json(), repo, salt)]

    @dlt.transformer(name="deployment_statuses", data_from=deployments, primary_key="id",
                     write_disposition="merge", columns=DEPLOYMENT_STATUS_COLUMNS)
    def deployment_statuses(deps: Any) -> Iterator[list[Row]]:
        for dep in _rows(deps):
            states: list[tuple[Any, str]] = []
            for page in paginate(f"/repos/{dep['repo']}/deployments/{dep['id']}/statuses"):
                rows = [parse_deployment_status(obj, dep["repo"], dep["id"], salt) for obj in page]
                states += [(r["created_at"], r["state"]) for r in rows]
                yield rows
            latest = max(states, key=lambda s: (s[0] is not None, s[0]))[1] if states else None
            repo_pending = pending().setdefault(dep["repo"], {})
            if latest in FINAL_DEPLOYMENT_STATES:
                repo_pending.pop(str(dep["id"]), None)
            elif dep.get("created_at") is not None:
                repo_pending[str(dep["id"])] = dep["created_at"].isoformat()

    @dlt.resource(name="issues", primary_key="id", write_disposition="merge", columns=ISSUE_COLUMNS)
    def issues() -> Iterator[list[Row]]:
        for repo in repos:
            previous, nxt = book().previous("issues", repo), book().next("issues", repo)
            params: dict[str, Any] = {"state": "all"}
            if previous.value is not None:
                # GitHub: "only issues updated at or after this time"; the boundary is deduplicated
                params["since"] = previous.value.strftime("%Y-%m-%dT%H:%M:%SZ")
            log.info("github: issues of %s%s", repo, f" updated since {params['since']}" if "since" in params else "")
            kept = 0
            for number, page in enumerate(paginate(f"/repos/{repo}/issues", params), start=1):
                rows = [parse_issue(obj, repo, salt) for obj in page]
                log.info("github: %s: issues page %d (%d listed)", repo, number, len(rows))
                rows = [r for r in rows if previous.is_new(r["updated_at"], r["id"])]
                for row in rows:
                    nxt.observe(row["updated_at"], row["id"])
                kept += len(rows)
                yield rows if wanted_labels is None else [r for r in rows if _has_label(r, wanted_labels)]
            book().save("issues")
            log.info("github: %s: %d issues and pull requests new or updated", repo, kept)

    @dlt.resource(name="releases", primary_key="id", write_disposition="merge", columns=RELEASE_COLUMNS)
    def releases() -> Iterator[list[Row]]:
        for repo in repos:
            log.info("github: releases of %s", repo)
            for page in paginate(f"/repos/{repo}/releases"):
                yield [parse_release(obj, repo, salt) for obj in page]

    return (pull_requests, pull_request_commits, pull_request_reviews, deployments, deployment_statuses,
            issues, releases)
