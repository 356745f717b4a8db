"""The loader command: load a written organisation (or recordings) into the DuckDB warehouse.

    python -m ingest.run --recorded DIR [--db PATH] [--catalog DIR] [--only git,github,jira,mlflow]

``DIR`` is what ``ingest.demo.writers.write_organisation`` wrote: ``DIR/git/<repo>`` (git
repositories), ``DIR/recorded/*.jsonl`` (cassettes) and ``DIR/recorded/sources.json`` (the base
URLs they were recorded against). The catalog (``--catalog``, default env
``MLOPS_KPIS_CATALOG_DIR`` or ``catalog/``) says which git repositories, GitHub repositories and
Jira projects belong to the ML projects; MLflow is loaded whole. Each source runs as its own dlt
pipeline into the DuckDB file (``--db``, default env ``MLOPS_KPIS_DB`` or
``build/warehouse.duckdb``), datasets ``raw_git``, ``raw_github``, ``raw_jira``, ``raw_mlflow``.

Why recorded mode goes through HTTP clients at all: the GitHub/Jira/MLflow sources get a
``requests.Session`` with ``ingest.replay`` mounted, so the very code that reads the live APIs
(requests, pagination, parsing) is what loads the demo.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import duckdb
import requests

from ingest.replay import replay_session

log = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = ("git", "github", "jira", "mlflow")
DATASETS: dict[str, str] = {"git": "raw_git", "github": "raw_github", "jira": "raw_jira", "mlflow": "raw_mlflow"}
CATALOG_ENV = "MLOPS_KPIS_CATALOG_DIR"
DB_ENV = "MLOPS_KPIS_DB"
DEFAULT_CATALOG_DIR = Path("catalog")
DEFAULT_DB = Path("build/warehouse.duckdb")
MAPPINGS_FILE = "project_mappings.csv"
SOURCES_FILE = "sources.json"


@dataclass(frozen=True)
class CatalogSelection:
    """What the catalog asks to load, each list sorted and de-duplicated."""

    git_repos: list[str] = field(default_factory=list)
    github_repos: list[str] = field(default_factory=list)
    jira_projects: list[str] = field(default_factory=list)


def read_catalog(catalog_dir: Path) -> CatalogSelection:
    """Read ``project_mappings.csv``: git and GitHub repositories, and Jira projects (named
    directly, or as the project of a kickoff issue key)."""
    path = Path(catalog_dir) / MAPPINGS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"catalog mappings not found: {path} (set --catalog or {CATALOG_ENV})")
    git: set[str] = set()
    github: set[str] = set()
    jira: set[str] = set()
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
    return CatalogSelection(sorted(git), sorted(github), sorted(jira))


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


def _pipeline(source_name: str, db_path: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=f"mlops_kpis_{source_name}",
        destination=dlt.destinations.duckdb(str(db_path)),
        dataset_name=DATASETS[source_name],
        pipelines_dir=str(db_path.parent / ".dlt_pipelines"),
    )


def _build_source(
    name: str, recorded_dir: Path, selection: CatalogSelection, urls: dict[str, str], session: requests.Session
) -> Any | None:
    """The dlt source for ``name``, or None when the catalog asks for nothing of it."""
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
    raise ValueError(f"unknown source {name!r}; expected one of {', '.join(SOURCES)}")


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
    """Load the chosen sources (all by default) and return ``dataset.table`` -> rows after it."""
    chosen = [s for s in SOURCES if only is None or s in only]
    unknown = sorted(set(only or ()) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; expected some of {', '.join(SOURCES)}")
    # A loader run should not phone home; an explicit setting still wins.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    recorded_dir, db_path = Path(recorded_dir), Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    selection = read_catalog(Path(catalog_dir))
    urls = read_base_urls(recorded_dir) if set(chosen) - {"git"} else {}
    session = recorded_session(recorded_dir) if set(chosen) - {"git"} else requests.Session()
    for name in chosen:
        source = _build_source(name, recorded_dir, selection, urls, session)
        if source is None:
            log.info("%s: nothing in the catalog to load", name)
            continue
        log.info("%s: loading into %s (%s)", name, db_path, DATASETS[name])
        info = _pipeline(name, db_path).run(source)
        info.raise_on_failed_jobs()
        log.info("%s: loaded (load ids %s)", name, ", ".join(info.loads_ids))
    counts = table_counts(db_path, [DATASETS[s] for s in chosen])
    for table, rows in counts.items():
        log.info("%-40s %8d rows", table, rows)
    return counts


def _parse_only(value: str | None) -> set[str] | None:
    if not value:
        return None
    names = {part.strip() for part in value.split(",") if part.strip()}
    unknown = sorted(names - set(SOURCES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown source(s) {unknown}; choose from {', '.join(SOURCES)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--recorded", required=True, type=Path, metavar="DIR",
                        help="a written organisation: DIR/git/<repo>, DIR/recorded/*.jsonl, DIR/recorded/sources.json")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get(DB_ENV) or DEFAULT_DB),
                        help=f"DuckDB file (default: ${DB_ENV} or {DEFAULT_DB})")
    parser.add_argument("--catalog", type=Path, default=Path(os.environ.get(CATALOG_ENV) or DEFAULT_CATALOG_DIR),
                        help=f"folder with project_mappings.csv (default: ${CATALOG_ENV} or {DEFAULT_CATALOG_DIR}/)")
    parser.add_argument("--only", type=_parse_only, default=None, metavar="git,github,jira,mlflow",
                        help="comma-separated sources to load (default: all)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    counts = load_all(args.recorded, args.db, args.catalog, args.only)
    width = max([len("table")] + [len(t) for t in counts])
    lines = [f"{'table':<{width}}  {'rows':>8}"] + [f"{t:<{width}}  {n:>8}" for t, n in counts.items()]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
