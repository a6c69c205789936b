"""The hub's wire contract, shared by the server (hub/app.py) and the client (hub/client.py).

Every use case of the office port (`office.port`) is one route `/api/<use-case>`: a POST with a
JSON body when it changes the office, reads personal data, or carries a secret or a list;
otherwise a GET with query parameters. Answers are the use case's result as JSON
(`office.codec`); errors are `{"error": code, "message": …}` with the HTTP status below. No web
framework here.
"""
from __future__ import annotations

from typing import Any

from office.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    OutsideHours,
    PayloadTooLarge,
    RateLimited,
    SequenceExhausted,
    StaffLoginRequired,
    Unauthorized,
    UnknownDevice,
)
from office.port import USE_CASES

API_PREFIX = "/api/"
SESSION_PATH = "/session"
FEED_PATH = "/feed"
STAFF_HEADER = "X-Staff-Session"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# reads sent as POST: a secret or personal data never goes in a URL; lists go in a body
POST_READS = frozenset({"kiosk_lookup", "missing_components", "reveal_applicant", "search_dossiers"})
# who may follow the board feed (no staff login needed)
BOARD = {"display": False, "counter": False, "admin": False}

# HTTP status of each domain error (the most specific class in an error's MRO wins).
STATUS: dict[type[DomainError], int] = {
    NotFound: 404, InvalidInput: 422, PayloadTooLarge: 413, IllegalTransition: 409, Conflict: 409,
    OutsideHours: 409, SequenceExhausted: 503, Unauthorized: 401, UnknownDevice: 401, StaffLoginRequired: 401,
    Forbidden: 403, RateLimited: 429,
}
ERRORS: dict[str, type[DomainError]] = {cls.code: cls for cls in STATUS}


def http_status(error: DomainError) -> int:
    """The HTTP status answering a domain error (400 for one without its own)."""
    return next((STATUS[c] for c in type(error).__mro__ if c in STATUS), 400)


def method(name: str) -> str:
    """The HTTP method of a use case: POST for mutations, PINs and POST_READS, else GET."""
    use = USE_CASES[name]
    return "POST" if use.writes or use.secret or name in POST_READS else "GET"


def path(name: str) -> str:
    """URL path of a use case, e.g. `/api/call-next`."""
    return API_PREFIX + name.replace("_", "-")


def error_body(code: str, message: str, **extra: Any) -> dict:
    """The machine-readable error every 4xx/5xx answer carries."""
    return {"error": code, "message": message, **extra}
