"""Live mode against a real MLflow tracking server (``mlflow server`` on 127.0.0.1 with a sqlite
backend, started here), plus deployment and incident files, through to ``dbt build``.

The test logs experiments and backdated runs, registers model versions and sets the
``champion`` alias; loads; moves the alias, logs a new run and finishes a running one, appends
to the deployments export; loads again (which must read only what changed); and builds. The
alias move becomes a promotion dated by the second load (``timestamp_precision`` 'snapshot'),
the file deployment and incidents reach the marts.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

import harness
from ingest.run import LoadReport, load_live
from ingest.settings import LiveSettings
from mlops_kpis.dbt_runner import run_dbt

UTC = timezone.utc
JAN = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def epoch_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


class MlflowServer:
    """``mlflow server`` on a free loopback port with a sqlite backend in a fresh folder.

    A cold server needs 20-40 s to import and migrate its database, so it is started when this
    module is imported (pytest collects every module before running any test) and waited for
    by the fixture: the boot overlaps with the tests that run before these. It is stopped by
    the fixture's teardown, or at exit if no test of this module ran.
    """

    def __init__(self) -> None:
        import atexit

        self.process: subprocess.Popen[bytes] | None = None
        self.root = Path(tempfile.mkdtemp(prefix="mlops-kpis-mlflow-"))
        mlflow = Path(sys.executable).parent / "mlflow"
        if not mlflow.exists():
            return
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = open(self.root / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(mlflow), "server", "--backend-store-uri", f"sqlite:///{self.root / 'mlflow.db'}",
             "--default-artifact-root", str(self.root / "artifacts"), "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", "1"],
            stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "MLFLOW_TRACKING_URI": ""},
        )
        atexit.register(self.stop)

    def wait_ready(self, timeout: float = 180) -> str:
        if self.process is None:
            pytest.skip("mlflow is not installed (pip install -e '.[test]')")
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return self.url
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.root / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"mlflow server did not start: {log}")
            time.sleep(0.25)

    def stop(self) -> None:
        """Stop the server's process group (the server and its worker), then its folder."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process is not None:
            self.log_file.close()
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVER = MlflowServer()


@pytest.fixture(scope="module")
def mlflow_server() -> Iterator[str]:
    """The tracking server's URL, once it answers /health; stopped after this module."""
    try:
        yield SERVER.wait_ready()
    finally:
        SERVER.stop()


def write_catalog(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "projects.csv").write_text("project_id,project_name,team\nfraud,Fraud detection,risk\n")
    (folder / "project_mappings.csv").write_text(
        "project_id,object_type,object_key\n"
        "fraud,mlflow_experiment_prefix,fraud/\n"
        "fraud,registered_model,fraud-model\n"
        "fraud,incident_service,fraud-api\n")
    return folder


def load(db: Path, catalog: Path, settings: LiveSettings) -> LoadReport:
    report = load_live(db, catalog, only={"mlflow", "files"}, settings=settings)
    assert report.ok, report.failures
    return report


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    return harness.query_dicts(db, sql)


def test_mlflow_and_files_incremental_loads_to_promotions(mlflow_server: str) -> None:
    # inside the project (dbt reads the catalog seeds from a relative path), one folder per run:
    # test runs of several people in one tree must not share a warehouse file
    harness.SCRATCH.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="live-mlflow-", dir=harness.SCRATCH))
    try:
        _run_scenario(mlflow_server, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_scenario(mlflow_server: str, root: Path) -> None:
    from mlflow.tracking import MlflowClient

    catalog = write_catalog(root / "catalog")
    db = root / "warehouse.duckdb"
    exports = root / "exports"
    exports.mkdir()
    deployments = exports / "deployments.csv"
    deployments.write_text("deployment_id,project_id,deployed_at,model_name,model_version,source_system\n"
                           "d-1,fraud,2025-01-10T12:00:00Z,fraud-model,1,sagemaker\n"
                           "d-2,fraud,,fraud-model,1,sagemaker\n")  # no time: quarantined
    incidents = exports / "incidents.jsonl"
    incidents.write_text(
        json.dumps({"incident_id": "PD-1", "project_id": "fraud", "created_at": "2025-01-11T08:00:00Z",
                    "resolved_at": "2025-01-11T10:00:00Z", "title": "fraud-model:1 scores drift",
                    "source_system": "pagerduty"}) + "\n"
        + json.dumps({"incident_id": "PD-2", "service": "fraud-api", "created_at": "2025-01-12T08:00:00Z",
                      "title": "timeouts", "source_system": "pagerduty"}) + "\n")
    settings = LiveSettings(mlflow_tracking_uri=mlflow_server, files_deployments=[str(deployments)],
                            files_incidents=[str(incidents)])

    client = MlflowClient(mlflow_server)
    fraud = client.create_experiment("fraud/training")
    client.create_experiment("scratch")
    run_ids = []
    for day in range(3):
        run = client.create_run(fraud, start_time=epoch_ms(JAN.replace(day=6 + day)),
                                tags={"mlflow.source.git.commit": f"{day + 1:040x}", "mlflow.user": "ann@example.com"})
        client.log_metric(run.info.run_id, "auc", 0.9 + day / 100, timestamp=epoch_ms(JAN))
        client.set_terminated(run.info.run_id, end_time=epoch_ms(JAN.replace(day=6 + day, hour=10)))
        run_ids.append(run.info.run_id)
    running = client.create_run(fraud, start_time=epoch_ms(JAN.replace(day=9)))  # still running at load 1
    client.create_registered_model("fraud-model")
    for run_id in run_ids[:2]:
        client.create_model_version("fraud-model", f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias("fraud-model", "champion", "1")

    first = load(db, catalog, settings)
    assert first.loaded("raw_mlflow.experiments") == 3  # Default, fraud/training, scratch
    assert first.loaded("raw_mlflow.runs") == 4
    assert first.loaded("raw_mlflow.model_versions") == 2
    assert first.total("raw_mlflow.model_aliases") == 1
    assert first.loaded("raw_files.deployments") == 1 and first.total("raw_files.quarantine") == 1
    assert first.loaded("raw_files.incidents") == 2
    run_dbt(["build", "--select", "+snp_mlflow__model_aliases"], db, catalog, root / "dbt_target")

    time.sleep(1.1)  # the second observation is at least a second later (the Date header)
    client.set_registered_model_alias("fraud-model", "champion", "2")
    new_run = client.create_run(fraud, start_time=epoch_ms(JAN.replace(day=20)))
    client.set_terminated(new_run.info.run_id, end_time=epoch_ms(JAN.replace(day=20, hour=1)))
    client.set_terminated(running.info.run_id, end_time=epoch_ms(JAN.replace(day=21)))
    with deployments.open("a") as handle:
        handle.write("d-3,fraud,2025-01-22T12:00:00Z,fraud-model,2,sagemaker\n")

    second = load(db, catalog, settings)
    assert second.loaded("raw_mlflow.runs") == 2  # the new run, and the one that finished
    assert second.new("raw_mlflow.runs") == 1
    assert second.loaded("raw_mlflow.experiments") == 0
    assert second.loaded("raw_mlflow.model_versions") == 0
    assert second.loaded("raw_files.deployments") == 1 and second.loaded("raw_files.incidents") == 0
    assert rows(db, f"select status from raw_mlflow.runs where run_id = '{running.info.run_id}'") == \
        [{"status": "FINISHED"}]
    assert not rows(db, "select * from raw_mlflow.runs where tags like '%ann@example.com%' "
                        "or user_id like '%@%'")  # people are pseudonymised
    # the marts this test reads and everything upstream (the whole project is built by the demo tests)
    run_dbt(["build", "--select", "+fct_deployments", "+fct_incidents", "+stg_files__quarantine",
             "--indirect-selection", "cautious"], db, catalog, root / "dbt_target")

    [promotion] = rows(db, "select model_name, model_version, previous_model_version, promoted_at "
                           "from intermediate.int_alias_promotions_derived")
    [observed] = rows(db, "select max(observed_at) as at from raw_mlflow.model_aliases")
    assert (promotion["model_name"], promotion["model_version"], promotion["previous_model_version"]) == \
        ("fraud-model", "2", 1)
    assert promotion["promoted_at"] == observed["at"].astimezone(UTC).replace(tzinfo=None)
    deployed = {(r["source_system"], r["model_version"], r["timestamp_precision"])
                for r in rows(db, "select source_system, model_version, timestamp_precision "
                                  "from marts.fct_deployments where project_id = 'fraud'")}
    # d-3 (fraud-model 2, from the file) is months before the alias move: both are kept
    assert deployed == {("sagemaker", "1", "exact"), ("sagemaker", "2", "exact"), ("mlflow_alias", "2", "snapshot")}
    incidents_by_key = {r["source_record_id"]: r for r in rows(
        db, "select source_record_id, project_id, deployment_id from marts.fct_incidents")}
    assert incidents_by_key["PD-1"]["project_id"] == "fraud"
    assert incidents_by_key["PD-1"]["deployment_id"] == "sagemaker:d-1"  # "fraud-model:1" in its title
    assert incidents_by_key["PD-2"]["project_id"] == "fraud"  # by the catalog's incident_service
    assert rows(db, "select field from staging.stg_files__quarantine") == [{"field": "deployed_at"}]
