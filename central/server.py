"""The central system's HTTP server (FastAPI + uvicorn); `main.py central` is central/cli.py.

Endpoints (JSON; errors are {"error": code, "message": ..., ...} with a 4xx/5xx status;
429 and 503 carry Retry-After):

    GET  /v1/health                       liveness
    GET  /v1/office                       office token: its hwm and update count
    POST /v1/push                         office token: a gzip batch (sync.protocol); pushes of
                                          one office are applied in arrival order (PushOrder);
                                          the answer lists the events quarantined
    GET  /v1/pull?after=N&limit=M         office token: updates after a cursor
    GET  /v1/reconcile                    office token: per-day event counts and id hashes
    GET  /v1/dossiers?status=&office=&after=&limit=
                                          department token: dossiers of its scope (no personal data)
    POST /v1/dossiers/{code}/steps        department token: a processing step / status change
    GET  /v1/dossiers/{code}              department token: the dossier (personal data: audited)
    POST /v1/online                       portal token: a dossier submitted online, for an office
    GET  /v1/online/{ref}                 portal token: where an online dossier stands

An office token only ever reaches its own office's data: the office id comes from the token,
never from the request. A department token only reaches the dossiers of its scope (offices,
fields or procedures, given at `central enroll`); anything else is "not found". TLS: run behind a
reverse proxy, or pass --ssl-keyfile/--ssl-certfile.
"""
from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.requests import ClientDisconnect

from central import dashboard, lookup
from central.access import AuthError, Principal
from central.db import StoreUnavailable
from central.events import ONLINE_REF, Storable
from central.online import Submission
from central.store import CentralStore
from office.errors import DomainError, InvalidInput
from office.rules.codes import parse_dossier_code
from sync.protocol import (
    MAX_CLOCK_SKEW,
    MAX_COMPRESSED_BYTES,
    MAX_PULL_LIMIT,
    MAX_SEQ,
    ProtocolError,
    decode_batch,
)
from web import pages

log = logging.getLogger("central")

MAX_JSON_BYTES = 64 * 1024
MAX_PUSHES_PER_OFFICE = 4  # concurrent pushes of one office beyond this get 429 (a client keeps 2 in flight)
PREDECESSOR_WAIT_S = 10.0  # how long a push waits for an earlier push of its office to be applied
MAX_IN_FLIGHT = 64  # requests being handled beyond this get 503
RETRY_AFTER_BUSY = "1"
RETRY_AFTER_UNAVAILABLE = "2"
DOMAIN_STATUS = {"not_found": 404, "illegal_transition": 409, "invalid_input": 422, "conflict": 409}
LIST_LIMIT = 1000


def _plausible(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2099:
        raise ValueError("year must be within 2000–2099")
    return value


class StepIn(BaseModel):
    """A processing step posted by a back-office department. `at` is a time with its UTC offset
    (kept as given) or a Vietnam local time; none means now."""

    model_config = ConfigDict(extra="forbid")

    status: int = Field(ge=1, le=10)
    actor: Storable(200, 1)
    role: Storable(200, 1)
    content: Storable(2000, 1)
    at: Annotated[datetime, AfterValidator(_plausible)] | None = None
    request_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:\-]{8,64}$")] | None = None


def _dossier_code(code: str) -> str:
    """A dossier code (or an online reference) from a URL, or NotFound-like 404 for anything else."""
    try:
        if str(parse_dossier_code(code)) == code:
            return code
    except InvalidInput:
        pass
    if re.fullmatch(ONLINE_REF, code):
        return code
    raise ProtocolError("not_found", "no such dossier", 404)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PushOrder:
    """Lets a client keep a second batch in flight: a push that starts beyond the office's hwm
    waits (at most `max_wait` seconds) while another push of the office is in progress, so it is
    applied right after its predecessor instead of being refused as out of order; its decoding
    overlaps the predecessor's apply. Correctness does not depend on it: the store applies under
    the office row lock and refuses a hole (409), and the client resumes from the hwm it names."""

    def __init__(self, max_wait: float = PREDECESSOR_WAIT_S):
        """`max_wait` bounds the wait for a predecessor that never completes (a cut connection)."""
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._active: Tally = Tally()
        self._hwm: dict[str, int] = {}

    def arrive(self, office_id: str) -> None:
        """A push of the office has arrived (its body may still be on the way)."""
        with self._cond:
            self._active[office_id] += 1

    def leave(self, office_id: str) -> None:
        """A push of the office is done, applied or not."""
        with self._cond:
            self._active[office_id] -= 1
            if not self._active[office_id]:
                del self._active[office_id]
            self._cond.notify_all()

    def apply(self, office_id: str, batch, apply: Callable, stored_hwm: Callable[[], int]):
        """Wait for the batch's turn (a checked batch), then `apply(batch)` and return its result;
        `stored_hwm` reads the office's hwm from the store the first time this server sees the office."""
        if office_id not in self._hwm:
            hwm = stored_hwm()
            with self._cond:
                self._hwm[office_id] = max(hwm, self._hwm.get(office_id, hwm))
        deadline = time.monotonic() + self.max_wait
        with self._cond:
            while (batch.batch.after_seq > self._hwm[office_id] and self._active[office_id] > 1
                   and (left := deadline - time.monotonic()) > 0):
                self._cond.wait(left)
        result = apply(batch)
        with self._cond:
            self._hwm[office_id] = max(result.hwm, self._hwm[office_id])
            self._cond.notify_all()
        return result


def create_app(store: CentralStore, *, max_skew=MAX_CLOCK_SKEW,
               clock: Callable[[], datetime] = _utcnow, push_wait: float = PREDECESSOR_WAIT_S,
               lookup_keys: str | None = None) -> FastAPI:
    """The central FastAPI app over a store; `clock` (aware UTC) judges office clock skew;
    `push_wait` bounds how long a push waits for an earlier push of its office (PushOrder);
    `lookup_keys`: the offices' lookup keys file (central/lookup.py; None: no status page lookups)."""
    app = FastAPI(title="Một cửa central sync", docs_url=None, redoc_url=None, openapi_url=None)
    pages.install(app)  # the web pages' static files and every answer's security headers
    app.include_router(dashboard.router(store))  # the provincial dashboard (leaders)
    lookup.install(app, store, lookup_keys)  # the citizen's status page and the offices' lookup keys
    lock = threading.Lock()
    pushes: Tally = Tally()
    order = PushOrder(push_wait)
    in_flight = [0]

    def error(status: int, code: str, message: str, retry_after: str | None = None, **details):
        """A JSON error answer, with Retry-After when given."""
        headers = {"Retry-After": retry_after} if retry_after else None
        return JSONResponse({"error": code, "message": message, **details}, status, headers=headers)

    @app.exception_handler(ProtocolError)
    async def _protocol(request, e: ProtocolError):
        return JSONResponse(e.as_dict(), e.status)

    @app.exception_handler(AuthError)
    async def _auth(request, e: AuthError):
        return error(401, e.code, e.message)

    @app.exception_handler(DomainError)
    async def _domain(request, e: DomainError):
        return error(DOMAIN_STATUS.get(e.code, 409), e.code, e.message)

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request, e: StoreUnavailable):
        return error(503, "unavailable", str(e), RETRY_AFTER_UNAVAILABLE)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, e: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
        return error(422, "invalid_input", "; ".join(problems)[:500])

    @app.exception_handler(Exception)
    async def _internal(request, e: Exception):
        log.exception("%s %s failed", request.method, request.url.path)
        return error(500, "internal", "the central system failed to answer; the error is logged")

    @app.middleware("http")
    async def _limit(request: Request, call_next):
        with lock:
            if in_flight[0] >= MAX_IN_FLIGHT:
                return error(503, "overloaded", "too many requests in progress", RETRY_AFTER_UNAVAILABLE)
            in_flight[0] += 1
        try:
            return await call_next(request)
        finally:
            with lock:
                in_flight[0] -= 1

    async def principal(request: Request, kind: str) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthError("unauthorized", "missing bearer token")
        who = await run_in_threadpool(store.authenticate, token.strip())
        if who.kind != kind:
            raise ProtocolError("forbidden", f"a {who.kind} token cannot use this endpoint", 403)
        if kind == "department" and who.scope is None:
            raise ProtocolError("no_scope", "this department token has no scope: enroll the department "
                                "again with --offices, --fields or --procedures", 403)
        return who

    async def json_body(request: Request, model: type[BaseModel]):
        raw = await body(request, MAX_JSON_BYTES)
        try:
            return model.model_validate_json(raw)
        except ValueError as e:
            raise ProtocolError("invalid_input", f"{model.__name__}: {e}".replace("\n", " ")[:500], 422) from None

    async def body(request: Request, limit: int) -> bytes:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise ProtocolError("too_large", f"request body is {length} bytes; the limit is {limit}",
                                413, limit=limit)
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ProtocolError("too_large", f"request body exceeds {limit} bytes", 413, limit=limit)
                chunks.append(chunk)
        except ClientDisconnect:  # the link dropped mid-body: nothing was applied, nobody listens
            raise ProtocolError("client_disconnected", "the request body was cut off", 400) from None
        return b"".join(chunks)

    @app.get("/v1/health")
    async def health():
        """Liveness."""
        return {"ok": True}

    @app.get("/v1/office")
    async def office(request: Request):
        """This office's hwm and update count."""
        who = await principal(request, "office")
        return await run_in_threadpool(store.office_state, who.subject)

    @app.post("/v1/push")
    async def push(request: Request):
        """Apply a compressed batch of this office's events."""
        who = await principal(request, "office")
        order.arrive(who.subject)
        try:
            raw = await body(request, MAX_COMPRESSED_BYTES)
            with lock:
                if pushes[who.subject] >= MAX_PUSHES_PER_OFFICE:
                    return error(429, "busy", "this office already has pushes in progress", RETRY_AFTER_BUSY)
                pushes[who.subject] += 1
            try:
                result = await run_in_threadpool(
                    lambda: order.apply(who.subject, store.check(decode_batch(raw, who.subject, clock(), max_skew)),
                                        store.apply_batch, lambda: store.office_state(who.subject)["hwm"]))
            finally:
                with lock:
                    pushes[who.subject] -= 1
        finally:
            order.leave(who.subject)
        if result.quarantined:
            log.warning("office %s: %d event(s) quarantined, e.g. seq %d: %s", who.subject,
                        len(result.quarantined), result.quarantined[0]["seq"], result.quarantined[0]["reason"])
        return {"hwm": result.hwm, "applied": result.applied, "duplicates": result.duplicates,
                "quarantined": list(result.quarantined)}

    @app.get("/v1/pull")
    async def pull(request: Request, after: int = 0, limit: int = 500):
        """Updates for this office after a cursor."""
        who = await principal(request, "office")
        if not 0 <= after <= MAX_SEQ or not 1 <= limit <= MAX_PULL_LIMIT:
            raise ProtocolError("invalid_input", f"need 0 <= after < 2^63 and 1 <= limit <= {MAX_PULL_LIMIT}", 422)
        return await run_in_threadpool(store.pull, who.subject, after, limit)

    @app.get("/v1/reconcile")
    async def reconcile(request: Request):
        """Per-day counts and event-id hashes of this office."""
        who = await principal(request, "office")
        return {"office_id": who.subject, "days": await run_in_threadpool(store.digests, who.subject)}

    @app.get("/v1/dossiers")
    async def list_dossiers(request: Request, status: Annotated[int | None, Query(ge=1, le=10)] = None,
                            office: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._\-]{1,100}$")] = None,
                            after: Annotated[str, Query(pattern=r"^[0-9A-Za-z.\-_]{0,60}$")] = "",
                            limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = 100):
        """Dossiers of this department's scope, by code (no personal data)."""
        who = await principal(request, "department")
        rows = await run_in_threadpool(store.dossier_list, who.scope, status, office, after, limit)
        return {"dossiers": rows, "after": rows[-1]["code"] if rows else after}

    @app.post("/v1/dossiers/{code}/steps")
    async def post_step(code: str, request: Request):
        """A back-office processing step for a dossier of this department's scope."""
        who = await principal(request, "department")
        code = _dossier_code(code)
        step = await json_body(request, StepIn)
        at = step.at or clock()
        given = step.at.isoformat() if step.at and step.at.tzinfo else None
        return await run_in_threadpool(lambda: store.post_step(
            code, step.status, step.actor, step.role, who.subject, step.content, at, step.request_id,
            scope=who.scope, at_given=given))

    @app.get("/v1/dossiers/{code}")
    async def get_dossier(code: str, request: Request):
        """A dossier of this department's scope as the central system knows it; the read is audited."""
        who = await principal(request, "department")
        code = _dossier_code(code)
        return await run_in_threadpool(lambda: store.dossier(code, scope=who.scope, reader=who.subject))

    @app.post("/v1/online")
    async def import_online(request: Request):
        """A dossier submitted online (the provincial portal): queued to its office at status 1."""
        await principal(request, "portal")
        submission = await json_body(request, Submission)
        return await run_in_threadpool(store.import_online, submission)

    @app.get("/v1/online/{ref}")
    async def online_state(ref: str, request: Request):
        """Where an online dossier stands (pending, accepted with its code, refused with the reason)."""
        await principal(request, "portal")
        if not re.fullmatch(ONLINE_REF, ref):
            raise ProtocolError("not_found", "no such online dossier", 404)
        return await run_in_threadpool(store.online_state, ref)

    return app


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0: any free port). Its protocol is named (IPPROTO_TCP) so that
    asyncio sets TCP_NODELAY on every connection: without it, a response written in two parts
    waits for the client's delayed ACK, ~40 ms on every request (Nagle's algorithm)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(256)
    return sock


def _server(app, **ssl):
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_keep_alive=5,
                                         access_log=False, **ssl))


class CentralThread:
    """The central server in a background thread (tests and benchmarks): `url` once started."""

    def __init__(self, store: CentralStore, host: str = "127.0.0.1", port: int = 0, **app_options):
        self.app = create_app(store, **app_options)
        self.sock = bind(host, port)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = _server(self.app)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> CentralThread:
        """Start serving and wait until ready."""
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("central server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


# ---- `main.py central serve` ---------------------------------------------------------------

def serve(db: str, host: str, port: int, ssl_keyfile: str | None = None,
          ssl_certfile: str | None = None, lookup_keys: str | None = None) -> int:
    """Run the central server until interrupted; `lookup_keys` defaults to `<db>.lookup-keys`
    beside a SQLite file (PostgreSQL: only where given)."""
    store = CentralStore(db)
    lookup_keys = lookup_keys or (None if store.pg else f"{db}.lookup-keys")
    sock = bind(host, port)
    scheme = "https" if ssl_certfile else "http"
    print(f"central: serving {db if not store.pg else 'PostgreSQL'} on "
          f"{scheme}://{host}:{sock.getsockname()[1]}", flush=True)
    ssl = {"ssl_keyfile": ssl_keyfile, "ssl_certfile": ssl_certfile} if ssl_certfile else {}
    try:
        _server(create_app(store, lookup_keys=lookup_keys), **ssl).run(sockets=[sock])
    finally:  # Ctrl-C or SIGTERM (uvicorn finishes the requests in hand first)
        store.close()
    return 0
