"""The office hub: every OfficeService use case on the LAN, for kiosks, counters and boards.

Routes are generated from the wire table in `office/api.py` (one `GET|POST /api/<use-case>` each,
JSON in and out), plus `POST|DELETE /session` (staff PIN login), `GET /feed` (the realtime board
feed, Server-Sent Events replayed from the store's change log) and `/openapi.json`.

Every request carries a device token (`Authorization: Bearer …`); counter work also needs a staff
session (`X-Staff-Session`). Mutations accept an `Idempotency-Key`.

Where work runs: every write goes to one writer thread, in arrival order (SQLite has one writer
anyway; queueing here spares its busy-wait sleeps and the GIL hand-offs of many threads), each in
one transaction with its change-log event, so a failed request leaves nothing behind. Short reads
(a few indexed queries; WAL readers never wait for the writer) run on the event loop; whole-store
aggregates and PIN hashing run on the thread pool.
"""
import asyncio
import concurrent.futures
import hashlib
import inspect
import json
import logging
import math
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import uvicorn
from fastapi import Body, FastAPI, Header, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import api
from office.auth import Credentials, Device, Lockout, StaffSession, authorize
from office.errors import Forbidden, PayloadTooLarge, RateLimited, StaffLoginRequired, Unauthorized
from office.model import Actor, Applicant, Collector, ReceivedComponent, TicketState
from office.errors import Conflict, DomainError, InvalidInput, NotFound
from office.service import OfficeService

log = logging.getLogger("hub.app")

MAX_BODY_BYTES = 64 * 1024
FEED_POLL_S = 0.5  # also picks up writes made by other processes on the same store file
FEED_BATCH = 500
HEARTBEAT_S = 10.0
BOARD_ENTITIES = ("ticket", "counter", "device")
BOARD_TICKET_FIELDS = ("id", "number", "service_code", "day", "state", "counter_id",
                       "target_counter_id", "calls")
# dossier, reveal_applicant: their audit-log entries (never stored for retries); logout: ends the session
WRITES = frozenset({name for name, op in api.OPS.items() if op.retry} | {"dossier", "reveal_applicant", "logout"})
# whole-store aggregates, PIN hashing: thread pool
SLOW = frozenset({"summary", "reports", "register_rows", "login"})


# ---- input validation -----------------------------------------------------------------------

def _unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (lone surrogate)") from None
    return value


def Text(max_length: int) -> Any:  # noqa: N802 — reads as a type in the models below
    """A JSON string of at most `max_length` characters."""
    return Annotated[StrictStr, Field(max_length=max_length), AfterValidator(_unicode)]


def _local_time(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("use local time without a time zone, e.g. 2026-03-02T08:00:00")
    if not 2000 <= value.year <= 2099:
        raise ValueError("year must be within 2000–2099")
    return value


def _day(value: date) -> date:
    if not 2000 <= value.year <= 2099:
        raise ValueError("year must be within 2000–2099")
    return value


Id = Annotated[StrictInt, Field(ge=-2 ** 63, le=2 ** 63 - 1)]  # SQLite's integer range
QueryId = Annotated[int, Field(ge=-2 ** 63, le=2 ** 63 - 1)]  # query strings are text: "3" → 3
Number = Annotated[StrictInt, Field(ge=-2 ** 31, le=2 ** 31)]
Code = Text(60)
Note = Text(4000)
LocalTime = Annotated[datetime, AfterValidator(_local_time)]
Day = Annotated[date, AfterValidator(_day)]


# One input model per use case: its fields are the use case's arguments, with OfficeService's
# names and defaults; strict types, bounded sizes, unknown fields refused.

class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: ClassVar[type | None] = None  # the domain dataclass a nested object becomes


class NoInput(_In):
    pass


class ApplicantIn(_In):
    model: ClassVar = Applicant
    name: Text(200)
    id_type: Text(20) = "CCCD"
    id_number: Text(40) = ""
    phone: Text(40) = ""
    address: Text(400) = ""
    kind: Number = 1


class ActorIn(_In):
    model: ClassVar = Actor
    name: Text(100)
    role: Text(200)
    department: Text(200)


class ProcedureIn(_In):
    code: Code


class IssuingOpenIn(_In):
    at: LocalTime | None = None


class IssueTicketIn(_In):
    service_code: Code
    priority: Code | None = None


class TicketIn(_In):
    ticket_id: QueryId


class CallNextIn(_In):
    counter_id: Id
    staff: Text(50) = ""


class TicketAtCounterIn(_In):
    ticket_id: Id
    counter_id: Id


class FinishIn(TicketAtCounterIn):
    reason: Note = ""


class CancelIn(_In):
    ticket_id: Id
    reason: Note


class TransferIn(TicketAtCounterIn):
    to_service: Code
    to_counter: Id | None = None
    reason: Note = ""


class CounterIn(_In):
    counter_id: Id


class CounterQueryIn(_In):
    counter_id: QueryId


class PauseIn(CounterIn):
    reason: Text(200)


class ComponentIn(_In):
    model: ClassVar = ReceivedComponent
    name: Text(300)
    originals: Number = 0
    copies: Number = 0
    note: Text(300) = ""


class CollectorIn(_In):
    model: ClassVar = Collector
    name: Text(200)
    id_type: Text(20)
    id_number: Text(40)
    relation: Text(20)
    authorization: Text(200) = ""


Components = Annotated[list[ComponentIn], Field(max_length=60)]
Names = Annotated[list[Text(300)], Field(max_length=60)]


class ReceiveIn(_In):
    procedure_code: Code
    case_code: Code
    applicant: ApplicantIn
    actor: ActorIn
    summary: Note = ""
    channel: Number = 1
    components: Components | None = None
    representative: ApplicantIn | None = None
    delivery: Text(20) = "counter"
    delivery_address: Text(400) = ""
    fee_paid: StrictBool = False


class MissingIn(_In):
    procedure_code: Code
    case_code: Code
    components: Components


class IntakeIn(_In):
    kind: Text(20)
    procedure_code: Code
    case_code: Code
    applicant: ApplicantIn
    actor: ActorIn
    reason: Note = ""
    missing: Names = []


class IntakeIdIn(_In):
    record_id: QueryId


class SearchIn(_In):
    text: Text(100) = ""
    status: Annotated[int, Field(ge=1, le=10)] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 50


class LateIn(_In):
    within_working_days: Annotated[int, Field(ge=0, le=30)] = 1


class DossierIn(_In):
    code: Code


class StatusIn(DossierIn):
    status: Number
    actor: ActorIn
    content: Note


class ExtendIn(DossierIn):
    new_due: LocalTime
    reason: Note
    actor: ActorIn


class LookupIn(DossierIn):
    secret: Text(20)


class SupplementIn(DossierIn):
    missing: Names
    actor: ActorIn
    note: Note = ""


class ReturnIn(DossierIn):
    collector: CollectorIn
    actor: ActorIn


class RevealIn(DossierIn):
    actor: ActorIn
    purpose: Text(200)


class RateIn(_In):
    target_kind: Text(20)
    target: Text(80)
    level: Number
    reason: Note = ""
    criteria: Annotated[dict[Text(60), Number | Text(200)], Field(max_length=20)] | None = None


class ReportsIn(_In):
    day_from: Day
    day_to: Day


class DeviceProblemIn(_In):
    device: Text(80)
    problem: Text(40)
    message: Note = ""


class LoginIn(_In):
    username: Text(50)
    pin: Text(20)


class ErrorOut(BaseModel):
    """Every error answer: a machine-readable code and a message for people."""

    error: str
    message: str


INPUTS: dict[str, type[_In]] = {
    "procedure": ProcedureIn, "ticket_issuing_open": IssuingOpenIn, "issue_ticket": IssueTicketIn,
    "ticket_receipt": TicketIn, "counter_ticket": CounterQueryIn, "call_next": CallNextIn,
    "recall": TicketAtCounterIn,
    "start_serving": TicketAtCounterIn, "finish_ticket": FinishIn, "mark_no_show": TicketAtCounterIn,
    "cancel_ticket": CancelIn, "transfer_ticket": TransferIn, "pause_counter": PauseIn,
    "resume_counter": CounterIn, "receive_dossier": ReceiveIn, "dossier": DossierIn,
    "change_status": StatusIn, "extend_due": ExtendIn, "timeliness": DossierIn,
    "kiosk_lookup": LookupIn, "rate": RateIn, "reports": ReportsIn,
    "report_device_problem": DeviceProblemIn, "missing_components": MissingIn, "record_intake": IntakeIn,
    "intake": IntakeIdIn, "request_supplement": SupplementIn, "return_result": ReturnIn,
    "reveal_applicant": RevealIn, "search_dossiers": SearchIn, "late_dossiers": LateIn,
    "register_rows": ReportsIn,
}  # every other use case takes no input


def _kwargs(params: _In) -> dict[str, Any]:
    """Validated input as use-case arguments (nested objects become domain dataclasses)."""
    out = {}
    for name in type(params).model_fields:
        value = getattr(params, name)
        if isinstance(value, _In) and value.model is not None:
            value = value.model(**value.model_dump())
        elif isinstance(value, list) and value and isinstance(value[0], _In):
            value = tuple(v.model(**v.model_dump()) for v in value)
        out[name] = value
    return out


# ---- the hub --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    """Who is calling: the device and, on counters, the logged-in staff member."""

    device: Device
    session: StaffSession | None


class Hub:
    """What every route shares: the service, credentials, lockouts, the writer thread, feed wake-ups.

    Each thread that runs these methods has its own store connection.
    """

    def __init__(self, service: OfficeService, lookup_lockout: Lockout | None = None,
                 login_lockout: Lockout | None = None):
        """Serve `service`; the lockouts default to 5 failures a minute, then doubling locks."""
        self.service = service
        self.store = service.store
        self.credentials = Credentials(service.store, service.clock)
        self.lookups = lookup_lockout or Lockout()
        self.logins = login_lockout or Lockout()
        self.writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hub-writer")
        self.stopping = False
        self._changed = asyncio.Event()

    def authenticate(self, access: dict[str, bool], what: str, token: str | None,
                     session_token: str | None) -> Caller:
        """The caller behind these credentials, if it may do `what`; else Unauthorized/Forbidden."""
        device = self.credentials.device(token)
        session = None
        if access.get(device.role) and session_token:
            session = self.credentials.session(device, session_token)
            if session is None:
                raise StaffLoginRequired("Phiên đăng nhập đã hết hạn hoặc đã đăng xuất; vui lòng đăng nhập lại")
        authorize(access, device, session, what)
        return Caller(device, session)

    def call(self, op: api.Op, params: _In, token: str | None, session_token: str | None,
             key: str | None) -> Any:
        """Run one use case for a caller and return its JSON-ready answer."""
        caller = self.authenticate(op.access, op.name, token, session_token)
        kwargs = _kwargs(params)
        if op.retry == "hub" and key:
            return self._once(op, caller, params, kwargs, f"{caller.device.id}:{key}")
        if op.retry == "service" and key:
            kwargs["idempotency_key"] = f"{caller.device.id}:{key}"
        return api.encode(self._run(op, caller, kwargs))

    def _once(self, op: api.Op, caller: Caller, params: _In, kwargs: dict, key: str) -> Any:
        """Run a mutation at most once per idempotency key: a retry gets the stored answer."""
        request = hashlib.sha256(json.dumps([op.name, params.model_dump(mode="json")], sort_keys=True)
                                 .encode()).hexdigest()
        with self.store.write():
            done = self.store.idempotent_result(key, op.name)
            if done is not None:
                if done["request"] != request:
                    raise Conflict("Khóa chống trùng (Idempotency-Key) đã dùng cho một yêu cầu khác")
                return done["body"]
            body = api.encode(self._run(op, caller, kwargs))
            self.store.remember_result(key, op.name, {"request": request, "body": body},
                                       self.service.clock())
        return body

    def _run(self, op: api.Op, caller: Caller, kwargs: dict) -> Any:
        if "actor" in kwargs and kwargs["actor"] != caller.session.actor:
            raise Forbidden(f"Cán bộ đang đăng nhập là {caller.session.actor.name}: không thể ghi "
                            f"nhận xử lý thay cho {kwargs['actor'].name!r}")
        if "staff" in kwargs:
            if kwargs["staff"] not in ("", caller.session.username):
                raise Forbidden(f"Cán bộ đang đăng nhập là {caller.session.username}, không phải "
                                f"{kwargs['staff']!r}")
            kwargs["staff"] = caller.session.username
        special = getattr(self, "_op_" + op.name, None)
        if special is not None:
            return special(caller, **kwargs)
        return getattr(self.service, op.name)(**kwargs)

    def _op_ticket_receipt(self, caller: Caller, ticket_id: int):
        return self.service.ticket_receipt(self.store.ticket(ticket_id))

    def _op_timeliness(self, caller: Caller, code: str):
        return self.service.timeliness(self.service.dossier(code))

    def _op_dossier(self, caller: Caller, code: str):
        """A dossier with full personal data: every view is in the audit log."""
        with self.store.write():
            dossier = self.service.dossier(code)
            self.store.add_audit(self.service.clock(), caller.session.username, caller.device.id,
                                 "dossier.view", dossier.code)
        return dossier

    def _op_kiosk_lookup(self, caller: Caller, code: str, secret: str):
        """Two-factor lookup, locked out per device after repeated misses."""
        with self.lookups.guard(f"device:{caller.device.id}", NotFound):
            return self.service.kiosk_lookup(code, secret)

    def login(self, token: str | None, username: str, pin: str) -> dict:
        """Open a staff session on a counter (or admin) device; PIN guesses are locked out."""
        device = self.credentials.device(token)
        authorize(api.LOGIN, device, None, "đăng nhập cán bộ")
        with self.logins.guard(f"device:{device.id}", Unauthorized), \
                self.logins.guard(f"user:{username}", Unauthorized):
            session_token, session = self.credentials.login(device, username, pin)
        return {"token": session_token, "username": session.username,
                "actor": api.encode(session.actor), "expires_at": session.expires_at.isoformat()}

    def logout(self, token: str | None, session_token: str | None) -> None:
        """End the staff session given with a valid device token."""
        self.credentials.device(token)
        if session_token:
            self.credentials.logout(session_token)

    # ---- realtime board feed --------------------------------------------------------------

    def snapshot(self) -> tuple[int, dict]:
        """(change-log position, what a board shows now): called tickets, paused counters, waiting."""
        today = self.service.clock().date()
        with self.store.read():
            seq = self.store.last_event_seq()
            active = self.store.tickets(today, [TicketState.CALLED, TicketState.SERVING])
            counters = self.store.counters()
            waiting = self.store.waiting_counts(today)
        return seq, {"called": [_board_ticket(api.encode(t)) for t in active],
                     "paused": [{"counter_id": c.id, "reason": c.paused_reason}
                                for c in counters if c.paused_reason is not None],
                     "waiting": waiting}

    def board_events(self, cursor: int) -> tuple[list[tuple[int, str, dict]], int, dict | None]:
        """Board events after `cursor`: (events, new cursor, waiting counts if tickets changed)."""
        today = self.service.clock().date()
        with self.store.read():
            last = self.store.last_event_seq()
            rows = self.store.entity_events(cursor, last, BOARD_ENTITIES, FEED_BATCH)
            complete = len(rows) < FEED_BATCH
            tickets_moved = any(r["entity"] == "ticket" for r in rows)
            waiting = self.store.waiting_counts(today) if complete and tickets_moved else None
        events = [(r["seq"], f"{r['entity']}.{r['kind']}", _board_payload(r)) for r in rows]
        return events, last if complete else rows[-1]["seq"], waiting

    async def run(self, name: str, fn: Callable, *args: Any) -> Any:
        """Run `fn(*args)` where use case `name` belongs: writer thread, thread pool or right here."""
        if name in WRITES:
            return await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)
        if name in SLOW:
            return await run_in_threadpool(fn, *args)
        return fn(*args)

    def changed(self) -> None:
        """Wake the feed streams (call on the event loop after a mutation)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def stream(self, cursor: int | None) -> AsyncIterator[str]:
        """The SSE stream: a snapshot when `cursor` is None, else every board event after it."""
        yield "retry: 1000\n\n"
        if cursor is None:
            cursor, snapshot = self.snapshot()
            yield _sse(cursor, "snapshot", snapshot)
        quiet_since = time.monotonic()
        while not self.stopping:
            changed = self._changed
            events, cursor, waiting = self.board_events(cursor)
            for seq, kind, data in events:
                yield _sse(seq, kind, data)
            if waiting is not None:
                yield _sse(cursor, "waiting", waiting)
            if events:
                quiet_since = time.monotonic()
                continue
            if time.monotonic() - quiet_since >= HEARTBEAT_S:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
            try:
                await asyncio.wait_for(changed.wait(), FEED_POLL_S)
            except TimeoutError:
                pass


def _board_ticket(ticket: dict) -> dict:
    """What a board may know of a ticket: number, service, counter, state, calls; never a name."""
    return {k: ticket.get(k) for k in BOARD_TICKET_FIELDS}


def _board_payload(row: dict) -> dict:
    payload = row["payload"]
    if row["entity"] == "ticket":
        return _board_ticket(payload)
    if row["entity"] == "device":  # device alerts carry no personal data
        return payload
    return {"counter_id": payload["id"], "reason": payload["reason"]}


def _sse(event_id: int, kind: str, data: Any) -> str:
    return (f"id: {event_id}\nevent: {kind}\n"
            f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n")


# ---- the app --------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="device token from `main.py hub enroll`")
_staff_session = APIKeyHeader(name=api.STAFF_HEADER, auto_error=False,
                              description="staff session token from POST /session")
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
SessionToken = Annotated[str | None, Security(_staff_session)]
IdempotencyKey = Annotated[str | None, Header(alias=api.IDEMPOTENCY_HEADER, pattern=r"^[!-~]{1,200}$")]
ERROR_RESPONSES = {status: {"model": ErrorOut} for status in (401, 403, 404, 409, 413, 422, 429)}


def create_app(service: OfficeService, *, lookup_lockout: Lockout | None = None,
               login_lockout: Lockout | None = None, max_body: int = MAX_BODY_BYTES) -> FastAPI:
    """The hub's FastAPI app over one OfficeService (its store, configuration and clock)."""
    hub = Hub(service, lookup_lockout, login_lockout)
    app = FastAPI(title="Một cửa — office hub", version="1",
                  description="The one-stop office's use cases for kiosks, counters and display boards.")
    app.state.hub = hub
    app.add_middleware(BodyLimit, limit=max_body)
    _add_error_handlers(app)
    for op in api.OPS.values():
        _add_route(app, hub, op, INPUTS.get(op.name, NoInput))

    @app.post(api.SESSION_PATH, responses=ERROR_RESPONSES, summary="log a staff member in with a PIN")
    async def login(body: LoginIn, credentials: BearerToken) -> dict:
        """Open a staff session on this counter device; send its token as X-Staff-Session."""
        return await hub.run("login", hub.login, _token(credentials), body.username, body.pin)

    @app.delete(api.SESSION_PATH, responses=ERROR_RESPONSES, summary="log the staff member out")
    async def logout(credentials: BearerToken, session: SessionToken) -> dict:
        """End the staff session."""
        await hub.run("logout", hub.logout, _token(credentials), session)
        return {"ok": True}

    @app.get(api.FEED_PATH, responses=ERROR_RESPONSES, response_class=StreamingResponse,
             summary="realtime board feed (Server-Sent Events)")
    async def feed(credentials: BearerToken,
                   last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
                   after: Annotated[int | None, Query(ge=0, le=2 ** 62)] = None) -> StreamingResponse:
        """Without Last-Event-ID: a snapshot, then live events. With it: exactly the events after it."""
        hub.authenticate(api.BOARD, "đọc bảng tin", _token(credentials), None)
        if last_event_id is not None:
            if not last_event_id.isdigit():
                raise InvalidInput("Last-Event-ID phải là số thứ tự sự kiện")
            after = int(last_event_id)
        return StreamingResponse(hub.stream(after), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    @app.get("/health", summary="liveness")
    async def health() -> dict:
        """Always {"ok": true} while the hub answers."""
        return {"ok": True}

    return app


def _token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return credentials.credentials if credentials else None


def _add_route(app: FastAPI, hub: Hub, op: api.Op, model: type[_In]) -> None:
    """One route for one use case: GET with query parameters or POST with a JSON body."""
    parameters = [inspect.Parameter("credentials", inspect.Parameter.KEYWORD_ONLY, annotation=BearerToken)]
    if any(op.access.values()):
        parameters.append(inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=SessionToken))
    if op.retry:
        parameters.append(inspect.Parameter("key", inspect.Parameter.KEYWORD_ONLY, default=None,
                                            annotation=IdempotencyKey))
    if model.model_fields:
        where = Query() if op.method == "GET" else Body()
        parameters.append(inspect.Parameter("params", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Annotated[model, where]))

    async def endpoint(credentials=None, session=None, key=None, params=None) -> Response:
        answer = await hub.run(op.name, hub.call, op, params or model(), _token(credentials), session, key)
        if op.retry:
            hub.changed()
        return Response(json.dumps(answer, ensure_ascii=False, separators=(",", ":")),
                        media_type="application/json")

    endpoint.__signature__ = inspect.Signature(parameters)
    endpoint.__doc__ = (getattr(OfficeService, op.name).__doc__ or "").strip()
    roles = ", ".join(f"{role}{' + staff login' if staff else ''}" for role, staff in op.access.items())
    responses = {**ERROR_RESPONSES, 200: {"description": "the use case's result, as JSON"}}
    app.add_api_route(op.path, endpoint, methods=[op.method], name=op.name, responses=responses,
                      summary=f"{op.name.replace('_', ' ')} ({roles})", response_class=Response)


def _error_response(error: DomainError) -> JSONResponse:
    headers = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(api.error_body(error.code, error.message), api.http_status(error), headers)


def _add_error_handlers(app: FastAPI) -> None:
    """Every failure answers {"error": code, "message": …}; unexpected ones are logged."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        return _error_response(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        details = [{"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in error.errors()]
        message = "; ".join(f"{d['where']}: {d['problem']}" for d in details[:5])
        return JSONResponse(api.error_body(InvalidInput.code, f"Dữ liệu không hợp lệ — {message}",
                                           details=details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "no_such_endpoint", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return JSONResponse(api.error_body(code, str(error.detail)), error.status_code, error.headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(api.error_body("internal_error", "Lỗi máy chủ văn phòng (đã ghi nhật ký)"), 500)


class BodyLimit:
    """ASGI middleware: reads the request body up to `limit` bytes, else answers 413."""

    def __init__(self, app: Callable, limit: int):
        """Wrap an ASGI app."""
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        """Buffer the body (bounded), then hand it to the app."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        body, more = b"", not declared.isdigit() or int(declared) <= self.limit
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False) and len(body) <= self.limit
        if len(body) > self.limit or (declared.isdigit() and int(declared) > self.limit):
            response = JSONResponse(api.error_body(PayloadTooLarge.code,
                                                   f"Yêu cầu quá lớn (tối đa {self.limit} byte)"), 413)
            return await response(scope, receive, send)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


# ---- running it -----------------------------------------------------------------------------

def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then (else
    # Nagle + delayed ACK add 40 ms to every keep-alive response)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # connections queue from now on, even before the server loop runs
    return sock


def _server(app: FastAPI) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                         timeout_graceful_shutdown=2))


def serve(service: OfficeService, host: str = "127.0.0.1", port: int = 8470,
          announce: Callable[[str], None] = print) -> None:
    """Serve the hub in this thread until interrupted (Ctrl-C)."""
    sock = _listen(host, port)
    server = _server(create_app(service))
    announce(f"http://{host}:{sock.getsockname()[1]}")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down gracefully
        pass
    finally:
        server.config.app.state.hub.writer.shutdown()


def start_hub_thread(service: OfficeService, host: str = "127.0.0.1", port: int = 0,
                     **options: Any) -> tuple[str, Callable[[], None]]:
    """Start a hub on a background thread (port 0: any free port); returns (URL, stop function).

    `options` go to `create_app` (e.g. lockouts). `stop()` ends open feeds and waits for the thread.
    """
    sock = _listen(host, port)
    app = create_app(service, **options)
    server = _server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"office-hub:{sock.getsockname()[1]}")
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the office hub did not start")
        time.sleep(0.01)
    url = f"http://{host}:{sock.getsockname()[1]}"

    def stop() -> None:
        """End the feeds, stop the server, wait for its thread."""
        app.state.hub.stopping = True
        server.should_exit = True
        thread.join(15)
        app.state.hub.writer.shutdown()
        sock.close()

    return url, stop
