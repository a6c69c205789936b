"""The hub's gate: every request is authenticated and authorised from its headers before anything
else happens — before its body is read, before input validation, before the writer thread.

An ASGI middleware in front of the FastAPI app. For each request it finds the route's access rule
(the use case's roles from `office.port.USE_CASES`, the staff login, the board feed, logging in),
resolves the device token (and the staff session where the rule needs one) and builds the caller's
`OfficeGateway`, which the route then uses. A refused request is answered at once, with
`Connection: close`, so an unauthenticated client can neither make the hub wait for a body nor
learn the input schema from a validation error. An admitted request's body is read with a size
limit and a deadline (a slow sender cannot hold the hub), then handed to the app.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable, Mapping

from hub import api
from office.auth import authorize
from office.errors import (
    DomainError,
    PayloadTooLarge,
    RateLimited,
    StaffLoginRequired,
    Unauthorized,
    Unavailable,
)
from office.gateway import OfficeGateway
from office.port import EVERYONE, LOGIN, USE_CASES

log = logging.getLogger("hub")

PUBLIC = frozenset({"/health"})
# The web pages (web/): a citizen's phone holds no device token; each page checks its own caller
# (a ticket's token, a receipt's secret, a staff login cookie), so only the body limits apply here.
WEB_PAGES = ("/tra-cuu", "/phieu", "/quan-ly", "/static/")
DOCS = frozenset({"/docs", "/docs/oauth2-redirect", "/openapi.json"})
UNAVAILABLE_RETRY_S = 30


def access_rule(method: str, path: str) -> tuple[Mapping[str, bool], str]:
    """(who may call, what it is called in messages) for a request line; any enrolled device for
    paths the app does not serve (it answers 404/405 once the caller is known)."""
    if path.startswith(api.API_PREFIX):
        name = path[len(api.API_PREFIX):].replace("-", "_")
        if name in USE_CASES:
            return USE_CASES[name].access, name.replace("_", " ")
    if path == api.SESSION_PATH and method == "POST":
        return LOGIN, "đăng nhập cán bộ"
    if path == api.FEED_PATH:
        return api.BOARD, "đọc bảng tin"
    return EVERYONE, "gọi máy chủ văn phòng"


class Gate:
    """ASGI middleware: authenticate and authorise from the headers, then read the body (at most
    `max_body` bytes within `body_timeout` seconds), then run the app with the caller's gateway
    in `scope["state"]["gateway"]`."""

    def __init__(self, app: Callable, hub, max_body: int, body_timeout: float, docs: bool):
        """Guard `app` for `hub` (its credentials, service and guards)."""
        self.app, self.hub = app, hub
        self.max_body, self.body_timeout, self.docs = max_body, body_timeout, docs

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        """Answer a refused request at once; else bound the body and run the app."""
        if scope["type"] != "http" or scope["path"] in PUBLIC or (self.docs and scope["path"] in DOCS):
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if not scope["path"].startswith(WEB_PAGES):
            try:
                scope.setdefault("state", {})["gateway"] = self._gateway(scope["method"], scope["path"], headers)
            except DomainError as error:
                return await reply(send, error_response(error), close=True)
            except Unavailable as error:
                return await reply(send, unavailable_response(error, scope, self.hub.problems), close=True)
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_body:
            return await reply(send, too_large(self.max_body), close=True)
        try:
            body = await asyncio.wait_for(self._body(receive), self.body_timeout)
        except TimeoutError:
            return await reply(send, (408, api.error_body("request_timeout", "Gửi yêu cầu quá chậm"), {}),
                               close=True)
        if body is None:  # the client went away
            return None
        if len(body) > self.max_body:
            return await reply(send, too_large(self.max_body), close=True)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _gateway(self, method: str, path: str, headers: dict[bytes, bytes]) -> OfficeGateway:
        access, what = access_rule(method, path)
        credentials = self.hub.credentials
        device = credentials.device(_bearer(headers.get(b"authorization", b"")))
        session = None
        session_token = headers.get(api.STAFF_HEADER.lower().encode(), b"").decode("latin-1")
        if access.get(device.role) and session_token:
            session = credentials.session(device, session_token)
            if session is None:
                raise StaffLoginRequired("Phiên đăng nhập đã hết hạn hoặc đã đăng xuất; vui lòng đăng nhập lại")
        authorize(access, device, session, what)
        return OfficeGateway(self.hub.service, device, self.hub.guards, session)

    async def _body(self, receive: Callable) -> bytes | None:
        """The request body, read up to one chunk past the limit; None if the client left."""
        body, more = b"", True
        while more and len(body) <= self.max_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
        return body


def _bearer(value: bytes) -> str | None:
    scheme, _, token = value.decode("latin-1").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


Answer = tuple[int, dict, dict]  # status, JSON body, headers


def error_response(error: DomainError) -> Answer:
    """The answer to a rule that said no: its status, `{"error", "message"}`, and Retry-After or
    WWW-Authenticate where they apply."""
    headers = {}
    if isinstance(error, RateLimited):
        headers["retry-after"] = str(max(1, math.ceil(error.retry_after)))
    if isinstance(error, Unauthorized):
        headers["www-authenticate"] = "Bearer"
    return api.http_status(error), api.error_body(error.code, error.message), headers


class OneLine:
    """Logs a recurring problem in one line (no traceback), then at most one line per `every`
    seconds for the same problem, with the number of requests it refused meanwhile."""

    def __init__(self, every: float = 60.0):
        """Quiet for `every` seconds after each line."""
        self.every = every
        self._next: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warn(self, code: str, text: str) -> None:
        """Log `text` for problem `code`, unless a line for it went out less than `every` ago."""
        now = time.monotonic()
        if now < self._next.get(code, 0.0):
            self._held[code] = self._held.get(code, 0) + 1
            return
        held = self._held.pop(code, 0)
        log.warning("%s%s", text, f" ({held} more refused since the last line)" if held else "")
        self._next[code] = now + self.every


def unavailable_response(error: Unavailable, scope: dict, problems: OneLine) -> Answer:
    """503 with Retry-After for something that could not answer (e.g. a full disk), logged once."""
    problems.warn(error.code, f"503 {error.code} on {scope.get('method')} {scope.get('path')}: {error.message}")
    return 503, api.error_body(error.code, "Máy chủ văn phòng tạm thời không ghi được dữ liệu; vui lòng thử "
                                           "lại sau"), {"retry-after": str(UNAVAILABLE_RETRY_S)}


def too_large(limit: int) -> Answer:
    """413 for a body over the limit."""
    return 413, api.error_body(PayloadTooLarge.code, f"Yêu cầu quá lớn (tối đa {limit} byte)"), {}


async def reply(send: Callable, answer: Answer, close: bool = False) -> None:
    """Send a JSON answer (closing the connection when the request's body was not read)."""
    status, body, headers = answer
    raw = json.dumps(body, ensure_ascii=False).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
            *((k.encode(), v.encode()) for k, v in headers.items())]
    if close:
        head.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})
