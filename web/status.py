"""The dossier status page (the receipt's QR opens `/tra-cuu#<code>.<secret>`), shared by the hub
(hub/citizen.py: the office's own store) and the central server (central/lookup.py: as of the last
sync). Each finds the dossier its own way and limits guesses per client; this module serves the
page, reads the form and shows the form, the dossier, or why not — in plain words, in the page's
language."""
from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from office.errors import DomainError, Forbidden, InvalidInput, NotFound, RateLimited, Unavailable
from office.model import KioskDossierView, Timeliness
from office.text import moment
from web import pages, security
from web.texts import text

PAGE = "status.html"
PROBLEMS = ((RateLimited, "status.limited", 429), (NotFound, "status.not_found", 404),
            (InvalidInput, "status.invalid", 422), (Forbidden, "status.expired", 403))
TONES = {Timeliness.DUE_SOON: "warn", Timeliness.OVERDUE: "late", Timeliness.LATE: "late"}


# (request, code, secret, read from the QR) → (the dossier's public view, data as of; None: never synced)
Lookup = Callable[[Request, str, str, bool], Awaitable[tuple[KioskDossierView, datetime | None]]]


def install(app: FastAPI, lookup: Lookup, central: bool = False) -> None:
    """Serve the page at /tra-cuu on `app`, finding dossiers with `lookup` (`central`: the
    central server's page, which says its data is as of the office's last sync)."""

    @app.get("/tra-cuu", response_class=HTMLResponse, include_in_schema=False)
    async def status_form(request: Request) -> HTMLResponse:
        return form_page(request)

    @app.post("/tra-cuu", response_class=HTMLResponse, include_in_schema=False)
    async def status_lookup(request: Request) -> HTMLResponse:
        code = ""
        try:
            code, secret, scanned = await asked(request)
            view, as_of = await lookup(request, code, secret, scanned)
        except DomainError as error:
            return refused(request, error, code)
        except Unavailable:
            return unavailable(request)
        return view_page(request, view, secret, as_of, central)


async def asked(request: Request) -> tuple[str, str, bool]:
    """(code, secret, read from the QR) from the posted form; Forbidden without its CSRF token."""
    form = await security.checked_form(request)
    return form.get("code", "")[:60], form.get("secret", "")[:20], form.get("qr") == "1"


def form_page(request: Request, problem: str | None = None, code: str = "", status: int = 200) -> HTMLResponse:
    """The lookup form (the QR's fragment is read by /static/status.js), with `problem` above it."""
    return pages.render(request, PAGE, status, view=None, problem=problem, code=code)


def refused(request: Request, error: DomainError, code: str = "") -> HTMLResponse:
    """The form again, saying in plain words why the lookup found nothing (never a raw error)."""
    lang = pages.language(request)
    for kind, key, status in PROBLEMS:
        if isinstance(error, kind):
            return form_page(request, text(lang, key, wait=wait_words(lang, getattr(error, "retry_after", 0))),
                             code, status)
    return form_page(request, error.message, code, 422)


def wait_words(lang: str, seconds: float) -> str:
    """How long to wait, in words: minutes below two hours, else hours (rounded up)."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 120:
        return text(lang, "status.minutes", n=minutes)
    return text(lang, "status.hours", n=math.ceil(minutes / 60))


def unavailable(request: Request) -> HTMLResponse:
    """The form again when the store could not answer."""
    return form_page(request, text(pages.language(request), "status.unavailable"), status=503)


def view_page(request: Request, view: KioskDossierView, secret: str, as_of: datetime | None,
              central: bool = False) -> HTMLResponse:
    """What the kiosk shows of a dossier, `as_of` a moment (None: never synced); its language
    switch posts the code and `secret` again (the answer came from a form, not an address)."""
    return pages.render(request, PAGE, view=view, secret=secret, as_of=as_of, central=central, when=moment,
                        tone=TONES.get(view.timeliness, "ok"))
