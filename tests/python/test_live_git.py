"""Live mode, git: a real repository changed between loads (new commits and merges, a new and a
deleted branch, a fetch from its remote, a force-push), loaded incrementally by
``ingest.run.load_live``. The loader reads the bare repository the work is pushed to.

Each incremental warehouse is compared with a fresh full load of the same clone: the rows must
be the same, and a rerun must read only the commits that are new (the loader's summary).
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.run import LoadReport, load_live
from ingest.settings import LiveSettings

REPO = "model-pipeline"
ENV = {"GIT_AUTHOR_NAME": "Ann Example", "GIT_AUTHOR_EMAIL": "ann@example.com", "GIT_COMMITTER_NAME": "Ann Example",
       "GIT_COMMITTER_EMAIL": "ann@example.com"}


class Clone:
    """A working clone with a bare 'origin', committing with fixed, increasing dates."""

    def __init__(self, root: Path) -> None:
        self.remote = root / "origin.git"
        self.path = root / REPO
        self.seconds = 0
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(self.remote)], check=True)
        subprocess.run(["git", "clone", "-q", str(self.remote), str(self.path)], check=True, capture_output=True)
        self.git("checkout", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        self.seconds += 60
        env = {**os.environ, **ENV, "GIT_AUTHOR_DATE": f"{1740819600 + self.seconds} +0100",
               "GIT_COMMITTER_DATE": f"{1740819600 + self.seconds} +0000"}
        return subprocess.run(["git", "-C", str(self.path), *args], check=True, capture_output=True, text=True,
                              env=env).stdout.strip()

    def commit(self, name: str) -> str:
        (self.path / f"{name}.txt").write_text(name + "\n")
        self.git("add", f"{name}.txt")
        self.git("commit", "-q", "-m", name)
        return self.git("rev-parse", "HEAD")

    def merge_branch(self, branch: str, commits: list[str]) -> str:
        self.git("checkout", "-q", "-b", branch)
        for name in commits:
            self.commit(name)
        self.git("checkout", "-q", "main")
        self.git("merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch)
        return self.git("rev-parse", "HEAD")

    def push(self) -> None:
        """Publish every branch (and branch deletion) to the bare 'origin', which is what the
        loader reads, as it would read a server-side or mirror clone."""
        self.git("push", "-q", "--force", "--prune", "origin", "refs/heads/*:refs/heads/*")


def settings_for(path: Path, fetch: bool = False) -> LiveSettings:
    return LiveSettings(git_repos={REPO: str(path)}, git_fetch=fetch)


def load(db: Path, catalog: Path, path: Path, **kwargs: Any) -> LoadReport:
    fetch = kwargs.pop("fetch", False)
    report = load_live(db, catalog, only={"git"}, settings=settings_for(path, fetch), **kwargs)
    assert report.ok, report.failures
    return report


def rows(db: Path, sql: str) -> set[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return set(con.execute(sql).fetchall())


MAINLINE = "select sha, mainline_sha, mainline_position, default_branch from raw_git.mainline_commits"
COMMITS = "select sha, parent_shas, author_id, author_time, committer_time, subject from raw_git.commits"
REFS = "select ref_name, sha, is_default_branch from raw_git.refs"


def assert_same_as_full_load(db: Path, catalog: Path, path: Path, tmp: Path, name: str,
                             commits_subset: bool = False) -> None:
    fresh = tmp / name / "w.duckdb"
    load(fresh, catalog, path)
    assert rows(db, MAINLINE) == rows(fresh, MAINLINE)
    assert rows(db, REFS) == rows(fresh, REFS)
    if commits_subset:  # commits no longer reachable after a rewrite stay (they existed)
        assert rows(fresh, COMMITS) <= rows(db, COMMITS)
    else:
        assert rows(db, COMMITS) == rows(fresh, COMMITS)


@pytest.fixture()
def catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "projects.csv").write_text("project_id,project_name,team\nfraud,Fraud,risk\n")
    (folder / "project_mappings.csv").write_text(f"project_id,object_type,object_key\nfraud,git_repo,{REPO}\n")
    return folder


def test_incremental_git_reads_only_new_commits_and_keeps_positions(tmp_path: Path, catalog: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    clone = Clone(tmp_path)
    clone.commit("c1")
    clone.commit("c2")
    clone.merge_branch("feature/a", ["a1", "a2"])
    clone.git("branch", "feature/old")
    clone.push()
    db = tmp_path / "wh" / "w.duckdb"
    repo = clone.remote

    first = load(db, catalog, repo)
    assert first.loaded("raw_git.commits") == 5  # c1 c2 a1 a2 + merge
    assert first.total("raw_git.mainline_commits") == 5
    # the mainline so far: c1 (1), c2 (2), the merge (3) bringing a1 and a2
    positions = {p for _, _, p, _ in rows(db, MAINLINE)}
    assert positions == {1, 2, 3}

    # nothing changed: nothing read
    again = load(db, catalog, repo)
    assert again.loaded("raw_git.commits") == 0 and again.loaded("raw_git.mainline_commits") == 0
    assert again.loaded("raw_git.refs") == 0

    # new work: a merged branch, a direct commit, a new branch; a branch deleted
    clone.merge_branch("feature/b", ["b1", "b2", "b3"])
    clone.commit("c3")
    clone.git("branch", "-D", "feature/old")
    clone.git("checkout", "-q", "-b", "feature/wip")
    wip = clone.commit("w1")
    clone.git("checkout", "-q", "main")
    clone.push()
    second = load(db, catalog, repo)
    assert second.loaded("raw_git.commits") == 6  # b1 b2 b3, the merge, c3, w1
    assert second.new("raw_git.commits") == 6
    assert second.loaded("raw_git.mainline_commits") == 5  # b1-b3 and the merge at 4, c3 at 5
    assert {p for _, _, p, _ in rows(db, MAINLINE)} == {1, 2, 3, 4, 5}
    assert ("refs/heads/feature/old",) not in {(r,) for r, _, _ in rows(db, REFS)}
    assert ("refs/heads/feature/wip", wip, False) in rows(db, REFS)
    assert_same_as_full_load(db, catalog, repo, tmp_path, "full-2")

    # a force-push rewrites main: the mainline is recomputed and replaced, and the log says so
    clone.git("reset", "-q", "--hard", "HEAD~2")  # drops c3 and the feature/b merge from main
    clone.commit("c3-rewritten")
    clone.push()
    with caplog.at_level(logging.WARNING, logger="ingest.git_repos"):
        third = load(db, catalog, repo)
    assert any("force-push or rewritten history" in r.getMessage() for r in caplog.records)
    assert third.loaded("raw_git.commits") == 1
    # c1 c2 a1 a2 merge(a) c3-rewritten; b1-b3 and the feature/b merge are off the mainline now
    assert third.total("raw_git.mainline_commits") == 6
    assert {p for _, _, p, _ in rows(db, MAINLINE)} == {1, 2, 3, 4}
    assert_same_as_full_load(db, catalog, repo, tmp_path, "full-3", commits_subset=True)


def test_fetch_brings_what_was_pushed_to_the_remote(tmp_path: Path, catalog: Path) -> None:
    author = Clone(tmp_path / "author")
    author.commit("c1")
    author.push()
    mirror = tmp_path / "mirror" / REPO  # the clone the loader reads: only updated by its fetch
    subprocess.run(["git", "clone", "-q", "--mirror", str(author.remote), str(mirror)], check=True)
    db = tmp_path / "wh" / "w.duckdb"
    assert load(db, catalog, mirror, fetch=True).total("raw_git.commits") == 1
    author.merge_branch("feature/x", ["x1"])
    author.push()
    report = load(db, catalog, mirror, fetch=True)
    assert report.loaded("raw_git.commits") == 2
    assert report.total("raw_git.mainline_commits") == 3
