"""Run the MetricFlow CLI (`mf`) on the semantic layer (models/semantic/) against a built warehouse.

`mf` reads the semantic manifest from ``<dbt project>/target/semantic_manifest.json`` and the
warehouse from profiles.yml. The project builds into other target folders (the demo into
build/demo/dbt_target, the tests into build/tests/<name>/dbt_target), so this module gives `mf`
a small project folder of its own beside that target: a copy of dbt_project.yml and of the
semantic manifest that ``dbt parse``/``dbt build`` wrote there. Several warehouses can then be
queried side by side, and nothing is written to the shared ./target.

    python -m mlops_kpis.semantic --db build/demo/warehouse.duckdb --catalog build/demo/catalog \
        query --metrics deployments --group-by project,metric_time__month

From the project folder itself, plain `mf` works too once ``dbt parse`` has written ./target
(see docs/bi.md).
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mlops_kpis.dbt_runner import PROJECT_DIR, catalog_dir_for_dbt, run_dbt

log = logging.getLogger(__name__)

SEMANTIC_MANIFEST = "semantic_manifest.json"


class MetricFlowFailed(RuntimeError):
    """`mf` ended with a non-zero exit code; the message holds its output."""


def default_target_dir(db_path: Path) -> Path:
    """The dbt target folder the project's runner uses for a warehouse: beside the file."""
    return Path(db_path).resolve().parent / "dbt_target"


def mf_project_dir(target_dir: Path) -> Path:
    """A folder `mf` can run in: dbt_project.yml and target/semantic_manifest.json, copied.

    The copies are refreshed on every call, so a rebuilt manifest is always the one read.
    """
    target_dir = Path(target_dir).resolve()
    manifest = target_dir / SEMANTIC_MANIFEST
    if not manifest.exists():
        raise FileNotFoundError(
            f"{manifest} does not exist: run `dbt parse` or `dbt build` with this target first"
        )
    root = target_dir / "mf_project"
    (root / "target").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_DIR / "dbt_project.yml", root / "dbt_project.yml")
    shutil.copyfile(manifest, root / "target" / SEMANTIC_MANIFEST)
    return root


def mf_env(db_path: Path, catalog_dir: Path, target_dir: Path, project_dir: Path) -> dict[str, str]:
    """The environment `mf` needs: the warehouse and catalog dbt reads, profiles, logs."""
    return {
        **os.environ,
        "MLOPS_KPIS_DB": str(Path(db_path).resolve()),
        "MLOPS_KPIS_CATALOG_DIR": catalog_dir_for_dbt(catalog_dir),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(project_dir),
        "DBT_TARGET_PATH": str(project_dir / "target"),
        "DBT_LOG_PATH": str(Path(target_dir).resolve() / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # no colours or spinners in captured output
        "NO_COLOR": "1",
    }


def run_mf(
    args: Sequence[str],
    db_path: Path,
    catalog_dir: Path,
    target_dir: Path | None = None,
    parse: bool = False,
) -> str:
    """Run ``mf <args>`` on the warehouse ``db_path``; return its output, raise on failure.

    ``parse`` runs ``dbt parse`` into ``target_dir`` first (for a manifest that may be stale
    or missing); a warehouse just built by ``dbt build`` has a current one.
    """
    target = Path(target_dir).resolve() if target_dir else default_target_dir(db_path)
    if parse:
        run_dbt(["parse"], db_path, catalog_dir, target)
    project_dir = mf_project_dir(target)
    cli = [str(Path(sys.executable).parent / "mf"), *args]
    log.info("%s", " ".join(cli))
    result = subprocess.run(
        cli,
        env=mf_env(db_path, catalog_dir, target, project_dir),
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise MetricFlowFailed(f"mf {' '.join(args)} failed ({result.returncode}):\n{output[-4000:]}")
    return output


def query(
    metrics: Sequence[str],
    group_by: Sequence[str],
    db_path: Path,
    catalog_dir: Path,
    target_dir: Path | None = None,
    where: str | None = None,
) -> list[dict[str, str]]:
    """Rows of ``mf query`` as dicts of strings (its --csv output), one per group."""
    with tempfile.TemporaryDirectory(prefix="mf-query-") as tmp:
        out = Path(tmp) / "result.csv"
        args = ["query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by),
                "--csv", str(out), "--quiet"]
        if where:
            args += ["--where", where]
        run_mf(args, db_path, catalog_dir, target_dir)
        with out.open(newline="") as f:
            return list(csv.DictReader(f))


def tidy_output(output: str) -> str:
    """`mf` output without its spinner frames and blank lines (they clutter a log)."""
    lines = [
        line for line in output.splitlines()
        if line.strip() and not ("\u2800" <= line.lstrip()[:1] <= "\u28ff")
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Any further arguments go to mf, e.g. validate-configs, or query --metrics ...",
    )
    parser.add_argument("--db", type=Path, required=True, help="the DuckDB warehouse built by dbt")
    parser.add_argument("--catalog", type=Path, required=True, help="the catalog folder dbt built it with")
    parser.add_argument("--target", type=Path, help="dbt target folder (default: dbt_target beside --db)")
    parser.add_argument("--parse", action="store_true", help="run dbt parse into the target folder first")
    args, mf_args = parser.parse_known_args(argv)
    if mf_args[:1] == ["--"]:
        mf_args = mf_args[1:]
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.db.exists():
        print(f"error: warehouse {args.db} does not exist: run `make demo` first", file=sys.stderr)
        return 2
    try:
        output = run_mf(mf_args or ["validate-configs"], args.db, args.catalog, args.target, args.parse)
        print(tidy_output(output), end="")
    except MetricFlowFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
