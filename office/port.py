"""The office port: every use case a kiosk, counter or board may call, in one Protocol, and who may
call each one.

Two adapters implement it: `office.gateway.OfficeGateway` (an app running on the office store,
embedded) and `hub.client.HubClient` (an app talking to the office hub over HTTP, whose server
runs the same gateway). So an app behaves the same either way. Neither is written method by
method: `implement()` gives a class one method per use case with the Protocol's own signature
and docstring, forwarding to a single dispatch method, so they cannot drift from the port.

The logged-in staff member is the actor of every step and call (the port has no `actor`
parameter: the gateway supplies it), and the device is the reporter of its own problems.
"""
from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from office.model import (
    Actor,
    Applicant,
    CalendarDay,
    Collector,
    Counter,
    Dossier,
    DossierRow,
    DossierStatus,
    Field,
    IntakeRecord,
    KioskDossierView,
    OnlineDossier,
    PriorityCategory,
    Procedure,
    RatingLevel,
    RatingReceipt,
    ReceivedComponent,
    Service,
    StaffMember,
    Ticket,
    TicketProgress,
    TicketReceipt,
    Timeliness,
)

ROLES = ("kiosk", "counter", "display", "admin")  # enrollable devices
# "web": a browser, never enrolled: the page runs its use cases as the virtual device "web:<client
# address>", so the core's limits on guessing apply per client. A citizen's phone on the public
# pages (hub/pages.py, central/lookup.py) calls without a login; on the office dashboard (hub
# /quan-ly) only office admins and leaders log in (`office.gateway`).
WEB = "web"

# Who may call: device role → does a staff member have to be logged in on that device.
EVERYONE = {"kiosk": False, "counter": False, "display": False, "admin": False}
KIOSK = {"kiosk": False}
CITIZENS = {"kiosk": False, WEB: False}  # the kiosk and the citizen's phone
STAFF = {"counter": True, "admin": True}
ISSUERS = {"kiosk": False, "counter": True, "admin": True}
MANAGERS = {"counter": True, "admin": False}
LOGIN = {"counter": False, "admin": False, WEB: False}
DASHBOARD = {"admin": True, WEB: True}
ADMINS = {"counter": True, "admin": True}  # and the staff member logged in must be an office admin


@dataclass(frozen=True)
class UseCase:
    """Who may call a use case and whether it changes the office.

    `access` maps each allowed device role to whether a staff login is needed; `writes` marks a
    mutation (retried safely with an idempotency key; its answer is kept for the retry);
    `audited` marks a read of personal data (each call writes an audit row); `limited` marks a
    read whose failures are counted against a limit on guessing (each failure writes a row);
    `admin` needs the logged-in staff member to be an office admin; `secret` carries a PIN (never
    in a URL nor in the kept answers of retried requests: setting a PIN twice is harmless)."""

    name: str
    access: Mapping[str, bool]
    writes: bool = False
    audited: bool = False
    limited: bool = False
    admin: bool = False
    secret: bool = False


USE_CASES: dict[str, UseCase] = {u.name: u for u in (
    UseCase("office", EVERYONE),
    UseCase("procedures", EVERYONE),
    UseCase("procedure", EVERYONE),
    UseCase("fields", EVERYONE),
    UseCase("services", EVERYONE),
    UseCase("counters", EVERYONE),
    UseCase("priority_categories", EVERYONE),
    UseCase("rating_levels", EVERYONE),
    UseCase("ticket_issuing_open", EVERYONE),
    UseCase("waiting_counts", EVERYONE),
    UseCase("issue_ticket", ISSUERS, writes=True),
    UseCase("ticket_receipt", STAFF),
    UseCase("counter_ticket", STAFF),
    UseCase("waiting_tickets", STAFF),
    UseCase("call_next", STAFF, writes=True),
    UseCase("recall", STAFF, writes=True),
    UseCase("start_serving", STAFF, writes=True),
    UseCase("finish_ticket", STAFF, writes=True),
    UseCase("mark_no_show", STAFF, writes=True),
    UseCase("cancel_ticket", STAFF, writes=True),
    UseCase("transfer_ticket", STAFF, writes=True),
    UseCase("pause_counter", STAFF, writes=True),
    UseCase("resume_counter", STAFF, writes=True),
    UseCase("receive_dossier", STAFF, writes=True),
    UseCase("missing_components", STAFF),
    UseCase("record_intake", STAFF, writes=True),
    UseCase("reissue_secret", STAFF, writes=True),
    UseCase("intake", STAFF),
    UseCase("dossier", STAFF, audited=True),
    UseCase("change_status", STAFF, writes=True),
    UseCase("extend_due", STAFF, writes=True),
    UseCase("timeliness", STAFF),
    UseCase("request_supplement", STAFF, writes=True),
    UseCase("expire_supplements", STAFF, writes=True),
    UseCase("record_payment", STAFF, writes=True),
    UseCase("return_result", STAFF, writes=True),
    UseCase("reveal_applicant", STAFF, audited=True),
    UseCase("search_dossiers", STAFF),
    UseCase("late_dossiers", STAFF),
    UseCase("my_dossiers", STAFF),
    UseCase("register_rows", STAFF, audited=True),
    UseCase("online_dossiers", STAFF, audited=True),
    UseCase("accept_online", STAFF, writes=True),
    UseCase("refuse_online", STAFF, writes=True),
    UseCase("kiosk_lookup", CITIZENS, limited=True),
    UseCase("ticket_progress", {WEB: False}, limited=True),
    UseCase("rate", CITIZENS, writes=True),
    UseCase("report_device_problem", ISSUERS, writes=True),
    UseCase("summary", MANAGERS),
    UseCase("dashboard", DASHBOARD),
    UseCase("reports", STAFF, audited=True),
    UseCase("calendar_days", EVERYONE),
    UseCase("set_calendar_day", STAFF, writes=True),
    UseCase("clear_calendar_day", STAFF, writes=True),
    UseCase("unlock_kiosk_admin", KIOSK, audited=True, secret=True),
    UseCase("staff_members", ADMINS, admin=True),
    UseCase("save_staff_member", ADMINS, writes=True, admin=True),
    UseCase("remove_staff_member", ADMINS, writes=True, admin=True),
    UseCase("set_staff_pin", ADMINS, admin=True, secret=True),
    UseCase("set_service_open", ADMINS, writes=True, admin=True),
    UseCase("set_counter_open", ADMINS, writes=True, admin=True),
    UseCase("office_settings", ADMINS, admin=True),
    UseCase("set_ticket_hours", ADMINS, writes=True, admin=True),
    UseCase("set_kiosk_pin", ADMINS, admin=True, secret=True),
)}


class OfficePort(Protocol):
    """The office's use cases as an app sees them (one device, maybe one logged-in staff member)."""

    # ---- office and catalogue -------------------------------------------------------------

    def office(self) -> dict:
        """Office identity for headers and tickets, and the display board's settings."""

    def procedures(self) -> list[Procedure]:
        """Procedures in force today."""

    def procedure(self, code: str) -> Procedure:
        """The version of a procedure in force today."""

    def fields(self) -> list[Field]:
        """Fields of procedures."""

    def services(self, include_closed: bool = False) -> list[Service]:
        """The open queue services (closed ones too with `include_closed`)."""

    def counters(self, include_closed: bool = False) -> list[Counter]:
        """The open counters with their services and pause state (closed ones too with `include_closed`)."""

    def priority_categories(self) -> tuple[PriorityCategory, ...]:
        """Configured priority categories."""

    def rating_levels(self) -> tuple[RatingLevel, ...]:
        """Levels of the configured satisfaction scale, best first."""

    def ticket_issuing_open(self, at: datetime | None = None) -> bool:
        """Whether kiosks may issue tickets now (or at `at`): a working day, inside ticket hours."""

    def waiting_counts(self) -> dict[str, int]:
        """Waiting tickets per service today."""

    # ---- queue ----------------------------------------------------------------------------

    def issue_ticket(self, service_code: str, priority: str | None = None, *,
                     idempotency_key: str | None = None) -> TicketReceipt:
        """Issue a queue ticket; a retry with the same idempotency key returns the same ticket."""

    def ticket_receipt(self, ticket_id: int) -> TicketReceipt:
        """What to print for a ticket: service, counters, people ahead, estimated wait."""

    def waiting_tickets(self) -> list[Ticket]:
        """Today's waiting tickets in issue order (numbers and times: no personal data)."""

    def counter_ticket(self, counter_id: int) -> Ticket | None:
        """The ticket a counter is calling or serving today (e.g. after the counter app restarts)."""

    def call_next(self, counter_id: int, *, idempotency_key: str | None = None) -> Ticket | None:
        """Call the next ticket for a counter (priority ratio, FIFO within a class); None if nobody waits."""

    def recall(self, ticket_id: int, counter_id: int, *, idempotency_key: str | None = None) -> Ticket:
        """Call the same ticket again (until the configured number of calls)."""

    def start_serving(self, ticket_id: int, counter_id: int, *, idempotency_key: str | None = None) -> Ticket:
        """The called citizen arrived at the counter."""

    def finish_ticket(self, ticket_id: int, counter_id: int, reason: str = "", *,
                      idempotency_key: str | None = None) -> Ticket:
        """Finish serving a ticket, with an optional reason (e.g. guidance only)."""

    def mark_no_show(self, ticket_id: int, counter_id: int, *, idempotency_key: str | None = None) -> Ticket:
        """The citizen did not come after the configured number of calls."""

    def cancel_ticket(self, ticket_id: int, reason: str, *, idempotency_key: str | None = None) -> Ticket:
        """Cancel a waiting or called ticket with a reason."""

    def transfer_ticket(self, ticket_id: int, counter_id: int, to_service: str, to_counter: int | None = None,
                        reason: str = "", *, idempotency_key: str | None = None) -> Ticket:
        """Send a citizen to another service or counter; the same number waits there, keeping its place."""

    def pause_counter(self, counter_id: int, reason: str, *, idempotency_key: str | None = None) -> None:
        """Pause a counter with a reason shown on the board."""

    def resume_counter(self, counter_id: int, *, idempotency_key: str | None = None) -> None:
        """Resume a paused counter."""

    # ---- dossiers -------------------------------------------------------------------------

    def receive_dossier(self, procedure_code: str, case_code: str, applicant: Applicant, summary: str = "",
                        channel: int = 1, *, components: tuple[ReceivedComponent, ...] | None = None,
                        representative: Applicant | None = None, delivery: str = "counter",
                        delivery_address: str = "", sets: int = 1, fee_units: int = 1, fee_exemption: str = "",
                        payment_method: str = "", receipt_number: str = "", e_result: bool = False,
                        idempotency_key: str | None = None) -> Dossier:
        """Receive a dossier: appointment date, dossier code, lookup secret, first step, numbered Mẫu 01,
        fee due (paid at once with a method and receipt number); an online dossier waits at status 1."""

    def missing_components(self, procedure_code: str, case_code: str,
                           components: tuple[ReceivedComponent, ...]) -> list[str]:
        """Names of the procedure's required components not in the checklist."""

    def record_intake(self, kind: str, procedure_code: str, case_code: str, applicant: Applicant,
                      reason: str = "", missing: tuple[str, ...] = (), *,
                      idempotency_key: str | None = None) -> IntakeRecord:
        """Record a dossier not received: "incomplete" (Mẫu 02) or "refused" (Mẫu 03); no code."""

    def reissue_secret(self, code: str, *, idempotency_key: str | None = None) -> Dossier:
        """A new lookup secret to reprint a dossier's receipt (Mẫu 01); the old secret stops working."""

    def intake(self, record_id: int) -> IntakeRecord:
        """An intake record (incomplete or refused dossier) by its number."""

    def dossier(self, code: str) -> Dossier:
        """A dossier with its full history and personal data; every view is in the audit log."""

    def change_status(self, code: str, status: DossierStatus, content: str, *,
                      idempotency_key: str | None = None) -> Dossier:
        """Move a dossier to a new status with a processing step, applying the clock rules."""

    def extend_due(self, code: str, new_due: datetime, reason: str, *,
                   idempotency_key: str | None = None) -> Dossier:
        """Extend the appointment date (apology letter, Mẫu 04), before the current date passes."""

    def timeliness(self, code: str) -> Timeliness:
        """Timeliness of a dossier now."""

    def request_supplement(self, code: str, missing: list[str], note: str = "", deadline: datetime | None = None,
                           *, idempotency_key: str | None = None) -> Dossier:
        """Ask for more documents (status 5) by a deadline (default: the procedure's): the clock pauses."""

    def expire_supplements(self, *, idempotency_key: str | None = None) -> list[str]:
        """Refuse or stop (as each procedure says) the dossiers whose supplement deadline has passed."""

    def record_payment(self, code: str, method: str, receipt_number: str, amount: int | None = None,
                       refund: bool = False, *, idempotency_key: str | None = None) -> Dossier:
        """Record a fee payment (cash, transfer, online) with its receipt number, or a refund on withdrawal."""

    def return_result(self, code: str, collector: Collector, *, idempotency_key: str | None = None) -> Dossier:
        """Hand the result over (9 → 10) after checking the collector's identity paper."""

    def reveal_applicant(self, code: str, purpose: str) -> Applicant:
        """The applicant's full personal data for a stated purpose; every reveal is audit-logged."""

    def search_dossiers(self, text: str = "", status: DossierStatus | None = None,
                        limit: int = 50, offset: int = 0) -> list[DossierRow]:
        """Dossiers by code prefix, applicant name (accents ignored), ID number or phone; newest
        first, a page of `limit` rows from `offset`."""

    def late_dossiers(self, within_working_days: int = 1) -> list[DossierRow]:
        """Open dossiers overdue or due within N working days, most urgent first."""

    def my_dossiers(self) -> list[DossierRow]:
        """The logged-in staff member's open dossiers (received or handled by them), most urgent first."""

    def register_rows(self, day_from: date, day_to: date) -> list[dict]:
        """Rows of the dossier register (Sổ theo dõi hồ sơ, Mẫu 07) over [day_from, day_to]; each read
        is in the audit log (names, addresses, phones)."""

    def online_dossiers(self) -> list[OnlineDossier]:
        """Dossiers submitted online waiting at status 1, oldest first; every view is in the audit log."""

    def accept_online(self, ref: str, *, idempotency_key: str | None = None) -> Dossier:
        """Accept an online dossier (1 → 2): a dossier code from the office's block, channel 2."""

    def refuse_online(self, ref: str, reason: str, *, idempotency_key: str | None = None) -> OnlineDossier:
        """Refuse an online dossier at reception (1 → 3) with the reason."""

    def kiosk_lookup(self, code: str, secret: str, scanned: bool = False) -> KioskDossierView:
        """The public view of a dossier from its code and lookup secret; `scanned`: both were read
        from the receipt's QR (typed and scanned guesses are limited apart)."""

    def ticket_progress(self, day: date, number: str, token: str) -> TicketProgress:
        """Where a ticket stands (people ahead, estimated wait, the counter calling it, rated or
        not), for the citizen holding it: `token` is the rating token printed in its QR."""

    def rate(self, target_kind: str, target: str, proof: str, level: int, reason: str = "",
             criteria: dict | None = None, *, idempotency_key: str | None = None) -> RatingReceipt:
        """Rate a served ticket (proof: its printed token) or a dossier (proof: its lookup secret); once each."""

    def report_device_problem(self, problem: str, message: str = "", *,
                              idempotency_key: str | None = None) -> None:
        """Alert staff that this device needs attention (printer out of paper, camera lost)."""

    def summary(self) -> dict:
        """Office identity and store counts."""

    def dashboard(self) -> dict:
        """The office dashboard now: live queue per service and counter, today's waits and
        no-shows, paused counters, device alerts, on-time and satisfaction figures of today and of
        this month, late dossiers (masked names) and the QĐ 766 indices of the month."""

    def reports(self, day_from: date, day_to: date) -> dict:
        """Office report over [day_from, day_to] (at most 366 days), with fees and the QĐ 766 indices;
        each read is in the audit log (figures per officer)."""

    def calendar_days(self) -> list[CalendarDay]:
        """Official calendar changes stored in the office (its own and the central system's)."""

    def set_calendar_day(self, day: date, kind: str, reason: str, *,
                         idempotency_key: str | None = None) -> CalendarDay:
        """Make a day a day off or a working day (a leader, with the decision that says so)."""

    def clear_calendar_day(self, day: date, *, idempotency_key: str | None = None) -> None:
        """Forget a calendar change the office added itself (a leader): the national calendar and
        the central system's days apply again."""

    # ---- kiosk staff panel and office administration (office admins only) ------------------

    def unlock_kiosk_admin(self, pin: str) -> None:
        """Check the kiosk admin PIN (opens the kiosk's staff panel); wrong PINs are locked out and logged."""

    def staff_members(self) -> list[StaffMember]:
        """Every staff member (those who left too) and whether each has a PIN; never the PINs."""

    def save_staff_member(self, username: str, name: str, title: str, department: str, admin: bool = False,
                          leader: bool = False, *, idempotency_key: str | None = None) -> StaffMember:
        """Add a staff member or update one (a member who had left is active again); `admin`:
        administers the office, `leader`: a leader of the agency."""

    def remove_staff_member(self, username: str, *, idempotency_key: str | None = None) -> None:
        """A staff member left: their PIN and sessions end, their name stays on past steps."""

    def set_staff_pin(self, username: str, pin: str) -> None:
        """Set or reset a staff member's PIN (6 digits, not all the same, not a run); their sessions end."""

    def set_service_open(self, code: str, is_open: bool, *, idempotency_key: str | None = None) -> Service:
        """Open a queue service, or close it: kiosks stop issuing its tickets, those waiting are served."""

    def set_counter_open(self, counter_id: int, is_open: bool, *, idempotency_key: str | None = None) -> Counter:
        """Open a counter, or close it (out of service: no login, no calls, off the board)."""

    def office_settings(self) -> dict:
        """Ticket hours, working hours, the office's own calendar days, whether the kiosk PIN is set."""

    def set_ticket_hours(self, sessions: list[list[str]], *, idempotency_key: str | None = None) -> None:
        """When kiosks issue tickets, e.g. [["07:00", "11:15"], ["13:30", "16:45"]]; inside working hours."""


    def set_kiosk_pin(self, pin: str) -> None:
        """Set the PIN that opens the kiosks' staff panel (and lets staff close the kiosk window)."""

    # ---- staff session --------------------------------------------------------------------

    def login(self, username: str, pin: str, counter_id: int | None = None) -> Actor:
        """Log a staff member in on this device, at `counter_id` on a counter device (the session
        acts for that counter only); later calls act as them."""

    def logout(self) -> None:
        """End the staff session."""


@functools.cache
def result_type(name: str) -> Any:
    """The type a use case answers with (from the port's annotations)."""
    return typing.get_type_hints(getattr(OfficePort, name))["return"]


def signature(name: str) -> inspect.Signature:
    """The port's signature of a use case (with `self`)."""
    return inspect.signature(getattr(OfficePort, name))


def implement(cls: type, dispatch: Callable[..., Any]) -> type:
    """Give `cls` one method per use case it does not define itself, each with the port's
    signature and docstring, calling `dispatch(self, name, arguments, idempotency_key)`."""
    for name in USE_CASES:
        if name in cls.__dict__:
            continue
        cls_method = _forwarder(name, dispatch)
        setattr(cls, name, cls_method)
    return cls


def _forwarder(name: str, dispatch: Callable[..., Any]) -> Callable[..., Any]:
    sig = signature(name)

    def method(self, *args: Any, **kwargs: Any) -> Any:
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments["self"]
        key = arguments.pop("idempotency_key", None)
        return dispatch(self, name, arguments, key)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = getattr(OfficePort, name).__doc__
    method.__signature__ = sig
    return method
