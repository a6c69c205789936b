"""Rendering pages: the Jinja2 environment, the page language, static files.

Every page extends `base.html` and gets `lang`, `t` (its texts in that language, see web/texts),
`csrf` (the token its forms post back, see web/security) and `path` (for the language switch).
The language comes from `?lang=vi|en` (remembered in a cookie), else the cookie, else Vietnamese.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from web import security
from web.texts import text

HERE = Path(__file__).parent
LANGS = ("vi", "en")
LANG_COOKIE = "lang"
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), undefined=jinja2.StrictUndefined,
                         autoescape=jinja2.select_autoescape(("html", "svg")), trim_blocks=True,
                         lstrip_blocks=True)


def language(request: Request) -> str:
    """The page language: ?lang=, else the remembered cookie, else Vietnamese."""
    for asked in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if asked in LANGS:
            return asked
    return "vi"


def render(request: Request, template: str | jinja2.Template, status: int = 200, **context: Any) -> HTMLResponse:
    """`template` (a name under web/templates, or a Template) rendered in this request's language,
    with a CSRF token for its forms."""
    lang = language(request)
    token = security.csrf_token(request)
    html = ENV.get_template(template).render(
        lang=lang, t=lambda key, **kw: text(lang, key, **kw), csrf=token, path=request.url.path, **context)
    response = HTMLResponse(html, status)
    security.keep_csrf_cookie(request, response, token)
    if request.query_params.get("lang") in LANGS and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


def install(app: FastAPI) -> None:
    """Serve /static and put the security headers on every answer of `app`."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(security.SecurityHeaders)


def error_page(request: Request, message: str, status: int, back: str | None = None) -> HTMLResponse:
    """A page saying, in plain words, why something could not be done (`message` is already in
    the words people read: a DomainError's message)."""
    return render(request, "error.html", status, message=message, back=back)
