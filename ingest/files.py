"""dlt source for deployments and incidents exported to files (CSV or JSON lines) ->
``raw_files.deployments``, ``raw_files.incidents`` and ``raw_files.quarantine``.

Why files: every CI/CD system (Argo CD, Jenkins, GitLab, Spinnaker ...), model registry export
(SageMaker, Vertex AI, W&B) and incident tool (PagerDuty, Opsgenie ...) can export a table.
One small documented contract (docs/data-contracts.md section 6) lets any of them feed the same
marts without a connector per tool.

Rules:

* A file is CSV (header row) when its name ends in ``.csv``, else JSON lines (one object per
  line). Column names are the contract's; unknown columns are ignored.
* A row is keyed by (``source_system``, its id) and loaded with ``merge``: loading a file twice,
  or two overlapping exports, adds nothing.
* A bad row (missing id, time or project; a time that is not ISO 8601; an unknown status) is
  never dropped silently: it goes to ``raw_files.quarantine`` with the file, line, field and
  problem, and is counted in the loader's summary; with ``on_bad_rows = "fail"`` the load stops
  at the first one with the same message.
* Incremental: per file, the size and a hash of what was read are kept in the source state. An
  unchanged file is skipped; a file that only grew (an appended export) is read from where the
  last load stopped; any other change re-reads the whole file.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dlt

from ingest.github import redact_emails
from ingest.pseudonymise import resolve_salt
from ingest.columns import table_columns

log = logging.getLogger(__name__)

Row = dict[str, Any]

#: source_system values that name this project's own connectors (ids would collide)
RESERVED_SOURCE_SYSTEMS = frozenset({"github", "jira", "mlflow", "mlflow_alias", "git"})
DEFAULT_SOURCE_SYSTEM = "file"
DEPLOYMENT_STATUSES = {"success": "success", "succeeded": "success", "failure": "failure", "failed": "failure",
                       "error": "failure"}
PRECISIONS = frozenset({"exact", "snapshot"})
#: quarantined rows kept per file (the count is always exact)
MAX_QUARANTINED_PER_FILE = 1000





DEPLOYMENT_COLUMNS = table_columns(
    [("source_system", "text"), ("deployment_id", "text"), ("project_id", "text"), ("deployed_at", "timestamp"),
     ("environment", "text"), ("status", "text"), ("sha", "text"), ("ref", "text"), ("model_name", "text"),
     ("model_version", "text"), ("description", "text"), ("timestamp_precision", "text"),
     ("source_file", "text"), ("source_line", "bigint")],
    ["source_system", "deployment_id"],
)
INCIDENT_COLUMNS = table_columns(
    [("source_system", "text"), ("incident_id", "text"), ("project_id", "text"), ("service", "text"),
     ("title", "text"), ("description", "text"), ("severity", "text"), ("created_at", "timestamp"),
     ("resolved_at", "timestamp"), ("source_file", "text"), ("source_line", "bigint")],
    ["source_system", "incident_id"],
)
QUARANTINE_COLUMNS = table_columns(
    [("kind", "text"), ("source_file", "text"), ("source_line", "bigint"), ("field", "text"),
     ("problem", "text"), ("record", "text")],
    ["source_file", "source_line"],
)


class BadRow(ValueError):
    """A row that breaks the contract; the message names the file, line and field."""

    def __init__(self, kind: str, path: str, line: int, field: str, problem: str, record: Any = None) -> None:
        self.kind, self.path, self.line, self.field, self.problem, self.record = kind, path, line, field, problem, record
        super().__init__(f"files: {path}:{line}: {field}: {problem}")


# ---------------------------------------------------------------------------------------------
# Pure parsing


def parse_file_time(value: Any) -> datetime | None:
    """ISO 8601 (``2025-06-03T09:15:00Z``, ``+02:00`` offsets, a space for ``T``, a bare date)
    -> tz-aware UTC; a time without an offset is UTC. Raises ValueError when unparsable."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    text = text.strip()
    return text or None


def _required(record: dict[str, Any], field: str, kind: str, path: str, line: int) -> str:
    value = _text(record.get(field))
    if value is None:
        raise BadRow(kind, path, line, field, "missing (required)", record)
    return value


def _time(record: dict[str, Any], field: str, kind: str, path: str, line: int, required: bool) -> datetime | None:
    raw = record.get(field)
    if _text(raw) is None:
        if required:
            raise BadRow(kind, path, line, field, "missing (required)", record)
        return None
    try:
        return parse_file_time(raw)
    except ValueError:
        raise BadRow(kind, path, line, field, f"not an ISO 8601 time ({_text(raw)!r})", record) from None


def _source_system(record: dict[str, Any], kind: str, path: str, line: int) -> str:
    system = (_text(record.get("source_system")) or DEFAULT_SOURCE_SYSTEM).lower()
    if system in RESERVED_SOURCE_SYSTEMS:
        raise BadRow(kind, path, line, "source_system",
                     f"{system!r} is reserved for this project's own connector; name your tool (e.g. argocd)", record)
    if ":" in system:
        raise BadRow(kind, path, line, "source_system", "must not contain ':'", record)
    return system


def parse_deployment_record(record: dict[str, Any], path: str, line: int, salt: str | None = None) -> Row:
    """One row of a deployments file -> a ``raw_files.deployments`` row, or ``BadRow``."""
    kind = "deployments"
    status_raw = (_text(record.get("status")) or "success").lower()
    if status_raw not in DEPLOYMENT_STATUSES:
        raise BadRow(kind, path, line, "status",
                     f"{status_raw!r} is not one of {', '.join(sorted(DEPLOYMENT_STATUSES))}", record)
    precision = (_text(record.get("timestamp_precision")) or "exact").lower()
    if precision not in PRECISIONS:
        raise BadRow(kind, path, line, "timestamp_precision", f"{precision!r} is not exact or snapshot", record)
    return {
        "source_system": _source_system(record, kind, path, line),
        "deployment_id": _required(record, "deployment_id", kind, path, line),
        "project_id": _required(record, "project_id", kind, path, line),
        "deployed_at": _time(record, "deployed_at", kind, path, line, required=True),
        "environment": _text(record.get("environment")),
        "status": DEPLOYMENT_STATUSES[status_raw],
        "sha": (_text(record.get("sha")) or "").lower() or None,
        "ref": _text(record.get("ref")),
        "model_name": _text(record.get("model_name")),
        "model_version": _text(record.get("model_version")),
        "description": redact_emails(_text(record.get("description")), salt),
        "timestamp_precision": precision,
        "source_file": path,
        "source_line": line,
    }


def parse_incident_record(record: dict[str, Any], path: str, line: int, salt: str | None = None) -> Row:
    """One row of an incidents file -> a ``raw_files.incidents`` row, or ``BadRow``.

    The project is the ``project_id`` column, else the catalog's ``incident_service`` mapping of
    the ``service`` column (resolved in dbt); a row with neither is bad.
    """
    kind = "incidents"
    project = _text(record.get("project_id"))
    service = _text(record.get("service"))
    if project is None and service is None:
        raise BadRow(kind, path, line, "project_id", "missing (required unless service names a catalog "
                     "incident_service)", record)
    created = _time(record, "created_at", kind, path, line, required=True)
    resolved = _time(record, "resolved_at", kind, path, line, required=False)
    if resolved is not None and created is not None and resolved < created:
        raise BadRow(kind, path, line, "resolved_at", "earlier than created_at", record)
    return {
        "source_system": _source_system(record, kind, path, line),
        "incident_id": _required(record, "incident_id", kind, path, line),
        "project_id": project,
        "service": service,
        "title": redact_emails(_text(record.get("title")), salt),
        "description": redact_emails(_text(record.get("description")), salt),
        "severity": _text(record.get("severity")),
        "created_at": created,
        "resolved_at": resolved,
        "source_file": path,
        "source_line": line,
    }


PARSERS = {"deployments": parse_deployment_record, "incidents": parse_incident_record}


def iter_records(path: str, text: str, first_line: int = 1, header: list[str] | None = None
                 ) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, record or None when unreadable, raw text) of a CSV or JSON-lines text.

    ``first_line`` and ``header`` continue a file read from the middle (an appended tail).
    """
    if path.lower().endswith(".csv"):
        reader = csv.reader(io.StringIO(text))
        fields = header
        start = first_line
        for values in reader:
            line = start + reader.line_num - 1
            if fields is None:
                fields = [f.strip().lstrip("\ufeff") for f in values]
                continue
            if not any(v.strip() for v in values):
                continue
            record = {name: (values[i] if i < len(values) else None) for i, name in enumerate(fields)}
            yield line, record, ",".join(values)
        return
    for offset, raw in enumerate(text.splitlines()):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            record = None
        yield first_line + offset, record if isinstance(record, dict) else None, raw


def csv_header(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    return [f.strip() for f in next(csv.reader([first]), [])]


# ---------------------------------------------------------------------------------------------
# Reading files incrementally


@dataclass
class FileRead:
    path: str
    rows: list[Row]
    bad: list[dict[str, Any]]
    n_bad: int
    state: dict[str, Any]
    skipped: bool


def expand_paths(patterns: Sequence[str]) -> list[str]:
    """Paths and globs (``exports/*.csv``, ``~`` expanded) -> existing files, sorted, unique.
    A pattern that matches nothing is a warning: an export that has not run yet is normal."""
    found: set[str] = set()
    for pattern in patterns:
        expanded = os.path.expanduser(str(pattern))
        matches = sorted(glob.glob(expanded)) if glob.has_magic(expanded) else ([expanded] if Path(expanded).is_file() else [])
        if not matches:
            log.warning("files: %s matches no file", pattern)
        found.update(str(Path(m)) for m in matches if Path(m).is_file())
    return sorted(found)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_file(kind: str, path: str, previous: dict[str, Any] | None, salt: str, fail_on_bad: bool,
              full: bool = False) -> FileRead:
    """Parse what is new in one file since ``previous`` (its state after the last load)."""
    data = Path(path).read_bytes()
    previous = None if full else previous
    if previous and previous.get("size") == len(data) and previous.get("sha256") == _digest(data):
        return FileRead(path, [], list(previous.get("bad") or []), int(previous.get("n_bad") or 0), previous, True)
    start, first_line, header = 0, 1, None
    old_bad: list[dict[str, Any]] = []
    old_n_bad = 0
    size = int((previous or {}).get("size") or 0)
    if previous and 0 < size < len(data) and previous.get("sha256") == _digest(data[:size]) \
            and data[size - 1:size] == b"\n":
        start, first_line = size, int(previous.get("lines") or 0) + 1
        header = csv_header(data) if path.lower().endswith(".csv") else None
        old_bad, old_n_bad = list(previous.get("bad") or []), int(previous.get("n_bad") or 0)
        log.info("files: %s grew; reading from line %d", path, first_line)
    elif previous:
        log.info("files: %s changed; reading it whole", path)
    text = data[start:].decode("utf-8-sig" if start == 0 else "utf-8", errors="replace")
    parse = PARSERS[kind]
    rows: dict[tuple[str, str], Row] = {}
    bad = old_bad
    n_bad = old_n_bad
    id_field = "deployment_id" if kind == "deployments" else "incident_id"
    for line, record, raw in iter_records(path, text, first_line, header):
        try:
            if record is None:
                raise BadRow(kind, path, line, "(line)", "not a JSON object" if not path.lower().endswith(".csv")
                             else "unreadable", None)
            row = parse(record, path, line, salt)
        except BadRow as problem:
            if fail_on_bad:
                raise
            n_bad += 1
            if n_bad <= 20:
                log.warning("%s", problem)
            if len(bad) < MAX_QUARANTINED_PER_FILE:
                bad.append({"kind": kind, "source_file": path, "source_line": line, "field": problem.field,
                            "problem": problem.problem,
                            "record": redact_emails(raw if record is None else json.dumps(record, default=str), salt)})
            continue
        key = (row["source_system"], row[id_field])
        if key in rows:
            log.info("files: %s:%d repeats %s %s (line %d); the later line wins", path, line, kind[:-1],
                     row[id_field], rows[key]["source_line"])
        rows[key] = row
    lines = first_line - 1 + len(text.splitlines())
    state = {"size": len(data), "sha256": _digest(data), "lines": lines, "bad": bad, "n_bad": n_bad}
    return FileRead(path, list(rows.values()), bad, n_bad, state, False)


@dlt.source(name="files", max_table_nesting=0)
def files_source(
    deployments: Sequence[str] = (),
    incidents: Sequence[str] = (),
    on_bad_rows: str = "quarantine",
    full_refresh: bool = False,
) -> Any:
    """Deployments and incidents from files (paths or globs), incrementally per file.

    ``on_bad_rows``: ``quarantine`` (default; bad rows go to ``raw_files.quarantine``) or
    ``fail`` (the first bad row stops the load with its file, line and field).
    """
    if on_bad_rows not in ("quarantine", "fail"):
        raise ValueError(f"files: on_bad_rows must be quarantine or fail, not {on_bad_rows!r}")
    salt = resolve_salt()
    patterns = {"deployments": list(deployments), "incidents": list(incidents)}
    reads: dict[str, list[FileRead]] = {}

    def read(kind: str) -> list[FileRead]:
        if kind not in reads:
            state = dlt.current.source_state().setdefault("files", {}).setdefault(kind, {})
            reads[kind] = []
            for path in expand_paths(patterns[kind]):
                result = read_file(kind, path, state.get(path), salt, on_bad_rows == "fail", full_refresh)
                log.info("files: %s: %s", path, "unchanged, skipped" if result.skipped else
                         f"{len(result.rows)} {kind} read, {result.n_bad} bad rows in the file")
                reads[kind].append(result)
                state[path] = result.state
        return reads[kind]

    @dlt.resource(name="deployments", primary_key=("source_system", "deployment_id"), write_disposition="merge",
                  columns=DEPLOYMENT_COLUMNS)
    def deployment_rows() -> Iterator[list[Row]]:
        for result in read("deployments"):
            if result.rows:
                yield result.rows

    @dlt.resource(name="incidents", primary_key=("source_system", "incident_id"), write_disposition="merge",
                  columns=INCIDENT_COLUMNS)
    def incident_rows() -> Iterator[list[Row]]:
        for result in read("incidents"):
            if result.rows:
                yield result.rows

    @dlt.resource(name="quarantine", primary_key=("source_file", "source_line"), write_disposition="replace",
                  columns=QUARANTINE_COLUMNS)
    def quarantine() -> Iterator[list[Row]]:
        """The bad rows of every configured file as it is now (replaced each load)."""
        bad = [row for kind in ("deployments", "incidents") for result in read(kind) for row in result.bad]
        n_bad = sum(result.n_bad for kind in ("deployments", "incidents") for result in read(kind))
        if n_bad:
            log.warning("files: %d bad rows, not loaded; see raw_files.quarantine", n_bad)
        yield bad

    return deployment_rows, incident_rows, quarantine
