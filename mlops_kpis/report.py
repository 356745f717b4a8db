"""Write the KPI report: one self-contained HTML file made from the marts.

The scorecard (marts.dora_summary, the default report's rows), the DORA trends of every project
(weekly deployments, failed ones marked; monthly deployments and change failure rate, from
marts.dora_metrics_weekly and _monthly), the journey timeline of every project (T1-T7 events from
marts.fct_journey_events, exploration cycles from marts.fct_exploration_cycles shaded) and the
lead-time breakdown (coding, pickup, review, deploy medians from marts.fct_pull_requests).

Charts are inline SVG drawn here; the file loads nothing (no CDN, no script, no font), so it opens
from disk, offline, in any browser. The warehouse is opened read-only.

    python -m mlops_kpis.report --db build/demo/warehouse.duckdb \
        --out build/report/mlops-kpis-report.html
"""

from __future__ import annotations

import argparse
import html
import logging
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from mlops_kpis.scorecard import fmt_hours, fmt_level, fmt_rate, summary_rows

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("build/report/mlops-kpis-report.html")

T_CODES = ("T1", "T2", "T3", "T4", "T5", "T6", "T7")
T_LABELS = {
    "T1": "T1 kickoff",
    "T2": "T2 experiments",
    "T3": "T3 baseline approved",
    "T4": "T4 pipeline bootstrap",
    "T5": "T5 pull requests opened",
    "T6": "T6 commits, training runs, model versions",
    "T7": "T7 production deployments",
}
T_COLOURS = {
    "T1": "#6a3d9a",
    "T2": "#1f78b4",
    "T3": "#b15928",
    "T4": "#e31a1c",
    "T5": "#33a02c",
    "T6": "#7f8c8d",
    "T7": "#ff7f00",
}
BREAKDOWN_PARTS = ("coding", "pickup", "review", "deploy")
BREAKDOWN_COLOURS = {"coding": "#a6cee3", "pickup": "#fdbf6f", "review": "#b2df8a", "deploy": "#fb9a99"}
LEVEL_CLASSES = {"elite": "elite", "high": "high", "medium": "medium", "low": "low"}

Row = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read from the marts."""

    as_of: datetime
    summary: list[Row]
    projects: list[Row]
    weekly: dict[str, list[Row]]
    monthly: dict[str, list[Row]]
    events: dict[str, list[Row]]
    cycles: dict[str, list[Row]]
    breakdown: list[Row]


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def group_by_project(rows: Iterable[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["project_id"]].append(row)
    return dict(grouped)


def load_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Read the marts the report is made from (nothing else: no staging, no raw tables)."""
    summary = summary_rows(con)
    projects = fetch(con, """
        select project_id, project_name, team, current_phase, current_step, exploration_cycles, as_of
        from marts.dim_projects
        order by team, project_id
    """)
    if not projects:
        raise ValueError("marts.dim_projects is empty: no projects in the catalog?")
    as_of = projects[0]["as_of"]
    period_cols = """scope_id as project_id, period_start, deployments, deployment_days,
        failed_deployments, change_failure_rate, rework_deployments, lead_time_median_hours, lead_time_n"""
    weekly = fetch(con, f"""
        select {period_cols} from marts.dora_metrics_weekly
        where scope = 'project' order by scope_id, period_start
    """)
    monthly = fetch(con, f"""
        select {period_cols} from marts.dora_metrics_monthly
        where scope = 'project' order by scope_id, period_start
    """)
    # one mark per (project, T-code, UTC day): thousands of commits and runs stay readable
    events = fetch(con, """
        select
            events.project_id,
            events.t_code,
            cast(events.occurred_at as date) as day,
            count(*) as n_events
        from marts.fct_journey_events as events
        inner join marts.dim_projects as projects
            on projects.project_id = events.project_id
        where events.occurred_at <= projects.as_of
        group by 1, 2, 3
        order by 1, 2, 3
    """)
    cycles = fetch(con, """
        select project_id, exploration_cycle, cycle_started_at, baseline_at, production_at,
               is_exploring, time_to_first_experiment_hours, runs_per_active_week,
               time_to_baseline_hours, baseline_to_bootstrap_hours, concept_to_production_hours
        from marts.fct_exploration_cycles
        order by project_id, exploration_cycle
    """)
    # pull requests shipped by a project's initial deployment carry its whole history in their
    # deploy time, as in lead time (fct_changes): left out here too
    breakdown = fetch(con, """
        select
            project_id,
            count(*) as pull_requests,
            percentile_cont(0.5) within group (order by coding_hours) as coding,
            percentile_cont(0.5) within group (order by pickup_hours) as pickup,
            percentile_cont(0.5) within group (order by review_hours) as review,
            percentile_cont(0.5) within group (order by deploy_hours) as deploy
        from marts.fct_pull_requests
        where not is_in_initial_deployment
        group by project_id
        order by project_id
    """)
    order = {p["project_id"]: i for i, p in enumerate(projects)}
    breakdown.sort(key=lambda r: order.get(r["project_id"], len(order)))
    return ReportData(
        as_of=as_of,
        summary=summary,
        projects=projects,
        weekly=group_by_project(weekly),
        monthly=group_by_project(monthly),
        events=group_by_project(events),
        cycles=group_by_project(cycles),
        breakdown=breakdown,
    )


# ---------------------------------------------------------------------------------------------
# SVG helpers


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def num(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def next_month(value: datetime) -> datetime:
    """The first day of the month after the one holding ``value``."""
    return datetime(value.year + value.month // 12, value.month % 12 + 1, 1)


def month_starts(start: datetime, end: datetime) -> list[datetime]:
    """First days of the months from the one holding ``start`` to the one holding ``end``."""
    months = []
    current = datetime(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = next_month(current)
    return months


@dataclass(frozen=True)
class TimeScale:
    """Maps UTC times linearly onto [x0, x1]."""

    start: datetime
    end: datetime
    x0: float
    x1: float

    def x(self, value: date | datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        offset = (as_datetime(value) - self.start).total_seconds()
        return self.x0 + (self.x1 - self.x0) * offset / span


def month_grid(scale: TimeScale, top: float, bottom: float, labels: bool = True) -> list[str]:
    """Vertical lines at month starts; labels every month (Jan with the year)."""
    parts = []
    first = True
    for month in month_starts(scale.start, scale.end):
        if month < scale.start:
            continue
        x = scale.x(month)
        parts.append(f'<line class="grid" x1="{num(x)}" y1="{num(top)}" x2="{num(x)}" y2="{num(bottom)}"/>')
        if labels:
            parts.append(f'<text class="axis" x="{num(x + 2)}" y="{num(bottom + 10)}">{month:%b}</text>')
            if month.month == 1 or first:
                parts.append(f'<text class="axis year" x="{num(x + 2)}" y="{num(bottom + 20)}">{month:%Y}</text>')
        first = False
    return parts


def svg(width: float, height: float, body: Sequence[str], **attrs: object) -> str:
    extra = "".join(f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    return (
        f'<svg class="chart" width="{num(width)}" height="{num(height)}" '
        f'viewBox="0 0 {num(width)} {num(height)}" role="img"{extra}>' + "".join(body) + "</svg>"
    )


# ---------------------------------------------------------------------------------------------
# sections


def level_cell(level: str | None, metric: str) -> str:
    cls = LEVEL_CLASSES.get(level or "", "none")
    return f'<td class="level {cls}" data-metric="{metric}">{esc(fmt_level(level))}</td>'


def value_cell(metric: str, value: object, text: str) -> str:
    raw = "" if value is None else repr(value) if isinstance(value, float) else str(value)
    return f'<td class="num" data-metric="{metric}" data-value="{esc(raw)}">{esc(text)}</td>'


def scorecard_section(data: ReportData) -> str:
    if not data.summary:
        return "<section><h2>Scorecard</h2><p>marts.dora_summary is empty.</p></section>"
    first = data.summary[0]
    rows = []
    for r in data.summary:
        label = r["scope_id"] if r["scope"] == "project" else f"team {r['scope_id']}" if r["scope"] == "team" else "org"
        rows.append(
            f'<tr class="scope-{esc(r["scope"])}" data-scope="{esc(r["scope"])}" data-scope-id="{esc(r["scope_id"])}">'
            f"<th>{esc(label)}</th>"
            + value_cell("deployments", r["deployments"], str(r["deployments"]))
            + value_cell("deployment_days", r["deployment_days"], str(r["deployment_days"]))
            + level_cell(r["deployment_frequency_level"], "deployment_frequency_level")
            + value_cell("lead_time_median_hours", r["lead_time_median_hours"], fmt_hours(r["lead_time_median_hours"]))
            + value_cell("lead_time_n", r["lead_time_n"], str(r["lead_time_n"]))
            + level_cell(r["lead_time_level"], "lead_time_level")
            + value_cell("failed_deployments", r["failed_deployments"], str(r["failed_deployments"]))
            + value_cell("change_failure_rate", r["change_failure_rate"], fmt_rate(r["change_failure_rate"]))
            + level_cell(r["change_failure_rate_level"], "change_failure_rate_level")
            + value_cell("recovery_median_hours", r["recovery_median_hours"], fmt_hours(r["recovery_median_hours"]))
            + value_cell("recovery_n", r["recovery_n"], str(r["recovery_n"]))
            + level_cell(r["recovery_time_level"], "recovery_time_level")
            + value_cell("rework_rate", r["rework_rate"], fmt_rate(r["rework_rate"]))
            + "</tr>"
        )
    return f"""
<section id="scorecard">
<h2>Scorecard</h2>
<p class="note">Last {esc(first['window_days'])} days up to {first['window_end']:%Y-%m-%d %H:%M} UTC,
levels of the DORA {esc(first['report'])} report. Lead time and recovery are medians; n is the
sample behind each. "insufficient" = sample below the var min_sample_size.</p>
<table class="scorecard" data-table="scorecard">
<thead><tr><th>project / team / org</th><th>deploys</th><th>days</th><th>frequency</th>
<th>lead time</th><th>n</th><th>level</th><th>failed</th><th>CFR</th><th>level</th>
<th>recovery</th><th>n</th><th>level</th><th>rework</th></tr></thead>
<tbody>
{''.join(rows)}
</tbody>
</table>
</section>"""


def weekly_chart(project: str, rows: list[Row], scale: TimeScale, width: float, height: float) -> str:
    """Bars of deployments per ISO week, the failed part in red; zero weeks are gaps."""
    top, bottom = 16.0, height - 24.0
    peak = max((r["deployments"] for r in rows), default=0) or 1
    body = [f'<text class="title" x="{num(scale.x0)}" y="11">weekly deployments (failed in red), max {peak}</text>']
    body += month_grid(scale, top, bottom)
    body.append(f'<line class="axisline" x1="{num(scale.x0)}" y1="{num(bottom)}" x2="{num(scale.x1)}" y2="{num(bottom)}"/>')
    for r in rows:
        start = as_datetime(r["period_start"])
        x = scale.x(start)
        w = max(scale.x(start + timedelta(days=7)) - x - 1, 1)
        h = (bottom - top) * r["deployments"] / peak
        hf = (bottom - top) * r["failed_deployments"] / peak
        tip = f"week of {start:%Y-%m-%d}: {r['deployments']} deployments, {r['failed_deployments']} failed"
        body.append(
            f'<g class="bar" data-period="{start:%Y-%m-%d}" data-value="{r["deployments"]}" '
            f'data-failed="{r["failed_deployments"]}"><title>{esc(tip)}</title>'
            f'<rect class="deploys" x="{num(x)}" y="{num(bottom - h)}" width="{num(w)}" height="{num(h)}"/>'
            + (f'<rect class="failed" x="{num(x)}" y="{num(bottom - hf)}" width="{num(w)}" height="{num(hf)}"/>' if hf else "")
            + "</g>"
        )
    return svg(width, height, body, chart="weekly-deployments", project=project)


def monthly_chart(project: str, rows: list[Row], scale: TimeScale, width: float, height: float) -> str:
    """Bars of deployments per month and the change failure rate as a line (0-100 %)."""
    top, bottom = 16.0, height - 24.0
    peak = max((r["deployments"] for r in rows), default=0) or 1
    body = [
        f'<text class="title" x="{num(scale.x0)}" y="11">monthly deployments (bars, max {peak}) and '
        f'change failure rate (line, 0-100%)</text>'
    ]
    body += month_grid(scale, top, bottom, labels=True)
    body.append(f'<line class="axisline" x1="{num(scale.x0)}" y1="{num(bottom)}" x2="{num(scale.x1)}" y2="{num(bottom)}"/>')
    points: list[tuple[float, float, Row]] = []
    for r in rows:
        start = as_datetime(r["period_start"])
        end = next_month(start)
        x = scale.x(start)
        w = max(scale.x(end) - x - 2, 1)
        h = (bottom - top) * r["deployments"] / peak
        tip = f"{start:%b %Y}: {r['deployments']} deployments, {r['failed_deployments']} failed"
        body.append(
            f'<g class="bar" data-period="{start:%Y-%m-%d}" data-value="{r["deployments"]}"><title>{esc(tip)}</title>'
            f'<rect class="deploys month" x="{num(x + 1)}" y="{num(bottom - h)}" width="{num(w)}" height="{num(h)}"/></g>'
        )
        if r["change_failure_rate"] is not None:
            cx = x + 1 + w / 2
            cy = bottom - (bottom - top) * r["change_failure_rate"]
            points.append((cx, cy, r))
    if points:
        path = " ".join(f"{num(x)},{num(y)}" for x, y, _ in points)
        body.append(f'<polyline class="cfr" points="{path}"/>')
        for x, y, r in points:
            tip = f"{as_datetime(r['period_start']):%b %Y}: change failure rate {fmt_rate(r['change_failure_rate'])}"
            body.append(
                f'<circle class="cfr-point" cx="{num(x)}" cy="{num(y)}" r="2.5" '
                f'data-period="{as_datetime(r["period_start"]):%Y-%m-%d}" data-value="{r["change_failure_rate"]!r}">'
                f"<title>{esc(tip)}</title></circle>"
            )
    return svg(width, height, body, chart="monthly-cfr", project=project)


def trends_section(data: ReportData) -> str:
    starts = [as_datetime(r["period_start"]) for rows in data.monthly.values() for r in rows]
    if not starts:
        return '<section id="trends"><h2>DORA trends per project</h2><p>No deployments yet.</p></section>'
    width, height = 640.0, 150.0
    scale = TimeScale(min(starts), data.as_of, 8.0, width - 8.0)
    blocks = []
    for project in data.projects:
        pid = project["project_id"]
        weekly = data.weekly.get(pid, [])
        monthly = data.monthly.get(pid, [])
        if not weekly:
            blocks.append(
                f'<div class="trend" data-project="{esc(pid)}"><h3>{esc(pid)} <span class="team">{esc(project["team"])}</span></h3>'
                f'<p class="note">No production deployment up to as_of ({esc(project["current_phase"])}).</p></div>'
            )
            continue
        total = sum(r["deployments"] for r in weekly)
        blocks.append(
            f'<div class="trend" data-project="{esc(pid)}" data-deployments="{total}">'
            f'<h3>{esc(pid)} <span class="team">{esc(project["team"])}</span>'
            f' <span class="total">{total} deployments since the first</span></h3>'
            f'<div class="pair">{weekly_chart(pid, weekly, scale, width, height)}'
            f"{monthly_chart(pid, monthly, scale, width, height)}</div></div>"
        )
    return f"""
<section id="trends">
<h2>DORA trends per project</h2>
<p class="note">All deployments from the first up to as_of (dora_metrics_weekly and _monthly,
weeks start on Monday, UTC). Each project's bars have their own scale (its maximum is in the
chart title). Hover for the numbers.</p>
{''.join(blocks)}
</section>"""


def journey_section(data: ReportData) -> str:
    lane_row, label_w, width = 9.0, 190.0, 1300.0
    lane_h = lane_row * len(T_CODES)
    gap, top = 14.0, 20.0
    starts = [as_datetime(r["day"]) for rows in data.events.values() for r in rows]
    starts += [r["cycle_started_at"] for rows in data.cycles.values() for r in rows]
    if not starts:
        return '<section id="journey"><h2>ML journey</h2><p>No journey events.</p></section>'
    start = min(starts).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    scale = TimeScale(start, data.as_of, label_w, width - 10.0)
    height = top + len(data.projects) * (lane_h + gap) + 24.0
    body: list[str] = []
    body += month_grid(scale, top - 4, height - 24.0)
    x_as_of = scale.x(data.as_of)
    body.append(
        f'<line class="asof" x1="{num(x_as_of)}" y1="{num(top - 8)}" x2="{num(x_as_of)}" y2="{num(height - 24)}"/>'
        f'<text class="axis" x="{num(x_as_of - 2)}" y="{num(top - 10)}" text-anchor="end">as of {data.as_of:%Y-%m-%d}</text>'
    )
    for i, project in enumerate(data.projects):
        pid = project["project_id"]
        y0 = top + i * (lane_h + gap)
        group = [f'<g class="lane" data-project="{esc(pid)}">']
        group.append(
            f'<text class="lane-label" x="4" y="{num(y0 + 12)}">{esc(pid)}</text>'
            f'<text class="lane-sub" x="4" y="{num(y0 + 24)}">{esc(project["team"])} · {esc(project["current_phase"])}</text>'
            f'<text class="lane-sub" x="4" y="{num(y0 + 36)}">step {esc(project["current_step"] or "-")}</text>'
        )
        for cycle in data.cycles.get(pid, []):
            c_start = cycle["cycle_started_at"]
            c_end = cycle["production_at"] or data.as_of
            state = "exploring" if cycle["is_exploring"] else f"back in production {c_end:%Y-%m-%d}"
            tip = f"{pid} exploration cycle {cycle['exploration_cycle']}: from {c_start:%Y-%m-%d}, {state}"
            group.append(
                f'<rect class="cycle" data-cycle="{cycle["exploration_cycle"]}" '
                f'data-exploring="{str(bool(cycle["is_exploring"])).lower()}" x="{num(scale.x(c_start))}" '
                f'y="{num(y0 - 2)}" width="{num(max(scale.x(c_end) - scale.x(c_start), 1))}" '
                f'height="{num(lane_h + 4)}"><title>{esc(tip)}</title></rect>'
            )
        for j, t_code in enumerate(T_CODES):
            y = y0 + j * lane_row
            group.append(
                f'<line class="row" x1="{num(label_w)}" y1="{num(y + lane_row / 2)}" x2="{num(width - 10)}" y2="{num(y + lane_row / 2)}"/>'
                f'<text class="t-label" x="{num(label_w - 4)}" y="{num(y + lane_row - 1.5)}" text-anchor="end">{t_code}</text>'
            )
        for event in data.events.get(pid, []):
            j = T_CODES.index(event["t_code"])
            y = y0 + j * lane_row
            day = as_datetime(event["day"])
            x = scale.x(day)
            w = max(scale.x(day + timedelta(days=1)) - x, 1.5)
            tip = f"{pid} {T_LABELS[event['t_code']]}: {event['n_events']} on {day:%Y-%m-%d}"
            group.append(
                f'<rect class="ev" data-t="{event["t_code"]}" data-n="{event["n_events"]}" data-day="{day:%Y-%m-%d}" '
                f'x="{num(x)}" y="{num(y + 1)}" width="{num(w)}" height="{num(lane_row - 2)}" '
                f'fill="{T_COLOURS[event["t_code"]]}"><title>{esc(tip)}</title></rect>'
            )
        group.append("</g>")
        body += group
    legend = "".join(
        f'<span class="key"><i style="background:{T_COLOURS[t]}"></i>{esc(T_LABELS[t])}</span>' for t in T_CODES
    )
    legend += '<span class="key"><i class="cycle-key"></i>exploration cycle (kickoff to return to production, or to as_of while exploring)</span>'
    return f"""
<section id="journey">
<h2>ML journey timeline</h2>
<p class="note">Every telemetry event of every project (fct_journey_events), one mark per step and UTC
day; exploration cycles (fct_exploration_cycles) shaded. UNDERSTAND and LOCAL CHANGE have no
telemetry.</p>
<div class="legend">{legend}</div>
{svg(width, height, body, chart="journey")}
{exploration_table(data)}
</section>"""


def exploration_table(data: ReportData) -> str:
    rows = []
    for project in data.projects:
        for c in data.cycles.get(project["project_id"], []):
            rows.append(
                f'<tr data-project="{esc(project["project_id"])}" data-cycle="{c["exploration_cycle"]}">'
                f'<th>{esc(project["project_id"])}</th><td class="num">{c["exploration_cycle"]}</td>'
                f'<td>{c["cycle_started_at"]:%Y-%m-%d}</td>'
                f'<td>{"exploring" if c["is_exploring"] else "returned"}</td>'
                + value_cell("time_to_first_experiment_hours", c["time_to_first_experiment_hours"], fmt_hours(c["time_to_first_experiment_hours"]))
                + value_cell("runs_per_active_week", c["runs_per_active_week"],
                             "-" if c["runs_per_active_week"] is None else f"{c['runs_per_active_week']:.1f}")
                + value_cell("time_to_baseline_hours", c["time_to_baseline_hours"], fmt_hours(c["time_to_baseline_hours"]))
                + value_cell("baseline_to_bootstrap_hours", c["baseline_to_bootstrap_hours"], fmt_hours(c["baseline_to_bootstrap_hours"]))
                + value_cell("concept_to_production_hours", c["concept_to_production_hours"], fmt_hours(c["concept_to_production_hours"]))
                + "</tr>"
            )
    return f"""
<h3>Exploration KPIs per cycle</h3>
<table data-table="exploration">
<thead><tr><th>project</th><th>cycle</th><th>kickoff</th><th>state</th><th>to first experiment</th>
<th>runs / active week</th><th>to baseline</th><th>baseline to bootstrap</th><th>concept to production</th></tr></thead>
<tbody>{''.join(rows)}</tbody>
</table>"""


def breakdown_section(data: ReportData) -> str:
    if not data.breakdown:
        return '<section id="lead-time"><h2>Lead-time breakdown</h2><p>No merged pull requests.</p></section>'
    label_w, width, bar_h, gap = 190.0, 1300.0, 18.0, 8.0
    peak = max(sum(r[p] or 0 for p in BREAKDOWN_PARTS) for r in data.breakdown) or 1.0
    x1 = width - 150.0
    height = 10 + len(data.breakdown) * (bar_h + gap) + 10
    body: list[str] = []
    for i, r in enumerate(data.breakdown):
        y = 10 + i * (bar_h + gap)
        body.append(f'<g class="breakdown" data-project="{esc(r["project_id"])}" data-pull-requests="{r["pull_requests"]}">')
        body.append(f'<text class="lane-label" x="4" y="{num(y + 13)}">{esc(r["project_id"])}</text>')
        x = label_w
        for part in BREAKDOWN_PARTS:
            value = r[part]
            w = (x1 - label_w) * (value or 0) / peak
            tip = f"{r['project_id']} median {part} time: {fmt_hours(value)}"
            body.append(
                f'<rect class="part" data-part="{part}" data-value="{esc("" if value is None else repr(value))}" '
                f'x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(bar_h)}" fill="{BREAKDOWN_COLOURS[part]}">'
                f"<title>{esc(tip)}</title></rect>"
            )
            x += w
        total = sum(r[p] or 0 for p in BREAKDOWN_PARTS)
        body.append(
            f'<text class="axis" x="{num(x + 4)}" y="{num(y + 13)}">{esc(fmt_hours(total))} (sum of medians)</text></g>'
        )
    legend = "".join(
        f'<span class="key"><i style="background:{BREAKDOWN_COLOURS[p]}"></i>{p}</span>' for p in BREAKDOWN_PARTS
    )
    table_rows = "".join(
        f'<tr data-project="{esc(r["project_id"])}"><th>{esc(r["project_id"])}</th>'
        f'<td class="num">{r["pull_requests"]}</td>'
        + "".join(value_cell(p, r[p], fmt_hours(r[p])) for p in BREAKDOWN_PARTS)
        + "</tr>"
        for r in data.breakdown
    )
    return f"""
<section id="lead-time">
<h2>Lead-time breakdown</h2>
<p class="note">Medians over each project's merged pull requests (fct_pull_requests), all time up to
as_of, pull requests shipped by a project's initial deployment left out: coding (first commit to
opened), pickup (to first review by someone else), review (to merged), deploy (to the first
production deployment shipping it). Medians of parts do not add up to the lead-time median.</p>
<div class="legend">{legend}</div>
{svg(width, height, body, chart="lead-time-breakdown")}
<table data-table="lead-time-breakdown">
<thead><tr><th>project</th><th>pull requests</th><th>coding</th><th>pickup</th><th>review</th><th>deploy</th></tr></thead>
<tbody>{table_rows}</tbody>
</table>
</section>"""


CSS = """
body { font: 13px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       margin: 24px; max-width: 1320px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 6px;
     border-bottom: 1px solid #ddd; } h3 { font-size: 14px; margin: 14px 0 4px; }
.note { color: #555; margin: 2px 0 8px; max-width: 1100px; }
table { border-collapse: collapse; margin: 6px 0; } th, td { padding: 3px 8px; border-bottom: 1px solid #eee; }
thead th { text-align: left; font-weight: 600; border-bottom: 2px solid #ccc; }
tbody th { text-align: left; font-weight: 500; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.scope-team th, tr.scope-org th { font-style: italic; } tr.scope-org { border-top: 2px solid #ccc; }
td.level { text-align: center; border-radius: 3px; }
td.elite { background: #1a9850; color: #fff; } td.high { background: #91cf60; }
td.medium { background: #fee08b; } td.low { background: #fc8d59; } td.none { color: #888; }
.pair { display: flex; gap: 12px; flex-wrap: wrap; }
.team { color: #777; font-weight: normal; } .total { color: #555; font-weight: normal; font-size: 12px; }
svg.chart { background: #fff; border: 1px solid #eee; }
svg text { font: 10px Helvetica, Arial, sans-serif; fill: #444; }
svg text.title { font-size: 11px; fill: #222; } svg text.year { fill: #888; } svg text.lane-label { font-size: 12px; font-weight: 600; fill: #222; }
svg text.lane-sub { fill: #666; } svg text.t-label { font-size: 8px; fill: #777; }
line.grid { stroke: #eee; } line.axisline { stroke: #999; } line.row { stroke: #f3f3f3; }
line.asof { stroke: #c00; stroke-dasharray: 3 2; }
rect.deploys { fill: #4575b4; } rect.deploys.month { fill: #91bfdb; } rect.failed { fill: #d73027; }
polyline.cfr { fill: none; stroke: #d73027; stroke-width: 1.5; } circle.cfr-point { fill: #d73027; }
rect.cycle { fill: #fff3c4; stroke: #e6c200; stroke-width: 0.5; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 4px 0 6px; color: #444; }
.key i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: middle; }
.key i.cycle-key { background: #fff3c4; border: 1px solid #e6c200; }
footer { margin-top: 28px; color: #777; font-size: 11px; }
"""


def render_report(data: ReportData, source: str) -> str:
    """The whole HTML document."""
    org = next((r for r in data.summary if r["scope"] == "org"), None)
    headline = ""
    if org:
        headline = (
            f"{org['deployments']} deployments in the last {org['window_days']} days, change failure rate "
            f"{fmt_rate(org['change_failure_rate'])}, lead time {fmt_hours(org['lead_time_median_hours'])} (median)."
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mlops-kpis report as of {data.as_of:%Y-%m-%d}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>ML delivery KPIs: DORA and the ML journey</h1>
<p class="note">As of <strong data-as-of="{data.as_of:%Y-%m-%d %H:%M:%S}">{data.as_of:%Y-%m-%d %H:%M} UTC</strong>
(the var as_of, never the wall clock). {esc(headline)} {len(data.projects)} projects.</p>
</header>
{scorecard_section(data)}
{trends_section(data)}
{journey_section(data)}
{breakdown_section(data)}
<footer>Made by mlops_kpis.report from the marts of {esc(source)}; definitions in docs/metrics.md.</footer>
</body>
</html>
"""


def write_report(db_path: Path, out_path: Path) -> Path:
    """Read the marts of ``db_path`` (read-only) and write the report to ``out_path``."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        data = load_report_data(con)
    document = render_report(data, Path(db_path).name)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(document, encoding="utf-8")
    log.info("wrote %s (%d KiB, %d projects)", out_path, len(document.encode()) // 1024, len(data.projects))
    return out_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the DuckDB warehouse built by dbt")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the HTML file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.db.exists():
        print(f"error: warehouse {args.db} does not exist: run `make demo` or a load first", file=sys.stderr)
        return 2
    try:
        write_report(args.db, args.out)
    except (duckdb.CatalogException, ValueError) as exc:
        print(f"error: {args.db} has no usable marts ({exc}): run dbt build first", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
