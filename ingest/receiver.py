"""A small webhook receiver: every JSON body POSTed to it is appended as one line to a JSONL
file in a folder, which ``ingest.monitoring.monitoring_source`` reads.

    python -m ingest.receiver --port 9095 --out build/monitoring [--host 127.0.0.1] [--token T]

Point a Grafana webhook contact point (or an Alertmanager webhook receiver, or an EventBridge
API destination for "CloudWatch Alarm State Change") at ``http://<host>:<port>/``. Why so
little: the receiver only has to not lose a payload; parsing, de-duplication and what makes an
incident happen at load and in dbt, so a payload shape we do not know yet is kept, not dropped.

Each line is the body exactly as received, re-serialised compactly (one JSON value per line).
Lines go to ``<out>/received-YYYY-MM-DD.jsonl`` (UTC date of receipt), appended under a lock
and flushed before the 200 answer, so a sender that got 200 has its payload on disk. Bodies
that are not JSON get 400; above ``--max-bytes`` 413. With ``--token`` (or env
``MLOPS_KPIS_RECEIVER_TOKEN``) a request must carry ``Authorization: Bearer <token>`` (Grafana:
"Authorization header" credentials) or get 401. It listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TOKEN_ENV = "MLOPS_KPIS_RECEIVER_TOKEN"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class PayloadWriter:
    """Appends JSON values as lines to a daily file in ``out_dir``, one writer at a time."""

    def __init__(self, out_dir: Path | str) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def path_for(self, at: datetime) -> Path:
        return self.out_dir / f"received-{at.astimezone(timezone.utc):%Y-%m-%d}.jsonl"

    def append(self, payload: Any, at: datetime | None = None) -> Path:
        line = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        path = self.path_for(at or datetime.now(timezone.utc))
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return path


def make_handler(writer: PayloadWriter, token: str | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> type[BaseHTTPRequestHandler]:
    """The request handler class bound to a writer (and an optional bearer token)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mlops-kpis-receiver/1"

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            content = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def _authorised(self) -> bool:
            if not token:
                return True
            given = self.headers.get("Authorization") or ""
            return hmac.compare_digest(given.encode("utf-8"), f"Bearer {token}".encode("utf-8"))

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.rstrip("/") in ("/healthz", ""):
                self._answer(200, {"status": "ok"})
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            if not self._authorised():
                self._answer(401, {"error": "missing or wrong bearer token"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self._answer(400, {"error": "a Content-Length is required"})
                return
            if length > max_bytes:
                self._answer(413, {"error": f"body larger than {max_bytes} bytes"})
                return
            body = self.rfile.read(length)
            try:
                payload = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self._answer(400, {"error": "the body is not JSON"})
                return
            path = writer.append(payload)
            log.info("received %d bytes on %s -> %s", length, self.path, path.name)
            self._answer(200, {"status": "stored"})

        do_PUT = do_POST  # Grafana's webhook can be told to PUT

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("receiver: " + format, *args)

    return Handler


def make_server(out_dir: Path | str, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> ThreadingHTTPServer:
    """A ready (not yet serving) server; ``port=0`` picks a free port (``server.server_address``)."""
    server = ThreadingHTTPServer((host, port), make_handler(PayloadWriter(out_dir), token, max_bytes))
    server.daemon_threads = True
    return server


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest.receiver", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="port to listen on (0: any free port)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder of the JSONL files")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV),
                        help=f"require 'Authorization: Bearer TOKEN' (default: ${TOKEN_ENV})")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="largest body accepted")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = make_server(args.out, args.host, args.port, args.token, args.max_bytes)
    host, port = server.server_address[0], server.server_address[1]
    # the bound address on stdout, so a caller that asked for port 0 learns the port
    sys.stdout.write(f"listening on http://{host}:{port}/ writing to {args.out}\n")
    sys.stdout.flush()

    def _stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
