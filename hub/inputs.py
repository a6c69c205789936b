"""Input models of the hub: one per use case, whose fields are the office port's parameters
(same names and defaults), with strict types, bounded sizes and unknown fields refused.

`tests/hub/test_hub_contract.py` checks every model against `office.port.OfficePort`.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from office.model import Applicant, Collector, ReceivedComponent


def _unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (lone surrogate)") from None
    return value


def Text(max_length: int) -> Any:  # noqa: N802 — reads as a type in the models below
    """A JSON string of at most `max_length` characters."""
    return Annotated[StrictStr, Field(max_length=max_length), AfterValidator(_unicode)]


def _local_time(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("use local time without a time zone, e.g. 2026-03-02T08:00:00")
    if not 2000 <= value.year <= 2099:
        raise ValueError("year must be within 2000–2099")
    return value


def _day(value: date) -> date:
    if not 2000 <= value.year <= 2099:
        raise ValueError("year must be within 2000–2099")
    return value


Id = Annotated[StrictInt, Field(ge=-2 ** 63, le=2 ** 63 - 1)]  # SQLite's integer range
QueryId = Annotated[int, Field(ge=-2 ** 63, le=2 ** 63 - 1)]  # query strings are text: "3" → 3
Number = Annotated[StrictInt, Field(ge=-2 ** 31, le=2 ** 31)]
Code = Text(60)
Note = Text(4000)
LocalTime = Annotated[datetime, AfterValidator(_local_time)]
Day = Annotated[date, AfterValidator(_day)]


# One input model per use case: its fields are the use case's arguments, with OfficeService's
# names and defaults; strict types, bounded sizes, unknown fields refused.

class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: ClassVar[type | None] = None  # the domain dataclass a nested object becomes


class NoInput(_In):
    pass


class ApplicantIn(_In):
    model: ClassVar = Applicant
    name: Text(200)
    id_type: Text(20) = "CCCD"
    id_number: Text(40) = ""
    phone: Text(40) = ""
    address: Text(400) = ""
    kind: Number = 1
    email: Text(254) = ""


class ProcedureIn(_In):
    code: Code


class IssuingOpenIn(_In):
    at: LocalTime | None = None


class IssueTicketIn(_In):
    service_code: Code
    priority: Code | None = None


class TicketIn(_In):
    ticket_id: QueryId


class TicketAtCounterIn(_In):
    ticket_id: Id
    counter_id: Id


class FinishIn(TicketAtCounterIn):
    reason: Note = ""


class CancelIn(_In):
    ticket_id: Id
    reason: Note


class TransferIn(TicketAtCounterIn):
    to_service: Code
    to_counter: Id | None = None
    reason: Note = ""


class CounterIn(_In):
    counter_id: Id


class CounterQueryIn(_In):
    counter_id: QueryId


class PauseIn(CounterIn):
    reason: Text(200)


class ComponentIn(_In):
    model: ClassVar = ReceivedComponent
    name: Text(300)
    originals: Number = 0
    copies: Number = 0
    note: Text(300) = ""
    pages: Number = 0
    digitized: StrictBool = False
    reused: StrictBool = False


class CollectorIn(_In):
    model: ClassVar = Collector
    name: Text(200)
    id_type: Text(20)
    id_number: Text(40)
    relation: Text(20)
    authorization: Text(200) = ""


Components = Annotated[list[ComponentIn], Field(max_length=60)]
Names = Annotated[list[Text(300)], Field(max_length=60)]


class ReceiveIn(_In):
    procedure_code: Code
    case_code: Code
    applicant: ApplicantIn
    summary: Note = ""
    channel: Number = 1
    components: Components | None = None
    representative: ApplicantIn | None = None
    delivery: Text(20) = "counter"
    delivery_address: Text(400) = ""
    sets: Number = 1
    fee_units: Number = 1
    fee_exemption: Text(300) = ""
    payment_method: Text(20) = ""
    receipt_number: Text(60) = ""
    e_result: StrictBool = False


class MissingIn(_In):
    procedure_code: Code
    case_code: Code
    components: Components


class IntakeIn(_In):
    kind: Text(20)
    procedure_code: Code
    case_code: Code
    applicant: ApplicantIn
    reason: Note = ""
    missing: Names = []


class IntakeIdIn(_In):
    record_id: QueryId


class SearchIn(_In):
    text: Text(100) = ""
    status: Annotated[int, Field(ge=1, le=10)] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0


class LateIn(_In):
    within_working_days: Annotated[int, Field(ge=0, le=30)] = 1


class DossierIn(_In):
    code: Code


class StatusIn(DossierIn):
    status: Number
    content: Note


class ExtendIn(DossierIn):
    new_due: LocalTime
    reason: Note


class LookupIn(DossierIn):
    secret: Text(20)
    scanned: StrictBool = False


class TicketProgressIn(_In):
    day: Day
    number: Text(12)
    token: Text(40)


class SupplementIn(DossierIn):
    missing: Names
    note: Note = ""
    deadline: LocalTime | None = None


class PaymentIn(DossierIn):
    method: Text(20)
    receipt_number: Text(60)
    amount: Number | None = None
    refund: StrictBool = False


class ReturnIn(DossierIn):
    collector: CollectorIn


class RevealIn(DossierIn):
    purpose: Text(200)


class RateIn(_In):
    target_kind: Text(20)
    target: Text(80)
    proof: Text(40)
    level: Number
    reason: Note = ""
    criteria: Annotated[dict[Text(60), Number | Text(200)], Field(max_length=20)] | None = None


class OnlineIn(_In):
    ref: Text(60)


class RefuseOnlineIn(OnlineIn):
    reason: Note


class ReportsIn(_In):
    day_from: Day
    day_to: Day


class DeviceProblemIn(_In):
    problem: Text(40)
    message: Note = ""


class LoginIn(_In):
    username: Text(50)
    pin: Text(20)
    counter_id: Id | None = None


class CatalogueIn(_In):
    include_closed: bool = False


class PinIn(_In):
    pin: Text(20)


class UsernameIn(_In):
    username: Text(50)


class StaffPinIn(UsernameIn):
    pin: Text(20)


class StaffIn(UsernameIn):
    name: Text(200)
    title: Text(200)
    department: Text(200)
    admin: StrictBool = False
    leader: StrictBool = False


class ServiceOpenIn(_In):
    code: Code
    is_open: StrictBool


class CounterOpenIn(CounterIn):
    is_open: StrictBool


Session = Annotated[list[Text(5)], Field(min_length=2, max_length=2)]


class TicketHoursIn(_In):
    sessions: Annotated[list[Session], Field(min_length=1, max_length=6)]


class DayIn(_In):
    day: Day


class CalendarDayIn(DayIn):
    kind: Text(20)
    reason: Text(300)


class ErrorOut(BaseModel):
    """Every error answer: a machine-readable code and a message for people."""

    error: str
    message: str


INPUTS: dict[str, type[_In]] = {
    "procedure": ProcedureIn, "ticket_issuing_open": IssuingOpenIn, "issue_ticket": IssueTicketIn,
    "ticket_receipt": TicketIn, "counter_ticket": CounterQueryIn, "call_next": CounterIn,
    "recall": TicketAtCounterIn,
    "start_serving": TicketAtCounterIn, "finish_ticket": FinishIn, "mark_no_show": TicketAtCounterIn,
    "cancel_ticket": CancelIn, "transfer_ticket": TransferIn, "pause_counter": PauseIn,
    "resume_counter": CounterIn, "receive_dossier": ReceiveIn, "dossier": DossierIn,
    "change_status": StatusIn, "extend_due": ExtendIn, "timeliness": DossierIn,
    "kiosk_lookup": LookupIn, "ticket_progress": TicketProgressIn, "rate": RateIn, "reports": ReportsIn,
    "report_device_problem": DeviceProblemIn, "missing_components": MissingIn, "record_intake": IntakeIn,
    "intake": IntakeIdIn, "request_supplement": SupplementIn, "return_result": ReturnIn,
    "reveal_applicant": RevealIn, "reissue_secret": DossierIn, "search_dossiers": SearchIn, "late_dossiers": LateIn,
    "register_rows": ReportsIn, "record_payment": PaymentIn, "set_calendar_day": CalendarDayIn,
    "clear_calendar_day": DayIn,
    "accept_online": OnlineIn, "refuse_online": RefuseOnlineIn,
    "services": CatalogueIn, "counters": CatalogueIn,
    "unlock_kiosk_admin": PinIn, "save_staff_member": StaffIn, "remove_staff_member": UsernameIn,
    "set_staff_pin": StaffPinIn, "set_service_open": ServiceOpenIn, "set_counter_open": CounterOpenIn,
    "set_ticket_hours": TicketHoursIn,
    "set_kiosk_pin": PinIn,
}  # every other use case takes no input


def arguments(params: _In) -> dict[str, Any]:
    """Validated input as use-case arguments (nested objects become domain dataclasses)."""
    out = {}
    for name in type(params).model_fields:
        value = getattr(params, name)
        if isinstance(value, _In) and value.model is not None:
            value = value.model(**value.model_dump())
        elif isinstance(value, list) and value and isinstance(value[0], _In):
            value = tuple(v.model(**v.model_dump()) for v in value)
        out[name] = value
    return out
