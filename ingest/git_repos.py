"""dlt source for git repositories read with the git CLI (bare or non-bare clones).

Why the CLI: it reads every repository format git itself reads (packs, alternates, shallow and
partial clones) without a native dependency, and ``git log`` with an explicit ``--format`` is a
stable, documented interface. Three tables (docs/data-contracts.md section 3, ``raw_git``):

- ``commits``: every commit reachable from any ref, person identities pseudonymised;
- ``refs``: branches, tags and remote-tracking refs with the commit they point at;
- ``mainline_commits``: for each commit reachable from the default branch, the commit of the
  default branch's first-parent line that brought it in and that commit's position. A
  deployment of mainline commit D after one of P brings exactly the commits with position in
  (position(P), position(D)], which is how dbt finds the changes of a deployment without
  walking the graph in SQL.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dlt
from dlt.common.schema.typing import TTableSchemaColumns

from ingest.pseudonymise import person_id, resolve_salt

log = logging.getLogger(__name__)

FIELD_SEP = "\x1f"
LOG_FORMAT = FIELD_SEP.join(["%H", "%P", "%ae", "%at", "%aI", "%ce", "%ct", "%cI", "%s"])
# Refs that are not history of the code: notes, stash, filter-branch backups, replacements.
EXCLUDED_REF_PREFIXES = ("refs/notes/", "refs/stash", "refs/original/", "refs/replace/")
FALLBACK_BRANCHES = ("main", "master")

_TIMESTAMP: dict[str, Any] = {"data_type": "timestamp", "timezone": True, "nullable": True}

COMMIT_COLUMNS: TTableSchemaColumns = {
    "repo": {"data_type": "text", "nullable": False},
    "sha": {"data_type": "text", "nullable": False},
    "parent_shas": {"data_type": "text"},
    "parent_count": {"data_type": "bigint"},
    "author_id": {"data_type": "text"},
    "author_time": dict(_TIMESTAMP),
    "author_tz_offset_minutes": {"data_type": "bigint"},
    "committer_id": {"data_type": "text"},
    "committer_time": dict(_TIMESTAMP),
    "committer_tz_offset_minutes": {"data_type": "bigint"},
    "subject": {"data_type": "text"},
}
REF_COLUMNS: TTableSchemaColumns = {
    "repo": {"data_type": "text", "nullable": False},
    "ref_name": {"data_type": "text", "nullable": False},
    "sha": {"data_type": "text"},
    "is_default_branch": {"data_type": "bool"},
}
MAINLINE_COLUMNS: TTableSchemaColumns = {
    "repo": {"data_type": "text", "nullable": False},
    "sha": {"data_type": "text", "nullable": False},
    "default_branch": {"data_type": "text"},
    "mainline_sha": {"data_type": "text"},
    "mainline_position": {"data_type": "bigint"},
}


@dataclass(frozen=True)
class GitRef:
    name: str
    sha: str  # the commit it points at (annotated tags peeled)
    symref: str  # target when the ref is symbolic, else ""


@dataclass
class RepoSnapshot:
    """What one read of a repository yields; shared by the three resources."""

    name: str
    commits: list[dict[str, Any]]
    parents: dict[str, list[str]]
    refs: list[GitRef]
    default_branch: str | None  # branch name, e.g. "main"
    default_ref: str | None  # the ref walked for the mainline, e.g. "refs/heads/main"
    committer_times: dict[str, datetime] = field(default_factory=dict)


def read_environment() -> dict[str, str]:
    """Environment for reading: inherited GIT_DIR/GIT_WORK_TREE etc. would point git elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_NO_REPLACE_OBJECTS": "1"})
    return env


def run_git(path: str | Path, *args: str, check: bool = True, stdin: str | None = None) -> str:
    """Run ``git -C path args`` and return stdout (UTF-8); raise with stderr when it fails."""
    result = subprocess.run(
        ["git", "-C", str(path), "-c", "log.showSignature=false", *args],
        capture_output=True,
        env=read_environment(),
        check=False,
        input=stdin.encode("utf-8") if stdin is not None else None,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"git {' '.join(args[:2])} failed in {path}: {result.stderr.decode(errors='replace').strip()}"
        )
    return result.stdout.decode("utf-8", errors="replace") if result.returncode == 0 else ""


def offset_minutes(iso_time: str) -> int:
    """UTC offset in minutes of a strict ISO date from git (``2025-03-03T09:00:00+09:00``)."""
    parsed = datetime.fromisoformat(iso_time.replace("Z", "+00:00"))
    offset = parsed.utcoffset()
    return int(offset.total_seconds()) // 60 if offset is not None else 0


def parse_log(repo: str, output: str, salt: str) -> list[dict[str, Any]]:
    """Rows of ``commits`` from ``git log -z --format=LOG_FORMAT`` output."""
    rows: list[dict[str, Any]] = []
    for record in output.split("\0"):
        record = record.strip("\n")
        if not record:
            continue
        sha, parents, a_email, a_epoch, a_iso, c_email, c_epoch, c_iso, subject = record.split(
            FIELD_SEP, 8
        )
        parent_list = parents.split()
        rows.append(
            {
                "repo": repo,
                "sha": sha,
                "parent_shas": " ".join(parent_list),
                "parent_count": len(parent_list),
                "author_id": person_id(a_email, salt),
                "author_time": datetime.fromtimestamp(int(a_epoch), tz=timezone.utc),
                "author_tz_offset_minutes": offset_minutes(a_iso),
                "committer_id": person_id(c_email, salt),
                "committer_time": datetime.fromtimestamp(int(c_epoch), tz=timezone.utc),
                "committer_tz_offset_minutes": offset_minutes(c_iso),
                "subject": subject,
            }
        )
    return rows


def list_refs(path: str | Path) -> list[GitRef]:
    """Refs of the repository (symbolic ones included, marked), annotated tags peeled."""
    fmt = FIELD_SEP.join(["%(refname)", "%(objectname)", "%(*objectname)", "%(symref)"])
    refs: list[GitRef] = []
    for line in run_git(path, "for-each-ref", f"--format={fmt}").splitlines():
        name, sha, peeled, symref = line.split(FIELD_SEP)
        if name.startswith(EXCLUDED_REF_PREFIXES):
            continue
        refs.append(GitRef(name=name, sha=peeled or sha, symref=symref))
    return refs


def choose_default_ref(refs: list[GitRef], head_target: str | None) -> str | None:
    """The ref whose first-parent line is the mainline.

    A clone's ``origin/HEAD`` names the hosted default branch (its local HEAD may be a
    feature branch checked out); a bare or mirror repository's HEAD names it directly.
    Falls back to main, then master.
    """
    names = {r.name: r for r in refs}
    origin_head = names.get("refs/remotes/origin/HEAD")
    candidates = [origin_head.symref if origin_head else None, head_target]
    for branch in FALLBACK_BRANCHES:
        candidates += [f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"]
    for candidate in candidates:
        if candidate and candidate in names and not names[candidate].symref:
            return candidate
    return None


def branch_name(ref: str) -> str:
    """``refs/heads/main`` and ``refs/remotes/origin/main`` -> ``main``."""
    for prefix in ("refs/heads/", "refs/remotes/origin/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def first_parent_line(tip: str, parents: dict[str, list[str]]) -> list[str]:
    """Commits of the first-parent line from the root to ``tip`` (``rev-list --first-parent --reverse``)."""
    line: list[str] = []
    current: str | None = tip
    while current is not None and current in parents:
        line.append(current)
        current = parents[current][0] if parents[current] else None
    line.reverse()
    return line


def mainline_assignment(mainline: list[str], parents: dict[str, list[str]]) -> dict[str, tuple[str, int]]:
    """sha -> (mainline sha, position) for every commit reachable from the mainline's tip.

    Mainline commits are visited oldest first; everything reachable from commit k that was not
    reached from commit k-1 (its first parent) is what commit k brought in. Because the set
    reached so far is exactly what is reachable from the previous mainline commit, one walk
    that stops at already-reached commits does this for the whole history in linear time.
    """
    assigned: dict[str, tuple[str, int]] = {}
    for position, merge_sha in enumerate(mainline, start=1):
        stack = [merge_sha]
        while stack:
            sha = stack.pop()
            if sha in assigned or sha not in parents:
                continue
            assigned[sha] = (merge_sha, position)
            stack.extend(parents[sha])
    return assigned


def read_repo(name: str, path: str | Path, salt: str, default_branch: str | None = None) -> RepoSnapshot:
    """Read commits, refs and the default branch of one repository."""
    refs = list_refs(path)
    exclude = [f"--exclude={prefix}*" for prefix in EXCLUDED_REF_PREFIXES]
    output = run_git(path, "log", "-z", "--encoding=UTF-8", "--no-show-signature",
                     f"--format={LOG_FORMAT}", *exclude, "--all") if any(not r.symref for r in refs) else ""
    commits = parse_log(name, output, salt)
    head = run_git(path, "symbolic-ref", "-q", "HEAD", check=False).strip() or None
    if default_branch:
        wanted = [f"refs/heads/{default_branch}", f"refs/remotes/origin/{default_branch}"]
        present = {r.name for r in refs}
        default_ref = next((w for w in wanted if w in present), None)
    else:
        default_ref = choose_default_ref(refs, head)
    if default_ref is None:
        log.warning("git repository %s (%s): no default branch found; no mainline", name, path)
    return RepoSnapshot(
        name=name,
        commits=commits,
        parents={c["sha"]: c["parent_shas"].split() for c in commits},
        refs=refs,
        default_branch=branch_name(default_ref) if default_ref else None,
        default_ref=default_ref,
        committer_times={c["sha"]: c["committer_time"] for c in commits},
    )


class GitReader:
    """Reads each repository once per source run, whichever resource asks first."""

    def __init__(self, repos: dict[str, str], salt: str, default_branches: dict[str, str] | None = None):
        self.repos = dict(sorted(repos.items()))
        self.salt = salt
        self.default_branches = default_branches or {}
        self._cache: dict[str, RepoSnapshot] = {}

    def snapshot(self, name: str) -> RepoSnapshot:
        if name not in self._cache:
            path = self.repos[name]
            if not Path(path).exists():
                raise FileNotFoundError(f"git repository {name!r} not found at {path}")
            self._cache[name] = read_repo(name, path, self.salt, self.default_branches.get(name))
            log.info("read git repository %s: %d commits, %d refs, default branch %s",
                     name, len(self._cache[name].commits), len(self._cache[name].refs),
                     self._cache[name].default_branch)
        return self._cache[name]

    def snapshots(self) -> Iterator[RepoSnapshot]:
        for name in self.repos:
            yield self.snapshot(name)


def _is_new(committed_at: datetime, since: datetime | None) -> bool:
    return since is None or committed_at >= since


def commit_rows(reader: GitReader, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    for snap in reader.snapshots():
        yield [c for c in snap.commits if _is_new(c["committer_time"], since)]


def ref_rows(reader: GitReader) -> Iterator[list[dict[str, Any]]]:
    for snap in reader.snapshots():
        yield [
            {"repo": snap.name, "ref_name": r.name, "sha": r.sha,
             "is_default_branch": r.name == snap.default_ref}
            for r in snap.refs
            if not r.symref
        ]


def mainline_rows(reader: GitReader, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    for snap in reader.snapshots():
        if snap.default_ref is None:
            continue
        tip = next(r.sha for r in snap.refs if r.name == snap.default_ref)
        assigned = mainline_assignment(first_parent_line(tip, snap.parents), snap.parents)
        yield [
            {"repo": snap.name, "sha": sha, "default_branch": snap.default_branch,
             "mainline_sha": mainline_sha, "mainline_position": position}
            for sha, (mainline_sha, position) in sorted(assigned.items(), key=lambda kv: (kv[1][1], kv[0]))
            if _is_new(snap.committer_times[sha], since)
        ]


# ---------------------------------------------------------------------------------------------
# Incremental reads (live mode)


@dataclass
class RepoDelta:
    """What changed in one repository since the state of the last load."""

    name: str
    commits: list[dict[str, Any]]  # commits not reachable from any ref tip seen last time
    refs: list[dict[str, Any]]  # refs that are new or point elsewhere (or changed default flag)
    vanished_refs: list[str]  # refs seen last time that are gone
    mainline: list[dict[str, Any]]  # new mainline rows (or all of them after a rewrite)
    mainline_rewritten: bool  # the first-parent line did not grow at its tip: recomputed fully
    state: dict[str, Any]  # the state to keep for the next load


def existing_objects(path: str | Path, shas: list[str]) -> set[str]:
    """The shas that are commits in the repository (after a force-push and gc, old ones go)."""
    if not shas:
        return set()
    out = run_git(path, "cat-file", "--batch-check=%(objectname) %(objecttype)", stdin="\n".join(shas) + "\n",
                  check=False)
    return {line.split()[0] for line in out.splitlines() if line.endswith(" commit")}


def parents_between(path: str | Path, tip: str, exclude: str | None) -> dict[str, list[str]]:
    """sha -> parents for the commits reachable from ``tip`` and not from ``exclude``."""
    args = ["rev-list", "--parents", tip] + ([f"^{exclude}"] if exclude else [])
    parents: dict[str, list[str]] = {}
    for line in run_git(path, *args).splitlines():
        sha, *rest = line.split()
        parents[sha] = rest
    return parents


def read_repo_delta(name: str, path: str | Path, salt: str, previous: dict[str, Any] | None,
                    since: datetime | None = None, default_branch: str | None = None) -> RepoDelta:
    """Commits, refs and mainline rows that are new since ``previous`` (the repository's state
    after the last load; None reads everything).

    Commits: ``git log --all`` less everything reachable from the ref tips seen last time.
    Mainline: when the default branch's new tip has the old tip on its first-parent line, only
    the new first-parent commits are walked and numbered on from the old length (positions of
    the old ones cannot change); otherwise (force-push, rewritten history, another default
    branch) the whole line is recomputed and ``mainline_rewritten`` is set, so that the loader
    replaces the repository's rows.
    """
    refs = list_refs(path)
    live_refs = {r.name: r.sha for r in refs if not r.symref}
    head = run_git(path, "symbolic-ref", "-q", "HEAD", check=False).strip() or None
    if default_branch:
        wanted = [f"refs/heads/{default_branch}", f"refs/remotes/origin/{default_branch}"]
        default_ref = next((w for w in wanted if w in live_refs), None)
    else:
        default_ref = choose_default_ref(refs, head)
    previous = previous or {}
    old_refs: dict[str, str] = dict(previous.get("refs") or {})

    # commits not reachable from what was loaded last time
    old_tips = sorted(existing_objects(path, sorted(set(old_refs.values()))))
    exclude = [f"--exclude={prefix}*" for prefix in EXCLUDED_REF_PREFIXES]
    output = run_git(path, "log", "-z", "--encoding=UTF-8", "--no-show-signature", f"--format={LOG_FORMAT}",
                     *exclude, "--all", "--stdin", stdin="".join(f"^{sha}\n" for sha in old_tips)) \
        if live_refs else ""
    commits = [c for c in parse_log(name, output, salt) if _is_new(c["committer_time"], since)]

    ref_rows_ = [{"repo": name, "ref_name": ref, "sha": sha, "is_default_branch": ref == default_ref}
                 for ref, sha in sorted(live_refs.items())
                 if old_refs.get(ref) != sha or (ref == default_ref) != (ref == previous.get("default_ref"))]
    vanished = sorted(set(old_refs) - set(live_refs))

    mainline: list[dict[str, Any]] = []
    rewritten = False
    tip = live_refs.get(default_ref) if default_ref else None
    old_tip, old_length = previous.get("mainline_tip"), int(previous.get("mainline_length") or 0)
    length = old_length
    if tip is None:
        if old_tip:
            rewritten, length = True, 0  # the default branch is gone: its rows go too
        if default_ref is None:
            log.warning("git repository %s (%s): no default branch found; no mainline", name, path)
    elif tip != old_tip or default_ref != previous.get("default_ref"):
        incremental = bool(old_tip) and default_ref == previous.get("default_ref") \
            and old_tip in existing_objects(path, [old_tip])
        parents = parents_between(path, tip, old_tip if incremental else None)
        line = first_parent_line(tip, parents)
        # the new part of the line must sit right on top of the old tip
        if incremental and not (line and parents[line[0]][:1] == [old_tip]):
            incremental = False
            parents = parents_between(path, tip, None)
            line = first_parent_line(tip, parents)
        offset = old_length if incremental else 0
        rewritten = not incremental and bool(old_tip)
        assigned = mainline_assignment(line, parents)
        times = _committer_times(path, list(assigned)) if since is not None else {}
        mainline = [
            {"repo": name, "sha": sha, "default_branch": branch_name(default_ref), "mainline_sha": mainline_sha,
             "mainline_position": position + offset}
            for sha, (mainline_sha, position) in sorted(assigned.items(), key=lambda kv: (kv[1][1], kv[0]))
            if since is None or sha not in times or _is_new(times[sha], since)
        ]
        length = offset + len(line)
        if rewritten:
            log.warning("git repository %s: the first-parent line of %s no longer contains the commit loaded "
                        "last time (%s): force-push or rewritten history; its mainline is recomputed fully",
                        name, default_ref, (old_tip or "")[:12])
    state = {"refs": live_refs, "default_ref": default_ref, "mainline_tip": tip, "mainline_length": length}
    return RepoDelta(name, commits, ref_rows_, vanished, mainline, rewritten, state)


def _committer_times(path: str | Path, shas: list[str]) -> dict[str, datetime]:
    """Committer times of some commits (for ``since`` on a recomputed mainline)."""
    if not shas:
        return {}
    out = run_git(path, "log", "--no-walk=unsorted", "--stdin", "--format=%H %ct", stdin="\n".join(shas) + "\n")
    return {sha: datetime.fromtimestamp(int(ts), tz=timezone.utc)
            for sha, ts in (line.split() for line in out.splitlines() if line.strip())}


def fetch_repo(name: str, path: str | Path) -> None:
    """``git fetch --prune`` (its configured remote); a failure is a warning, not fatal: the
    clone as it is still loads."""
    result = subprocess.run(["git", "-C", str(path), "fetch", "--prune", "--quiet"], capture_output=True,
                            env=read_environment(), check=False)
    if result.returncode != 0:
        log.warning("git: fetch failed in %s (%s): %s; loading the clone as it is", name, path,
                    result.stderr.decode(errors="replace").strip().splitlines()[-1:] or "")


def delete_destination_rows(table: str, where: str, params: list[Any]) -> None:
    """Delete rows of a table of the running pipeline's dataset (nothing before it exists).

    Used when what the source shows replaces rows rather than adding to them: refs that were
    deleted, and a repository's mainline after its history was rewritten. It runs during
    extraction, before the new rows are loaded; if that load then fails, the state is not
    advanced and the next load recomputes and deletes again.
    """
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    pipeline = dlt.current.pipeline()
    try:
        with pipeline.sql_client() as client:
            client.execute_sql(f"delete from {client.make_qualified_table_name(table)} where {where}", *params)
    except DatabaseUndefinedRelation:
        log.debug("git: %s not loaded yet; nothing to delete", table)


@dlt.source(name="git")
def git_source(
    repos: dict[str, str],
    since: datetime | None = None,
    default_branches: dict[str, str] | None = None,
    salt: str | None = None,
    incremental: bool = False,
    fetch: bool = False,
    full_refresh: bool = False,
) -> Any:
    """Commits, refs and mainline positions of local git repositories (name -> path).

    ``since`` (tz-aware) keeps only commits committed at or after it in ``commits`` and
    ``mainline_commits``: with merge write disposition a later full load is still idempotent,
    and positions on the first-parent line never change unless history is rewritten.
    ``default_branches`` overrides the detected default branch per repository.

    ``incremental`` (live mode) reads per repository only what is new since the last load,
    kept in the source state (``read_repo_delta``): commits not reachable from the ref tips
    seen last time, refs that moved (deleted ones are deleted), and mainline rows numbered on
    from the last length; a rewritten default branch is recomputed and its rows replaced.
    ``fetch`` runs ``git fetch --prune`` in each clone first. ``full_refresh`` (with
    ``incremental``) ignores the state: everything is read again and each repository's refs and
    mainline rows are replaced.
    """
    used_salt = salt if salt is not None else resolve_salt()
    reader = GitReader(repos, used_salt, default_branches)
    lazy: dict[str, RepoDelta] = {}

    def deltas() -> Iterator[RepoDelta]:
        state = dlt.current.source_state().setdefault("repos", {})
        for name, path in sorted(repos.items()):
            if name not in lazy:
                if not Path(path).exists():
                    raise FileNotFoundError(f"git repository {name!r} not found at {path}")
                if fetch:
                    fetch_repo(name, path)
                lazy[name] = read_repo_delta(name, path, used_salt, None if full_refresh else state.get(name),
                                             since, (default_branches or {}).get(name))
                if full_refresh:
                    lazy[name].mainline_rewritten = True
                delta = lazy[name]
                log.info("git: %s: %d new commits, %d refs moved, %d refs gone, %d mainline rows%s",
                         name, len(delta.commits), len(delta.refs), len(delta.vanished_refs), len(delta.mainline),
                         " (history rewritten: mainline recomputed)" if delta.mainline_rewritten else "")
            yield lazy[name]

    def save_state(name: str) -> None:
        dlt.current.source_state().setdefault("repos", {})[name] = lazy[name].state

    @dlt.resource(name="commits", write_disposition="merge", primary_key=("repo", "sha"),
                  columns=COMMIT_COLUMNS)
    def commits() -> Iterator[list[dict[str, Any]]]:
        if not incremental:
            yield from commit_rows(reader, since)
            return
        for delta in deltas():
            yield delta.commits

    @dlt.resource(name="refs", write_disposition="merge", primary_key=("repo", "ref_name"),
                  columns=REF_COLUMNS)
    def refs() -> Iterator[list[dict[str, Any]]]:
        if not incremental:
            yield from ref_rows(reader)
            return
        for delta in deltas():
            if full_refresh:
                delete_destination_rows("refs", "repo = %s", [delta.name])
            for ref_name in delta.vanished_refs:
                delete_destination_rows("refs", "repo = %s and ref_name = %s", [delta.name, ref_name])
            yield delta.refs

    @dlt.resource(name="mainline_commits", write_disposition="merge", primary_key=("repo", "sha"),
                  columns=MAINLINE_COLUMNS)
    def mainline_commits() -> Iterator[list[dict[str, Any]]]:
        if not incremental:
            yield from mainline_rows(reader, since)
            return
        for delta in deltas():
            if delta.mainline_rewritten:
                delete_destination_rows("mainline_commits", "repo = %s", [delta.name])
            yield delta.mainline
            save_state(delta.name)

    return commits, refs, mainline_commits
