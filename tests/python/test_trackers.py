"""Asana, Notion and Basecamp as sources of T1 (kickoff) and T3 (baseline approval), end to end.

A hand-built scenario is written as recorded API pages (``ingest.demo.write_trackers``, shaped
per each API's public documentation), served by a loopback HTTP server
(``ingest.replay.serve_cassette``) and loaded by the production loaders (``load_asana``,
``load_notion``, ``load_basecamp``) into a fresh DuckDB; a Jira twin of the Asana project is
loaded beside it by the Jira loader. Then ``dbt build`` runs on that warehouse alone (the other
sources read empty through ``optional_source``) and the journey events and marts are checked
against values worked out by hand below.

Projects (catalog written by this test):

- churn (Asana project A): task K_A created 2025-03-03 09:00 UTC in section "Kickoff"; moved
  Kickoff -> In review 03-04 10:00, In review -> Approved 03-05 15:30, back to In review 03-08,
  Approved again 03-10. Kickoff because it sat in section "Kickoff" (var asana_kickoff_sections);
  approved at its FIRST move into "Approved": 03-05 15:30.
  time_to_baseline = 03-03 09:00 -> 03-05 15:30 = 2 d 6 h 30 min = 54.5 h.
  100 more tasks (two task pages) are features, one of them moved into "Approved" (no kickoff,
  so no T3). K_A has 102 stories (two story pages): 97 comments (not loaded) and the 4 moves
  plus a completion.
- churn-jira (Jira CHJ): the same journey in Jira, Epic CHJ-1 labelled kickoff with the same
  four status moves. Its exploration-cycle row must equal churn's: swapping Jira for Asana does
  not change the marts.
- fraud (Asana project B): K_B created 2025-04-01 12:00 with custom field Type = Kickoff (var
  asana_kickoff_field); its Approval field (var asana_approval_field) set Pending 04-02 12:00,
  Rejected 04-03 12:00, Approved 04-04 18:00 -> T3 04-04 18:00; time_to_baseline = 3 d 6 h = 78 h.
  F_B (Type = Feature) is approved too but is no kickoff.
- vision (Notion database): 101 pages (two query pages); kickoffs are the pages whose select
  "Type" is Kickoff (var notion_kickoff_property): P1 created 05-01 08:00 with "Approved on"
  2025-05-03 (a date: midnight UTC) -> T3 05-03 00:00; P2 created 05-10 09:00, status
  Approved, no date, last edited 05-12 12:00 -> T3 05-12 12:00 (the upper bound). One cycle
  (no return to production between the kickoffs), started 05-01 08:00, baseline its first T3:
  05-01 08:00 -> 05-03 00:00 = 40 h.
- speech (Basecamp project): card table "Kickoff": card C1 created 06-02 09:00, now in column
  "Approved", its 20 events (two pages, newest first) include `adopted` at 06-03 10:00 and
  06-04 16:00 -> T3 = latest move = 06-04 16:00; card C2 in Triage (T1 only). To-do list
  "Kickoff": to-do D1 created 06-10 08:00, completed 06-11 08:00, uncompleted, completed
  06-12 09:00 -> T3 06-11 08:00 (first completion); to-do D2 pending (T1 only). Card table
  "Bugs" (16 cards in Triage: two card pages, one card in Approved) and to-do list "Chores"
  hold no kickoffs. One cycle from 06-02 09:00, baseline 06-04 16:00: 55 h.
- idle: in the catalog, nothing mapped: 'no telemetry'.

as_of = 2025-07-01 00:00 UTC. No project has a bootstrap (T4) or deployment (T7): all with a
kickoff are exploring, at step BASELINE (the furthest exploration step they reached).
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from ingest.asana import load_asana, parse_asana_story
from ingest.basecamp import dock_tools, load_basecamp
from ingest.demo.model import JiraIssue, JiraTransition, Organisation, Person
from ingest.demo.write_pages import write_recorded_pages
from ingest.demo.write_trackers import (
    AsanaProject,
    AsanaStory,
    AsanaTask,
    BasecampCardTable,
    BasecampEvent,
    BasecampProject,
    BasecampRecording,
    BasecampTodoList,
    NotionDatabase,
    NotionPage,
    Trackers,
    write_tracker_pages,
)
from ingest.jira import jira_source
from ingest.notion import load_notion, property_value
from ingest.pseudonymise import person_id
from ingest.replay import replay_session, serve_cassette
from ingest.tracker_common import catalog_keys, run_source
from mlops_kpis.dbt_runner import PROJECT_DIR, run_dbt

SALT = "tracker-test-salt"
UTC = timezone.utc
AS_OF = datetime(2025, 7, 1, tzinfo=UTC)
SCRATCH = PROJECT_DIR / "build" / "tests"  # inside the project: dbt reads the catalog seeds from a relative path

ALICE = Person("alice", "Alice Example", "alice@acme-ml.example", "alice-gh")
BOB = Person("bob", "Bob Builder", "bob@acme-ml.example", "bob-gh")

ASANA_A, ASANA_B = "1201000000000001", "1201000000000002"
K_A, K_B, F_B = "1201000000000101", "1201000000000201", "1201000000000202"
NOTION_DB = "5b9e2f6a-0c3d-4e8f-9a1b-2c3d4e5f6a7b"
P1, P2 = "0c1d2e3f-0000-4000-8000-000000000001", "0c1d2e3f-0000-4000-8000-000000000002"
BUCKET = 2085958504
C1, C2, D1, D2 = 1069482295, 1069482296, 1069480013, 1069480014

DBT_VARS = {
    "as_of": "2025-07-01 00:00:00",
    "kickoff_labels": ["kickoff"],
    "approval_statuses": ["Approved"],
    "asana_kickoff_sections": ["Kickoff"],
    "asana_kickoff_field": "Type",
    "asana_approval_field": "Approval",
    "notion_kickoff_property": "Type",
    "notion_status_property": "Status",
    "notion_approval_date_property": "Approved on",
    "basecamp_kickoff_lists": ["Kickoff"],
    "basecamp_completion_is_approval": True,
}


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# The scenario


def _asana() -> list[AsanaProject]:
    move = "section_changed"
    k_a = AsanaTask(K_A, "Churn model: problem statement", at(3, 3, 9), "Approved", assignee=ALICE, stories=[
        AsanaStory(at(3, 4, 10), move, ALICE, "Kickoff", "In review"),
        *[AsanaStory(at(3, 4, 11) + timedelta(minutes=i), "comment_added", BOB,
                     text=f"comment {i}: ask {ALICE.email}") for i in range(97)],
        AsanaStory(at(3, 5, 15, 30), move, BOB, "In review", "Approved"),
        AsanaStory(at(3, 8, 12), move, BOB, "Approved", "In review"),
        AsanaStory(at(3, 10, 12), move, BOB, "In review", "Approved"),
        AsanaStory(at(3, 11, 9), "marked_complete", ALICE),
    ], completed_at=at(3, 11, 9))
    features = [AsanaTask(str(1201000000001000 + i), f"Feature {i}", at(3, 12) + timedelta(hours=i), "Backlog",
                          tags=["feature"]) for i in range(100)]
    features[0].section = "Approved"
    features[0].stories = [AsanaStory(at(3, 20), move, BOB, "Backlog", "Approved")]
    project_a = AsanaProject(ASANA_A, "Churn model", ["Kickoff", "In review", "Approved", "Backlog"],
                             tasks=[k_a, *features])

    change = "enum_custom_field_changed"
    k_b = AsanaTask(K_B, "Fraud rules v2 brief", at(4, 1, 12), "Backlog", tags=["brief"],
                    custom_fields={"Type": "Kickoff", "Approval": "Approved"}, assignee=BOB, stories=[
                        AsanaStory(at(4, 2, 12), change, BOB, custom_field="Approval", new_value="Pending"),
                        AsanaStory(at(4, 3, 12), change, ALICE, custom_field="Approval", old_value="Pending",
                                   new_value="Rejected"),
                        AsanaStory(at(4, 4, 18), change, ALICE, custom_field="Approval", old_value="Rejected",
                                   new_value="Approved"),
                    ])
    f_b = AsanaTask(F_B, "Rule tuning", at(4, 2), "Backlog", custom_fields={"Type": "Feature", "Approval": "Approved"},
                    stories=[AsanaStory(at(4, 5), change, ALICE, custom_field="Approval", new_value="Approved")])
    project_b = AsanaProject(ASANA_B, "Fraud rules", ["Backlog", "Done"],
                             {"Type": ["Kickoff", "Feature"], "Approval": ["Pending", "Approved", "Rejected"]},
                             tasks=[k_b, f_b])
    return [project_a, project_b]


def _notion_page(page_id: str, title: str, created: datetime, edited: datetime, kind: str, status: str,
                 approved_on: str | None) -> NotionPage:
    return NotionPage(page_id, title, created, edited, ALICE, status=status, select={"Type": kind},
                      dates={"Approved on": approved_on}, people={"Owner": [ALICE, BOB]},
                      text={"Notes": f"contact {BOB.email} for data"})


def _notion() -> list[NotionDatabase]:
    pages = [
        _notion_page(P1, "Vision: defect detection brief", at(5, 1, 8), at(5, 20, 10), "Kickoff", "Approved",
                     "2025-05-03"),
        _notion_page(P2, "Vision: v2 brief", at(5, 10, 9), at(5, 12, 12), "Kickoff", "Approved", None),
    ]
    for i in range(99):  # notes, some approved: never kickoffs
        pages.append(_notion_page(f"0c1d2e3f-0000-4000-8000-{i + 100:012d}", f"Note {i}", at(5, 2) + timedelta(hours=i),
                                  at(5, 25), "Note", "Approved" if i % 3 == 0 else "In progress",
                                  "2025-05-04" if i % 9 == 0 else None))
    return [NotionDatabase(NOTION_DB, "Vision briefs", pages=pages)]


def _basecamp() -> list[BasecampProject]:
    c1_events = [BasecampEvent(at(6, 2, 9), "created", ALICE), BasecampEvent(at(6, 3, 10), "adopted", ALICE)]
    c1_events += [BasecampEvent(at(6, 3, 11) + timedelta(minutes=i), "subscribers_changed", BOB) for i in range(17)]
    c1_events.append(BasecampEvent(at(6, 4, 16), "adopted", BOB))
    c1 = BasecampRecording(C1, "Speech: ASR baseline proposal", at(6, 2, 9), ALICE, column="Approved",
                           events=c1_events)
    c2 = BasecampRecording(C2, "Speech: ideas", at(6, 5, 9), BOB, column="Triage",
                           events=[BasecampEvent(at(6, 5, 9), "created", BOB)])
    kickoff_table = BasecampCardTable(1069479399, "Kickoff", [
        (1069479400, "Triage", "Kanban::Triage"), (1069479402, "In review", "Kanban::Column"),
        (1069479403, "Approved", "Kanban::Column"), (1069479404, "Done", "Kanban::DoneColumn")], [c1, c2])
    bugs = [BasecampRecording(1069483000 + i, f"Bug {i}", at(6, 1) + timedelta(hours=i), BOB, column="Triage",
                              events=[BasecampEvent(at(6, 1) + timedelta(hours=i), "created", BOB)])
            for i in range(16)]
    bugs.append(BasecampRecording(1069483100, "Bug fix plan", at(6, 1), BOB, column="Approved",
                                  events=[BasecampEvent(at(6, 1), "created", BOB),
                                          BasecampEvent(at(6, 2), "adopted", BOB)]))
    bugs_table = BasecampCardTable(1069479500, "Bugs", [(1069479501, "Triage", "Kanban::Triage"),
                                                        (1069479502, "Approved", "Kanban::Column")], bugs)
    d1 = BasecampRecording(D1, "Speech: sign-off of the problem statement", at(6, 10, 8), ALICE, completed=True,
                           events=[BasecampEvent(at(6, 10, 8), "created", ALICE),
                                   BasecampEvent(at(6, 11, 8), "completed", BOB),
                                   BasecampEvent(at(6, 11, 9), "uncompleted", BOB),
                                   BasecampEvent(at(6, 12, 9), "completed", BOB)])
    d2 = BasecampRecording(D2, "Speech: data inventory", at(6, 12, 10), ALICE,
                           events=[BasecampEvent(at(6, 12, 10), "created", ALICE)])
    chore = BasecampRecording(1069480020, "Order microphones", at(6, 3), BOB, completed=True,
                              events=[BasecampEvent(at(6, 3), "created", BOB), BasecampEvent(at(6, 4), "completed", BOB)])
    return [BasecampProject(BUCKET, "Speech recognition", [kickoff_table, bugs_table], todoset_id=1069479340,
                            todolists=[BasecampTodoList(1069479350, "Kickoff", [d1, d2]),
                                       BasecampTodoList(1069479360, "Chores", [chore])])]


def _jira_twin() -> Organisation:
    moves = [(at(3, 4, 10), "Kickoff", "In review"), (at(3, 5, 15, 30), "In review", "Approved"),
             (at(3, 8, 12), "Approved", "In review"), (at(3, 10, 12), "In review", "Approved")]
    issue = JiraIssue("CHJ-1", 20001, "Epic", "Churn model: problem statement", "alice", at(3, 3, 9), "Approved",
                      transitions=[JiraTransition(t, a, b, "bob") for t, a, b in moves], labels=["kickoff"])
    return Organisation(name="trackers-jira", as_of=AS_OF, people=[ALICE, BOB], repos=[], jira_issues=[issue])


CATALOG = {
    "projects": [("churn", "Churn model", "growth"), ("churn-jira", "Churn model (Jira)", "growth"),
                 ("fraud", "Fraud rules", "risk"), ("idle", "Idle project", "risk"),
                 ("speech", "Speech recognition", "voice"), ("vision", "Defect detection", "cv")],
    "mappings": [("churn", "asana_project", ASANA_A), ("churn-jira", "jira_project", "CHJ"),
                 ("fraud", "asana_project", ASANA_B), ("speech", "basecamp_project", str(BUCKET)),
                 # Notion shows ids with and without dashes: the catalog may use either
                 ("vision", "notion_database", NOTION_DB.replace("-", ""))],
}


def _write_catalog(catalog_dir: Path) -> None:
    catalog_dir.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (("projects.csv", ("project_id", "project_name", "team"), CATALOG["projects"]),
                               ("project_mappings.csv", ("project_id", "object_type", "object_key"),
                                CATALOG["mappings"])):
        with open(catalog_dir / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)


# ---------------------------------------------------------------------------------------------
# Load and build once


def _load_everything(recorded: Path, db: Path, pipelines: Path, trackers: Trackers,
                     jira_base_url: str | None) -> dict[str, int]:
    """Load the three trackers (and the Jira twin when its base URL is given) through loopback
    servers replaying the recordings; every request must have been recorded."""
    counts: dict[str, int] = {}
    with serve_cassette([recorded / "asana.jsonl"]) as server:
        counts.update(load_asana(pipelines, db, [ASANA_B, ASANA_A], server.url_for(trackers.asana_base_url)))
        assert server.unmatched == []
    with serve_cassette([recorded / "notion.jsonl"]) as server:
        counts.update(load_notion(pipelines, db, [NOTION_DB], server.url_for(trackers.notion_base_url)))
        assert server.unmatched == []
    with serve_cassette([recorded / "basecamp.jsonl"]) as server:
        counts.update(load_basecamp(pipelines, db, [str(BUCKET)], server.url_for(trackers.basecamp_base_url)))
        assert server.unmatched == []
    if jira_base_url is None:
        return counts
    with serve_cassette([recorded / "jira.jsonl"]) as server:
        source = jira_source(["CHJ"], server.url_for(jira_base_url))
        counts.update(run_source(source, "jira", "raw_jira", pipelines, db))
        assert server.unmatched == []
    return counts


@pytest.fixture(scope="module")
def built() -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_KPIS_PSEUDONYM_SALT", SALT)
        mp.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
        # one folder per run: test runs of several people in one tree must not share a warehouse
        SCRATCH.mkdir(parents=True, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix="trackers-", dir=SCRATCH))
        try:
            yield _write_load_and_build(root)
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _write_load_and_build(root: Path) -> dict[str, Any]:
    recorded, db, pipelines = root / "recorded", root / "warehouse.duckdb", root / ".dlt_pipelines"
    trackers = Trackers(as_of=AS_OF, asana_projects=_asana(), notion_databases=_notion(),
                        basecamp_projects=_basecamp())
    jira_org = _jira_twin()
    write_recorded_pages(jira_org, {}, recorded)
    written = write_tracker_pages(trackers, recorded)
    _write_catalog(root / "catalog")
    first = _load_everything(recorded, db, pipelines, trackers, jira_org.jira_base_url)
    second = _load_everything(recorded, db, pipelines, trackers, None)  # Jira reloads are tested elsewhere
    # the journey marts and everything upstream (every staging model: the sources this
    # warehouse lacks read empty through optional_source), with their tests
    run_dbt(["build", "--select", "+fct_journey_events", "+fct_exploration_cycles", "+dim_projects",
             "--indirect-selection", "cautious"],
            db, root / "catalog", root / "dbt_target", DBT_VARS)
    return {"db": db, "first": first, "second": second, "written": written, "recorded": recorded}


def _query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


# ---------------------------------------------------------------------------------------------
# Raw tables


EXPECTED_COUNTS = {
    "raw_asana.tasks": 101 + 2,  # K_A + 100 features | K_B, F_B
    "raw_asana.task_custom_fields": 2 * 2,  # project B's two fields on its two tasks; A has none
    "raw_asana.stories": 5 + 1 + 3 + 1,  # K_A 4 moves + completion (97 comments dropped) | feature 0 | K_B | F_B
    "raw_notion.pages": 101,
    "raw_notion.page_properties": 101 * 6,  # Type, Status, Approved on, Owner, Notes, Name
    "raw_basecamp.recordings": 2 + 17 + 2 + 1,  # Kickoff cards | Bugs cards | Kickoff to-dos | Chores
    "raw_basecamp.events": 20 + 1 + (16 + 2) + 4 + 1 + 2,
    "raw_jira.issues": 1,
    "raw_jira.issue_changelogs": 4,
}


def test_exact_row_counts_and_a_second_load_adds_nothing(built: dict[str, Any]) -> None:
    assert built["first"] == EXPECTED_COUNTS
    assert built["second"] == {k: v for k, v in EXPECTED_COUNTS.items() if not k.startswith("raw_jira.")}


def test_recordings_page_as_the_apis_do(built: dict[str, Any]) -> None:
    # Asana: 2 task pages (101 tasks) + 1 for project B; stories: K_A 2 pages (102), 102 others 1 each
    # Notion: 2 query pages. Basecamp: project, 2 card tables, 4 + 2 column pages (+1 for 16 Bugs
    # in Triage), 1 to-do lists page, 2 x 2 to-do pages, events 2 pages for C1 and 1 for the 21 others.
    assert built["written"] == {"asana.jsonl": 3 + 2 + 102, "notion.jsonl": 2,
                                "basecamp.jsonl": 1 + 2 + (4 + 2 + 1) + 1 + 4 + (2 + 21)}


def test_asana_values(built: dict[str, Any]) -> None:
    db = built["db"]
    task = _query(db, "select project_gid, section_name, tags, completed, assignee_id, created_at, completed_at "
                      "from raw_asana.tasks where gid = ?", [K_A])
    assert task == [(ASANA_A, "Approved", "", True, person_id(ALICE.email, SALT), at(3, 3, 9), at(3, 11, 9))]
    moves = _query(db, "select old_section, new_section, created_by_id from raw_asana.stories "
                       "where task_gid = ? and resource_subtype = 'section_changed' order by created_at", [K_A])
    assert moves == [("Kickoff", "In review", person_id(ALICE.email, SALT)),
                     ("In review", "Approved", person_id(BOB.email, SALT)),
                     ("Approved", "In review", person_id(BOB.email, SALT)),
                     ("In review", "Approved", person_id(BOB.email, SALT))]
    fields = _query(db, "select custom_field_name, field_type, enum_value from raw_asana.task_custom_fields "
                        "where task_gid = ? order by 1", [K_B])
    assert fields == [("Approval", "enum", "Approved"), ("Type", "enum", "Kickoff")]
    changes = _query(db, "select old_value, new_value from raw_asana.stories where task_gid = ? order by created_at",
                     [K_B])
    assert changes == [(None, "Pending"), ("Pending", "Rejected"), ("Rejected", "Approved")]


def test_notion_values(built: dict[str, Any]) -> None:
    db = built["db"]
    page = _query(db, "select database_id, title, created_time, last_edited_time, created_by_id "
                      "from raw_notion.pages where id = ?", [P2])
    assert page == [(NOTION_DB, "Vision: v2 brief", at(5, 10, 9), at(5, 12, 12),
                     person_id(f"{_notion_user_id(ALICE)}", SALT))]
    props = dict((name, (kind, text, start)) for name, kind, text, start in _query(
        db, "select property_name, property_type, value_text, value_start from raw_notion.page_properties "
            "where page_id = ?", [P1]))
    assert props["Approved on"] == ("date", "2025-05-03", at(5, 3))
    assert props["Status"] == ("status", "Approved", None)
    assert props["Type"] == ("select", "Kickoff", None)
    assert props["Owner"] == ("people", f"{person_id(ALICE.email, SALT)},{person_id(BOB.email, SALT)}", None)
    assert props["Notes"] == ("rich_text", f"contact {person_id(BOB.email, SALT)} for data", None)


def _notion_user_id(person: Person) -> str:
    from ingest.demo.write_trackers import NotionPages

    return NotionPages.user(person)["id"]


def test_basecamp_values(built: dict[str, Any]) -> None:
    db = built["db"]
    rows = _query(db, "select id, recording_type, parent_title, container_title, completed, creator_id "
                      "from raw_basecamp.recordings where id in (?, ?, ?) order by id", [D1, C1, C2])
    assert rows == [
        (D1, "Todo", "Kickoff", "Kickoff", True, person_id(ALICE.email, SALT)),
        (C1, "Kanban::Card", "Approved", "Kickoff", False, person_id(ALICE.email, SALT)),
        (C2, "Kanban::Card", "Triage", "Kickoff", False, person_id(BOB.email, SALT)),
    ]
    moves = _query(db, "select created_at from raw_basecamp.events where recording_id = ? and action = 'adopted' "
                       "order by created_at", [C1])
    assert moves == [(at(6, 3, 10),), (at(6, 4, 16),)]


def test_no_identity_is_stored(built: dict[str, Any]) -> None:
    forbidden = [w.lower() for p in (ALICE, BOB) for w in (p.email, p.name, p.name.split()[0])]
    leaks = []
    with duckdb.connect(str(built["db"]), read_only=True) as con:
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where table_schema in ('raw_asana', 'raw_notion', 'raw_basecamp') "
                              "and data_type = 'VARCHAR' and column_name not like '\\_dlt%' escape '\\'").fetchall()
        for schema, table, column in columns:
            values = con.execute(f'select distinct "{column}" from "{schema}"."{table}" '
                                 f'where "{column}" is not null').fetchall()
            leaks += [(schema, table, column, value) for (value,) in values
                      if "@" in str(value) or any(word in str(value).lower() for word in forbidden)]
    assert len(columns) > 20 and leaks == []


# ---------------------------------------------------------------------------------------------
# Journey events and marts


def test_kickoffs_and_approvals_are_journey_events(built: dict[str, Any]) -> None:
    rows = _query(built["db"], "select project_id, t_code, source_system, source_record_id, occurred_at "
                               "from marts.fct_journey_events where t_code in ('T1', 'T3') "
                               "order by project_id, t_code, occurred_at")
    assert rows == [
        ("churn", "T1", "asana", K_A, _naive(at(3, 3, 9))),
        ("churn", "T3", "asana", K_A, _naive(at(3, 5, 15, 30))),  # the first move into Approved
        ("churn-jira", "T1", "jira", "CHJ-1", _naive(at(3, 3, 9))),
        ("churn-jira", "T3", "jira", "CHJ-1", _naive(at(3, 5, 15, 30))),
        ("fraud", "T1", "asana", K_B, _naive(at(4, 1, 12))),
        ("fraud", "T3", "asana", K_B, _naive(at(4, 4, 18))),  # Approval field set to Approved
        ("speech", "T1", "basecamp", str(C1), _naive(at(6, 2, 9))),
        ("speech", "T1", "basecamp", str(C2), _naive(at(6, 5, 9))),
        ("speech", "T1", "basecamp", str(D1), _naive(at(6, 10, 8))),
        ("speech", "T1", "basecamp", str(D2), _naive(at(6, 12, 10))),
        ("speech", "T3", "basecamp", str(C1), _naive(at(6, 4, 16))),  # latest column move, now in Approved
        ("speech", "T3", "basecamp", str(D1), _naive(at(6, 11, 8))),  # first completion
        ("vision", "T1", "notion", P1, _naive(at(5, 1, 8))),
        ("vision", "T1", "notion", P2, _naive(at(5, 10, 9))),
        ("vision", "T3", "notion", P1, _naive(at(5, 3))),  # "Approved on" 2025-05-03
        ("vision", "T3", "notion", P2, _naive(at(5, 12, 12))),  # last edit while Approved
    ]


def test_how_each_approval_was_read(built: dict[str, Any]) -> None:
    notion = _query(built["db"], "select source_record_id, approval_method from intermediate.int_notion_kickoffs_identified "
                                 "order by 1")
    assert notion == [(P1, "approval_date_property"), (P2, "last_edited_time_upper_bound")]
    basecamp = _query(built["db"], "select source_record_id, approval_method from "
                                   "intermediate.int_basecamp_kickoffs_identified order by 1")
    assert basecamp == [(str(D1), "completed"), (str(D2), None), (str(C1), "moved_to_approval_column"),
                        (str(C2), None)]


def test_exploration_cycles_from_hand_worked_times(built: dict[str, Any]) -> None:
    rows = _query(built["db"], "select project_id, exploration_cycle, cycle_started_at, baseline_at, "
                               "time_to_baseline_hours, is_exploring, baseline_to_bootstrap_hours, "
                               "concept_to_production_hours from marts.fct_exploration_cycles order by project_id")
    assert rows == [
        ("churn", 1, _naive(at(3, 3, 9)), _naive(at(3, 5, 15, 30)), 54.5, True, None, None),  # 48 + 6.5
        ("churn-jira", 1, _naive(at(3, 3, 9)), _naive(at(3, 5, 15, 30)), 54.5, True, None, None),
        ("fraud", 1, _naive(at(4, 1, 12)), _naive(at(4, 4, 18)), 78.0, True, None, None),  # 72 + 6
        ("speech", 1, _naive(at(6, 2, 9)), _naive(at(6, 4, 16)), 55.0, True, None, None),  # 48 + 7
        ("vision", 1, _naive(at(5, 1, 8)), _naive(at(5, 3)), 40.0, True, None, None),  # 48 - 8
    ]


def test_swapping_jira_for_asana_changes_no_mart_value(built: dict[str, Any]) -> None:
    """Every column of the exploration-cycle row, less the ids, is the same for churn (Asana)
    and its Jira twin."""
    with duckdb.connect(str(built["db"]), read_only=True) as con:
        cursor = con.execute("select * from marts.fct_exploration_cycles where project_id in ('churn', 'churn-jira') "
                             "order by project_id")
        names = [d[0] for d in cursor.description]
        asana, jira = (dict(zip(names, row)) for row in cursor.fetchall())
    for row in (asana, jira):
        for key in ("cycle_id", "project_id", "kickoff_record_id"):
            row.pop(key)
    assert asana == jira


def test_dim_projects_phase(built: dict[str, Any]) -> None:
    rows = _query(built["db"], "select project_id, current_phase, current_step, exploration_cycles, first_kickoff_at "
                               "from marts.dim_projects order by project_id")
    assert rows == [
        ("churn", "exploration", "BASELINE", 1, _naive(at(3, 3, 9))),
        ("churn-jira", "exploration", "BASELINE", 1, _naive(at(3, 3, 9))),
        ("fraud", "exploration", "BASELINE", 1, _naive(at(4, 1, 12))),
        ("idle", "no telemetry", None, 0, None),
        ("speech", "exploration", "BASELINE", 1, _naive(at(6, 2, 9))),
        ("vision", "exploration", "BASELINE", 1, _naive(at(5, 1, 8))),
    ]


# ---------------------------------------------------------------------------------------------
# Pure parsing and edge cases (no warehouse)


def test_asana_section_move_falls_back_to_the_story_text() -> None:
    story = {"gid": "1", "created_at": "2025-03-05T15:30:00.000Z", "resource_subtype": "section_changed",
             "text": 'moved this task from "In review" to "Approved" in Churn model'}
    row = parse_asana_story(story, "9", SALT)
    assert row is not None and (row["old_section"], row["new_section"]) == ("In review", "Approved")
    assert parse_asana_story({"gid": "2", "resource_subtype": "comment_added", "text": "hi"}, "9", SALT) is None


def test_notion_times_and_private_values() -> None:
    # a time without offset is in the date's time_zone: 10:00 in Berlin (CEST, +2) is 08:00 UTC
    text, start, end = property_value({"type": "date", "date": {"start": "2025-05-03T10:00:00.000",
                                                                "end": None, "time_zone": "Europe/Berlin"}})
    assert (text, start, end) == ("2025-05-03T10:00:00.000", at(5, 3, 8), None)
    assert property_value({"type": "date", "date": {"start": "2025-05-03T10:00:00.000+01:00", "end": None,
                                                    "time_zone": None}})[1] == at(5, 3, 9)
    assert property_value({"type": "phone_number", "phone_number": "+44 20 7946 0000"}) == (None, None, None)
    assert property_value({"type": "email", "email": ALICE.email}, SALT)[0] == person_id(ALICE.email, SALT)
    assert property_value({"type": "checkbox", "checkbox": True})[0] == "true"


def test_basecamp_reads_only_enabled_tools() -> None:
    project = {"dock": [{"name": "kanban_board", "id": 1, "enabled": True},
                        {"name": "kanban_board", "id": 2, "enabled": False},
                        {"name": "todoset", "id": 3, "enabled": True}]}
    assert [t["id"] for t in dock_tools(project, "kanban_board")] == [1]


def test_catalog_names_what_to_load(tmp_path: Path) -> None:
    _write_catalog(tmp_path)
    assert catalog_keys(tmp_path, "asana_project") == [ASANA_A, ASANA_B]
    assert catalog_keys(tmp_path, "basecamp_project") == [str(BUCKET)]
    assert catalog_keys(tmp_path, "notion_database") == [NOTION_DB.replace("-", "")]


def test_an_unrecorded_project_fails_the_load(built: dict[str, Any], tmp_path: Path) -> None:
    """A drift between the recordings and the loader is an error naming the request, not "no data"."""
    session = replay_session([built["recorded"] / "basecamp.jsonl"])
    with pytest.raises(Exception) as caught:
        load_basecamp(tmp_path, tmp_path / "w.duckdb", ["999"], "https://3.basecampapi.com/5550001", session=session)
    assert "no recorded response" in str(caught.value)
    assert "GET https://3.basecampapi.com/5550001/projects/999.json" in str(caught.value)


def test_no_projects_load_nothing(tmp_path: Path) -> None:
    assert load_asana(tmp_path, tmp_path / "w.duckdb", [], "http://127.0.0.1:9") == {}
    assert load_notion(tmp_path, tmp_path / "w.duckdb", [], "http://127.0.0.1:9") == {}
    assert load_basecamp(tmp_path, tmp_path / "w.duckdb", [], "http://127.0.0.1:9") == {}
    assert not (tmp_path / "w.duckdb").exists()


def test_bearer_token_is_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The token (argument, else secret ``sources.<name>.token``) goes out as a Bearer header."""
    import requests

    from ingest.asana import asana_client, asana_paginator

    seen: list[str | None] = []

    class Capture(requests.adapters.BaseAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            seen.append(request.headers.get("Authorization"))
            response = requests.Response()
            response.status_code, response._content = 200, b'{"data": [], "next_page": null}'
            response.headers["Content-Type"] = "application/json"
            response.request, response.url = request, request.url or ""
            return response

        def close(self) -> None:
            """Nothing to release."""

    session = requests.Session()
    session.mount("https://", Capture())
    monkeypatch.setenv("SOURCES__ASANA__TOKEN", "from-secrets")
    list(asana_client("https://app.asana.com/api/1.0", session, "pat-1").paginate(
        "/projects/1/tasks", paginator=asana_paginator(), data_selector="data"))
    from ingest.asana import asana_source

    pipeline = dlt.pipeline("bearer", destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
                            dataset_name="raw_asana", pipelines_dir=str(tmp_path / ".dlt"))
    pipeline.extract(asana_source(["1"], session=session).with_resources("tasks"))
    assert seen == ["Bearer pat-1", "Bearer from-secrets"]
