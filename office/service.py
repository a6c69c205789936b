"""Use cases of a one-stop office (the OfficeService port).

Every UI (kiosk, counter, display) and the hub call these methods; each mutation runs in one
store transaction together with its change-log event.
"""
from __future__ import annotations

import hmac
import math
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

from office.config import OfficeConfig
from office.model import (OPEN_STATUSES, Actor, Applicant, Collector, Dossier, DossierRow,
    DossierStatus, DueChange, IntakeRecord, KioskDossierView, KioskStep, PriorityCategory,
    Rating, RatingLevel, ReceivedComponent, Step, Ticket, TicketReceipt,
    TicketState, Timeliness, check_transition)
from office.errors import Conflict, IllegalTransition, InvalidInput, NotFound, OutsideHours
from office.rules.calendar import WorkCalendar, WorkingHours
from office.rules.identity import check_id_number, id_type_label
from office.rules.codes import check_secret, format_dossier_code, new_lookup_secret, parse_dossier_code
from office.rules.masking import mask_name, nfc
from office.rules.queue import choose_class, estimate_wait_minutes, ticket_number
from office.rules.rating import check_rating, scale_levels
from office.store import Store

S = DossierStatus
T = TicketState
LOOKUP_FAILED = "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này"
FINISHED = {S.REFUSED, S.WITHDRAWN, S.STOPPED, S.DONE}


class OfficeService:
    """The office's use cases over one store, one configuration and one working calendar."""

    def __init__(self, store: Store, config: OfficeConfig, calendar: WorkCalendar | None = None,
                 clock: Callable[[], datetime] = datetime.now):
        """Wire a service; `clock` returns local naive time (tests and seeding pass their own).

        Without a calendar: the config's override file plus the calendar days pulled from the
        central system (the local file wins)."""
        self.store = store
        self.config = config
        self.calendar = calendar or WorkCalendar.from_file(
            config.calendar_overrides, WorkingHours(config.working_sessions)
        ).with_overrides(*store.central_calendar())
        self.clock = clock

    @classmethod
    def open(cls, db_path: str | Path, config: OfficeConfig,
             clock: Callable[[], datetime] = datetime.now) -> "OfficeService":
        """Open the store at `db_path` (created if missing) for this office."""
        return cls(Store(db_path, config.office_id, config.agency_code), config, clock=clock)

    def _now(self) -> datetime:
        return self.clock().replace(microsecond=0)

    # ---- catalogue ----------------------------------------------------------------------

    def office(self) -> dict:
        """Office identity for headers and tickets, and the display board's settings."""
        board = self.config.board
        return {"office_id": self.store.office_id, "name": self.config.office_name,
                "place": self.config.place_name,
                "agency_code": self.store.agency_code,
                "board": {"notice": board.notice, "voice_template": board.voice_template,
                          "voice_repeats": board.voice_repeats}}

    def procedures(self):
        """Procedures in force today."""
        return self.store.procedures(on=self._now().date())

    def procedure(self, code: str):
        """The version of a procedure in force today."""
        return self.store.procedure(code, on=self._now().date())

    def fields(self):
        """Fields of procedures."""
        return self.store.fields()

    def services(self):
        """Queue services."""
        return self.store.services()

    def counters(self):
        """Counters with their services and pause state."""
        return self.store.counters()

    def priority_categories(self) -> tuple[PriorityCategory, ...]:
        """Configured priority categories."""
        return self.config.priority_categories

    def rating_levels(self) -> tuple[RatingLevel, ...]:
        """Levels of the configured satisfaction scale, best first."""
        return scale_levels(self.config.rating_scale)

    # ---- queue --------------------------------------------------------------------------

    def ticket_issuing_open(self, at: datetime | None = None) -> bool:
        """Whether kiosks may issue tickets now (working day, inside ticket hours)."""
        at = at or self._now()
        return self.calendar.is_working_day(at.date()) and any(
            a <= at.time() < b for a, b in self.config.ticket_sessions)

    def issue_ticket(self, service_code: str, priority: str | None = None,
                     idempotency_key: str | None = None) -> TicketReceipt:
        """Issue a queue ticket; a retry with the same idempotency key returns the same ticket."""
        now = self._now()
        service = self.store.service(service_code)
        if priority is not None and priority not in {c.code for c in self.config.priority_categories}:
            raise InvalidInput(f"Không có đối tượng ưu tiên {priority!r}")
        with self.store.write():
            if idempotency_key:
                done = self.store.idempotent_result(idempotency_key, "issue_ticket")
                if done:
                    return self.ticket_receipt(self.store.ticket(done["ticket_id"]))
            if not self.ticket_issuing_open(now):
                raise OutsideHours(self._hours_message())
            seq = self.store.next_ticket_sequence(service.code, now.date())
            ticket = self.store.insert_ticket(
                number=ticket_number(service.prefix, seq), service_code=service.code, day=now.date(),
                issued_at=now, state=T.WAITING, priority=priority,
                priority_granted_by="kiosk" if priority else None)
            self._ticket_event(ticket, "issued", now)
            if idempotency_key:
                self.store.remember_result(idempotency_key, "issue_ticket", {"ticket_id": ticket.id}, now)
        return self.ticket_receipt(ticket)

    def _hours_message(self) -> str:
        hours = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.config.ticket_sessions)
        return f"Ngoài giờ cấp số thứ tự. Giờ cấp số: {hours} các ngày làm việc"

    def ticket_receipt(self, ticket: Ticket) -> TicketReceipt:
        """What to print for a ticket: service, counters, people ahead, estimated wait."""
        service = self.store.service(ticket.service_code)
        counters = [c for c in self.store.counters() if ticket.service_code in c.services]
        open_counters = sum(1 for c in counters if c.paused_reason is None)
        ahead = self.store.waiting_before(ticket) if ticket.state == T.WAITING else 0
        mean = self.store.mean_service_minutes(ticket.service_code, ticket.issued_at - timedelta(days=7))
        minutes = mean or self.config.default_service_minutes
        return TicketReceipt(ticket, service.name, tuple(c.name for c in counters), ahead,
                             estimate_wait_minutes(ahead, open_counters, minutes))

    def call_next(self, counter_id: int, staff: str = "") -> Ticket | None:
        """Call the next ticket for a counter (priority ratio, FIFO within a class); None if nobody waits.

        A ticket still being served at this counter is finished first. Atomic across processes.
        """
        now = self._now()
        with self.store.write():
            counter = self.store.counter(counter_id)
            if counter.paused_reason is not None:
                raise Conflict(f"{counter.name} đang tạm dừng: {counter.paused_reason}")
            for t in self.store.tickets(now.date(), [T.CALLED, T.SERVING]):
                if t.counter_id != counter_id:
                    continue
                if t.state == T.CALLED:
                    raise Conflict(f"Số {t.number} đang được gọi: hãy phục vụ, gọi lại hoặc đánh dấu vắng mặt")
                self._finish(t, now, T.DONE, "")
            streak = self.store.normal_streak(counter_id)
            pri = self.store.first_waiting(now.date(), counter.services, counter_id, priority=True)
            nor = self.store.first_waiting(now.date(), counter.services, counter_id, priority=False)
            chosen = choose_class(pri is not None, nor is not None, streak, self.config.priority_ratio)
            if chosen is None:
                return None
            ticket = pri if chosen == "priority" else nor
            self.store.set_normal_streak(counter_id, 0 if chosen == "priority" else streak + 1)
            ticket = self.store.update_ticket(ticket.id, state=T.CALLED, counter_id=counter_id,
                                              calls=1, called_at=now, staff=staff or None)
            self._ticket_event(ticket, "called", now)
        return ticket

    def counter_ticket(self, counter_id: int) -> Ticket | None:
        """The ticket a counter is calling or serving today (e.g. after the counter app restarts)."""
        self.store.counter(counter_id)
        return next((t for t in self.store.tickets(self._now().date(), [T.CALLED, T.SERVING])
                     if t.counter_id == counter_id), None)

    def _active(self, ticket_id: int, counter_id: int, *states: TicketState) -> Ticket:
        t = self.store.ticket(ticket_id)
        if t.counter_id != counter_id or t.state not in states:
            raise Conflict(f"Số {t.number} không ở trạng thái phù hợp tại quầy này ({t.state.value})")
        return t

    def recall(self, ticket_id: int, counter_id: int) -> Ticket:
        """Call the same ticket again; after the configured number of calls, mark a no-show instead."""
        now = self._now()
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED)
            if t.calls >= self.config.no_show_after_calls:
                raise Conflict(f"Số {t.number} đã gọi {t.calls} lần: đánh dấu vắng mặt")
            t = self.store.update_ticket(t.id, calls=t.calls + 1, called_at=now)
            self._ticket_event(t, "recalled", now)
        return t

    def start_serving(self, ticket_id: int, counter_id: int) -> Ticket:
        """The called citizen arrived at the counter."""
        now = self._now()
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED)
            t = self.store.update_ticket(t.id, state=T.SERVING, served_at=now)
            self._ticket_event(t, "serving", now)
        return t

    def finish_ticket(self, ticket_id: int, counter_id: int, reason: str = "") -> Ticket:
        """Finish serving a ticket, with an optional reason (e.g. guidance only)."""
        now = self._now()
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED, T.SERVING)
            return self._finish(t, now, T.DONE, reason)

    def mark_no_show(self, ticket_id: int, counter_id: int) -> Ticket:
        """The citizen did not come after the configured number of calls."""
        now = self._now()
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED)
            if t.calls < self.config.no_show_after_calls:
                raise Conflict(f"Chỉ đánh dấu vắng mặt sau {self.config.no_show_after_calls} lần gọi "
                               f"(số {t.number} mới gọi {t.calls} lần)")
            return self._finish(t, now, T.NO_SHOW, "Vắng mặt")

    def cancel_ticket(self, ticket_id: int, reason: str) -> Ticket:
        """Cancel a waiting or called ticket with a reason."""
        now = self._now()
        if not reason.strip():
            raise InvalidInput("Cần nêu lý do hủy số")
        with self.store.write():
            t = self.store.ticket(ticket_id)
            if t.state not in (T.WAITING, T.CALLED):
                raise Conflict(f"Không thể hủy số {t.number} ở trạng thái {t.state.value}")
            return self._finish(t, now, T.CANCELLED, reason)

    def transfer_ticket(self, ticket_id: int, counter_id: int, to_service: str,
                        to_counter: int | None = None, reason: str = "") -> Ticket:
        """Send a citizen to another service or counter; the same number waits there, keeping its place."""
        now = self._now()
        service = self.store.service(to_service)
        if to_counter is not None and service.code not in self.store.counter(to_counter).services:
            raise InvalidInput(f"Quầy {to_counter} không phục vụ {service.name}")
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED, T.SERVING)
            self._finish(t, now, T.TRANSFERRED, reason or f"Chuyển sang {service.name}")
            moved = self.store.insert_ticket(
                number=t.number, service_code=service.code, day=t.day, issued_at=t.issued_at,
                state=T.WAITING, priority=t.priority, priority_granted_by=t.priority_granted_by,
                target_counter_id=to_counter, transferred_from=t.id)
            self._ticket_event(moved, "issued", now)
        return moved

    def _finish(self, t: Ticket, now: datetime, state: TicketState, reason: str) -> Ticket:
        t = self.store.update_ticket(t.id, state=state, finished_at=now, reason=reason or None)
        self._ticket_event(t, state.value, now)
        return t

    def pause_counter(self, counter_id: int, reason: str) -> None:
        """Pause a counter with a reason shown on the board."""
        if not reason.strip():
            raise InvalidInput("Cần nêu lý do tạm dừng")
        self._set_pause(counter_id, reason.strip())

    def resume_counter(self, counter_id: int) -> None:
        """Resume a paused counter."""
        self._set_pause(counter_id, None)

    def _set_pause(self, counter_id: int, reason: str | None) -> None:
        now = self._now()
        with self.store.write():
            self.store.counter(counter_id)
            self.store.set_counter_pause(counter_id, reason)
            self.store.append_event("counter", str(counter_id), "paused" if reason else "resumed",
                                    {"id": counter_id, "reason": reason}, now)

    def waiting_counts(self) -> dict[str, int]:
        """Waiting tickets per service today."""
        return self.store.waiting_counts(self._now().date())

    def _ticket_event(self, t: Ticket, kind: str, now: datetime) -> None:
        self.store.append_event("ticket", str(t.id), kind, asdict(t), now)

    # ---- dossiers -----------------------------------------------------------------------

    def receive_dossier(self, procedure_code: str, case_code: str, applicant: Applicant,
                        actor: Actor, summary: str = "", channel: int = 1,
                        idempotency_key: str | None = None, *,
                        components: tuple[ReceivedComponent, ...] | None = None,
                        representative: Applicant | None = None, delivery: str = "counter",
                        delivery_address: str = "", fee_paid: bool = False) -> Dossier:
        """Receive a dossier: appointment date, dossier code, lookup secret, first step.

        `components` is the checklist taken at the counter: every required component of the
        procedure must be in it (else InvalidInput naming what is missing); None means no checklist
        was taken (online or imported dossiers). A postal delivery needs an address; ID numbers must
        fit their paper type. The same idempotency key always gives the same dossier."""
        now = self._now()
        procedure = self.store.procedure(procedure_code, on=now.date())
        case = procedure.case(case_code)
        applicant = _clean_applicant(applicant)
        if channel not in (1, 2, 3):
            raise InvalidInput("Kênh thực hiện phải là 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)")
        if components is not None:
            components = _clean_components(components)
            missing = self.missing_components(procedure_code, case_code, components)
            if missing:
                raise InvalidInput("Hồ sơ còn thiếu thành phần bắt buộc: " + "; ".join(missing))
        if representative is not None:
            representative = _clean_applicant(representative)
            if not representative.id_number:
                raise InvalidInput("Thiếu số giấy tờ tùy thân của người được ủy quyền")
        delivery_address = " ".join(nfc(delivery_address).split())
        if delivery not in ("counter", "postal"):
            raise InvalidInput("Hình thức nhận kết quả phải là tại Bộ phận Một cửa (counter) hoặc bưu chính (postal)")
        if delivery == "postal" and not delivery_address:
            raise InvalidInput("Nhận kết quả qua bưu chính cần địa chỉ nhận")
        due = self.calendar.appointment(now, case.duration, case.unit)
        with self.store.write():
            if idempotency_key:
                done = self.store.idempotent_result(idempotency_key, "receive_dossier")
                if done:
                    return self.store.dossier(done["code"])
            first, last = (self.store.number_block(self.store.agency_code, now.date())
                           or (self.config.sequence_first, self.config.sequence_last))
            seq = self.store.next_dossier_sequence(self.store.agency_code, now.date(), first, last)
            code = format_dossier_code(self.store.agency_code, now.date(), seq)
            step = Step(now, actor.name, actor.role, actor.department,
                        f"Tiếp nhận hồ sơ, hẹn trả {due:%H:%M %d/%m/%Y}", S.RECEIVED)
            dossier = Dossier(code=code, secret=new_lookup_secret(), procedure_code=procedure.code,
                              procedure_version=procedure.version, case_code=case.code,
                              applicant=applicant, status=S.RECEIVED, received_at=now, due_at=due,
                              original_due_at=due, channel=channel, summary=nfc(summary.strip())[:1000],
                              fee=case.fee, steps=(step,), components=tuple(components or ()),
                              representative=representative, delivery=delivery,
                              delivery_address=delivery_address if delivery == "postal" else "",
                              fee_paid=bool(fee_paid))
            self.store.insert_dossier(dossier)
            self.store.append_event("dossier", code, "received", _dossier_payload(dossier), now)
            if idempotency_key:
                self.store.remember_result(idempotency_key, "receive_dossier", {"code": code}, now)
        return dossier

    def missing_components(self, procedure_code: str, case_code: str,
                           components: tuple[ReceivedComponent, ...]) -> list[str]:
        """Names of the procedure's required components not among `components` (counted ≥ 1)."""
        procedure = self.store.procedure(procedure_code, on=self._now().date())
        procedure.case(case_code)
        given = {_component_key(c.name) for c in components if c.originals + c.copies > 0}
        return [c.name for c in procedure.components if c.required and _component_key(c.name) not in given]

    def record_intake(self, kind: str, procedure_code: str, case_code: str, applicant: Applicant,
                      actor: Actor, reason: str = "", missing: tuple[str, ...] = (),
                      idempotency_key: str | None = None) -> IntakeRecord:
        """Record a dossier the counter did not receive: "incomplete" (guidance to complete it,
        Mẫu 02: `missing` lists what to add) or "refused" (Mẫu 03: `reason`). No dossier code is
        allocated; the record goes to the change log."""
        now = self._now()
        if kind not in ("incomplete", "refused"):
            raise InvalidInput("Loại phiếu phải là incomplete (hướng dẫn bổ sung) hoặc refused (từ chối)")
        procedure = self.store.procedure(procedure_code, on=now.date())
        procedure.case(case_code)
        applicant = _clean_applicant(applicant)
        reason = nfc(reason.strip())
        missing = _clean_list(missing)
        if kind == "incomplete" and not missing:
            raise InvalidInput("Cần liệt kê giấy tờ còn thiếu để hướng dẫn bổ sung")
        if kind == "refused" and not reason:
            raise InvalidInput("Cần nêu lý do từ chối tiếp nhận")
        with self.store.write():
            if idempotency_key:
                done = self.store.idempotent_result(idempotency_key, "record_intake")
                if done:
                    return self.store.intake(done["id"])
            record = self.store.insert_intake(kind, now, procedure.code, case_code, applicant, reason,
                                              missing, actor.name)
            self.store.append_event("intake", str(record.id), kind, {
                "id": record.id, "procedure_code": procedure.code, "case_code": case_code,
                "applicant_name": applicant.name, "reason": reason, "missing": list(missing),
                "staff": actor.name, "department": actor.department}, now)
            if idempotency_key:
                self.store.remember_result(idempotency_key, "record_intake", {"id": record.id}, now)
        return record

    def intake(self, record_id: int) -> IntakeRecord:
        """An intake record (incomplete or refused dossier) by its number."""
        return self.store.intake(record_id)

    def request_supplement(self, code: str, missing: list[str], actor: Actor, note: str = "") -> Dossier:
        """Ask the citizen for more documents (status 5): the appointment clock pauses and the list
        is kept for Mẫu 02. Receiving them is `change_status(code, PROCESSING, …)`, which resumes
        the clock with a new appointment date."""
        now = self._now()
        missing = _clean_list(missing)
        if not missing:
            raise InvalidInput("Cần liệt kê giấy tờ cần bổ sung")
        note = nfc(note.strip())
        content = "Yêu cầu bổ sung: " + "; ".join(missing) + (f". {note}" if note else "")
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            self._transition(d, S.SUPPLEMENT_REQUESTED, actor, content, now, now, missing=list(missing))
            self.store.update_dossier(d.code, supplement_missing=missing)
        return self.store.dossier(d.code)

    def return_result(self, code: str, collector: Collector, actor: Actor,
                      idempotency_key: str | None = None) -> Dossier:
        """Hand the result over (status 9 → 10) after checking the collector's identity paper:
        the applicant's ID number must match the dossier's; an authorised person needs the
        reference of the power of attorney (and the recorded representative's ID when there is
        one). The ID check goes to the audit log; the dossier records who collected it."""
        now = self._now()
        collector = _clean_collector(collector)
        with self.store.write():
            if idempotency_key:
                done = self.store.idempotent_result(idempotency_key, "return_result")
                if done:
                    return self.store.dossier(done["code"])
            d = self.store.dossier(str(parse_dossier_code(code)))
            if d.status != S.DONE:
                raise IllegalTransition(f"Hồ sơ {d.code} chưa có kết quả để trả (trạng thái {d.status.value} "
                                        f"{d.status.label_vi})")
            expected = (d.applicant if collector.relation == "applicant" else d.representative)
            if expected is not None and expected.id_number and expected.id_number != collector.id_number:
                who = "người nộp hồ sơ" if collector.relation == "applicant" else "người được ủy quyền"
                raise InvalidInput(f"Số giấy tờ không khớp với {who} ghi trong hồ sơ {d.code}")
            checked = "khớp hồ sơ" if expected is not None and expected.id_number else "không có số để đối chiếu"
            relation = "người nộp hồ sơ" if collector.relation == "applicant" else \
                f"người được ủy quyền (giấy ủy quyền {collector.authorization})"
            content = (f"Trả kết quả cho {collector.name}, {relation}; đã kiểm tra "
                       f"{id_type_label(collector.id_type)} ({checked})")
            self._transition(d, S.RETURNED, actor, content, now, now, returned_to=asdict(collector))
            self.store.update_dossier(d.code, returned_to=collector)
            self.store.add_audit(now, actor.name, None,
                                 f"result.return:{collector.relation}:{collector.id_type}:{checked}", d.code)
            if idempotency_key:
                self.store.remember_result(idempotency_key, "return_result", {"code": d.code}, now)
        return self.store.dossier(d.code)

    def reveal_applicant(self, code: str, actor: Actor, purpose: str) -> Applicant:
        """The applicant's full personal data (ID number, phone, address) for a stated purpose;
        every reveal is written to the audit log (DESIGN §3.7)."""
        purpose = " ".join(nfc(purpose).split())[:200]
        if not purpose:
            raise InvalidInput("Cần nêu mục đích xem thông tin cá nhân")
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            self.store.add_audit(self._now(), actor.name, None, f"applicant.reveal:{purpose}", d.code)
        return d.applicant

    def search_dossiers(self, text: str = "", status: DossierStatus | None = None,
                        limit: int = 50) -> list[DossierRow]:
        """Dossiers whose code starts with `text`, whose applicant's name contains it (accents and
        case ignored), or whose applicant has exactly this ID number or phone; newest first."""
        text = " ".join(nfc(text).split())[:100]
        if status is not None:
            try:
                status = DossierStatus(status)
            except ValueError:
                raise InvalidInput(f"Trạng thái hồ sơ {status!r} không hợp lệ (1–10)") from None
        if not 1 <= limit <= 500:
            raise InvalidInput("Số kết quả tìm kiếm từ 1 đến 500")
        return [self._row(r) for r in self.store.search_dossiers(text, status, limit)]

    def late_dossiers(self, within_working_days: int = 1) -> list[DossierRow]:
        """Open dossiers (not paused for a supplement) overdue or due within N working days, most
        urgent first: candidates for an apology letter (Mẫu 04) before their appointment date."""
        if not 0 <= within_working_days <= 30:
            raise InvalidInput("Số ngày làm việc từ 0 đến 30")
        now = self._now()
        window = within_working_days * self.calendar.hours.minutes_per_day
        due_by = self.calendar.add_working_minutes(now, window + 1)
        rows = self.store.dossiers_due_by(OPEN_STATUSES - {S.SUPPLEMENT_REQUESTED}, due_by)
        return [self._row(r) for r in rows
                if datetime.fromisoformat(r["due_at"]) < now
                or self.calendar.working_minutes_between(now, datetime.fromisoformat(r["due_at"])) <= window]

    def _row(self, r: dict) -> DossierRow:
        due = datetime.fromisoformat(r["due_at"])
        finished = datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None
        paused = datetime.fromisoformat(r["paused_at"]) if r["paused_at"] else None
        timeliness = (self.calendar.timeliness(due, finished, finished) if finished
                      else self.calendar.timeliness(due, paused or self._now()))
        return DossierRow(r["code"], r["applicant_name"], r["procedure_name"], DossierStatus(r["status"]),
                          datetime.fromisoformat(r["received_at"]), due, timeliness, finished,
                          datetime.fromisoformat(r["returned_at"]) if r["returned_at"] else None)

    def register_rows(self, day_from: date, day_to: date) -> list[dict]:
        """The dossier register (Sổ theo dõi hồ sơ, Mẫu 07) over [day_from, day_to]: one row per
        dossier received, numbered, with ISO date-times (None when not yet reached) and the
        Vietnamese labels of its status and result (trước hạn / đúng hạn / quá hạn)."""
        _check_range(day_from, day_to)
        out = []
        for n, r in enumerate(self.store.register_rows(day_from, day_to), 1):
            due = datetime.fromisoformat(r["due_at"])
            finished = datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None
            status = DossierStatus(r["status"])
            out.append({
                "stt": n, "code": r["code"], "procedure_name": r["procedure_name"],
                "applicant_name": r["applicant_name"], "applicant_address": r["applicant_address"],
                "applicant_phone": r["applicant_phone"], "department": r["department"] or "",
                "received_at": r["received_at"], "due_at": r["due_at"], "finished_at": r["finished_at"],
                "returned_at": r["returned_at"], "status": int(status), "status_label": status.label_vi,
                "result": self.calendar.timeliness(due, finished, finished).label_vi if finished else "",
                "collector": r["collector"] or "",
                "delivery": "Bưu chính" if r["delivery"] == "postal" else "Tại Bộ phận Một cửa"})
        return out

    def dossier(self, code: str) -> Dossier:
        """A dossier with its full history (staff only: includes personal data)."""
        return self.store.dossier(str(parse_dossier_code(code)))

    def change_status(self, code: str, status: DossierStatus, actor: Actor, content: str) -> Dossier:
        """Move a dossier to a new status with a processing step, applying the clock rules.

        Supplement requests pause the appointment clock; receiving the supplement resumes it and
        records the new appointment date. A recall 10→9 needs a reason and is audited as a step.
        """
        now = self._now()
        try:
            status = DossierStatus(status)
        except ValueError:
            raise InvalidInput(f"Trạng thái hồ sơ {status!r} không hợp lệ (1–10)") from None
        content = nfc(content.strip())
        if not content:
            raise InvalidInput("Cần ghi nội dung xử lý")
        with self.store.write():
            self._transition(self.store.dossier(code), status, actor, content, now, now)
        return self.store.dossier(code)

    def _transition(self, d: Dossier, status: DossierStatus, actor: Actor, content: str,
                    at: datetime, now: datetime, **event_extra) -> None:
        """The status change of `change_status` (rules, clock, step, change-log event at `now`)
        for a step that happened at `at`; inside `store.write()`."""
        code = d.code
        check_transition(d.status, status)
        changes: dict = {"status": status}
        if status == S.SUPPLEMENT_REQUESTED:
            changes["paused_at"] = at
        if d.status == S.SUPPLEMENT_REQUESTED and status == S.PROCESSING:
            new_due = self.calendar.resume_after_pause(d.due_at, d.paused_at, at)
            change = DueChange(at, d.due_at, new_due, "supplement", "Đã nhận hồ sơ bổ sung")
            self.store.add_due_change(code, change)
            changes.update(due_at=new_due, paused_at=None)
        if status in FINISHED and d.status != S.RETURNED:  # a recall keeps the processing end
            changes["finished_at"] = at
        if status == S.RETURNED:
            changes["returned_at"] = at
        if d.status == S.RETURNED:
            changes.update(returned_at=None, returned_to=None)
        self.store.update_dossier(code, **changes)
        step = Step(at, actor.name, actor.role, actor.department, content, status)
        self.store.add_step(code, step)
        self.store.append_event("dossier", code, "status",
                                {"code": code, "step": _step_payload(step), **event_extra,
                                 **{k: v for k, v in changes.items() if k != "status"}}, now)

    def apply_central_step(self, update_id: str, code: str, status: int, actor: Actor, content: str,
                           at: datetime) -> str:
        """Apply a processing step a back-office department posted at the central system.

        The same rules as a counter's status change (transitions, clock, step), plus `synced_at`
        so the kiosk can say "data as of …". Idempotent by `update_id`: a second delivery changes
        nothing. Returns "applied", "duplicate" or "conflict": a step that is illegal here (the
        office moved the dossier on meanwhile) or for an unknown dossier is recorded with its
        reason, and a `central_update_rejected` change-log event tells the central system."""
        now = self._now()
        with self.store.write():
            if self.store.inbox_outcome(update_id) is not None:
                return "duplicate"
            d = None
            try:
                d = self.store.dossier(code)
                self._transition(d, DossierStatus(status), actor, nfc(content.strip()) or "—", at, now,
                                 update_id=update_id)
                self.store.update_dossier(code, synced_at=now)
                outcome, detail = "applied", ""
            except (NotFound, IllegalTransition, ValueError) as e:
                outcome, detail = "conflict", getattr(e, "message", str(e))
                self.store.append_event("dossier", code, "central_update_rejected",
                                        {"code": code, "update_id": update_id, "reason": detail,
                                         "status": int(d.status) if d else None}, now)
            self.store.record_inbox(update_id, "dossier_step", outcome, detail, now)
        return outcome

    def extend_due(self, code: str, new_due: datetime, reason: str, actor: Actor) -> Dossier:
        """Extend the appointment date (apology letter, Mẫu 04): only before the current date passes."""
        now = self._now()
        reason = nfc(reason.strip())
        if not reason:
            raise InvalidInput("Cần nêu lý do gia hạn")
        with self.store.write():
            d = self.store.dossier(code)
            if not d.status.is_open:
                raise Conflict(f"Hồ sơ {code} không còn trong quá trình giải quyết")
            if now > d.due_at:
                raise Conflict(f"Văn bản xin lỗi phải gửi chậm nhất ngày hẹn {d.due_at:%d/%m/%Y}")
            if new_due <= d.due_at:
                raise InvalidInput("Ngày hẹn mới phải sau ngày hẹn cũ")
            change = DueChange(now, d.due_at, new_due, "extension", reason)
            self.store.add_due_change(code, change)
            self.store.update_dossier(code, due_at=new_due)
            step = Step(now, actor.name, actor.role, actor.department,
                        f"Gia hạn đến {new_due:%H:%M %d/%m/%Y}: {reason}", d.status)
            self.store.add_step(code, step)
            self.store.append_event("dossier", code, "extended",
                                    {"code": code, "old_due": d.due_at, "due_at": new_due,
                                     "reason": reason, "step": _step_payload(step)}, now)
        return self.store.dossier(code)

    def timeliness(self, d: Dossier) -> Timeliness:
        """Derived timeliness of a dossier now (the clock stands still during a supplement pause)."""
        if d.finished_at is not None:
            return self.calendar.timeliness(d.due_at, d.finished_at, d.finished_at)
        return self.calendar.timeliness(d.due_at, d.paused_at or self._now())

    def kiosk_lookup(self, code: str, secret: str) -> KioskDossierView:
        """The public view of a dossier; needs both the dossier code and its lookup secret."""
        parsed = str(parse_dossier_code(code))
        secret = check_secret(secret)
        stored = self.store.dossier_secret(parsed)
        if stored is None or not hmac.compare_digest(stored, secret):
            raise NotFound(LOOKUP_FAILED)
        d = self.store.dossier(parsed)
        procedure = self.store.procedure(d.procedure_code, d.procedure_version)
        next_vi, next_en = self._next_action(d, procedure.field_code)
        return KioskDossierView(
            code=d.code, masked_name=mask_name(d.applicant.name), procedure_name=procedure.name,
            status=d.status, status_label_vi=d.status.citizen_label_vi,
            status_label_en=d.status.citizen_label_en, received_at=d.received_at, due_at=d.due_at,
            timeliness=self.timeliness(d),
            steps=tuple(KioskStep(s.at, s.department, s.role, s.status.citizen_label_vi,
                                  s.status.citizen_label_en) for s in d.steps),
            next_action_vi=next_vi, next_action_en=next_en, synced_at=d.synced_at)

    def _next_action(self, d: Dossier, field_code: str) -> tuple[str, str]:
        services = {s.code for s in self.store.services() if field_code in s.field_codes}
        names = [c.name for c in self.store.counters() if services & set(c.services)]
        where_vi = ", ".join(names) or "Bộ phận Một cửa"
        where_en = where_vi.replace("Quầy", "counter")
        due = f"{d.due_at:%H:%M %d/%m/%Y}"
        return {
            S.NEW: ("Vui lòng đến Bộ phận Một cửa để được tiếp nhận hồ sơ.",
                    "Please come to the one-stop office to have the dossier received."),
            S.RECEIVED: (f"Hồ sơ đang được giải quyết. Ngày hẹn trả kết quả: {due}.",
                         f"Your dossier is being processed. Appointment: {due}."),
            S.PROCESSING: (f"Hồ sơ đang được giải quyết. Ngày hẹn trả kết quả: {due}.",
                           f"Your dossier is being processed. Appointment: {due}."),
            S.SUPPLEMENT_REQUESTED: (
                f"Vui lòng mang giấy tờ bổ sung theo Phiếu yêu cầu bổ sung đến {where_vi}.",
                f"Please bring the documents listed in the supplement request to {where_en}."),
            S.FINANCIAL_OBLIGATION: (f"Vui lòng nộp phí, lệ phí hoặc nghĩa vụ tài chính tại {where_vi}.",
                                     f"Please pay the fees or financial obligation at {where_en}."),
            S.DONE: (f"Đã có kết quả. Mời ông/bà mang Giấy tiếp nhận đến {where_vi} để nhận.",
                     f"The result is ready. Please bring your receipt to {where_en} to collect it."),
            S.RETURNED: ("Đã trả kết quả. Mời ông/bà đánh giá mức độ hài lòng.",
                         "The result has been returned. Please rate our service."),
        }.get(d.status, (f"Hồ sơ đã kết thúc. Vui lòng liên hệ {where_vi} để biết chi tiết.",
                         f"The dossier is closed. Please ask at {where_en} for details."))

    def report_device_problem(self, device: str, problem: str, message: str = "") -> None:
        """Alert staff that a device needs attention (printer out of paper or offline, camera lost).

        Recorded in the change log, so every counter and board following the hub's feed sees it.
        """
        device, problem, message = (" ".join(nfc(v).split())[:200] for v in (device, problem, message))
        if not device or not problem:
            raise InvalidInput("Cần nêu thiết bị và sự cố")
        with self.store.write():
            self.store.append_event("device", device, "alert",
                                    {"device": device, "problem": problem, "message": message}, self._now())

    # ---- ratings ------------------------------------------------------------------------

    def rate(self, target_kind: str, target: str, level: int, reason: str = "",
             criteria: dict | None = None) -> Rating:
        """Rate a served ticket (by number today, or "A001@2026-03-02") or a dossier (by code); one each.

        A repeat press within the configured interval returns the first rating unchanged.
        """
        now = self._now()
        reason = check_rating(self.config.rating_scale, level, nfc(reason))
        if target_kind == "ticket":
            number, _, day_text = target.strip().upper().partition("@")  # "A001" or "A001@2026-03-02"
            try:
                day = date.fromisoformat(day_text) if day_text else now.date()
            except ValueError:
                raise InvalidInput(f"Số thứ tự không hợp lệ: {target.strip()[:40]!r}") from None
            ticket = self.store.ticket_by_number(day, number)
            if ticket.state not in (T.DONE, T.SERVING, T.TRANSFERRED):
                raise Conflict(f"Số {ticket.number} chưa được phục vụ nên chưa thể đánh giá")
            key, counter, service, staff = ticket.number + "@" + ticket.day.isoformat(), \
                ticket.counter_id, ticket.service_code, ticket.staff
        elif target_kind == "dossier":
            d = self.store.dossier(str(parse_dossier_code(target)))
            key, counter, service, staff = d.code, None, None, d.steps[-1].actor if d.steps else None
        else:
            raise InvalidInput("Chỉ đánh giá theo số thứ tự hoặc mã hồ sơ")
        with self.store.write():
            existing = self.store.rating_for(target_kind, key)
            if existing is not None:
                if (now - existing.at).total_seconds() <= self.config.rating_repeat_seconds:
                    return existing
                raise Conflict("Ông/bà đã đánh giá lượt phục vụ này. Xin cảm ơn!")
            rating = self.store.insert_rating(
                target_kind=target_kind, target=key, level=level, scale=self.config.rating_scale,
                reason=reason, criteria=criteria or {}, at=now, counter_id=counter,
                service_code=service, staff=staff)
            self.store.append_event("rating", str(rating.id), "rated", asdict(rating), now)
        return rating

    # ---- summary ------------------------------------------------------------------------

    def summary(self) -> dict:
        """Office identity and store counts (the `info` command)."""
        return {**self.office(), **self.store.counts()}

    def reports(self, day_from: date, day_to: date) -> dict:
        """Office report over the days [day_from, day_to] (at most 366): queue tickets per day,
        service and state with mean waiting and serving minutes; ratings with the QĐ 766
        satisfaction indicator (% satisfied or better) per day, counter, service and staff member,
        never per citizen; dossiers received per status and finished on time.

        Every key is a string, so the report reads the same embedded and over the hub.
        """
        _check_range(day_from, day_to)
        rows = self.store.report_rows(day_from, day_to)
        tickets: dict = {"issued": 0, "by_state": {}, "by_service": {}, "by_day": {}}
        for r in rows["tickets"]:
            tickets["issued"] += r["issued"]
            _add(tickets["by_state"], r["state"], r["n"])
            _add(tickets["by_service"], r["service_code"], r["issued"])
            _add(tickets["by_day"], r["day"], r["issued"])
        ticket_times = self.store.ticket_times(day_from, day_to)
        overall = _queue_stats(ticket_times)
        tickets["mean_wait_minutes"] = overall["mean_wait_minutes"]
        tickets["mean_service_minutes"] = overall["mean_service_minutes"]
        tally: dict[str, dict[str, list[int]]] = {k: {} for k in ("day", "counter", "service", "staff")}
        by_level: dict[str, int] = {}
        for r in rows["ratings"]:
            satisfied = r["n"] if r["level"] >= r["scale"] - 1 else 0  # top two levels of its scale
            _add(by_level, str(r["level"]), r["n"])
            for dim, key in (("day", r["day"]), ("counter", r["counter_id"]),
                             ("service", r["service_code"]), ("staff", r["staff"])):
                if key is not None:
                    n_sat = tally[dim].setdefault(str(key), [0, 0])
                    n_sat[0] += r["n"]
                    n_sat[1] += satisfied
        count = sum(by_level.values())
        satisfied = sum(n_sat[1] for n_sat in tally["day"].values())
        ratings = {"count": count, "satisfied_percent": _percent(satisfied, count), "by_level": by_level,
                   **{f"by_{dim}": {k: {"count": n, "satisfied_percent": _percent(s, n)}
                                   for k, (n, s) in sorted(groups.items())}
                      for dim, groups in tally.items()}}
        finished = rows["finished"][0]
        by_timeliness = {t.value: 0 for t in (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE)}
        for r in self.store.finished_dossier_dates(day_from, day_to):
            finished_at = datetime.fromisoformat(r["finished_at"])
            by_timeliness[self.calendar.timeliness(datetime.fromisoformat(r["due_at"]), finished_at,
                                                   finished_at).value] += 1
        dossiers = {"received": sum(r["n"] for r in rows["received"]),
                    "received_by_status": {str(r["status"]): r["n"] for r in rows["received"]},
                    "finished": finished["n"], "finished_on_time": finished["on_time"],
                    "on_time_percent": _percent(finished["on_time"], finished["n"]),
                    "by_timeliness": by_timeliness}
        per_service: dict[str, list[dict]] = {}
        per_counter: dict[str, list[dict]] = {}
        for t in ticket_times:
            per_service.setdefault(t["service_code"], []).append(t)
            if t["counter_id"] is not None:
                per_counter.setdefault(str(t["counter_id"]), []).append(t)
        tickets["per_service"] = {k: _queue_stats(v) for k, v in sorted(per_service.items())}
        tickets["per_counter"] = {k: _queue_stats(v) for k, v in sorted(per_counter.items(), key=lambda kv: int(kv[0]))}
        return {"day_from": day_from.isoformat(), "day_to": day_to.isoformat(),
                "tickets": tickets, "ratings": ratings, "dossiers": dossiers}


def _check_range(day_from: date, day_to: date) -> None:
    if day_to < day_from:
        raise InvalidInput("Ngày kết thúc báo cáo phải sau hoặc bằng ngày bắt đầu")
    if (day_to - day_from).days >= 366:
        raise InvalidInput("Mỗi báo cáo tối đa 366 ngày")


def _minutes(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 60


def _p90(values: list[float]) -> float | None:
    """90th percentile by the nearest-rank method."""
    if not values:
        return None
    return round(sorted(values)[math.ceil(0.9 * len(values)) - 1], 1)


def _queue_stats(rows: list[dict]) -> dict:
    """Queue figures of a group of ticket rows: counts, waits (issue → first call, tickets as
    issued) and service times (start → end of serving, tickets served to the end), in minutes."""
    waits = [m for r in rows if r["transferred_from"] is None
             for m in [_minutes(r["issued_at"], r["called_at"])] if m is not None]
    serves = [m for r in rows if r["state"] == "done"
              for m in [_minutes(r["served_at"], r["finished_at"])] if m is not None]
    return {"tickets": len(rows), "issued": sum(r["transferred_from"] is None for r in rows),
            "served": sum(r["state"] == "done" for r in rows),
            "no_shows": sum(r["state"] == "no_show" for r in rows),
            "transferred": sum(r["state"] == "transferred" for r in rows),
            "mean_wait_minutes": round(sum(waits) / len(waits), 1) if waits else None,
            "p90_wait_minutes": _p90(waits),
            "mean_service_minutes": round(sum(serves) / len(serves), 1) if serves else None,
            "p90_service_minutes": _p90(serves)}


def _add(totals: dict, key: str, n: int) -> None:
    totals[key] = totals.get(key, 0) + n


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _clean_applicant(a: Applicant) -> Applicant:
    name = " ".join(nfc(a.name).split())
    if not name:
        raise InvalidInput("Thiếu họ tên người nộp hồ sơ")
    if a.kind not in (1, 2, 3):
        raise InvalidInput("Loại đối tượng phải là 1, 2 hoặc 3")
    id_number = "".join(a.id_number.split())
    if id_number:
        id_number = check_id_number(a.id_type, id_number)
    return replace(a, name=name, id_number=id_number,
                   phone="".join(a.phone.split()), address=" ".join(nfc(a.address).split()))


def _clean_collector(c: Collector) -> Collector:
    name = " ".join(nfc(c.name).split())
    if not name:
        raise InvalidInput("Thiếu họ tên người nhận kết quả")
    if c.relation not in ("applicant", "representative"):
        raise InvalidInput("Người nhận phải là người nộp hồ sơ (applicant) hoặc người được ủy quyền "
                           "(representative)")
    if not "".join(c.id_number.split()):
        raise InvalidInput("Thiếu số giấy tờ tùy thân của người nhận kết quả")
    authorization = " ".join(nfc(c.authorization).split())
    if c.relation == "representative" and not authorization:
        raise InvalidInput("Người được ủy quyền phải xuất trình giấy ủy quyền (ghi số/ngày giấy ủy quyền)")
    return replace(c, name=name, id_number=check_id_number(c.id_type, c.id_number),
                   authorization=authorization)


def _clean_components(components) -> tuple[ReceivedComponent, ...]:
    out = []
    for c in components:
        name = " ".join(nfc(c.name).split())
        if not name:
            raise InvalidInput("Thành phần hồ sơ thiếu tên")
        if c.originals < 0 or c.copies < 0 or c.originals > 99 or c.copies > 99:
            raise InvalidInput(f"Số bản chính / bản sao của {name!r} phải từ 0 đến 99")
        out.append(ReceivedComponent(name, c.originals, c.copies, " ".join(nfc(c.note).split())))
    return tuple(out)


def _component_key(name: str) -> str:
    return " ".join(nfc(name).split()).casefold()


def _clean_list(items) -> tuple[str, ...]:
    if isinstance(items, str):
        items = [items]
    out = tuple(" ".join(nfc(i).split()) for i in items)
    if any(not i for i in out):
        raise InvalidInput("Danh sách giấy tờ có dòng trống")
    return out


def _step_payload(s: Step) -> dict:
    return {**asdict(s), "status": int(s.status)}


def _dossier_payload(d: Dossier) -> dict:
    payload = asdict(d)
    payload["status"] = int(d.status)
    payload["steps"] = [_step_payload(s) for s in d.steps]
    return payload
