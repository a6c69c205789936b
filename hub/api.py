"""The hub's wire contract, shared by the server (office/hub.py) and the client (office/client.py).

One table lists every OfficeService use case the hub exposes: its HTTP method, which roles may
call it (and whether a staff member must be logged in), how retries are made safe, and the type
its JSON answer decodes to. The JSON codec and the error codes live here too, so both sides read
the same thing. No web framework here.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Mapping

from office.model import (Applicant, Counter, Dossier, DossierRow, Field, IntakeRecord,
    KioskDossierView, PriorityCategory, Procedure, Rating, RatingLevel, Service,
    Ticket, TicketReceipt, Timeliness)
from office.errors import (Conflict, DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound, OutsideHours,
                           PayloadTooLarge, RateLimited, SequenceExhausted, StaffLoginRequired, Unauthorized)

API_PREFIX = "/api/"
SESSION_PATH = "/session"
FEED_PATH = "/feed"
STAFF_HEADER = "X-Staff-Session"
IDEMPOTENCY_HEADER = "Idempotency-Key"


# HTTP status of each domain error (the most specific class in an error's MRO wins).
STATUS: dict[type[DomainError], int] = {
    NotFound: 404, InvalidInput: 422, PayloadTooLarge: 413, IllegalTransition: 409, Conflict: 409,
    OutsideHours: 409, SequenceExhausted: 503, Unauthorized: 401, StaffLoginRequired: 401,
    Forbidden: 403, RateLimited: 429,
}
ERRORS: dict[str, type[DomainError]] = {cls.code: cls for cls in STATUS}


def http_status(error: DomainError) -> int:
    """The HTTP status answering a domain error (400 for one without its own)."""
    return next((STATUS[c] for c in type(error).__mro__ if c in STATUS), 400)


# Who may call: role → does a staff member have to be logged in on that device.
EVERYONE = {"kiosk": False, "counter": False, "display": False, "admin": False}
KIOSK = {"kiosk": False}
STAFF = {"counter": True, "admin": True}
ISSUERS = {"kiosk": False, "counter": True, "admin": True}
MANAGERS = {"counter": True, "admin": False}
BOARD = {"display": False, "counter": False, "admin": False}
LOGIN = {"counter": False, "admin": False}


@dataclass(frozen=True)
class Op:
    """One use case on the wire.

    `retry` says how a retried request is kept from acting twice: "service" — the use case takes
    an idempotency key itself; "hub" — the hub stores the answer under the request's key; "" —
    nothing to protect (reads). `int_keys` names result dicts whose keys are ints embedded (JSON
    object keys are always strings).
    """

    name: str
    method: str
    result: Any
    access: Mapping[str, bool]
    retry: str = ""
    int_keys: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """URL path, e.g. `/api/call-next`."""
        return API_PREFIX + self.name.replace("_", "-")


# Use cases that stay on the hub machine: run by its own processes (sync), never by LAN devices.
LOCAL_ONLY = frozenset({"apply_central_step"})

OPS: dict[str, Op] = {op.name: op for op in (
    Op("office", "GET", dict, EVERYONE),
    Op("procedures", "GET", list[Procedure], EVERYONE),
    Op("procedure", "GET", Procedure, EVERYONE),
    Op("fields", "GET", list[Field], EVERYONE),
    Op("services", "GET", list[Service], EVERYONE),
    Op("counters", "GET", list[Counter], EVERYONE),
    Op("priority_categories", "GET", tuple[PriorityCategory, ...], EVERYONE),
    Op("rating_levels", "GET", tuple[RatingLevel, ...], EVERYONE),
    Op("ticket_issuing_open", "GET", bool, EVERYONE),
    Op("waiting_counts", "GET", dict, EVERYONE),
    Op("issue_ticket", "POST", TicketReceipt, ISSUERS, retry="service"),
    Op("ticket_receipt", "GET", TicketReceipt, STAFF),
    Op("counter_ticket", "GET", Ticket | None, STAFF),
    Op("call_next", "POST", Ticket | None, STAFF, retry="hub"),
    Op("recall", "POST", Ticket, STAFF, retry="hub"),
    Op("start_serving", "POST", Ticket, STAFF, retry="hub"),
    Op("finish_ticket", "POST", Ticket, STAFF, retry="hub"),
    Op("mark_no_show", "POST", Ticket, STAFF, retry="hub"),
    Op("cancel_ticket", "POST", Ticket, STAFF, retry="hub"),
    Op("transfer_ticket", "POST", Ticket, STAFF, retry="hub"),
    Op("pause_counter", "POST", None, STAFF, retry="hub"),
    Op("resume_counter", "POST", None, STAFF, retry="hub"),
    Op("receive_dossier", "POST", Dossier, STAFF, retry="service"),
    Op("dossier", "GET", Dossier, STAFF),
    Op("change_status", "POST", Dossier, STAFF, retry="hub"),
    Op("extend_due", "POST", Dossier, STAFF, retry="hub"),
    Op("timeliness", "GET", Timeliness, STAFF),
    Op("missing_components", "POST", list[str], STAFF),  # POST: the checklist is a list of objects
    Op("record_intake", "POST", IntakeRecord, STAFF, retry="service"),
    Op("intake", "GET", IntakeRecord, STAFF),
    Op("request_supplement", "POST", Dossier, STAFF, retry="hub"),
    Op("return_result", "POST", Dossier, STAFF, retry="service"),
    Op("reveal_applicant", "POST", Applicant, STAFF),  # no stored answer: it holds personal data
    Op("search_dossiers", "GET", list[DossierRow], STAFF),
    Op("late_dossiers", "GET", list[DossierRow], STAFF),
    Op("register_rows", "GET", list[dict], MANAGERS),
    Op("kiosk_lookup", "POST", KioskDossierView, KIOSK),  # POST: the secret never goes in a URL
    Op("rate", "POST", Rating, KIOSK, retry="hub"),
    Op("report_device_problem", "POST", None, ISSUERS, retry="hub"),
    Op("summary", "GET", dict, MANAGERS, int_keys=("dossiers_by_status", "ratings_by_level")),
    Op("reports", "GET", dict, MANAGERS),
)}


# ---- JSON codec ---------------------------------------------------------------------------

def encode(value: Any) -> Any:
    """Model values as JSON-ready data: dataclasses → objects, enums → values, dates → ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def decode(tp: Any, data: Any) -> Any:
    """The inverse of `encode` for a type: dataclasses, enums, dates, lists, tuples, optionals."""
    if data is None or tp is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return decode(inner[0], data)
    if origin in (list, tuple):
        items = [decode(typing.get_args(tp)[0], v) for v in data]
        return items if origin is list else tuple(items)
    if dataclasses.is_dataclass(tp):
        hints = _HINTS.get(tp)
        if hints is None:
            hints = _HINTS[tp] = typing.get_type_hints(tp)
        return tp(**{k: decode(hints[k], v) for k, v in data.items() if k in hints})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is date:
        return date.fromisoformat(data)
    return data


def decode_result(op: Op, data: Any) -> Any:
    """Decode an answer of `op`, restoring int keys where the embedded result has them."""
    result = decode(op.result, data)
    for key in op.int_keys:
        result[key] = {int(k): v for k, v in result[key].items()}
    return result


def error_body(code: str, message: str, **extra: Any) -> dict:
    """The machine-readable error every 4xx/5xx answer carries."""
    return {"error": code, "message": message, **extra}
