"""HTTP plumbing shared by the GitHub, Jira and MLflow connectors: rate-limit waits, and one
line that says what went wrong when a source fails.

Why a wrapper around ``Session.send`` rather than dlt's retry settings: dlt's retrying session
waits out ``Retry-After`` on a 429, but GitHub signals its *primary* limit with a 403 (or 429)
carrying ``X-RateLimit-Remaining: 0`` and the reset time in ``X-RateLimit-Reset``, and its
*secondary* limit with a 403 that may carry ``Retry-After``. Both are waits, not errors. The
wrapper sits on the session that dlt's ``RESTClient`` uses, so paginators, response hooks and
parsing stay dlt's; it sees the response whether a response hook raised ``HTTPError`` for it
or not. Every wait is capped (``RateLimitPolicy.max_wait_seconds``): a wait longer than the cap
ends the load of that source with a message saying when to retry, instead of sleeping for an
hour inside a scheduled job.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

#: statuses retried by dlt's session (server errors); 403/429 are ours
SERVER_ERROR_STATUSES = tuple(range(500, 600))


@dataclass(frozen=True)
class RateLimitPolicy:
    """How rate-limited answers are waited out (``[sources.<name>] rate_limit_*`` settings)."""

    #: the longest single wait; a longer one (e.g. a primary limit resetting in 40 minutes) fails
    max_wait_seconds: float = 900.0
    #: rate-limited answers waited out for one request before giving up
    max_retries: int = 5
    #: GitHub: a secondary limit without Retry-After means "wait at least a minute"
    secondary_wait_seconds: float = 60.0


class RateLimitExceeded(RuntimeError):
    """A rate limit that the policy does not wait out (too long, or too many times)."""


def _retry_after_seconds(value: str, now: float) -> float | None:
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        return parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError):
        return None


def _body_text(response: requests.Response) -> str:
    try:
        return response.text[:2000]
    except Exception:  # noqa: BLE001 - a body we cannot decode is no evidence either way
        return ""


def rate_limit_wait(response: requests.Response, now: float, attempt: int,
                    policy: RateLimitPolicy) -> tuple[float, str] | None:
    """(seconds to wait, why) when ``response`` says "slow down", else None.

    Rules (GitHub's documented order; Jira and MLflow send 429 with Retry-After):
    ``Retry-After`` wins; else ``X-RateLimit-Remaining: 0`` waits until ``X-RateLimit-Reset``
    (epoch seconds, plus one second of margin); else a 403 naming a secondary rate limit waits
    ``secondary_wait_seconds``; else a bare 429 backs off exponentially (1, 2, 4 ... s).
    """
    status = response.status_code
    if status not in (403, 429):
        return None
    headers = response.headers
    retry_after = headers.get("Retry-After")
    if retry_after:
        seconds = _retry_after_seconds(retry_after, now)
        if seconds is not None:
            return max(0.0, seconds), f"HTTP {status} with Retry-After: {retry_after}"
    if headers.get("X-RateLimit-Remaining") == "0" and headers.get("X-RateLimit-Reset"):
        try:
            reset = float(headers["X-RateLimit-Reset"])
        except ValueError:
            reset = now + policy.secondary_wait_seconds
        return max(0.0, reset - now) + 1.0, f"primary rate limit exhausted (HTTP {status}), resets at epoch {int(reset)}"
    if status == 403:
        text = _body_text(response).lower()
        if "secondary rate limit" in text or "abuse" in text:
            return policy.secondary_wait_seconds * (2 ** attempt), "secondary rate limit (HTTP 403)"
        return None
    return float(2 ** attempt), "HTTP 429 without Retry-After"


def wait_out_rate_limits(
    session: requests.Session,
    source: str,
    policy: RateLimitPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> requests.Session:
    """Wrap ``session.send`` so rate-limited answers are waited out and the request re-sent.

    Idempotent: a session already wrapped keeps its first wrapper.
    """
    if getattr(session, "_mlops_kpis_rate_limits", None) is not None:
        return session
    policy = policy or RateLimitPolicy()
    original_send = session.send

    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        attempt = 0
        while True:
            try:
                response = original_send(request, **kwargs)
                raised: requests.HTTPError | None = None
            except requests.HTTPError as exc:  # a response hook (dlt's raise-for-status) raised
                if exc.response is None:
                    raise
                response, raised = exc.response, exc
            wait = rate_limit_wait(response, clock(), attempt, policy)
            if wait is None:
                if raised is not None:
                    raise raised
                return response
            seconds, why = wait
            path = urlsplit(request.url or "").path
            if attempt >= policy.max_retries:
                raise RateLimitExceeded(
                    f"{source}: still rate limited after {attempt} waits ({why}) on {path}; "
                    f"rerun later or raise [sources.{source}] rate_limit_max_retries")
            if seconds > policy.max_wait_seconds:
                raise RateLimitExceeded(
                    f"{source}: rate limited ({why}) on {path}: the wait of {seconds:.0f} s is above "
                    f"the cap of {policy.max_wait_seconds:.0f} s; rerun after that or raise "
                    f"[sources.{source}] rate_limit_max_wait_seconds")
            log.warning("%s: %s on %s; waiting %.1f s (wait %d of at most %d)",
                        source, why, path, seconds, attempt + 1, policy.max_retries)
            response.close()
            sleep(seconds)
            attempt += 1

    session.send = send  # type: ignore[method-assign]
    session._mlops_kpis_rate_limits = policy  # type: ignore[attr-defined]
    return session


def live_session(source: str, policy: RateLimitPolicy | None = None) -> requests.Session:
    """dlt's retrying session (connection errors and 5xx, with its configured timeouts) with
    rate-limit waits on top. 429 is left out of dlt's retries so that our cap applies."""
    from dlt.sources.helpers.requests.retry import Client

    session = Client(raise_for_status=False, status_codes=SERVER_ERROR_STATUSES).session
    return wait_out_rate_limits(session, source, policy)


# ---------------------------------------------------------------------------------------------
# One line per failure

#: what to check, per source, when the server refuses the credentials
CREDENTIAL_HINTS: dict[str, str] = {
    "github": "check the token ([sources.github] token in .dlt/secrets.toml, or SOURCES__GITHUB__TOKEN): "
              "not expired or revoked, with read access to the repositories in the catalog; "
              "for GitHub Enterprise base_url is https://<host>/api/v3",
    "jira": "check [sources.jira] email and api_token (or SOURCES__JIRA__EMAIL, SOURCES__JIRA__API_TOKEN): "
            "the API token must belong to that email and not be expired or revoked",
    "mlflow": "check [sources.mlflow] token, or username and password (SOURCES__MLFLOW__TOKEN ...), "
              "if your tracking server requires authentication",
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and what dlt wraps (``.exception``)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nested in (getattr(current, "exception", None), current.__cause__, current.__context__):
            if isinstance(nested, BaseException):
                stack.append(nested)


def _server_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("message", "error_message", "errorMessages", "error"):
            value = body.get(key)
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            if value:
                return str(value)[:200]
    return ""


def describe_failure(source: str, exc: BaseException) -> str:
    """One line naming the source, what failed and what to check (no token, no traceback)."""
    chain = list(_chain(exc))
    for item in chain:
        if isinstance(item, RateLimitExceeded):
            return str(item)
    for item in chain:
        if isinstance(item, requests.HTTPError) and item.response is not None:
            response = item.response
            status = response.status_code
            parts = urlsplit(response.url or "")
            where = f"{parts.scheme}://{parts.netloc}{parts.path}"
            message = _server_message(response)
            said = f" ({message})" if message else ""
            if status == 401:
                return (f"{source}: the server refused the credentials (HTTP 401{': ' + message if message else ''}) "
                        f"at {where}; {CREDENTIAL_HINTS.get(source, 'check its credentials')}")
            if status == 403:
                return (f"{source}: access denied (HTTP 403){said} at {where}; "
                        f"{CREDENTIAL_HINTS.get(source, 'check its credentials')}")
            if status == 404:
                return (f"{source}: not found (HTTP 404){said} at {where}; check the base URL in "
                        f"[sources.{source}] and the names in the catalog (and that the credentials can see them)")
            return f"{source}: HTTP {status}{said} at {where}"
    for item in chain:
        if isinstance(item, requests.ConnectionError):
            return (f"{source}: cannot connect ({type(item).__name__}); check the URL in "
                    f"[sources.{source}] and that the server is reachable from here")
        if isinstance(item, requests.Timeout):
            return f"{source}: the server did not answer in time; retry, or raise [runtime] request_timeout"
    innermost = chain[-1] if chain else exc
    for item in chain:  # prefer our own, explicit errors
        if isinstance(item, (SourceConfigError, FileNotFoundError, ValueError)) and str(item):
            innermost = item
            break
    text = str(innermost).strip().splitlines()[0] if str(innermost).strip() else type(innermost).__name__
    return text if text.startswith(f"{source}:") else f"{source}: {text}"


class SourceConfigError(ValueError):
    """A source is asked for but its configuration is missing or wrong."""
