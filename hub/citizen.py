"""The citizen's phone on the hub: the dossier status page (`/tra-cuu`, from the receipt's QR) and
the ticket page (`/phieu/<day>/<number>/<token>`, from the ticket's QR, over the office Wi-Fi).

A phone holds no device token (the gate lets these paths through): each page runs its use cases
through an `OfficeGateway` for the virtual device `web:<client address>` of role "web", so the
core's rules apply as on the kiosk — a lookup needs code and secret, a ticket its printed token,
and wrong guesses are limited per client, per dossier or ticket, and office-wide. Lookups and
ratings run on the hub's writer thread like any limited use case. Pages show plain words only.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from office.auth import Device
from office.errors import DomainError, Forbidden, InvalidInput, RateLimited, Unavailable
from office.gateway import OfficeGateway
from office.model import TicketProgress, TicketState
from office.port import WEB
from web import pages, security, status
from web.texts import text

T = TicketState
LIVE = (T.WAITING, T.CALLED, T.SERVING)  # the ticket page follows these; the others are final
RATEABLE = (T.SERVING, T.DONE, T.TRANSFERRED)  # as the rate use case allows
TICKET = "/phieu/{day}/{number}/{token}"


def install(app: FastAPI, hub) -> None:
    """Add the status page and the ticket page to the hub's `app`."""

    def gateway(request: Request) -> OfficeGateway:
        client = request.client.host if request.client else "unknown"
        return OfficeGateway(hub.service, Device(None, f"web:{client}", WEB), hub.guards)

    async def call(request: Request, name: str, **arguments: Any) -> Any:
        caller = gateway(request)
        return await hub.run(name, caller.invoke, name, arguments)

    async def lookup(request: Request, code: str, secret: str, scanned: bool):
        view = await call(request, "kiosk_lookup", code=code, secret=secret, scanned=scanned)
        return view, hub.service.clock()

    status.install(app, lookup)

    async def progress(request: Request, day: str, number: str, token: str) -> TicketProgress:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise InvalidInput("Ngày trên phiếu không hợp lệ") from None
        return await call(request, "ticket_progress", day=when, number=number[:12], token=token[:40])

    def ticket_page(request: Request, p: TicketProgress, day: str, token: str, problem: str | None = None,
                    status_code: int = 200, chosen: int | None = None, reason: str = "") -> HTMLResponse:
        here = f"/phieu/{day}/{p.number}/{token}"
        return pages.render(request, "ticket.html", status_code, progress=p, counter=p.counter_name or "",
                            here=here, feed=f"{here}/trang-thai", live=p.state in LIVE,
                            can_rate=p.state in RATEABLE and not p.rated, levels=hub.service.rating_levels(),
                            problem=problem, chosen=chosen, reason=reason)

    def trouble(request: Request, error: Exception) -> HTMLResponse:
        """Why the ticket page cannot be shown, in plain words."""
        lang = pages.language(request)
        if isinstance(error, RateLimited):
            wait = status.wait_words(lang, error.retry_after)
            return pages.error_page(request, text(lang, "status.limited", wait=wait), 429)
        if isinstance(error, Forbidden):  # the form's CSRF token
            return pages.error_page(request, text(lang, "status.expired"), 403)
        if isinstance(error, Unavailable):
            return pages.error_page(request, text(lang, "status.unavailable"), 503)
        return pages.error_page(request, text(lang, "ticket.not_found"), 404)

    @app.get(TICKET, response_class=HTMLResponse, include_in_schema=False)
    async def ticket(request: Request, day: str, number: str, token: str) -> HTMLResponse:
        try:
            return ticket_page(request, await progress(request, day, number, token), day, token)
        except (DomainError, Unavailable) as error:
            return trouble(request, error)

    @app.get(TICKET + "/trang-thai", include_in_schema=False)
    async def ticket_now(request: Request, day: str, number: str, token: str) -> Response:
        try:
            p = await progress(request, day, number, token)
        except DomainError as error:
            return JSONResponse({"error": error.code}, 404)
        lang = pages.language(request)
        live = pages.ENV.get_template("ticket_live.html").render(
            lang=lang, t=lambda key, **kw: text(lang, key, **kw), progress=p, counter=p.counter_name or "")
        return JSONResponse({"state": p.state.value, "live": live}, headers={"Cache-Control": "no-store"})

    @app.post(TICKET + "/danh-gia", response_class=HTMLResponse, include_in_schema=False)
    async def rate(request: Request, day: str, number: str, token: str) -> Response:
        try:
            form = await security.checked_form(request)
            p = await progress(request, day, number, token)
        except (DomainError, Unavailable) as error:
            return trouble(request, error)
        level = int(form["level"]) if form.get("level", "").isdigit() else None
        try:
            await call(request, "rate", target_kind="ticket", target=f"{p.number}@{day}", proof=token,
                       level=level or 0, reason=form.get("reason", ""))
        except DomainError as error:  # e.g. "Không hài lòng" without a reason: the form again, kept
            lang = pages.language(request)
            problem = error.message if lang == "vi" else text(lang, "ticket.rate_problem")
            return ticket_page(request, p, day, token, problem, 422, level, form.get("reason", "")[:500])
        hub.feed.changed()
        return RedirectResponse(f"/phieu/{day}/{p.number}/{token}", 303)
