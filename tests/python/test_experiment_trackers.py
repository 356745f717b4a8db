"""Experiment activity (T2) from Jupyter notebooks, TensorBoard and W&B, end to end.

Each tracker's data is written by a real writer in its real on-disk format:

- notebooks: nbformat writes .ipynb files whose code cells carry JupyterLab's "record timing"
  metadata (``metadata.execution``: iopub.status.busy, iopub.execute_input, iopub.status.idle,
  shell.execute_reply.started, shell.execute_reply) or the classic extension's ``ExecuteTime``,
  or none (nbstripout); they are committed with backdated dates to a real git repository;
- TensorBoard: tensorboardX's SummaryWriter writes the event files (its clock pinned so the
  writer's opening ``file_version`` event has a fixed wall time);
- W&B: run folders laid out as the wandb SDK leaves them (files/wandb-metadata.json,
  files/wandb-summary.json, files/config.yaml, output.log, requirements.txt, logs/, the
  ``run-<id>.wandb`` datastore with its header), plus a public-API export (JSON Lines).

They are loaded by the dlt sources into a fresh DuckDB file, with a Jira kickoff replayed
through the Jira source, and ``dbt build`` runs on a two-project catalog. Expected values are
worked out by hand below.

Timeline (UTC; ISO weeks W1 = Mon 2025-03-03, W2 = Mon 2025-03-10), project ``churn``:

  T1  EXP-1 kickoff created                                  Mon 03-03 09:00
  notebook research:churn/explore.ipynb (cells timed by JupyterLab)
  N1  c1 (03-03 11:00): cells A 10:00:00-10:00:05, B 10:01-10:03, C 10:20-10:25
      -> one burst (gaps 55 s and 17 min <= 30 min)       03-03 10:00-10:25   25 min  3 cells
  N2  c3 (03-04 16:00): A 14:00:00-14:00:10, B 14:05-14:35  03-04 14:00-14:35   35 min  2 cells
  N3  c3: new cell D 15:30-15:31 (55 min after 14:35 > 30)  03-04 15:30-15:31    1 min  1 cell
      (c3 still holds C's 03-03 10:20 times: already counted in N1, not again)
  N4  c5 (03-10 09:00): nbstripout'd, no times -> git_history at its author time, no end
  N5  c7 on branch 'lr-sweep' (03-12 09:00): A 08:00:00-08:00:30, B 08:01-08:20
                                                             03-12 08:00-08:20   20 min  2 cells
  notebook research:churn/features.ipynb (classic ExecuteTime metadata)
  N6  c8 (03-13 10:00): 09:00-09:45, 09:50-09:55            03-13 09:00-09:55   55 min  2 cells
  TensorBoard churn-tb
  TB1 baseline: writer opened 03-05 10:00, scalars at 10:10, 10:30, 11:00           60 min
  TB2 lr_sweep/lr=0.01: opened 03-11 08:00, last scalar 10:00                       120 min
  W&B acme/churn
  WA  offline run a1b2c3d4: startedAt 03-06 09:15, runtime 5400 s (also in the export)  90 min
  WB  synced run e5f6g7h8: 03-12 14:00, git commit recorded -> T6, not exploration
  WC  export only k9l0m1n2: created 03-12 09:00, runtime 1800 s, finished                30 min

Project ``fraud`` (notebook_repo research, no kickoff): fraud/eda.ipynb without times, changed
by c2 (03-05 12:00) and c4 (03-06 12:00) -> two git_history executions; c6 renames it (100%
similar): not an execution. churn/ notebooks match both notebook_path_prefix research:churn/
(churn) and notebook_repo research (fraud): the prefix wins.
Unassigned: TensorBoard log directory scratch-tb and W&B project acme/sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt
import duckdb
import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import tensorboardX
import tensorboardX.event_file_writer

import harness
from ingest.demo.model import CatalogProject, JiraIssue, Organisation, Person
from ingest.demo.writers import write_organisation
from ingest.jira import jira_source
from ingest.notebooks import (
    CellRun, NotebookVersion, cell_runs, group_bursts, notebooks_source, parse_timestamp, repo_executions,
)
from ingest.pseudonymise import person_id
from ingest.replay import replay_session
from ingest.tensorboard_logs import logdir_runs, tensorboard_source
from ingest.wandb_runs import clean_remote, parse_export_row, wandb_source
from mlops_kpis.dbt_runner import run_dbt

UTC = timezone.utc
SALT = "tracker-test-salt"
AKI = Person("aki", "Aki Sato", "aki.sato@example.com", "akisato")
DANA = Person("dana", "Dana Reyes", "dana.reyes@example.com", "dreyes")
AS_OF = "2025-03-14 00:00:00"
NAME = f"experiment-trackers-{os.getpid()}"  # per process: concurrent test runs share build/tests


def utc(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Writers: notebooks (nbformat) committed to a real git repository


def jlab_timing(start: datetime, end: datetime) -> dict[str, str]:
    """Cell metadata ``execution`` as JupyterLab records it (kernel message dates, UTC, 'Z')."""
    def iso(t: datetime) -> str:
        return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "iopub.status.busy": iso(start - timedelta(microseconds=420)),
        "iopub.execute_input": iso(start),
        "iopub.status.idle": iso(end + timedelta(microseconds=900)),
        "shell.execute_reply.started": iso(start + timedelta(microseconds=35)),
        "shell.execute_reply": iso(end),
    }


def code_cell(cell_id: str, source: str, count: int | None = None,
              timing: tuple[datetime, datetime] | None = None, classic: tuple[str, str] | None = None) -> Any:
    cell = nbformat.v4.new_code_cell(source, id=cell_id, execution_count=count)
    if count is not None:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ran {cell_id}\n")]
    if timing is not None:
        cell.metadata["execution"] = jlab_timing(*timing)
    if classic is not None:
        cell.metadata["ExecuteTime"] = {"end_time": classic[1], "start_time": classic[0]}
    return cell


def notebook(*cells: Any) -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Exploration", id="intro"), *cells]
    return nb


def git(repo: Path, *args: str, at: datetime | None = None, who: Person = AKI) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email,
                "GIT_COMMITTER_NAME": who.name, "GIT_COMMITTER_EMAIL": who.email,
                "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent)})
    if at is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = at.isoformat()
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def commit_notebook(repo: Path, path: str, nb: Any, message: str, at: datetime, who: Person = AKI) -> str:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message, at=at, who=who)
    return git(repo, "rev-parse", "HEAD")


def write_research_repo(repo: Path) -> dict[str, str]:
    """The 'research' repository of the timeline; returns commit key -> sha."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    shas: dict[str, str] = {}
    explore = "churn/explore.ipynb"
    cell_c = code_cell("c", "model.fit(X, y)", 3, (utc(3, 3, 10, 20), utc(3, 3, 10, 25)))
    shas["c1"] = commit_notebook(repo, explore, notebook(
        code_cell("a", "import pandas as pd", 1, (utc(3, 3, 10, 0, 0), utc(3, 3, 10, 0, 5))),
        code_cell("b", "df = pd.read_parquet('events.parquet')", 2, (utc(3, 3, 10, 1), utc(3, 3, 10, 3))),
        cell_c,
    ), "Explore churn events", utc(3, 3, 11))
    shas["c3"] = commit_notebook(repo, explore, notebook(
        code_cell("a", "import pandas as pd", 4, (utc(3, 4, 14, 0, 0), utc(3, 4, 14, 0, 10))),
        code_cell("b", "df = pd.read_parquet('events_v2.parquet')", 5, (utc(3, 4, 14, 5), utc(3, 4, 14, 35))),
        cell_c,  # not re-run: keeps its 03-03 times
        code_cell("d", "df.describe()", 6, (utc(3, 4, 15, 30), utc(3, 4, 15, 31))),
    ), "Try the v2 events", utc(3, 4, 16))
    eda = "fraud/eda.ipynb"
    shas["c2"] = commit_notebook(repo, eda, notebook(
        code_cell("a", "import polars as pl", 1), code_cell("b", "pl.read_csv('tx.csv').head()", 2),
    ), "Fraud EDA", utc(3, 5, 12), who=DANA)
    shas["c4"] = commit_notebook(repo, eda, notebook(
        code_cell("a", "import polars as pl", 1), code_cell("b", "tx = pl.read_csv('tx.csv')", 2),
        code_cell("c", "tx.describe()", 3),
    ), "Fraud EDA: describe", utc(3, 6, 12), who=DANA)
    shas["c5"] = commit_notebook(repo, explore, notebook(  # nbstripout: no outputs, counts, metadata
        code_cell("a", "import pandas as pd"), code_cell("b", "df = pd.read_parquet('events_v2.parquet')"),
        code_cell("c", "model.fit(X, y)"), code_cell("d", "df.describe()"),
    ), "Strip outputs", utc(3, 10, 9))
    git(repo, "mv", eda, "fraud/eda_v2.ipynb")
    git(repo, "commit", "-q", "-m", "Rename the EDA notebook", at=utc(3, 11, 12), who=DANA)
    shas["c6"] = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "lr-sweep")
    shas["c7"] = commit_notebook(repo, explore, notebook(
        code_cell("a", "import pandas as pd", 1, (utc(3, 12, 8, 0, 0), utc(3, 12, 8, 0, 30))),
        code_cell("b", "df = pd.read_parquet('events_v2.parquet')", 2, (utc(3, 12, 8, 1), utc(3, 12, 8, 20))),
        code_cell("c", "model.fit(X, y)"), code_cell("d", "df.describe()"),
    ), "Learning-rate sweep", utc(3, 12, 9))
    git(repo, "checkout", "-q", "main")
    shas["c8"] = commit_notebook(repo, "churn/features.ipynb", notebook(
        code_cell("a", "features = build()", 1, classic=("2025-03-13T09:00:00.000Z", "2025-03-13T09:45:00.120Z")),
        code_cell("b", "features.to_parquet('f.parquet')", 2,
                  classic=("2025-03-13T09:50:00.000Z", "2025-03-13T09:55:00.004Z")),
    ), "Feature notebook", utc(3, 13, 10))
    return shas


# ---------------------------------------------------------------------------------------------
# Writers: TensorBoard (tensorboardX) and W&B run folders


class _FixedClock:
    """Stands in for the ``time`` module inside tensorboardX's event file writer."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def write_tensorboard_run(run_dir: Path, opened: datetime, scalars: list[tuple[datetime, float]],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(tensorboardX.event_file_writer, "time", _FixedClock(opened.timestamp()))
        writer = tensorboardX.SummaryWriter(str(run_dir))
    for step, (at, value) in enumerate(scalars):
        writer.add_scalar("train/loss", value, step, walltime=at.timestamp())
        writer.add_scalar("val/auc", 0.7 + step / 100, step, walltime=at.timestamp())
    writer.close()


WANDB_HEADER = struct.pack("<4sHB", b":W&B", 0xBEE1, 0)  # the datastore header (datastore.py)


def write_wandb_run(wandb_dir: Path, run_id: str, started: datetime, runtime: int, offline: bool,
                    who: Person, git_commit: str | None = None) -> Path:
    """A run folder as the wandb SDK leaves it (its binary log holds only its header here)."""
    stamp = started.strftime("%Y%m%d_%H%M%S")
    run_dir = wandb_dir / f"{'offline-run' if offline else 'run'}-{stamp}-{run_id}"
    (run_dir / "files").mkdir(parents=True)
    (run_dir / "logs").mkdir()
    (run_dir / "tmp" / "code").mkdir(parents=True)
    metadata: dict[str, Any] = {
        "os": "Linux-6.8.0-x86_64-with-glibc2.39",
        "python": "CPython 3.11.9",
        "startedAt": started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "args": ["--lr", "0.01"],
        "program": f"/home/{who.login}/src/churn/train.py",
        "codePath": "train.py",
        "codePathLocal": "train.py",
        "email": who.email,
        "root": f"/home/{who.login}/src/churn",
        "host": f"{who.login}-workstation",
        "username": who.login,
        "executable": "/usr/bin/python3",
        "cpu_count": 8,
        "cpu_count_logical": 16,
    }
    if git_commit:
        metadata["git"] = {"remote": "https://ci-bot:ghp_secret@github.com/acme/churn.git", "commit": git_commit}
    (run_dir / "files" / "wandb-metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    summary = {"_runtime": runtime - 0.4, "_step": 9, "_timestamp": started.timestamp() + runtime - 0.4,
               "_wandb": {"runtime": runtime}, "train/loss": 0.21, "val/auc": 0.83}
    (run_dir / "files" / "wandb-summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (run_dir / "files" / "config.yaml").write_text(
        "_wandb:\n  value:\n    cli_version: 0.19.8\n    m: []\n    python_version: 3.11.9\n"
        f"    start_time: {started.timestamp()}\n    t:\n      \"1\":\n        - 1\n        - 55\n"
        "lr:\n  value: 0.01\nmodel:\n  value: xgboost\n", encoding="utf-8")
    (run_dir / "files" / "output.log").write_text("epoch 0 loss 0.9\nepoch 9 loss 0.21\n", encoding="utf-8")
    (run_dir / "files" / "requirements.txt").write_text("wandb==0.19.8\nxgboost==2.1.4\n", encoding="utf-8")
    (run_dir / "logs" / "debug.log").write_text("wandb_init.py:init(): starting backend\n", encoding="utf-8")
    (run_dir / "logs" / "debug-internal.log").write_text('{"level":"INFO","msg":"stream: started"}\n',
                                                          encoding="utf-8")
    (run_dir / f"run-{run_id}.wandb").write_bytes(WANDB_HEADER)
    latest = wandb_dir / "latest-run"
    if latest.is_symlink():
        latest.unlink()
    latest.symlink_to(run_dir.name)
    return run_dir


def write_wandb_export(path: Path) -> None:
    """Rows as a script over ``wandb.Api().runs('acme/<project>')`` writes them (JSON Lines)."""
    rows = [
        {"id": "a1b2c3d4", "name": "baseline-xgb", "entity": "acme", "project": "churn", "state": "finished",
         "created_at": "2025-03-06T09:15:00Z", "runtime": 5400, "user": AKI.email, "commit": None},
        {"id": "k9l0m1n2", "name": "xgb-depth-8", "entity": "acme", "project": "churn", "state": "finished",
         "created_at": "2025-03-12T09:00:00", "summary": {"_runtime": 1799.2, "_wandb": {"runtime": 1800}},
         "metadata": {"codePath": "train.py", "email": DANA.email}},
        {"id": "zz99zz99", "name": "scratch", "path": "acme/sandbox/zz99zz99", "state": "crashed",
         "created_at": "2025-03-07T15:00:00Z", "runtime": 60, "user": DANA.email},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def write_catalog(catalog: Path) -> None:
    catalog.mkdir(parents=True)
    (catalog / "projects.csv").write_text(
        "project_id,project_name,team\nchurn,Churn model,growth\nfraud,Fraud model,risk\n", encoding="utf-8")
    (catalog / "project_mappings.csv").write_text(
        "project_id,object_type,object_key\n"
        "churn,jira_kickoff_key,EXP-1\n"
        "churn,notebook_path_prefix,research:churn/\n"
        "churn,tensorboard_logdir,churn-tb\n"
        "churn,wandb_project,acme/churn\n"
        "fraud,notebook_repo,research\n", encoding="utf-8")


def kickoff_session(out_dir: Path) -> tuple[str, Any]:
    """The Jira kickoff EXP-1 as Jira Cloud answers it (a recorded page), and a session replaying it."""
    org = Organisation(
        "trackers", utc(3, 31, 0), [AKI, DANA], [],
        jira_issues=[JiraIssue("EXP-1", 10001, "Epic", "Churn model: kickoff", "aki", utc(3, 3, 9),
                               "In Progress", labels=["kickoff"])],
        catalog=[CatalogProject("churn", "Churn model", "growth", kickoff_keys=["EXP-1"])],
    )
    write_organisation(org, out_dir)
    return org.jira_base_url, replay_session([out_dir / "recorded"])


def run_pipeline(name: str, dataset: str, source: Any, db_path: Path, pipelines_dir: Path) -> None:
    pipeline = dlt.pipeline(pipeline_name=f"trackers_{name}", destination=dlt.destinations.duckdb(str(db_path)),
                            dataset_name=dataset, pipelines_dir=str(pipelines_dir))
    pipeline.run(source).raise_on_failed_jobs()


# ---------------------------------------------------------------------------------------------
# The built warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MLOPS_KPIS_PSEUDONYM_SALT", SALT)
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    tmp = tmp_path_factory.mktemp("trackers")
    shas = write_research_repo(tmp / "repos" / "research")

    logdir = tmp / "tb" / "churn"
    write_tensorboard_run(logdir / "baseline", utc(3, 5, 10),
                          [(utc(3, 5, 10, 10), 0.9), (utc(3, 5, 10, 30), 0.5), (utc(3, 5, 11), 0.3)], monkeypatch)
    write_tensorboard_run(logdir / "lr_sweep" / "lr=0.01", utc(3, 11, 8),
                          [(utc(3, 11, 9), 0.6), (utc(3, 11, 10), 0.4)], monkeypatch)
    write_tensorboard_run(tmp / "tb" / "scratch", utc(3, 7, 12), [(utc(3, 7, 12, 5), 1.0)], monkeypatch)

    wandb_dir = tmp / "wandb"
    write_wandb_run(wandb_dir, "a1b2c3d4", utc(3, 6, 9, 15), 5400, offline=True, who=AKI)
    write_wandb_run(wandb_dir, "e5f6g7h8", utc(3, 12, 14), 3600, offline=False, who=DANA,
                    git_commit="4f1c2a9d0b7e6f5a4c3b2a1908f7e6d5c4b3a291")
    export = tmp / "wandb-export.jsonl"
    write_wandb_export(export)

    root = harness.SCRATCH / NAME
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    catalog = root / "catalog"
    write_catalog(catalog)
    db_path = root / "warehouse.duckdb"
    pipelines = tmp / "dlt_pipelines"
    jira_url, session = kickoff_session(tmp / "jira")

    def load() -> None:
        run_pipeline("jira", "raw_jira", jira_source(["EXP"], jira_url, session=session), db_path, pipelines)
        run_pipeline("notebooks", "raw_notebooks",
                     notebooks_source({"research": str(tmp / "repos" / "research")}), db_path, pipelines)
        run_pipeline("tensorboard", "raw_tensorboard",
                     tensorboard_source({"churn-tb": str(logdir), "scratch-tb": str(tmp / "tb" / "scratch")}),
                     db_path, pipelines)
        run_pipeline("wandb", "raw_wandb",
                     wandb_source({"acme/churn": str(wandb_dir)}, [str(export)]), db_path, pipelines)

    load()
    first_counts = raw_counts(db_path)
    load()  # a second load of the same files changes nothing
    run_dbt(["build"], db_path, catalog, root / "dbt_target", {"as_of": AS_OF})
    yield {"db": db_path, "shas": shas, "first_counts": first_counts, "tmp": tmp}
    monkeypatch.undo()
    shutil.rmtree(root, ignore_errors=True)


def raw_counts(db_path: Path) -> dict[str, int]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("raw_jira.issues", "raw_notebooks.notebook_executions", "raw_tensorboard.runs",
                          "raw_wandb.runs")}


def rows(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    return harness.query(db, sql, params)


# ---------------------------------------------------------------------------------------------
# Raw tables


def test_loads_are_idempotent(built: dict[str, Any]) -> None:
    # notebooks: churn N1-N6 + fraud c2, c4 = 8; TensorBoard: baseline, lr_sweep/lr=0.01, scratch '.';
    # W&B: a1b2c3d4 (folder + export), e5f6g7h8, k9l0m1n2, zz99zz99
    expected = {"raw_jira.issues": 1, "raw_notebooks.notebook_executions": 8, "raw_tensorboard.runs": 3,
                "raw_wandb.runs": 4}
    assert built["first_counts"] == expected
    assert raw_counts(built["db"]) == expected


def test_notebook_executions(built: dict[str, Any]) -> None:
    shas = built["shas"]
    got = rows(built["db"], "select path, execution_id, method, started_at, ended_at, git_commit, cells_executed, "
                            "author_id from raw_notebooks.notebook_executions order by path, started_at")
    aki, dana = person_id(AKI.email, SALT), person_id(DANA.email, SALT)
    assert got == [
        ("churn/explore.ipynb", "cells-20250303T100000Z", "cell_metadata", utc(3, 3, 10), utc(3, 3, 10, 25),
         shas["c1"], 3, aki),
        ("churn/explore.ipynb", "cells-20250304T140000Z", "cell_metadata", utc(3, 4, 14), utc(3, 4, 14, 35),
         shas["c3"], 2, aki),
        ("churn/explore.ipynb", "cells-20250304T153000Z", "cell_metadata", utc(3, 4, 15, 30), utc(3, 4, 15, 31),
         shas["c3"], 1, aki),
        ("churn/explore.ipynb", f"commit-{shas['c5']}", "git_history", utc(3, 10, 9), None, shas["c5"], 0, aki),
        ("churn/explore.ipynb", "cells-20250312T080000Z", "cell_metadata", utc(3, 12, 8), utc(3, 12, 8, 20),
         shas["c7"], 2, aki),
        # classic ExecuteTime: end_time 09:55:00.004 (sub-second kept)
        ("churn/features.ipynb", "cells-20250313T090000Z", "cell_metadata", utc(3, 13, 9),
         utc(3, 13, 9, 55) + timedelta(microseconds=4000), shas["c8"], 2, aki),
        ("fraud/eda.ipynb", f"commit-{shas['c2']}", "git_history", utc(3, 5, 12), None, shas["c2"], 2, dana),
        ("fraud/eda.ipynb", f"commit-{shas['c4']}", "git_history", utc(3, 6, 12), None, shas["c4"], 3, dana),
    ]


def test_tensorboard_runs(built: dict[str, Any]) -> None:
    got = rows(built["db"], "select logdir, run, started_at, ended_at, n_events, tags from raw_tensorboard.runs "
                            "order by logdir, run")
    # events: the file_version event + 2 scalars per step
    assert got == [
        ("churn-tb", "baseline", utc(3, 5, 10), utc(3, 5, 11), 1 + 2 * 3, "train/loss,val/auc"),
        ("churn-tb", "lr_sweep/lr=0.01", utc(3, 11, 8), utc(3, 11, 10), 1 + 2 * 2, "train/loss,val/auc"),
        ("scratch-tb", ".", utc(3, 7, 12), utc(3, 7, 12, 5), 1 + 2, "train/loss,val/auc"),
    ]


def test_wandb_runs(built: dict[str, Any]) -> None:
    got = rows(built["db"], "select entity, project, run_id, run_name, state, started_at, ended_at, git_commit, "
                            "git_remote, program, user_id, source_format from raw_wandb.runs order by project, run_id")
    aki, dana = person_id(AKI.email, SALT), person_id(DANA.email, SALT)
    assert got == [
        ("acme", "churn", "a1b2c3d4", "baseline-xgb", "finished", utc(3, 6, 9, 15), utc(3, 6, 10, 45), None,
         None, "train.py", aki, "run_folder+export"),
        ("acme", "churn", "e5f6g7h8", None, None, utc(3, 12, 14), utc(3, 12, 15),
         "4f1c2a9d0b7e6f5a4c3b2a1908f7e6d5c4b3a291", "https://github.com/acme/churn.git", "train.py", dana,
         "run_folder"),
        ("acme", "churn", "k9l0m1n2", "xgb-depth-8", "finished", utc(3, 12, 9), utc(3, 12, 9, 30), None, None,
         "train.py", dana, "export"),
        ("acme", "sandbox", "zz99zz99", "scratch", "crashed", utc(3, 7, 15), utc(3, 7, 15, 1), None, None, None,
         dana, "export"),
    ]
    texts = " ".join(str(v) for row in rows(built["db"], "select * from raw_wandb.runs") for v in row)
    assert "@" not in texts and "ghp_secret" not in texts and "/home/" not in texts


# ---------------------------------------------------------------------------------------------
# Marts


def test_t2_journey_events(built: dict[str, Any]) -> None:
    got = rows(built["db"], "select project_id, t_code, source_system, record_type, count(*) "
                            "from marts.fct_journey_events group by all order by all")
    assert got == [
        ("churn", "T1", "jira", "kickoff", 1),
        # 2 notebooks (explore, features), churn-tb, acme/churn
        ("churn", "T2", "notebook", "experiment", 2),
        ("churn", "T2", "notebook", "run", 6),  # N1-N6
        ("churn", "T2", "tensorboard", "experiment", 1),
        ("churn", "T2", "tensorboard", "run", 2),
        ("churn", "T2", "wandb", "experiment", 1),
        ("churn", "T2", "wandb", "run", 2),  # WA, WC
        ("churn", "T6", "wandb", "run", 1),  # WB ran commit 4f1c2a9
        ("fraud", "T2", "notebook", "experiment", 1),
        ("fraud", "T2", "notebook", "run", 2),
    ]
    # experiments are created at their first run
    created = dict(rows(built["db"], "select source_record_id, occurred_at from marts.fct_journey_events "
                                     "where record_type = 'experiment' and project_id = 'churn'"))
    assert created == {"research:churn/explore.ipynb": utc(3, 3, 10).replace(tzinfo=None),
                       "research:churn/features.ipynb": utc(3, 13, 9).replace(tzinfo=None),
                       "churn-tb": utc(3, 5, 10).replace(tzinfo=None),
                       "acme/churn": utc(3, 6, 9, 15).replace(tzinfo=None)}
    # every churn event falls in cycle 1 (one kickoff)
    assert rows(built["db"], "select distinct exploration_cycle from marts.fct_journey_events "
                             "where project_id = 'churn'") == [(1,)]


def test_exploration_cycle_kpis(built: dict[str, Any]) -> None:
    got = harness.query_dicts(built["db"], "select * from marts.fct_exploration_cycles")
    assert len(got) == 1
    cycle = got[0]
    assert cycle["project_id"] == "churn" and cycle["is_exploring"]
    # first T2 at/after the kickoff (03-03 09:00): N1 and its notebook at 10:00 -> 1 h
    assert cycle["time_to_first_experiment_hours"] == pytest.approx(1.0)
    # T2 runs: W1 N1 N2 N3 TB1 WA, W2 N4 TB2 N5 WC N6 -> 10 runs / 2 active weeks
    assert (cycle["experiment_runs"], cycle["active_weeks"]) == (10, 2)
    assert cycle["runs_per_active_week"] == pytest.approx(5.0)
    # finished runs, minutes: N3 1, N5 20, N1 25, WC 30, N2 35, N6 55.00007, TB1 60, WA 90, TB2 120
    # (N4 has no end). n = 9; median = 5th = 35 min; p90 (continuous): rank 0.9 * 8 = 7.2 ->
    # 90 + 0.2 * (120 - 90) = 96 min. datediff counts whole seconds, so N6 is 55 min.
    assert cycle["experiment_feedback_n"] == 9
    assert cycle["experiment_feedback_median_hours"] == pytest.approx(35 / 60)
    assert cycle["experiment_feedback_p90_hours"] == pytest.approx(96 / 60)
    assert cycle["time_to_baseline_hours"] is None and cycle["concept_to_production_hours"] is None


def test_unassigned_tracker_records(built: dict[str, Any]) -> None:
    got = rows(built["db"], "select source_system, record_type, source_record_id, label from marts.unassigned_records "
                            "where source_system in ('notebook', 'tensorboard', 'wandb') order by 1, 3")
    assert got == [("tensorboard", "experiment", "scratch-tb", "scratch-tb (1 runs)"),
                   ("wandb", "experiment", "acme/sandbox", "acme/sandbox (1 runs)")]


# ---------------------------------------------------------------------------------------------
# Parsing rules, without a warehouse


def test_cell_times_from_either_metadata_and_bursts() -> None:
    nb = notebook(
        code_cell("a", "1", 1, (utc(3, 3, 10), utc(3, 3, 10, 1))),
        code_cell("b", "2", 2, classic=("2025-03-03T10:20:00", "2025-03-03T10:21:00.5")),  # naive = UTC
        code_cell("c", "3"),  # never run
        code_cell("d", "4", 3, (utc(3, 3, 10, 52), utc(3, 3, 10, 53))),  # 31 min after 10:21 -> new burst
    )
    runs = cell_runs(nbformat.reads(nbformat.writes(nb), as_version=4))
    assert runs == [CellRun(utc(3, 3, 10), utc(3, 3, 10, 1)),
                    CellRun(utc(3, 3, 10, 20), utc(3, 3, 10, 21) + timedelta(milliseconds=500)),
                    CellRun(utc(3, 3, 10, 52), utc(3, 3, 10, 53))]
    version = NotebookVersion("s", "n.ipynb", "a@example.com", utc(3, 3, 11), utc(3, 3, 11))
    bursts = group_bursts({r: version for r in runs}, timedelta(minutes=30))
    assert [(b.started_at, b.ended_at, b.cells) for b in bursts] == [
        (utc(3, 3, 10), utc(3, 3, 10, 21) + timedelta(milliseconds=500), 2),
        (utc(3, 3, 10, 52), utc(3, 3, 10, 53), 1)]
    assert parse_timestamp("2024-10-02T09:12:44.123456789Z") == datetime(2024, 10, 2, 9, 12, 44, 123456, tzinfo=UTC)
    assert parse_timestamp("2017-04-22T12:27:39-04:00") == utc(4, 22, 16, 27, 39).replace(year=2017)


def test_notebook_source_reads_bare_clones(built: dict[str, Any]) -> None:
    tmp = built["tmp"]
    bare = tmp / "research.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(tmp / "repos" / "research"), str(bare)], check=True)
    from_clone = repo_executions("research", tmp / "repos" / "research", SALT)
    assert repo_executions("research", bare, SALT) == from_clone
    # a longer burst gap joins N2 and N3 (55 min apart) into one execution
    joined = repo_executions("research", bare, SALT, burst_gap=timedelta(minutes=60))
    assert len(joined) == len(from_clone) - 1


def test_tensorboard_reader_and_wandb_rules(built: dict[str, Any]) -> None:
    empty = built["tmp"] / "empty-logdir" / "run"
    empty.mkdir(parents=True)
    (empty / "events.out.tfevents.1741168800.host").write_bytes(b"")  # opened, nothing written yet
    assert logdir_runs("empty", empty.parent) == []
    assert clean_remote("https://user:token@gitlab.example.com:8443/ml/churn.git") == \
        "https://gitlab.example.com:8443/ml/churn.git"
    running = parse_export_row({"id": "r1", "project": "churn", "state": "running",
                                "created_at": "2025-03-12T09:00:00Z", "runtime": 10}, SALT)
    assert running["ended_at"] is None and running["state"] == "running"
    with pytest.raises(ValueError):
        parse_export_row({"id": "r2", "created_at": "2025-03-12T09:00:00Z"}, SALT)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10 * 24 * 60), st.integers(0, 180)), min_size=1, max_size=40),
       st.integers(1, 120))
def test_bursts_partition_cell_runs(cells: list[tuple[int, int]], gap_minutes: int) -> None:
    """Every cell run is in exactly one burst; bursts are ordered, each spans its cells, and
    consecutive bursts are more than the gap apart."""
    base = utc(3, 3, 0)
    runs = {CellRun(base + timedelta(minutes=s), base + timedelta(minutes=s + d)) for s, d in cells}
    version = NotebookVersion("s", "n.ipynb", "a@example.com", base, base)
    gap = timedelta(minutes=gap_minutes)
    bursts = group_bursts({r: version for r in runs}, gap)
    assert sum(b.cells for b in bursts) == len(runs)
    assert bursts[0].started_at == min(r.started_at for r in runs)
    assert max(b.ended_at for b in bursts) == max(r.ended_at for r in runs)
    for before, after in zip(bursts, bursts[1:]):
        assert after.started_at - before.ended_at > gap
    for run in runs:
        assert sum(1 for b in bursts if b.started_at <= run.started_at and run.ended_at <= b.ended_at) == 1
