"""Processing of a dossier: status changes with the clock rules, supplement requests and their
deadlines, fee payments and refunds, handing the result over, recalling it, extending the
appointment date."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from office.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from office.model import (
    PAYMENT_METHODS,
    Actor,
    Collector,
    Dossier,
    DossierStatus,
    DueChange,
    Payment,
    Step,
    check_transition,
)
from office.rules.codes import parse_dossier_code
from office.rules.fees import check_payment, check_refund
from office.rules.identity import id_type_label
from office.service.base import ServiceBase
from office.service.inputs import clean_collector, clean_list
from office.service.payloads import step_payload
from office.text import checked_reason, day, moment, money

S = DossierStatus
FINISHED = {S.REFUSED, S.WITHDRAWN, S.STOPPED, S.DONE}
# the numbered document a status change issues: Mẫu 01 on acceptance, 02 with a supplement
# request, 03 with a refusal, 05 with a withdrawal or a stop
FORM_OF = {S.RECEIVED: "01", S.SUPPLEMENT_REQUESTED: "02", S.REFUSED: "03", S.WITHDRAWN: "05", S.STOPPED: "05"}
SYSTEM = Actor("Hệ thống Một cửa", "Tự động theo quy định", "Bộ phận Một cửa")
MAX_SUPPLEMENT_DAYS = 90


class ProcessingUseCases(ServiceBase):
    """Status changes, supplements, payments, result return, recall and extensions."""

    def change_status(self, code: str, status: DossierStatus, actor: Actor, content: str) -> Dossier:
        """Move a dossier to a new status with a processing step, applying the clock rules.

        Supplement requests pause the appointment clock (and so does a financial obligation where
        the procedure says so); receiving the supplement (or the payment) resumes it with a new
        appointment date. Accepting an online dossier (1 → 2) starts its clock. Handing the result
        over (9 → 10) is `return_result` and a supplement request (→ 5) is `request_supplement`,
        never a bare status change. A recall 10 → 9 is for a leader only, with a reason, audited.
        """
        now = self._now()
        try:
            status = DossierStatus(status)
        except ValueError:
            raise InvalidInput(f"Trạng thái hồ sơ {status!r} không hợp lệ (1–10)") from None
        content = checked_reason(content, "Nội dung xử lý", lines=True)
        if not content:
            raise InvalidInput("Cần ghi nội dung xử lý")
        if status == S.RETURNED:
            raise IllegalTransition("Trả kết quả phải qua chức năng trả kết quả (kiểm tra giấy tờ người nhận)")
        if status == S.SUPPLEMENT_REQUESTED:
            raise IllegalTransition("Yêu cầu bổ sung phải nêu giấy tờ cần bổ sung và thời hạn "
                                    "(chức năng yêu cầu bổ sung)")
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            if d.status == S.RETURNED:  # the only way back from 10: a leader's recall
                if not actor.leader:
                    raise Forbidden("Chỉ lãnh đạo được thu hồi kết quả đã trả (10 → 9)")
                check_transition(d.status, status)
                self.store.add_audit(now, actor.name, None, f"dossier.recall:{content[:200]}", d.code)
            self._transition(d, status, actor, content, now, now)
        return self.store.dossier(d.code)

    def _transition(self, d: Dossier, status: DossierStatus, actor: Actor, content: str,
                    at: datetime, now: datetime, supplement_due: datetime | None = None, **event_extra) -> None:
        """The status change of `change_status` (rules, clock, step, numbered document, change-log
        event at `now`) for a step that happened at `at`; a supplement request is counted (with its
        deadline, if any); inside `store.write()`."""
        code = d.code
        check_transition(d.status, status)
        case = next((c for c in self.store.procedure(d.procedure_code, d.procedure_version).cases
                     if c.code == d.case_code), None)
        changes: dict = {"status": status}
        if d.status == S.NEW and status == S.RECEIVED:  # an online dossier accepted: its clock starts now
            due = (self.calendar.appointment(at, case.duration, case.unit, case.same_day_cutoff)
                   if case else d.due_at)
            changes.update(received_at=at, due_at=due)
        pauses = status == S.SUPPLEMENT_REQUESTED or (
            status == S.FINANCIAL_OBLIGATION and case is not None and case.pause_on_fee)
        if pauses:
            changes["paused_at"] = at
        if status == S.SUPPLEMENT_REQUESTED:
            changes.update(supplement_count=d.supplement_count + 1, supplement_due=supplement_due)
        if d.paused_at is not None and not pauses and status in (S.PROCESSING, S.DONE):
            new_due = self.calendar.resume_after_pause(d.due_at, d.paused_at, at)
            kind, reason = (("supplement", "Đã nhận hồ sơ bổ sung") if d.status == S.SUPPLEMENT_REQUESTED
                            else ("financial", "Đã thực hiện nghĩa vụ tài chính"))
            self.store.add_due_change(code, DueChange(at, d.due_at, new_due, kind, reason))
            changes.update(due_at=new_due, paused_at=None)
        if d.status == S.SUPPLEMENT_REQUESTED:
            changes["supplement_due"] = None
        if status in FINISHED and d.status != S.RETURNED:  # a recall keeps the processing end
            changes["finished_at"] = at
        if status == S.RETURNED:
            changes["returned_at"] = at
        if d.status == S.RETURNED:
            changes.update(returned_at=None, returned_to=None)
        self.store.update_dossier(code, **changes)
        step = Step(at, actor.name, actor.role, actor.department, content, status)
        self.store.add_step(code, step)
        form = FORM_OF.get(status)
        if form == "01" and d.status != S.NEW:
            form = None
        if form:
            event_extra["form"] = asdict(self.store.issue_form(form, code, at))
        self.store.append_event("dossier", code, "status",
                                {"code": code, "step": step_payload(step), **event_extra,
                                 **{k: v for k, v in changes.items() if k != "status"}}, now)

    def request_supplement(self, code: str, missing: list[str], actor: Actor, note: str = "",
                           deadline: datetime | None = None) -> Dossier:
        """Ask the citizen for more documents (status 5), by `deadline` (default: the case's
        supplement days, in working time from now): the appointment clock pauses,
        the list and the officer's reason (`note`) go on Mẫu 02, and the request is counted.
        Receiving them is `change_status(code, PROCESSING, …)`, which resumes the clock; when the
        deadline passes first, `expire_supplements` refuses or stops the dossier as the case says."""
        now = self._now()
        missing = clean_list(missing)
        if not missing:
            raise InvalidInput("Cần liệt kê giấy tờ cần bổ sung")
        note = checked_reason(note, "Ghi chú", lines=True)
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            case = self.store.procedure(d.procedure_code, d.procedure_version).case(d.case_code)
            if deadline is None:
                if not case.supplement_days:
                    raise InvalidInput("Cần ghi thời hạn bổ sung hồ sơ (thủ tục không quy định sẵn)")
                deadline = self.calendar.appointment(now, case.supplement_days, "working_days")
            if not now < deadline <= self.calendar.appointment(now, MAX_SUPPLEMENT_DAYS, "calendar_days"):
                raise InvalidInput(f"Thời hạn bổ sung phải sau hiện tại và trong {MAX_SUPPLEMENT_DAYS} ngày")
            parts = ["Yêu cầu bổ sung: " + "; ".join(missing), note, f"Hạn bổ sung: {moment(deadline)}"]
            content = ". ".join(p.rstrip(".") for p in parts if p) + "."
            self._transition(d, S.SUPPLEMENT_REQUESTED, actor, content,
                             now, now, supplement_due=deadline, missing=list(missing),
                             supplement_note=note)
            self.store.update_dossier(d.code, supplement_missing=missing, supplement_note=note)
        return self.store.dossier(d.code)

    def expire_supplements(self) -> list[str]:
        """Dossiers whose supplement deadline has passed move to the status their case says (3
        refused or 8 stopped), as a step of the office's system at the deadline; returns their codes."""
        now = self._now()
        moved = []
        with self.store.write():
            for code in self.store.supplements_due_by(now):
                d = self.store.dossier(code)
                case = self.store.procedure(d.procedure_code, d.procedure_version).case(d.case_code)
                status = S.STOPPED if case.supplement_expiry == S.STOPPED else S.REFUSED
                content = (f"Quá thời hạn bổ sung hồ sơ ({moment(d.supplement_due)}) mà chưa nhận được giấy tờ bổ "
                           f"sung: {'dừng giải quyết' if status == S.STOPPED else 'từ chối giải quyết'} hồ sơ")
                self._transition(d, status, SYSTEM, content, d.supplement_due, now)
                moved.append(code)
        return moved

    def record_payment(self, code: str, method: str, receipt_number: str, actor: Actor,
                       amount: int | None = None, refund: bool = False) -> Dossier:
        """Record a fee payment (default: the amount still due) with its receipt number (biên
        lai) and method, or a refund (default: everything paid) of a withdrawn dossier."""
        now = self._now()
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            if refund:
                amount = d.paid if amount is None else amount
                check_refund(d.status, d.paid, amount)
            else:
                if not d.status.is_open and d.status != S.DONE:
                    raise Conflict(f"Hồ sơ {d.code} đã kết thúc ({d.status.label_vi}): không thu phí")
                amount = d.amount_due if amount is None else amount
                if amount > d.amount_due:
                    raise InvalidInput(f"Số tiền nộp ({money(max(amount, 0))}) vượt số còn phải nộp "
                                       f"({money(d.amount_due)})")
            payment = Payment(now, amount, method, check_payment(method, receipt_number, amount), refund, actor.name)
            self.store.add_payment(d.code, payment)
            paid = d.paid + (-amount if refund else amount)
            fee_paid = d.fee > 0 and paid >= d.fee
            self.store.update_dossier(d.code, fee_paid=int(fee_paid))
            what = "Hoàn trả" if refund else "Thu"
            step = Step(now, actor.name, actor.role, actor.department,
                        f"{what} phí, lệ phí {money(amount)} ({PAYMENT_METHODS[method].lower()}), biên lai số "
                        f"{payment.receipt_number}",
                        d.status)
            self.store.add_step(d.code, step)
            self.store.append_event("dossier", d.code, "payment",
                                    {"code": d.code, "payment": asdict(payment), "fee": d.fee, "paid": paid,
                                     "fee_paid": fee_paid, "step": step_payload(step)}, now)
        return self.store.dossier(d.code)

    def return_result(self, code: str, collector: Collector, actor: Actor) -> Dossier:
        """Hand the result over (status 9 → 10) after checking the collector's identity paper:
        the applicant's ID number must match the dossier's; an authorised person needs the
        reference of the power of attorney (and the recorded representative's ID when there is
        one). The ID check goes to the audit log; the dossier records who collected it."""
        now = self._now()
        collector = clean_collector(collector)
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            if d.status != S.DONE:
                raise IllegalTransition(f"Hồ sơ {d.code} chưa có kết quả để trả (trạng thái {d.status.value} "
                                        f"{d.status.label_vi}; chỉ trả kết quả từ trạng thái 9 sang 10)")
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
        return self.store.dossier(d.code)

    def extend_due(self, code: str, new_due: datetime, reason: str, actor: Actor) -> Dossier:
        """Extend the appointment date (apology letter, Mẫu 04, numbered): only before the current
        date passes."""
        now = self._now()
        reason = checked_reason(reason, "Lý do gia hạn", lines=True)
        if not reason:
            raise InvalidInput("Cần nêu lý do gia hạn")
        with self.store.write():
            d = self.store.dossier(code)
            if not d.status.is_open:
                raise Conflict(f"Hồ sơ {code} không còn trong quá trình giải quyết")
            if now > d.due_at:
                raise Conflict(f"Văn bản xin lỗi phải gửi chậm nhất ngày hẹn {day(d.due_at)}")
            if new_due <= d.due_at:
                raise InvalidInput("Ngày hẹn mới phải sau ngày hẹn cũ")
            change = DueChange(now, d.due_at, new_due, "extension", reason)
            self.store.add_due_change(code, change)
            self.store.update_dossier(code, due_at=new_due)
            step = Step(now, actor.name, actor.role, actor.department,
                        f"Gia hạn đến {moment(new_due)}: {reason}", d.status)
            self.store.add_step(code, step)
            number = self.store.issue_form("04", code, now)
            self.store.append_event("dossier", code, "extended",
                                    {"code": code, "old_due": d.due_at, "due_at": new_due, "reason": reason,
                                     "step": step_payload(step), "form": asdict(number)}, now)
        return self.store.dossier(code)
