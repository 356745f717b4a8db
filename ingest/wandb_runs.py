"""dlt source: Weights & Biases runs -> ``raw_wandb.runs`` (docs/data-contracts.md sections 3
and 5), read from files; the ``wandb`` package is not needed.

Two inputs, either or both:

- run folders as the wandb SDK leaves them on disk (``wandb/run-<YYYYMMDD_HHMMSS>-<id>`` once
  synced, ``wandb/offline-run-...`` in offline mode): ``files/wandb-metadata.json`` (``startedAt``,
  ``git.commit``/``git.remote``, ``program``/``codePath``, ``email``/``username``),
  ``files/wandb-summary.json`` (``_runtime``, ``_timestamp``, ``_wandb.runtime``). The folder
  does not name its project or entity (they are only inside the binary ``.wandb`` log, which
  is not read), so each ``wandb`` folder is given with its ``entity/project``. Nor does it say
  whether the run finished: ``state`` is null and the end is start + the last runtime recorded.
- an export written from the public API (``wandb.Api().runs(...)``): CSV, JSON (an array) or
  JSON Lines, one run per row, contract in docs/data-contracts.md section 5.

A run seen in both is one row: the export's values win where it has them (it knows the state),
the folder fills the rest.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dlt
from dlt.common.schema.typing import TTableSchemaColumns

from ingest.notebooks import parse_timestamp
from ingest.pseudonymise import person_id, resolve_salt
from ingest.columns import TIMESTAMP_TZ

log = logging.getLogger(__name__)

Row = dict[str, Any]
RUN_FOLDER = re.compile(r"^(?:offline-)?run-(\d{8}_\d{6})-(.+)$")
METADATA_FILE = "wandb-metadata.json"
SUMMARY_FILE = "wandb-summary.json"
FORMAT_FOLDER = "run_folder"
FORMAT_EXPORT = "export"

RUN_COLUMNS: TTableSchemaColumns = {
    "project": {"data_type": "text", "nullable": False},
    "run_id": {"data_type": "text", "nullable": False},
    "entity": {"data_type": "text"},
    "run_name": {"data_type": "text"},
    "state": {"data_type": "text"},
    "started_at": dict(TIMESTAMP_TZ),  # type: ignore[dict-item]
    "ended_at": dict(TIMESTAMP_TZ),  # type: ignore[dict-item]
    "runtime_seconds": {"data_type": "double"},
    "git_commit": {"data_type": "text"},
    "git_remote": {"data_type": "text"},
    "program": {"data_type": "text"},
    "user_id": {"data_type": "text"},
    "source_format": {"data_type": "text"},
}


# ---------------------------------------------------------------------------------------------
# Pure parsing


def split_project_path(path: str) -> tuple[str | None, str]:
    """``entity/project`` -> (entity, project); a bare ``project`` has no entity."""
    parts = [p for p in path.strip().strip("/").split("/") if p]
    if not parts or len(parts) > 2:
        raise ValueError(f"W&B project path {path!r}: expected 'entity/project' or 'project'")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def clean_remote(url: str | None) -> str | None:
    """A git remote URL without credentials (``https://user:token@host/...`` -> ``https://host/...``)."""
    if not url:
        return None
    if "://" not in url:
        return url  # scp-like ``git@host:org/repo.git``: the user is the transport's, not a person
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def program_path(metadata: Mapping[str, Any]) -> str | None:
    """The script: its path in the git repository (``codePath``), else its file name only (an
    absolute ``program`` path holds the user's home folder)."""
    code_path = metadata.get("codePath") or metadata.get("codePathLocal")
    if code_path:
        return str(code_path)
    program = metadata.get("program")
    if not program:
        return None
    return re.split(r"[\\/]", str(program))[-1] or None


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def runtime_of(summary: Mapping[str, Any]) -> float | None:
    """Seconds the run ran: ``_wandb.runtime`` (written at exit), else ``_runtime``."""
    inner = summary.get("_wandb")
    candidates = [_number(inner.get("runtime")) if isinstance(inner, Mapping) else None, _number(summary.get("_runtime"))]
    known = [c for c in candidates if c is not None]
    return max(known) if known else None


def _json_field(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _end(started_at: datetime | None, runtime: float | None, last_seen: datetime | None) -> datetime | None:
    ends = [t for t in (started_at + timedelta(seconds=runtime) if started_at and runtime is not None else None,
                        last_seen) if t is not None]
    return max(ends) if ends else None


def parse_run_folder(run_dir: str | Path, entity: str | None, project: str, salt: str) -> Row | None:
    """A ``runs`` row from a run folder, or None when it is not one (no metadata file)."""
    run_dir = Path(run_dir)
    match = RUN_FOLDER.match(run_dir.name)
    metadata_file = run_dir / "files" / METADATA_FILE
    if match is None or not metadata_file.is_file():
        return None
    metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    summary_file = run_dir / "files" / SUMMARY_FILE
    summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.is_file() else {}
    started_at = parse_timestamp(metadata.get("startedAt"))
    runtime = runtime_of(summary)
    last_step = _number(summary.get("_timestamp"))
    git = metadata.get("git") if isinstance(metadata.get("git"), Mapping) else {}
    return {
        "project": project,
        "run_id": match.group(2),
        "entity": entity,
        "run_name": None,  # the display name is only in the binary .wandb log
        "state": None,
        "started_at": started_at,
        "ended_at": _end(started_at, runtime,
                         datetime.fromtimestamp(last_step, tz=timezone.utc) if last_step else None),
        "runtime_seconds": runtime,
        "git_commit": (git.get("commit") or None),
        "git_remote": clean_remote(git.get("remote") or git.get("remote_url")),
        "program": program_path(metadata),
        "user_id": person_id(metadata.get("email") or metadata.get("username"), salt),
        "source_format": FORMAT_FOLDER,
    }


def run_folders(wandb_dir: str | Path) -> list[Path]:
    """The run folders of a ``wandb`` directory (or the folder itself when it is one); the
    ``latest-run`` link is skipped, it points at one of them."""
    wandb_dir = Path(wandb_dir)
    if RUN_FOLDER.match(wandb_dir.name) and (wandb_dir / "files").is_dir():
        return [wandb_dir]
    return sorted(p for p in wandb_dir.iterdir()
                  if p.is_dir() and not p.is_symlink() and RUN_FOLDER.match(p.name))


def parse_export_row(row: Mapping[str, Any], salt: str) -> Row:
    """One exported run (section 5 of docs/data-contracts.md) -> a ``runs`` row."""
    def get(*names: str) -> Any:
        for name in names:
            value = row.get(name)
            if value not in (None, ""):
                return value
        return None

    run_id = get("id", "run_id")
    entity, project = get("entity"), get("project")
    path = get("path")  # "entity/project/run_id" ("/".join(run.path)), or the API's list
    if path and (not project or not run_id):
        parts = [str(p) for p in path] if isinstance(path, list) else str(path).strip("/").split("/")
        if len(parts) == 3:
            entity, project, run_id = entity or parts[0], project or parts[1], run_id or parts[2]
    if not run_id or not project:
        raise ValueError(f"W&B export row without id and project: {dict(row)}")
    summary = _json_field(row.get("summary"))
    metadata = _json_field(row.get("metadata"))
    state = (get("state") or "")
    started_at = parse_timestamp(get("created_at", "createdAt"))
    runtime = _number(get("runtime"))
    if runtime is None:
        runtime = runtime_of(summary)
    heartbeat = parse_timestamp(get("heartbeat_at", "heartbeatAt"))
    running = str(state).lower() == "running"
    git = metadata.get("git") if isinstance(metadata.get("git"), Mapping) else {}
    return {
        "project": str(project),
        "run_id": str(run_id),
        "entity": str(entity) if entity else None,
        "run_name": get("name", "display_name"),
        "state": str(state).lower() or None,
        "started_at": started_at,
        "ended_at": None if running else _end(started_at, runtime, heartbeat if runtime is None else None),
        "runtime_seconds": runtime,
        "git_commit": get("commit") or git.get("commit") or None,
        "git_remote": clean_remote(get("git_remote") or git.get("remote")),
        "program": get("program") or program_path(metadata),
        "user_id": person_id(get("email") or get("user", "username") or metadata.get("email")
                             or metadata.get("username"), salt),
        "source_format": FORMAT_EXPORT,
    }


def read_export(path: str | Path) -> list[dict[str, Any]]:
    """The rows of an export file: ``.csv``, ``.json`` (an array, or ``{"runs": [...]}``) or
    ``.jsonl`` / ``.ndjson``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return list(csv.DictReader(text.splitlines()))
    if suffix in (".jsonl", ".ndjson"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if suffix == ".json":
        data = json.loads(text)
        return list(data.get("runs", [])) if isinstance(data, dict) else list(data)
    raise ValueError(f"W&B export {path}: expected .csv, .json, .jsonl or .ndjson")


def combine(rows: Iterable[Row]) -> list[Row]:
    """One row per (project, run_id): later rows (exports) win where they have a value."""
    by_key: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = (row["project"], row["run_id"])
        if key not in by_key:
            by_key[key] = dict(row)
            continue
        merged = by_key[key]
        formats = {merged["source_format"], row["source_format"]}
        for column, value in row.items():
            if value is not None:
                merged[column] = value
        if len(formats) > 1:
            merged["source_format"] = f"{FORMAT_FOLDER}+{FORMAT_EXPORT}"
    return [by_key[k] for k in sorted(by_key)]


def collect_runs(run_dirs: Mapping[str, str | Sequence[str]] | None, export_files: Sequence[str] | None,
                 salt: str) -> list[Row]:
    rows: list[Row] = []
    for project_path, dirs in sorted((run_dirs or {}).items()):
        entity, project = split_project_path(project_path)
        for wandb_dir in [dirs] if isinstance(dirs, (str, Path)) else list(dirs):
            if not Path(wandb_dir).is_dir():
                raise FileNotFoundError(f"W&B run folder(s) for {project_path!r} not found at {wandb_dir}")
            for folder in run_folders(wandb_dir):
                row = parse_run_folder(folder, entity, project, salt)
                if row is None:
                    log.warning("W&B run folder %s has no files/%s; skipped", folder, METADATA_FILE)
                    continue
                rows.append(row)
    for export in export_files or []:
        rows.extend(parse_export_row(r, salt) for r in read_export(export))
    combined = combine(rows)
    for row in combined:
        if row["started_at"] is None:
            log.warning("W&B run %s/%s has no start time (startedAt / created_at); skipped",
                        row["project"], row["run_id"])
    return [row for row in combined if row["started_at"] is not None]


@dlt.source(name="wandb", max_table_nesting=0)
def wandb_source(
    run_dirs: Mapping[str, str | Sequence[str]] | None = None,
    export_files: Sequence[str] | None = None,
    salt: str | None = None,
) -> Any:
    """W&B runs from run folders (``entity/project`` -> a ``wandb`` directory, or a list of them,
    or single run folders) and/or export files (each row names its project)."""
    used_salt = salt if salt is not None else resolve_salt()

    @dlt.resource(name="runs", write_disposition="merge", primary_key=("project", "run_id"), columns=RUN_COLUMNS)
    def runs() -> Iterator[list[Row]]:
        yield collect_runs(run_dirs, export_files, used_salt)

    return runs
