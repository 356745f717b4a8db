"""Write the project catalog of an ``Organisation`` as the two dbt seeds the user would edit.

Why seeds: the catalog is configuration owned by people (which repo, Jira project, experiment
prefix and model belong to which ML project); dbt assigns every raw record to a project through
it. Rows are sorted and written with "\\n" endings so the same organisation gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from pathlib import Path

from ingest.demo.model import CatalogProject, Organisation

log = logging.getLogger(__name__)

PROJECTS_FILE = "projects.csv"
MAPPINGS_FILE = "project_mappings.csv"
PROJECT_HEADER = ("project_id", "project_name", "team")
MAPPING_HEADER = ("project_id", "object_type", "object_key")

# object_type (docs/data-contracts.md section 1) -> CatalogProject attribute holding the keys
MAPPING_FIELDS: dict[str, str] = {
    "git_repo": "git_repos",
    "github_repo": "github_repos",
    "jira_project": "jira_projects",
    "jira_label": "jira_labels",
    "jira_kickoff_key": "kickoff_keys",
    "mlflow_experiment_prefix": "mlflow_experiment_prefixes",
    "registered_model": "registered_models",
}


def project_rows(catalog: Iterable[CatalogProject]) -> list[tuple[str, str, str]]:
    """Sorted ``projects.csv`` rows; a project id must appear once."""
    rows = sorted((p.project_id, p.project_name, p.team) for p in catalog)
    ids = [r[0] for r in rows]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"project ids appear more than once in the catalog: {duplicates}")
    return rows


def mapping_rows(catalog: Iterable[CatalogProject]) -> list[tuple[str, str, str]]:
    """Sorted, de-duplicated ``project_mappings.csv`` rows."""
    rows: set[tuple[str, str, str]] = set()
    for project in catalog:
        for object_type, attribute in MAPPING_FIELDS.items():
            for key in getattr(project, attribute):
                rows.add((project.project_id, object_type, key))
    return sorted(rows)


def render_csv(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    """CSV text with a header, minimal quoting and "\\n" line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_catalog(org: Organisation, catalog_dir: Path) -> None:
    """Write ``projects.csv`` and ``project_mappings.csv`` for ``org.catalog`` into ``catalog_dir``."""
    catalog_dir = Path(catalog_dir)
    catalog_dir.mkdir(parents=True, exist_ok=True)
    projects = project_rows(org.catalog)
    mappings = mapping_rows(org.catalog)
    for name, text in (
        (PROJECTS_FILE, render_csv(PROJECT_HEADER, projects)),
        (MAPPINGS_FILE, render_csv(MAPPING_HEADER, mappings)),
    ):
        with open(catalog_dir / name, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    log.info("wrote catalog: %d projects, %d mappings to %s", len(projects), len(mappings), catalog_dir)
