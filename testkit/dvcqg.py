"""A fake national public-service portal (DVCQG) on 127.0.0.1 for tests and benchmarks: every
request is validated against `dvcqg-schema.json` (written from DESIGN.md §3.8, independently of
the exporter's mapping table); a valid one is answered {"error_code": 0} and kept once per
idempotency key, an invalid one 400 with every problem named."""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA = json.loads((Path(__file__).with_name("dvcqg-schema.json")).read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
KEY = re.compile(r"[0-9a-f]{64}")


TIME_FIELDS = re.compile(r"Ngay.*|ThoiDiem.*|HanBoSung")


def problems(body: object) -> list[str]:
    """Every schema violation of a request body, as "path: message", and every time that is not
    a real calendar time (a pattern cannot tell 30 February)."""
    found = [f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message[:200]}"
             for e in VALIDATOR.iter_errors(body)]
    return found + [f"{path}: {value!r} is not a real time" for path, value in _times(body, "")
                    if not _real(value)]


def _times(value: object, path: str):
    """(path, value) of every non-empty time field in a body."""
    if isinstance(value, dict):
        for k, v in value.items():
            if TIME_FIELDS.fullmatch(k) and isinstance(v, str) and v:
                yield f"{path}/{k}", v
            else:
                yield from _times(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _times(v, f"{path}/{i}")


def _real(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


class FakePortal:
    """The fake portal: `url` to post to; `received` the accepted bodies (one per idempotency key),
    `rejected` the refused ones with their problems, `keys` how often each key came, `fail_next`
    HTTP statuses to answer (with Retry-After: 0) before validating anything."""

    def __init__(self):
        self.received: list[dict] = []
        self.rejected: list[tuple[object, list[str]]] = []
        self.keys: Counter = Counter()
        self.fail_next: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/dvcqg"

    def start(self) -> FakePortal:
        """Serve in a background thread."""
        threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-dvcqg").start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def records(self, service: str) -> list[dict]:
        """Every accepted record of a service, in arrival order."""
        return [r for b in self.received if b["service"] == service for r in b["data"]]

    def _answer(self, raw: bytes, key: str) -> tuple[int, dict]:
        with self._lock:
            if self.fail_next:
                return self.fail_next.pop(0), {}
        try:
            body = json.loads(raw)
        except ValueError as e:
            return 400, {"error_code": 1, "message": f"not JSON: {e}"}
        found = problems(body) + ([] if KEY.fullmatch(key) else ["no X-Idempotency-Key"])
        with self._lock:
            if found:
                self.rejected.append((body, found))
                return 400, {"error_code": 1, "message": "; ".join(found)}
            if not self.keys[key]:
                self.received.append(body)
            self.keys[key] += 1
        return 200, {"error_code": 0, "message": "OK"}

    def _handler(self):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 — the http.server interface
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = portal._answer(raw, self.headers.get("X-Idempotency-Key", ""))
                data = json.dumps(answer, ensure_ascii=False).encode() if answer else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if not answer:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
