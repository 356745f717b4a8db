"""Render an ``Organisation`` as recorded GitHub, Jira and MLflow API responses (cassettes).

Why: the loaders must run the very same client and parsing code on the demo as on the live
systems, so the demo is not a set of tables but the HTTP conversation the loaders would have:
for every request the client will send (endpoints, page sizes, page tokens and URLs exactly as
in docs/data-contracts.md section 2), the response the live API would give, with its status,
headers (``Date`` = ``org.as_of``, ``Link``, rate-limit headers) and body shaped as the API
shapes it (GitHub REST 2022-11-28, Jira Cloud REST v3 with Atlassian Document Format, MLflow
REST 2.0 with epoch-millisecond times). ``ingest.replay`` serves the result.

Everything is deterministic: ids come from the scenario or are allocated in scenario order,
opaque tokens are derived from hashes, and dict order is fixed by this code, so the same
organisation always gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import struct
import subprocess
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests

from ingest.demo.model import (
    Commit,
    Deployment,
    GitHubIssue,
    JiraIssue,
    MlflowRun,
    ModelVersion,
    Organisation,
    Person,
    PullRequest,
    Release,
    Repo,
)

log = logging.getLogger(__name__)

GITHUB_PAGE_SIZE = 100
JIRA_PAGE_SIZE = 100
MLFLOW_PAGE_SIZE = 1000

GITHUB_FILE = "github.jsonl"
JIRA_FILE = "jira.jsonl"
MLFLOW_FILE = "mlflow.jsonl"
SOURCES_FILE = "sources.json"

RATE_LIMIT = 5000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_T = TypeVar("_T")


class _InRepo(Protocol):
    @property
    def repo(self) -> str: ...


_R = TypeVar("_R", bound=_InRepo)

Entry = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Shared helpers


def http_date(at: datetime) -> str:
    """An RFC 7231 date (``Thu, 30 Apr 2026 18:00:00 GMT``) as servers send in ``Date``."""
    return format_datetime(at.astimezone(timezone.utc), usegmt=True)


def github_time(at: datetime) -> str:
    """GitHub's ISO 8601 UTC form: ``2025-06-03T09:15:00Z``."""
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def jira_time(at: datetime) -> str:
    """Jira's form, in the datetime's own offset: ``2025-06-03T09:15:00.000+0100``."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}" + at.strftime("%z")


def epoch_ms(at: datetime) -> int:
    """Milliseconds since the epoch, computed exactly (no float rounding)."""
    return (at - _EPOCH) // timedelta(milliseconds=1)


def client_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The URL exactly as ``requests`` sends it for ``url`` with ``params`` (order kept)."""
    prepared = requests.Request("GET", url, params=dict(params or {})).prepare()
    return prepared.url or url


def _with_param(url: str, name: str, value: Any) -> str:
    return client_url(url, {name: value})


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _stable_int(low: int, span: int, *parts: object) -> int:
    """A deterministic integer in [low, low + span) for ids that the scenario leaves implicit."""
    return low + int(_digest(*parts)[:15], 16) % span


def _node_id(prefix: str, number: int) -> str:
    return prefix + "_kwDO" + base64.b64encode(struct.pack(">Q", number)).decode("ascii").rstrip("=")


def _chunks(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    """Pages of ``items``; an empty list is still one (empty) page, as APIs answer."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [items[:0]]


def _compact(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _entry(method: str, url: str, json_body: Any, status: int, headers: dict[str, str], body: Any) -> Entry:
    return {
        "request": {"method": method, "url": url, "json": json_body},
        "response": {"status": status, "headers": headers, "body": body},
    }


def _write_jsonl(path: Path, entries: Iterable[Entry]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            count += 1
    return count


class _Scenario:
    """Look-ups into the organisation with errors that name the missing key."""

    def __init__(self, org: Organisation, shas: Mapping[str, Mapping[str, str]]) -> None:
        self.org = org
        self.shas = shas
        self.people = {p.key: p for p in org.people}
        self.repos: dict[str, Repo] = {}
        for repo in org.repos:
            self.repos[repo.name] = repo
            self.repos[repo.github_full_name] = repo
        self.commits = {(r.name, c.key): c for r in org.repos for c in r.commits}

    def person(self, key: str) -> Person:
        try:
            return self.people[key]
        except KeyError:
            raise KeyError(f"unknown person {key!r} in organisation {self.org.name!r}") from None

    def repo(self, name: str) -> Repo:
        try:
            return self.repos[name]
        except KeyError:
            raise KeyError(f"unknown repository {name!r} in organisation {self.org.name!r}") from None

    def commit(self, repo: Repo, key: str) -> Commit:
        try:
            return self.commits[(repo.name, key)]
        except KeyError:
            raise KeyError(f"unknown commit {key!r} in repository {repo.name!r}") from None

    def sha(self, repo: Repo, key: str) -> str:
        try:
            return self.shas[repo.name][key]
        except KeyError:
            raise KeyError(f"no sha for commit {key!r} of repository {repo.name!r}") from None


def read_tree_shas(git_dir: Path) -> dict[str, str]:
    """Commit sha -> tree sha of a written repository, or {} when it is not there.

    GitHub's commit objects carry their tree; the pages writer gets only commit shas, so it reads
    the trees from the repository written beside the recordings (``<out_dir>/git/<name>``).
    """
    if not (git_dir / "HEAD").exists() and not (git_dir / ".git").exists():
        return {}
    try:
        listing = subprocess.run(
            ["git", "--git-dir", str(git_dir), "cat-file", "--batch-all-objects",
             "--batch-check=%(objectname) %(objecttype)"],
            capture_output=True, check=True, text=True,
        ).stdout
        commits = [line.split()[0] for line in listing.splitlines() if line.endswith(" commit")]
        if not commits:
            return {}
        output = subprocess.run(
            ["git", "--git-dir", str(git_dir), "log", "--no-walk=unsorted", "--stdin", "--format=%H %T"],
            input="\n".join(commits) + "\n", capture_output=True, check=True, text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        log.warning("could not read trees of %s (%s); commit pages will omit them", git_dir, exc)
        return {}
    return dict(line.split() for line in output.splitlines() if line.strip())


# ---------------------------------------------------------------------------------------------
# GitHub REST (2022-11-28)


class GitHubPages:
    """The GitHub REST responses of an organisation, one list endpoint page per entry."""

    def __init__(self, scenario: _Scenario, trees: Mapping[str, Mapping[str, str]]) -> None:
        self.s = scenario
        self.org = scenario.org
        self.api = self.org.github_base_url.rstrip("/")
        self.html = _github_html_base(self.api)
        self.trees = trees
        self.date = http_date(self.org.as_of)
        self.reset_epoch = int((self.org.as_of + timedelta(hours=1)).timestamp())
        self.requests_made = 0
        self._allocate_ids()

    # -- ids the scenario leaves implicit, allocated in scenario order (so: deterministic)
    def _allocate_ids(self) -> None:
        self.pr_ids = {
            (self.s.repo(pr.repo).name, pr.number): 1_800_000_000 + i
            for i, pr in enumerate(self.org.pull_requests)
        }
        self.review_ids = self._sequential_review_ids()
        issue_like: list[tuple[datetime, str, int]] = [
            (i.created_at, self.s.repo(i.repo).name, i.number) for i in self.org.github_issues
        ] + [(pr.opened_at, self.s.repo(pr.repo).name, pr.number) for pr in self.org.pull_requests]
        numbers = [(repo, number) for _, repo, number in issue_like]
        clashes = sorted({n for n in numbers if numbers.count(n) > 1}) if len(set(numbers)) < len(numbers) else []
        if clashes:  # GitHub numbers issues and pull requests of a repository from one sequence
            raise ValueError(f"issue/pull request numbers used twice in a repository: {clashes}")
        self.issue_ids = {
            (repo, number): 2_300_000_000 + i
            for i, (_, repo, number) in enumerate(sorted(issue_like, key=lambda t: (t[0], t[1], t[2])))
        }
        counter = 0
        self.status_ids: dict[tuple[int, int], int] = {}
        for dep in self.org.deployments:
            for j in range(len(dep.statuses)):
                self.status_ids[(dep.id, j)] = 4_000_000_000 + counter
                counter += 1

    def _sequential_review_ids(self) -> dict[tuple[str, int, int], int]:
        ids: dict[tuple[str, int, int], int] = {}
        for pr in self.org.pull_requests:
            for j in range(len(pr.reviews)):
                ids[(self.s.repo(pr.repo).name, pr.number, j)] = 2_500_000_000 + len(ids)
        return ids

    # -- HTTP framing
    def _headers(self, body: Any, link: str | None) -> dict[str, str]:
        self.requests_made += 1
        remaining = RATE_LIMIT - 1 - (self.requests_made - 1) % RATE_LIMIT
        headers = {
            "Server": "github.com",
            "Date": self.date,
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "private, max-age=60, s-maxage=60",
            "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP,Accept-Encoding, Accept, X-Requested-With",
            "ETag": 'W/"' + hashlib.sha256(_compact(body)).hexdigest() + '"',
            "X-OAuth-Scopes": "read:org, repo",
            "X-Accepted-OAuth-Scopes": "repo",
            "X-GitHub-Media-Type": "github.v3; format=json",
        }
        if link:
            headers["Link"] = link
        headers.update(
            {
                "X-GitHub-Api-Version-Selected": "2022-11-28",
                "X-RateLimit-Limit": str(RATE_LIMIT),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(self.reset_epoch),
                "X-RateLimit-Used": str(RATE_LIMIT - remaining),
                "X-RateLimit-Resource": "core",
                "Access-Control-Expose-Headers": (
                    "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, "
                    "X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, "
                    "X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, "
                    "X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset"
                ),
                "Access-Control-Allow-Origin": "*",
                "Strict-Transport-Security": "max-age=31536000; includeSubdomains; preload",
                "X-Frame-Options": "deny",
                "X-Content-Type-Options": "nosniff",
                "X-XSS-Protection": "0",
                "Referrer-Policy": "origin-when-cross-origin, strict-origin-when-cross-origin",
                "Content-Security-Policy": "default-src 'none'",
                "X-GitHub-Request-Id": self._request_id(),
            }
        )
        return headers

    def _request_id(self) -> str:
        d = _digest(self.org.name, "github", self.requests_made).upper()
        return f"{d[0:4]}:{d[4:9]}:{d[9:16]}:{d[16:23]}:{d[23:31]}"

    def _paged(self, path: str, params: Mapping[str, Any], items: Sequence[Any]) -> Iterator[Entry]:
        """The pages of a list endpoint with GitHub's ``Link`` header (prev, next, last, first)."""
        first = client_url(self.api + path, params)
        pages = _chunks(items, GITHUB_PAGE_SIZE)
        last = len(pages)

        def page_url(n: int) -> str:
            return _with_param(first, "page", n)

        for n, page in enumerate(pages, start=1):
            links: list[str] = []
            if n > 1:
                links.append(f'<{page_url(n - 1)}>; rel="prev"')
            if n < last:
                links.append(f'<{page_url(n + 1)}>; rel="next"')
                links.append(f'<{page_url(last)}>; rel="last"')
            if n > 1:
                links.append(f'<{page_url(1)}>; rel="first"')
            body = list(page)
            url = first if n == 1 else page_url(n)
            yield _entry("GET", url, None, 200, self._headers(body, ", ".join(links) or None), body)

    # -- objects
    def user(self, person: Person) -> dict[str, Any]:
        uid = _stable_int(10_000_000, 150_000_000, "github-user", person.login)
        api_user = f"{self.api}/users/{person.login}"
        return {
            "login": person.login,
            "id": uid,
            "node_id": _node_id("U", uid),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "gravatar_id": "",
            "url": api_user,
            "html_url": f"{self.html}/{person.login}",
            "followers_url": f"{api_user}/followers",
            "following_url": f"{api_user}/following{{/other_user}}",
            "gists_url": f"{api_user}/gists{{/gist_id}}",
            "starred_url": f"{api_user}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api_user}/subscriptions",
            "organizations_url": f"{api_user}/orgs",
            "repos_url": f"{api_user}/repos",
            "events_url": f"{api_user}/events{{/privacy}}",
            "received_events_url": f"{api_user}/received_events",
            "type": "User",
            "user_view_type": "public",
            "site_admin": False,
        }

    def owner(self, login: str) -> dict[str, Any]:
        oid = _stable_int(10_000_000, 150_000_000, "github-org", login)
        api_user = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": oid,
            "node_id": _node_id("O", oid),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{oid}?v=4",
            "gravatar_id": "",
            "url": api_user,
            "html_url": f"{self.html}/{login}",
            "repos_url": f"{api_user}/repos",
            "events_url": f"{api_user}/events{{/privacy}}",
            "type": "Organization",
            "user_view_type": "public",
            "site_admin": False,
        }

    def repository(self, repo: Repo) -> dict[str, Any]:
        full = repo.github_full_name
        owner_login, _, name = full.partition("/")
        rid = _stable_int(300_000_000, 700_000_000, "github-repo", full)
        api_repo = f"{self.api}/repos/{full}"
        return {
            "id": rid,
            "node_id": _node_id("R", rid),
            "name": name,
            "full_name": full,
            "private": True,
            "owner": self.owner(owner_login),
            "html_url": f"{self.html}/{full}",
            "description": None,
            "fork": False,
            "url": api_repo,
            "pulls_url": f"{api_repo}/pulls{{/number}}",
            "issues_url": f"{api_repo}/issues{{/number}}",
            "deployments_url": f"{api_repo}/deployments",
            "releases_url": f"{api_repo}/releases{{/id}}",
            "git_url": f"git://{urlsplit(self.html).netloc}/{full}.git",
            "ssh_url": f"git@{urlsplit(self.html).netloc}:{full}.git",
            "clone_url": f"{self.html}/{full}.git",
            "visibility": "private",
            "default_branch": repo.default_branch,
        }

    def label(self, name: str) -> dict[str, Any]:
        lid = _stable_int(5_000_000_000, 2_000_000_000, "github-label", name)
        return {
            "id": lid,
            "node_id": _node_id("LA", lid),
            "url": f"{self.api}/labels/{name}",
            "name": name,
            "color": _digest("label-color", name)[:6],
            "default": name in {"bug", "documentation", "enhancement"},
            "description": None,
        }

    def _pr_updated_at(self, pr: PullRequest) -> datetime:
        moments = [pr.opened_at] + [r.submitted_at for r in pr.reviews]
        moments += [t for t in (pr.merged_at, pr.closed_at) if t is not None]
        return max(moments)

    def _pr_base_sha(self, repo: Repo, pr: PullRequest) -> str | None:
        if pr.merge_commit:
            merge = self.s.commit(repo, pr.merge_commit)
            if merge.parents:
                return self.s.sha(repo, merge.parents[0])
        if pr.commits:
            first = self.s.commit(repo, pr.commits[0])
            if first.parents:
                return self.s.sha(repo, first.parents[0])
        tip = repo.branches.get(repo.default_branch)
        return self.s.sha(repo, tip) if tip else None

    def pull_request(self, pr: PullRequest) -> dict[str, Any]:
        repo = self.s.repo(pr.repo)
        full = repo.github_full_name
        owner_login = full.partition("/")[0]
        api_repo = f"{self.api}/repos/{full}"
        pid = self.pr_ids[(repo.name, pr.number)]
        head_sha = self.s.sha(repo, pr.commits[-1]) if pr.commits else self._pr_base_sha(repo, pr)
        closed_at = pr.closed_at or pr.merged_at
        repo_obj = self.repository(repo)
        owner_obj = self.owner(owner_login)
        return {
            "url": f"{api_repo}/pulls/{pr.number}",
            "id": pid,
            "node_id": _node_id("PR", pid),
            "html_url": f"{self.html}/{full}/pull/{pr.number}",
            "diff_url": f"{self.html}/{full}/pull/{pr.number}.diff",
            "patch_url": f"{self.html}/{full}/pull/{pr.number}.patch",
            "issue_url": f"{api_repo}/issues/{pr.number}",
            "number": pr.number,
            "state": "closed" if closed_at else "open",
            "locked": False,
            "title": pr.title,
            "user": self.user(self.s.person(pr.author)),
            "body": pr.body or None,
            "created_at": github_time(pr.opened_at),
            "updated_at": github_time(self._pr_updated_at(pr)),
            "closed_at": github_time(closed_at) if closed_at else None,
            "merged_at": github_time(pr.merged_at) if pr.merged_at else None,
            "merge_commit_sha": self.s.sha(repo, pr.merge_commit) if pr.merge_commit else None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [self.label(name) for name in pr.labels],
            "milestone": None,
            "draft": False,
            "commits_url": f"{api_repo}/pulls/{pr.number}/commits",
            "review_comments_url": f"{api_repo}/pulls/{pr.number}/comments",
            "review_comment_url": f"{api_repo}/pulls/comments{{/number}}",
            "comments_url": f"{api_repo}/issues/{pr.number}/comments",
            "statuses_url": f"{api_repo}/statuses/{head_sha}",
            "head": {
                "label": f"{owner_login}:{pr.head_branch}",
                "ref": pr.head_branch,
                "sha": head_sha,
                "user": owner_obj,
                "repo": repo_obj,
            },
            "base": {
                "label": f"{owner_login}:{repo.default_branch}",
                "ref": repo.default_branch,
                "sha": self._pr_base_sha(repo, pr),
                "user": owner_obj,
                "repo": repo_obj,
            },
            "_links": {
                "self": {"href": f"{api_repo}/pulls/{pr.number}"},
                "html": {"href": f"{self.html}/{full}/pull/{pr.number}"},
                "issue": {"href": f"{api_repo}/issues/{pr.number}"},
                "comments": {"href": f"{api_repo}/issues/{pr.number}/comments"},
                "review_comments": {"href": f"{api_repo}/pulls/{pr.number}/comments"},
                "review_comment": {"href": f"{api_repo}/pulls/comments{{/number}}"},
                "commits": {"href": f"{api_repo}/pulls/{pr.number}/commits"},
                "statuses": {"href": f"{api_repo}/statuses/{head_sha}"},
            },
            "author_association": "MEMBER",
            "auto_merge": None,
            "active_lock_reason": None,
        }

    def pr_commit(self, repo: Repo, key: str) -> dict[str, Any]:
        commit = self.s.commit(repo, key)
        sha = self.s.sha(repo, key)
        full = repo.github_full_name
        author = self.s.person(commit.author)
        committer = self.s.person(commit.committer or commit.author)
        committed_at = commit.committed_at or commit.authored_at
        git_commit: dict[str, Any] = {
            "author": {"name": author.name, "email": author.email, "date": github_time(commit.authored_at)},
            "committer": {"name": committer.name, "email": committer.email, "date": github_time(committed_at)},
            "message": commit.message.rstrip("\n"),
        }
        tree = self.trees.get(repo.name, {}).get(sha)
        if tree:
            git_commit["tree"] = {"sha": tree, "url": f"{self.api}/repos/{full}/git/trees/{tree}"}
        git_commit.update(
            {
                "url": f"{self.api}/repos/{full}/git/commits/{sha}",
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            }
        )
        return {
            "sha": sha,
            "node_id": "C_kwDO" + base64.b64encode(bytes.fromhex(sha)[:12]).decode("ascii"),
            "commit": git_commit,
            "url": f"{self.api}/repos/{full}/commits/{sha}",
            "html_url": f"{self.html}/{full}/commit/{sha}",
            "comments_url": f"{self.api}/repos/{full}/commits/{sha}/comments",
            "author": self.user(author),
            "committer": self.user(committer),
            "parents": [
                {
                    "sha": (psha := self.s.sha(repo, parent)),
                    "url": f"{self.api}/repos/{full}/commits/{psha}",
                    "html_url": f"{self.html}/{full}/commit/{psha}",
                }
                for parent in commit.parents
            ],
        }

    def review(self, pr: PullRequest, index: int) -> dict[str, Any]:
        repo = self.s.repo(pr.repo)
        full = repo.github_full_name
        review = pr.reviews[index]
        rid = self.review_ids[(repo.name, pr.number, index)]
        # the head the reviewer saw: the last PR commit committed by then (else the first)
        seen = [k for k in pr.commits
                if ((c := self.s.commit(repo, k)).committed_at or c.authored_at) <= review.submitted_at]
        head_key = (seen[-1] if seen else pr.commits[0]) if pr.commits else None
        return {
            "id": rid,
            "node_id": _node_id("PRR", rid),
            "user": self.user(self.s.person(review.reviewer)),
            "body": "",
            "state": review.state,
            "html_url": f"{self.html}/{full}/pull/{pr.number}#pullrequestreview-{rid}",
            "pull_request_url": f"{self.api}/repos/{full}/pulls/{pr.number}",
            "author_association": "MEMBER",
            "_links": {
                "html": {"href": f"{self.html}/{full}/pull/{pr.number}#pullrequestreview-{rid}"},
                "pull_request": {"href": f"{self.api}/repos/{full}/pulls/{pr.number}"},
            },
            "submitted_at": github_time(review.submitted_at),
            "commit_id": self.s.sha(repo, head_key) if head_key else None,
        }

    def deployment(self, dep: Deployment) -> dict[str, Any]:
        repo = self.s.repo(dep.repo)
        full = repo.github_full_name
        api_dep = f"{self.api}/repos/{full}/deployments/{dep.id}"
        payload: dict[str, Any] = {}
        if dep.model_name is not None:
            payload["model_name"] = dep.model_name
        if dep.model_version is not None:
            payload["model_version"] = dep.model_version
        payload.update(dep.payload_extra)
        updated = max([dep.created_at] + [s.at for s in dep.statuses])
        return {
            "url": api_dep,
            "id": dep.id,
            "node_id": _node_id("DE", dep.id),
            "task": dep.task,
            "original_environment": dep.environment,
            "environment": dep.environment,
            "description": dep.description or None,
            "created_at": github_time(dep.created_at),
            "updated_at": github_time(updated),
            "statuses_url": f"{api_dep}/statuses",
            "repository_url": f"{self.api}/repos/{full}",
            "creator": self.user(self.s.person(dep.creator)),
            "sha": self.s.sha(repo, dep.commit),
            "ref": dep.ref,
            "payload": payload,
            "transient_environment": False,
            "production_environment": dep.environment == "production",
            "performed_via_github_app": None,
        }

    def deployment_status(self, dep: Deployment, index: int) -> dict[str, Any]:
        repo = self.s.repo(dep.repo)
        full = repo.github_full_name
        status = dep.statuses[index]
        sid = self.status_ids[(dep.id, index)]
        api_dep = f"{self.api}/repos/{full}/deployments/{dep.id}"
        return {
            "url": f"{api_dep}/statuses/{sid}",
            "id": sid,
            "node_id": _node_id("DES", sid),
            "state": status.state,
            "creator": self.user(self.s.person(dep.creator)),
            "description": "",
            "environment": dep.environment,
            "target_url": "",
            "created_at": github_time(status.at),
            "updated_at": github_time(status.at),
            "deployment_url": api_dep,
            "repository_url": f"{self.api}/repos/{full}",
            "environment_url": "",
            "log_url": "",
            "performed_via_github_app": None,
        }

    def issue(self, item: GitHubIssue | PullRequest) -> dict[str, Any]:
        """An issues-endpoint item: a plain issue, or a pull request seen as an issue."""
        repo = self.s.repo(item.repo)
        full = repo.github_full_name
        api_issue = f"{self.api}/repos/{full}/issues/{item.number}"
        is_pr = isinstance(item, PullRequest)
        iid = self.issue_ids[(repo.name, item.number)]
        merged_at: datetime | None = None
        if isinstance(item, PullRequest):
            merged_at = item.merged_at
            created, closed = item.opened_at, item.closed_at or item.merged_at
            updated = self._pr_updated_at(item)
            html_url = f"{self.html}/{full}/pull/{item.number}"
        else:
            created, closed = item.created_at, item.closed_at
            updated = closed or created
            html_url = f"{self.html}/{full}/issues/{item.number}"
        obj: dict[str, Any] = {
            "url": api_issue,
            "repository_url": f"{self.api}/repos/{full}",
            "labels_url": f"{api_issue}/labels{{/name}}",
            "comments_url": f"{api_issue}/comments",
            "events_url": f"{api_issue}/events",
            "html_url": html_url,
            "id": iid,
            # a pull request's issue shares the pull request's node id
            "node_id": _node_id("PR", self.pr_ids[(repo.name, item.number)]) if is_pr else _node_id("I", iid),
            "number": item.number,
            "title": item.title,
            "user": self.user(self.s.person(item.author)),
            "labels": [self.label(name) for name in item.labels],
            "state": "closed" if closed else "open",
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 0,
            "created_at": github_time(created),
            "updated_at": github_time(updated),
            "closed_at": github_time(closed) if closed else None,
            "author_association": "MEMBER",
            "type": None,
            "active_lock_reason": None,
        }
        if is_pr:
            obj["draft"] = False
            obj["pull_request"] = {
                "url": f"{self.api}/repos/{full}/pulls/{item.number}",
                "html_url": html_url,
                "diff_url": f"{html_url}.diff",
                "patch_url": f"{html_url}.patch",
                "merged_at": github_time(merged_at) if merged_at else None,
            }
        obj.update(
            {
                "body": item.body or None,
                "reactions": {
                    "url": f"{api_issue}/reactions",
                    "total_count": 0,
                    "+1": 0,
                    "-1": 0,
                    "laugh": 0,
                    "hooray": 0,
                    "confused": 0,
                    "heart": 0,
                    "rocket": 0,
                    "eyes": 0,
                },
                "timeline_url": f"{api_issue}/timeline",
                "performed_via_github_app": None,
                "state_reason": ("completed" if closed else None) if not is_pr else None,
            }
        )
        return obj

    def release(self, rel: Release) -> dict[str, Any]:
        repo = self.s.repo(rel.repo)
        full = repo.github_full_name
        api_rel = f"{self.api}/repos/{full}/releases/{rel.id}"
        return {
            "url": api_rel,
            "assets_url": f"{api_rel}/assets",
            "upload_url": (f"https://uploads.{urlsplit(self.html).netloc}/repos/{full}/releases/{rel.id}"
                           "/assets{?name,label}"),
            "html_url": f"{self.html}/{full}/releases/tag/{rel.tag_name}",
            "id": rel.id,
            "author": self.user(self.s.person(rel.author)),
            "node_id": _node_id("RE", rel.id),
            "tag_name": rel.tag_name,
            "target_commitish": self.s.sha(repo, rel.target_commit),
            "name": rel.tag_name,
            "draft": False,
            "immutable": False,
            "prerelease": False,
            "created_at": github_time(rel.created_at),
            "published_at": github_time(rel.published_at),
            "assets": [],
            "tarball_url": f"{self.api}/repos/{full}/tarball/{rel.tag_name}",
            "zipball_url": f"{self.api}/repos/{full}/zipball/{rel.tag_name}",
            "body": None,
        }

    # -- endpoints
    def entries(self) -> Iterator[Entry]:
        for repo in self.org.repos:
            yield from self._repo_entries(repo)

    def _of_repo(self, repo: Repo, items: Iterable[_R]) -> list[_R]:
        return [i for i in items if self.s.repo(i.repo).name == repo.name]

    def _repo_entries(self, repo: Repo) -> Iterator[Entry]:
        base = f"/repos/{repo.github_full_name}"
        prs = sorted(self._of_repo(repo, self.org.pull_requests), key=lambda p: (p.opened_at, p.number))
        yield from self._paged(
            f"{base}/pulls",
            {"state": "all", "sort": "created", "direction": "asc", "per_page": GITHUB_PAGE_SIZE},
            [self.pull_request(pr) for pr in prs],
        )
        for pr in prs:
            yield from self._paged(
                f"{base}/pulls/{pr.number}/commits",
                {"per_page": GITHUB_PAGE_SIZE},
                [self.pr_commit(repo, key) for key in pr.commits],
            )
            yield from self._paged(
                f"{base}/pulls/{pr.number}/reviews",
                {"per_page": GITHUB_PAGE_SIZE},
                [self.review(pr, j) for j in range(len(pr.reviews))],
            )
        # the API lists deployments, issues and releases newest first
        deps = sorted(self._of_repo(repo, self.org.deployments), key=lambda d: (d.created_at, d.id), reverse=True)
        yield from self._paged(f"{base}/deployments", {"per_page": GITHUB_PAGE_SIZE},
                               [self.deployment(d) for d in deps])
        for dep in deps:
            order = sorted(range(len(dep.statuses)), key=lambda j: (dep.statuses[j].at, j), reverse=True)
            yield from self._paged(
                f"{base}/deployments/{dep.id}/statuses",
                {"per_page": GITHUB_PAGE_SIZE},
                [self.deployment_status(dep, j) for j in order],
            )
        issues: list[GitHubIssue | PullRequest] = [*self._of_repo(repo, self.org.github_issues), *prs]
        issues.sort(key=lambda i: (i.created_at if isinstance(i, GitHubIssue) else i.opened_at, i.number),
                    reverse=True)
        yield from self._paged(f"{base}/issues", {"state": "all", "per_page": GITHUB_PAGE_SIZE},
                               [self.issue(i) for i in issues])
        releases = sorted(self._of_repo(repo, self.org.releases), key=lambda r: (r.created_at, r.id), reverse=True)
        yield from self._paged(f"{base}/releases", {"per_page": GITHUB_PAGE_SIZE},
                               [self.release(r) for r in releases])


def _github_html_base(api: str) -> str:
    """``https://github.com`` for api.github.com; ``https://host`` for GitHub Enterprise."""
    parts = urlsplit(api)
    if parts.netloc.startswith("api."):
        return f"{parts.scheme}://{parts.netloc[4:]}"
    return f"{parts.scheme}://{parts.netloc}"


# ---------------------------------------------------------------------------------------------
# Jira Cloud REST v3

# name -> (id, statusCategory key); other names get ids from 10100 in sorted order
_JIRA_STATUSES: dict[str, tuple[str, str]] = {
    "Open": ("1", "new"),
    "In Progress": ("3", "indeterminate"),
    "Reopened": ("4", "new"),
    "Resolved": ("5", "done"),
    "Closed": ("6", "done"),
    "To Do": ("10000", "new"),
    "Done": ("10001", "done"),
    "Backlog": ("10002", "new"),
    "Selected for Development": ("10003", "new"),
    "In Review": ("10004", "indeterminate"),
    "Cancelled": ("10005", "done"),
}
_JIRA_CATEGORIES: dict[str, tuple[int, str, str]] = {
    "new": (2, "blue-gray", "To Do"),
    "indeterminate": (4, "yellow", "In Progress"),
    "done": (3, "green", "Done"),
}
_DONE_WORDS = {"done", "closed", "resolved", "cancelled", "canceled", "won't do", "wont do", "rejected",
               "released", "deployed", "declined"}
_NEW_WORDS = {"to do", "todo", "open", "backlog", "new", "selected for development", "reopened"}
_JIRA_ISSUE_TYPES: dict[str, tuple[str, int]] = {
    "Epic": ("10000", 1),
    "Story": ("10001", 0),
    "Task": ("10002", 0),
    "Bug": ("10003", 0),
    "Incident": ("10004", 0),
    "Subtask": ("10005", -1),
}
_JIRA_PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}


def jira_account_id(login: str) -> str:
    """A Jira Cloud accountId (``712020:<uuid>``) derived from the person's login."""
    return "712020:" + str(uuid.UUID(hex=_digest("jira-account", login)[:32]))


def adf_document(text: str) -> dict[str, Any] | None:
    """Plain text as an Atlassian Document Format doc: a paragraph per blank-line block,
    ``hardBreak`` between its lines; None for no text (Jira's empty description)."""
    if not text.strip():
        return None
    content: list[dict[str, Any]] = []
    for block in text.split("\n\n"):
        nodes: list[dict[str, Any]] = []
        for i, line in enumerate(block.split("\n")):
            if i:
                nodes.append({"type": "hardBreak"})
            if line:
                nodes.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": nodes} if nodes else {"type": "paragraph"})
    return {"type": "doc", "version": 1, "content": content}


class JiraPages:
    """Jira search (enhanced, token-paged) and per-issue changelog (offset-paged) responses."""

    def __init__(self, scenario: _Scenario) -> None:
        self.s = scenario
        self.org = scenario.org
        self.base = self.org.jira_base_url.rstrip("/")
        self.date = http_date(self.org.as_of)
        self.requests_made = 0
        keys = {issue.project_key for issue in self.org.jira_issues}
        for project in self.org.catalog:
            keys.update(project.jira_projects)
            keys.update(k.split("-")[0] for k in project.kickoff_keys)
        self.project_keys = sorted(keys)
        self.project_ids = {key: str(10000 + i) for i, key in enumerate(self.project_keys)}
        self.project_names: dict[str, str] = {}
        for project in self.org.catalog:
            for key in project.jira_projects:
                self.project_names.setdefault(key, project.project_name)
        names = {i.status for i in self.org.jira_issues}
        names |= {n for i in self.org.jira_issues for t in i.transitions for n in (t.from_status, t.to_status)}
        extra = sorted(n for n in names if n not in _JIRA_STATUSES)
        self.statuses = dict(_JIRA_STATUSES)
        self.statuses.update({n: (str(10100 + i), _status_category(n)) for i, n in enumerate(extra)})
        types = sorted({i.issue_type for i in self.org.jira_issues} - set(_JIRA_ISSUE_TYPES))
        self.issue_types = dict(_JIRA_ISSUE_TYPES)
        self.issue_types.update({t: (str(10100 + i), 0) for i, t in enumerate(types)})
        prios = sorted({i.priority for i in self.org.jira_issues} - set(_JIRA_PRIORITIES))
        self.priorities = dict(_JIRA_PRIORITIES)
        self.priorities.update({p: str(10000 + i) for i, p in enumerate(prios)})
        counter = 0
        self.history_ids: dict[tuple[str, int], str] = {}
        for issue in self.org.jira_issues:
            for j in range(len(issue.transitions)):
                self.history_ids[(issue.key, j)] = str(10000 + counter)
                counter += 1

    def _headers(self) -> dict[str, str]:
        self.requests_made += 1
        rid = _digest(self.org.name, "jira", self.requests_made)
        return {
            "Date": self.date,
            "Content-Type": "application/json;charset=UTF-8",
            "Server": "AtlassianEdge",
            "Timing-Allow-Origin": "*",
            "X-Arequestid": rid[:32],
            "Cache-Control": "no-cache, no-store, no-transform",
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
            "X-Xss-Protection": "1; mode=block",
            "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
            "Atl-Traceid": rid[32:64],
        }

    # -- objects
    def user(self, person: Person) -> dict[str, Any]:
        account = jira_account_id(person.login)
        avatar = f"https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/{account}/default.png"
        return {
            "self": f"{self.base}/rest/api/3/user?accountId={account}",
            "accountId": account,
            "emailAddress": person.email,
            "avatarUrls": {size: avatar for size in ("48x48", "24x24", "16x16", "32x32")},
            "displayName": person.name,
            "active": True,
            "timeZone": "Etc/UTC",
            "accountType": "atlassian",
        }

    def status(self, name: str) -> dict[str, Any]:
        sid, category = self.statuses[name]
        cid, color, cname = _JIRA_CATEGORIES[category]
        return {
            "self": f"{self.base}/rest/api/3/status/{sid}",
            "description": "",
            "iconUrl": f"{self.base}/",
            "name": name,
            "id": sid,
            "statusCategory": {
                "self": f"{self.base}/rest/api/3/statuscategory/{cid}",
                "id": cid,
                "key": category,
                "colorName": color,
                "name": cname,
            },
        }

    def project(self, key: str) -> dict[str, Any]:
        pid = self.project_ids[key]
        return {
            "self": f"{self.base}/rest/api/3/project/{pid}",
            "id": pid,
            "key": key,
            "name": self.project_names.get(key, key),
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": {
                size: f"{self.base}/rest/api/3/universal_avatar/view/type/project/avatar/10400"
                for size in ("48x48", "24x24", "16x16", "32x32")
            },
        }

    def _updated(self, issue: JiraIssue) -> datetime:
        moments = [issue.created_at] + [t.at for t in issue.transitions]
        if issue.resolved_at:
            moments.append(issue.resolved_at)
        return max(moments)

    def issue(self, issue: JiraIssue) -> dict[str, Any]:
        type_id, level = self.issue_types[issue.issue_type]
        reporter = self.user(self.s.person(issue.reporter))
        category_changes = [t.at for t in issue.transitions
                            if self.statuses[t.from_status][1] != self.statuses[t.to_status][1]]
        resolution = None
        if issue.resolved_at:
            resolution = {
                "self": f"{self.base}/rest/api/3/resolution/10000",
                "id": "10000",
                "description": "Work has been done on this issue.",
                "name": "Done",
            }
        prio = self.priorities[issue.priority]
        return {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": str(issue.id),
            "self": f"{self.base}/rest/api/3/issue/{issue.id}",
            "key": issue.key,
            "fields": {
                "statuscategorychangedate": jira_time(max(category_changes, default=issue.created_at)),
                "issuetype": {
                    "self": f"{self.base}/rest/api/3/issuetype/{type_id}",
                    "id": type_id,
                    "description": "",
                    "iconUrl": f"{self.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/10300?size=medium",
                    "name": issue.issue_type,
                    "subtask": level < 0,
                    "avatarId": 10300,
                    "hierarchyLevel": level,
                },
                "project": self.project(issue.project_key),
                "resolution": resolution,
                "resolutiondate": jira_time(issue.resolved_at) if issue.resolved_at else None,
                "created": jira_time(issue.created_at),
                "priority": {
                    "self": f"{self.base}/rest/api/3/priority/{prio}",
                    "iconUrl": f"{self.base}/images/icons/priorities/{issue.priority.lower()}.svg",
                    "name": issue.priority,
                    "id": prio,
                },
                "labels": list(issue.labels),
                "assignee": None,
                "updated": jira_time(self._updated(issue)),
                "status": self.status(issue.status),
                "components": [],
                "fixVersions": [],
                "description": adf_document(issue.description),
                "summary": issue.summary,
                "creator": reporter,
                "reporter": reporter,
                "duedate": None,
                "subtasks": [],
            },
        }

    def history(self, issue: JiraIssue, index: int) -> dict[str, Any]:
        t = issue.transitions[index]
        return {
            "id": self.history_ids[(issue.key, index)],
            "author": self.user(self.s.person(t.author)),
            "created": jira_time(t.at),
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": self.statuses[t.from_status][0],
                    "fromString": t.from_status,
                    "to": self.statuses[t.to_status][0],
                    "toString": t.to_status,
                }
            ],
        }

    # -- endpoints
    def _page_token(self, jql: str, offset: int) -> str:
        raw = f"jql={_digest(jql)[:16]}&offset={offset}".encode("ascii")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def entries(self) -> Iterator[Entry]:
        jql = f"project in ({', '.join(self.project_keys)}) ORDER BY updated ASC"
        first = client_url(f"{self.base}/rest/api/3/search/jql",
                           {"jql": jql, "fields": "*all", "maxResults": JIRA_PAGE_SIZE})
        issues = sorted(self.org.jira_issues, key=lambda i: (self._updated(i), i.id))
        pages = _chunks(issues, JIRA_PAGE_SIZE)
        for n, page in enumerate(pages):
            url = first if n == 0 else _with_param(first, "nextPageToken", self._page_token(jql, n * JIRA_PAGE_SIZE))
            body: dict[str, Any] = {"issues": [self.issue(i) for i in page]}
            if n + 1 < len(pages):
                body["nextPageToken"] = self._page_token(jql, (n + 1) * JIRA_PAGE_SIZE)
            body["isLast"] = n + 1 == len(pages)
            yield _entry("GET", url, None, 200, self._headers(), body)
        for issue in self.org.jira_issues:
            yield from self._changelog(issue)

    def _changelog(self, issue: JiraIssue) -> Iterator[Entry]:
        path = f"{self.base}/rest/api/3/issue/{issue.key}/changelog"
        histories = [self.history(issue, j) for j in range(len(issue.transitions))]
        pages = _chunks(histories, JIRA_PAGE_SIZE)
        for n, page in enumerate(pages):
            start = n * JIRA_PAGE_SIZE
            is_last = n + 1 == len(pages)
            body: dict[str, Any] = {
                "self": client_url(path, {"maxResults": JIRA_PAGE_SIZE, "startAt": start}),
            }
            if not is_last:
                body["nextPage"] = client_url(path, {"maxResults": JIRA_PAGE_SIZE, "startAt": start + JIRA_PAGE_SIZE})
            body.update(
                {
                    "maxResults": JIRA_PAGE_SIZE,
                    "startAt": start,
                    "total": len(histories),
                    "isLast": is_last,
                    "values": list(page),
                }
            )
            url = client_url(path, {"startAt": start, "maxResults": JIRA_PAGE_SIZE})
            yield _entry("GET", url, None, 200, self._headers(), body)


def _status_category(name: str) -> str:
    lowered = name.strip().lower()
    if lowered in _DONE_WORDS:
        return "done"
    if lowered in _NEW_WORDS:
        return "new"
    return "indeterminate"


# ---------------------------------------------------------------------------------------------
# MLflow REST 2.0


def mlflow_page_token(offset: int) -> str:
    """MLflow's page token: base64 of ``{"offset": n}``, as its search utilities write it."""
    return base64.b64encode(json.dumps({"offset": offset}).encode("utf-8")).decode("ascii")


class MlflowPages:
    """MLflow tracking and model registry search responses (token-paged, 1000 per page)."""

    def __init__(self, scenario: _Scenario) -> None:
        self.s = scenario
        self.org = scenario.org
        self.base = self.org.mlflow_base_url.rstrip("/")
        self.date = http_date(self.org.as_of)
        self.runs_by_id = {r.run_id: r for r in self.org.runs}

    def _headers(self) -> dict[str, str]:
        return {"Server": "gunicorn", "Date": self.date, "Connection": "close", "Content-Type": "application/json"}

    # -- objects
    def experiment(self, exp_id: str) -> dict[str, Any]:
        exp = next(e for e in self.org.experiments if e.experiment_id == exp_id)
        created = epoch_ms(exp.created_at)
        return {
            "experiment_id": exp.experiment_id,
            "name": exp.name,
            "artifact_location": f"mlflow-artifacts:/{exp.experiment_id}",
            "lifecycle_stage": exp.lifecycle_stage,
            "last_update_time": created,
            "creation_time": created,
        }

    def run(self, run: MlflowRun) -> dict[str, Any]:
        user = self.s.person(run.user)
        info: dict[str, Any] = {
            "run_id": run.run_id,
            "run_uuid": run.run_id,
            "run_name": run.run_name,
            "experiment_id": run.experiment_id,
            "user_id": user.email,
            "status": run.status,
            "start_time": epoch_ms(run.start_time),
        }
        if run.end_time is not None:
            info["end_time"] = epoch_ms(run.end_time)
        info["artifact_uri"] = f"mlflow-artifacts:/{run.experiment_id}/{run.run_id}/artifacts"
        info["lifecycle_stage"] = "active"
        logged_at = epoch_ms(run.end_time or run.start_time)
        tags = {
            "mlflow.user": user.email,
            "mlflow.runName": run.run_name,
            "mlflow.source.name": "train.py",
            "mlflow.source.type": "LOCAL",
        }
        if run.git_repo:
            repo = self.s.repo(run.git_repo)
            html = _github_html_base(self.org.github_base_url)
            tags["mlflow.source.git.repoURL"] = f"{html}/{repo.github_full_name}.git"
        if run.git_commit:
            if not run.git_repo:
                raise ValueError(f"run {run.run_id} has git_commit but no git_repo")
            tags["mlflow.source.git.commit"] = self.s.sha(self.s.repo(run.git_repo), run.git_commit)
        tags.update(run.tags)
        data: dict[str, Any] = {}
        if run.metrics:
            data["metrics"] = [
                {"key": k, "value": float(v), "timestamp": logged_at, "step": 0} for k, v in run.metrics.items()
            ]
        if run.params:
            data["params"] = [{"key": k, "value": str(v)} for k, v in run.params.items()]
        data["tags"] = [{"key": k, "value": v} for k, v in sorted(tags.items())]
        return {"info": info, "data": data, "inputs": {}}

    def model_version(self, mv: ModelVersion) -> dict[str, Any]:
        created = epoch_ms(mv.created_at)
        obj: dict[str, Any] = {
            "name": mv.name,
            "version": str(mv.version),
            "creation_timestamp": created,
            "last_updated_timestamp": created,
            "current_stage": "None",
            "description": mv.description,
            "source": self._source(mv),
        }
        if mv.run_id:
            obj["run_id"] = mv.run_id
        obj["status"] = mv.status
        obj["run_link"] = ""
        aliases = [a for rm in self.org.registered_models if rm.name == mv.name
                   for a, v in sorted(rm.aliases.items()) if v == mv.version]
        if aliases:
            obj["aliases"] = aliases
        return obj

    def _source(self, mv: ModelVersion) -> str:
        run = self.runs_by_id.get(mv.run_id or "")
        if run is not None:
            return f"mlflow-artifacts:/{run.experiment_id}/{run.run_id}/artifacts/model"
        return f"models:/{mv.name}/{mv.version}"

    def registered_model(self, name: str) -> dict[str, Any]:
        rm = next(m for m in self.org.registered_models if m.name == name)
        versions = [mv for mv in self.org.model_versions if mv.name == name]
        updated = max([rm.created_at] + [mv.created_at for mv in versions])
        obj: dict[str, Any] = {
            "name": rm.name,
            "creation_timestamp": epoch_ms(rm.created_at),
            "last_updated_timestamp": epoch_ms(updated),
            "description": rm.description,
        }
        if versions:
            latest = max(versions, key=lambda mv: mv.version)
            obj["latest_versions"] = [self.model_version(latest)]
        if rm.aliases:
            obj["aliases"] = [{"alias": a, "version": str(v)} for a, v in sorted(rm.aliases.items())]
        return obj

    # -- endpoints
    def _post_pages(self, path: str, request: dict[str, Any], key: str, items: Sequence[Any]) -> Iterator[Entry]:
        pages = _chunks(items, MLFLOW_PAGE_SIZE)
        for n, page in enumerate(pages):
            json_body = dict(request)
            if n:
                json_body["page_token"] = mlflow_page_token(n * MLFLOW_PAGE_SIZE)
            body: dict[str, Any] = {key: list(page)} if page else {}
            if n + 1 < len(pages):
                body["next_page_token"] = mlflow_page_token((n + 1) * MLFLOW_PAGE_SIZE)
            yield _entry("POST", self.base + path, json_body, 200, self._headers(), body)

    def _get_pages(self, path: str, key: str, items: Sequence[Any]) -> Iterator[Entry]:
        first = client_url(self.base + path, {"max_results": MLFLOW_PAGE_SIZE})
        pages = _chunks(items, MLFLOW_PAGE_SIZE)
        for n, page in enumerate(pages):
            url = first if n == 0 else _with_param(first, "page_token", mlflow_page_token(n * MLFLOW_PAGE_SIZE))
            body: dict[str, Any] = {key: list(page)} if page else {}
            if n + 1 < len(pages):
                body["next_page_token"] = mlflow_page_token((n + 1) * MLFLOW_PAGE_SIZE)
            yield _entry("GET", url, None, 200, self._headers(), body)

    def entries(self) -> Iterator[Entry]:
        # search_experiments returns active experiments only by default, newest first
        active = [e for e in self.org.experiments if e.lifecycle_stage == "active"]
        active.sort(key=lambda e: (-epoch_ms(e.created_at), e.experiment_id))
        yield from self._post_pages(
            "/api/2.0/mlflow/experiments/search", {"max_results": MLFLOW_PAGE_SIZE}, "experiments",
            [self.experiment(e.experiment_id) for e in active],
        )
        for exp in active:
            runs = [r for r in self.org.runs if r.experiment_id == exp.experiment_id]
            runs.sort(key=lambda r: (-epoch_ms(r.start_time), r.run_id))
            yield from self._post_pages(
                "/api/2.0/mlflow/runs/search",
                {"experiment_ids": [exp.experiment_id], "max_results": MLFLOW_PAGE_SIZE},
                "runs",
                [self.run(r) for r in runs],
            )
        names = sorted(m.name for m in self.org.registered_models)
        yield from self._get_pages("/api/2.0/mlflow/registered-models/search", "registered_models",
                                   [self.registered_model(n) for n in names])
        versions = sorted(self.org.model_versions, key=lambda mv: (mv.name, -mv.version))
        yield from self._get_pages("/api/2.0/mlflow/model-versions/search", "model_versions",
                                   [self.model_version(mv) for mv in versions])


# ---------------------------------------------------------------------------------------------


def write_recorded_pages(org: Organisation, shas: dict[str, dict[str, str]], recorded_dir: Path) -> None:
    """Write ``github.jsonl``, ``jira.jsonl``, ``mlflow.jsonl`` and ``sources.json``.

    ``shas`` maps repo name -> commit key -> sha (from ``write_git_repos``). When the git
    repositories were written beside ``recorded_dir`` (``<out_dir>/git``), commit pages carry
    their tree shas read from them.
    """
    recorded_dir = Path(recorded_dir)
    recorded_dir.mkdir(parents=True, exist_ok=True)
    scenario = _Scenario(org, shas)
    git_dir = recorded_dir.parent / "git"
    trees = {repo.name: read_tree_shas(git_dir / repo.name) for repo in org.repos}
    counts = {
        GITHUB_FILE: _write_jsonl(recorded_dir / GITHUB_FILE, GitHubPages(scenario, trees).entries()),
        JIRA_FILE: _write_jsonl(recorded_dir / JIRA_FILE, JiraPages(scenario).entries()),
        MLFLOW_FILE: _write_jsonl(recorded_dir / MLFLOW_FILE, MlflowPages(scenario).entries()),
    }
    sources = {
        "github_base_url": org.github_base_url,
        "jira_base_url": org.jira_base_url,
        "mlflow_base_url": org.mlflow_base_url,
    }
    with open(recorded_dir / SOURCES_FILE, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(json.dumps(sources, indent=2) + "\n")
    log.info("wrote recorded responses to %s: %s", recorded_dir,
             ", ".join(f"{name} {n}" for name, n in counts.items()))
