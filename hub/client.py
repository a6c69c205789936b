"""The OfficeService port over HTTP: a kiosk, counter or board runs against a hub URL exactly as it
runs embedded — same methods, same signatures, same model dataclasses, same DomainErrors.

Every request has a timeout. Mutations always carry an Idempotency-Key (the caller's, or a fresh
one per call), so a request retried after a dropped connection never acts twice. When the hub
cannot be reached the client raises HubUnavailable. Thread-safe: one HTTP session per thread.
"""
from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import requests

from hub import api
from office.model import (Actor, Applicant, Collector, Counter, Dossier, DossierRow,
    DossierStatus, Field, IntakeRecord, KioskDossierView, PriorityCategory, Procedure,
    Rating, RatingLevel, ReceivedComponent, Service, Ticket, TicketReceipt,
    Timeliness)
from office.errors import DomainError, RateLimited, Unavailable

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


class HubClient:
    """OfficeService over HTTP for one enrolled device (and, on counters, a logged-in staff member)."""

    def __init__(self, url: str, token: str, *, session_token: str | None = None,
                 timeout: tuple[float, float] = TIMEOUT, retries: int = 2, backoff: float = 0.2):
        """`token`: this device's token; `retries`: extra attempts after a connection failure."""
        self.url = url.rstrip("/")
        self.token = token
        self.session_token = session_token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
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
        for attempt in range(self.retries + 1):
            try:
                response = self._http().request(method, self.url + path, **kwargs)
                break
            except (requests.ConnectionError, requests.Timeout) as e:
                if attempt == self.retries:
                    raise HubUnavailable(f"Không kết nối được máy chủ văn phòng {self.url}: "
                                         f"{type(e).__name__}") from e
                time.sleep(self.backoff * 2 ** attempt)
        if response.status_code >= 400:
            raise _error(response)
        try:
            return response.json()
        except ValueError:
            raise HubUnavailable(f"{self.url} không phải máy chủ văn phòng (trả lời không phải JSON)") from None

    def _call(self, name: str, idempotency_key: str | None = None, **kwargs: Any) -> Any:
        op = api.OPS[name]
        payload = {k: api.encode(v) for k, v in kwargs.items() if v is not None or op.method == "POST"}
        key = (idempotency_key or uuid.uuid4().hex) if op.retry else None
        return api.decode_result(op, self._request(op.method, op.path, payload, key))

    # ---- staff session --------------------------------------------------------------------

    def login(self, username: str, pin: str) -> Actor:
        """Log a staff member in on this (counter) device; later calls act as them."""
        answer = self._request("POST", api.SESSION_PATH, {"username": username, "pin": pin})
        self.session_token = answer["token"]
        return api.decode(Actor, answer["actor"])

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
        is told when the stream opens and when it is lost; retry waits are jittered (50–100 %)."""
        delay = 0.1
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
                        delay = 0.1
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
            pause = delay * random.uniform(0.5, 1.0)
            if stop:
                stop.wait(pause)
            else:
                time.sleep(pause)
            delay = min(delay * 2, max_backoff)

    # ---- the OfficeService port -----------------------------------------------------------

    def office(self) -> dict:
        """Office identity for headers and tickets."""
        return self._call("office")

    def procedures(self) -> list[Procedure]:
        """Procedures in force today."""
        return self._call("procedures")

    def procedure(self, code: str) -> Procedure:
        """The version of a procedure in force today."""
        return self._call("procedure", code=code)

    def fields(self) -> list[Field]:
        """Fields of procedures."""
        return self._call("fields")

    def services(self) -> list[Service]:
        """Queue services."""
        return self._call("services")

    def counters(self) -> list[Counter]:
        """Counters with their services and pause state."""
        return self._call("counters")

    def priority_categories(self) -> tuple[PriorityCategory, ...]:
        """Configured priority categories."""
        return self._call("priority_categories")

    def rating_levels(self) -> tuple[RatingLevel, ...]:
        """Levels of the configured satisfaction scale, best first."""
        return self._call("rating_levels")

    def ticket_issuing_open(self, at: datetime | None = None) -> bool:
        """Whether kiosks may issue tickets now (or at `at`)."""
        return self._call("ticket_issuing_open", at=at)

    def issue_ticket(self, service_code: str, priority: str | None = None,
                     idempotency_key: str | None = None) -> TicketReceipt:
        """Issue a queue ticket; a retry with the same idempotency key returns the same ticket."""
        return self._call("issue_ticket", idempotency_key, service_code=service_code, priority=priority)

    def ticket_receipt(self, ticket: Ticket) -> TicketReceipt:
        """What to print for a ticket (as the hub knows it now)."""
        return self._call("ticket_receipt", ticket_id=ticket.id)

    def counter_ticket(self, counter_id: int) -> Ticket | None:
        """The ticket a counter is calling or serving today."""
        return self._call("counter_ticket", counter_id=counter_id)

    def call_next(self, counter_id: int, staff: str = "") -> Ticket | None:
        """Call the next ticket for a counter; None if nobody waits (`staff`: the logged-in user)."""
        return self._call("call_next", counter_id=counter_id, staff=staff)

    def recall(self, ticket_id: int, counter_id: int) -> Ticket:
        """Call the same ticket again."""
        return self._call("recall", ticket_id=ticket_id, counter_id=counter_id)

    def start_serving(self, ticket_id: int, counter_id: int) -> Ticket:
        """The called citizen arrived at the counter."""
        return self._call("start_serving", ticket_id=ticket_id, counter_id=counter_id)

    def finish_ticket(self, ticket_id: int, counter_id: int, reason: str = "") -> Ticket:
        """Finish serving a ticket."""
        return self._call("finish_ticket", ticket_id=ticket_id, counter_id=counter_id, reason=reason)

    def mark_no_show(self, ticket_id: int, counter_id: int) -> Ticket:
        """The citizen did not come after the configured number of calls."""
        return self._call("mark_no_show", ticket_id=ticket_id, counter_id=counter_id)

    def cancel_ticket(self, ticket_id: int, reason: str) -> Ticket:
        """Cancel a waiting or called ticket with a reason."""
        return self._call("cancel_ticket", ticket_id=ticket_id, reason=reason)

    def transfer_ticket(self, ticket_id: int, counter_id: int, to_service: str,
                        to_counter: int | None = None, reason: str = "") -> Ticket:
        """Send a citizen to another service or counter, keeping their number and place."""
        return self._call("transfer_ticket", ticket_id=ticket_id, counter_id=counter_id,
                          to_service=to_service, to_counter=to_counter, reason=reason)

    def pause_counter(self, counter_id: int, reason: str) -> None:
        """Pause a counter with a reason shown on the board."""
        return self._call("pause_counter", counter_id=counter_id, reason=reason)

    def resume_counter(self, counter_id: int) -> None:
        """Resume a paused counter."""
        return self._call("resume_counter", counter_id=counter_id)

    def waiting_counts(self) -> dict[str, int]:
        """Waiting tickets per service today."""
        return self._call("waiting_counts")

    def receive_dossier(self, procedure_code: str, case_code: str, applicant: Applicant,
                        actor: Actor, summary: str = "", channel: int = 1,
                        idempotency_key: str | None = None, *,
                        components: tuple[ReceivedComponent, ...] | None = None,
                        representative: Applicant | None = None, delivery: str = "counter",
                        delivery_address: str = "", fee_paid: bool = False) -> Dossier:
        """Receive a dossier (the actor must be the logged-in staff member)."""
        return self._call("receive_dossier", idempotency_key, procedure_code=procedure_code,
                          case_code=case_code, applicant=applicant, actor=actor, summary=summary,
                          channel=channel, components=components, representative=representative,
                          delivery=delivery, delivery_address=delivery_address, fee_paid=fee_paid)

    def missing_components(self, procedure_code: str, case_code: str,
                           components: tuple[ReceivedComponent, ...]) -> list[str]:
        """Names of the procedure's required components not in the checklist."""
        return self._call("missing_components", procedure_code=procedure_code, case_code=case_code,
                          components=components)

    def record_intake(self, kind: str, procedure_code: str, case_code: str, applicant: Applicant,
                      actor: Actor, reason: str = "", missing: tuple[str, ...] = (),
                      idempotency_key: str | None = None) -> IntakeRecord:
        """Record an incomplete (Mẫu 02) or refused (Mẫu 03) dossier; no code is allocated."""
        return self._call("record_intake", idempotency_key, kind=kind, procedure_code=procedure_code,
                          case_code=case_code, applicant=applicant, actor=actor, reason=reason,
                          missing=missing)

    def intake(self, record_id: int) -> IntakeRecord:
        """An intake record by its number."""
        return self._call("intake", record_id=record_id)

    def request_supplement(self, code: str, missing: list[str], actor: Actor, note: str = "") -> Dossier:
        """Ask for more documents (status 5, the clock pauses)."""
        return self._call("request_supplement", code=code, missing=missing, actor=actor, note=note)

    def return_result(self, code: str, collector: Collector, actor: Actor,
                      idempotency_key: str | None = None) -> Dossier:
        """Hand the result over after the collector's ID check (status 10)."""
        return self._call("return_result", idempotency_key, code=code, collector=collector, actor=actor)

    def reveal_applicant(self, code: str, actor: Actor, purpose: str) -> Applicant:
        """The applicant's full personal data; the view is audit-logged."""
        return self._call("reveal_applicant", code=code, actor=actor, purpose=purpose)

    def search_dossiers(self, text: str = "", status: DossierStatus | None = None,
                        limit: int = 50) -> list[DossierRow]:
        """Dossiers by code prefix, applicant name (accents ignored), ID number or phone; newest first."""
        return self._call("search_dossiers", text=text, status=status, limit=limit)

    def late_dossiers(self, within_working_days: int = 1) -> list[DossierRow]:
        """Open dossiers overdue or due within N working days, most urgent first."""
        return self._call("late_dossiers", within_working_days=within_working_days)

    def register_rows(self, day_from: date, day_to: date) -> list[dict]:
        """Rows of the dossier register (Mẫu 07) over [day_from, day_to]."""
        return self._call("register_rows", day_from=day_from, day_to=day_to)

    def dossier(self, code: str) -> Dossier:
        """A dossier with its full history; the hub audit-logs the view."""
        return self._call("dossier", code=code)

    def change_status(self, code: str, status: DossierStatus, actor: Actor, content: str) -> Dossier:
        """Move a dossier to a new status with a processing step."""
        return self._call("change_status", code=code, status=status, actor=actor, content=content)

    def extend_due(self, code: str, new_due: datetime, reason: str, actor: Actor) -> Dossier:
        """Extend the appointment date (apology letter, Mẫu 04)."""
        return self._call("extend_due", code=code, new_due=new_due, reason=reason, actor=actor)

    def timeliness(self, d: Dossier) -> Timeliness:
        """Timeliness of a dossier now (as the hub knows it)."""
        return self._call("timeliness", code=d.code)

    def kiosk_lookup(self, code: str, secret: str) -> KioskDossierView:
        """The public view of a dossier from its code and lookup secret (rate-limited per kiosk)."""
        return self._call("kiosk_lookup", code=code, secret=secret)

    def rate(self, target_kind: str, target: str, level: int, reason: str = "",
             criteria: dict | None = None) -> Rating:
        """Rate a served ticket or a dossier; one rating each."""
        return self._call("rate", target_kind=target_kind, target=target, level=level, reason=reason,
                          criteria=criteria)

    def report_device_problem(self, device: str, problem: str, message: str = "") -> None:
        """Alert staff that a device needs attention."""
        return self._call("report_device_problem", device=device, problem=problem, message=message)

    def summary(self) -> dict:
        """Office identity and store counts."""
        return self._call("summary")

    def reports(self, day_from: date, day_to: date) -> dict:
        """Office report over [day_from, day_to]."""
        return self._call("reports", day_from=day_from, day_to=day_to)


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
