"""The loader command: load your systems (live mode) or a written organisation (recorded mode)
into the DuckDB warehouse.

    python -m ingest.run [--only git,github,jira,mlflow,files] [--since 2025-01-01]
                         [--full-refresh] [--db PATH] [--catalog DIR]
    python -m ingest.run --recorded DIR [--db PATH] [--catalog DIR] [--only ...]

Live mode (no ``--recorded``) loads every configured source, or those named by ``--only``:
local git clones, GitHub (or GitHub Enterprise) REST, Jira Cloud REST v3, an MLflow tracking
server, and deployment/incident files. Settings come from ``.dlt/config.toml``, credentials
from ``.dlt/secrets.toml`` or environment variables (``ingest.settings``). Each source is its
own dlt pipeline into the DuckDB file (``--db``, default env ``MLOPS_KPIS_DB`` or
``build/warehouse.duckdb``), datasets ``raw_git``, ``raw_github``, ``raw_jira``, ``raw_mlflow``,
``raw_files``. Further sources, each skipped unless its ``[sources.<name>]`` section (and
secret) is set: ``asana``, ``notion``, ``basecamp`` (catalog keys ``asana_project``,
``notion_database``, ``basecamp_project``), ``notebooks``, ``tensorboard``, ``wandb`` (local
paths), ``airflow`` (catalog ``airflow_dag``), ``kubeflow`` and ``drops`` (a folder of cloud
exports: ``raw_sagemaker``, ``raw_vertex``, ``raw_databricks``, ``raw_monitoring``); these load
whole each time (merge or replace on the systems' keys). Loads are incremental: a rerun reads only what changed since the last one
(cursors kept in dlt's pipeline state, docs/data-contracts.md section 5); ``--since`` bounds
the first load, ``--full-refresh`` reads everything again. Credentials are checked before any
loading; a refused one ends the command with one line naming the source and what to check.
The summary gives, per table, the rows loaded by this run, how many of them are new and the
total.

Recorded mode: ``DIR`` is what ``ingest.demo.writers.write_organisation`` wrote: ``DIR/git/<repo>``
(git repositories), ``DIR/recorded/*.jsonl`` (cassettes), ``DIR/recorded/sources.json`` (the
base URLs they were recorded against) and optionally ``DIR/files/deployments*.csv|jsonl`` and
``DIR/files/incidents*.csv|jsonl``. The GitHub/Jira/MLflow sources get a ``requests.Session``
with ``ingest.replay`` mounted, so the very code that reads the live APIs (requests,
pagination, parsing) is what loads the demo; recorded loads are always whole (no cursors).
When present, recorded mode also loads ``DIR/recorded/notion.jsonl`` and ``airflow.jsonl``
(base URLs ``notion_base_url`` / ``airflow_base_url`` in ``sources.json``), the catalog's
``notebook_repo`` repositories under ``DIR/git``, its ``tensorboard_logdir`` folders under
``DIR/tensorboard`` and the cloud exports of ``DIR/drops`` (``ingest.demo.extra_systems``).

The catalog (``--catalog``, default env ``MLOPS_KPIS_CATALOG_DIR`` or ``catalog/``) says which
git repositories, GitHub repositories and Jira projects belong to the ML projects; MLflow is
loaded whole.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dlt
import duckdb
import requests

from ingest.http import SourceConfigError, describe_failure
from ingest.replay import replay_session

log = logging.getLogger(__name__)

#: what recorded mode can load (a written organisation holds only these)
RECORDED_SOURCES: tuple[str, ...] = ("git", "github", "jira", "mlflow", "files")
#: what recorded mode loads too when the written organisation holds them (ingest.demo.extra_systems):
#: a Notion / Airflow cassette, notebook repositories under DIR/git, log directories under
#: DIR/tensorboard, cloud exports under DIR/drops
RECORDED_EXTRA_SOURCES: tuple[str, ...] = ("notion", "notebooks", "tensorboard", "airflow", "drops")
#: what live mode can load: the recorded ones, then the issue-6 sources (each skipped unless configured)
SOURCES: tuple[str, ...] = RECORDED_SOURCES + ("asana", "notion", "basecamp", "notebooks", "tensorboard", "wandb",
                                               "airflow", "kubeflow", "drops")
DATASETS: dict[str, str] = {"git": "raw_git", "github": "raw_github", "jira": "raw_jira", "mlflow": "raw_mlflow",
                            "files": "raw_files", "asana": "raw_asana", "notion": "raw_notion",
                            "basecamp": "raw_basecamp", "notebooks": "raw_notebooks", "tensorboard": "raw_tensorboard",
                            "wandb": "raw_wandb", "airflow": "raw_airflow", "kubeflow": "raw_kubeflow"}
#: ``drops`` loads one dataset per platform subfolder of its folder (``ingest.cloud_exports``)
DROP_DATASETS: dict[str, str] = {"sagemaker": "raw_sagemaker", "vertex": "raw_vertex",
                                 "databricks": "raw_databricks", "monitoring": "raw_monitoring"}
CATALOG_ENV = "MLOPS_KPIS_CATALOG_DIR"
DB_ENV = "MLOPS_KPIS_DB"
DEFAULT_CATALOG_DIR = Path("catalog")
DEFAULT_DB = Path("build/warehouse.duckdb")
MAPPINGS_FILE = "project_mappings.csv"
SOURCES_FILE = "sources.json"
FILE_SUFFIXES = (".csv", ".jsonl", ".ndjson")

#: exit codes: a source failed while loading; credentials or configuration refused up front
EXIT_LOAD_FAILED = 1
EXIT_CHECK_FAILED = 2


@dataclass(frozen=True)
class CatalogSelection:
    """What the catalog asks to load, each list sorted and de-duplicated."""

    git_repos: list[str] = field(default_factory=list)
    github_repos: list[str] = field(default_factory=list)
    jira_projects: list[str] = field(default_factory=list)
    asana_projects: list[str] = field(default_factory=list)
    notion_databases: list[str] = field(default_factory=list)
    basecamp_projects: list[str] = field(default_factory=list)
    airflow_dags: list[str] = field(default_factory=list)
    notebook_repos: list[str] = field(default_factory=list)
    tensorboard_logdirs: list[str] = field(default_factory=list)


#: catalog object types read as-is into a CatalogSelection field
_KEYED_TYPES = {"asana_project": "asana_projects", "notion_database": "notion_databases",
                "basecamp_project": "basecamp_projects", "airflow_dag": "airflow_dags",
                "notebook_repo": "notebook_repos", "tensorboard_logdir": "tensorboard_logdirs"}


def read_catalog(catalog_dir: Path) -> CatalogSelection:
    """Read ``project_mappings.csv``: git and GitHub repositories, and Jira projects (named
    directly, or as the project of a kickoff issue key)."""
    path = Path(catalog_dir) / MAPPINGS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"catalog mappings not found: {path} (set --catalog or {CATALOG_ENV})")
    git: set[str] = set()
    github: set[str] = set()
    jira: set[str] = set()
    keyed: dict[str, set[str]] = {f: set() for f in _KEYED_TYPES.values()}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kind, key = (row.get("object_type") or "").strip(), (row.get("object_key") or "").strip()
            if not key:
                continue
            if kind == "git_repo":
                git.add(key)
            elif kind == "github_repo":
                github.add(key)
            elif kind == "jira_project":
                jira.add(key)
            elif kind == "jira_kickoff_key":
                jira.add(key.rsplit("-", 1)[0])
            elif kind in _KEYED_TYPES:
                keyed[_KEYED_TYPES[kind]].add(key)
    return CatalogSelection(sorted(git), sorted(github), sorted(jira),
                            **{f: sorted(keys) for f, keys in keyed.items()})


def read_base_urls(recorded_dir: Path) -> dict[str, str]:
    """The base URLs the cassettes were recorded against (``DIR/recorded/sources.json``)."""
    path = Path(recorded_dir) / "recorded" / SOURCES_FILE
    with open(path, encoding="utf-8") as handle:
        urls = json.load(handle)
    missing = {"github_base_url", "jira_base_url", "mlflow_base_url"} - set(urls)
    if missing:
        raise ValueError(f"{path} lacks {sorted(missing)}")
    return {str(k): str(v) for k, v in urls.items()}


def recorded_session(recorded_dir: Path) -> requests.Session:
    """A session answering from every cassette in ``DIR/recorded``."""
    return replay_session([Path(recorded_dir) / "recorded"])


def datasets_of(source_name: str) -> list[str]:
    """The datasets a source loads into (one, but ``drops``: one per platform)."""
    return list(DROP_DATASETS.values()) if source_name == "drops" else [DATASETS[source_name]]


def _pipeline(source_name: str, db_path: Path, dataset: str | None = None) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=f"mlops_kpis_{source_name}",
        destination=dlt.destinations.duckdb(str(db_path)),
        dataset_name=dataset or DATASETS[source_name],
        pipelines_dir=str(db_path.parent / ".dlt_pipelines"),
    )


def recorded_files(recorded_dir: Path, kind: str) -> list[str]:
    """``DIR/files/<kind>*.csv|jsonl|ndjson`` of a written organisation (none is fine)."""
    folder = Path(recorded_dir) / "files"
    if not folder.is_dir():
        return []
    return sorted(str(p) for p in folder.glob(f"{kind}*") if p.suffix.lower() in FILE_SUFFIXES)


def _build_source(
    name: str, recorded_dir: Path, selection: CatalogSelection, urls: dict[str, str], session: requests.Session
) -> Any | None:
    """The dlt source for ``name`` in recorded mode, or None when there is nothing of it."""
    if name == "git":
        from ingest.git_repos import git_source

        if not selection.git_repos:
            return None
        repos = {repo: Path(recorded_dir) / "git" / repo for repo in selection.git_repos}
        missing = [str(p) for p in repos.values() if not p.exists()]
        if missing:
            raise FileNotFoundError(f"git repositories named in the catalog not found: {missing}")
        return git_source({repo: str(path) for repo, path in repos.items()})
    if name == "github":
        from ingest.github import github_source

        if not selection.github_repos:
            return None
        return github_source(selection.github_repos, urls["github_base_url"], session=session)
    if name == "jira":
        from ingest.jira import jira_source

        if not selection.jira_projects:
            return None
        return jira_source(selection.jira_projects, urls["jira_base_url"], session=session)
    if name == "mlflow":
        from ingest.mlflow_tracking import mlflow_source

        return mlflow_source(urls["mlflow_base_url"], session=session)
    if name == "files":
        from ingest.files import files_source

        deployments, incidents = recorded_files(recorded_dir, "deployments"), recorded_files(recorded_dir, "incidents")
        if not (deployments or incidents):
            return None
        return files_source(deployments, incidents)
    return _build_extra_source(name, recorded_dir, selection, urls, session)


def _build_extra_source(
    name: str, recorded_dir: Path, selection: CatalogSelection, urls: dict[str, str], session: requests.Session
) -> Any | None:
    """Recorded mode for the issue-6 sources a written organisation may hold; None when absent."""
    recorded_dir = Path(recorded_dir)
    if name == "notion":
        from ingest.notion import notion_source

        if not (selection.notion_databases and urls.get("notion_base_url")):
            return None
        return notion_source(selection.notion_databases, urls["notion_base_url"], session=session, token="recorded")
    if name == "airflow":
        from ingest.airflow import airflow_source

        if not (selection.airflow_dags and urls.get("airflow_base_url")):
            return None
        return airflow_source(selection.airflow_dags, urls["airflow_base_url"], session=session)
    if name == "notebooks":
        from ingest.notebooks import notebooks_source

        repos = {r: recorded_dir / "git" / r for r in selection.notebook_repos}
        repos = {r: p for r, p in repos.items() if p.exists()}
        return notebooks_source({r: str(p) for r, p in repos.items()}) if repos else None
    if name == "tensorboard":
        from ingest.tensorboard_logs import tensorboard_source

        logdirs = {d: recorded_dir / "tensorboard" / d for d in selection.tensorboard_logdirs}
        logdirs = {d: p for d, p in logdirs.items() if p.is_dir()}
        return tensorboard_source({d: str(p) for d, p in logdirs.items()}) if logdirs else None
    if name == "drops":
        from ingest.cloud_exports import drop_folder_sources

        folder = recorded_dir / "drops"
        return (drop_folder_sources(folder) or None) if folder.is_dir() else None
    raise ValueError(f"unknown source {name!r}; expected one of "
                     f"{', '.join(RECORDED_SOURCES + RECORDED_EXTRA_SOURCES)}")


def table_counts(db_path: Path, datasets: Sequence[str]) -> dict[str, int]:
    """``dataset.table`` -> row count for the data tables (not dlt's own) of ``datasets``."""
    if not Path(db_path).exists():
        return {}
    counts: dict[str, int] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) and table_name not like '\\_dlt\\_%' escape '\\' "
            "order by 1, 2",
            [list(datasets)],
        ).fetchall()
        for schema, table in tables:
            (count,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()  # type: ignore[misc]
            counts[f"{schema}.{table}"] = int(count)
    return counts


def load_all(recorded_dir: Path, db_path: Path, catalog_dir: Path, only: set[str] | None = None) -> dict[str, int]:
    """Recorded mode: load the chosen sources (all by default) and return ``dataset.table`` ->
    rows after it."""
    recordable = RECORDED_SOURCES + RECORDED_EXTRA_SOURCES
    chosen = [s for s in recordable if only is None or s in only]
    unknown = sorted(set(only or ()) - set(recordable))
    if unknown:
        raise ValueError(f"unknown source(s) {unknown} in recorded mode; expected some of "
                         f"{', '.join(recordable)}")
    # A loader run should not phone home; an explicit setting still wins.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    recorded_dir, db_path = Path(recorded_dir), Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    selection = read_catalog(Path(catalog_dir))
    api = set(chosen) & {"github", "jira", "mlflow", "notion", "airflow"}
    urls = read_base_urls(recorded_dir) if api else {}
    session = recorded_session(recorded_dir) if api else requests.Session()
    for name in chosen:
        source = _build_source(name, recorded_dir, selection, urls, session)
        if source is None:
            log.info("%s: nothing in the catalog to load", name)
            continue
        runs = ([(_pipeline(f"drops_{d}", db_path, d), d, src) for d, src in source.items()] if name == "drops"
                else [(_pipeline(name, db_path), DATASETS[name], source)])
        for pipeline, dataset, src in runs:
            log.info("%s: loading into %s (%s)", name, db_path, dataset)
            info = pipeline.run(src)
            info.raise_on_failed_jobs()
            log.info("%s: loaded (load ids %s)", name, ", ".join(info.loads_ids))
    counts = table_counts(db_path, [d for s in chosen for d in datasets_of(s)])
    for table, rows in counts.items():
        log.info("%-40s %8d rows", table, rows)
    return counts


# ---------------------------------------------------------------------------------------------
# Live mode


@dataclass
class TableSummary:
    table: str  # dataset.table
    loaded: int  # rows written by this run (new or updated)
    new: int  # rows the table did not have before
    total: int  # rows after the run


@dataclass
class LoadReport:
    """What a live load did: per table, and per source the failure (if any)."""

    tables: list[TableSummary] = field(default_factory=list)
    loaded_sources: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # source -> why not configured
    failures: dict[str, str] = field(default_factory=dict)  # source -> one line
    failed_before_loading: bool = False  # configuration or credentials refused: nothing loaded
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def loaded(self, table: str) -> int:
        return next((t.loaded for t in self.tables if t.table == table), 0)

    def new(self, table: str) -> int:
        return next((t.new for t in self.tables if t.table == table), 0)

    def total(self, table: str) -> int:
        return next((t.total for t in self.tables if t.table == table), 0)


def parse_since(value: str | None) -> datetime | None:
    """``2025-01-01`` or an ISO date-time (UTC when no offset) -> tz-aware UTC."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--since {value!r}: expected a date like 2025-01-01") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _live_source(name: str, settings: Any, selection: CatalogSelection, since: datetime | None,
                 full_refresh: bool) -> Any:
    incremental = not full_refresh
    if name == "git":
        from ingest.git_repos import git_source

        paths = settings.git_paths(selection.git_repos)
        missing = {repo: path for repo, path in paths.items() if not Path(path).exists()}
        if missing:
            raise SourceConfigError("git: clone(s) not found: " + ", ".join(f"{r} at {p}" for r, p in missing.items())
                                    + "; check [sources.git] repos")
        not_in_catalog = sorted(set(paths) - set(selection.git_repos))
        if not_in_catalog:
            log.warning("git: %s not in the catalog (git_repo): loaded, but assigned to no project",
                        ", ".join(not_in_catalog))
        return git_source(paths, since=since, default_branches=settings.git_default_branches,
                          incremental=True, fetch=settings.git_fetch, full_refresh=full_refresh)
    if name == "github":
        from ingest.github import github_source

        return github_source(selection.github_repos, settings.github_base_url, token=settings.github_token,
                             incremental=incremental, since=since, rate_limit=settings.github_rate_limit)
    if name == "jira":
        from ingest.jira import jira_source

        return jira_source(selection.jira_projects, settings.jira_base_url, email=settings.jira_email,
                           token=settings.jira_api_token, incremental=incremental, since=since,
                           time_zone=settings.jira_time_zone, rate_limit=settings.jira_rate_limit)
    if name == "mlflow":
        from ingest.mlflow_tracking import mlflow_source

        return mlflow_source(settings.mlflow_tracking_uri, token=settings.mlflow_token,
                             username=settings.mlflow_username, password=settings.mlflow_password,
                             incremental=incremental, since=since, rate_limit=settings.mlflow_rate_limit)
    if name == "files":
        from ingest.files import files_source

        return files_source(settings.files_deployments, settings.files_incidents,
                            on_bad_rows=settings.files_on_bad_rows, full_refresh=full_refresh)
    return _extra_source(name, settings, selection)


def _existing(kind: str, paths: dict[str, str], hint: str) -> dict[str, str]:
    expanded = {n: os.path.expanduser(p) for n, p in sorted(paths.items())}
    missing = {n: p for n, p in expanded.items() if not Path(p).exists()}
    if missing:
        raise SourceConfigError(f"{kind}: not found: " + ", ".join(f"{n} at {p}" for n, p in missing.items())
                                + f"; check {hint}")
    return expanded


def _extra_source(name: str, settings: Any, selection: CatalogSelection) -> Any:
    """The issue-6 sources (always whole loads: merge or replace on the systems' own keys)."""
    if name == "asana":
        from ingest.asana import DEFAULT_BASE_URL, asana_source

        return asana_source(selection.asana_projects, settings.asana_base_url or DEFAULT_BASE_URL,
                            token=settings.asana_token)
    if name == "notion":
        from ingest.notion import DEFAULT_BASE_URL as NOTION_URL, notion_source

        return notion_source(selection.notion_databases, settings.notion_base_url or NOTION_URL,
                             token=settings.notion_token)
    if name == "basecamp":
        from ingest.basecamp import basecamp_source

        return basecamp_source(selection.basecamp_projects, settings.basecamp_base_url, token=settings.basecamp_token,
                               user_agent=settings.basecamp_user_agent)
    if name == "notebooks":
        from ingest.notebooks import notebooks_source

        repos = _existing("notebooks", settings.notebooks_repos, "[sources.notebooks] repos")
        if settings.notebooks_burst_gap_minutes is not None:
            return notebooks_source(repos, burst_gap_minutes=settings.notebooks_burst_gap_minutes)
        return notebooks_source(repos)
    if name == "tensorboard":
        from ingest.tensorboard_logs import tensorboard_source

        return tensorboard_source(_existing("tensorboard", settings.tensorboard_logdirs,
                                            "[sources.tensorboard] logdirs"))
    if name == "wandb":
        from ingest.wandb_runs import wandb_source

        run_dirs = _existing("wandb", settings.wandb_run_dirs, "[sources.wandb] run_dirs")
        return wandb_source(run_dirs=run_dirs or None,
                            export_files=[os.path.expanduser(f) for f in settings.wandb_export_files] or None)
    if name == "airflow":
        from ingest.airflow import airflow_source

        return airflow_source(selection.airflow_dags, settings.airflow_base_url, username=settings.airflow_username,
                              password=settings.airflow_password, token=settings.airflow_token)
    if name == "kubeflow":
        from ingest.kubeflow import kubeflow_source

        return kubeflow_source(settings.kubeflow_base_url, token=settings.kubeflow_token,
                               namespace=settings.kubeflow_namespace)
    if name == "drops":
        from ingest.cloud_exports import drop_folder_sources

        folder = Path(os.path.expanduser(settings.drops_dir))
        if not folder.is_dir():
            raise SourceConfigError(f"drops: folder not found: {folder}; check [sources.drops] dir")
        sources = drop_folder_sources(folder)
        if not sources:
            log.warning("drops: %s has none of sagemaker/, vertex/, databricks/, monitoring/", folder)
        return sources  # dataset -> source
    raise ValueError(f"unknown source {name!r}")


def check_source(name: str, settings: Any) -> None:
    """Prove a source's URL and credentials with one cheap request (raises on refusal)."""
    if name == "github":
        from ingest.github import check_access, github_client

        quota = check_access(github_client(settings.github_base_url, token=settings.github_token,
                                           rate_limit=settings.github_rate_limit))
        log.info("github: %s answers; %s of %s requests left this hour", settings.github_base_url,
                 quota.get("remaining"), quota.get("limit"))
    elif name == "jira":
        from ingest.jira import check_access, jira_client

        me = check_access(jira_client(settings.jira_base_url, email=settings.jira_email,
                                      token=settings.jira_api_token, rate_limit=settings.jira_rate_limit))
        settings.jira_time_zone = me.get("time_zone")
        log.info("jira: %s answers (user time zone %s)", settings.jira_base_url, settings.jira_time_zone)
    elif name == "mlflow":
        from ingest.mlflow_tracking import check_access, mlflow_client

        check_access(mlflow_client(settings.mlflow_tracking_uri, token=settings.mlflow_token,
                                   username=settings.mlflow_username, password=settings.mlflow_password,
                                   rate_limit=settings.mlflow_rate_limit))
        log.info("mlflow: %s answers", settings.mlflow_tracking_uri)


def _row_counts(pipeline: dlt.Pipeline) -> dict[str, int]:
    trace = pipeline.last_trace
    info = trace.last_normalize_info if trace is not None else None
    counts = dict(getattr(info, "row_counts", None) or {})
    return {table: int(n) for table, n in counts.items() if not table.startswith("_dlt")}


def load_live(db_path: Path, catalog_dir: Path, only: set[str] | None = None, since: datetime | None = None,
              full_refresh: bool = False, settings: Any | None = None) -> LoadReport:
    """Live mode: check, then load, every configured source (or ``only`` those); never raises
    for a source's failure: it is in ``report.failures`` as one line."""
    from ingest.settings import read_settings

    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    report = LoadReport()
    settings = settings or read_settings()
    selection = read_catalog(Path(catalog_dir))
    why_not = settings.configured(selection)
    unknown = sorted(set(only or ()) - set(SOURCES))
    if unknown:
        raise SourceConfigError(f"unknown source(s) {unknown}; choose from {', '.join(SOURCES)}")
    chosen: list[str] = []
    for name in SOURCES:
        if only is not None and name not in only:
            continue
        if why_not[name] is None:
            chosen.append(name)
        elif only is not None:
            report.failures[name] = f"{name}: not configured: {why_not[name]}"
            report.failed_before_loading = True
        else:
            report.skipped[name] = why_not[name] or ""
            log.info("%s: skipped (%s)", name, why_not[name])
    if report.failures:
        return report
    if not chosen:
        report.failures["config"] = ("nothing to load: no source is configured (see README, "
                                     "'Use it on your own data', and .dlt/config.toml)")
        report.failed_before_loading = True
        return report
    for name in chosen:  # credentials first: a refused token stops before anything is loaded
        try:
            check_source(name, settings)
        except Exception as exc:  # noqa: BLE001 - reported as one line
            report.failures[name] = describe_failure(name, exc)
    if report.failures:
        report.failed_before_loading = True
        return report
    datasets = [d for s in chosen for d in datasets_of(s)]
    before = table_counts(db_path, datasets)
    for name in chosen:
        started = time.monotonic()
        try:
            if name == "drops":  # one pipeline per platform dataset
                runs = [(_pipeline(f"drops_{d}", db_path, d), d, src)
                        for d, src in _live_source(name, settings, selection, since, full_refresh).items()]
            else:
                pipeline = _pipeline(name, db_path)  # first: the source's state is this pipeline's
                runs = [(pipeline, DATASETS[name], _live_source(name, settings, selection, since, full_refresh))]
            for pipeline, dataset, source in runs:
                log.info("%s: loading into %s (%s)", name, db_path, dataset)
                info = pipeline.run(source)
                info.raise_on_failed_jobs()
                for table, n in sorted(_row_counts(pipeline).items()):
                    report.tables.append(TableSummary(f"{dataset}.{table}", n, 0, 0))
            report.loaded_sources.append(name)
        except Exception as exc:  # noqa: BLE001 - one line per failed source; the others still load
            log.debug("%s failed", name, exc_info=True)
            report.failures[name] = describe_failure(name, exc)
        report.seconds[name] = time.monotonic() - started
    after = table_counts(db_path, datasets)
    by_table = {t.table: t for t in report.tables}
    for table, total in after.items():
        summary = by_table.get(table)
        if summary is None:
            summary = by_table[table] = TableSummary(table, 0, 0, 0)
            report.tables.append(summary)
        summary.total = total
        summary.new = total - before.get(table, 0)
    report.tables = sorted((t for t in report.tables if t.table in after), key=lambda t: t.table)
    return report


def format_report(report: LoadReport) -> str:
    width = max([len("table")] + [len(t.table) for t in report.tables])
    lines = [f"{'table':<{width}}  {'loaded':>8}  {'new':>8}  {'total':>8}"]
    lines += [f"{t.table:<{width}}  {t.loaded:>8}  {t.new:>8}  {t.total:>8}" for t in report.tables]
    for name in report.loaded_sources:
        lines.append(f"{name}: loaded in {report.seconds.get(name, 0):.1f} s")
    for name, why in report.skipped.items():
        lines.append(f"{name}: skipped ({why})")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Command line


def _parse_only(value: str | None) -> set[str] | None:
    if not value:
        return None
    names = {part.strip() for part in value.split(",") if part.strip()}
    unknown = sorted(names - set(SOURCES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown source(s) {unknown}; choose from {', '.join(SOURCES)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest.run", description=__doc__.split("\n\n")[0],
                                     epilog="Settings: .dlt/config.toml; credentials: .dlt/secrets.toml or "
                                            "environment variables (see .dlt/secrets.toml.example).")
    parser.add_argument("--recorded", type=Path, metavar="DIR", default=None,
                        help="recorded mode: a written organisation (DIR/git/<repo>, DIR/recorded/*.jsonl, "
                             "DIR/recorded/sources.json); without it, live mode")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get(DB_ENV) or DEFAULT_DB),
                        help=f"DuckDB file (default: ${DB_ENV} or {DEFAULT_DB})")
    parser.add_argument("--catalog", type=Path, default=Path(os.environ.get(CATALOG_ENV) or DEFAULT_CATALOG_DIR),
                        help=f"folder with project_mappings.csv (default: ${CATALOG_ENV} or {DEFAULT_CATALOG_DIR}/)")
    parser.add_argument("--only", type=_parse_only, default=None, metavar=",".join(SOURCES),
                        help="comma-separated sources to load (default: every configured one)")
    parser.add_argument("--since", type=parse_since, default=None, metavar="DATE",
                        help="live mode: on a first load, only records from this date (UTC) on; later loads "
                             "continue from where the last one stopped")
    parser.add_argument("--full-refresh", action="store_true",
                        help="live mode: ignore the cursors and read everything again (merge: nothing doubles)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings, errors and the summary")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.recorded is not None:
        counts = load_all(args.recorded, args.db, args.catalog, args.only)
        width = max([len("table")] + [len(t) for t in counts])
        lines = [f"{'table':<{width}}  {'rows':>8}"] + [f"{t:<{width}}  {n:>8}" for t, n in counts.items()]
        sys.stdout.write("\n".join(lines) + "\n")
        return 0
    try:
        report = load_live(args.db, args.catalog, args.only, args.since, args.full_refresh)
    except (SourceConfigError, FileNotFoundError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_CHECK_FAILED
    if report.tables or report.loaded_sources:
        sys.stdout.write(format_report(report))
    for line in report.failures.values():
        sys.stderr.write(f"error: {line}\n")
    if report.failed_before_loading:
        return EXIT_CHECK_FAILED
    return EXIT_LOAD_FAILED if report.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
