"""What keeps the web pages safe: headers on every answer, CSRF tokens on forms, session cookies.

The pages load nothing from anywhere else and run no inline script, so the Content-Security-Policy
allows only this server. Forms carry a CSRF token that must equal the `csrf` cookie (double
submit; the cookie is SameSite=Strict and HttpOnly, so another site can neither send nor read it).
Logins keep their session token in an HttpOnly, SameSite=Strict cookie (Secure over https).
"""
from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from office.errors import Forbidden

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=()",
    b"cross-origin-opener-policy": b"same-origin",
    b"cross-origin-resource-policy": b"same-origin",
}
CSRF_COOKIE = CSRF_FIELD = "csrf"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)


class SecurityHeaders:
    """ASGI middleware: the security headers on every answer (a route may set its own first), and
    `Cache-Control: no-store` on HTML pages, which may show personal data."""

    def __init__(self, app: Callable):
        """Wrap `app`."""
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        """Add the headers to the response start."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in HEADERS.items() if k not in present]
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(request: Request) -> str:
    """The token this browser's forms post back: its cookie's, or a new one."""
    kept = request.cookies.get(CSRF_COOKIE, "")
    return kept if _TOKEN.fullmatch(kept) else secrets.token_urlsafe(32)


def keep_csrf_cookie(request: Request, response: Response, token: str) -> None:
    """Set the CSRF cookie on `response` unless the browser already has `token`."""
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form, after checking its CSRF token against the cookie (Forbidden if not)."""
    form = await request.form()
    sent, kept = str(form.get(CSRF_FIELD, "")), request.cookies.get(CSRF_COOKIE, "")
    if not (_TOKEN.fullmatch(kept) and hmac.compare_digest(sent.encode(), kept.encode())):
        raise Forbidden("Biểu mẫu đã hết hạn; vui lòng tải lại trang và thử lại")
    return {key: str(value) for key, value in form.items() if key != CSRF_FIELD}


def set_session_cookie(request: Request, response: Response, name: str, token: str, max_age: int) -> None:
    """Keep a login's session token in an HttpOnly, SameSite=Strict cookie (Secure over https)."""
    response.set_cookie(name, token, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def clear_session_cookie(response: Response, name: str) -> None:
    """Forget a login's session cookie."""
    response.delete_cookie(name, httponly=True, samesite="strict")
