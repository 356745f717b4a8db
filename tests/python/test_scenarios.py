"""The metric rules, proved on tiny projects whose answers are worked out by hand.

Every project of tests/python/scenario_org.py isolates one rule; the warehouse is built once per
session through the real writers, loaders and ``dbt build`` (conftest.py). Each expected value
carries its arithmetic in a comment. All times are UTC; as_of is 2026-04-01 00:00 (a
Wednesday), so the 90-day summary window starts 2026-01-01 00:00.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scenario_org
from dora_reference import RefDeployment, RefIncident, evaluate, percentile_cont
from harness import query, query_dicts

pytestmark = pytest.mark.slow

Shas = dict[str, dict[str, str]]
REPORTS = (2021, 2023, 2024)
INSUFFICIENT = "insufficient data"


def approx(value: float | None) -> object:
    return pytest.approx(value, abs=1e-9)


def one(db: Path, sql: str, params: list[object] | None = None) -> dict:
    rows = query_dicts(db, sql, params)
    assert len(rows) == 1, rows
    return rows[0]


def deployment(db: Path, github_id: int) -> dict:
    return one(db, "select * from marts.fct_deployments where deployment_id = ?", [f"github:{github_id}"])


def deployments_of(db: Path, project: str) -> list[dict]:
    return query_dicts(db, "select * from marts.fct_deployments where project_id = ? "
                           "order by deployed_at, deployment_id", [project])


def changes(db: Path, github_id: int) -> dict[str, dict]:
    rows = query_dicts(db, "select * from marts.fct_changes where deployment_id = ?", [f"github:{github_id}"])
    return {r["sha"]: r for r in rows}


def summary(db: Path, project: str, report: int = 2024, scope: str = "project") -> dict:
    return one(db, "select * from marts.dora_summary where scope = ? and scope_id = ? and report = ?",
               [scope, project, report])


def weekly(db: Path, project: str) -> dict[date, dict]:
    rows = query_dicts(db, "select * from marts.dora_metrics_weekly where scope = 'project' and scope_id = ?",
                       [project])
    return {r["period_start"]: r for r in rows}


def incident(db: Path, key: str) -> dict:
    return one(db, "select * from marts.fct_incidents where incident_key = ?", [key])


def cycle(db: Path, project: str, n: int) -> dict:
    return one(db, "select * from marts.fct_exploration_cycles where project_id = ? and exploration_cycle = ?",
               [project, n])


def project_row(db: Path, project: str) -> dict:
    return one(db, "select * from marts.dim_projects where project_id = ?", [project])


def ts(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A naive UTC timestamp, as the marts hold them."""
    return datetime(y, mo, d, h, mi)


# ----------------------------------------------------------------------------------- rule 1


def test_rule01_multi_commit_deployment_brings_branch_commits_but_not_the_merge(
        scenario_db: Path, scenario_shas: Shas) -> None:
    sha = scenario_shas["multi-pipeline"]
    brought = changes(scenario_db, 102)
    # 101 deployed c2 (first-parent positions c1=1, c2=2); 102 deploys c4 at position 5
    # (c3=3, merge=4 bringing f1 f2 f3, c4=5): the changes are c3, f1, f2, f3, c4 - not the merge.
    assert set(brought) == {sha["c3"], sha["f1"], sha["f2"], sha["f3"], sha["c4"]}
    all_shas = {r[0] for r in query(scenario_db, "select sha from marts.fct_changes where project_id = 'multi'")}
    assert sha["merge"] not in all_shas
    lead = {key: brought[sha[key]]["lead_time_hours"] for key in ("c3", "f1", "f2", "f3", "c4")}
    assert lead == {
        "f1": approx(315.0),  # 2026-02-05 09:00 -> 2026-02-18 12:00: 13 d * 24 + 3 = 315 h
        "f2": approx(219.0),  # 2026-02-09 09:00 -> 02-18 12:00: 9 d * 24 + 3 = 219 h
        "c3": approx(189.0),  # 2026-02-10 15:00 -> 02-18 12:00: 8 d * 24 - 3 = 189 h
        "f3": approx(51.0),  # 2026-02-16 09:00 -> 02-18 12:00: 2 d * 24 + 3 = 51 h
        "c4": approx(4.0),  # 2026-02-18 08:00 -> 12:00 = 4 h
    }
    assert all(r["lead_time_status"] == "counted" and r["is_counted_in_lead_time"] for r in brought.values())
    # the branch commits came in through the merge commit, and belong to PR #1 (a merge, so each
    # change starts at its own commit time, not at the PR's first commit)
    for key in ("f1", "f2", "f3"):
        assert brought[sha[key]]["mainline_sha"] == sha["merge"]
        assert brought[sha[key]]["pull_request_id"] is not None
        assert brought[sha[key]]["is_pr_merge_commit"] is False
    assert brought[sha["c3"]]["pull_request_id"] is None
    # 103 deploys c5 (position 6): only c5, 2026-02-25 10:00 -> 16:00 = 6 h
    later = changes(scenario_db, 103)
    assert {k: v["lead_time_hours"] for k, v in later.items()} == {sha["c5"]: approx(6.0)}
    assert [d["n_changes"] for d in deployments_of(scenario_db, "multi")] == [2, 5, 1]  # c1 c2 | 5 above | c5


def test_rule01_pull_request_breakdown_of_the_long_branch(scenario_db: Path) -> None:
    pr = one(scenario_db, "select * from marts.fct_pull_requests where project_id = 'multi'")
    assert pr["first_commit_at"] == ts(2026, 2, 5, 9)  # f1
    assert pr["coding_hours"] == approx(265.0)  # 02-05 09:00 -> opened 02-16 10:00: 11 d * 24 + 1 = 265
    assert pr["pickup_hours"] == approx(24.0)  # opened 02-16 10:00 -> review 02-17 10:00
    assert pr["review_hours"] == approx(1.0)  # review 10:00 -> merged 11:00
    assert pr["deploy_hours"] == approx(25.0)  # merged 02-17 11:00 -> deployed 02-18 12:00
    assert pr["first_deployment_id"] == "github:102"


# ----------------------------------------------------------------------------------- rule 2


def test_rule02_squash_merged_pull_request_starts_at_its_first_commit(
        scenario_db: Path, scenario_shas: Shas) -> None:
    sha = scenario_shas["squash-pipeline"]
    brought = changes(scenario_db, 202)
    # the branch commits p1, p2 never reach main: the squash commit is the one change
    assert set(brought) == {sha["sq"]}
    change = brought[sha["sq"]]
    assert change["is_pr_merge_commit"] is True
    assert change["authored_at"] == ts(2026, 2, 11, 10)
    assert change["change_started_at"] == ts(2026, 2, 9, 10)  # p1, the PR's first commit
    assert change["lead_time_hours"] == approx(74.0)  # 2026-02-09 10:00 -> 02-12 12:00: 3 d * 24 + 2 = 74 h
    pr = one(scenario_db, "select * from marts.fct_pull_requests where project_id = 'squash'")
    assert pr["pull_request_id"] == change["pull_request_id"]
    assert pr["coding_hours"] == approx(29.0)  # 02-09 10:00 -> opened 02-10 15:00: 24 + 5
    assert pr["pickup_hours"] == approx(18.0)  # 02-10 15:00 -> review 02-11 09:00
    assert pr["review_hours"] == approx(1.0)  # 09:00 -> merged 10:00
    assert pr["deploy_hours"] == approx(26.0)  # merged 02-11 10:00 -> deployed 02-12 12:00
    # the parts add up to the lead time: 29 + 18 + 1 + 26 = 74
    parts = pr["coding_hours"] + pr["pickup_hours"] + pr["review_hours"] + pr["deploy_hours"]
    assert parts == approx(change["lead_time_hours"])
    assert summary(scenario_db, "squash")["lead_time_n"] == 1  # c1 is initial; only sq counts
    assert summary(scenario_db, "squash")["lead_time_median_hours"] == approx(74.0)


# ----------------------------------------------------------------------------------- rule 3


def test_rule03_initial_deployment_changes_are_flagged_and_left_out(
        scenario_db: Path, scenario_shas: Shas) -> None:
    sha = scenario_shas["multi-pipeline"]
    initial = changes(scenario_db, 101)
    assert set(initial) == {sha["c1"], sha["c2"]}
    for row in initial.values():
        assert row["lead_time_status"] == "initial_deployment"
        assert row["is_initial_deployment"] is True
        assert row["is_counted_in_lead_time"] is False
    assert initial[sha["c1"]]["lead_time_hours"] == approx(50.0)  # 02-02 10:00 -> 02-04 12:00 = 48 + 2 (kept, not counted)
    assert initial[sha["c2"]]["lead_time_hours"] == approx(26.0)  # 02-03 10:00 -> 02-04 12:00 = 24 + 2
    assert deployment(scenario_db, 101)["deployment_kind"] == "initial"

    s = summary(scenario_db, "multi")
    # counted: 102's five (315 219 189 51 4) and 103's one (6); not 101's two: n = 6, not 8
    assert s["lead_time_n"] == 6
    # sorted 4 6 51 189 219 315: median = (51 + 189) / 2 = 120
    assert s["lead_time_median_hours"] == approx(120.0)
    # p90: rank 0.9 * 5 = 4.5 -> 219 + 0.5 * (315 - 219) = 267
    assert s["lead_time_p90_hours"] == approx(267.0)

    weeks = weekly(scenario_db, "multi")
    assert weeks[date(2026, 2, 2)]["deployments"] == 1  # 101 on Wed 02-04
    assert weeks[date(2026, 2, 2)]["lead_time_n"] == 0  # its changes are the initial ones
    assert weeks[date(2026, 2, 2)]["lead_time_median_hours"] is None
    assert weeks[date(2026, 2, 9)]["deployments"] == 0  # a gap week is kept
    assert weeks[date(2026, 2, 16)]["lead_time_n"] == 5  # 102 on Wed 02-18
    assert weeks[date(2026, 2, 16)]["lead_time_median_hours"] == approx(189.0)  # 4 51 189 219 315
    assert weeks[date(2026, 2, 23)]["lead_time_n"] == 1  # 103 on Wed 02-25
    assert weeks[date(2026, 2, 23)]["lead_time_median_hours"] == approx(6.0)


# ----------------------------------------------------------------------------------- rule 4


def test_rule04_retrain_has_a_model_lead_time_and_no_changes(scenario_db: Path) -> None:
    d = deployment(scenario_db, 302)
    assert d["deployment_kind"] == "retrain"  # same sha as 301, model version 2 instead of 1
    assert d["n_changes"] == 0
    assert changes(scenario_db, 302) == {}
    lead = one(scenario_db, "select * from marts.fct_model_lead_times where project_id = 'retrain'")
    assert lead["deployment_id"] == "github:302"  # only retrain deployments are listed
    assert lead["run_id"] == scenario_org.run_id(3012)
    assert lead["training_ended_at"] == ts(2026, 2, 10, 10, 30)
    # run end 2026-02-10 10:30 -> deployed 2026-02-11 09:15 = 24 h - 1 h 15 min = 22.75 h
    assert lead["model_lead_time_hours"] == approx(22.75)
    s = summary(scenario_db, "retrain")
    assert s["retrain_deployments"] == 1  # 302 (301 is the initial deployment)
    assert s["model_lead_time_n"] == 1  # one retrain, one finished run behind it
    assert s["model_lead_time_median_hours"] == approx(22.75)
    assert s["lead_time_n"] == 0  # the model lead time is never mixed into the lead time for changes


# ----------------------------------------------------------------------------------- rule 5


def test_rule05_rollback_to_an_older_model_version(scenario_db: Path) -> None:
    kinds = [(d["deployment_id"], d["deployment_kind"], d["model_version"]) for d in deployments_of(scenario_db, "rollback")]
    assert kinds == [("github:401", "initial", "2"), ("github:402", "code", "3"), ("github:403", "rollback", "2")]
    replaced = deployment(scenario_db, 402)
    assert replaced["is_rolled_back"] is True
    assert replaced["is_failed"] is True
    assert replaced["failure_reasons"] == "rolled_back"
    assert replaced["recovered_at"] == ts(2026, 2, 10, 18, 30)  # the rollback's deployed_at
    assert replaced["recovered_by"] == "rollback"
    assert replaced["recovery_hours"] == approx(6.5)  # 2026-02-10 12:00 -> 18:30
    back = deployment(scenario_db, 403)
    assert back["is_failed"] is False
    assert (back["is_rework"], back["rework_reason"]) == (True, "rollback")
    assert back["n_changes"] == 0  # c2 was brought by 402 already
    assert deployment(scenario_db, 401)["is_failed"] is False  # 402 is a code deployment, not a rollback
    s = summary(scenario_db, "rollback")
    assert (s["deployments"], s["failed_deployments"], s["rework_deployments"]) == (3, 1, 1)  # 401-403 | 402 | 403
    assert s["change_failure_rate"] == approx(1 / 3)  # 1 failed of 3
    assert s["recovery_median_hours"] == approx(6.5)


def test_rule05_rollback_to_an_older_sha_and_redeploy_after_it(scenario_db: Path) -> None:
    kinds = [(d["deployment_id"], d["deployment_kind"], d["n_changes"]) for d in deployments_of(scenario_db, "rollsha")]
    # 451 c1 | 452 c2 (position 2 > 1) | 453 c1 again, lower than c2 | 454 c2 again: higher than
    # c1 so not a rollback; it brings nothing new (c2 was brought by 452)
    assert kinds == [("github:451", "initial", 1), ("github:452", "code", 1),
                     ("github:453", "rollback", 0), ("github:454", "code", 0)]
    replaced = deployment(scenario_db, 452)
    assert (replaced["is_failed"], replaced["failure_reasons"]) == (True, "rolled_back")
    assert replaced["recovered_at"] == ts(2026, 2, 10, 13)
    assert replaced["recovery_hours"] == approx(1.0)  # 12:00 -> 13:00
    assert deployment(scenario_db, 453)["is_failed"] is False  # 454 is not a rollback


# ----------------------------------------------------------------------------------- rule 6


def test_rule06_explicit_link_to_an_older_deployment_beats_the_window(scenario_db: Path) -> None:
    inc = incident(scenario_db, "scenario-ml/explicit-pipeline#1")
    # created 2026-02-11 09:00; the window would pick 502 (deployed 02-10 12:00, 21 h before),
    # but the body names "deployment 501"
    assert inc["deployment_id"] == "github:501"
    assert inc["link_method"] == "explicit_deployment"
    older, newer = deployment(scenario_db, 501), deployment(scenario_db, 502)
    assert (older["is_failed"], older["n_incidents"], older["failure_reasons"]) == (True, 1, "incident")
    assert older["recovered_at"] == ts(2026, 2, 11, 15)  # the incident's resolution
    assert older["recovered_by"] == "incidents_resolved"
    assert older["recovery_hours"] == approx(195.0)  # 02-03 12:00 -> 02-11 15:00: 8 d * 24 + 3
    assert (newer["is_failed"], newer["n_incidents"]) == (False, 0)


# ----------------------------------------------------------------------------------- rule 7


def test_rule07_incident_outside_the_window_is_unattributed_but_kept(scenario_db: Path) -> None:
    late = incident(scenario_db, "WIN-1")
    # Jira incident created 2026-02-10 13:00 = 169 h after 601 (02-03 12:00) > 168 h
    assert late["project_id"] == "window"
    assert late["source_system"] == "jira"
    assert late["deployment_id"] is None
    assert late["link_method"] is None
    assert late["is_attributed"] is False
    assert late["duration_hours"] == approx(6.0)  # 13:00 -> resolved 19:00
    edge = incident(scenario_db, "scenario-ml/window-pipeline#1")
    # created 2026-02-10 12:00 = exactly 7 d * 24 = 168 h after 601: still inside (<=)
    assert (edge["deployment_id"], edge["link_method"]) == ("github:601", "window")
    d = deployment(scenario_db, 601)
    assert d["n_incidents"] == 1  # only the one inside the window
    assert d["recovered_at"] == ts(2026, 2, 10, 14)
    assert d["recovery_hours"] == approx(170.0)  # 02-03 12:00 -> 02-10 14:00: 168 + 2
    assert query(scenario_db, "select count(*) from marts.fct_incidents where project_id = 'window'") == [(2,)]


# ----------------------------------------------------------------------------------- rule 8


def test_rule08_two_incidents_on_one_deployment_count_once(scenario_db: Path) -> None:
    gh, jira = incident(scenario_db, "scenario-ml/twoinc-pipeline#1"), incident(scenario_db, "TWO-1")
    assert (gh["deployment_id"], gh["link_method"]) == ("github:701", "window")
    assert (jira["deployment_id"], jira["link_method"]) == ("github:701", "window")
    d = deployment(scenario_db, 701)
    assert (d["n_incidents"], d["is_failed"], d["failure_reasons"]) == (2, True, "incident")
    # resolved 02-04 13:00 and 02-06 10:00: recovered when both are, at the later one
    assert d["recovered_at"] == ts(2026, 2, 6, 10)
    assert d["recovery_hours"] == approx(70.0)  # 02-03 12:00 -> 02-06 10:00: 72 - 2
    assert deployment(scenario_db, 702)["is_failed"] is False  # deployed after both incidents
    s = summary(scenario_db, "twoinc")
    assert (s["deployments"], s["failed_deployments"]) == (2, 1)  # not 2 failures
    assert s["change_failure_rate"] == approx(0.5)  # 1 / 2
    weeks = weekly(scenario_db, "twoinc")
    # week of Monday 02-02: 701 (Tue 02-03) with its two incidents: one failed deployment
    assert (weeks[date(2026, 2, 2)]["deployments"], weeks[date(2026, 2, 2)]["failed_deployments"]) == (1, 1)
    assert weeks[date(2026, 2, 2)]["change_failure_rate"] == approx(1.0)  # 1 / 1, not 2 / 1
    assert weeks[date(2026, 2, 16)]["change_failure_rate"] == approx(0.0)  # 702 on Fri 02-20
    durations = sorted(r[0] for r in query(
        scenario_db, "select duration_hours from marts.fct_incidents where project_id = 'twoinc'"))
    assert durations == [approx(4.0), approx(24.0)]  # 09:00 -> 13:00; 02-05 10:00 -> 02-06 10:00


# ----------------------------------------------------------------------------------- rule 9


def test_rule09_hotfix_marks_the_replaced_deployment_failed_and_is_rework(scenario_db: Path) -> None:
    by_description, by_label = deployment(scenario_db, 803), deployment(scenario_db, 804)
    assert by_description["is_hotfix"] is True  # description "hotfix: restore threshold"
    assert by_label["is_hotfix"] is True  # ships the squash commit of PR #1 labelled hotfix
    assert by_label["description"] == "release"
    for d in (by_description, by_label):
        assert (d["is_rework"], d["rework_reason"]) == (True, "hotfix")
    replaced = deployment(scenario_db, 802)
    assert (replaced["is_failed"], replaced["is_replaced_by_hotfix"], replaced["failure_reasons"]) == (
        True, True, "hotfixed")
    assert replaced["recovered_at"] == ts(2026, 2, 10, 18)
    assert replaced["recovered_by"] == "hotfix"
    assert replaced["recovery_hours"] == approx(30.0)  # 02-09 12:00 -> 02-10 18:00: 24 + 6
    # 803 is itself replaced by the labelled hotfix 804
    assert (by_description["is_failed"], by_description["failure_reasons"]) == (True, "hotfixed")
    assert by_description["recovery_hours"] == approx(163.0)  # 02-10 18:00 -> 02-17 13:00: 7 d * 24 - 5
    assert deployment(scenario_db, 801)["is_failed"] is False
    assert by_label["is_failed"] is False
    s = summary(scenario_db, "hotfix")
    assert (s["deployments"], s["failed_deployments"], s["rework_deployments"]) == (4, 2, 2)  # 801-804 | 802 803 | 803 804
    assert s["change_failure_rate"] == approx(0.5)  # 802, 803 of 4
    assert s["rework_rate"] == approx(0.5)  # 803, 804 of 4
    assert s["recovery_median_hours"] == approx(96.5)  # (30 + 163) / 2


# ----------------------------------------------------------------------------------- rule 10


def test_rule10_failed_rollout_attempt_is_an_attempt_not_a_deployment(scenario_db: Path) -> None:
    attempts = {r["attempt_id"]: r for r in query_dicts(
        scenario_db, "select * from marts.fct_deployment_attempts where project_id = 'attempt'")}
    # the staging deployment 904 is no production attempt at all
    assert set(attempts) == {"github:901", "github:902", "github:903"}
    failed = attempts["github:902"]
    assert failed["outcome"] == "failed"
    assert failed["first_success_at"] is None
    assert failed["first_failure_at"] == ts(2026, 2, 9, 12, 5)
    assert failed["deployment_id"] is None
    assert attempts["github:903"]["outcome"] == "success"
    assert attempts["github:903"]["deployment_id"] == "github:903"
    deps = deployments_of(scenario_db, "attempt")
    assert [d["deployment_id"] for d in deps] == ["github:901", "github:903"]
    assert deps[1]["previous_deployment_id"] == "github:901"
    assert deps[1]["deployment_kind"] == "code"
    assert deps[1]["deployed_at"] == ts(2026, 2, 9, 14)
    retry = changes(scenario_db, 903)
    assert [r["lead_time_hours"] for r in retry.values()] == [approx(5.0)]  # c2 02-09 09:00 -> 14:00
    assert summary(scenario_db, "attempt")["deployments"] == 2  # 901 and 903; the failed 902 is no deployment


# ----------------------------------------------------------------------------------- rule 11


def test_rule11_time_zones_and_the_sunday_night_deployment(scenario_db: Path, scenario_shas: Shas) -> None:
    sha = scenario_shas["tz-pipeline"]
    brought = changes(scenario_db, 1002)
    assert set(brought) == {sha["c2"], sha["c3"]}
    c2, c3 = brought[sha["c2"]], brought[sha["c3"]]
    assert c2["authored_at"] == ts(2026, 3, 7, 23)  # 2026-03-08 08:00 +09:00
    assert c3["authored_at"] == ts(2026, 3, 8, 22)  # 2026-03-08 15:00 -07:00
    assert c2["lead_time_hours"] == approx(24.5)  # 03-07 23:00 -> 03-08 23:30 (local clocks: 15.5)
    assert c3["lead_time_hours"] == approx(1.5)  # 03-08 22:00 -> 23:30 (local clocks: 8.5)
    offsets = dict(query(scenario_db, "select sha, author_tz_offset_minutes from staging.stg_git__commits "
                                      "where git_repo = 'tz-pipeline'"))
    assert (offsets[sha["c2"]], offsets[sha["c3"]]) == (540, -420)
    d = deployment(scenario_db, 1002)
    assert d["deployed_at"] == ts(2026, 3, 8, 23, 30)
    assert d["deployed_date"] == date(2026, 3, 8)  # a Sunday in UTC (Monday 08:30 in Tokyo)
    assert d["deployed_week"] == date(2026, 3, 2)  # Sunday 03-08 belongs to the week from Monday 03-02
    assert d["deployed_month"] == date(2026, 3, 1)
    initial = changes(scenario_db, 1001)[sha["c1"]]
    assert initial["lead_time_hours"] == approx(11.0)  # 02-24 10:00 +09:00 = 01:00 UTC -> 12:00
    weeks = weekly(scenario_db, "tz")
    # week of Monday 02-23: 1001 (Tue 02-24), the initial deployment: no counted change
    assert (weeks[date(2026, 2, 23)]["deployments"], weeks[date(2026, 2, 23)]["lead_time_n"]) == (1, 0)
    week = weeks[date(2026, 3, 2)]
    assert (week["deployments"], week["lead_time_n"]) == (1, 2)  # 1002 on Sunday 03-08 with c2 and c3
    assert week["lead_time_median_hours"] == approx(13.0)  # (1.5 + 24.5) / 2
    assert week["lead_time_p90_hours"] == approx(22.2)  # 1.5 + 0.9 * (24.5 - 1.5)
    assert weeks[date(2026, 3, 9)]["deployments"] == 0  # nothing spills into the next week


# ----------------------------------------------------------------------------------- rule 12


def test_rule12_levels_below_the_minimum_sample_read_insufficient_data(scenario_db: Path) -> None:
    for report in REPORTS:
        s = summary(scenario_db, "multi", report)
        assert s["deployments"] == 3  # < min_sample_size 5
        assert s["deployment_frequency_band"] == 4  # computed (a deployment within 182 days)...
        assert s["deployment_frequency_level"] == INSUFFICIENT  # ...but not graded on 3 deployments
        assert s["change_failure_rate"] == approx(0.0)
        assert s["change_failure_rate_level"] == INSUFFICIENT
        assert s["recovery_n"] == 0
        assert s["recovery_time_level"] == INSUFFICIENT
        # the lead time has its own sample: n = 6 >= 5 changes, median 120 h in [24, 168) and [1, 168)
        assert s["lead_time_n"] == 6
        assert s["lead_time_level"] == "high"

        two = summary(scenario_db, "twoinc", report)
        assert two["change_failure_rate"] == approx(0.5)  # a value, 1 / 2...
        assert two["change_failure_rate_level"] == INSUFFICIENT  # ...on too few deployments to grade

        nothing = summary(scenario_db, "explore", report)  # a project with no deployment at all
        assert nothing["deployments"] == 0
        assert nothing["change_failure_rate"] is None
        assert {nothing[k] for k in ("deployment_frequency_level", "lead_time_level", "change_failure_rate_level",
                                      "recovery_time_level")} == {INSUFFICIENT}

        # exactly min_sample_size deployments is enough
        five = summary(scenario_db, "freq-e", report)
        assert five["deployments"] == 5
        assert five["deployment_frequency_level"] != INSUFFICIENT
        assert five["change_failure_rate_level"] == "elite"  # 0 / 5 < 0.075 (and < 0.15 in 2021)
        assert five["lead_time_level"] == INSUFFICIENT  # redeploys of one sha: no changes


# ----------------------------------------------------------------------------------- rule 13

# (project, deployments, median deployment days per 7-day bucket, per 30-day bucket, band, band
# name, level under 2021, 2023, 2024). Deployments lie whole days before as_of at noon; bucket k
# of 7 days holds the days 7k .. 7k+6 before it; 30-day bucket m the days 30m .. 30m+29.
FREQUENCY_EXPECTED = [
    # 3 days in each of the 12 week buckets: median 3 -> band 1 (>= 3). 30-day buckets hold the
    # days {0-2,7-9,14-16,21-23,28,29} = 14, {30,35-37,42-44,49-51,56-58} = 13, {63-65,70-72,77-79} = 9:
    # median 13. Band 1 is [, 2) = elite in every report.
    ("freq-a", 36, 3.0, 13.0, 1, "on demand", ("elite", "elite", "elite")),
    # 2 days each week: median 2 < 3 -> band 2, in [2, 4) high (2021), [2, 3) high (2023, 2024).
    # 30-day buckets: days {0,1,7,8,14,15,21,22,28,29} = 10, {35,36,42,43,49,50,56,57} = 8,
    # {63,64,70,71,77,78} = 6: median 8.
    ("freq-b", 24, 2.0, 8.0, 2, "daily to weekly", ("high", "high", "high")),
    # 1 day each week: median exactly 1 -> still band 2. 30-day buckets {0,7,14,21,28} = 5,
    # {35,42,49,56} = 4, {63,70,77} = 3: median 4.
    ("freq-c", 12, 1.0, 4.0, 2, "daily to weekly", ("high", "high", "high")),
    # 1 day in weeks 0 2 4 6 8 10, none in 1 3 5 7 9 11: median (0 + 1) / 2 = 0.5 < 1; 30-day
    # buckets {0,14,28} = 3, {42,56} = 2, {70} = 1: median 2 >= 1 -> band 3:
    # [2, 4) high (2021), [3, 4) medium (2023, 2024).
    ("freq-d", 6, 0.5, 2.0, 3, "weekly to monthly", ("high", "medium", "medium")),
    # days 61-65: weeks 8 (61, 62) and 9 (63-65), 10 empty weeks: median 0; 30-day buckets 0, 0, 5:
    # median 0; deployed within 182 days -> band 4: [4, 5) medium (2021), [4, ) low (2023, 2024).
    ("freq-e", 5, 0.0, 0.0, 4, "monthly to six-monthly", ("medium", "low", "low")),
]


@pytest.mark.parametrize(("project", "n", "per_week", "per_month", "band", "band_name", "levels"),
                         FREQUENCY_EXPECTED, ids=[row[0] for row in FREQUENCY_EXPECTED])
def test_rule13_deployment_frequency_bands_and_levels_per_report(
        scenario_db: Path, project: str, n: int, per_week: float, per_month: float, band: int, band_name: str,
        levels: tuple[str, str, str]) -> None:
    for report, level in zip(REPORTS, levels):
        s = summary(scenario_db, project, report)
        assert s["window_start"] == ts(2026, 1, 1)  # 2026-04-01 - 90 d
        assert s["deployments"] == n
        assert s["deployment_days"] == n  # one deployment per day
        assert s["median_deployment_days_per_week"] == approx(per_week)
        assert s["median_deployment_days_per_month"] == approx(per_month)
        assert (s["deployment_frequency_band"], s["deployment_frequency_band_name"]) == (band, band_name)
        assert s["deployment_frequency_level"] == level, report
        assert s["is_default_report"] is (report == 2024)


# ----------------------------------------------------------------------------------- rule 14


def test_rule14_project_still_exploring(scenario_db: Path) -> None:
    p = project_row(scenario_db, "explore")
    assert (p["current_phase"], p["exploration_cycles"], p["current_step"]) == ("exploration", 1, "EXPLORE")
    assert p["first_kickoff_at"] == ts(2026, 3, 2, 9)  # DS-1, assigned by its explicit kickoff key
    c = cycle(scenario_db, "explore", 1)
    assert c["is_exploring"] is True
    assert c["time_to_first_experiment_hours"] == approx(24.0)  # kickoff 03-02 09:00 -> experiment 03-03 09:00
    assert c["experiment_runs"] == 4
    assert c["active_weeks"] == 2  # runs 03-03, 03-04 (week of 03-02) and 03-11, 03-12 (week of 03-09)
    assert c["runs_per_active_week"] == approx(2.0)  # 4 / 2
    assert c["experiment_feedback_n"] == 3  # the running run has no end yet
    assert c["experiment_feedback_median_hours"] == approx(1.0)  # 0.5, 1, 2 -> 1
    assert c["experiment_feedback_p90_hours"] == approx(1.8)  # rank 1.8: 1 + 0.8 * (2 - 1)
    for kpi in ("baseline_at", "production_at", "time_to_baseline_hours", "baseline_to_bootstrap_hours",
                "concept_to_production_hours"):
        assert c[kpi] is None, kpi


def test_rule14_project_that_never_reached_baseline(scenario_db: Path) -> None:
    p = project_row(scenario_db, "neverbase")
    assert (p["current_phase"], p["exploration_cycles"], p["current_step"]) == ("exploration", 1, "EXPLORE")
    c = cycle(scenario_db, "neverbase", 1)
    # DS-2 went To Do -> In Progress -> In Review -> Rejected: no move into Approved, no T3
    assert c["baseline_at"] is None
    assert c["time_to_baseline_hours"] is None
    assert c["is_exploring"] is True
    assert c["time_to_first_experiment_hours"] == approx(6.0)  # 01-05 09:00 -> experiment 15:00
    assert (c["experiment_runs"], c["active_weeks"]) == (2, 1)  # 01-06 and 01-07: one week
    assert c["runs_per_active_week"] == approx(2.0)
    assert c["experiment_feedback_median_hours"] == approx(2.0)  # 1 h and 3 h -> 2
    assert query(scenario_db, "select count(*) from marts.fct_journey_events "
                              "where project_id = 'neverbase' and t_code = 'T3'") == [(0,)]


def test_rule14_project_that_reentered_exploration_after_production(scenario_db: Path) -> None:
    p = project_row(scenario_db, "steer")
    # STR-2 (02-16) came after the bootstrap (01-19) and deployments (01-21, 01-28): a 2nd cycle,
    # approved 03-02 but not back in production by as_of
    assert (p["current_phase"], p["exploration_cycles"], p["current_step"]) == ("exploration", 2, "BASELINE")
    first = cycle(scenario_db, "steer", 1)
    assert first["cycle_started_at"] == ts(2026, 1, 5, 9)
    assert first["is_exploring"] is False
    assert first["time_to_first_experiment_hours"] == approx(4.0)  # 09:00 -> experiment 13:00
    assert (first["experiment_runs"], first["active_weeks"]) == (3, 2)  # 01-06, 01-08 | 01-13
    assert first["runs_per_active_week"] == approx(1.5)  # 3 / 2
    assert first["experiment_feedback_median_hours"] == approx(0.75)  # 0.5, 0.75, 1.5
    assert first["experiment_feedback_p90_hours"] == approx(1.35)  # 0.75 + 0.8 * (1.5 - 0.75)
    assert first["time_to_baseline_hours"] == approx(240.0)  # 01-05 09:00 -> approved 01-15 09:00
    assert first["production_at"] == ts(2026, 1, 19, 10)  # the bootstrap commit
    assert first["baseline_to_bootstrap_hours"] == approx(97.0)  # 01-15 09:00 -> 01-19 10:00: 96 + 1
    assert first["concept_to_production_hours"] == approx(387.0)  # 01-05 09:00 -> deployed 01-21 12:00: 16 d * 24 + 3
    second = cycle(scenario_db, "steer", 2)
    assert second["cycle_started_at"] == ts(2026, 2, 16, 9)
    assert second["is_exploring"] is True
    assert second["time_to_first_experiment_hours"] == approx(24.0)  # -> experiment 02-17 09:00
    assert (second["experiment_runs"], second["active_weeks"]) == (3, 2)  # 02-17 | 02-24, 02-25
    assert second["runs_per_active_week"] == approx(1.5)
    assert second["experiment_feedback_median_hours"] == approx(2.0)  # 1, 2, 4
    assert second["experiment_feedback_p90_hours"] == approx(3.6)  # 2 + 0.8 * (4 - 2)
    assert second["time_to_baseline_hours"] == approx(336.0)  # 02-16 09:00 -> 03-02 09:00: 14 d * 24
    assert second["baseline_to_bootstrap_hours"] is None
    assert second["concept_to_production_hours"] is None
    # the deployments belong to cycle 1
    t7 = query(scenario_db, "select exploration_cycle, count(*) from marts.fct_journey_events "
                            "where project_id = 'steer' and t_code = 'T7' group by all")
    assert t7 == [(1, 2)]


def test_rule14_project_without_kickoff_is_in_production(scenario_db: Path) -> None:
    p = project_row(scenario_db, "multi")
    assert (p["current_phase"], p["exploration_cycles"]) == ("production", 0)
    assert p["first_bootstrap_at"] == ts(2026, 2, 2, 10)  # root commit c1
    assert p["first_deployment_at"] == ts(2026, 2, 4, 12)


# ----------------------------------------------------------------------------------- duplicates


def test_same_rollout_from_two_sources_is_one_deployment(scenario_db: Path, scenario_shas: Shas) -> None:
    deps = deployments_of(scenario_db, "dup")
    # GitHub deployed dup-model v2 on 03-31 20:00; the champion alias was seen on v2 at the load
    # of 04-01 00:00 (on v1 at the load of 03-25): 4 h apart < 24 h, the GitHub record wins
    assert [d["deployment_id"] for d in deps] == ["github:1501", "github:1502"]
    assert deps[1]["also_seen_as"] == "mlflow_alias:dup-model:champion:2"
    assert deps[1]["timestamp_precision"] == "exact"
    promotion = one(scenario_db, "select * from intermediate.int_alias_promotions_derived "
                                 "where model_name = 'dup-model'")
    assert promotion["promoted_at"] == ts(2026, 4, 1)
    assert promotion["sha"] == scenario_shas["dup-pipeline"]["c2"]  # from the run that made v2
    assert summary(scenario_db, "dup")["deployments"] == 2  # 1501, 1502 (= the alias move, counted once)


def test_alias_move_without_ci_record_is_a_snapshot_deployment(scenario_db: Path) -> None:
    d = one(scenario_db, "select * from marts.fct_deployments where project_id = 'aliasonly'")
    # the first observation (v1) is no promotion: when it was set is unknown
    assert d["deployment_id"] == "mlflow_alias:alias-model:production:2"
    assert (d["source_system"], d["timestamp_precision"]) == ("mlflow_alias", "snapshot")
    assert d["deployed_at"] == ts(2026, 4, 1)  # the observation that first saw v2
    assert (d["model_name"], d["model_version"], d["deployment_kind"]) == ("alias-model", "2", "initial")


# ----------------------------------------------------------------------------------- rule 15


def _reference_for(project: scenario_org.RandomProject, shas: dict[str, str]):
    deployments = [RefDeployment(f"github:{n}", at.replace(tzinfo=None), shas[f"c{pos}"], pos, description)
                   for n, pos, at, description in project.deployments]
    incidents = [RefIncident(f"{scenario_org.OWNER}/{project.repo}#{n}", created.replace(tzinfo=None),
                             resolved.replace(tzinfo=None) if resolved else None)
                 for n, created, resolved in project.incidents]
    authored = {i + 1: t.replace(tzinfo=None) for i, t in enumerate(project.commit_times)}
    return evaluate(deployments, incidents, authored)


@pytest.mark.parametrize("index", range(scenario_org.N_RANDOM_PROJECTS))
def test_rule15_random_histories_match_the_reference(scenario_db: Path, scenario_shas: Shas, index: int) -> None:
    project = scenario_org.random_histories()[index]
    shas = scenario_shas[project.repo]
    ref = _reference_for(project, shas)
    rows = deployments_of(scenario_db, project.project_id)
    assert [r["deployment_id"] for r in rows] == [o.deployment.deployment_id for o in ref.outcomes]
    for row, o in zip(rows, ref.outcomes):
        got = {k: row[k] for k in ("deployment_kind", "is_hotfix", "n_incidents", "is_failed", "failure_reasons",
                                    "recovered_at", "recovered_by", "is_rework", "rework_reason", "n_changes")}
        expected = {"deployment_kind": o.kind, "is_hotfix": o.is_hotfix, "n_incidents": o.n_incidents,
                    "is_failed": o.is_failed, "failure_reasons": o.failure_reasons, "recovered_at": o.recovered_at,
                    "recovered_by": o.recovered_by, "is_rework": o.is_rework, "rework_reason": o.rework_reason,
                    "n_changes": len(o.changes)}
        assert got == expected, row["deployment_id"]
        assert row["recovery_hours"] == approx(o.recovery_hours)
        brought = changes(scenario_db, int(row["deployment_id"].split(":")[1]))
        expected_changes = {shas[f"c{pos}"]: (approx(h), status) for pos, (h, status) in o.changes.items()}
        assert {s: (r["lead_time_hours"], r["lead_time_status"]) for s, r in brought.items()} == expected_changes
    links = {r["incident_key"]: r["deployment_id"] for r in query_dicts(
        scenario_db, "select * from marts.fct_incidents where project_id = ?", [project.project_id])}
    assert links == ref.attribution
    attempts = {r[0] for r in query(scenario_db, "select attempt_id from marts.fct_deployment_attempts "
                                                 "where project_id = ? and outcome = 'failed'", [project.project_id])}
    assert attempts == {f"github:{n}" for n in project.failed_attempts}
    s = summary(scenario_db, project.project_id)  # every random deployment lies inside the window
    assert (s["deployments"], s["failed_deployments"], s["rework_deployments"]) == (
        ref.deployments, ref.failed, ref.rework)
    assert s["change_failure_rate"] == approx(ref.change_failure_rate)
    assert s["lead_time_n"] == len(ref.counted_lead_times)
    assert s["lead_time_median_hours"] == approx(percentile_cont(ref.counted_lead_times, 0.5))


def test_rule15_random_histories_exercise_the_rules() -> None:
    """The fixed seed must keep producing histories that reach the interesting branches."""
    kinds, reasons, statuses, rework, recovered_by = set(), set(), set(), set(), set()
    for project in scenario_org.random_histories():
        shas = {f"c{i + 1}": f"sha{i + 1}" for i in range(len(project.commit_times))}
        ref = _reference_for(project, shas)
        kinds |= {o.kind for o in ref.outcomes}
        reasons |= {r for o in ref.outcomes for r in o.failure_reasons.split(",") if r}
        statuses |= {status for o in ref.outcomes for _, status in o.changes.values()}
        rework |= {o.rework_reason for o in ref.outcomes}
        recovered_by |= {o.recovered_by for o in ref.outcomes if o.is_failed}
    assert {"initial", "code", "rollback", "redeploy"} <= kinds
    assert {"incident", "rolled_back", "hotfixed"} <= reasons
    assert {"initial_deployment", "counted", "negative_lead_time"} <= statuses
    assert {"rollback", "hotfix", "fix_forward"} <= rework
    assert {"rollback", "hotfix", "incidents_resolved", None} <= recovered_by  # None: an incident still open


MINUTES = st.integers(min_value=1, max_value=6000)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[RefDeployment], list[RefIncident], dict[int, datetime]]:
    start = datetime(2026, 1, 5, 9)
    n_commits = draw(st.integers(min_value=1, max_value=6))
    authored = {p: start + timedelta(minutes=draw(st.integers(0, 20000))) for p in range(1, n_commits + 1)}
    deployments: list[RefDeployment] = []
    at = start
    for i in range(draw(st.integers(min_value=1, max_value=8))):
        at += timedelta(minutes=draw(MINUTES))
        position = draw(st.integers(min_value=1, max_value=n_commits))
        version = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=4).map(str)))
        description = draw(st.sampled_from(["release", "hotfix: quick repair", "Hotfix", ""]))
        deployments.append(RefDeployment(f"github:{100 + i}", at, f"sha{position}", position, description,
                                         model_name="m" if version else None, model_version=version))
    incidents = []
    for j in range(draw(st.integers(min_value=0, max_value=5))):
        created = start + timedelta(minutes=draw(st.integers(0, 60000)))
        duration = draw(st.one_of(st.none(), MINUTES))
        incidents.append(RefIncident(f"i{j}", created, created + timedelta(minutes=duration) if duration else None))
    return deployments, incidents, authored


@settings(max_examples=15, deadline=None)
@given(histories())
def test_rule15_reference_invariants(history: tuple[list[RefDeployment], list[RefIncident], dict[int, datetime]]) -> None:
    deployments, incidents, authored = history
    ref = evaluate(deployments, incidents, authored)
    assert 0 <= ref.failed <= ref.deployments
    assert ref.change_failure_rate is not None and 0 <= ref.change_failure_rate <= 1
    assert 0 <= ref.rework <= ref.deployments
    assert [o.kind for o in ref.outcomes].count("initial") == 1
    assert ref.outcomes[-1].is_rolled_back is False and ref.outcomes[-1].is_replaced_by_hotfix is False
    brought: list[int] = []
    for o in ref.outcomes:
        assert o.is_failed == bool(o.failure_reasons)
        if o.recovery_hours is not None:
            assert o.recovery_hours >= 0
        for position, (lead, status) in o.changes.items():
            assert lead >= 0 or status != "counted"
            assert (status == "initial_deployment") == (o.kind == "initial")
            brought.append(position)
    # every commit up to the highest deployed position is brought exactly once
    assert sorted(brought) == list(range(1, max(d.position for d in deployments) + 1))  # type: ignore[type-var]
    # a several-incident deployment counts once: failures are deployments, not incidents
    assert ref.failed <= sum(1 for o in ref.outcomes if o.n_incidents or o.is_rolled_back or o.is_replaced_by_hotfix)
    for inc_id, dep_id in ref.attribution.items():
        if dep_id is not None:
            inc = next(i for i in incidents if i.incident_id == inc_id)
            dep = next(d for d in deployments if d.deployment_id == dep_id)
            assert timedelta(0) <= inc.created_at - dep.deployed_at <= timedelta(hours=168)


INVARIANTS = {
    "change failure rate outside [0, 1]": """
        select summary_row_id from marts.dora_summary
        where change_failure_rate < 0 or change_failure_rate > 1 or failed_deployments > deployments
           or rework_deployments > deployments or rework_rate < 0 or rework_rate > 1""",
    "weekly rate outside [0, 1]": """
        select metric_row_id from marts.dora_metrics_weekly
        where change_failure_rate < 0 or change_failure_rate > 1 or failed_deployments > deployments""",
    "monthly rate outside [0, 1]": """
        select metric_row_id from marts.dora_metrics_monthly
        where change_failure_rate < 0 or change_failure_rate > 1 or failed_deployments > deployments""",
    "negative lead time counted": """
        select change_id from marts.fct_changes
        where (lead_time_hours < 0 and lead_time_status = 'counted')
           or (is_counted_in_lead_time <> (lead_time_status = 'counted'))""",
    "commit brought twice": """
        select project_id, sha from marts.fct_changes group by all having count(*) > 1""",
    "deployment without a project": """
        select deployment_id from marts.fct_deployments
        where project_id is null or project_id not in (select project_id from marts.dim_projects)""",
    "failure without a reason, or recovery before the deployment": """
        select deployment_id from marts.fct_deployments
        where is_failed <> (failure_reasons <> '') or recovery_hours < 0
           or (recovered_at is not null and not is_failed)""",
    "incident linked outside its project, or half-linked": """
        select incidents.incident_id from marts.fct_incidents as incidents
        left join marts.fct_deployments as deployments on deployments.deployment_id = incidents.deployment_id
        where (incidents.deployment_id is null) <> (incidents.link_method is null)
           or (incidents.deployment_id is not null and deployments.project_id is distinct from incidents.project_id)""",
    "summary counts more deployments than the facts": """
        select summary.scope_id from marts.dora_summary as summary
        where summary.scope = 'org' and summary.deployments > (select count(*) from marts.fct_deployments)""",
}


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_rule15_invariants_hold_on_every_row_of_the_scenario_warehouse(scenario_db: Path, name: str) -> None:
    assert query(scenario_db, INVARIANTS[name]) == []


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_rule15_invariants_hold_on_every_row_of_the_demo_warehouse(demo_db: Path, name: str) -> None:
    assert query(demo_db, INVARIANTS[name]) == []
