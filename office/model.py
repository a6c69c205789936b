"""Domain model of a one-stop office: dossiers, procedures, queue tickets, ratings.

Plain dataclasses and enums only; no I/O, no framework imports.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum, IntEnum

from office.errors import IllegalTransition, NotFound


class DossierStatus(IntEnum):
    """National portal status codes (TrangThaiHoSo)."""

    NEW = 1
    RECEIVED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    FINANCIAL_OBLIGATION = 6
    WITHDRAWN = 7
    STOPPED = 8
    DONE = 9
    RETURNED = 10

    @property
    def label_vi(self) -> str:
        """Official Vietnamese label."""
        return _STATUS_LABELS[self][0]

    @property
    def citizen_label_vi(self) -> str:
        """Label shown to citizens, Vietnamese."""
        return _STATUS_LABELS[self][1]

    @property
    def citizen_label_en(self) -> str:
        """Label shown to citizens, English."""
        return _STATUS_LABELS[self][2]

    @property
    def is_open(self) -> bool:
        """True while the office still owes the citizen something before the result is ready."""
        return self in OPEN_STATUSES


_STATUS_LABELS = {
    DossierStatus.NEW: ("Mới đăng ký", "Chờ tiếp nhận", "Awaiting reception"),
    DossierStatus.RECEIVED: ("Được tiếp nhận", "Đã tiếp nhận", "Received"),
    DossierStatus.REFUSED: ("Không được tiếp nhận", "Từ chối tiếp nhận", "Refused"),
    DossierStatus.PROCESSING: ("Đang xử lý", "Đang giải quyết", "Being processed"),
    DossierStatus.SUPPLEMENT_REQUESTED: (
        "Yêu cầu bổ sung giấy tờ", "Cần bổ sung hồ sơ", "Documents to supplement"),
    DossierStatus.FINANCIAL_OBLIGATION: (
        "Yêu cầu thực hiện nghĩa vụ tài chính", "Chờ nộp phí / nghĩa vụ tài chính",
        "Awaiting fees / financial obligation"),
    DossierStatus.WITHDRAWN: ("Công dân yêu cầu rút hồ sơ", "Đã rút hồ sơ", "Withdrawn"),
    DossierStatus.STOPPED: ("Dừng xử lý", "Dừng giải quyết", "Processing stopped"),
    DossierStatus.DONE: ("Đã xử lý xong", "Có kết quả – chờ trả", "Result ready for collection"),
    DossierStatus.RETURNED: ("Đã trả kết quả", "Đã trả kết quả", "Result returned"),
}

S = DossierStatus
OPEN_STATUSES = frozenset({S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED,
                           S.FINANCIAL_OBLIGATION})
TRANSITIONS: dict[DossierStatus, frozenset[DossierStatus]] = {
    S.NEW: frozenset({S.RECEIVED, S.REFUSED, S.WITHDRAWN}),
    S.RECEIVED: frozenset({S.PROCESSING, S.WITHDRAWN}),
    S.PROCESSING: frozenset({S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION, S.STOPPED,
                             S.DONE, S.WITHDRAWN}),
    S.SUPPLEMENT_REQUESTED: frozenset({S.PROCESSING, S.REFUSED, S.STOPPED, S.WITHDRAWN}),
    S.FINANCIAL_OBLIGATION: frozenset({S.PROCESSING, S.DONE, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
    S.REFUSED: frozenset(),
    S.STOPPED: frozenset(),
    S.DONE: frozenset({S.RETURNED}),
    S.RETURNED: frozenset({S.DONE}),  # only as an audited recall
}
del S


def check_transition(old: DossierStatus, new: DossierStatus) -> None:
    """Raise IllegalTransition unless `old → new` is allowed by the national status rules."""
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(f"{s.value} {s.label_vi}" for s in sorted(TRANSITIONS[old])) or "không có"
        raise IllegalTransition(
            f"Không thể chuyển hồ sơ từ trạng thái {old.value} ({old.label_vi}) sang "
            f"{new.value} ({new.label_vi}); cho phép: {allowed}")


class DurationUnit(str, Enum):
    """How a procedure's statutory duration is counted."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"  # working hours


class Timeliness(str, Enum):
    """Derived timeliness: the first three for open dossiers, the last three for finished ones."""

    IN_TIME = "trong_han"
    DUE_SOON = "sap_den_han"
    OVERDUE = "qua_han"
    EARLY = "truoc_han"
    ON_TIME = "dung_han"
    LATE = "tre_han"

    @property
    def label_vi(self) -> str:
        """Vietnamese label used in reports and on the kiosk."""
        return {"trong_han": "Trong hạn", "sap_den_han": "Sắp đến hạn", "qua_han": "Quá hạn",
                "truoc_han": "Trước hạn", "dung_han": "Đúng hạn", "tre_han": "Quá hạn"}[self.value]

    @property
    def label_en(self) -> str:
        """English label."""
        return {"trong_han": "On schedule", "sap_den_han": "Due soon", "qua_han": "Overdue",
                "truoc_han": "Ahead of schedule", "dung_han": "On time",
                "tre_han": "Late"}[self.value]


@dataclass(frozen=True)
class Component:
    """One document of a dossier (thành phần hồ sơ)."""

    name: str
    originals: int = 1
    copies: int = 0
    required: bool = True


@dataclass(frozen=True)
class ProcedureCase:
    """A case of a procedure with its statutory duration, fee and timing rules (catalogue data).

    Fee: `fee` VND per dossier (flat), or per `fee_unit` ("trang", "bản"…) when one is named;
    0 means exempt. Timing: `same_day_cutoff` makes it a same-day case (received before the
    cut-off → due at the close of that working day, after it → the next one); `pause_on_fee`
    stops the clock while the citizen fulfils a financial obligation (status 6);
    `supplement_days` is the default deadline (working days) of a supplement request, and
    `supplement_expiry` the status (3 refused or 8 stopped) a dossier moves to when it passes."""

    code: str
    name: str
    duration: float
    unit: DurationUnit
    fee: int = 0  # VND
    fee_note: str = ""
    fee_unit: str = ""
    same_day_cutoff: time | None = None
    pause_on_fee: bool = False
    supplement_days: int = 0
    supplement_expiry: int = 3


@dataclass(frozen=True)
class Procedure:
    """An administrative procedure (thủ tục hành chính), one version of it."""

    code: str  # MaTTHC
    name: str
    field_code: str
    version: int
    effective_from: date
    cases: tuple[ProcedureCase, ...]
    components: tuple[Component, ...] = ()
    effective_to: date | None = None
    result: str = ""

    def case(self, code: str) -> ProcedureCase:
        """The case with this code, or NotFound."""
        for c in self.cases:
            if c.code == code:
                return c
        raise NotFound(f"Thủ tục {self.code} không có trường hợp {code!r}")


@dataclass(frozen=True)
class Field:
    """A field of procedures (lĩnh vực), served by a queue service."""

    code: str
    name: str


@dataclass(frozen=True)
class Actor:
    """Who performs a step: officer name, title (chức danh) and department (phòng ban); a
    `leader` (lãnh đạo) may recall a returned result and add official calendar days."""

    name: str
    role: str
    department: str
    leader: bool = False


@dataclass(frozen=True)
class StaffMember:
    """A staff member as the office head manages them (never their PIN)."""

    username: str
    name: str
    title: str
    department: str
    admin: bool = False  # may administer the office: staff, PINs, services, counters, hours, days
    active: bool = True  # a member who left keeps their name on past steps but cannot log in
    has_pin: bool = False
    leader: bool = False  # a leader of the agency: recalls a returned result, changes the calendar


@dataclass(frozen=True)
class Step:
    """One append-only processing step of a dossier."""

    at: datetime
    actor: str
    role: str
    department: str
    content: str
    status: DossierStatus


@dataclass(frozen=True)
class DueChange:
    """A change of a dossier's appointment date (supplement pause or extension)."""

    at: datetime
    old_due: datetime
    new_due: datetime
    kind: str  # "supplement" | "extension"
    reason: str


@dataclass(frozen=True)
class Applicant:
    """The dossier's owner (chủ hồ sơ). Personal data: never shown on public screens."""

    name: str
    id_type: str = "CCCD"
    id_number: str = ""
    phone: str = ""
    address: str = ""
    kind: int = 1  # LoaiDoiTuong: 1 công dân, 2 doanh nghiệp, 3 tổ chức
    email: str = ""


@dataclass(frozen=True)
class ReceivedComponent:
    """A document handed in at the counter: how many originals (bản chính) and copies (bản sao),
    and its digitisation: scanned `pages`, `digitized` (DuocSoHoa: scanned into the dossier) and
    `reused` (DuocTaiSuDung: taken from data the state already holds, not asked again)."""

    name: str
    originals: int = 0
    copies: int = 0
    note: str = ""
    pages: int = 0
    digitized: bool = False
    reused: bool = False


PAYMENT_METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "online": "Thanh toán trực tuyến"}


@dataclass(frozen=True)
class Payment:
    """A fee payment (or a refund) with its receipt (biên lai) number and method (PAYMENT_METHODS)."""

    at: datetime
    amount: int  # VND
    method: str
    receipt_number: str
    refund: bool = False
    staff: str = ""


@dataclass(frozen=True)
class IssuedForm:
    """A numbered document issued for a dossier or an intake record: "Số: 15/…" of its form
    (e.g. "01"), numbered per form and year."""

    form: str
    year: int
    number: int
    at: datetime


@dataclass(frozen=True)
class Collector:
    """Who collected a result: the applicant or an authorised person (ID checked at the counter).

    `relation` is "applicant" or "representative"; `authorization` is the reference of the power
    of attorney (giấy ủy quyền) a representative shows."""

    name: str
    id_type: str
    id_number: str
    relation: str
    authorization: str = ""


@dataclass(frozen=True)
class IntakeRecord:
    """Guidance given at the counter without receiving a dossier: "incomplete" (Mẫu 02, with what
    is missing) or "refused" (Mẫu 03, with the reason). No dossier code is allocated."""

    id: int
    kind: str
    at: datetime
    procedure_code: str
    case_code: str
    applicant: Applicant
    reason: str
    missing: tuple[str, ...]
    staff: str
    number: IssuedForm | None = None


@dataclass(frozen=True)
class DossierRow:
    """One line of a dossier list (search results, late dossiers) on the counter."""

    code: str
    applicant_name: str
    procedure_name: str
    status: DossierStatus
    received_at: datetime
    due_at: datetime
    timeliness: Timeliness
    finished_at: datetime | None = None
    returned_at: datetime | None = None


@dataclass(frozen=True)
class Dossier:
    """A dossier (hồ sơ) as the office knows it."""

    code: str
    secret: str  # the lookup secret, only in the answer that issued it (reception, reissue); else ""
    procedure_code: str
    procedure_version: int
    case_code: str
    applicant: Applicant
    status: DossierStatus
    received_at: datetime
    due_at: datetime
    original_due_at: datetime
    channel: int = 1  # KenhThucHien: 1 trực tiếp, 2 trực tuyến, 3 bưu chính
    summary: str = ""
    fee: int = 0
    paused_at: datetime | None = None
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    steps: tuple[Step, ...] = ()
    due_changes: tuple[DueChange, ...] = ()
    synced_at: datetime | None = None  # last status received from the central system
    components: tuple[ReceivedComponent, ...] = ()  # the checklist taken at reception
    representative: Applicant | None = None  # authorised person who handed the dossier in
    delivery: str = "counter"  # "counter" | "postal": how the result goes back
    delivery_address: str = ""
    fee_paid: bool = False
    supplement_missing: tuple[str, ...] = ()  # what the last supplement request asked for
    returned_to: Collector | None = None  # who collected the result (ID checked)
    sets: int = 1  # number of sets (bộ) handed in
    fee_units: int = 1  # pages, copies… when the fee is per unit
    fee_exemption: str = ""  # why no fee is charged (đối tượng được miễn)
    payments: tuple[Payment, ...] = ()
    e_result: bool = False  # the result is issued as an electronic document
    supplement_count: int = 0  # supplement requests so far (QĐ 766: more than one counts late)
    supplement_due: datetime | None = None  # deadline of the pending supplement request
    supplement_note: str = ""  # the officer's reason for the last supplement request (Mẫu 02)
    submitted_at: datetime | None = None  # NgayNopHoSo (online dossiers: before reception)
    forms: tuple[IssuedForm, ...] = ()  # numbered documents issued (Mẫu 01–05)

    @property
    def paid(self) -> int:
        """VND paid, net of refunds."""
        return sum(-p.amount if p.refund else p.amount for p in self.payments)

    @property
    def amount_due(self) -> int:
        """VND still to pay (0 when paid in full or exempt)."""
        return max(0, self.fee - self.paid)

    def issued(self, form: str) -> IssuedForm | None:
        """The latest numbered document of a form (e.g. "01"), or None."""
        return next((f for f in reversed(self.forms) if f.form == form), None)


class TicketState(str, Enum):
    """Life of a queue ticket."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Service:
    """A queue service (one per field or group of fields) with its ticket prefix."""

    code: str
    name: str
    prefix: str
    field_codes: tuple[str, ...] = ()
    open: bool = True  # a closed service issues no tickets (those waiting are still served)


@dataclass(frozen=True)
class PriorityCategory:
    """A priority category of citizens, from configuration."""

    code: str
    name: str


@dataclass(frozen=True)
class Counter:
    """A service counter (quầy) and the services it serves."""

    id: int
    name: str
    services: tuple[str, ...]
    paused_reason: str | None = None
    open: bool = True  # a closed counter is out of service: no login, no calls, not on the board


@dataclass(frozen=True)
class Ticket:
    """A queue ticket. `number` is what is printed and called, e.g. "A102"."""

    id: int
    number: str
    service_code: str
    day: date
    issued_at: datetime
    state: TicketState
    priority: str | None = None
    priority_granted_by: str | None = None
    counter_id: int | None = None
    target_counter_id: int | None = None
    calls: int = 0
    called_at: datetime | None = None
    served_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str | None = None
    transferred_from: int | None = None
    staff: str | None = None  # who called / served it


@dataclass(frozen=True)
class TicketReceipt:
    """What the kiosk prints for a freshly issued ticket."""

    ticket: Ticket
    service_name: str
    counters: tuple[str, ...]
    people_ahead: int
    estimated_wait_minutes: int
    rating_token: str = ""  # printed in the ticket's QR: only the person served can rate


@dataclass(frozen=True)
class TicketProgress:
    """Where a ticket stands, for the citizen's phone (the ticket's QR): no personal data, no
    officer name. `counter_name` is where it is called or served; `rated`: its one rating is in."""

    number: str
    service_name: str
    state: TicketState
    people_ahead: int
    estimated_wait_minutes: int
    counter_name: str | None
    rated: bool
    at: datetime  # when this was read


@dataclass(frozen=True)
class RatingLevel:
    """One level of a satisfaction scale."""

    value: int
    label_vi: str
    label_en: str
    needs_reason: bool = False


@dataclass(frozen=True)
class Rating:
    """A stored satisfaction rating; never linked to who rated."""

    id: int
    target_kind: str  # "ticket" | "dossier"
    target: str
    level: int
    scale: int
    reason: str
    criteria: dict = field(default_factory=dict)
    at: datetime | None = None
    counter_id: int | None = None
    service_code: str | None = None
    staff: str | None = None


@dataclass(frozen=True)
class RatingReceipt:
    """The answer to a citizen who rated: what was rated, and how; never who served them."""

    target_kind: str
    target: str
    level: int
    scale: int
    at: datetime


@dataclass(frozen=True)
class CalendarDay:
    """An official change of the working calendar (a day off, or a make-up working day) with
    its reason (e.g. the letter that decided it) and where it came from ("office" or "central")."""

    day: date
    kind: str  # "day_off" | "working_day"
    reason: str
    source: str = "office"
    added_by: str = ""


@dataclass(frozen=True)
class KioskStep:
    """One timeline row on the kiosk: departments and roles, never officer names."""

    at: datetime
    department: str
    role: str
    status_label_vi: str
    status_label_en: str


@dataclass(frozen=True)
class KioskDossierView:
    """The only dossier data a public kiosk may show, after code + secret lookup."""

    code: str
    masked_name: str
    procedure_name: str
    status: DossierStatus
    status_label_vi: str
    status_label_en: str
    received_at: datetime
    due_at: datetime
    timeliness: Timeliness
    steps: tuple[KioskStep, ...]
    next_action_vi: str
    next_action_en: str
    synced_at: datetime | None = None


@dataclass(frozen=True)
class OnlineDossier:
    """A dossier submitted online (Cổng Dịch vụ công), sent down by the central system: it waits
    at status 1 (chờ tiếp nhận) until the counter accepts it (1 → 2, a dossier `code` from the
    office's number block) or refuses it (1 → 3, with the `reason`)."""

    ref: str  # the portal's reference of the submission
    submitted_at: datetime
    procedure_code: str
    case_code: str
    applicant: Applicant
    summary: str = ""
    representative: Applicant | None = None
    components: tuple[ReceivedComponent, ...] = ()
    delivery: str = "counter"
    delivery_address: str = ""
    state: str = "waiting"  # "waiting" | "accepted" | "refused"
    code: str | None = None
    reason: str = ""
