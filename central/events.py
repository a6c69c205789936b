"""What the central system accepts in an office's change-log events: a schema per kind of dossier
event, checked when the event is pushed (an event that fails is quarantined: kept, reported, never
applied) and read again by the projection, which therefore only ever sees well-formed events.

Offices of different versions sync into one projection: fields the central system does not know
are ignored, and fields an older office does not send get their empty value. Times in payloads
are the office's local time (Vietnam, UTC+7); a time with an offset is converted to it.

The office fields read (office/service/payloads.py writes them):
- received / imported (a whole dossier): code, procedure_code, procedure_version, case_code,
  applicant {name, id_type, id_number, phone, address, kind, email} (or the flat applicant_*
  columns of an imported row), representative {…}, status, channel, summary, fee, fee_paid,
  fee_exemption, payments [{at, amount, method, receipt_number, refund}], received_at, due_at,
  original_due_at, paused_at, finished_at, returned_at, submitted_at, delivery,
  delivery_address, components [{name, originals, copies, pages, digitized, reused,
  from_national_db}], supplement_missing, supplement_count, supplement_due, e_result,
  vneid_verified, handling_department, online_ref, secret_hash, steps [{at, actor, role,
  department, content, status}];
- any other dossier event (status, extended, …): code, step, update_id, and any of the dossier
  fields above that changed (a field set to null is cleared), plus `missing` (a supplement
  request's list);
- central_update_rejected: code, update_id, reason, status; online_accepted: code, online_ref;
  online_refused: online_ref, reason, at, step.
"""
from __future__ import annotations

import functools
import json
import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from office.rules.codes import AGENCY_PATTERN

VN_TZ = timezone(timedelta(hours=7))
MAX_STEPS = 2000
ONLINE_REF = r"[A-Za-z0-9][A-Za-z0-9._\-]{0,49}"


class EventInvalid(ValueError):
    """An event the central system cannot apply; `reason` says why in one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _local(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2099:
        raise ValueError("year must be within 2000–2099")
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ).replace(tzinfo=None)
    return value.replace(microsecond=0) if value.microsecond else value


CODE_PATTERN = rf"^{AGENCY_PATTERN}-[0-9]{{6}}-([0-9]{{4}}|[1-9][0-9]{{4,8}})$"  # as format_dossier_code writes it


STORABLE = r"^[^\x00]*$"  # both databases store it (JSON text cannot carry a lone surrogate)


def Text(n: int, min_length: int = 0) -> Any:  # noqa: N802 — reads as a type below
    """A string of at most `n` characters (in an event payload: `check_event` refuses a NUL
    character once for the whole payload, cheaper than a check on every field)."""
    return Annotated[str, StringConstraints(max_length=n, min_length=min_length)]


def Storable(n: int, min_length: int = 0) -> Any:  # noqa: N802
    """A string of at most `n` characters both databases can store (no NUL), for API inputs."""
    return Annotated[str, StringConstraints(max_length=n, min_length=min_length, pattern=STORABLE)]


LocalTime = Annotated[datetime, AfterValidator(_local)]
Status = Annotated[int, Field(ge=1, le=10)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Money = Annotated[int, Field(ge=-10 ** 13, le=10 ** 13)]
DossierCode = Annotated[str, StringConstraints(max_length=60, pattern=CODE_PATTERN)]
OnlineRef = Annotated[str, StringConstraints(pattern=f"^{ONLINE_REF}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Step(_Model):
    """A processing step (who, role, department, when, what, status)."""

    at: LocalTime
    actor: Text(200)
    role: Text(200) = ""
    department: Text(200) = ""
    content: Text(5000) = ""
    status: Status


class Person(_Model):
    """The applicant or a representative (personal data: read audited, never on public screens)."""

    name: Text(250, 1)
    id_type: Text(40) = ""
    id_number: Text(40) = ""
    phone: Text(40) = ""
    address: Text(500) = ""
    kind: Annotated[int, Field(ge=1, le=4)] = 1  # LoaiDoiTuong
    email: Text(254) = ""


class Component(_Model):
    """A document of the dossier with its digitisation flags."""

    name: Text(500, 1)
    originals: Count = 0
    copies: Count = 0
    pages: Count = 0
    digitized: bool = False  # DuocSoHoa
    reused: bool = False  # DuocTaiSuDung
    from_national_db: bool = False  # DuocLayTuKhoDMQG


class Payment(_Model):
    """A fee payment or refund with its receipt (biên lai) number and method."""

    at: LocalTime | None = None
    amount: Money
    method: Text(40) = ""
    receipt_number: Text(100) = ""
    refund: bool = False


class DossierFields(_Model):
    """Dossier fields an event may set (all optional: an update carries what changed)."""

    status: Status | None = None
    due_at: LocalTime | None = None
    paused_at: LocalTime | None = None
    finished_at: LocalTime | None = None
    returned_at: LocalTime | None = None
    supplement_due: LocalTime | None = None
    supplement_missing: list[Text(500)] | None = Field(default=None, max_length=200)
    supplement_count: Count | None = None
    fee_paid: bool | None = None
    payments: list[Payment] | None = Field(default=None, max_length=200)
    e_result: bool | None = None
    handling_department: Text(200) | None = None


class Dossier(DossierFields):
    """A whole dossier: `received` (a counter) or `imported` (a migrated or seeded store, whose
    rows name the applicant in flat applicant_* columns)."""

    code: DossierCode
    procedure_code: Text(50, 1)
    procedure_version: Annotated[int, Field(ge=1, le=1_000_000)]
    case_code: Text(50) = ""
    applicant: Person | None = None
    applicant_name: Text(250) | None = None
    applicant_id_type: Text(40) | None = None
    applicant_id_number: Text(40) | None = None
    applicant_phone: Text(40) | None = None
    applicant_address: Text(500) | None = None
    applicant_kind: Annotated[int, Field(ge=1, le=4)] | None = None
    representative: Person | None = None
    status: Status
    channel: Annotated[int, Field(ge=1, le=3)] = 1  # KenhThucHien
    summary: Text(5000) = ""
    fee: Money = 0
    fee_exemption: Text(500) = ""
    received_at: LocalTime
    due_at: LocalTime
    original_due_at: LocalTime | None = None
    submitted_at: LocalTime | None = None
    delivery: Text(20) = "counter"
    delivery_address: Text(500) = ""
    components: list[Component] = Field(default=[], max_length=500)
    vneid_verified: bool = False
    online_ref: OnlineRef | None = None
    secret_hash: Text(128) | None = None
    steps: list[Step] = Field(default=[], max_length=MAX_STEPS)

    @model_validator(mode="after")
    def _flat_applicant(self) -> Dossier:
        """The applicant of an imported row, from its flat columns (after validation: a "before"
        validator would make the whole payload go through Python first)."""
        if self.applicant is None:
            if not self.applicant_name:
                raise ValueError("applicant is missing")
            flat = {k: getattr(self, f"applicant_{k}") for k in ("name", "id_type", "id_number", "phone",
                                                                  "address", "kind")}
            self.applicant = Person(**{k: v for k, v in flat.items() if v is not None})
        return self


class Update(DossierFields):
    """Any other event of a dossier (status, extended…): what changed, and maybe a step."""

    code: DossierCode
    step: Step | None = None
    update_id: Text(64) | None = None
    missing: list[Text(500)] | None = Field(default=None, max_length=200)


class OnlineAccepted(Update):
    """The office accepted an online dossier (1 → 2): its new code now stands for the submission."""

    online_ref: OnlineRef


class Rejected(_Model):
    """The office could not apply a back-office step (it moved the dossier on meanwhile)."""

    code: DossierCode
    update_id: Text(64, 1)
    reason: Text(2000) = ""
    status: Status | None = None


class OnlineRefused(_Model):
    """The office refused an online dossier at reception (1 → 3)."""

    online_ref: OnlineRef
    reason: Text(2000, 1)
    at: LocalTime
    step: Step | None = None


CREATES = ("received", "imported")  # the dossier event kinds that create a dossier (and its code)
MODELS = {"received": Dossier, "imported": Dossier, "central_update_rejected": Rejected,
          "online_accepted": OnlineAccepted, "online_refused": OnlineRefused}


def check_event(entity: str, entity_id: str, kind: str, payload: str) -> BaseModel | None:
    """The validated payload of a dossier event (None for other entities, which are kept but not
    projected); EventInvalid naming the problem when the event cannot be applied."""
    if entity != "dossier":
        _json_object(payload)
        return None
    if has_nul(payload):
        raise EventInvalid(f"{kind} event: a text contains a NUL character")
    model = MODELS.get(kind, Update)
    try:
        event = model.model_validate_json(payload)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'payload'}: {err['msg']}"
                             for err in e.errors(include_url=False)[:3])
        raise EventInvalid(f"{kind} event does not fit its schema: {problems}"[:500]) from None
    key = event.online_ref if isinstance(event, OnlineRefused) else event.code
    if key != entity_id:
        raise EventInvalid(f"{kind} event is filed under {entity_id[:60]!r} but its payload is about {key!r}")
    return event


def has_nul(json_text: str) -> bool:
    """Whether JSON text holds a NUL character (neither database stores one): a raw one, or a
    \u0000 escape that is not an escaped backslash followed by "u0000"."""
    return "\x00" in json_text or "\\u0000" in json_text.replace("\\\\", "")


def _json_object(payload: str) -> None:
    try:
        value = json.loads(payload)
    except RecursionError:
        raise EventInvalid("payload is nested too deeply") from None
    except ValueError as e:
        raise EventInvalid(f"payload is not JSON: {e}") from None
    if not isinstance(value, dict):
        raise EventInvalid("payload is not a JSON object")


_SECRET = re.compile(r'"secret"\s*:\s*("(?:[^"\\]|\\.)*"|[0-9]+)')


def strip_secret(payload: str) -> str:
    """A payload without a plaintext lookup secret (older offices sent one): the central system
    keeps only the office's keyed hash, `secret_hash`."""
    if '"secret"' not in payload:
        return payload
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):  # unreadable (and quarantined): blank the value in the text
        return _SECRET.sub('"secret":null', payload)
    if not isinstance(data, dict) or "secret" not in data:
        return payload
    del data["secret"]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@functools.lru_cache(maxsize=4096)
def _code_day(yymmdd: str) -> date:
    return datetime.strptime(yymmdd, "%y%m%d").date()


def check_code(office_id: str, agency: str | None, blocks: list[tuple], code: str, received_at: datetime) -> None:
    """EventInvalid unless a dossier code (already of the right shape) was issued by this office:
    its agency, the day it was received, and a sequence inside a number block leased to the
    office and valid that day. `blocks` are the office's (agency, first, last, valid_from) rows."""
    code_agency, yymmdd, sequence = code.rsplit("-", 2)
    try:
        day, seq = _code_day(yymmdd), int(sequence)
    except ValueError:
        raise EventInvalid(f"dossier code {code} has an impossible date") from None
    if agency is None or not blocks:
        raise EventInvalid(f"dossier {code}: no dossier-number block is leased to office {office_id}; lease "
                           f"one (central enroll --office {office_id} --agency …), then central quarantine --retry")
    if code_agency != agency:
        raise EventInvalid(f"dossier {code} carries agency {code_agency}, but office {office_id} is agency {agency}")
    if day != received_at.date():
        raise EventInvalid(f"dossier {code} is dated {day:%d/%m/%Y} but was received {received_at:%d/%m/%Y}")
    if not any(a == code_agency and first <= seq <= last and valid_from <= day.isoformat()
               for a, first, last, valid_from in blocks):
        raise EventInvalid(f"dossier {code}: sequence {seq} is outside every number block leased to "
                           f"office {office_id} on {day:%d/%m/%Y}")
