"""Session fixtures: the scenario warehouse, built once for the whole session.

The scenario organisation (scenario_org.py) is written, loaded by the real dlt loaders and built
by ``dbt build`` once, as ``harness.build_warehouse`` does, with one step more: MLflow aliases
keep no history, so the warehouse sees MLflow twice, as production would. First the
organisation as its MLflow answered at ``FIRST_ALIAS_OBSERVATION`` (aliases on version 1) is
loaded and the alias snapshot taken; then the organisation at ``AS_OF`` (aliases moved to
version 2) is loaded whole and ``dbt build`` snapshots again and derives the alias promotions.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import harness
import scenario_org
from ingest.demo.model import Organisation
from ingest.demo.writers import write_organisation
from ingest.run import load_all
from mlops_kpis.dbt_runner import run_dbt

# The hand-worked answers depend on these vars: pinned, so that a change of a project default
# (dbt_project.yml) does not silently change what the scenarios prove. summary_window_days=90
# gives 12 whole 7-day buckets and 3 whole 30-day buckets (rule 13).
SCENARIO_VARS = {
    "as_of": scenario_org.AS_OF_VAR,
    "summary_window_days": 90,
    "min_sample_size": 5,
    "incident_attribution_window_hours": 168,
    "deployment_dedup_window_hours": 24,
    "dora_report": 2024,
}


def dbt(args: list[str], db_path: Path, catalog_dir: Path, target: Path) -> None:
    run_dbt(args, db_path, catalog_dir, target, SCENARIO_VARS)


def build_scenario_warehouse(name: str = "scenarios") -> tuple[Path, dict[str, dict[str, str]]]:
    """Write, load (MLflow twice) and build the scenario organisation under build/tests/<name>."""
    root = harness.SCRATCH / name
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    db_path = root / "warehouse.duckdb"
    target = root / "dbt_target"

    first = root / "first-observation"
    write_organisation(scenario_org.build_organisation(first_alias_observation=True), first)
    load_all(first, db_path, first / "catalog", only={"mlflow"})
    dbt(["build", "--select", "+snp_mlflow__model_aliases"], db_path, first / "catalog", target)

    org_dir = root / "org"
    shas = write_organisation(scenario_org.build_organisation(), org_dir)
    load_all(org_dir, db_path, org_dir / "catalog")
    dbt(["build"], db_path, org_dir / "catalog", target)
    return db_path, shas


def _scratch_name(base: str) -> str:
    """A per-process folder under build/tests: engineers share this tree, and two sessions
    building into one folder would wipe each other's warehouse mid-run."""
    return f"{base}-{os.getpid()}"


def _clean_up(name: str) -> None:
    """Remove a session's build folder, unless MLOPS_KPIS_KEEP_TEST_BUILDS asks to keep it."""
    if not os.environ.get("MLOPS_KPIS_KEEP_TEST_BUILDS"):
        shutil.rmtree(harness.SCRATCH / name, ignore_errors=True)


@pytest.fixture(scope="session")
def scenario_build() -> Iterator[tuple[Path, dict[str, dict[str, str]]]]:
    """(warehouse path, repo -> commit key -> sha) of the scenario organisation."""
    name = _scratch_name("scenarios")
    try:
        yield build_scenario_warehouse(name)
    finally:
        _clean_up(name)


@pytest.fixture(scope="session")
def scenario_db(scenario_build: tuple[Path, dict[str, dict[str, str]]]) -> Path:
    return scenario_build[0]


@pytest.fixture(scope="session")
def scenario_shas(scenario_build: tuple[Path, dict[str, dict[str, str]]]) -> dict[str, dict[str, str]]:
    return scenario_build[1]


@dataclass(frozen=True)
class DemoBuild:
    """The demo organisation written, loaded and built once for the session."""

    org: Organisation
    root: Path  # build/tests/<name>: org/ (written), warehouse.duckdb, dbt_target/
    db_path: Path


@pytest.fixture(scope="session")
def demo_build() -> Iterator[DemoBuild]:
    """The demo organisation's warehouse, built through the harness as `make demo` builds it."""
    from ingest.demo.organisation import build_demo_organisation

    name = _scratch_name("demo")
    try:
        org = build_demo_organisation()
        db_path, _ = harness.build_warehouse(org, name)
        yield DemoBuild(org=org, root=harness.SCRATCH / name, db_path=db_path)
    finally:
        _clean_up(name)


@pytest.fixture(scope="session")
def demo_db(demo_build: DemoBuild) -> Path:
    return demo_build.db_path
