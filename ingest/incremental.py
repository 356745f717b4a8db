"""Cursors for incremental loads, kept in dlt's source state.

Why our own small cursor rather than ``dlt.sources.incremental``: one resource reads many
repositories (Jira projects, MLflow experiments), and each needs its own high-water mark, or a
repository added to the catalog later would only get what changed after the others' mark.
The cursor is the largest timestamp seen plus the ids of the records seen *at* that timestamp
(what dlt's incremental calls boundary deduplication): an API asked for "updated at or after T"
returns those records again, and they are skipped unless they changed. The state lives in the
pipeline state, which dlt stores in the warehouse with each load, so it is committed with the
data it describes and survives a lost pipelines folder.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def to_utc(value: datetime) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def iso(value: datetime) -> str:
    return to_utc(value).isoformat()


def parse_iso(value: str) -> datetime:
    return to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


@dataclass
class Cursor:
    """High-water mark of a timestamp, and the record ids seen at exactly that timestamp.

    ``value`` None means "nothing loaded yet": every record is new. A cursor built from
    ``--since`` has no ids, so records at exactly ``since`` are new.
    """

    value: datetime | None = None
    ids_at_value: set[str] = field(default_factory=set)

    @classmethod
    def from_state(cls, state: Any, since: datetime | None = None) -> Cursor:
        if isinstance(state, dict) and state.get("value"):
            return cls(parse_iso(state["value"]), set(state.get("ids") or []))
        return cls(to_utc(since) if since else None, set())

    def to_state(self) -> dict[str, Any] | None:
        if self.value is None:
            return None
        return {"value": iso(self.value), "ids": sorted(self.ids_at_value)}

    def is_new(self, at: datetime | None, record_id: Any) -> bool:
        """Was the record (in this version) not loaded yet? A record without a time is new."""
        if self.value is None or at is None:
            return True
        at = to_utc(at)
        if at > self.value:
            return True
        return at == self.value and str(record_id) not in self.ids_at_value

    def is_older(self, at: datetime | None) -> bool:
        """Strictly before the mark: in a newest-first listing, everything after it is too."""
        return self.value is not None and at is not None and to_utc(at) < self.value

    def observe(self, at: datetime | None, record_id: Any) -> None:
        """Move the mark forward over a record that is being loaded."""
        if at is None:
            return
        at = to_utc(at)
        if self.value is None or at > self.value:
            self.value, self.ids_at_value = at, {str(record_id)}
        elif at == self.value:
            self.ids_at_value.add(str(record_id))

    def copy(self) -> Cursor:
        return Cursor(self.value, set(self.ids_at_value))


class CursorBook:
    """Named cursors (``resource -> key -> cursor``) read from and written back to a state dict.

    ``previous(resource, key)`` is what the last load reached (records at or before it are
    skipped); ``next(resource, key)`` starts as a copy of it and is moved by ``observe``; ``save``
    writes every next cursor into the state. With ``enabled`` False (recorded mode, or
    ``--full-refresh``), previous cursors are empty, so everything is loaded, but the next ones
    are still saved so that the run after is incremental.
    """

    def __init__(self, state: MutableMapping[str, Any], enabled: bool = True,
                 since: datetime | None = None) -> None:
        self.state = state
        self.enabled = enabled
        self.since = since
        self._previous: dict[tuple[str, str], Cursor] = {}
        self._next: dict[tuple[str, str], Cursor] = {}

    def previous(self, resource: str, key: str) -> Cursor:
        if (resource, key) not in self._previous:
            stored = self.state.get(resource, {}).get(key) if self.enabled else None
            self._previous[(resource, key)] = Cursor.from_state(stored, self.since)
        return self._previous[(resource, key)]

    def next(self, resource: str, key: str) -> Cursor:
        if (resource, key) not in self._next:
            self._next[(resource, key)] = self.previous(resource, key).copy()
        return self._next[(resource, key)]

    def save(self, resource: str | None = None) -> None:
        for (name, key), cursor in self._next.items():
            if resource is not None and name != resource:
                continue
            value = cursor.to_state()
            if value is not None:
                self.state.setdefault(name, {})[key] = value
