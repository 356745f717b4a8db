"""The HTML report: one self-contained file whose tables and charts carry the marts' numbers, and
which renders in headless Chromium (when /usr/bin/chromium exists: scripts/install_chromium.sh).

The report of the session demo warehouse (conftest.demo_build) is parsed with the standard library's
HTML parser; every number is read back from the data-* attributes of the table cells and SVG
marks and compared with the marts.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bi_warehouse import BuiltWarehouse, built_warehouse
from conftest import DemoBuild
from harness import query, query_dicts
from mlops_kpis import report

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
VOID = {"meta", "br", "hr", "img", "input", "link"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    context: dict[str, str]  # the nearest ancestors' data-* attributes
    text: str = ""


@dataclass
class ParsedReport(HTMLParser):
    elements: list[Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self._stack: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        context: dict[str, str] = {}
        for parent in self._stack:
            context.update({k: v for k, v in parent.attrs.items() if k.startswith("data-")})
        element = Element(tag, {k: v or "" for k, v in attrs}, context)
        self.elements.append(element)
        if tag not in VOID:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._stack:
            self._stack[-1].text += data

    def find(self, tag: str | None = None, **data: str) -> list[Element]:
        """Elements with these data-* attributes (own or inherited from an ancestor)."""
        wanted = {f"data-{k.replace('_', '-')}": v for k, v in data.items()}
        return [
            e for e in self.elements
            if (tag is None or e.tag == tag)
            and all({**e.context, **e.attrs}.get(k) == v for k, v in wanted.items())
        ]


@pytest.fixture(scope="module")
def built(demo_build: DemoBuild) -> BuiltWarehouse:
    return built_warehouse(demo_build)


@pytest.fixture(scope="module")
def html_file(built: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report.write_report(built.db_path, tmp_path_factory.mktemp("report") / "mlops-kpis-report.html")


@pytest.fixture(scope="module")
def parsed(html_file: Path) -> ParsedReport:
    doc = ParsedReport()
    doc.feed(html_file.read_text(encoding="utf-8"))
    doc.close()
    return doc


def cell(doc: ParsedReport, metric: str, **context: str) -> str:
    cells = [e for e in doc.find("td", **context) if e.attrs.get("data-metric") == metric]
    assert len(cells) == 1, (metric, context, len(cells))
    return cells[0].attrs.get("data-value", cells[0].text.strip())


def as_float(text: str) -> float | None:
    return None if text == "" else float(text)


def test_report_is_one_self_contained_file(html_file: Path) -> None:
    text = html_file.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    lowered = text.lower()
    # nothing to fetch: no external script, stylesheet, image, font or link
    for needle in ("<script", "<link", "<img", "<iframe", " src=", "href=", "@import", "url(", "http://", "https://"):
        assert needle not in lowered, needle
    assert lowered.count("<svg") >= 3


def test_scorecard_equals_dora_summary(built: BuiltWarehouse, parsed: ParsedReport) -> None:
    rows = query_dicts(built.db_path, "select * from marts.dora_summary where is_default_report")
    assert len(rows) == 8 + 3 + 1  # projects (demand-sensing on other tools), teams, org
    for r in rows:
        scope = {"scope": r["scope"], "scope_id": r["scope_id"]}
        assert int(cell(parsed, "deployments", **scope)) == r["deployments"]
        assert int(cell(parsed, "deployment_days", **scope)) == r["deployment_days"]
        assert int(cell(parsed, "failed_deployments", **scope)) == r["failed_deployments"]
        assert as_float(cell(parsed, "change_failure_rate", **scope)) == r["change_failure_rate"]
        assert as_float(cell(parsed, "lead_time_median_hours", **scope)) == r["lead_time_median_hours"]
        assert as_float(cell(parsed, "recovery_median_hours", **scope)) == r["recovery_median_hours"]
        assert as_float(cell(parsed, "rework_rate", **scope)) == r["rework_rate"]
        shown = cell(parsed, "deployment_frequency_level", **scope)
        assert shown == ("insufficient" if r["deployment_frequency_level"] == "insufficient data"
                         else r["deployment_frequency_level"])


def test_trend_charts_equal_the_metric_marts(built: BuiltWarehouse, parsed: ParsedReport) -> None:
    totals = dict(query(built.db_path, "select project_id, count(*) from marts.fct_deployments group by 1"))
    weekly = query_dicts(built.db_path, """
        select scope_id, period_start, deployments, failed_deployments
        from marts.dora_metrics_weekly where scope = 'project'""")
    monthly = query_dicts(built.db_path, """
        select scope_id, period_start, deployments, change_failure_rate
        from marts.dora_metrics_monthly where scope = 'project'""")
    projects = [r[0] for r in query(built.db_path, "select project_id from marts.dim_projects")]
    for project in projects:
        trend = [e for e in parsed.find("div", project=project) if "trend" in e.attrs.get("class", "")]
        assert len(trend) == 1, project
        if project not in totals:
            assert parsed.find("svg", project=project) == []
            continue
        # each project's deployments count equals the facts and the marts
        assert int(trend[0].attrs["data-deployments"]) == totals[project]
        week_bars = {
            date.fromisoformat(e.attrs["data-period"]): (int(e.attrs["data-value"]), int(e.attrs["data-failed"]))
            for e in parsed.find("g", chart="weekly-deployments", project=project)
            if "data-period" in e.attrs
        }
        assert week_bars == {
            r["period_start"]: (r["deployments"], r["failed_deployments"]) for r in weekly if r["scope_id"] == project
        }
        assert sum(v for v, _ in week_bars.values()) == totals[project]
        month_bars = {
            date.fromisoformat(e.attrs["data-period"]): int(e.attrs["data-value"])
            for e in parsed.find("g", chart="monthly-cfr", project=project)
            if "data-period" in e.attrs
        }
        assert month_bars == {r["period_start"]: r["deployments"] for r in monthly if r["scope_id"] == project}
        cfr_points = {
            date.fromisoformat(e.attrs["data-period"]): float(e.attrs["data-value"])
            for e in parsed.find("circle", chart="monthly-cfr", project=project)
        }
        assert cfr_points == {
            r["period_start"]: r["change_failure_rate"]
            for r in monthly
            if r["scope_id"] == project and r["change_failure_rate"] is not None
        }
    assert set(totals) < set(projects)  # some projects never deployed; they are listed without charts


def test_journey_timeline_holds_every_event_and_cycle(built: BuiltWarehouse, parsed: ParsedReport) -> None:
    events = dict(
        ((p, t), n)
        for p, t, n in query(built.db_path, """
            select e.project_id, e.t_code, count(*) from marts.fct_journey_events e
            inner join marts.dim_projects p using (project_id)
            where e.occurred_at <= p.as_of group by 1, 2""")
    )
    marks: Counter[tuple[str, str]] = Counter()
    for e in parsed.find("rect", chart="journey"):
        if "ev" in e.attrs.get("class", "").split():
            marks[(e.context["data-project"], e.attrs["data-t"])] += int(e.attrs["data-n"])
    assert dict(marks) == events
    cycles: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for e in parsed.find("rect", chart="journey"):
        if "cycle" in e.attrs.get("class", "").split():
            cycles[e.context["data-project"]].append((int(e.attrs["data-cycle"]), e.attrs["data-exploring"]))
    expected: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for project, cycle, exploring in query(built.db_path, """
            select project_id, exploration_cycle, is_exploring from marts.fct_exploration_cycles
            order by 1, 2"""):
        expected[project].append((cycle, str(exploring).lower()))
    assert dict(cycles) == dict(expected)
    assert len(cycles["recsys"]) == 2
    per_project = dict(query(built.db_path, "select project_id, exploration_cycles from marts.dim_projects"))
    assert {p: len(c) for p, c in cycles.items()} == {p: n for p, n in per_project.items() if n}


def test_lead_time_breakdown_equals_pull_request_medians(built: BuiltWarehouse, parsed: ParsedReport) -> None:
    rows = query_dicts(built.db_path, """
        select project_id, count(*) as pull_requests,
               percentile_cont(0.5) within group (order by coding_hours) as coding,
               percentile_cont(0.5) within group (order by pickup_hours) as pickup,
               percentile_cont(0.5) within group (order by review_hours) as review,
               percentile_cont(0.5) within group (order by deploy_hours) as deploy
        from marts.fct_pull_requests where not is_in_initial_deployment group by 1""")
    assert len(rows) == 5
    for r in rows:
        segments = {
            e.attrs["data-part"]: as_float(e.attrs["data-value"])
            for e in parsed.find("rect", chart="lead-time-breakdown", project=r["project_id"])
        }
        assert segments == {p: r[p] for p in ("coding", "pickup", "review", "deploy")}
        bar = parsed.find("g", chart="lead-time-breakdown", project=r["project_id"])[0]
        assert int(bar.attrs["data-pull-requests"]) == r["pull_requests"]


def test_cli_says_so_when_the_warehouse_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html")]) == 2
    assert "make demo" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run scripts/install_chromium.sh")
def test_report_renders_in_headless_chromium(html_file: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    profile = tmp_path / "chromium-profile"
    result = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         f"--screenshot={png}", "--window-size=1400,3000", html_file.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert png.exists()
    assert png_size(png) == (1400, 3000)
    # a blank page compresses to a few KiB; tables and charts make hundreds
    assert png.stat().st_size > 100_000
