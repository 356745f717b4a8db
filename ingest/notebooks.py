"""dlt source: Jupyter notebook executions read from the notebooks in git repositories ->
``raw_notebooks.notebook_executions`` (docs/data-contracts.md section 3).

A notebook run is exploration (T2) the way an MLflow run is, but nothing records it as a run:
the evidence is in the notebook files and their git history. Two readings, per version of a
notebook (every commit that added or changed an ``.ipynb`` file, on any ref):

- ``cell_metadata``: JupyterLab with "record timing" on (and the classic ``execute_time``
  extension) writes each code cell's last execution times into its metadata
  (``metadata.execution``: ``iopub.execute_input``, ``shell.execute_reply`` ...; classic:
  ``metadata.ExecuteTime.start_time`` / ``end_time``). Every committed version holds the
  latest execution of each cell, so reading all versions recovers every execution that reached
  git. Cell executions are de-duplicated by their (start, end) pair across versions and paths
  of the repository (a cell not re-run keeps its old times; a renamed or copied notebook keeps
  them too), then grouped into bursts: cells whose start is within ``burst_gap`` of the end of
  the burst so far are one execution (a "run all", or a working session), from the first start
  to the last end. Its commit and author are those of the first commit that held any of its
  cells.
- ``git_history``: a version with no execution times at all (timing not recorded, or stripped
  by nbstripout) is one execution at its commit's author time, with no end (its duration is
  unknown, so it counts as a run but not in feedback time).

Why the git CLI and full history: the repositories are the same clones ``ingest/git_repos.py``
reads; ``git log --name-status`` lists the notebook versions and one ``git cat-file --batch``
process reads them. Why nbformat: it reads every notebook format version (v3 is upgraded to
v4) as Jupyter itself does. The table is derived from the whole history at each load, and a
new version can join two bursts into one, so it is replaced, not merged, at each load.
Why executions are always T2 and why bursts: decisions D60 and D62 in docs/decisions.md.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt
import nbformat
from dlt.common.schema.typing import TTableSchemaColumns

from ingest.git_repos import EXCLUDED_REF_PREFIXES, read_environment, run_git
from ingest.pseudonymise import person_id, resolve_salt
from ingest.columns import TIMESTAMP_TZ

log = logging.getLogger(__name__)

DEFAULT_BURST_GAP = timedelta(minutes=30)
NOTEBOOK_PATHSPEC = "*.ipynb"  # git pathspecs match '*' across '/': every folder
METHOD_CELLS = "cell_metadata"
METHOD_GIT = "git_history"

# JupyterLab's keys (nbformat 4 cell metadata "execution"), in order of preference
_START_KEYS = ("iopub.execute_input", "shell.execute_reply.started", "iopub.status.busy")
_END_KEYS = ("shell.execute_reply", "iopub.status.idle")
_FRACTION = re.compile(r"(\.\d{6})\d+")

EXECUTION_COLUMNS: TTableSchemaColumns = {
    "repo": {"data_type": "text", "nullable": False},
    "path": {"data_type": "text", "nullable": False},
    "execution_id": {"data_type": "text", "nullable": False},
    "method": {"data_type": "text"},
    "started_at": dict(TIMESTAMP_TZ),  # type: ignore[dict-item]
    "ended_at": dict(TIMESTAMP_TZ),  # type: ignore[dict-item]
    "git_commit": {"data_type": "text"},
    "cells_executed": {"data_type": "bigint"},
    "author_id": {"data_type": "text"},
}


@dataclass(frozen=True, order=True)
class CellRun:
    """One execution of one code cell, as a notebook version records it."""

    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True)
class NotebookVersion:
    """A notebook file as one commit left it."""

    sha: str
    path: str
    author_email: str
    authored_at: datetime
    committed_at: datetime


@dataclass
class Burst:
    started_at: datetime
    ended_at: datetime
    cells: int
    first_version: NotebookVersion  # the first commit that held any of its cells


# ---------------------------------------------------------------------------------------------
# Pure parsing


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 time from notebook metadata as UTC; a time without offset is taken as UTC.

    JupyterLab writes ``2025-03-03T10:00:00.123Z`` (the kernel's header dates carry
    microseconds); the classic extension may write local times without offset.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = _FRACTION.sub(r"\1", value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _first_time(metadata: Mapping[str, Any], keys: tuple[str, ...]) -> datetime | None:
    for key in keys:
        parsed = parse_timestamp(metadata.get(key))
        if parsed is not None:
            return parsed
    return None


def cell_runs(notebook: Any) -> list[CellRun]:
    """The timed code-cell executions a notebook (nbformat v4 node or dict) records."""
    runs: list[CellRun] = []
    for cell in notebook.get("cells") or []:
        if cell.get("cell_type") != "code":
            continue
        metadata = cell.get("metadata") or {}
        start = end = None
        execution = metadata.get("execution")
        if isinstance(execution, Mapping):
            start, end = _first_time(execution, _START_KEYS), _first_time(execution, _END_KEYS)
        classic = metadata.get("ExecuteTime")
        if start is None and end is None and isinstance(classic, Mapping):
            start, end = parse_timestamp(classic.get("start_time")), parse_timestamp(classic.get("end_time"))
        if start is None and end is None:
            continue
        start = start or end
        end = end if end is not None and end >= start else start  # type: ignore[operator]
        runs.append(CellRun(start, end))  # type: ignore[arg-type]
    return runs


def executed_cells(notebook: Any) -> int:
    """Code cells with an execution count (what a version without times still tells)."""
    return sum(1 for c in notebook.get("cells") or []
               if c.get("cell_type") == "code" and c.get("execution_count") is not None)


def read_notebook(text: str | None) -> Any | None:
    """A notebook version parsed by nbformat (v3 upgraded to v4), or None when unreadable
    (e.g. a commit that stored merge-conflict markers)."""
    if text is None:
        return None
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several types for bad input
        log.warning("unreadable notebook version (%s); counted from git history only", type(exc).__name__)
        return None


def group_bursts(seen: Mapping[CellRun, NotebookVersion], gap: timedelta) -> list[Burst]:
    """Cell executions -> executions: a cell starting more than ``gap`` after the end of the
    burst so far starts a new one."""
    bursts: list[Burst] = []
    for run in sorted(seen):
        version = seen[run]
        current = bursts[-1] if bursts else None
        if current is not None and run.started_at - current.ended_at <= gap:
            current.ended_at = max(current.ended_at, run.ended_at)
            current.cells += 1
            if (version.committed_at, version.sha) < (current.first_version.committed_at, current.first_version.sha):
                current.first_version = version
        else:
            bursts.append(Burst(run.started_at, run.ended_at, 1, version))
    return bursts


def _iso_id(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


# ---------------------------------------------------------------------------------------------
# Reading a repository


def _parse_name_status(output: str) -> list[tuple[str, str, datetime, datetime, list[tuple[str, str]]]]:
    """``git log -z --format=%x1e... --name-status`` -> (sha, email, authored, committed, [(status, path)])."""
    commits = []
    for chunk in output.split("\x1e"):
        if not chunk.strip("\0\n"):
            continue
        header, _, rest = chunk.partition("\0")
        sha, email, author_epoch, committer_epoch = header.split("\x1f")
        tokens = rest.lstrip("\n").split("\0")
        changes: list[tuple[str, str]] = []
        i = 0
        while i < len(tokens) and tokens[i]:
            status = tokens[i]
            if status[:1] in ("R", "C"):
                changes.append((status, tokens[i + 2]))
                i += 3
            else:
                changes.append((status, tokens[i + 1]))
                i += 2
        commits.append((sha, email,
                        datetime.fromtimestamp(int(author_epoch), tz=timezone.utc),
                        datetime.fromtimestamp(int(committer_epoch), tz=timezone.utc), changes))
    return commits


def notebook_versions(repo_path: str | Path) -> list[NotebookVersion]:
    """Every (commit, notebook) where a commit on any ref added or changed a notebook, oldest
    first. Deletions and pure renames (100% similar) are not new versions."""
    exclude = [f"--exclude={prefix}*" for prefix in EXCLUDED_REF_PREFIXES]  # stash, notes, backups
    output = run_git(repo_path, "-c", "core.quotepath=off", "log", *exclude, "--all", "-z", "--find-renames",
                     "--format=%x1e%H%x1f%ae%x1f%at%x1f%ct", "--name-status", "--", NOTEBOOK_PATHSPEC)
    versions = []
    for sha, email, authored, committed, changes in _parse_name_status(output):
        for status, path in changes:
            if status.startswith("D") or status == "R100":
                continue
            versions.append(NotebookVersion(sha, path, email, authored, committed))
    versions.sort(key=lambda v: (v.committed_at, v.authored_at, v.sha, v.path))
    return versions


def read_blobs(repo_path: str | Path, specs: list[str]) -> dict[str, str | None]:
    """``<sha>:<path>`` -> the file's text, read by one ``git cat-file --batch`` process."""
    if not specs:
        return {}
    result = subprocess.run(["git", "-C", str(repo_path), "cat-file", "--batch"],
                            input="".join(f"{s}\n" for s in specs).encode("utf-8"),
                            capture_output=True, env=read_environment(), check=True)
    data, pos, texts = result.stdout, 0, {}
    for spec in specs:
        newline = data.index(b"\n", pos)
        header = data[pos:newline].decode("utf-8", errors="replace").split()
        pos = newline + 1
        if len(header) < 3 or header[-1] == "missing":
            texts[spec] = None
            continue
        size = int(header[2])
        texts[spec] = data[pos:pos + size].decode("utf-8", errors="replace")
        pos += size + 1
    return texts


def repo_executions(repo: str, repo_path: str | Path, salt: str,
                    burst_gap: timedelta = DEFAULT_BURST_GAP) -> list[dict[str, Any]]:
    """The ``notebook_executions`` rows of one repository."""
    versions = notebook_versions(repo_path)
    texts = read_blobs(repo_path, [f"{v.sha}:{v.path}" for v in versions])
    first_seen: dict[CellRun, NotebookVersion] = {}  # across the repository: renames and copies
    timed: dict[str, dict[CellRun, NotebookVersion]] = {}
    rows: list[dict[str, Any]] = []
    for version in versions:
        notebook = read_notebook(texts.get(f"{version.sha}:{version.path}"))
        runs = cell_runs(notebook) if notebook is not None else []
        if not runs:
            rows.append({
                "repo": repo, "path": version.path, "execution_id": f"commit-{version.sha}",
                "method": METHOD_GIT, "started_at": version.authored_at, "ended_at": None,
                "git_commit": version.sha,
                "cells_executed": executed_cells(notebook) if notebook is not None else None,
                "author_id": person_id(version.author_email, salt),
            })
            continue
        for run in runs:
            if run not in first_seen:
                first_seen[run] = version
                timed.setdefault(version.path, {})[run] = version
    for path, seen in sorted(timed.items()):
        for burst in group_bursts(seen, burst_gap):
            rows.append({
                "repo": repo, "path": path, "execution_id": f"cells-{_iso_id(burst.started_at)}",
                "method": METHOD_CELLS, "started_at": burst.started_at, "ended_at": burst.ended_at,
                "git_commit": burst.first_version.sha, "cells_executed": burst.cells,
                "author_id": person_id(burst.first_version.author_email, salt),
            })
    rows.sort(key=lambda r: (r["path"], r["started_at"], r["execution_id"]))
    log.info("notebooks in %s: %d versions, %d executions", repo, len(versions), len(rows))
    return rows


@dlt.source(name="notebooks", max_table_nesting=0)
def notebooks_source(
    repos: dict[str, str],
    burst_gap_minutes: float = DEFAULT_BURST_GAP.total_seconds() / 60,
    salt: str | None = None,
) -> Any:
    """Notebook executions of local git repositories (repository name -> path of a clone,
    bare or not; the name is what the catalog's ``notebook_repo`` / ``notebook_path_prefix``
    use). ``burst_gap_minutes``: cells run within this many minutes of each other are one
    execution (default 30)."""
    used_salt = salt if salt is not None else resolve_salt()
    gap = timedelta(minutes=burst_gap_minutes)

    @dlt.resource(name="notebook_executions", write_disposition="replace",
                  primary_key=("repo", "path", "execution_id"), columns=EXECUTION_COLUMNS)
    def notebook_executions() -> Iterator[list[dict[str, Any]]]:
        for name, path in sorted(repos.items()):
            if not Path(path).exists():
                raise FileNotFoundError(f"notebook repository {name!r} not found at {path}")
            yield repo_executions(name, path, used_salt, gap)

    return notebook_executions
