"""Run dbt on this project from Python, with the warehouse and catalog chosen by arguments.

The demo, the scorecard and the tests all build through here, so that the environment dbt sees
(warehouse file, catalog folder, target folder) is set in one place.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent


class DbtFailed(RuntimeError):
    """dbt ended with failures; the message names the failing nodes."""


def catalog_dir_for_dbt(catalog_dir: Path) -> str:
    """The catalog folder as dbt's seed path wants it: relative to the project directory.

    dbt writes a seed's compiled SQL to ``target/run/<project>/<seed path>``; an absolute seed
    path there would overwrite the CSV itself, so the catalog must live below the project.
    """
    catalog_dir = Path(catalog_dir).resolve()
    try:
        return str(catalog_dir.relative_to(PROJECT_DIR))
    except ValueError as exc:
        raise ValueError(
            f"catalog folder {catalog_dir} must be inside the project folder {PROJECT_DIR} "
            "(dbt seeds are read from paths relative to the project)"
        ) from exc


def run_dbt(
    args: Sequence[str],
    db_path: Path,
    catalog_dir: Path,
    target_dir: Path | None = None,
    dbt_vars: Mapping[str, object] | None = None,
) -> None:
    """Run one dbt command (e.g. ["build"]) against ``db_path``; raise DbtFailed on failure.

    dbt runs in its own process: dbt-duckdb keeps its DuckDB connection open for the life of
    the process, which would stop this process from opening the warehouse afterwards.
    """
    target = Path(target_dir or Path(db_path).parent / "dbt_target").resolve()
    env = {
        **os.environ,
        "MLOPS_KPIS_DB": str(Path(db_path).resolve()),
        "MLOPS_KPIS_CATALOG_DIR": catalog_dir_for_dbt(catalog_dir),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    cli = [str(Path(sys.executable).parent / "dbt"), *args,
           "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if dbt_vars:
        cli += ["--vars", json.dumps(dict(dbt_vars))]
    log.info("%s", " ".join(cli))
    result = subprocess.run(cli, env=env, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        failures = [line for line in result.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        detail = "\n".join(failures[-20:]) or result.stdout[-3000:] + result.stderr[-2000:]
        raise DbtFailed(f"dbt {' '.join(args)} failed (log: {target / 'logs'}):\n{detail}")
