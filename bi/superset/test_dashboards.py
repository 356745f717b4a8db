"""Browser test of the Superset dashboards: every chart renders, none errors, numbers match the marts.

Runs with Superset's virtualenv (it has selenium and duckdb), against a running Superset
(bi/superset/test.sh starts and stops it):

    test_dashboards.py --url http://127.0.0.1:8088 --warehouse build/demo/published.duckdb \
        --screenshots build/superset/screenshots

Logs in as admin through the /login form in headless Chromium (/usr/bin/chromium and
/usr/bin/chromedriver, from Debian), opens each dashboard of bi/superset/bundle by its slug,
waits until every chart of the bundle's layout has rendered (a canvas, a table or a big number),
fails on any chart showing an error or no data, compares the numbers shown with the same numbers
queried from the warehouse with duckdb, and saves one full-page screenshot per dashboard.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import yaml
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

BUNDLE_DIR = Path(__file__).resolve().parent / "bundle"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1600,1800",
]
RENDER_TIMEOUT_S = 120
ERROR_TEXTS = ("unexpected error", "error occurred", "no results were returned", "no data",
               "is not supported", "could not", "failed to")


class Failure(AssertionError):
    pass


class ChartError(Failure):
    """A chart shows an error: fail at once, no need to wait for the others."""


def bundle_dashboards() -> dict[str, list[str]]:
    """Chart names per dashboard slug, from the bundle's layouts."""
    charts = {}
    for path in (BUNDLE_DIR / "charts").glob("*.yaml"):
        chart = yaml.safe_load(path.read_text())
        charts[chart["uuid"]] = chart["slice_name"]
    dashboards = {}
    for path in sorted((BUNDLE_DIR / "dashboards").glob("*.yaml")):
        dash = yaml.safe_load(path.read_text())
        names = [
            charts[node["meta"]["uuid"]]
            for node in dash["position"].values()
            if isinstance(node, dict) and node.get("type") == "CHART"
        ]
        if len(set(names)) != len(names):
            raise SystemExit(f"dashboard {dash['slug']}: chart names must be unique on a dashboard: {names}")
        dashboards[dash["slug"]] = names
    return dashboards


def start_browser(profile_dir: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def wait_for(what: str, condition: Callable[[], object], timeout: float = RENDER_TIMEOUT_S) -> object:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except (StaleElementReferenceException, WebDriverException) as exc:
            last_error = exc
        time.sleep(0.5)
    raise Failure(f"timed out after {timeout:.0f} s waiting for {what}" + (f" ({last_error})" if last_error else ""))


def login(driver: webdriver.Chrome, url: str, username: str, password: str) -> None:
    driver.get(f"{url}/login/")
    wait_for("the login form", lambda: driver.find_elements(By.ID, "username"), 60)
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for("the login to finish", lambda: "/login" not in driver.current_url, 60)


def console_errors(driver: webdriver.Chrome) -> list[str]:
    """Severe browser console messages since the last call, except Superset's telemetry pixel,
    which the content security policy blocks on purpose (superset_config.py)."""
    try:
        entries = driver.get_log("browser")
    except WebDriverException:
        return []
    return [e["message"][:300] for e in entries if "scarf.sh" not in e["message"]]


def chart_elements(driver: webdriver.Chrome) -> dict[str, WebElement]:
    return {el.get_attribute("data-test-chart-name"): el for el in driver.find_elements(By.CSS_SELECTOR, "[data-test-chart-name]")}


def chart_state(el: WebElement) -> str:
    """'loading', 'error: ...', 'rendered' or 'empty' for one chart on the dashboard."""
    if el.find_elements(By.CSS_SELECTOR, "[data-test=loading-indicator], .loading"):
        return "loading"
    alerts = el.find_elements(By.CSS_SELECTOR, "[role=alert], .ant-alert-error, [data-test=error-tooltip]")
    if alerts:
        return "error: " + (" | ".join(a.text.strip() for a in alerts if a.text.strip()) or el.text)[:300]
    if el.find_elements(By.CSS_SELECTOR, "canvas, table tbody tr, .header-line"):
        return "rendered"
    # an error or an empty result replaces the chart with a message
    text = el.text.strip()
    if any(marker in text.lower() for marker in ERROR_TEXTS):
        return "error: " + text[:300]
    return "empty"


def open_dashboard(driver: webdriver.Chrome, url: str, slug: str, expected: list[str]) -> dict[str, WebElement]:
    driver.set_window_size(1600, 1800)
    driver.get(f"{url}/superset/dashboard/{slug}/")

    snapshots: list[tuple[str, ...]] = []

    def all_rendered_and_settled() -> dict[str, WebElement] | None:
        """Every chart rendered, and what they show unchanged over the last four polls (1.5 s) (a
        native filter applied after the first render reloads the charts it filters)."""
        charts = chart_elements(driver)
        if set(expected) - set(charts):
            return None
        states = {name: chart_state(charts[name]) for name in expected}
        errors = {name: state for name, state in states.items() if state.startswith("error")}
        if errors:
            raise ChartError(f"charts show errors: {errors}")
        if not all(state == "rendered" for state in states.values()):
            snapshots.clear()
            return None
        snapshots.append(tuple(charts[name].text for name in expected))
        return charts if len(snapshots) >= 4 and len(set(snapshots[-4:])) == 1 else None

    try:
        charts = wait_for(f"the charts of {slug} to render", all_rendered_and_settled)
    except ChartError:
        raise
    except Failure as exc:
        present = chart_elements(driver)
        detail = {name: (chart_state(present[name]) if name in present else "missing") for name in expected}
        raise Failure(f"{exc}; chart states: {detail}") from None
    return charts  # type: ignore[return-value]


def screenshot(driver: webdriver.Chrome, path: Path) -> None:
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight,"
        " ...Array.from(document.querySelectorAll('.dashboard-content, .grid-container'))"
        ".map(e => e.getBoundingClientRect().bottom + window.scrollY));"
    )
    driver.set_window_size(1600, min(max(int(height) + 80, 900), 6000))
    time.sleep(1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))


# ------------------------------------------------------------------ reading what is shown
def big_number(charts: dict[str, WebElement], name: str) -> str:
    return charts[name].find_element(By.CSS_SELECTOR, ".header-line").text.strip()


def table_rows(charts: dict[str, WebElement], name: str) -> list[list[str]]:
    rows = charts[name].find_elements(By.CSS_SELECTOR, "table tbody tr")
    return [[td.text.strip() for td in row.find_elements(By.CSS_SELECTOR, "td")] for row in rows]


def table_header(charts: dict[str, WebElement], name: str) -> list[str]:
    cells = charts[name].find_elements(By.CSS_SELECTOR, "table thead th")
    return [cell.text.strip() for cell in cells]


def check_equal(what: str, shown: object, expected: object, failures: list[str]) -> None:
    if shown != expected:
        failures.append(f"{what}: dashboard shows {shown!r}, marts have {expected!r}")


def fmt_int(n: int) -> str:
    return f"{n:,d}"


# ------------------------------------------------------------------ per dashboard checks
def check_dora_overview(charts: dict[str, WebElement], con: duckdb.DuckDBPyConnection) -> list[str]:
    failures: list[str] = []
    deployments, cfr, lead_time_h, recovery_h = con.execute(
        "select deployments, change_failure_rate, lead_time_median_hours, recovery_median_hours "
        "from marts.dora_summary where scope = 'org' and is_default_report"
    ).fetchone()
    check_equal("org deployments", big_number(charts, "Deployments (org, summary window)"), fmt_int(deployments), failures)
    check_equal("org change failure rate", big_number(charts, "Change failure rate (org)"), f"{cfr * 100:.0f}%", failures)
    check_equal("org lead time (days)", big_number(charts, "Lead time for changes (org, median days)"),
                f"{lead_time_h / 24:.1f}", failures)
    check_equal("org recovery (hours)", big_number(charts, "Failed deployment recovery (org, median hours)"),
                f"{recovery_h:.1f}", failures)
    name = "DORA levels per project (default report)"
    header = table_header(charts, name)
    shown = {row[0]: dict(zip(header, row)) for row in table_rows(charts, name)}
    expected = con.execute(
        "select scope_id, deployments, deployment_days, deployment_frequency_level, change_failure_rate_level "
        "from marts.dora_summary where scope = 'project' and is_default_report order by scope_id"
    ).fetchall()
    check_equal("projects in the levels table", sorted(shown), [row[0] for row in expected], failures)
    for project, deps, days, df_level, cfr_level in expected:
        row = shown.get(project, {})
        check_equal(f"{project} deployments", row.get("deployments"), fmt_int(deps), failures)
        check_equal(f"{project} deployment days", row.get("deployment days"), fmt_int(days), failures)
        check_equal(f"{project} deployment frequency level", row.get("deployment frequency"), df_level, failures)
        check_equal(f"{project} CFR level", row.get("CFR level"), cfr_level, failures)
    return failures


def check_project_drilldown(charts: dict[str, WebElement], con: duckdb.DuckDBPyConnection) -> list[str]:
    failures: list[str] = []
    name = "DORA summary of the project (default report)"
    rows = table_rows(charts, name)
    if len(rows) != 1:
        return [f"{name}: the project filter should leave one row, the dashboard shows {len(rows)}"]
    header = table_header(charts, name)
    row = dict(zip(header, rows[0]))
    project = row["project"]
    first_project = con.execute("select min(project_id) from marts.dim_projects").fetchone()[0]
    check_equal("project selected by default (first)", project, first_project, failures)
    deps, df_level = con.execute(
        "select deployments, deployment_frequency_level from marts.dora_summary "
        "where scope = 'project' and is_default_report and scope_id = ?", [project]
    ).fetchone()
    check_equal(f"{project} summary deployments", row.get("deployments"), fmt_int(deps), failures)
    check_equal(f"{project} deployment frequency", row.get("deployment frequency"), df_level, failures)
    (all_deps,) = con.execute("select count(*) from marts.fct_deployments where project_id = ?", [project]).fetchone()
    check_equal(f"{project} deployments (all time)", big_number(charts, "Deployments"), fmt_int(all_deps), failures)
    (incidents,) = con.execute("select count(*) from marts.fct_incidents where project_id = ?", [project]).fetchone()
    check_equal(f"{project} incidents", big_number(charts, "Incidents"), fmt_int(incidents), failures)
    incident_rows = table_rows(charts, "Incident list")
    check_equal(f"{project} incident table rows", len(incident_rows), incidents, failures)
    return failures


def check_ml_journey(charts: dict[str, WebElement], con: duckdb.DuckDBPyConnection) -> list[str]:
    failures: list[str] = []
    counts = dict(con.execute("select current_phase, count(*) from marts.dim_projects group by 1").fetchall())
    check_equal("projects exploring", big_number(charts, "Projects exploring"), fmt_int(counts.get("exploration", 0)), failures)
    check_equal("projects in production", big_number(charts, "Projects in production"),
                fmt_int(counts.get("production", 0)), failures)
    name = "Where each project is"
    header = table_header(charts, name)
    shown = {row[0]: dict(zip(header, row)) for row in table_rows(charts, name)}
    for project, phase, step, cycles in con.execute(
        "select project_id, current_phase, coalesce(current_step, 'N/A'), exploration_cycles from marts.dim_projects"
    ).fetchall():
        row = shown.get(project, {})
        check_equal(f"{project} phase", row.get("phase"), phase, failures)
        check_equal(f"{project} step", row.get("step"), step, failures)
        check_equal(f"{project} cycles", row.get("cycles"), fmt_int(cycles), failures)
    name = "Exploration KPIs per cycle"
    (cycles,) = con.execute("select count(*) from marts.fct_exploration_cycles").fetchone()
    check_equal("exploration cycles listed", len(table_rows(charts, name)), cycles, failures)
    return failures


def check_numbers(driver: webdriver.Chrome, slug: str, con: duckdb.DuckDBPyConnection) -> list[str]:
    """The dashboard's numbers against the marts; re-read for a while if they differ (a chart
    may still be re-rendering), then report what differs."""
    deadline = time.monotonic() + 30
    while True:
        try:
            problems = CHECKS[slug](chart_elements(driver), con)
        except (WebDriverException, KeyError) as exc:
            problems = [f"could not read the dashboard: {type(exc).__name__}: {str(exc).splitlines()[0]}"]
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(1.0)


CHECKS = {
    "dora-overview": check_dora_overview,
    "project-drilldown": check_project_drilldown,
    "ml-journey": check_ml_journey,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8088")
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--screenshots", type=Path, required=True)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args(argv)

    dashboards = bundle_dashboards()
    missing_checks = set(dashboards) - set(CHECKS)
    if missing_checks:
        print(f"FAIL: no number checks for dashboards {sorted(missing_checks)}", file=sys.stderr)
        return 1
    if args.screenshots.exists():
        for old in args.screenshots.glob("*.png"):
            old.unlink()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    failures: list[str] = []
    driver = start_browser(profile)
    try:
        login(driver, args.url, args.username, args.password)
        console_errors(driver)  # the login page's
        with duckdb.connect(str(args.warehouse), read_only=True) as con:
            for slug, expected in dashboards.items():
                started = time.monotonic()
                try:
                    open_dashboard(driver, args.url, slug, expected)
                    problems = check_numbers(driver, slug, con)
                except Failure as exc:
                    problems = [str(exc)]
                shot = args.screenshots / f"{slug}.png"
                try:
                    screenshot(driver, shot)
                except WebDriverException as exc:
                    problems.append(f"screenshot failed: {exc.msg}")
                status = "ok" if not problems else "FAIL"
                print(f"  {slug:<18} {len(expected):>2} charts  {time.monotonic() - started:5.1f} s  {status}  "
                      f"({shot})")
                for message in console_errors(driver):
                    print(f"    browser console: {message}")
                failures += [f"{slug}: {p}" for p in problems]
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
