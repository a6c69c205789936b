"""The office port over HTTP: a kiosk, counter or board runs against a hub URL exactly as it runs
embedded — the port's methods and signatures (`office.port`), the same model dataclasses, the
same DomainErrors.

Every request has a timeout. Mutations always carry an Idempotency-Key (the caller's, or a fresh
one per call), so a request retried after a dropped connection never acts twice; retries follow
the project's one retry policy (`office.retry`). When the hub cannot be reached, times out or
fails inside, the client raises HubUnavailable (an `Unavailable`, not a DomainError).
Thread-safe: one HTTP session per thread.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from hub import api
from office import codec
from office.errors import DomainError, RateLimited, Unavailable
from office.model import Actor
from office.port import USE_CASES, OfficePort, implement, result_type
from office.retry import Backoff

TIMEOUT = (3.05, 15.0)  # seconds: connect, read
FEED_READ_TIMEOUT = 35.0  # the hub sends a keep-alive every 10 s


class HubError(DomainError):
    """The hub refused a request with an error code this client has no class for."""

    code = "hub_error"


class HubUnavailable(Unavailable):
    """The hub could not be reached (down, wrong address, network), timed out or failed inside."""

    code = "hub_unavailable"


@dataclass(frozen=True)
class FeedEvent:
    """One board feed event: its change-log position, kind (e.g. "ticket.called") and data."""

    id: int
    kind: str
    data: Any


class HubClient(OfficePort):
    """The office port over HTTP for one enrolled device (and, on counters, a logged-in staff member)."""

    def __init__(self, url: str, token: str, *, session_token: str | None = None,
                 timeout: tuple[float, float] = TIMEOUT, retries: int = 2, backoff: float = 0.2):
        """`token`: this device's token; `retries`: extra attempts after a connection failure,
        waiting about `backoff`·2ⁿ seconds (jittered) in between."""
        self.url = url.rstrip("/")
        self.token = token
        self.session_token = session_token
        self.timeout = timeout
        self.backoff = Backoff(backoff, 10.0, retries + 1)
        self._local = threading.local()

    # ---- transport ------------------------------------------------------------------------

    def _http(self) -> requests.Session:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = requests.Session()
        return http

    def _headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.session_token:
            headers[api.STAFF_HEADER] = self.session_token
        if key:
            headers[api.IDEMPOTENCY_HEADER] = key
        return headers

    def _request(self, method: str, path: str, payload: dict | None = None, key: str | None = None) -> Any:
        """Send one request (retrying connection failures) and return its decoded JSON answer."""
        kwargs: dict[str, Any] = {"headers": self._headers(key), "timeout": self.timeout}
        if payload is not None:
            kwargs["params" if method == "GET" else "json"] = payload
        for attempt in range(self.backoff.attempts):
            try:
                response = self._http().request(method, self.url + path, **kwargs)
                break
            except (requests.ConnectionError, requests.Timeout) as e:
                if attempt + 1 == self.backoff.attempts:
                    raise HubUnavailable(f"Không kết nối được máy chủ văn phòng {self.url}: "
                                         f"{type(e).__name__}") from e
                time.sleep(self.backoff.delay(attempt))
        if response.status_code >= 400:
            raise _error(response)
        try:
            return response.json()
        except ValueError:
            raise HubUnavailable(f"{self.url} không phải máy chủ văn phòng (trả lời không phải JSON)") from None

    def _call(self, name: str, arguments: dict[str, Any], idempotency_key: str | None) -> Any:
        """Run use case `name` on the hub (the port's methods all come here)."""
        method = api.method(name)
        payload = {k: codec.encode(v) for k, v in arguments.items() if v is not None or method == "POST"}
        key = (idempotency_key or uuid.uuid4().hex) if USE_CASES[name].writes else None
        return codec.decode(result_type(name), self._request(method, api.path(name), payload, key))

    # ---- staff session --------------------------------------------------------------------

    def login(self, username: str, pin: str, counter_id: int | None = None) -> Actor:
        """Log a staff member in on this device, at `counter_id` on a counter device; later calls
        act as them."""
        answer = self._request("POST", api.SESSION_PATH, {"username": username, "pin": pin,
                                                          "counter_id": counter_id})
        self.session_token = answer["token"]
        return codec.decode(Actor, answer["actor"])

    def logout(self) -> None:
        """End the staff session."""
        if self.session_token:
            self._request("DELETE", api.SESSION_PATH)
            self.session_token = None

    # ---- realtime feed --------------------------------------------------------------------

    def feed(self, last_event_id: int | None = None, stop: threading.Event | None = None,
             max_backoff: float = 5.0,
             on_connection: Callable[[bool], None] | None = None) -> Iterator[FeedEvent]:
        """Board events for ever: reconnects with backoff and resumes after the last event seen,
        so nothing is missed or repeated. Without `last_event_id` it starts with a "snapshot".
        Ends when `stop` is set (checked at least every keep-alive) or the caller stops iterating.
        Raises (never retries) when the hub refuses the credentials. `on_connection(True|False)`
        is told when the stream opens and when it is lost; reconnections wait by the retry policy
        (jittered, doubling up to `max_backoff` seconds)."""
        backoff = Backoff(0.2, max_backoff)
        failures = 0
        connected = False
        while not (stop and stop.is_set()):
            headers = self._headers()
            if last_event_id is not None:
                headers["Last-Event-ID"] = str(last_event_id)
            try:
                with self._http().get(self.url + api.FEED_PATH, headers=headers, stream=True,
                                      timeout=(self.timeout[0], FEED_READ_TIMEOUT)) as response:
                    if response.status_code >= 400:
                        error = _error(response)
                        if not isinstance(error, HubUnavailable):
                            raise error
                    else:
                        failures = 0
                        connected = True
                        if on_connection:
                            on_connection(True)
                        for event in _parse_sse(response.iter_content(chunk_size=None)):
                            if stop and stop.is_set():
                                return
                            if event is None:
                                continue
                            last_event_id = event.id
                            yield event
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError):
                pass
            if connected and on_connection:
                on_connection(False)
            connected = False
            pause = backoff.delay(failures)
            failures = min(failures + 1, 30)
            if stop:
                stop.wait(pause)
            else:
                time.sleep(pause)


implement(HubClient, HubClient._call)


def _error(response: requests.Response) -> DomainError | HubUnavailable:
    """The error an answer stands for: the hub's DomainError, or HubUnavailable when the answer is
    not the hub's or the hub failed inside (5xx without a known code)."""
    try:
        body = response.json()
        code, message = body["error"], body["message"]
    except (ValueError, KeyError, TypeError):
        return HubUnavailable(f"Máy chủ văn phòng trả lời bất thường (HTTP {response.status_code})")
    cls = api.ERRORS.get(code)
    if cls is RateLimited:
        return RateLimited(message, float(response.headers.get("Retry-After", "1")))
    if cls is None and response.status_code >= 500:
        return HubUnavailable(f"Máy chủ văn phòng gặp lỗi ({code}: {message})")
    if cls is None:
        error = HubError(message)
        error.code = code
        return error
    return cls(message)


def _parse_sse(chunks: Iterator[bytes]) -> Iterator[FeedEvent | None]:
    """Server-Sent Events from a byte stream; None for each keep-alive comment."""
    buffer = b""
    fields: dict[str, str] = {}
    for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8").rstrip("\r")
            if line.startswith(":"):
                yield None
            elif line:
                name, _, value = line.partition(":")
                fields[name] = value[1:] if value.startswith(" ") else value
            elif "data" in fields:
                yield FeedEvent(int(fields.get("id", 0)), fields.get("event", "message"),
                                json.loads(fields["data"]))
                fields = {}
            else:
                fields = {}
