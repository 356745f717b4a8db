"""Write an ``Organisation`` as the real systems would hold it (see docs/data-contracts.md)."""

from __future__ import annotations

import logging
from pathlib import Path

from ingest.demo.model import Organisation
from ingest.demo.write_catalog import write_catalog
from ingest.demo.write_git import write_git_repos
from ingest.demo.write_pages import write_recorded_pages

log = logging.getLogger(__name__)


def write_organisation(org: Organisation, out_dir: Path) -> dict[str, dict[str, str]]:
    """Write git repositories, recorded API pages and the catalog; return repo -> key -> sha."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shas = write_git_repos(org, out_dir / "git")
    write_recorded_pages(org, shas, out_dir / "recorded")
    write_catalog(org, out_dir / "catalog")
    if org.extra_systems is not None:
        shas.update(org.extra_systems.write(out_dir))
    log.info("wrote organisation %s to %s", org.name, out_dir)
    return shas
