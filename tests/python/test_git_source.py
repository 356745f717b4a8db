"""The git writer (fast-import) and the git dlt source on a tiny hand-worked repository.

History (times are the authors' local times; UTC in brackets):

    c1  2025-03-03 09:00 +09:00 aki   [03-03 00:00Z]  root, on main
    b1  2025-03-03 08:30 -07:00 dana  [03-03 15:30Z]  branch feat/a, parent c1
    b2  2025-03-03 10:15 -07:00 dana  [03-03 17:15Z]  branch feat/a, parent b1
    m1  2025-03-04 10:00 +09:00 aki   [03-04 01:00Z]  merge commit, parents c1 (first), b2
    s1  2025-03-04 09:00 -07:00 dana  [03-04 16:00Z]  branch feat/b, parent m1 (squash-merged: kept only there)
    q1  2025-03-05 11:00 -07:00 dana  [03-05 18:00Z]  squash of feat/b on main, parent m1;
        committed by aki at 2025-03-06 03:00 +09:00     [03-05 18:00Z]

refs: main -> q1, feat/b -> s1, tag v0.1.0 -> m1 (a release).
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dlt
import duckdb
import pytest

from ingest.demo.model import Commit, Organisation, Person, Release, Repo
from ingest.demo.write_git import CommitHasher, write_git_repos
from ingest.git_repos import first_parent_line, git_source, mainline_assignment
from ingest.pseudonymise import DEFAULT_SALT, SALT_ENV_VAR, person_id

JST = timezone(timedelta(hours=9))
MST = timezone(timedelta(hours=-7))
UTC = timezone.utc
SALT = "test-salt"
AKI = Person("aki", "Aki Sato", "aki.sato@example.com", "akisato")
DANA = Person("dana", "Dana Reyes", "Dana.Reyes@Example.com", "dreyes")


def tiny_org() -> Organisation:
    commits = [
        Commit("c1", "Initial commit\n", "aki", datetime(2025, 3, 3, 9, 0, tzinfo=JST), files={"README.md": "hi\n"}),
        Commit("b1", "Add features\n", "dana", datetime(2025, 3, 3, 8, 30, tzinfo=MST), ["c1"],
               files={"pipeline/features.py": "X = 1\n"}),
        Commit("b2", "Add tests\n", "dana", datetime(2025, 3, 3, 10, 15, tzinfo=MST), ["b1"],
               files={"tests/test_features.py": "def test(): pass\n"}),
        Commit("m1", "Merge pull request #1 from acme/feat/a\n\nAdd features\n", "aki",
               datetime(2025, 3, 4, 10, 0, tzinfo=JST), ["c1", "b2"],
               files={"pipeline/features.py": "X = 1\n", "tests/test_features.py": "def test(): pass\n"}),
        Commit("s1", "Tune threshold\n", "dana", datetime(2025, 3, 4, 9, 0, tzinfo=MST), ["m1"],
               files={"pipeline/train.py": "T = 0.5\n"}),
        Commit("q1", "Tune threshold (#2)\n\n* Tune threshold\n", "dana", datetime(2025, 3, 5, 11, 0, tzinfo=MST),
               ["m1"], committed_at=datetime(2025, 3, 6, 3, 0, tzinfo=JST), committer="aki",
               files={"pipeline/train.py": "T = 0.5\n"}),
    ]
    repo = Repo("tiny", "acme/tiny", commits, {"main": "q1", "feat/b": "s1"})
    release = Release("tiny", 1, "v0.1.0", "m1", datetime(2025, 3, 4, 2, 0, tzinfo=UTC),
                      datetime(2025, 3, 4, 2, 0, tzinfo=UTC), "aki")
    return Organisation("tiny", datetime(2025, 3, 31, tzinfo=UTC), [AKI, DANA], [repo], releases=[release])


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    git_dir = tmp_path_factory.mktemp("git")
    return git_dir / "tiny", write_git_repos(tiny_org(), git_dir)["tiny"]


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True, text=True).stdout


def test_fast_import_keeps_dates_offsets_and_identities(written: tuple[Path, dict[str, str]]) -> None:
    path, shas = written
    out = git(path, "log", "--all", "--format=%H|%P|%ai|%ci|%an|%ae|%cn|%s")
    by_sha = {line.split("|")[0]: line.split("|")[1:] for line in out.splitlines()}
    assert len(by_sha) == 6
    assert by_sha[shas["c1"]] == ["", "2025-03-03 09:00:00 +0900", "2025-03-03 09:00:00 +0900",
                                  "Aki Sato", "aki.sato@example.com", "Aki Sato", "Initial commit"]
    assert by_sha[shas["b1"]][1:3] == ["2025-03-03 08:30:00 -0700", "2025-03-03 08:30:00 -0700"]
    assert by_sha[shas["m1"]][0] == f"{shas['c1']} {shas['b2']}"  # first parent first
    # squash commit: author dana at -07:00, committer aki at +09:00 (same instant, 18:00Z)
    assert by_sha[shas["q1"]] == [shas["m1"], "2025-03-05 11:00:00 -0700", "2025-03-06 03:00:00 +0900",
                                  "Dana Reyes", "Dana.Reyes@Example.com", "Aki Sato", "Tune threshold (#2)"]
    assert git(path, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    refs = git(path, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
    assert refs == [f"refs/heads/feat/b {shas['s1']}", f"refs/heads/main {shas['q1']}",
                    f"refs/tags/v0.1.0 {shas['m1']}"]
    assert git(path, "show", f"{shas['m1']}:pipeline/features.py") == "X = 1\n"


def test_written_shas_are_deterministic_and_predicted(written: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    _, shas = written
    again = write_git_repos(tiny_org(), tmp_path)["tiny"]
    assert again == shas
    hasher = CommitHasher({p.key: p for p in tiny_org().people})
    for commit in tiny_org().repos[0].commits:
        hasher.add(commit)
    assert hasher.shas == shas


def test_mainline_assignment_by_hand() -> None:
    # a -- m1 -- m2 (main, first parents), m1 merges x1 <- x2, m2 merges y2 whose branch
    # itself merged z1 (y2 = merge of y1 and z1); y1 branched from x1 (already reachable from m1).
    parents = {"a": [], "x1": ["a"], "x2": ["x1"], "m1": ["a", "x2"], "y1": ["x1"], "z1": ["a"],
               "y2": ["y1", "z1"], "m2": ["m1", "y2"], "off": ["m2"]}
    line = first_parent_line("m2", parents)
    assert line == ["a", "m1", "m2"]
    assigned = mainline_assignment(line, parents)
    assert assigned == {
        "a": ("a", 1),
        "x1": ("m1", 2), "x2": ("m1", 2), "m1": ("m1", 2),
        # reachable from m2 and not from m1: y1, z1, y2 and m2 itself (x1 and a were already in)
        "y1": ("m2", 3), "z1": ("m2", 3), "y2": ("m2", 3), "m2": ("m2", 3),
    }  # "off" is not reachable from main: no row


def test_person_id_normalises_and_salts(monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    expected = "p_" + hashlib.sha256(b"s:dana.reyes@example.com").hexdigest()[:12]
    assert person_id("  Dana.Reyes@Example.com ", "s") == expected
    assert person_id(None, "s") is None and person_id("  ", "s") is None
    monkeypatch.delenv(SALT_ENV_VAR, raising=False)
    assert person_id("x") == person_id("x", DEFAULT_SALT)
    monkeypatch.setenv(SALT_ENV_VAR, "other")
    assert person_id("x") == person_id("x", "other") != person_id("x", DEFAULT_SALT)


def load(path: Path, db: Path, pipelines_dir: Path) -> dict[str, list[tuple]]:
    pipeline = dlt.pipeline(pipeline_name="test_git_source", destination=dlt.destinations.duckdb(str(db)),
                            dataset_name="raw_git", pipelines_dir=str(pipelines_dir))
    pipeline.run(git_source({"tiny": str(path)}))
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return {
            "commits": con.execute(
                "select sha, parent_shas, parent_count, author_id, author_time, author_tz_offset_minutes,"
                " committer_id, committer_time, committer_tz_offset_minutes, subject from raw_git.commits"
            ).fetchall(),
            "refs": con.execute(
                "select ref_name, sha, is_default_branch from raw_git.refs order by ref_name"
            ).fetchall(),
            "mainline": con.execute(
                "select sha, default_branch, mainline_sha, mainline_position from raw_git.mainline_commits"
            ).fetchall(),
            "all_text": con.execute(
                "select string_agg(c::varchar, ' ') from (select unnest([sha, parent_shas, author_id, committer_id,"
                " subject]) c from raw_git.commits)"
            ).fetchall(),
            "types": con.execute(
                "select column_name, data_type from information_schema.columns where table_schema = 'raw_git'"
                " and table_name = 'commits' and column_name in ('author_time', 'committer_time')"
            ).fetchall(),
        }


def test_git_source_loads_the_contract(written: tuple[Path, dict[str, str]], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path, shas = written
    monkeypatch.setenv(SALT_ENV_VAR, SALT)
    db = tmp_path / "git.duckdb"
    first = load(path, db, tmp_path / "pipelines")

    commits = {row[0]: row for row in first["commits"]}
    assert set(commits) == {shas[k] for k in ("c1", "b1", "b2", "m1", "s1", "q1")}  # 6 rows
    aki, dana = person_id(AKI.email, SALT), person_id(DANA.email, SALT)
    # c1: 09:00 at +09:00 is 00:00 UTC the same day; offset +540 minutes
    assert commits[shas["c1"]][1:] == ("", 0, aki, datetime(2025, 3, 3, 0, 0, tzinfo=UTC), 540,
                                      aki, datetime(2025, 3, 3, 0, 0, tzinfo=UTC), 540, "Initial commit")
    # b1: 08:30 at -07:00 is 15:30 UTC; offset -420
    assert commits[shas["b1"]][4:6] == (datetime(2025, 3, 3, 15, 30, tzinfo=UTC), -420)
    assert commits[shas["m1"]][1:3] == (f"{shas['c1']} {shas['b2']}", 2)
    # q1: author dana 11:00 -07:00 = 18:00Z; committer aki 03:00 (+1 day) +09:00 = 18:00Z
    assert commits[shas["q1"]][3:9] == (dana, datetime(2025, 3, 5, 18, 0, tzinfo=UTC), -420,
                                        aki, datetime(2025, 3, 5, 18, 0, tzinfo=UTC), 540)
    assert {t for _, t in first["types"]} == {"TIMESTAMP WITH TIME ZONE"}
    assert "@" not in first["all_text"][0][0] and "Dana" not in first["all_text"][0][0]

    assert first["refs"] == [("refs/heads/feat/b", shas["s1"], False), ("refs/heads/main", shas["q1"], True),
                             ("refs/tags/v0.1.0", shas["m1"], False)]

    # First-parent line of main: q1 -> m1 -> c1, so positions c1 = 1, m1 = 2, q1 = 3.
    # m1 brings in what is reachable from m1 and not from c1 (its first parent): b1, b2, m1.
    # s1 is only on feat/b (squash-merged branch): not reachable from main, no row.
    assert sorted(first["mainline"], key=lambda r: (r[3], r[0])) == sorted([
        (shas["c1"], "main", shas["c1"], 1),
        (shas["b1"], "main", shas["m1"], 2), (shas["b2"], "main", shas["m1"], 2), (shas["m1"], "main", shas["m1"], 2),
        (shas["q1"], "main", shas["q1"], 3),
    ], key=lambda r: (r[3], r[0]))

    second = load(path, db, tmp_path / "pipelines")  # merge disposition: nothing new
    assert len(second["commits"]) == 6 and len(second["refs"]) == 3 and len(second["mainline"]) == 5


def test_since_keeps_newer_commits_only(written: tuple[Path, dict[str, str]]) -> None:
    path, shas = written
    source = git_source({"tiny": str(path)}, since=datetime(2025, 3, 4, 12, 0, tzinfo=UTC), salt=SALT)
    # committed at or after 03-04 12:00Z: s1 (16:00Z) and q1 (03-05 18:00Z)
    assert {row["sha"] for row in source.resources["commits"]} == {shas["s1"], shas["q1"]}
    assert {row["sha"] for row in source.resources["mainline_commits"]} == {shas["q1"]}
    assert len(list(source.resources["refs"])) == 3
