"""Cassettes: the matching rule, the requests adapter, the loopback server, and the pages writer.

The organisation here is tiny and its shas are fake (no git is written): these tests are about
the recorded HTTP conversation, not about history.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from ingest.demo.model import (
    Commit,
    Deployment,
    DeploymentStatus,
    GitHubIssue,
    JiraIssue,
    JiraTransition,
    MlflowExperiment,
    MlflowRun,
    ModelVersion,
    Organisation,
    Person,
    PullRequest,
    RegisteredModel,
    Repo,
)
from ingest.demo.write_pages import client_url, write_recorded_pages
from ingest.replay import (
    Cassette,
    InjectedFailure,
    UnmatchedRequestError,
    replay_session,
    request_key,
    serve_cassette,
)

UTC = timezone.utc
AS_OF = datetime(2026, 4, 30, 18, 0, tzinfo=UTC)
N_ISSUES = 205  # three GitHub pages: 100, 100, 5


def tiny_org() -> Organisation:
    t = datetime(2025, 6, 3, 9, 15, tzinfo=timezone(timedelta(hours=1)))
    people = [Person("ann", "Ann Other", "ann@example.org", "ann-gh")]
    repo = Repo("svc", "acme-ml/svc", [Commit("c0", "root\n", "ann", t), Commit("c1", "next\n", "ann", t, ["c0"])],
                branches={"main": "c1"})
    return Organisation(
        name="acme-ml", as_of=AS_OF, people=people, repos=[repo],
        pull_requests=[PullRequest("svc", 1, "One", "ann", "feature/one", ["c1"], t)],
        deployments=[Deployment("svc", 77, "c1", "production", t, [DeploymentStatus("success", t)], "ann",
                                model_name="m", model_version="4")],
        github_issues=[GitHubIssue("svc", 100 + i, f"Issue {i}", "ann", t + timedelta(minutes=i))
                       for i in range(N_ISSUES - 1)],
        jira_issues=[JiraIssue("SVC-1", 10001, "Story", "A story", "ann", t, "In Progress",
                               transitions=[JiraTransition(t + timedelta(hours=1), "To Do", "In Progress", "ann")])],
        experiments=[MlflowExperiment("5", "svc/train", t)],
        runs=[MlflowRun("a" * 32, "5", "r1", "ann", t, t + timedelta(minutes=1), metrics={"loss": 0.5})],
        registered_models=[RegisteredModel("m", t, aliases={"prod": 4})],
        model_versions=[ModelVersion("m", 4, t, "a" * 32)],
    )


FAKE_SHAS = {"svc": {"c0": "0" * 40, "c1": "1" * 40}}


@pytest.fixture()
def recorded(tmp_path: Path) -> Path:
    out = tmp_path / "recorded"
    write_recorded_pages(tiny_org(), FAKE_SHAS, out)
    return out


def _entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------------------------------------
# the matching rule


def test_ignorable_params_and_first_page_markers_do_not_matter() -> None:
    base = request_key("GET", "https://api.github.com/repos/o/r/pulls")
    assert request_key("GET", "https://api.github.com/repos/o/r/pulls?state=all&per_page=100&sort=created"
                              "&direction=asc&page=1") == base
    assert request_key("GET", "https://api.github.com/repos/o/r/pulls?page=2") != base
    changelog = request_key("GET", "https://x.atlassian.net/rest/api/3/issue/A-1/changelog")
    assert request_key("GET", "https://x.atlassian.net/rest/api/3/issue/A-1/changelog?startAt=0&maxResults=100") \
        == changelog
    assert request_key("GET", "https://x.atlassian.net/rest/api/3/issue/A-1/changelog?startAt=100") != changelog
    search = request_key("GET", "https://x.atlassian.net/rest/api/3/search/jql?jql=project+in+%28A%29&fields=%2Aall")
    assert request_key("GET", "https://x.atlassian.net/rest/api/3/search/jql?nextPageToken=") == search
    assert request_key("GET", "https://x.atlassian.net/rest/api/3/search/jql?nextPageToken=abc") != search


def test_post_body_keys_are_significant_except_ignorable_ones() -> None:
    url = "http://mlflow:5000/api/2.0/mlflow/runs/search"
    one = request_key("POST", url, {"experiment_ids": ["1"], "max_results": 1000})
    assert request_key("POST", url, {"experiment_ids": ["1"], "max_results": 5, "page_token": ""}) == one
    assert request_key("POST", url, {"experiment_ids": ["2"], "max_results": 1000}) != one
    assert request_key("POST", url, {"experiment_ids": ["1"], "page_token": "eyJ"}) != one
    assert request_key("GET", url + "?max_results=1000") != one  # the method counts


def test_host_and_scheme_count_unless_ignored() -> None:
    a = request_key("GET", "https://api.github.com/repos/o/r/releases")
    assert request_key("GET", "https://API.github.com/repos/o/r/releases") == a
    assert request_key("GET", "http://api.github.com/repos/o/r/releases") != a
    assert request_key("GET", "http://127.0.0.1:1/repos/o/r/releases", ignore_host=True) == \
        request_key("GET", "https://api.github.com/repos/o/r/releases", ignore_host=True)


# ---------------------------------------------------------------------------------------------
# the requests adapter


def test_adapter_serves_status_headers_and_body(recorded: Path) -> None:
    session = replay_session([recorded / "github.jsonl"])
    response = session.get("https://api.github.com/repos/acme-ml/svc/deployments", params={"per_page": 100})
    assert isinstance(response, requests.Response)
    assert response.status_code == 200 and response.reason == "OK"
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["Date"] == "Thu, 30 Apr 2026 18:00:00 GMT"
    assert int(response.headers["Content-Length"]) == len(response.content)
    [deployment] = response.json()
    assert deployment["payload"] == {"model_name": "m", "model_version": "4"}
    assert deployment["sha"] == "1" * 40 and deployment["creator"]["login"] == "ann-gh"


def test_adapter_raises_a_clear_error_for_an_unmatched_request(recorded: Path) -> None:
    session = replay_session([recorded])
    with pytest.raises(UnmatchedRequestError) as caught:
        session.post("http://mlflow.acme-ml.internal:5000/api/2.0/mlflow/runs/search",
                     json={"experiment_ids": ["999"], "max_results": 1000})
    message = str(caught.value)
    assert str(recorded / "mlflow.jsonl") in message
    assert "POST http://mlflow.acme-ml.internal:5000/api/2.0/mlflow/runs/search" in message
    assert caught.value.method == "POST"


def test_malformed_cassette_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"request": {"method": "GET", "url": "https://h/x"}, "response": {"status": 200}}\nnot json\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        Cassette.load(path)


# ---------------------------------------------------------------------------------------------
# the pages writer


def test_writer_is_deterministic(tmp_path: Path) -> None:
    write_recorded_pages(tiny_org(), FAKE_SHAS, tmp_path / "a")
    write_recorded_pages(tiny_org(), FAKE_SHAS, tmp_path / "b")
    for name in ("github.jsonl", "jira.jsonl", "mlflow.jsonl", "sources.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert json.loads((tmp_path / "a" / "sources.json").read_text()) == {
        "github_base_url": "https://api.github.com",
        "jira_base_url": "https://acme-ml.atlassian.net",
        "mlflow_base_url": "http://mlflow.acme-ml.internal:5000",
    }


def test_github_pages_are_exactly_page_sized_with_link_headers(recorded: Path) -> None:
    entries = [e for e in _entries(recorded / "github.jsonl") if "/issues" in e["request"]["url"]]
    first = client_url("https://api.github.com/repos/acme-ml/svc/issues", {"state": "all", "per_page": 100})
    assert [e["request"]["url"] for e in entries] == [first, first + "&page=2", first + "&page=3"]
    assert [len(e["response"]["body"]) for e in entries] == [100, 100, 5]  # 204 issues + 1 pull request
    rels = [requests.utils.parse_header_links(e["response"]["headers"]["Link"]) for e in entries]
    assert [[link["rel"] for link in r] for r in rels] == [["next", "last"], ["prev", "next", "last", "first"],
                                                          ["prev", "first"]]
    bodies = [item for e in entries for item in e["response"]["body"]]
    created = [item["created_at"] for item in bodies]
    assert created == sorted(created, reverse=True)  # newest first, as the API lists
    assert sum("pull_request" in item for item in bodies) == 1
    remaining = [int(e["response"]["headers"]["X-RateLimit-Remaining"]) for e in _entries(recorded / "github.jsonl")]
    assert remaining == list(range(4999, 4999 - len(remaining), -1))


def test_jira_and_mlflow_pages_are_shaped_as_the_apis(recorded: Path) -> None:
    search, changelog = _entries(recorded / "jira.jsonl")
    issue = search["response"]["body"]["issues"][0]
    assert issue["fields"]["created"] == "2025-06-03T09:15:00.000+0100"
    assert issue["fields"]["status"]["statusCategory"]["key"] == "indeterminate"
    assert search["response"]["body"]["isLast"] is True and "nextPageToken" not in search["response"]["body"]
    assert changelog["request"]["url"] == \
        "https://acme-ml.atlassian.net/rest/api/3/issue/SVC-1/changelog?startAt=0&maxResults=100"
    assert changelog["response"]["body"]["total"] == 1
    mlflow = {e["request"]["url"].split("/mlflow/")[1].split("?")[0]: e for e in _entries(recorded / "mlflow.jsonl")}
    [version] = mlflow["model-versions/search"]["response"]["body"]["model_versions"]
    assert version["version"] == "4" and version["aliases"] == ["prod"]
    [run] = mlflow["runs/search"]["response"]["body"]["runs"]
    assert run["info"]["start_time"] == 1748938500000  # 2025-06-03T08:15:00Z in epoch ms
    assert mlflow["runs/search"]["request"]["json"] == {"experiment_ids": ["5"], "max_results": 1000}


# ---------------------------------------------------------------------------------------------
# the loopback server


def test_server_replays_and_rewrites_link_hosts(recorded: Path) -> None:
    with serve_cassette([recorded]) as server:
        base = server.url_for("https://api.github.com")
        params: dict[str, str | int] = {"state": "all", "per_page": 100}
        page = requests.get(f"{base}/repos/acme-ml/svc/issues", params=params, timeout=5)
        assert page.status_code == 200 and len(page.json()) == 100
        assert page.headers["Date"] == "Thu, 30 Apr 2026 18:00:00 GMT"
        next_url = page.links["next"]["url"]
        assert next_url.startswith(server.base_url + "/repos/acme-ml/svc/issues?")
        assert len(requests.get(next_url, timeout=5).json()) == 100
        post = requests.post(server.url_for("http://mlflow.acme-ml.internal:5000") + "/api/2.0/mlflow/runs/search",
                             json={"experiment_ids": ["5"], "max_results": 1000}, timeout=5)
        assert post.json()["runs"][0]["info"]["run_id"] == "a" * 32


def test_server_injects_scripted_failures_before_the_page(recorded: Path) -> None:
    reset = int(AS_OF.timestamp()) + 60
    failures = {"/repos/acme-ml/svc/releases": [InjectedFailure.too_many_requests(retry_after_seconds=2),
                                                InjectedFailure.rate_limit_exhausted(reset_epoch=reset)]}
    with serve_cassette([recorded], failures=failures) as server:
        url = server.url_for("https://api.github.com") + "/repos/acme-ml/svc/releases?per_page=100"
        first, second, third = (requests.get(url, timeout=5) for _ in range(3))
    assert (first.status_code, first.headers["Retry-After"]) == (429, "2")
    assert second.status_code == 403
    assert second.headers["X-RateLimit-Remaining"] == "0" and second.headers["X-RateLimit-Reset"] == str(reset)
    assert third.status_code == 200 and third.json() == []
    assert [status for _, _, status in server.requests_seen] == [429, 403, 200]


def test_server_answers_unmatched_requests_with_404_naming_the_cassettes(recorded: Path) -> None:
    with serve_cassette([recorded / "github.jsonl"]) as server:
        response = requests.get(server.base_url + "/repos/acme-ml/other/pulls", timeout=5)
    assert response.status_code == 404
    assert "github.jsonl" in response.json()["message"] and "GET" in response.json()["message"]
    assert server.unmatched == [("GET", server.base_url + "/repos/acme-ml/other/pulls")]


def test_live_mode_source_retries_through_the_loopback_server(recorded: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The MLflow source with its default (retrying) session, over real HTTP, after a 429."""
    import dlt

    from ingest.mlflow_tracking import mlflow_source

    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    failures = {"/api/2.0/mlflow/experiments/search": [InjectedFailure.too_many_requests(retry_after_seconds=1)]}
    with serve_cassette([recorded], failures=failures) as server:
        pipeline = dlt.pipeline("live_mlflow", destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
                                dataset_name="raw_mlflow", pipelines_dir=str(tmp_path / ".dlt"))
        started = time.monotonic()
        pipeline.run(mlflow_source(server.url_for("http://mlflow.acme-ml.internal:5000")))
        assert time.monotonic() - started < 30
        statuses = [status for _, _, status in server.requests_seen]
    assert statuses[0] == 429 and statuses[1] == 200
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw_mlflow.runs").fetchone() == (1,)
        assert con.execute("select version from raw_mlflow.model_aliases").fetchone() == (4,)


def test_offline_session_never_reaches_the_network(recorded: Path) -> None:
    session = replay_session([recorded / "jira.jsonl"])
    with pytest.raises(UnmatchedRequestError, match=r"jira\.jsonl for GET https://example\.invalid/x"):
        session.get("https://example.invalid/x")
