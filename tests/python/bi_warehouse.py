"""The demo warehouse as the "ready for BI" tests (semantic layer, HTML report, analyses) use it:
the session's demo build (conftest.demo_build, built once for the whole session and shared with
the demo pipeline tests), with the folders `mf` and the analyses need.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from conftest import DemoBuild
from harness import SCRATCH, build_warehouse


@dataclass(frozen=True)
class BuiltWarehouse:
    db_path: Path
    catalog_dir: Path  # the catalog dbt built it with
    target_dir: Path  # the dbt target: manifest.json, semantic_manifest.json


def built_warehouse(build: DemoBuild) -> BuiltWarehouse:
    """The warehouse, catalog and dbt target of the session's demo build (fixture demo_build)."""
    return BuiltWarehouse(
        db_path=build.db_path,
        catalog_dir=build.root / "org" / "catalog",
        target_dir=build.root / "dbt_target",
    )


@functools.lru_cache(maxsize=None)
def bi_demo_warehouse() -> BuiltWarehouse:
    """A demo warehouse of its own, built once per process (outside fixtures; a test can take
    the shared session build instead: ``built_warehouse(demo_build)``)."""
    from ingest.demo.organisation import build_demo_organisation

    name = f"bi-demo-{os.getpid()}"  # engineers share build/tests: one folder per process
    root = SCRATCH / name
    if not os.environ.get("MLOPS_KPIS_KEEP_TEST_BUILDS"):  # as conftest's session builds
        atexit.register(shutil.rmtree, root, ignore_errors=True)
    db_path, _shas = build_warehouse(build_demo_organisation(), name)
    return BuiltWarehouse(db_path=db_path, catalog_dir=root / "org" / "catalog", target_dir=root / "dbt_target")
