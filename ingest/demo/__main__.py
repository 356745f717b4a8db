"""``python -m ingest.demo --out build/demo``: write the demo organisation for the loaders.

The output folders are wiped first so that a rerun gives identical bytes (a stale repository
or cassette from an older scenario would otherwise survive).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time
from pathlib import Path

from ingest.demo.organisation import build_demo_organisation
from ingest.demo.writers import write_organisation

log = logging.getLogger("ingest.demo.cli")

WIPED_SUBDIRS = ("git", "recorded", "catalog", "tensorboard", "drops")


def wipe(out_dir: Path) -> None:
    """Remove what a previous run wrote (only the folders this command writes)."""
    for name in WIPED_SUBDIRS:
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/demo"), help="output folder (default build/demo)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each repository and page file")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)

    started = time.perf_counter()
    out_dir: Path = args.out
    wipe(out_dir)
    org = build_demo_organisation()
    shas = write_organisation(org, out_dir)
    log.info(
        "demo written to %s in %.1fs: %d repos, %d commits, %d pull requests, %d deployments, "
        "%d GitHub issues, %d Jira issues, %d MLflow runs, %d projects",
        out_dir, time.perf_counter() - started, len(shas), sum(len(s) for s in shas.values()),
        len(org.pull_requests), len(org.deployments), len(org.github_issues), len(org.jira_issues),
        len(org.runs), len(org.catalog),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
