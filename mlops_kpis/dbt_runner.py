"""Run dbt on this project from Python, with the warehouse and catalog chosen by arguments.

The demo, the scorecard and the tests all build through here, so that the environment dbt sees
(warehouse file, catalog folder, target folder) is set in one place.
"""

from __future__ import annotations

import json
import logging
import os
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
    """Run one dbt command (e.g. ["build"]) against ``db_path``; raise DbtFailed on failure."""
    from dbt.cli.main import dbtRunner

    env = {
        "MLOPS_KPIS_DB": str(Path(db_path).resolve()),
        "MLOPS_KPIS_CATALOG_DIR": catalog_dir_for_dbt(catalog_dir),
        "DBT_TARGET_PATH": str(Path(target_dir or Path(db_path).parent / "dbt_target").resolve()),
        "DBT_LOG_PATH": str(Path(target_dir or Path(db_path).parent / "dbt_target").resolve() / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cli = [*args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if dbt_vars:
        cli += ["--vars", json.dumps(dict(dbt_vars))]
    try:
        log.info("dbt %s", " ".join(cli))
        result = dbtRunner().invoke(cli)
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if not result.success:
        failed = []
        for node in getattr(result.result, "results", None) or []:
            if str(getattr(node, "status", "")).lower() in {"error", "fail"}:
                failed.append(f"{node.node.unique_id}: {node.message}")
        detail = "; ".join(failed) if failed else str(result.exception)
        raise DbtFailed(f"dbt {' '.join(args)} failed: {detail}")
