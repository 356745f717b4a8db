"""Helpers shared by the pipeline, cloud-deployment and monitoring loaders.

Why a module of its own: the Airflow and Kubeflow REST sources and the file-drop readers
(SageMaker, Vertex AI, Databricks, Grafana, CloudWatch) all parse the same handful of things:
timestamps written five different ways (ISO 8601 with ``Z``, ``+00:00`` or ``+0000``, up to
nanoseconds; epoch seconds or milliseconds; the zero times ``0001-01-01T00:00:00Z`` and
``1970-01-01T00:00:00Z`` that mean "not yet"), folders of JSON documents as the CLIs print them,
and free text that may hold an email address (never stored: docs/data-contracts.md section 3).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


from ingest.pseudonymise import person_id

log = logging.getLogger(__name__)

Row = dict[str, Any]

#: file name endings read from a drop folder: one JSON document (or a JSON array of them) per
#: ``.json`` file, one document per line in ``.jsonl`` / ``.ndjson`` files
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_FRACTION = re.compile(r"(\.\d{1,6})\d*")
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
#: before this moment a timestamp is a placeholder (Go's zero time, the Unix epoch), not a time
_NOT_A_TIME_BEFORE = datetime(1971, 1, 1, tzinfo=timezone.utc)




def parse_time(value: Any) -> datetime | None:
    """Any timestamp these systems print -> tz-aware UTC datetime, or None.

    Accepts ISO 8601 (``Z``, ``+00:00`` or ``+0000`` offsets, 0-9 fractional digits; a naive
    value is UTC), epoch seconds or epoch milliseconds (numbers or digit strings; above 1e11 is
    milliseconds). Placeholder times (before 1971: Go's ``0001-01-01T00:00:00Z`` in Grafana,
    ``1970-01-01T00:00:00Z`` in Kubeflow) mean "not set" and give None.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    parsed: datetime
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value.strip())):
        number = float(value)
        if number <= 0:
            return None
        parsed = datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=timezone.utc)
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        text = _FRACTION.sub(r"\1", text)
        text = _COMPACT_OFFSET.sub(r"\1:\2", text)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not a timestamp: {value!r}") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    parsed = parsed.astimezone(timezone.utc)
    return None if parsed < _NOT_A_TIME_BEFORE else parsed


def redact_emails(text: str | None, salt: str | None = None) -> str | None:
    """Free text with every email address replaced by its person id (no email is stored)."""
    if not text:
        return text
    return _EMAIL.sub(lambda m: person_id(m.group(0), salt) or "", text)


def json_text(value: Any, salt: str | None = None) -> str | None:
    """A JSON value as compact text with sorted keys and emails redacted; None stays None."""
    if value is None:
        return None
    return redact_emails(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), salt)


def text_or_none(value: Any) -> str | None:
    """A scalar as text (numbers too: a model version may be printed as 7 or "7"); '' -> None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    return out or None


def stable_key(*parts: Any) -> str:
    """A short stable key from parts (for records whose systems give them no id)."""
    joined = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]


#: keys, in order of preference, under which a run's configuration names what it built from
GIT_COMMIT_KEYS = ("git_commit", "git_sha", "commit_sha")
MODEL_NAME_KEYS = ("model_name", "registered_model_name", "registered_model")
MODEL_VERSION_KEYS = ("model_version", "registered_model_version")


def _normalised_key(key: str) -> str:
    return re.sub(r"[^a-z0-9_]", "", re.sub(r"[-.\s]", "_", key.strip().lower()))


def pick(mapping: dict[str, Any] | None, keys: Sequence[str]) -> str | None:
    """The first of ``keys`` present in ``mapping``, compared case- and separator-insensitively
    (``GitCommit``, ``git-commit`` and ``git_commit`` are one key); None if none is there."""
    if not mapping:
        return None
    normalised = {_normalised_key(str(k)).replace("_", ""): v for k, v in mapping.items()}
    for key in keys:
        value = text_or_none(normalised.get(key.replace("_", "")))
        if value is not None:
            return value
    return None


def lineage(mapping: dict[str, Any] | None) -> tuple[str | None, str | None, str | None]:
    """(git_commit, model_name, model_version) named by a run's conf, parameters or labels."""
    commit = pick(mapping, GIT_COMMIT_KEYS)
    return (commit.lower() if commit else None, pick(mapping, MODEL_NAME_KEYS), pick(mapping, MODEL_VERSION_KEYS))


def iter_documents(folder: Path | str, recursive: bool = True) -> Iterator[tuple[Path, int, Any]]:
    """(file, position, document) for every JSON document in a drop folder, files sorted.

    A ``.json`` file holds one document or a JSON array of documents (position = index); a
    ``.jsonl`` / ``.ndjson`` file holds one per line (position = line number). A missing folder
    yields nothing (the tool is not used); a malformed document is an error naming file and line.
    """
    root = Path(folder)
    if not root.exists():
        log.info("%s: no such folder, nothing to read", root)
        return
    files = sorted(p for p in (root.rglob("*") if recursive else root.glob("*"))
                   if p.is_file() and p.suffix.lower() in JSON_SUFFIXES + JSONL_SUFFIXES)
    for path in files:
        if path.suffix.lower() in JSONL_SUFFIXES:
            with path.open(encoding="utf-8") as handle:
                for line_no, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        yield path, line_no, json.loads(line)
                    except ValueError as exc:
                        raise ValueError(f"{path}:{line_no}: not JSON ({exc})") from exc
        else:
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ValueError(f"{path}: not JSON ({exc})") from exc
            if isinstance(document, list):
                for index, item in enumerate(document):
                    yield path, index, item
            else:
                yield path, 0, document


def catalog_keys(catalog_dir: Path | str, object_type: str) -> list[str]:
    """The sorted object keys of one type in the catalog's ``project_mappings.csv``."""
    import csv

    path = Path(catalog_dir) / "project_mappings.csv"
    if not path.is_file():
        raise FileNotFoundError(f"catalog mappings not found: {path}")
    keys: set[str] = set()
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (row.get("object_type") or "").strip() == object_type and (row.get("object_key") or "").strip():
                keys.add(row["object_key"].strip())
    return sorted(keys)
