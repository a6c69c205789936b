"""The office hub: every use case of the office port on the LAN, for kiosks, counters and boards.

Routes come from the port (`office.port`): one `GET|POST /api/<use-case>` each (see hub/api.py),
JSON in and out, plus `POST|DELETE /session` (staff PIN login), `GET /feed` (the realtime board
feed, hub/feed.py) and `/openapi.json`. Each request is run by an `office.gateway.OfficeGateway`
for the calling device and staff member, so the hub applies exactly the rules an embedded app
gets; this module only translates HTTP.

Every request carries a device token (`Authorization: Bearer …`); counter work also needs a staff
session (`X-Staff-Session`). Mutations accept an `Idempotency-Key`.

Where work runs: every write goes to one writer thread, in arrival order (SQLite has one writer
anyway; queueing here spares its busy-wait sleeps and the GIL hand-offs of many threads), each in
one transaction with its change-log event, so a failed request leaves nothing behind. Short reads
(a few indexed queries; WAL readers never wait for the writer) run on the event loop; whole-store
aggregates and PIN hashing run on the thread pool.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import json
import logging
import math
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import api
from hub.feed import Feed
from hub.inputs import INPUTS, LoginIn, NoInput, arguments
from office import codec
from office.auth import Credentials, authorize
from office.errors import DomainError, InvalidInput, PayloadTooLarge, RateLimited, StaffLoginRequired, Unauthorized
from office.gateway import OfficeGateway
from office.policy import Guards
from office.port import USE_CASES, OfficePort
from office.service import OfficeService

log = logging.getLogger("hub")

MAX_BODY_BYTES = 64 * 1024
# whole-store aggregates, PIN hashing: thread pool; mutations and audited reads: the writer thread
SLOW = frozenset({"summary", "reports", "register_rows", "login"})
WRITES = frozenset({name for name, use in USE_CASES.items() if use.writes or use.audited or use.secret} | {"logout"})


class Hub:
    """What every route shares: the service, credentials, guards, the writer thread, the feed."""

    def __init__(self, service: OfficeService, guards: Guards | None = None):
        """Serve `service`; `guards` (lockouts) default to 5 failures a minute, then doubling locks."""
        self.service = service
        self.credentials = Credentials(service.store, service.clock)
        self.guards = guards or Guards()
        self.writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hub-writer")
        self.feed = Feed(service)

    def gateway(self, access: dict[str, bool], what: str, token: str | None,
                session_token: str | None) -> OfficeGateway:
        """The gateway of the device (and staff member) behind these credentials, if it may do
        `what`; else Unauthorized / StaffLoginRequired / Forbidden."""
        device = self.credentials.device(token)
        session = None
        if access.get(device.role) and session_token:
            session = self.credentials.session(device, session_token)
            if session is None:
                raise StaffLoginRequired("Phiên đăng nhập đã hết hạn hoặc đã đăng xuất; vui lòng đăng nhập lại")
        authorize(access, device, session, what)
        return OfficeGateway(self.service, device, self.guards, session)

    def call(self, name: str, params: BaseModel, token: str | None, session_token: str | None,
             key: str | None) -> Any:
        """Run one use case for a caller and return its JSON-ready answer."""
        gateway = self.gateway(USE_CASES[name].access, name, token, session_token)
        return codec.encode(gateway.invoke(name, arguments(params), key))

    def login(self, token: str | None, username: str, pin: str) -> dict:
        """Open a staff session on a counter (or admin) device; PIN guesses are locked out."""
        gateway = OfficeGateway(self.service, self.credentials.device(token), self.guards)
        session_token, session = gateway.open_session(username, pin)
        return {"token": session_token, "username": session.username,
                "actor": codec.encode(session.actor), "expires_at": session.expires_at.isoformat()}

    def logout(self, token: str | None, session_token: str | None) -> None:
        """End the staff session given with a valid device token."""
        self.credentials.device(token)
        if session_token:
            self.credentials.logout(session_token)

    async def run(self, name: str, fn: Callable, *args: Any) -> Any:
        """Run `fn(*args)` where use case `name` belongs: writer thread, thread pool or right here."""
        if name in WRITES:
            return await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)
        if name in SLOW:
            return await run_in_threadpool(fn, *args)
        return fn(*args)

    def close(self) -> None:
        """End the feeds and the writer thread."""
        self.feed.stopping = True
        self.writer.shutdown()


class ErrorOut(BaseModel):
    """Every error answer: a machine-readable code and a message for people."""

    error: str
    message: str


_bearer = HTTPBearer(auto_error=False, description="device token from `main.py hub enroll`")
_staff_session = APIKeyHeader(name=api.STAFF_HEADER, auto_error=False,
                              description="staff session token from POST /session")
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
SessionToken = Annotated[str | None, Security(_staff_session)]
IdempotencyKey = Annotated[str | None, Header(alias=api.IDEMPOTENCY_HEADER, pattern=r"^[!-~]{1,200}$")]
ERROR_RESPONSES = {status: {"model": ErrorOut} for status in (401, 403, 404, 409, 413, 422, 429)}


def create_app(service: OfficeService, *, guards: Guards | None = None, max_body: int = MAX_BODY_BYTES) -> FastAPI:
    """The hub's FastAPI app over one OfficeService (its store, configuration and clock)."""
    hub = Hub(service, guards)
    app = FastAPI(title="Một cửa — office hub", version="1",
                  description="The one-stop office's use cases for kiosks, counters and display boards.")
    app.state.hub = hub
    app.add_middleware(BodyLimit, limit=max_body)
    _add_error_handlers(app)
    for name in USE_CASES:
        _add_route(app, hub, name, INPUTS.get(name, NoInput))

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
        hub.gateway(api.BOARD, "đọc bảng tin", _token(credentials), None)
        if last_event_id is not None:
            if not last_event_id.isdigit():
                raise InvalidInput("Last-Event-ID phải là số thứ tự sự kiện")
            after = int(last_event_id)
        return StreamingResponse(hub.feed.stream(after), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    @app.get("/health", summary="liveness")
    async def health() -> dict:
        """Always {"ok": true} while the hub answers."""
        return {"ok": True}

    return app


def _token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return credentials.credentials if credentials else None


def _add_route(app: FastAPI, hub: Hub, name: str, model: type[BaseModel]) -> None:
    """One route for one use case: GET with query parameters or POST with a JSON body."""
    use, method = USE_CASES[name], api.method(name)
    parameters = [inspect.Parameter("credentials", inspect.Parameter.KEYWORD_ONLY, annotation=BearerToken)]
    if any(use.access.values()):
        parameters.append(inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionToken))
    if use.writes:
        parameters.append(inspect.Parameter("key", inspect.Parameter.KEYWORD_ONLY, default=None,
                                            annotation=IdempotencyKey))
    if model.model_fields:
        where = Query() if method == "GET" else Body()
        parameters.append(inspect.Parameter("params", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Annotated[model, where]))

    async def endpoint(credentials=None, session=None, key=None, params=None) -> Response:
        answer = await hub.run(name, hub.call, name, params or model(), _token(credentials), session, key)
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


