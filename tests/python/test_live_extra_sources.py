"""Live mode, the issue-6 sources through the one loader command: TensorBoard log directories
and notebooks in a git repository configured only by environment variables
(``SOURCES__TENSORBOARD__LOGDIRS``, ``SOURCES__NOTEBOOKS__REPOS``, JSON mappings) and loaded by
``python -m ingest.run --only tensorboard,notebooks`` as a subprocess; and a source without
configuration (``--only asana``) refused with one line.

The files are those of test_experiment_trackers.py (its writers are reused): 8 notebook
executions, 3 TensorBoard runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from test_experiment_trackers import utc, write_research_repo, write_tensorboard_run

ROOT = Path(__file__).resolve().parents[2]


def run_loader(cwd: Path, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m ingest.run`` from ``cwd`` (no project .dlt/ there), only the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    env.update({"PYTHONPATH": str(ROOT), "MLOPS_KPIS_PSEUDONYM_SALT": "extra-sources-salt",
                "RUNTIME__DLTHUB_TELEMETRY": "false", **(extra_env or {})})
    return subprocess.run([sys.executable, "-m", "ingest.run", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def write_catalog(catalog: Path) -> None:
    catalog.mkdir(parents=True)
    (catalog / "project_mappings.csv").write_text(
        "project_id,object_type,object_key\n"
        "churn,notebook_path_prefix,research:churn/\n"
        "churn,tensorboard_logdir,churn-tb\n"
        "churn,asana_project,1201234567890\n", encoding="utf-8")


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
                for t in ("raw_notebooks.notebook_executions", "raw_tensorboard.runs")}


def test_tensorboard_and_notebooks_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repos" / "research"
    write_research_repo(repo)
    logdir = tmp_path / "tb" / "churn"
    write_tensorboard_run(logdir / "baseline", utc(3, 5, 10),
                          [(utc(3, 5, 10, 10), 0.9), (utc(3, 5, 10, 30), 0.5)], monkeypatch)
    write_tensorboard_run(logdir / "lr_sweep" / "lr=0.01", utc(3, 11, 8), [(utc(3, 11, 9), 0.6)], monkeypatch)
    write_tensorboard_run(tmp_path / "tb" / "scratch", utc(3, 7, 12), [(utc(3, 7, 12, 5), 1.0)], monkeypatch)
    write_catalog(tmp_path / "catalog")
    db = tmp_path / "out" / "warehouse.duckdb"
    env = {"SOURCES__TENSORBOARD__LOGDIRS": json.dumps({"churn-tb": str(logdir),
                                                        "scratch-tb": str(tmp_path / "tb" / "scratch")}),
           "SOURCES__NOTEBOOKS__REPOS": json.dumps({"research": str(repo)})}
    args = ("--only", "tensorboard,notebooks", "--db", str(db), "--catalog", str(tmp_path / "catalog"))

    first = run_loader(tmp_path, *args, extra_env=env)
    assert first.returncode == 0, first.stderr
    # churn: N1-N6, fraud: c2, c4 (test_experiment_trackers); runs: baseline, lr_sweep/lr=0.01, scratch '.'
    expected = {"raw_notebooks.notebook_executions": 8, "raw_tensorboard.runs": 3}
    assert counts(db) == expected
    assert "tensorboard: loaded in" in first.stdout and "notebooks: loaded in" in first.stdout
    assert "asana" not in first.stdout  # not chosen: neither loaded nor reported

    second = run_loader(tmp_path, *args, extra_env=env)  # a rerun adds nothing (merge / replace)
    assert second.returncode == 0, second.stderr
    assert counts(db) == expected


def test_unconfigured_source_is_refused_in_one_line(tmp_path: Path) -> None:
    write_catalog(tmp_path / "catalog")
    db = tmp_path / "warehouse.duckdb"
    done = run_loader(tmp_path, "--only", "asana", "--db", str(db), "--catalog", str(tmp_path / "catalog"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == ["error: asana: not configured: no [sources.asana] token (.dlt/secrets.toml or "
                     "SOURCES__ASANA__TOKEN)"]
    assert done.stdout == ""
