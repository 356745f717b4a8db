"""Publishing (mlops_kpis/publish.py): BI readers never block a build and never see half of one.

A synthetic warehouse stands in for dbt's: each "build" rewrites its marts and reference tables
in place (one writer process, as dbt does), all stamped with the build's number, with
marts.dora_summary summing marts.fct_deployments. Reader processes open the published file
read-only, as Superset does, while builds and publications run back to back, and check on every
read that everything they see belongs to one complete build.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from mlops_kpis.publish import PublishError, main, publish

PROJECTS = 7


def write_build(db_path: Path, build_no: int) -> None:
    """One build of the synthetic warehouse: every table replaced, stamped with ``build_no``.

    The row counts change with the build, so that a reader mixing two builds would see the
    totals disagree; a view stands in for models materialised as views.
    """
    n_deployments = 5_000 + 1_531 * build_no
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists reference")
        con.execute("create schema if not exists staging")
        con.execute(
            f"""
            create or replace table marts.fct_deployments as
            select 'd' || i as deployment_id, 'p' || (i % {PROJECTS}) as project_id,
                   {build_no} as build_no, timestamp '2026-01-01' + to_seconds(i) as deployed_at
            from range({n_deployments}) as t(i)
            """
        )
        con.execute(
            """
            create or replace table marts.dora_summary as
            select project_id as scope_id, count(*) as deployments, max(build_no) as build_no
            from marts.fct_deployments group by project_id
            """
        )
        con.execute(
            f"""
            create or replace table reference.projects as
            select 'p' || i as project_id, {build_no} as build_no from range({PROJECTS}) as t(i)
            """
        )
        con.execute(
            "create or replace view marts.project_totals as "
            "select scope_id, deployments, build_no from marts.dora_summary"
        )
        # not BI-facing: must not be published
        con.execute("create or replace table staging.raw_stuff as select 1 as x")


READER = r"""
import json, sys, time
from pathlib import Path
import duckdb

path, stop, mode, progress = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
reads, builds, errors, inconsistent = 0, set(), [], []

def seen(build_no):
    if build_no not in builds:
        builds.add(build_no)
        with progress.open("a") as f:  # tells the test which builds this reader has seen
            f.write(f"{build_no}\n")

def check(con):
    (pub_id, tables, rows), = con.execute(
        "select publication_id, table_count, row_count from meta.publication").fetchall()
    build_nos = {r[0] for r in con.execute(
        "select distinct build_no from marts.fct_deployments union "
        "select distinct build_no from marts.dora_summary union "
        "select distinct build_no from marts.project_totals union "
        "select distinct build_no from reference.projects").fetchall()}
    (summed,), = con.execute("select sum(deployments) from marts.dora_summary").fetchall()
    (counted,), = con.execute("select count(*) from marts.fct_deployments").fetchall()
    (via_view,), = con.execute("select sum(deployments) from marts.project_totals").fetchall()
    listed = con.execute("select table_schema, table_name, row_count from meta.published_tables").fetchall()
    actual = {(s, t): con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t, _ in listed}
    problems = []
    if len(build_nos) != 1:
        problems.append(f"tables from builds {sorted(build_nos)}")
    if summed != counted or via_view != counted:
        problems.append(f"dora_summary sums {summed}, project_totals {via_view}, fct_deployments has {counted}")
    if any(actual[(s, t)] != n for s, t, n in listed) or sum(actual.values()) != rows or len(listed) != tables:
        problems.append(f"meta.published_tables {listed} != actual {actual}")
    return pub_id, min(build_nos), problems

if mode == "churn":
    # a new connection per read, as Superset opens the file per query
    while not stop.exists():
        try:
            with duckdb.connect(path, read_only=True) as con:
                pub_id, build_no, problems = check(con)
            reads += 1
            seen(build_no)
            if problems:
                inconsistent.append(problems)
        except Exception as exc:  # any error at all fails the test
            errors.append(f"{type(exc).__name__}: {exc}")
else:
    # one connection held open across publications: its view must stay the same complete build
    with duckdb.connect(path, read_only=True) as con:
        first = None
        while not stop.exists():
            try:
                pub_id, build_no, problems = check(con)
                reads += 1
                seen(build_no)
                first = first or pub_id
                if problems or pub_id != first:
                    inconsistent.append(problems or [f"publication changed under an open connection"])
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)
print(json.dumps({"reads": reads, "builds": sorted(builds), "errors": errors[:5],
                  "n_errors": len(errors), "inconsistent": inconsistent[:5],
                  "n_inconsistent": len(inconsistent)}))
"""


def start_reader(published: Path, stop: Path, mode: str, progress: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", READER, str(published), str(stop), mode, str(progress)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_readers_see_only_complete_builds_and_never_block_one(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    published = tmp_path / "published.duckdb"
    stop = tmp_path / "stop"
    write_build(warehouse, 0)
    publish(warehouse, published)

    progress = [tmp_path / f"reader-{i}.seen" for i in range(3)]
    readers = [start_reader(published, stop, mode, p) for mode, p in zip(("churn", "churn", "hold"), progress)]

    def seen_by(paths: list[Path]) -> set[int]:
        return {int(line) for p in paths if p.exists() for line in p.read_text().split()}

    def wait_until_seen(build_no: int, paths: list[Path]) -> None:
        deadline = time.monotonic() + 30
        while build_no not in seen_by(paths) and time.monotonic() < deadline:
            time.sleep(0.02)

    try:
        wait_until_seen(0, progress[2:])  # the holding reader has its connection open
        build_seconds = []
        for build_no in range(1, 9):
            started = time.monotonic()
            # the build writes the warehouse while readers hold the published file open
            write_build(warehouse, build_no)
            build_seconds.append(time.monotonic() - started)
            publish(warehouse, published)
            # a churning reader picks up each publication before the next build
            wait_until_seen(build_no, progress[:2])
    finally:
        stop.touch()
        outputs = [reader.communicate(timeout=60) for reader in readers]

    results = []
    for (out, err), reader in zip(outputs, readers):
        assert reader.returncode == 0, err
        results.append(json.loads(out))
    churn_a, churn_b, hold = results
    for result in results:
        assert result["n_errors"] == 0, result["errors"]
        assert result["n_inconsistent"] == 0, result["inconsistent"]
        assert result["reads"] > 0
    # the churning readers saw every publication come and go...
    assert set(churn_a["builds"]) | set(churn_b["builds"]) == set(range(9)), (churn_a, churn_b)
    # ...the held connection kept its snapshot...
    assert len(hold["builds"]) == 1, hold
    # ...and no build waited for a reader (a lock wait would take seconds, or fail)
    assert max(build_seconds) < 5, build_seconds
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select max(build_no) from marts.fct_deployments").fetchone()[0] == 8
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("reader-")) == [
        "published.duckdb", "stop", "warehouse.duckdb"]


def test_publishes_bi_schemas_as_tables_with_a_manifest(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_build(warehouse, 3)
    pub = publish(warehouse, tmp_path / "published.duckdb")
    with duckdb.connect(str(pub.target), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables order by 1, 2"
        ).fetchall()
        manifest = con.execute("select publication_id, table_count, row_count, schemas from meta.publication").fetchone()
    assert tables == [
        ("marts", "dora_summary", "BASE TABLE"),
        ("marts", "fct_deployments", "BASE TABLE"),
        ("marts", "project_totals", "BASE TABLE"),
        ("meta", "publication", "BASE TABLE"),
        ("meta", "published_tables", "BASE TABLE"),
        ("reference", "projects", "BASE TABLE"),
    ]
    assert manifest == (pub.publication_id, 4, pub.rows, "marts,reference")
    assert pub.rows == (5_000 + 1_531 * 3) + 2 * PROJECTS + PROJECTS


def test_a_failed_publication_leaves_the_previous_file_and_no_debris(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    published = tmp_path / "published.duckdb"
    write_build(warehouse, 1)
    first = publish(warehouse, published)
    with pytest.raises(PublishError, match="no tables in schema"):
        publish(warehouse, published, schemas=("marts", "semantic"))
    with pytest.raises(PublishError, match="does not exist"):
        publish(tmp_path / "missing.duckdb", published)
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select publication_id from meta.publication").fetchone()[0] == first.publication_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published.duckdb", "warehouse.duckdb"]


def test_command_line(tmp_path, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    write_build(warehouse, 2)
    assert main(["--from", str(warehouse)]) == 0
    assert "published 4 tables (marts, reference;" in capsys.readouterr().out
    assert (tmp_path / "published.duckdb").is_file()
    assert main(["--from", str(tmp_path / "nope.duckdb")]) == 2
