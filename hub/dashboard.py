"""The office dashboard on the hub (/quan-ly): the office's admins and leaders log in with their
PIN in a browser and watch the office live.

This module only translates HTTP. A browser is a "web" caller of the core, `Device(None,
"web:<client address>", "web")`, so the core's rules apply as everywhere: its PIN lockouts (per
user and per browser address), only office admins and leaders log in there, and the figures are
the `dashboard` use case's. The staff session token lives in an HttpOnly, SameSite=Strict cookie;
every form carries the CSRF token. The page refreshes its live part from `/quan-ly/truc-tiep`
every few seconds (web/static/office-dashboard.js) and works without JavaScript (a refresh button).
"""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub import api
from office.auth import Device
from office.errors import DomainError, Unavailable
from office.gateway import OfficeGateway
from office.model import DossierStatus, Timeliness
from office.port import WEB
from office.text import figure, moment
from web import pages, security
from web.texts import text

PATH = "/quan-ly"
LIVE_PATH = PATH + "/truc-tiep"
COOKIE = "quan_ly"
REFRESH_S = 5


def install(app: FastAPI, hub) -> None:
    """Mount the dashboard's routes on the hub's app (`hub`: its service, credentials, guards)."""
    router = APIRouter(include_in_schema=False)

    @router.get(PATH)
    async def dashboard(request: Request) -> Response:
        gateway = _gateway(hub, request)
        if gateway.session is None:
            return _login(request, "office.expired" if request.cookies.get(COOKIE) else None)
        try:
            board = await hub.run("dashboard", gateway.dashboard)
        except DomainError as error:  # e.g. no longer a leader: the session ends here
            response = _login(request, None, error.message, api.http_status(error))
            security.clear_session_cookie(response, COOKIE)
            return response
        except Unavailable:  # the disk could not answer: say so in words, the page can be reloaded
            return pages.error_page(request, text(pages.language(request), "office.unavailable"), 503, back=PATH)
        return pages.render(request, "office/dashboard.html", **_view(request, board, gateway))

    @router.get(LIVE_PATH)
    async def live(request: Request) -> Response:
        gateway = _gateway(hub, request)
        if gateway.session is None:  # the script reloads the page, which asks to log in again
            return Response(status_code=401)
        try:
            board = await hub.run("dashboard", gateway.dashboard)
        except DomainError:  # the page, reloaded, says why
            return Response(status_code=401)
        except Unavailable:  # the script keeps the figures shown and tries again
            return Response(status_code=503)
        return pages.render(request, "office/live.html", **_view(request, board, gateway))

    @router.post(PATH + "/dang-nhap")
    async def login(request: Request) -> Response:
        try:
            form = await security.checked_form(request)
            gateway = _gateway(hub, request)
            token, session = await hub.run("login", gateway.open_session, form.get("username", "")[:80],
                                           form.get("pin", "")[:12])
        except DomainError as error:
            return _login(request, None, error.message, api.http_status(error))
        response = RedirectResponse(PATH, 303)
        max_age = int((session.expires_at - hub.service.clock()).total_seconds())
        security.set_session_cookie(request, response, COOKIE, token, max_age)
        return response

    @router.post(PATH + "/dang-xuat")
    async def logout(request: Request) -> Response:
        try:
            await security.checked_form(request)
        except DomainError as error:
            return pages.error_page(request, error.message, 403, back=PATH)
        token = request.cookies.get(COOKIE)
        if token:
            await hub.run("logout", hub.credentials.logout, _browser(request), token)
        response = _login(request, "office.logged_out")
        security.clear_session_cookie(response, COOKIE)
        return response

    app.include_router(router)


def _browser(request: Request) -> Device:
    """The web caller: no enrolled device, named by its address (PIN lockouts count per browser)."""
    return Device(None, f"web:{request.client.host if request.client else 'unknown'}", WEB)


def _gateway(hub, request: Request) -> OfficeGateway:
    """The core's port for this browser, with its staff session if its cookie holds an open one."""
    device, token = _browser(request), request.cookies.get(COOKIE, "")
    session = hub.credentials.session(device, token) if token else None
    return OfficeGateway(hub.service, device, hub.guards, session)


def _login(request: Request, notice: str | None, error: str | None = None, status: int = 200) -> HTMLResponse:
    response = pages.render(request, "office/login.html", status, notice=notice, error=error,
                            action=PATH + "/dang-nhap")
    if notice == "office.expired":
        security.clear_session_cookie(response, COOKIE)
    return response


def _view(request: Request, board: dict, gateway: OfficeGateway) -> dict:
    """What the templates show: the core's figures and the words to show them in this language."""
    lang = pages.language(request)

    def num(value) -> str:
        text = figure(value)
        return text.replace(",", ".") if lang == "en" else text

    def when(iso: str) -> str:
        return moment(datetime.fromisoformat(iso))

    def status_label(code: int) -> str:
        s = DossierStatus(code)
        return s.label_vi if lang == "vi" else s.citizen_label_en

    def timeliness(value: str) -> str:
        t = Timeliness(value)
        return t.label_vi if lang == "vi" else t.label_en

    waiting = sum(s["waiting"] for s in board["services"])
    at_counters = sum(s["called"] + s["serving"] for s in board["services"])
    longest = max((s["longest_wait_minutes"] for s in board["services"] if s["longest_wait_minutes"] is not None),
                  default=None)
    return {"board": board, "num": num, "when": when, "status_label": status_label, "timeliness": timeliness,
            "totals": {"waiting": waiting, "at_counters": at_counters, "longest": longest,
                       "paused": sum(c["state"] == "paused" for c in board["counters"])},
            "names": {s["code"]: s["name"] for s in board["services"]},
            "staff": gateway.session.actor.name, "refresh_s": REFRESH_S, "live_path": LIVE_PATH,
            "logout": PATH + "/dang-xuat", "home": PATH}
