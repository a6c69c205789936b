"""HTTP with the sync discipline: a timeout on every request, retries by the project's one retry
policy (`office.retry`: exponential backoff, full jitter, Retry-After honoured), and clear errors
for what retrying cannot fix.

Only idempotent requests go through here (push batches are keyed by event ids, pulls are reads,
back-office steps and portal posts carry idempotency keys), so a retry is always safe.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

import requests

from office.retry import RETRY_STATUSES, Backoff, retry_after_seconds

log = logging.getLogger("sync")


class SyncError(Exception):
    """A request failed. `code` is the server's machine-readable error (or "unreachable"),
    `status` the HTTP status (0 when no answer), `details` the rest of the error body."""

    def __init__(self, code: str, message: str, status: int = 0, details: dict | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details or {}

    @property
    def transient(self) -> bool:
        """True when trying again later may succeed (no answer, overload, server error)."""
        return self.status == 0 or self.status in RETRY_STATUSES


class Transport:
    """Requests to one base URL with a bearer token, timeouts and retries."""

    def __init__(self, base_url: str, token: str | None = None, *, connect_timeout: float = 5,
                 read_timeout: float = 60, attempts: int = 8, backoff: float = 0.5,
                 max_backoff: float = 60, max_retry_after: float = 600,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        """`attempts` bounds the tries of one request; backoff doubles from `backoff` up to
        `max_backoff` with full jitter; a Retry-After above `max_retry_after` is an error."""
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self.timeout = (connect_timeout, read_timeout)
        self.backoff = Backoff(backoff, max_backoff, attempts, rng or random.Random())
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.retries = 0  # retries made so far (for reports and tests)

    @property
    def session(self) -> requests.Session:
        """This thread's session (its own keep-alive connection): a Transport may be shared by threads."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            if self.token:
                session.headers["Authorization"] = f"Bearer {self.token}"
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close the pooled connections of every thread."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def request_json(self, method: str, path: str, **kwargs) -> dict:
        """Send a request and return its JSON body, retrying transient failures; SyncError otherwise."""
        url = self.base_url + path
        last: SyncError | None = None
        for attempt in range(self.backoff.attempts):
            if attempt:
                with self._lock:
                    self.retries += 1
            wait: float | None = None
            if hasattr(kwargs.get("data"), "seek"):  # a file-like body is sent again from its start
                kwargs["data"].seek(0)
            try:
                r = self.session.request(method, url, timeout=self.timeout, **kwargs)
                if r.status_code < 400:
                    return r.json()
                last = _error(r)
                if r.status_code not in RETRY_STATUSES and r.content:  # no body: the answer was cut
                    raise last
                wait = retry_after_seconds(r.headers.get("Retry-After"))
                if wait is not None and wait > self.max_retry_after:
                    raise SyncError(last.code, f"{last.message} (server asks to retry after {wait:.0f} s)",
                                    r.status_code, last.details)
            except requests.RequestException as e:  # no answer, cut, reset, timeout
                last = SyncError("unreachable", f"{method} {url}: {type(e).__name__}: {e}")
            except ValueError as e:  # a 2xx whose body was cut or garbled
                last = SyncError("unreachable", f"{method} {url}: unreadable answer ({e})")
            if attempt + 1 < self.backoff.attempts:
                delay = self.backoff.delay(attempt, wait)
                log.debug("retry %d of %s %s in %.2f s after %s", attempt + 1, method, path, delay, last)
                self.sleep(delay)
        raise last


def _error(r: requests.Response) -> SyncError:
    """A SyncError from an error answer (our JSON error body, or whatever the server said)."""
    try:
        body = r.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        details = {k: v for k, v in body.items() if k not in ("error", "message")}
        return SyncError(body["error"], str(body.get("message", "")), r.status_code, details)
    return SyncError(f"http_{r.status_code}", (r.text or r.reason or "")[:200], r.status_code)
