"""Print the DORA scorecard and the ML journey of every project from the marts.

Reads marts.dora_summary (the default report's rows), marts.dim_projects and
marts.fct_exploration_cycles; writes nothing. Fits an 80-column terminal.

    python -m mlops_kpis.scorecard --db build/demo/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

import duckdb

WIDTH = 80
LEVEL_WIDTH = 12


def fmt_hours(hours: float | None) -> str:
    """A duration in the largest unit that keeps it readable: 45m, 5.2h, 3.1d, 9.4w."""
    if hours is None:
        return "-"
    if hours < 1:
        return f"{hours * 60:.0f}m"
    if hours < 48:
        return f"{hours:.1f}h"
    if hours < 24 * 14:
        return f"{hours / 24:.1f}d"
    return f"{hours / (24 * 7):.1f}w"


def fmt_rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.0f}%"


def fmt_level(level: str | None) -> str:
    if level is None:
        return "-"
    return "insufficient" if level == "insufficient data" else level


def fmt_time(ts: datetime | None) -> str:
    return "-" if ts is None else ts.strftime("%Y-%m-%d")


def scope_label(scope: str, scope_id: str) -> str:
    label = scope_id if scope == "project" else f"{scope}: {scope_id}" if scope == "team" else "ORG"
    return label[:22]


def summary_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cur = con.execute(
        """
        select *
        from marts.dora_summary
        where is_default_report
        order by case scope when 'project' then 1 when 'team' then 2 else 3 end,
                 case when scope = 'project' then (
                     select team from marts.dim_projects where project_id = scope_id) end,
                 scope_id
        """
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def render(con: duckdb.DuckDBPyConnection) -> str:
    rows = summary_rows(con)
    if not rows:
        return "No scorecard: marts.dora_summary is empty (no projects in the catalog?)."
    first = rows[0]
    lines: list[str] = []
    title = (
        f"DORA scorecard as of {first['window_end']:%Y-%m-%d %H:%M} UTC, last "
        f"{first['window_days']} days, DORA {first['report']} levels"
    )
    lines += [title[:WIDTH], "=" * min(len(title), WIDTH), ""]

    lines.append("Throughput")
    header = (
        f"{'project / team / org':<22} {'deploys':>7} {'days':>5}  {'frequency':<{LEVEL_WIDTH}}"
        f" {'lead time':>9} {'n':>5}  {'level':<{LEVEL_WIDTH}}"
    )
    lines += [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{scope_label(r['scope'], r['scope_id']):<22} {r['deployments']:>7} {r['deployment_days']:>5}"
            f"  {fmt_level(r['deployment_frequency_level']):<{LEVEL_WIDTH}}"
            f" {fmt_hours(r['lead_time_median_hours']):>9} {r['lead_time_n']:>5}"
            f"  {fmt_level(r['lead_time_level']):<{LEVEL_WIDTH}}"
        )
    lines.append("")
    lines.append("Stability")
    header = (
        f"{'project / team / org':<22} {'failed':>6} {'CFR':>4} {'level':<{LEVEL_WIDTH}}"
        f" {'recovery':>8} {'n':>3} {'level':<{LEVEL_WIDTH}} {'rework':>6}"
    )
    lines += [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{scope_label(r['scope'], r['scope_id']):<22} {r['failed_deployments']:>6}"
            f" {fmt_rate(r['change_failure_rate']):>4} {fmt_level(r['change_failure_rate_level']):<{LEVEL_WIDTH}}"
            f" {fmt_hours(r['recovery_median_hours']):>8} {r['recovery_n']:>3}"
            f" {fmt_level(r['recovery_time_level']):<{LEVEL_WIDTH}} {fmt_rate(r['rework_rate']):>6}"
        )
    lines += [
        "",
        "Lead time and recovery are medians; n is the sample behind each (deploys for",
        "frequency and CFR). 'insufficient' = sample below the var min_sample_size.",
        "",
    ]
    lines += render_journey(con)
    return "\n".join(lines)


def render_journey(con: duckdb.DuckDBPyConnection) -> list[str]:
    cur = con.execute(
        """
        select p.project_id, p.team, p.current_phase, p.current_step, p.exploration_cycles,
               p.first_kickoff_at, p.first_deployment_at,
               c.concept_to_production_hours
        from marts.dim_projects as p
        left join marts.fct_exploration_cycles as c
            on c.project_id = p.project_id and c.exploration_cycle = 1
        order by p.team, p.project_id
        """
    )
    lines = ["ML journey (Under the ForEx Base -> BLOCO)"]
    header = (
        f"{'project':<19} {'team':<7} {'phase':<11} {'step':<17} {'cyc':>3}"
        f" {'kickoff':<10} {'to prod':>7}"
    )
    lines += [header, "-" * len(header)]
    for project_id, team, phase, step, cycles, kickoff, _first_dep, c2p in cur.fetchall():
        lines.append(
            f"{project_id[:19]:<19} {team[:7]:<7} {phase:<11} {(step or '-')[:17]:<17} {cycles:>3}"
            f" {fmt_time(kickoff):<10} {fmt_hours(c2p):>7}"
        )
    unassigned = con.execute(
        "select source_system, record_type, count(*) from marts.unassigned_records group by 1, 2 order by 1, 2"
    ).fetchall()
    if unassigned:
        lines += ["", "Records assigned to no project (marts.unassigned_records):"]
        lines += [f"  {src} {kind}: {n}" for src, kind, n in unassigned]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the DuckDB warehouse built by dbt")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"error: warehouse {args.db} does not exist: run `make demo` or a load first", file=sys.stderr)
        return 2
    with duckdb.connect(str(args.db), read_only=True) as con:
        print(render(con))
    return 0


if __name__ == "__main__":
    sys.exit(main())
