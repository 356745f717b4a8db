"""Publish the BI-facing schemas of a built warehouse as a separate, complete DuckDB file.

DuckDB allows one writer process or many readers per file. A dashboard reading the warehouse
dbt builds would block `dbt build` (or be blocked by it) and could show a half-built state. So BI
tools read a published copy instead: after a successful build, the schemas they need (marts and
reference) are copied into a NEW file next to the target, checkpointed, closed, and renamed over
the target with os.replace, which is atomic on POSIX file systems. A reader that opens the target
gets either the previous complete file or the new complete one, never a mix; a reader that has the
previous file open keeps reading it (its open handle still points at the old file) and sees the new
one on its next connection. Publishing never opens the target itself, so readers never block it.

Every published file carries `meta.publication` (one row: publication id, time, source, table
and row counts) and `meta.published_tables` (row count per table), which readers can use to check
what they see.

    python -m mlops_kpis.publish --from build/demo/warehouse.duckdb --to build/demo/published.duckdb
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

DEFAULT_SCHEMAS = ("marts", "reference")
META_SCHEMA = "meta"


class PublishError(RuntimeError):
    """The source warehouse cannot be published (missing file or schema)."""


@dataclass(frozen=True)
class Publication:
    publication_id: str
    target: Path
    schemas: tuple[str, ...]
    tables: int
    rows: int


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def publish(source: Path, target: Path, schemas: Sequence[str] = DEFAULT_SCHEMAS) -> Publication:
    """Copy ``schemas`` of the warehouse ``source`` into a new file and move it over ``target``.

    Tables and views of those schemas become tables of the same names. ``source`` is attached
    read-only, so it must not be open for writing (run this after dbt has exited).
    """
    source = Path(source).resolve()
    target = Path(target).resolve()
    if not source.is_file():
        raise PublishError(f"warehouse {source} does not exist: build it first")
    if source == target:
        raise PublishError("the published file must not be the warehouse itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    publication_id = uuid.uuid4().hex
    # same folder as the target, so that the rename stays on one file system
    tmp = target.with_name(f".{target.name}.{publication_id}.tmp")
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"ATTACH {_literal(str(source))} AS source_wh (READ_ONLY)")
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = 'source_wh' and table_schema in (select unnest(?)) "
                "order by table_schema, table_name",
                [list(schemas)],
            ).fetchall()
            found = {schema for schema, _ in tables}
            missing = [schema for schema in schemas if schema not in found]
            if missing:
                raise PublishError(
                    f"warehouse {source} has no tables in schema(s) {', '.join(missing)}: "
                    "did dbt build run?"
                )
            counts: list[tuple[str, str, int]] = []
            con.execute("begin transaction")
            for schema in schemas:
                con.execute(f"create schema {_ident(schema)}")
            for schema, table in tables:
                name = f"{_ident(schema)}.{_ident(table)}"
                con.execute(f"create table {name} as select * from source_wh.{name}")
                (n,) = con.execute(f"select count(*) from {name}").fetchone()
                counts.append((schema, table, n))
            con.execute(f"create schema {META_SCHEMA}")
            con.execute(
                f"create table {META_SCHEMA}.published_tables "
                "(table_schema varchar, table_name varchar, row_count bigint)"
            )
            con.executemany(f"insert into {META_SCHEMA}.published_tables values (?, ?, ?)", counts)
            con.execute(
                f"create table {META_SCHEMA}.publication as select "
                "? as publication_id, ? as published_at, ? as source_path, ? as schemas, "
                "?::bigint as table_count, ?::bigint as row_count",
                [publication_id, published_at, str(source), ",".join(schemas), len(counts),
                 sum(n for _, _, n in counts)],
            )
            con.execute("commit")
            con.execute("detach source_wh")
            con.execute("checkpoint")
        finally:
            con.close()
        _fsync(tmp)
        # a leftover write-ahead log of the target (someone opened it read-write and crashed)
        # would be replayed onto the new file
        stale_wal = target.with_name(target.name + ".wal")
        if stale_wal.exists():
            stale_wal.unlink()
        os.replace(tmp, target)
        _fsync(target.parent)
    except BaseException:
        _remove(tmp)
        raise
    return Publication(publication_id, target, tuple(schemas), len(counts), sum(n for _, _, n in counts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, required=True, help="the warehouse dbt built")
    parser.add_argument(
        "--to", dest="target", type=Path, help="the published file (default: published.duckdb next to --from)"
    )
    parser.add_argument(
        "--schemas", default=",".join(DEFAULT_SCHEMAS), help="comma-separated (default: marts,reference)"
    )
    args = parser.parse_args(argv)
    target = args.target or args.source.with_name("published.duckdb")
    schemas = [s.strip() for s in args.schemas.split(",") if s.strip()]
    try:
        pub = publish(args.source, target, schemas)
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        shown = target.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = target.resolve()
    print(f"published {pub.tables} tables ({', '.join(pub.schemas)}; {pub.rows} rows) -> {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
