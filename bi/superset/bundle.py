"""The versioned dashboard bundle (bi/superset/bundle/) in and out of Superset.

Runs with Superset's own virtualenv (build/superset/venv/bin/python) and SUPERSET_CONFIG_PATH
set; bi/superset/superset.sh does both:

    bundle.py import --warehouse build/demo/published.duckdb [--zip build/superset/bundle.zip]
    bundle.py export [--dashboard SLUG ...]   write the bundle's dashboards (and any named by
                                              slug) back into bi/superset/bundle/
    bundle.py has-user admin                  exit 0 when that Superset user exists

The bundle holds YAML files in Superset's export format (metadata.yaml, databases/, datasets/,
charts/, dashboards/). `${warehouse}` in databases/*.yaml stands for the absolute path of the
warehouse. Import fills it in, zips the files (the zip also imports through the UI, Dashboards >
Import) and imports them with Superset's asset importer, which overwrites the database,
datasets, charts and dashboards of the same uuids: re-running picks up every edit of the bundle
and a changed warehouse path (`superset import-dashboards` would keep existing databases,
datasets and charts as they were). After the import each dataset's columns are synced from the
warehouse, so a mart that lost a column the bundle names fails here, not in a chart. Export is
the way back after editing dashboards in the UI: files keep their names (matched by uuid), the
warehouse path becomes `${warehouse}` again.
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import sys
import zipfile
from pathlib import Path
from string import Template
from typing import Any

import yaml

BUNDLE_DIR = Path(__file__).resolve().parent / "bundle"
ROOT_IN_ZIP = "mlops_kpis_dashboards"
WAREHOUSE_URI = "duckdb:///${warehouse}"
DATABASE_HEADER = (
    "# ${warehouse} is replaced at import time by the absolute path of the published warehouse\n"
    "# (bundle.py import --warehouse). Read-only: dbt never writes the file Superset reads.\n"
)


def bundle_contents(warehouse: Path) -> dict[str, str]:
    """The bundle's files by path relative to the bundle, with the warehouse path filled in."""
    contents: dict[str, str] = {}
    for path in sorted(BUNDLE_DIR.rglob("*.yaml")):
        rel = path.relative_to(BUNDLE_DIR).as_posix()
        text = path.read_text()
        if rel.startswith("databases/"):
            text = Template(text).substitute(warehouse=str(warehouse))
        contents[rel] = text
    return contents


def write_zip(contents: dict[str, str], out: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as bundle:
        for rel, text in contents.items():
            bundle.writestr(f"{ROOT_IN_ZIP}/{rel}", text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue())


def admin_user() -> Any:
    from superset import security_manager  # pylint: disable=import-outside-toplevel

    admin = security_manager.find_user(username="admin")
    if admin is None:
        raise SystemExit("Superset user 'admin' does not exist: run superset.sh setup first")
    return admin


def import_bundle(zip_path: Path) -> dict[str, int]:
    # pylint: disable=import-outside-toplevel
    from superset import db
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.commands.importers.v1.utils import get_contents_from_bundle
    from superset.connectors.sqla.models import SqlaTable
    from superset.utils.core import override_user

    with zipfile.ZipFile(zip_path) as bundle:
        contents = get_contents_from_bundle(bundle)
    with override_user(admin_user()):
        ImportAssetsCommand(contents).run()
        for rel, text in contents.items():
            if not rel.startswith("datasets/"):
                continue
            dataset = db.session.query(SqlaTable).filter_by(uuid=yaml.safe_load(text)["uuid"]).one()
            calculated = {col.column_name for col in dataset.columns if col.expression}
            result = dataset.fetch_metadata()
            missing = [name for name in result.removed if name not in calculated]
            if missing:
                raise SystemExit(f"dataset {dataset.table_name}: the warehouse has no column(s) {missing}")
        db.session.commit()
    counts: dict[str, int] = {}
    for rel in contents:
        kind = rel.split("/", 1)[0]
        if kind != "metadata.yaml":
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "unnamed"


def export_bundle(extra_slugs: list[str]) -> int:
    """Write the bundle's dashboards, their charts, datasets and database back into BUNDLE_DIR."""
    # pylint: disable=import-outside-toplevel
    from superset import db
    from superset.commands.dashboard.export import ExportDashboardsCommand
    from superset.models.dashboard import Dashboard
    from superset.utils.core import override_user

    existing: dict[str, Path] = {}  # uuid -> file, so that files keep their names
    for path in BUNDLE_DIR.rglob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        if isinstance(doc, dict) and "uuid" in doc:
            existing[str(doc["uuid"])] = path
    wanted = {uuid for uuid, path in existing.items() if path.parent.name == "dashboards"}
    dashboards = [d for d in db.session.query(Dashboard).all() if str(d.uuid) in wanted or d.slug in extra_slugs]
    missing = set(extra_slugs) - {d.slug for d in dashboards}
    if missing:
        raise SystemExit(f"no dashboard with slug(s) {sorted(missing)}")
    with override_user(admin_user()):
        exported = [(name, content()) for name, content in ExportDashboardsCommand([d.id for d in dashboards]).run()]
    files: dict[Path, str] = {}
    for name, text in exported:
        if name == "metadata.yaml":
            continue
        doc = yaml.safe_load(text)
        kind = name.split("/", 1)[0]
        if kind == "databases":
            doc["sqlalchemy_uri"] = WAREHOUSE_URI
            text = DATABASE_HEADER + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
        path = existing.get(str(doc["uuid"]))
        if path is None:
            label = doc.get("slug") or doc.get("slice_name") or doc.get("table_name") or doc.get("database_name")
            sub = "datasets/mlops_kpis_warehouse" if kind == "datasets" else kind
            path = BUNDLE_DIR / sub / f"{_slug(str(label))}.yaml"
        files[path] = text
    for path in existing.values():
        if path not in files:
            path.unlink()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"superset: exported {len(dashboards)} dashboards ({len(files)} files) into {BUNDLE_DIR}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import the bundle, reading --warehouse")
    imp.add_argument("--warehouse", type=Path, required=True, help="the DuckDB file the dashboards read (read-only)")
    imp.add_argument("--zip", type=Path, help="where to write the zipped bundle")
    exp = sub.add_parser("export", help="write the dashboards back into the bundle")
    exp.add_argument("--dashboard", action="append", default=[], metavar="SLUG", help="also export this dashboard")
    has = sub.add_parser("has-user", help="exit 0 if this Superset user exists")
    has.add_argument("username")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    from superset.app import create_app  # pylint: disable=import-outside-toplevel

    app = create_app()
    with app.app_context():
        if args.command == "has-user":
            from superset import security_manager  # pylint: disable=import-outside-toplevel

            return 0 if security_manager.find_user(username=args.username) else 1
        if args.command == "export":
            return export_bundle(args.dashboard)
        warehouse = args.warehouse.resolve()
        if not warehouse.is_file():
            print(f"error: warehouse {warehouse} does not exist", file=sys.stderr)
            return 2
        zip_path = args.zip or Path(app.config["DATA_DIR"]) / "bundle.zip"
        write_zip(bundle_contents(warehouse), zip_path)
        counts = import_bundle(zip_path)
    print(
        f"superset: imported {counts.get('dashboards', 0)} dashboards, {counts.get('charts', 0)} charts, "
        f"{counts.get('datasets', 0)} datasets; database reads {warehouse} read-only"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
