"""dlt source: TensorBoard runs read from log directories -> ``raw_tensorboard.runs``
(docs/data-contracts.md section 3).

A TensorBoard "run" is a folder under a log directory that holds event files
(``events.out.tfevents.*``), the log directory itself being run ``.`` when it holds some. Every
writer (TensorFlow, PyTorch's ``torch.utils.tensorboard``, tensorboardX, Keras, Lightning ...)
starts a file with a ``file_version`` event stamped when the writer opened, then one event per
summary with its wall time. So a run starts at the first event's wall time and ends at the
last one's, over all its files (a resumed run writes a second file).

Why TensorBoard's own reader (``tensorboard.backend.event_processing``): it is the reference
implementation of the format, maintained with it, checks each record's CRC, tolerates a
truncated last record (a run still writing), and needs no TensorFlow (it falls back to its
bundled stub). tbparse wraps the same reader and adds pandas and per-tag frames we do not
need; tensorboardX only writes. Decision D61 in docs/decisions.md.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dlt
from dlt.common.schema.typing import TTableSchemaColumns
from ingest.columns import TIMESTAMP_TZ

log = logging.getLogger(__name__)

RUN_COLUMNS: TTableSchemaColumns = {
    "logdir": {"data_type": "text", "nullable": False},
    "run": {"data_type": "text", "nullable": False},
    "started_at": dict(TIMESTAMP_TZ),  # type: ignore[dict-item]
    "ended_at": dict(TIMESTAMP_TZ),  # type: ignore[dict-item]
    "n_events": {"data_type": "bigint"},
    "n_event_files": {"data_type": "bigint"},
    "tags": {"data_type": "text"},
}


def _utc(wall_time: float) -> datetime:
    return datetime.fromtimestamp(wall_time, tz=timezone.utc)


def read_run(run_dir: str | Path) -> dict[str, Any] | None:
    """First and last wall time, event count and summary tags of the event files directly in
    ``run_dir``; None when they hold no event."""
    from tensorboard.backend.event_processing import event_file_loader, io_wrapper

    files = sorted(
        os.path.join(run_dir, name) for name in os.listdir(run_dir)
        if io_wrapper.IsTensorFlowEventsFile(name) and os.path.isfile(os.path.join(run_dir, name))
    )
    first = last = None
    n_events, tags = 0, set()
    for path in files:
        for event in event_file_loader.EventFileLoader(path).Load():
            n_events += 1
            if event.wall_time > 0:
                first = event.wall_time if first is None else min(first, event.wall_time)
                last = event.wall_time if last is None else max(last, event.wall_time)
            if event.HasField("summary"):
                tags.update(value.tag for value in event.summary.value if value.tag)
    if n_events == 0 or first is None or last is None:
        return None
    return {"started_at": _utc(first), "ended_at": _utc(last), "n_events": n_events,
            "n_event_files": len(files), "tags": ",".join(sorted(tags)) or None}


def logdir_runs(name: str, logdir: str | Path) -> list[dict[str, Any]]:
    """The ``runs`` rows of one log directory; ``run`` is the folder relative to it (``.`` for
    the log directory itself), with ``/`` separators."""
    from tensorboard.backend.event_processing import io_wrapper

    root = os.path.abspath(logdir)
    rows = []
    for run_dir in sorted(io_wrapper.GetLogdirSubdirectories(root)):
        summary = read_run(run_dir)
        if summary is None:
            continue
        relative = os.path.relpath(run_dir, root).replace(os.sep, "/")
        rows.append({"logdir": name, "run": relative, **summary})
    log.info("tensorboard log directory %s: %d runs", name, len(rows))
    return rows


@dlt.source(name="tensorboard", max_table_nesting=0)
def tensorboard_source(logdirs: dict[str, str]) -> Any:
    """TensorBoard runs of log directories (name -> path). The name, not the path, is what the
    catalog's ``tensorboard_logdir`` names (paths differ between machines)."""

    @dlt.resource(name="runs", write_disposition="merge", primary_key=("logdir", "run"), columns=RUN_COLUMNS)
    def runs() -> Iterator[list[dict[str, Any]]]:
        for name, path in sorted(logdirs.items()):
            if not Path(path).is_dir():
                raise FileNotFoundError(f"TensorBoard log directory {name!r} not found at {path}")
            yield logdir_runs(name, path)

    return runs
