"""Serve recorded API responses ("cassettes") to the production client code.

The loaders talk to GitHub, Jira and MLflow through ``requests`` (via dlt's ``RESTClient``).
To run exactly that code without the live systems, a cassette written by
``ingest.demo.write_pages`` (format and matching rule: docs/data-contracts.md, section 2) is
served either

* in-process, by mounting a :class:`ReplayAdapter` on a ``requests.Session`` (recorded mode), or
* over real HTTP, by :func:`serve_cassette`, a loopback server in a thread (tests of the live
  mode: real sockets, retries, rate-limit handling). It can inject scripted failures (a 429 with
  ``Retry-After``, a 403 with ``X-RateLimit-Remaining: 0``) before the real page.

A request matches an entry when the method, the scheme+host+path and the *significant*
parameters agree: the query parameters plus, for POST, the top-level JSON body keys, less the
ignorable ones; a first-page marker (``page=1``, ``startAt=0``, an empty token) counts as absent.
An unmatched request is an error that names the cassette file(s), the method and the URL, so a
drift between writer and loader is found at once rather than read as "no data".
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict

log = logging.getLogger(__name__)

#: Parameters that do not select *which* records a page holds (page size, order, projection).
IGNORABLE_PARAMS: frozenset[str] = frozenset(
    {
        "per_page",
        "maxResults",
        "max_results",
        "sort",
        "direction",
        "state",
        "fields",
        "expand",
        "order_by",
        "jql",
        "filter",
    }
)

#: A parameter with this value asks for the first page, the same as leaving it out.
FIRST_PAGE_MARKERS: Mapping[str, str] = {"page": "1", "startAt": "0"}

# (method, "scheme://host" or "" when the host is ignored, unquoted path, significant params)
RequestKey = tuple[str, str, str, tuple[tuple[str, str], ...]]


class UnmatchedRequestError(LookupError):
    """A request that no cassette entry answers: the writer and the client disagree."""

    def __init__(self, method: str, url: str, cassette_files: Sequence[Path | str]) -> None:
        self.method = method
        self.url = url
        self.cassette_files = [str(p) for p in cassette_files]
        files = ", ".join(self.cassette_files) or "<no cassette>"
        super().__init__(f"no recorded response in {files} for {method} {url}")


@dataclass(frozen=True)
class RecordedResponse:
    """A response as the cassette holds it; ``body`` is JSON data (or text)."""

    status: int
    headers: dict[str, str]
    body: Any

    def content(self) -> bytes:
        """The body bytes on the wire: JSON compactly serialised, text as UTF-8."""
        if self.body is None:
            return b""
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class CassetteEntry:
    method: str
    url: str
    json: Any
    response: RecordedResponse


def _is_first_page_marker(name: str, value: str) -> bool:
    if FIRST_PAGE_MARKERS.get(name) == value:
        return True
    return "token" in name.lower() and value == ""


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def significant_params(url: str, json_body: Any = None, method: str = "GET") -> tuple[tuple[str, str], ...]:
    """The parameters that select the page's records, sorted, as (name, value) text pairs."""
    pairs: list[tuple[str, str]] = []
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        pairs.append((name, value))
    if method.upper() == "POST" and isinstance(json_body, dict):
        for name, value in json_body.items():
            if value is None:
                value = ""
            pairs.append((name, value if isinstance(value, str) else _canonical_json(value)))
    return tuple(
        sorted(
            (name, value)
            for name, value in pairs
            if name not in IGNORABLE_PARAMS and not _is_first_page_marker(name, value)
        )
    )


def request_key(method: str, url: str, json_body: Any = None, *, ignore_host: bool = False) -> RequestKey:
    """The matching key of a request (see the module docstring for the rule)."""
    parts = urlsplit(url)
    origin = "" if ignore_host else f"{parts.scheme.lower()}://{parts.netloc.lower()}"
    path = unquote(parts.path) or "/"
    return (method.upper(), origin, path, significant_params(url, json_body, method))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _request_json(body: bytes | str | None) -> Any:
    """The JSON body of a request, or None when it has none (or it is not JSON)."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Cassette:
    """The entries of one cassette file, indexed by their matching key."""

    path: Path
    entries: list[CassetteEntry]
    _by_key: dict[RequestKey, CassetteEntry] = field(default_factory=dict, repr=False)
    _by_hostless_key: dict[RequestKey, CassetteEntry] = field(default_factory=dict, repr=False)
    origins: frozenset[str] = field(default=frozenset(), init=False)

    def __post_init__(self) -> None:
        #: the ``scheme://host`` prefixes the cassette was recorded against
        self.origins = frozenset(_origin(entry.url) for entry in self.entries)
        for entry in self.entries:
            key = request_key(entry.method, entry.url, entry.json)
            if key in self._by_key:
                log.warning("%s: duplicate recording of %s %s, keeping the first", self.path, entry.method, entry.url)
                continue
            self._by_key[key] = entry
            self._by_hostless_key.setdefault(
                request_key(entry.method, entry.url, entry.json, ignore_host=True), entry
            )

    @classmethod
    def load(cls, path: Path | str) -> Cassette:
        """Read a JSON-lines cassette; a malformed line is an error naming file and line."""
        path = Path(path)
        entries: list[CassetteEntry] = []
        with path.open(encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                    req, resp = raw["request"], raw["response"]
                    entries.append(
                        CassetteEntry(
                            method=str(req["method"]).upper(),
                            url=str(req["url"]),
                            json=req.get("json"),
                            response=RecordedResponse(
                                status=int(resp["status"]),
                                headers={str(k): str(v) for k, v in (resp.get("headers") or {}).items()},
                                body=resp.get("body"),
                            ),
                        )
                    )
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}:{line_no}: not a cassette entry ({exc})") from exc
        log.debug("loaded %d recorded responses from %s", len(entries), path)
        return cls(path=path, entries=entries)

    def find(self, method: str, url: str, json_body: Any = None, *, ignore_host: bool = False) -> CassetteEntry | None:
        key = request_key(method, url, json_body, ignore_host=ignore_host)
        return (self._by_hostless_key if ignore_host else self._by_key).get(key)


def load_cassettes(sources: Iterable[Cassette | Path | str]) -> list[Cassette]:
    """Cassettes from loaded values, files, or folders (every ``*.jsonl`` in them, sorted)."""
    cassettes: list[Cassette] = []
    for source in sources:
        if isinstance(source, Cassette):
            cassettes.append(source)
            continue
        path = Path(source)
        if path.is_dir():
            cassettes.extend(Cassette.load(p) for p in sorted(path.glob("*.jsonl")))
        else:
            cassettes.append(Cassette.load(path))
    return cassettes


def find_response(
    cassettes: Sequence[Cassette], method: str, url: str, json_body: Any = None, *, ignore_host: bool = False
) -> RecordedResponse:
    """The recorded response for a request, or :class:`UnmatchedRequestError`."""
    origin = _origin(url)
    candidates = cassettes if ignore_host else [c for c in cassettes if origin in c.origins]
    for cassette in candidates:
        entry = cassette.find(method, url, json_body, ignore_host=ignore_host)
        if entry is not None:
            return entry.response
    raise UnmatchedRequestError(method, url, [c.path for c in (candidates or cassettes)])


class ReplayAdapter(BaseAdapter):
    """A ``requests`` transport answering from cassettes instead of the network.

    Mount it on a session for the cassettes' hosts (:func:`replay_session` does so); the client
    code above it (dlt's RESTClient, paginators, response hooks) runs unchanged.
    """

    def __init__(self, cassettes: Iterable[Cassette | Path | str]) -> None:
        super().__init__()
        self.cassettes = load_cassettes(cassettes)

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        method = (request.method or "GET").upper()
        url = request.url or ""
        body = request.body if isinstance(request.body, (bytes, str)) else None
        recorded = find_response(self.cassettes, method, url, _request_json(body))
        return build_response(request, recorded)

    def close(self) -> None:
        """Nothing to release: no sockets are opened."""


def build_response(request: PreparedRequest, recorded: RecordedResponse) -> requests.Response:
    """A real ``requests.Response`` carrying the recorded status, headers and body."""
    response = requests.Response()
    response.status_code = recorded.status
    try:
        response.reason = HTTPStatus(recorded.status).phrase
    except ValueError:
        response.reason = ""
    content = recorded.content()
    headers = CaseInsensitiveDict(recorded.headers)
    headers["Content-Length"] = str(len(content))
    response.headers = headers
    response._content = content
    response.encoding = requests.utils.get_encoding_from_headers(headers) or "utf-8"
    response.url = request.url or ""
    response.request = request
    return response


def replay_session(
    cassettes: Iterable[Cassette | Path | str], session: requests.Session | None = None, *, offline: bool = True
) -> requests.Session:
    """A session (new or given) whose requests to the cassettes' hosts are answered by them.

    ``offline`` (the default) also routes every other URL to the replay, so a request to a
    host the cassettes do not know fails with :class:`UnmatchedRequestError` instead of
    reaching the network.
    """
    session = session or requests.Session()
    adapter = ReplayAdapter(cassettes)
    prefixes = sorted({o + "/" for c in adapter.cassettes for o in c.origins})
    if offline:
        prefixes += ["http://", "https://"]
    for prefix in prefixes:
        session.mount(prefix, adapter)
    return session


# ---------------------------------------------------------------------------------------------
# Loopback server


@dataclass(frozen=True)
class InjectedFailure:
    """A scripted error response served once, before the real page of a path."""

    status: int
    headers: dict[str, str]
    body: Any

    @classmethod
    def too_many_requests(cls, retry_after_seconds: int = 1) -> InjectedFailure:
        """A 429 with ``Retry-After`` (secondary rate limit / MLflow, Jira throttling)."""
        return cls(
            status=429,
            headers={"Content-Type": "application/json; charset=utf-8", "Retry-After": str(retry_after_seconds)},
            body={"message": "You have exceeded a secondary rate limit. "
                             "Please wait a few minutes before you try again."},
        )

    @classmethod
    def rate_limit_exhausted(cls, reset_epoch: int, limit: int = 5000) -> InjectedFailure:
        """GitHub's primary rate limit: 403 with ``X-RateLimit-Remaining: 0`` and the reset time."""
        return cls(
            status=403,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Used": str(limit),
                "X-RateLimit-Reset": str(reset_epoch),
                "X-RateLimit-Resource": "core",
            },
            body={
                "message": "API rate limit exceeded for user.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            },
        )


@dataclass
class ReplayServer:
    """State of a running loopback server, as handed out by :func:`serve_cassette`."""

    base_url: str
    cassettes: list[Cassette]
    failures: dict[str, list[InjectedFailure]]
    requests_seen: list[tuple[str, str, int]] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def url_for(self, recorded_base_url: str) -> str:
        """The server's URL standing in for a recorded base URL (its path prefix kept)."""
        path = urlsplit(recorded_base_url).path.rstrip("/")
        return self.base_url + path

    def _next_failure(self, path: str) -> InjectedFailure | None:
        with self._lock:
            queue = self.failures.get(path)
            return queue.pop(0) if queue else None

    def _rewrite_hosts(self, value: str) -> str:
        for cassette in self.cassettes:
            for origin in cassette.origins:
                value = value.replace(origin, self.base_url)
        return value

    def respond(self, method: str, path_and_query: str, body: bytes) -> tuple[RecordedResponse, bytes]:
        """The response to a request: an injected failure, the recorded page, or a 404."""
        path = urlsplit(path_and_query).path
        failure = self._next_failure(path)
        if failure is not None:
            recorded = RecordedResponse(failure.status, dict(failure.headers), failure.body)
        else:
            url = self.base_url + path_and_query
            try:
                recorded = find_response(self.cassettes, method, url, _request_json(body), ignore_host=True)
            except UnmatchedRequestError as exc:
                log.error("%s", exc)
                with self._lock:
                    self.unmatched.append((method, url))
                recorded = RecordedResponse(
                    404, {"Content-Type": "application/json; charset=utf-8"}, {"message": str(exc)}
                )
            else:
                headers = dict(recorded.headers)
                for name in list(headers):
                    if name.lower() == "link":
                        headers[name] = self._rewrite_hosts(headers[name])
                recorded = RecordedResponse(recorded.status, headers, recorded.body)
        with self._lock:
            self.requests_seen.append((method, path_and_query, recorded.status))
        return recorded, recorded.content()


def _handler_for(server_state: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in separate writes; with Nagle on, each keep-alive request
        # waits out the client's delayed ACK (~40 ms a request on loopback)
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded, content = server_state.respond(self.command, self.path, body)
            self.send_response_only(recorded.status)
            for name, value in recorded.headers.items():
                if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = _serve
        do_POST = _serve
        do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("replay server: " + format, *args)

    return _Handler


@contextmanager
def serve_cassette(
    cassettes: Iterable[Cassette | Path | str],
    host: str = "127.0.0.1",
    port: int = 0,
    failures: Mapping[str, Sequence[InjectedFailure]] | None = None,
) -> Iterator[ReplayServer]:
    """Serve cassettes over HTTP on a loopback address while the context is open.

    Requests are matched ignoring the recorded host (the client talks to this server);
    ``Link`` headers have the recorded hosts rewritten to the server's address so header-link
    pagination stays on it. ``failures`` maps a request path (``/repos/o/r/pulls``) to error
    responses served, in order and once each, before the recorded page of that path.
    """
    loaded = load_cassettes(cassettes)
    state = ReplayServer(
        base_url="",
        cassettes=loaded,
        failures={path: list(items) for path, items in (failures or {}).items()},
    )
    httpd = ThreadingHTTPServer((host, port), _handler_for(state))
    httpd.daemon_threads = True
    bound_host, bound_port = str(httpd.server_address[0]), int(httpd.server_address[1])
    if ":" in bound_host:  # an IPv6 literal needs brackets in a URL
        bound_host = f"[{bound_host}]"
    state.base_url = f"http://{bound_host}:{bound_port}"
    thread = threading.Thread(target=httpd.serve_forever, name="replay-server", daemon=True)
    thread.start()
    log.info("replaying %d cassette(s) at %s", len(loaded), state.base_url)
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
