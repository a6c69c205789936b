"""The office hub: every use case of the office port on the LAN, for kiosks, counters and boards.

Routes come from the port (`office.port`): one `GET|POST /api/<use-case>` each (see hub/api.py),
JSON in and out, plus `POST|DELETE /session` (staff PIN login), `GET /feed` (the realtime board
feed, hub/feed.py) and `/health`; the API documentation (`/docs`, `/openapi.json`) only when asked
for (the demo). Each request is run by an `office.gateway.OfficeGateway` for the calling device
and staff member, so the hub applies exactly the rules an embedded app gets; this module only
translates HTTP.

Every request carries a device token (`Authorization: Bearer …`); counter work also needs a staff
session (`X-Staff-Session`). Mutations accept an `Idempotency-Key`. The gate (hub/gate.py) checks
all that from the headers first: a refused request is answered before its body is read, before
input validation, and never reaches the writer thread.

Where work runs: every write goes to one writer thread, in arrival order (SQLite has one writer
anyway; queueing here spares its busy-wait sleeps and the GIL hand-offs of many threads), each
atomic with its change-log event, so a failed request leaves nothing behind; writes waiting
together are committed together (hub/writer.py), answered once on disk. Short reads
(a few indexed queries; WAL readers never wait for the writer) run on the event loop; searches,
whole-store aggregates and PIN hashing run on the thread pool.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import api, citizen, dashboard
from hub.feed import Feed
from hub.gate import Gate, OneLine, error_response, unavailable_response
from hub.inputs import INPUTS, LoginIn, NoInput, arguments
from hub.writer import Writer
from office import codec
from office.auth import Credentials
from office.errors import DomainError, InvalidInput, Unavailable
from office.gateway import OfficeGateway
from office.policy import Guards
from office.port import USE_CASES, OfficePort
from office.service import OfficeService
from web import pages

log = logging.getLogger("hub")

MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_S = 10.0
# searches, whole-store aggregates, PIN hashing: thread pool (their audit row, if any, is one short
# write from there); mutations, audited and limited reads: the writer thread
SLOW = frozenset({"summary", "dashboard", "reports", "register_rows", "search_dossiers", "late_dossiers", "login"})
WRITES = frozenset({name for name, use in USE_CASES.items()
                    if use.writes or use.audited or use.limited or use.secret} | {"logout"})
EVENT_ID = re.compile(r"[0-9]{1,18}", re.ASCII)  # a change-log position, below 2^63


class Hub:
    """What every route shares: the service, credentials, guards, the writer thread, the feed."""

    def __init__(self, service: OfficeService, guards: Guards | None = None):
        """Serve `service` with the office's limits on guessing (`guards`)."""
        self.service = service
        self.credentials = Credentials(service.store, service.clock)
        self.guards = guards or Guards()
        self.writer = Writer(service.store)
        self.feed = Feed(service)
        self.problems = OneLine()

    async def run(self, name: str, fn: Callable, *args: Any) -> Any:
        """Run `fn(*args)` where use case `name` belongs: thread pool, writer thread or right here."""
        if name in SLOW:
            return await run_in_threadpool(fn, *args)
        if name in WRITES:
            return await asyncio.wrap_future(self.writer.submit(fn, *args))
        return fn(*args)

    def close(self) -> None:
        """End the feeds and the writer thread."""
        self.feed.stop()
        self.writer.shutdown()


class ErrorOut(BaseModel):
    """Every error answer: a machine-readable code and a message for people."""

    error: str
    message: str


# Declared for the API documentation; the gate (hub/gate.py) has checked them already.
_bearer = HTTPBearer(auto_error=False, description="device token from `main.py hub enroll`")
_staff_session = APIKeyHeader(name=api.STAFF_HEADER, auto_error=False,
                              description="staff session token from POST /session")
BearerToken = Annotated[Any, Security(_bearer)]
SessionToken = Annotated[str | None, Security(_staff_session)]
IdempotencyKey = Annotated[str | None, Header(alias=api.IDEMPOTENCY_HEADER, pattern=r"^[!-~]{1,200}$")]
ERROR_RESPONSES = {status: {"model": ErrorOut} for status in (401, 403, 404, 409, 413, 422, 429, 503)}


def create_app(service: OfficeService, *, guards: Guards | None = None, max_body: int = MAX_BODY_BYTES,
               body_timeout: float = BODY_TIMEOUT_S, docs: bool = False) -> FastAPI:
    """The hub's FastAPI app over one OfficeService (its store, configuration and clock); `docs`
    serves /docs and /openapi.json (the demo; a real office's hub does not describe itself)."""
    hub = Hub(service, guards)
    app = FastAPI(title="Một cửa — office hub", version="1", redoc_url=None,
                  docs_url="/docs" if docs else None, openapi_url="/openapi.json" if docs else None,
                  description="The one-stop office's use cases for kiosks, counters and display boards.")
    app.state.hub = hub
    app.add_middleware(Gate, hub=hub, max_body=max_body, body_timeout=body_timeout, docs=docs)
    pages.install(app)  # the web pages' static files and every answer's security headers
    citizen.install(app, hub)  # the citizen's phone: /tra-cuu (receipt QR), /phieu (ticket QR)
    dashboard.install(app, hub)  # the office dashboard (/quan-ly)
    _add_error_handlers(app, hub)
    for name in USE_CASES:
        _add_route(app, hub, name, INPUTS.get(name, NoInput))

    @app.post(api.SESSION_PATH, responses=ERROR_RESPONSES, summary="log a staff member in with a PIN")
    async def login(request: Request, body: LoginIn, credentials: BearerToken) -> dict:
        """Open a staff session on this device (a counter device: at `counter_id`); send its token
        as X-Staff-Session."""
        gateway: OfficeGateway = request.state.gateway
        token, session = await hub.run("login", gateway.open_session, body.username, body.pin, body.counter_id)
        return {"token": token, "username": session.username, "counter_id": session.counter_id,
                "actor": codec.encode(session.actor), "expires_at": session.expires_at.isoformat()}

    @app.delete(api.SESSION_PATH, responses=ERROR_RESPONSES, summary="log the staff member out")
    async def logout(request: Request, credentials: BearerToken, session: SessionToken) -> dict:
        """End the staff session (only on the device it was opened on)."""
        if session:
            await hub.run("logout", hub.credentials.logout, request.state.gateway.device, session)
        return {"ok": True}

    @app.get(api.FEED_PATH, responses=ERROR_RESPONSES, response_class=StreamingResponse,
             summary="realtime board feed (Server-Sent Events)")
    async def feed(request: Request, credentials: BearerToken,
                   last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=18)] = None,
                   after: Annotated[int | None, Query(ge=0, le=2 ** 62)] = None) -> StreamingResponse:
        """Without Last-Event-ID: a snapshot, then live events. With it: exactly the events after it.
        A device may hold a few feeds at once (`hub.feed.FEEDS_PER_DEVICE`)."""
        if last_event_id is not None:
            if not EVENT_ID.fullmatch(last_event_id):
                raise InvalidInput("Last-Event-ID phải là số thứ tự sự kiện")
            after = int(last_event_id)
        stream = hub.feed.open(request.state.gateway.device, after)
        return StreamingResponse(stream, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/health", summary="liveness")
    async def health() -> dict:
        """Always {"ok": true} while the hub answers."""
        return {"ok": True}

    return app


def _add_route(app: FastAPI, hub: Hub, name: str, model: type[BaseModel]) -> None:
    """One route for one use case: GET with query parameters or POST with a JSON body."""
    use, method = USE_CASES[name], api.method(name)
    parameters = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
                  inspect.Parameter("credentials", inspect.Parameter.KEYWORD_ONLY, annotation=BearerToken)]
    if any(use.access.values()):
        parameters.append(inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionToken))
    if use.writes:
        parameters.append(inspect.Parameter("key", inspect.Parameter.KEYWORD_ONLY, default=None,
                                            annotation=IdempotencyKey))
    if model.model_fields:
        where = Query() if method == "GET" else Body()
        parameters.append(inspect.Parameter("params", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Annotated[model, where]))

    def call(gateway: OfficeGateway, params: BaseModel, key: str | None) -> Any:
        return codec.encode(gateway.invoke(name, arguments(params), key))

    async def endpoint(request: Request, credentials=None, session=None, key=None, params=None) -> Response:
        answer = await hub.run(name, call, request.state.gateway, params or model(), key)
        if use.writes:
            hub.feed.changed()
        return Response(json.dumps(answer, ensure_ascii=False, separators=(",", ":")),
                        media_type="application/json")

    endpoint.__signature__ = inspect.Signature(parameters)
    endpoint.__doc__ = (getattr(OfficePort, name).__doc__ or "").strip()
    roles = ", ".join(f"{role}{' + staff login' if staff else ''}" for role, staff in use.access.items())
    responses = {**ERROR_RESPONSES, 200: {"description": "the use case's result, as JSON"}}
    app.add_api_route(api.path(name), endpoint, methods=[method], name=name, responses=responses,
                      summary=f"{name.replace('_', ' ')} ({roles})", response_class=Response)


def _json(answer: tuple[int, dict, dict]) -> JSONResponse:
    status, body, headers = answer
    return JSONResponse(body, status, headers)


def _add_error_handlers(app: FastAPI, hub: Hub) -> None:
    """Every failure answers {"error": code, "message": …}; unexpected ones are logged."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        return _json(error_response(error))

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, error: Unavailable) -> JSONResponse:
        return _json(unavailable_response(error, request.scope, hub.problems))

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
