"""The files source (docs/data-contracts.md section 6): deployments and incidents exported to CSV
or JSON lines, bad rows quarantined (or fatal) with file, line and field, and incremental reruns
that read only what was appended and never duplicate."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.files import BadRow, parse_deployment_record, parse_file_time, parse_incident_record
from ingest.run import LoadReport, load_live
from ingest.settings import LiveSettings

PROJECT_DIR = Path(__file__).resolve().parents[2]
UTC = timezone.utc

DEPLOYMENTS_HEADER = ("deployment_id,project_id,deployed_at,environment,status,sha,model_name,model_version,"
                      "description,source_system\n")
DEPLOYMENTS = [
    "101,fraud,2025-03-01T10:00:00Z,production,success,abc1234,fraud-model,3,rollout by ann@example.com,argocd\n",
    "102,fraud,2025-03-02 11:30:00+02:00,production,failure,abc1235,,,,argocd\n",
    "103,fraud,2025-03-03T09:00:00,staging,success,abc1236,,,,argocd\n",
    ",fraud,2025-03-04T09:00:00Z,production,success,,,,,argocd\n",  # line 5: no id
    "105,fraud,yesterday,production,success,,,,,argocd\n",  # line 6: not a time
    "106,,2025-03-06T09:00:00Z,production,success,,,,,argocd\n",  # line 7: no project
]
INCIDENTS = [
    {"incident_id": "P1", "project_id": "fraud", "created_at": "2025-03-01T12:00:00Z",
     "resolved_at": "2025-03-01T14:00:00Z", "title": "Scores missing", "source_system": "pagerduty"},
    {"incident_id": "P2", "service": "fraud-api", "created_at": "2025-03-05T08:00:00+01:00",
     "title": "Latency", "source_system": "pagerduty"},
    {"incident_id": "P3", "created_at": "2025-03-06T08:00:00Z", "source_system": "pagerduty"},  # no project
]


def write_files(folder: Path, deployment_lines: list[str], incidents: list[dict[str, Any]]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    deployments = folder / "deployments.csv"
    deployments.write_text(DEPLOYMENTS_HEADER + "".join(deployment_lines))
    incident_file = folder / "incidents.jsonl"
    incident_file.write_text("".join(json.dumps(i) + "\n" for i in incidents))
    return deployments, incident_file


@pytest.fixture()
def catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "projects.csv").write_text("project_id,project_name,team\nfraud,Fraud,risk\n")
    (folder / "project_mappings.csv").write_text("project_id,object_type,object_key\nfraud,incident_service,fraud-api\n")
    return folder


def load(db: Path, catalog: Path, deployments: Path, incidents: Path, **kwargs: Any) -> LoadReport:
    settings = LiveSettings(files_deployments=[str(deployments)], files_incidents=[str(incidents)],
                            files_on_bad_rows=kwargs.pop("on_bad_rows", "quarantine"))
    return load_live(db, catalog, only={"files"}, settings=settings, **kwargs)


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_parsing_follows_the_contract() -> None:
    assert parse_file_time("2025-03-02 11:30:00+02:00") == datetime(2025, 3, 2, 9, 30, tzinfo=UTC)
    assert parse_file_time("2025-03-03T09:00:00") == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # no offset: UTC
    assert parse_file_time("2025-03-03") == datetime(2025, 3, 3, tzinfo=UTC)
    row = parse_deployment_record({"deployment_id": 7, "project_id": "p", "deployed_at": "2025-01-01T00:00:00Z",
                                   "status": "Succeeded", "sha": "ABC1234"}, "f.jsonl", 3)
    assert row["deployment_id"] == "7" and row["status"] == "success" and row["sha"] == "abc1234"
    assert row["source_system"] == "file" and row["timestamp_precision"] == "exact"
    with pytest.raises(BadRow, match=r"^files: f\.csv:9: deployed_at: not an ISO 8601 time \('soon'\)$"):
        parse_deployment_record({"deployment_id": "1", "project_id": "p", "deployed_at": "soon"}, "f.csv", 9)
    with pytest.raises(BadRow, match="source_system: 'github' is reserved"):
        parse_deployment_record({"deployment_id": "1", "project_id": "p", "deployed_at": "2025-01-01",
                                 "source_system": "GitHub"}, "f.csv", 2)
    with pytest.raises(BadRow, match="resolved_at: earlier than created_at"):
        parse_incident_record({"incident_id": "1", "project_id": "p", "created_at": "2025-01-02",
                               "resolved_at": "2025-01-01"}, "i.jsonl", 1)


def test_load_quarantines_bad_rows_and_reruns_read_only_what_is_new(tmp_path: Path, catalog: Path) -> None:
    deployments, incidents = write_files(tmp_path / "exports", DEPLOYMENTS, INCIDENTS)
    db = tmp_path / "wh" / "w.duckdb"

    first = load(db, catalog, deployments, incidents)
    assert first.ok, first.failures
    assert first.loaded("raw_files.deployments") == 3 and first.loaded("raw_files.incidents") == 2
    bad = query(db, "select source_file, source_line, field, problem from raw_files.quarantine order by 1, 2")
    assert bad == [
        (str(deployments), 5, "deployment_id", "missing (required)"),
        (str(deployments), 6, "deployed_at", "not an ISO 8601 time ('yesterday')"),
        (str(deployments), 7, "project_id", "missing (required)"),
        (str(incidents), 3, "project_id",
         "missing (required unless service names a catalog incident_service)"),
    ]
    stored = dict(query(db, "select deployment_id, deployed_at from raw_files.deployments"))
    assert stored["102"] == datetime(2025, 3, 2, 9, 30, tzinfo=UTC)
    (description,) = query(db, "select description from raw_files.deployments where deployment_id = '101'")[0]
    assert "ann@example.com" not in description and description.startswith("rollout by p_")

    # unchanged files: nothing read, nothing loaded
    second = load(db, catalog, deployments, incidents)
    assert second.loaded("raw_files.deployments") == 0 and second.loaded("raw_files.incidents") == 0
    assert second.total("raw_files.quarantine") == 4

    # an appended export: only the new lines are read; a repeated id replaces, never doubles
    with deployments.open("a") as handle:
        handle.write("107,fraud,2025-03-07T09:00:00Z,production,success,abc1237,,,,argocd\n")
        handle.write("101,fraud,2025-03-01T10:05:00Z,production,success,abc1234,,,,argocd\n")
    third = load(db, catalog, deployments, incidents)
    assert third.loaded("raw_files.deployments") == 2 and third.new("raw_files.deployments") == 1
    assert third.total("raw_files.deployments") == 4
    assert query(db, "select deployed_at, source_line from raw_files.deployments where deployment_id = '101'") == \
        [(datetime(2025, 3, 1, 10, 5, tzinfo=UTC), 9)]
    assert third.total("raw_files.quarantine") == 4  # the earlier bad lines are still reported

    # the export is rewritten with its bad rows fixed: read whole, quarantine emptied, no duplicates
    fixed = [line.replace(",fraud,2025-03-04", "104,fraud,2025-03-04").replace("yesterday", "2025-03-05T09:00:00Z")
             .replace("106,,", "106,fraud,") for line in DEPLOYMENTS]
    write_files(tmp_path / "exports", fixed, INCIDENTS[:2])
    fourth = load(db, catalog, deployments, incidents)
    assert fourth.total("raw_files.deployments") == 7  # 101-107
    assert fourth.total("raw_files.incidents") == 2
    assert fourth.total("raw_files.quarantine") == 0


def test_on_bad_rows_fail_names_file_line_and_field_in_one_line(tmp_path: Path, catalog: Path) -> None:
    deployments, incidents = write_files(tmp_path / "exports", DEPLOYMENTS, INCIDENTS[:2])
    config = tmp_path / "project"
    (config / ".dlt").mkdir(parents=True)
    (config / ".dlt" / "config.toml").write_text(
        "[runtime]\nlog_level = \"WARNING\"\ndlthub_telemetry = false\n\n[sources.files]\n"
        f"deployments = [\"{deployments}\"]\nincidents = [\"{incidents}\"]\non_bad_rows = \"fail\"\n")
    result = subprocess.run([sys.executable, "-m", "ingest.run", "--only", "files", "--db",
                             str(tmp_path / "wh" / "w.duckdb"), "--catalog", str(catalog), "--quiet"],
                            cwd=config, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_DIR), "HOME": str(tmp_path)})
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert errors == [f"error: files: {deployments}:5: deployment_id: missing (required)"], result.stderr
