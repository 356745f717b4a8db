"""Live mode against loopback servers: the production GitHub and Jira clients, through a
configured base URL, on real sockets (``ingest.replay.serve_cassette``).

The cassettes are written here page by page as the live APIs answer (GitHub: ``Link`` headers,
pull requests newest-updated first, deployments newest first; Jira: ``nextPageToken`` and
``isLast``, changelogs by ``startAt``), once as the systems stood at a first load and once as
they stand later. The second load must ask only for what changed and load only that; rate
limits (a 403 with ``X-RateLimit-Remaining: 0``, 429s with ``Retry-After``) are waited out
within a cap; a refused token ends ``python -m ingest.run`` with one line and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import duckdb
import pytest
import requests

from ingest.http import RateLimitExceeded, RateLimitPolicy, wait_out_rate_limits
from ingest.replay import InjectedFailure, serve_cassette
from ingest.run import LoadReport, load_live
from ingest.settings import LiveSettings

PROJECT_DIR = Path(__file__).resolve().parents[2]
UTC = timezone.utc
GH = "https://api.github.com"
JIRA = "https://acme.atlassian.net"
REPO = "acme/fraud-pipeline"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
FAST = RateLimitPolicy(max_wait_seconds=5, max_retries=3, secondary_wait_seconds=1)
JSON = {"Content-Type": "application/json; charset=utf-8"}


def ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(url: str, body: Any, headers: dict[str, str] | None = None, status: int = 200) -> dict[str, Any]:
    return {"request": {"method": "GET", "url": url, "json": None},
            "response": {"status": status, "headers": {**JSON, **(headers or {})}, "body": body}}


def github_pages(url: str, items: list[Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    """``items`` in pages of 100 with GitHub's ``Link`` header (next/last/prev/first)."""
    pages = [items[i:i + 100] for i in range(0, len(items), 100)] or [[]]

    def page_url(n: int) -> str:
        return f"{url}?{urlencode({**params, 'per_page': 100, **({'page': n} if n > 1 else {})})}"

    out = []
    for n, chunk in enumerate(pages, start=1):
        links = []
        if n < len(pages):
            links += [f'<{page_url(n + 1)}>; rel="next"', f'<{page_url(len(pages))}>; rel="last"']
        if n > 1:
            links += [f'<{page_url(n - 1)}>; rel="prev"', f'<{page_url(1)}>; rel="first"']
        out.append(entry(page_url(n), chunk, {"Link": ", ".join(links)} if links else {}))
    return out


def pull(number: int, updated: datetime) -> dict[str, Any]:
    return {"id": 5000 + number, "number": number, "title": f"Change {number}", "state": "closed", "draft": False,
            "user": {"login": "ann-gh"}, "created_at": ts(T0 + timedelta(hours=number)),
            "updated_at": ts(updated), "closed_at": ts(updated), "merged_at": ts(updated),
            "merge_commit_sha": f"{number:040x}", "head": {"ref": f"feature/{number}", "sha": f"{number + 1:040x}"},
            "base": {"ref": "main"}, "labels": []}


def deployment(dep_id: int, created: datetime) -> dict[str, Any]:
    return {"id": dep_id, "sha": f"{dep_id:040x}", "ref": "main", "task": "deploy", "environment": "production",
            "description": None, "creator": {"login": "ann-gh"}, "created_at": ts(created), "updated_at": ts(created),
            "payload": {"model_name": "fraud-model", "model_version": str(dep_id - 900)},
            "production_environment": True}


def status(status_id: int, state: str, at: datetime) -> dict[str, Any]:
    return {"id": status_id, "state": state, "environment": "production", "description": "",
            "created_at": ts(at), "updated_at": ts(at)}


def issue(number: int, created: datetime, updated: datetime) -> dict[str, Any]:
    return {"id": 7000 + number, "number": number, "title": f"Incident {number}", "body": "scores missing",
            "state": "open", "state_reason": None, "labels": [{"name": "incident"}], "user": {"login": "bob-gh"},
            "created_at": ts(created), "updated_at": ts(updated), "closed_at": None}


class GitHubWorld:
    """A repository's pull requests, deployments and issues at some moment."""

    def __init__(self) -> None:
        self.pulls = {n: T0 + timedelta(hours=n, minutes=30) for n in range(1, 106)}  # 105: two pages
        self.deployments = {901: T0 + timedelta(days=1), 902: T0 + timedelta(days=2)}
        self.statuses = {901: [status(1, "success", T0 + timedelta(days=1, minutes=5))],
                         902: [status(2, "in_progress", T0 + timedelta(days=2, minutes=1))]}  # still running
        self.issues = {1: (T0 + timedelta(days=3), T0 + timedelta(days=3)),
                       2: (T0 + timedelta(days=4), T0 + timedelta(days=4, hours=1))}
        self.issue_since: str | None = None  # the since= the next load will send

    def cassette(self, path: Path) -> Path:
        base = f"{GH}/repos/{REPO}"
        lines = [entry(f"{GH}/rate_limit", {"resources": {"core": {"limit": 5000, "remaining": 4990, "reset": 0}}})]
        by_updated = sorted(self.pulls, key=lambda n: (self.pulls[n], n), reverse=True)
        lines += github_pages(f"{base}/pulls", [pull(n, self.pulls[n]) for n in by_updated],
                              {"state": "all", "sort": "updated", "direction": "desc"})
        for n in self.pulls:
            commit = {"sha": f"{n:040x}", "author": {"login": "ann-gh"},
                      "commit": {"message": f"Change {n}", "author": {"email": "ann@example.com", "date": ts(T0)},
                                 "committer": {"date": ts(T0)}}}
            lines.append(entry(f"{base}/pulls/{n}/commits?per_page=100", [commit]))
            lines.append(entry(f"{base}/pulls/{n}/reviews?per_page=100", [] if n % 2 else [
                {"id": 8000 + n, "user": {"login": "bob-gh"}, "state": "APPROVED",
                 "submitted_at": ts(self.pulls[n]), "commit_id": f"{n:040x}"}]))
        newest_first = sorted(self.deployments, key=lambda d: (self.deployments[d], d), reverse=True)
        lines += github_pages(f"{base}/deployments", [deployment(d, self.deployments[d]) for d in newest_first], {})
        for dep_id, created in self.deployments.items():
            lines.append(entry(f"{base}/deployments/{dep_id}", deployment(dep_id, created)))
            lines.append(entry(f"{base}/deployments/{dep_id}/statuses?per_page=100",
                               sorted(self.statuses[dep_id], key=lambda s: s["created_at"], reverse=True)))
        params = {"state": "all", **({"since": self.issue_since} if self.issue_since else {})}
        listed = [issue(n, c, u) for n, (c, u) in sorted(self.issues.items(), reverse=True)
                  if self.issue_since is None or ts(u) >= self.issue_since]
        lines += github_pages(f"{base}/issues", listed, params)
        lines += github_pages(f"{base}/releases", [], {})
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        return path


def jira_issue(n: int, created: datetime, updated: datetime, key_prefix: str = "FRD") -> dict[str, Any]:
    return {"id": str(10000 + n), "key": f"{key_prefix}-{n}",
            "fields": {"project": {"key": key_prefix}, "issuetype": {"name": "Incident"}, "summary": f"Issue {n}",
                       "description": None, "status": {"name": "Done", "statusCategory": {"key": "done"}},
                       "labels": [], "priority": {"name": "High"},
                       "reporter": {"accountId": "acc-1", "emailAddress": "carol@example.com"},
                       "created": created.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                       "updated": updated.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), "resolutiondate": None}}


def history(issue_n: int, i: int, at: datetime) -> dict[str, Any]:
    return {"id": f"{issue_n}{i:04d}", "author": {"accountId": "acc-1"},
            "created": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "items": [{"field": "status", "fieldtype": "jira", "from": "1", "fromString": "To Do", "to": "3",
                       "toString": "In Progress"}]}


class JiraWorld:
    def __init__(self) -> None:
        # FRD-1 has 101 changelog entries: two pages
        self.issues = {1: (T0, T0 + timedelta(hours=5)), 2: (T0, T0 + timedelta(hours=6)),
                       3: (T0, T0 + timedelta(hours=7))}
        self.histories = {1: 101, 2: 1, 3: 2}

    def cassette(self, path: Path, listed: list[int]) -> Path:
        lines = [entry(f"{JIRA}/rest/api/3/myself", {"accountId": "acc-1", "timeZone": "Europe/Berlin",
                                                     "accountType": "atlassian"})]
        search = f"{JIRA}/rest/api/3/search/jql"
        issues = [jira_issue(n, *self.issues[n]) for n in sorted(listed, key=lambda n: self.issues[n][1])]
        first, rest = issues[:2], issues[2:]
        lines.append(entry(f"{search}?{urlencode({'jql': 'x', 'fields': '*all', 'maxResults': 100})}",
                           {"issues": first, "nextPageToken": "tok-2", "isLast": not rest} if rest
                           else {"issues": first, "isLast": True}))
        if rest:
            lines.append(entry(f"{search}?{urlencode({'jql': 'x', 'nextPageToken': 'tok-2'})}",
                               {"issues": rest, "isLast": True}))
        for n in listed:
            values = [history(n, i, T0 + timedelta(minutes=i)) for i in range(self.histories[n])]
            for start in range(0, len(values), 100):
                chunk = values[start:start + 100]
                lines.append(entry(f"{JIRA}/rest/api/3/issue/FRD-{n}/changelog?startAt={start}&maxResults=100",
                                   {"startAt": start, "maxResults": 100, "total": len(values),
                                    "isLast": start + 100 >= len(values), "values": chunk}))
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        return path


@pytest.fixture()
def catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "projects.csv").write_text("project_id,project_name,team\nfraud,Fraud,risk\n")
    (folder / "project_mappings.csv").write_text(
        f"project_id,object_type,object_key\nfraud,github_repo,{REPO}\nfraud,jira_project,FRD\n")
    return folder


def paths(server: Any) -> list[str]:
    return [urlsplit(url).path for _, url, _ in server.requests_seen]


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def load_github(db: Path, catalog: Path, base_url: str) -> LoadReport:
    settings = LiveSettings(github_base_url=base_url, github_token="ghp_test_token_1234", github_rate_limit=FAST)
    report = load_live(db, catalog, only={"github"}, settings=settings)
    assert report.ok, report.failures
    return report


def test_github_incremental_with_rate_limits(tmp_path: Path, catalog: Path) -> None:
    world = GitHubWorld()
    db = tmp_path / "wh" / "w.duckdb"
    with serve_cassette([world.cassette(tmp_path / "gh1.jsonl")]) as server:
        first = load_github(db, catalog, server.url_for(GH))
        assert not server.unmatched
        first_paths = paths(server)
    assert first.loaded("raw_github.pull_requests") == 105
    assert first.loaded("raw_github.pull_request_commits") == 105
    assert first.loaded("raw_github.deployments") == 2 and first.loaded("raw_github.deployment_statuses") == 2
    assert first.loaded("raw_github.issues") == 2
    assert first_paths.count(f"/repos/{REPO}/pulls") == 2  # both pages, by the Link header

    # later: 3 new pull requests and 2 older ones updated; a new deployment; the running one
    # finished; one issue updated and one new; the API asks us to slow down twice on the way
    for n in (106, 107, 108):
        world.pulls[n] = T0 + timedelta(days=30, hours=n)
    world.pulls[10] = world.pulls[20] = T0 + timedelta(days=29)
    world.deployments[903] = T0 + timedelta(days=10)
    world.statuses[903] = [status(3, "success", T0 + timedelta(days=10, minutes=3))]
    world.statuses[902].append(status(4, "success", T0 + timedelta(days=2, minutes=9)))
    world.issues[1] = (world.issues[1][0], T0 + timedelta(days=32))
    world.issues[3] = (T0 + timedelta(days=33), T0 + timedelta(days=33))
    world.issue_since = ts(T0 + timedelta(days=4, hours=1))  # the cursor: the latest update loaded
    failures = {
        f"/repos/{REPO}/pulls": [InjectedFailure.rate_limit_exhausted(reset_epoch=int(time.time()) + 2)],
        f"/repos/{REPO}/issues": [InjectedFailure.too_many_requests(retry_after_seconds=1)],
    }
    with serve_cassette([world.cassette(tmp_path / "gh2.jsonl")], failures=failures) as server:
        started = time.monotonic()
        second = load_github(db, catalog, server.url_for(GH))
        elapsed = time.monotonic() - started
        assert not server.unmatched
        seen = paths(server)
        statuses = [s for _, _, s in server.requests_seen]
        issue_queries = [dict(parse_qsl(urlsplit(u).query)) for _, u, _ in server.requests_seen
                         if urlsplit(u).path.endswith("/issues")]
    assert statuses.count(403) == 1 and statuses.count(429) == 1  # both waited out, not fatal
    assert 2.0 <= elapsed < 30
    assert seen.count(f"/repos/{REPO}/pulls") == 1 + 1  # the 403, then page 1 only: page 2 is older
    assert second.loaded("raw_github.pull_requests") == 5  # 3 new, 2 updated
    assert second.new("raw_github.pull_requests") == 3
    assert sum(p.endswith("/commits") for p in seen) == 5 and sum(p.endswith("/reviews") for p in seen) == 5
    assert issue_queries[-1]["since"] == world.issue_since
    # issue 2 (updated exactly at the cursor, unchanged) is listed again by since= and skipped
    assert second.loaded("raw_github.issues") == 2 and second.new("raw_github.issues") == 1
    assert second.loaded("raw_github.deployments") == 2  # 903, and 902 re-checked (it was running)
    assert f"/repos/{REPO}/deployments/902" in seen
    assert query(db, "select state from raw_github.deployment_statuses where deployment_id = 902 order by id") == \
        [("in_progress",), ("success",)]
    assert second.total("raw_github.pull_requests") == 108
    # the token is sent, never stored
    assert b"ghp_test_token_1234" not in db.read_bytes()


def test_rate_limit_wait_above_the_cap_fails_with_one_clear_line(tmp_path: Path) -> None:
    world = GitHubWorld()
    failures = {"/rate_limit": [InjectedFailure.rate_limit_exhausted(reset_epoch=int(time.time()) + 3600)]}
    with serve_cassette([world.cassette(tmp_path / "gh.jsonl")], failures=failures) as server:
        session = wait_out_rate_limits(requests.Session(), "github", FAST)
        with pytest.raises(RateLimitExceeded, match=r"^github: rate limited \(primary rate limit exhausted .*"
                                                    r"above the cap of 5 s; rerun after that or raise "
                                                    r"\[sources.github\] rate_limit_max_wait_seconds$"):
            session.get(server.url_for(GH) + "/rate_limit", timeout=5)


def test_jira_incremental_search_and_changelogs(tmp_path: Path, catalog: Path) -> None:
    world = JiraWorld()
    db = tmp_path / "wh" / "w.duckdb"
    settings = LiveSettings(jira_base_url="", jira_email="ann@example.com", jira_api_token="atl-token",
                            jira_rate_limit=FAST)
    with serve_cassette([world.cassette(tmp_path / "j1.jsonl", [1, 2, 3])],
                        failures={"/rest/api/3/search/jql": [InjectedFailure.too_many_requests(1)]}) as server:
        settings.jira_base_url = server.url_for(JIRA)
        first = load_live(db, catalog, only={"jira"}, settings=settings)
        assert first.ok, first.failures
        assert not server.unmatched
        first_paths = paths(server)
    assert first.loaded("raw_jira.issues") == 3
    assert first.loaded("raw_jira.issue_changelogs") == 101 + 1 + 2
    assert first_paths.count("/rest/api/3/search/jql") == 1 + 2  # the 429, then two token pages
    assert first_paths.count("/rest/api/3/issue/FRD-1/changelog") == 2  # startAt 0 and 100

    # later: FRD-2 gets two more changelog entries, FRD-4 is new; FRD-3 (the cursor) is listed
    # again by "updated >=" but has not changed
    world.issues[2] = (T0, T0 + timedelta(days=2))
    world.histories[2] = 3
    world.issues[4] = (T0 + timedelta(days=2), T0 + timedelta(days=2, hours=1))
    world.histories[4] = 1
    with serve_cassette([world.cassette(tmp_path / "j2.jsonl", [3, 2, 4])]) as server:
        settings.jira_base_url = server.url_for(JIRA)
        second = load_live(db, catalog, only={"jira"}, settings=settings)
        assert second.ok, second.failures
        searches = [dict(parse_qsl(urlsplit(u).query)) for _, u, _ in server.requests_seen
                    if urlsplit(u).path == "/rest/api/3/search/jql"]
        second_paths = paths(server)
    cursor = (T0 + timedelta(hours=7)).astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M")
    assert searches[0]["jql"] == f'project in (FRD) AND updated >= "{cursor}" ORDER BY updated ASC'
    assert second.loaded("raw_jira.issues") == 2
    assert "/rest/api/3/issue/FRD-3/changelog" not in second_paths
    assert second.loaded("raw_jira.issue_changelogs") == 3 + 1
    assert second.total("raw_jira.issue_changelogs") == 101 + 3 + 2 + 1


@pytest.mark.parametrize("source", ["github", "jira"])
def test_wrong_token_gives_one_line_and_a_nonzero_exit(tmp_path: Path, catalog: Path, source: str) -> None:
    secret = "wrong-secret-4242"
    refused = InjectedFailure(401, dict(JSON), {"message": "Bad credentials"} if source == "github"
                              else {"errorMessages": ["Client must be authenticated to access this resource."]})
    probe = "/rate_limit" if source == "github" else "/rest/api/3/myself"
    world = GitHubWorld()
    with serve_cassette([world.cassette(tmp_path / "gh.jsonl"), JiraWorld().cassette(tmp_path / "j.jsonl", [1])],
                        failures={probe: [refused]}) as server:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
               "RUNTIME__DLTHUB_TELEMETRY": "false"}
        if source == "github":
            env |= {"SOURCES__GITHUB__BASE_URL": server.url_for(GH), "SOURCES__GITHUB__TOKEN": secret}
        else:
            env |= {"SOURCES__JIRA__BASE_URL": server.url_for(JIRA), "SOURCES__JIRA__EMAIL": "ann@example.com",
                    "SOURCES__JIRA__API_TOKEN": secret}
        result = subprocess.run([sys.executable, "-m", "ingest.run", "--only", source, "--db",
                                 str(tmp_path / "wh" / "w.duckdb"), "--catalog", str(catalog)],
                                cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower() or "Traceback" in line]
    assert len(errors) == 1, result.stderr
    line = errors[0]
    assert line.startswith(f"error: {source}: the server refused the credentials (HTTP 401")
    assert ("SOURCES__GITHUB__TOKEN" if source == "github" else "SOURCES__JIRA__API_TOKEN") in line
    assert secret not in result.stderr + result.stdout
    assert not (tmp_path / "wh" / "w.duckdb").exists()  # nothing was loaded
