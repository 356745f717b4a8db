"""The demo's one project on other tools (issue 6): ``demand-sensing`` (team supply).

It uses Notion (kickoff page with an "Approved on" date: T1/T3), JupyterLab notebooks committed
to a research repository (T2, cell timing metadata), TensorBoard event files (T2), Airflow DAG
runs whose conf names the commit and model version (T6) and SageMaker endpoint deployments
(EventBridge "SageMaker Endpoint State Change" events: T7) instead of Jira, MLflow and GitHub.

Built with its own ``random.Random`` so that the other projects of the demo keep their bytes.
Written by ``write_extra_systems`` (called by ``ingest.demo.writers.write_organisation`` when the
organisation carries an ``ExtraSystems``):

* ``git/demand-sensing-pipeline`` and ``git/demand-sensing-research`` (bare repositories);
* ``recorded/notion.jsonl`` and ``recorded/airflow.jsonl`` (cassettes) with their base URLs
  in ``recorded/sources.json``;
* ``tensorboard/demand-sensing-tb/<run>/events.out.tfevents.*`` (TFRecord event files, written
  with the ``tensorboard`` package's record writer and protos);
* ``drops/sagemaker/eventbridge-sagemaker-endpoints.jsonl`` and endpoint config descriptions;
* the catalog rows of the project, added to ``catalog/projects.csv`` / ``project_mappings.csv``.
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import nbformat

from ingest.demo.model import Commit, Person, Repo
from ingest.demo.write_catalog import MAPPING_HEADER, MAPPINGS_FILE, PROJECT_HEADER, PROJECTS_FILE, render_csv
from ingest.demo.write_git import write_git_repo
from ingest.demo.write_trackers import NotionDatabase, NotionPage, Trackers, write_tracker_pages

UTC = timezone.utc
PROJECT_ID = "demand-sensing"
PIPELINE_REPO = "demand-sensing-pipeline"
RESEARCH_REPO = "demand-sensing-research"
NOTION_DB = "7d3f1c2e-5a6b-4c8d-9e0f-1a2b3c4d5e6f"
KICKOFF_PAGE = "2e4f6a8c-0b1d-4e3f-8a5c-7e9f1b3d5a7c"
TB_LOGDIR = "demand-sensing-tb"
DAG_ID = "demand_sensing_training"
ENDPOINT = "demand-sensing-endpoint"
MODEL = "demand-sensing"
AIRFLOW_BASE_URL = "https://airflow.acme-ml.internal"
ACCOUNT, REGION = "111122223333", "eu-west-1"
SEED = 6021


def _uid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p) for p in parts)))


def _iso_z(t: datetime, micros: bool = True) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micros else "%Y-%m-%dT%H:%M:%SZ")


def _notebook(cells: list[tuple[str, str, datetime | None, int]]) -> str:
    """An .ipynb text: code cells (id, source, executed at, seconds) with JupyterLab timing."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    out = [nbformat.v4.new_markdown_cell("# Demand sensing: exploration", id="intro")]
    for count, (cell_id, source, started, seconds) in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source, id=cell_id, execution_count=count if started else None)
        if started is not None:
            end = started + timedelta(seconds=seconds)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ran {cell_id}\n")]
            cell.metadata["execution"] = {
                "iopub.status.busy": _iso_z(started - timedelta(microseconds=420)),
                "iopub.execute_input": _iso_z(started),
                "iopub.status.idle": _iso_z(end + timedelta(microseconds=900)),
                "shell.execute_reply.started": _iso_z(started + timedelta(microseconds=35)),
                "shell.execute_reply": _iso_z(end),
            }
        out.append(cell)
    nb.cells = out
    return nbformat.writes(nb) + "\n"


@dataclass
class ExtraSystems:
    """What ``demand-sensing`` holds in its systems (shas are resolved when written)."""

    people: list[Person]
    research: Repo
    pipeline: Repo
    notion: Trackers
    tb_runs: dict[str, list[tuple[datetime, float]]]  # run -> (wall time, loss); first = writer opened
    training: list[dict[str, Any]]  # {"at", "commit" (key), "version", "state"}
    rollouts: list[dict[str, Any]]  # {"at", "commit" (key), "version", "ok", "minutes"}
    catalog_project: tuple[str, str, str] = (PROJECT_ID, "Demand sensing", "supply")
    mappings: list[tuple[str, str]] = field(default_factory=lambda: [
        ("git_repo", PIPELINE_REPO), ("notebook_repo", RESEARCH_REPO), ("notion_database", NOTION_DB),
        ("tensorboard_logdir", TB_LOGDIR), ("airflow_dag", DAG_ID), ("sagemaker_endpoint", ENDPOINT)])

    def expected_counts(self) -> dict[str, int]:
        """Rows the raw tables of these systems get (git commits of the pipeline repository, pages,
        TensorBoard runs, DAG runs, endpoint events: two per rollout plus the creation's two)."""
        return {
            "raw_git.commits": len(self.pipeline.commits),
            "raw_notion.pages": sum(len(d.pages) for d in self.notion.notion_databases),
            "raw_tensorboard.runs": len(self.tb_runs),
            "raw_airflow.dag_runs": len(self.training),
            "raw_sagemaker.endpoint_events": 2 * len(self.rollouts),
        }

    def write(self, out_dir: Path) -> dict[str, dict[str, str]]:
        return write_extra_systems(self, out_dir)


def build_extra_systems(people: list[Person], as_of: datetime) -> ExtraSystems:
    rng = random.Random(SEED)
    by_key = {p.key: p for p in people}
    team = [k for k in ("fatima", "marek", "elena", "arjun") if k in by_key]
    cet = timezone(timedelta(hours=1))

    # T1/T3: the kickoff page, approved on 2026-02-23 (an "Approved on" date property)
    kickoff_at = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
    page = NotionPage(KICKOFF_PAGE, "Demand sensing: kickoff brief", kickoff_at,
                      datetime(2026, 2, 23, 16, 5, tzinfo=UTC), by_key[team[0]], status="Approved",
                      select={"Type": "Kickoff"}, dates={"Approved on": "2026-02-23"},
                      people={"Owner": [by_key[team[0]], by_key[team[1]]]},
                      text={"Notes": "Short-term demand from POS and weather signals"})
    notion = Trackers(as_of=as_of, notion_databases=[NotionDatabase(NOTION_DB, "Supply ML briefs", pages=[page])])

    # T2: notebooks committed to the research repository (JupyterLab cell timing)
    research_commits: list[Commit] = []
    day = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)
    sources = ["import pandas as pd", "pos = pd.read_parquet('pos_daily.parquet')", "pos.describe()",
               "weather = pd.read_parquet('weather.parquet')", "df = pos.merge(weather, on='date')",
               "model = LGBMRegressor().fit(X, y)", "mape(y_val, model.predict(X_val))"]
    for i in range(9):
        started = day + timedelta(minutes=rng.randint(0, 90))
        cells = []
        t = started
        for j, src in enumerate(sources[: 3 + min(i, 4)]):
            seconds = rng.randint(2, 600)
            cells.append((f"c{j}", src, t, seconds))
            t += timedelta(seconds=seconds + rng.randint(30, 900))
        author = team[i % 2]
        files = {"notebooks/explore.ipynb": _notebook(cells)}
        if i >= 5:
            files["notebooks/features.ipynb"] = _notebook(
                [("f0", "features = build_features(df)", t, rng.randint(60, 900))])
        research_commits.append(Commit(f"r{i}", f"Exploration notebook, session {i + 1}", author,
                                       (t + timedelta(minutes=20)).astimezone(cet),
                                       parents=[f"r{i - 1}"] if i else [], files=files))
        day += timedelta(days=rng.choice([3, 4, 5]))
    research = Repo(RESEARCH_REPO, f"acme-ml/{RESEARCH_REPO}", research_commits, {"main": research_commits[-1].key})

    # T2: TensorBoard runs during exploration
    tb_runs: dict[str, list[tuple[datetime, float]]] = {}
    for name, start in (("baseline", datetime(2026, 1, 27, 10, 0, tzinfo=UTC)),
                        ("lgbm-v2", datetime(2026, 2, 5, 13, 0, tzinfo=UTC)),
                        ("tft-sweep/lr=0.001", datetime(2026, 2, 16, 8, 30, tzinfo=UTC))):
        points, loss, t = [(start, 0.0)], 1.0, start
        for _ in range(rng.randint(8, 20)):
            t += timedelta(minutes=rng.randint(3, 12))
            loss *= rng.uniform(0.8, 0.97)
            points.append((t, round(loss, 6)))
        tb_runs[name] = points

    # T4 onwards: the pipeline repository, commits on main from 2026-03-02
    pipeline_commits: list[Commit] = []
    at = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    content: dict[str, str] = {}
    n = 0
    while at < as_of - timedelta(days=2):
        path = rng.choice(["pipeline/train.py", "pipeline/features.py", "pipeline/deploy.py", "README.md"])
        content[path] = content.get(path, "") + f"# change {n}\n"
        pipeline_commits.append(Commit(f"p{n}", f"Pipeline change {n}" if n else "Bootstrap the training pipeline",
                                       team[n % len(team)], at.astimezone(cet),
                                       parents=[f"p{n - 1}"] if n else [], files={path: content[path]}))
        n += 1
        at += timedelta(hours=rng.randint(30, 80))
    pipeline = Repo(PIPELINE_REPO, f"acme-ml/{PIPELINE_REPO}", pipeline_commits, {"main": pipeline_commits[-1].key})

    def head_at(t: datetime) -> str:
        return [c.key for c in pipeline_commits if c.authored_at <= t][-1]

    # T6 training every Monday 02:00 from 2026-03-30; T7 a rollout the day after a good run
    training: list[dict[str, Any]] = []
    rollouts: list[dict[str, Any]] = []
    monday, version = datetime(2026, 3, 30, 2, 0, tzinfo=UTC), 0
    while monday < as_of - timedelta(days=2):
        failed = rng.random() < 0.08
        version += 0 if failed else 1
        commit = head_at(monday)
        training.append({"at": monday, "commit": commit, "version": version, "state": "failed" if failed else "success"})
        if not failed:
            deploy_at = monday + timedelta(days=1, hours=8, minutes=rng.randint(0, 120))
            ok = rng.random() >= 0.1
            rollouts.append({"at": deploy_at, "commit": commit, "version": version, "ok": ok,
                             "minutes": rng.randint(6, 15)})
            if not ok:  # fixed and rolled out again the next day
                rollouts.append({"at": deploy_at + timedelta(days=1), "commit": commit, "version": version,
                                 "ok": True, "minutes": rng.randint(6, 15)})
        monday += timedelta(days=7)
    return ExtraSystems(people, research, pipeline, notion, tb_runs, training, rollouts)


# ---------------------------------------------------------------------------------------------
# Writers


def _write_tensorboard(logdir: Path, runs: dict[str, list[tuple[datetime, float]]]) -> None:
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    for name, points in runs.items():
        run_dir = logdir / name
        run_dir.mkdir(parents=True, exist_ok=True)
        opened = points[0][0].timestamp()
        with open(run_dir / f"events.out.tfevents.{int(opened)}.supply-ws-01", "wb") as handle:
            writer = RecordWriter(handle)
            writer.write(event_pb2.Event(wall_time=opened, file_version="brain.Event:2").SerializeToString())
            for step, (t, loss) in enumerate(points[1:]):
                summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="train/loss", simple_value=loss)])
                writer.write(event_pb2.Event(wall_time=t.timestamp(), step=step, summary=summary).SerializeToString())
            writer.flush()


def _airflow_entries(extra: ExtraSystems, shas: dict[str, str]) -> list[dict[str, Any]]:
    runs = []
    for run in extra.training:
        logical, started = run["at"], run["at"] + timedelta(seconds=4, microseconds=250000)
        ended = started + timedelta(minutes=47)
        runs.append({
            "conf": {"git_commit": shas[run["commit"]], "model_name": MODEL, "model_version": str(run["version"])},
            "dag_id": DAG_ID, "dag_run_id": f"scheduled__{logical.isoformat()}",
            "data_interval_end": logical.isoformat(), "data_interval_start": (logical - timedelta(days=7)).isoformat(),
            "end_date": ended.isoformat(), "execution_date": logical.isoformat(), "external_trigger": False,
            "last_scheduling_decision": ended.isoformat(), "logical_date": logical.isoformat(), "note": None,
            "run_type": "scheduled", "start_date": started.isoformat(), "state": run["state"],
        })
    entries = []
    for offset in range(0, max(len(runs), 1), 100):
        entries.append({
            "request": {"method": "GET",
                        "url": f"{AIRFLOW_BASE_URL}/api/v1/dags/{DAG_ID}/dagRuns?limit=100&offset={offset}",
                        "json": None},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                         "body": {"dag_runs": runs[offset:offset + 100], "total_entries": len(runs)}},
        })
    return entries


def _sagemaker_drop(folder: Path, extra: ExtraSystems, shas: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{ENDPOINT}"
    created = extra.rollouts[0]["at"]
    events, configs = [], []
    for i, r in enumerate(extra.rollouts):
        config = f"{ENDPOINT}-config-{i + 1}"
        tags = {"GitCommit": shas[r["commit"]], "ModelName": MODEL, "ModelVersion": str(r["version"]),
                "team": "supply"}
        end_at = r["at"] + timedelta(minutes=r["minutes"])
        for status, moment, failure in (("CREATING" if i == 0 else "UPDATING", r["at"], None),
                                        ("IN_SERVICE" if r["ok"] else "FAILED", end_at,
                                         None if r["ok"] else "The primary container for production variant "
                                                              "AllTraffic did not pass the ping health check.")):
            detail: dict[str, Any] = {
                "EndpointName": ENDPOINT, "EndpointArn": arn, "EndpointConfigName": config,
                "ProductionVariants": [{"VariantName": "AllTraffic", "DesiredWeight": 1.0, "DesiredInstanceCount": 1.0,
                                        "CurrentWeight": 1.0, "CurrentInstanceCount": 1.0}],
                "EndpointStatus": status, "CreationTime": int(created.timestamp() * 1000),
                "LastModifiedTime": int(moment.timestamp() * 1000), "Tags": tags,
            }
            if failure:
                detail["FailureReason"] = failure
            events.append({"version": "0", "id": _uid("demand-sensing", "eventbridge", i, status),
                           "detail-type": "SageMaker Endpoint State Change", "source": "aws.sagemaker",
                           "account": ACCOUNT, "time": _iso_z(moment, micros=False), "region": REGION,
                           "resources": [arn], "detail": detail})
        configs.append({"EndpointConfigName": config,
                        "EndpointConfigArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint-config/{config}",
                        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": f"{MODEL}-v{r['version']}",
                                                "InitialInstanceCount": 1, "InstanceType": "ml.m5.large",
                                                "InitialVariantWeight": 1.0}],
                        "CreationTime": (r["at"] - timedelta(minutes=5)).isoformat(), "EnableNetworkIsolation": False})
    (folder / "eventbridge-sagemaker-endpoints.jsonl").write_text(
        "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events), encoding="utf-8")
    for config in configs:
        (folder / f"describe-endpoint-config-{config['EndpointConfigName']}.json").write_text(
            json.dumps(config, indent=4) + "\n", encoding="utf-8")


def _add_catalog_rows(catalog_dir: Path, extra: ExtraSystems) -> None:
    def rows(name: str) -> list[tuple[str, ...]]:
        with open(catalog_dir / name, newline="", encoding="utf-8") as handle:
            return [tuple(r) for r in list(csv.reader(handle))[1:]]

    projects = sorted(set(rows(PROJECTS_FILE)) | {extra.catalog_project})
    mappings = sorted(set(rows(MAPPINGS_FILE)) | {(PROJECT_ID, t, k) for t, k in extra.mappings})
    for name, header, body in ((PROJECTS_FILE, PROJECT_HEADER, projects), (MAPPINGS_FILE, MAPPING_HEADER, mappings)):
        with open(catalog_dir / name, "w", encoding="utf-8", newline="") as handle:
            handle.write(render_csv(header, body))


def write_extra_systems(extra: ExtraSystems, out_dir: Path) -> dict[str, dict[str, str]]:
    """Write every system of ``extra`` under ``out_dir`` (after the organisation); return repo ->
    commit key -> sha of its two repositories."""
    out_dir = Path(out_dir)
    people = {p.key: p for p in extra.people}
    shas = {repo.name: write_git_repo(repo, people, out_dir / "git" / repo.name, {})
            for repo in (extra.research, extra.pipeline)}
    recorded = out_dir / "recorded"
    write_tracker_pages(extra.notion, recorded)
    with open(recorded / "airflow.jsonl", "w", encoding="utf-8", newline="\n") as handle:
        for entry in _airflow_entries(extra, shas[PIPELINE_REPO]):
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
    sources_path = recorded / "sources.json"
    sources = json.loads(sources_path.read_text(encoding="utf-8"))
    sources["airflow_base_url"] = AIRFLOW_BASE_URL
    sources_path.write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    _write_tensorboard(out_dir / "tensorboard" / TB_LOGDIR, extra.tb_runs)
    _sagemaker_drop(out_dir / "drops" / "sagemaker", extra, shas[PIPELINE_REPO])
    _add_catalog_rows(out_dir / "catalog", extra)
    return shas
