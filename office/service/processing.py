"""Processing of a dossier: status changes with the clock rules, supplement requests, handing the
result over, extending the appointment date."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from office.errors import Conflict, IllegalTransition, InvalidInput
from office.model import Actor, Collector, Dossier, DossierStatus, DueChange, Step, check_transition
from office.rules.codes import parse_dossier_code
from office.rules.identity import id_type_label
from office.service.base import ServiceBase
from office.service.inputs import clean_collector, clean_list
from office.service.payloads import step_payload
from office.text import checked_reason, day, moment

S = DossierStatus
FINISHED = {S.REFUSED, S.WITHDRAWN, S.STOPPED, S.DONE}


class ProcessingUseCases(ServiceBase):
    """Status changes, supplements, result return and extensions."""

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
        content = checked_reason(content, "Nội dung xử lý", lines=True)
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
                                {"code": code, "step": step_payload(step), **event_extra,
                                 **{k: v for k, v in changes.items() if k != "status"}}, now)

    def request_supplement(self, code: str, missing: list[str], actor: Actor, note: str = "") -> Dossier:
        """Ask the citizen for more documents (status 5): the appointment clock pauses and the list
        is kept for Mẫu 02. Receiving them is `change_status(code, PROCESSING, …)`, which resumes
        the clock with a new appointment date."""
        now = self._now()
        missing = clean_list(missing)
        if not missing:
            raise InvalidInput("Cần liệt kê giấy tờ cần bổ sung")
        note = checked_reason(note, "Ghi chú", lines=True)
        content = "Yêu cầu bổ sung: " + "; ".join(missing) + (f". {note}" if note else "")
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            self._transition(d, S.SUPPLEMENT_REQUESTED, actor, content, now, now, missing=list(missing))
            self.store.update_dossier(d.code, supplement_missing=missing)
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
        return self.store.dossier(d.code)

    def extend_due(self, code: str, new_due: datetime, reason: str, actor: Actor) -> Dossier:
        """Extend the appointment date (apology letter, Mẫu 04): only before the current date passes."""
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
            self.store.append_event("dossier", code, "extended",
                                    {"code": code, "old_due": d.due_at, "due_at": new_due,
                                     "reason": reason, "step": step_payload(step)}, now)
        return self.store.dossier(code)
