"""Reading dossiers: by code (staff), the kiosk's public lookup, revealing personal data (audited),
search, the late list and the register (Mẫu 07)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from office.errors import InvalidInput, NotFound
from office.model import (
    OPEN_STATUSES,
    Actor,
    Applicant,
    Dossier,
    DossierRow,
    DossierStatus,
    KioskDossierView,
    Timeliness,
)
from office.rules.codes import check_secret, parse_dossier_code
from office.rules.public_view import public_view
from office.rules.reports import check_range
from office.service.base import ServiceBase
from office.text import checked, checked_reason

S = DossierStatus
LATE_STATUSES = OPEN_STATUSES - {S.SUPPLEMENT_REQUESTED}  # the late list: the clock runs
LOOKUP_FAILED = "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này"


class LookupUseCases(ServiceBase):
    """Dossier views, search and lists."""

    def dossier(self, code: str) -> Dossier:
        """A dossier with its full history (staff only: includes personal data)."""
        return self.store.dossier(str(parse_dossier_code(code)))

    def timeliness(self, d: Dossier) -> Timeliness:
        """Derived timeliness of a dossier now (the clock stands still during a supplement pause)."""
        if d.finished_at is not None:
            return self.calendar.timeliness(d.due_at, d.finished_at, d.finished_at)
        return self.calendar.timeliness(d.due_at, d.paused_at or self._now())

    def kiosk_lookup(self, code: str, secret: str) -> KioskDossierView:
        """The public view of a dossier; needs both the dossier code and its lookup secret."""
        parsed = str(parse_dossier_code(code))
        if not self.store.secret_matches(parsed, check_secret(secret)):
            raise NotFound(LOOKUP_FAILED)
        d = self.store.dossier(parsed)
        procedure = self.store.procedure(d.procedure_code, d.procedure_version)
        services = {s.code for s in self.store.services() if procedure.field_code in s.field_codes}
        where = ", ".join(c.name for c in self.store.counters() if services & set(c.services)) or "Bộ phận Một cửa"
        return public_view(d.code, d.applicant.name, procedure.name, d.status, d.received_at, d.due_at,
                           self.timeliness(d), ((s.at, s.department, s.role, s.status) for s in d.steps),
                           where, d.synced_at)

    def reveal_applicant(self, code: str, actor: Actor, purpose: str) -> Applicant:
        """The applicant's full personal data (ID number, phone, address) for a stated purpose;
        every reveal is written to the audit log (DESIGN §3.7)."""
        purpose = checked_reason(purpose, "Mục đích")[:200]
        if not purpose:
            raise InvalidInput("Cần nêu mục đích xem thông tin cá nhân")
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            self.store.add_audit(self._now(), actor.name, None, f"applicant.reveal:{purpose}", d.code)
        return d.applicant

    def search_dossiers(self, text: str = "", status: DossierStatus | None = None,
                        limit: int = 50, offset: int = 0) -> list[DossierRow]:
        """Dossiers whose code starts with `text`, whose applicant's name has words beginning with
        each word typed (accents and case ignored), or whose applicant has exactly this ID number
        or phone; newest first, `limit` rows from `offset` (through indexes: `office.store.search`)."""
        text = checked(text, "Nội dung tìm")[:100]
        if status is not None:
            try:
                status = DossierStatus(status)
            except ValueError:
                raise InvalidInput(f"Trạng thái hồ sơ {status!r} không hợp lệ (1–10)") from None
        if not 1 <= limit <= 500:
            raise InvalidInput("Số kết quả tìm kiếm từ 1 đến 500")
        if not 0 <= offset <= 10_000:
            raise InvalidInput("Vị trí trang kết quả từ 0 đến 10.000; hãy tìm cụ thể hơn")
        return [self._row(r) for r in self.store.search_dossiers(text, status, limit, offset)]

    def late_dossiers(self, within_working_days: int = 1) -> list[DossierRow]:
        """Open dossiers (not paused for a supplement) overdue or due within N working days, most
        urgent first: candidates for an apology letter (Mẫu 04) before their appointment date."""
        if not 0 <= within_working_days <= 30:
            raise InvalidInput("Số ngày làm việc từ 0 đến 30")
        calendar = self.calendar
        return self._overdue() + [self._row(r, calendar) for r in self._due_soon(within_working_days)]

    def _overdue(self, limit: int = -1) -> list[DossierRow]:
        """Open dossiers (not paused for a supplement) past their due date, most urgent first; at
        most `limit` (-1: all)."""
        now = self._now()
        return [self._row(r) for r in self.store.dossiers_due_by(LATE_STATUSES, now - timedelta(seconds=1),
                                                                 limit=limit)]

    def _due_soon(self, within_working_days: int) -> list[dict]:
        """Store rows of the open dossiers (not paused for a supplement) not yet due, due within N
        working days, most urgent first (`_row` makes each a DossierRow)."""
        now, calendar = self._now(), self.calendar
        window = within_working_days * calendar.hours.minutes_per_day
        rows = self.store.dossiers_due_by(LATE_STATUSES, calendar.add_working_minutes(now, window + 1), now)
        return [r for r in rows if calendar.working_minutes_between(now, datetime.fromisoformat(r["due_at"])) <= window]

    def my_dossiers(self, actor: Actor) -> list[DossierRow]:
        """A staff member's inbox: open dossiers with a step of theirs (received, processed…),
        most urgent first; each row's timeliness says which are due soon or overdue."""
        return [self._row(r) for r in self.store.dossiers_handled_by(actor.name, OPEN_STATUSES)]

    def _row(self, r: dict, calendar=None) -> DossierRow:
        calendar = calendar or self.calendar
        due = datetime.fromisoformat(r["due_at"])
        finished = datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None
        paused = datetime.fromisoformat(r["paused_at"]) if r["paused_at"] else None
        timeliness = (calendar.timeliness(due, finished, finished) if finished
                      else calendar.timeliness(due, paused or self._now()))
        return DossierRow(r["code"], r["applicant_name"], r["procedure_name"], DossierStatus(r["status"]),
                          datetime.fromisoformat(r["received_at"]), due, timeliness, finished,
                          datetime.fromisoformat(r["returned_at"]) if r["returned_at"] else None)

    def register_rows(self, day_from: date, day_to: date) -> list[dict]:
        """The dossier register (Sổ theo dõi hồ sơ, Mẫu 07) over [day_from, day_to]: one row per
        dossier received, numbered as in the book of its year (its Mẫu 01 number), with ISO
        date-times (None when not yet reached): received, due, sent to the handling department,
        result back from it, returned; the Vietnamese labels of its status and result (trước hạn /
        đúng hạn / quá hạn) and notes (supplement requests, who collected it, how)."""
        check_range(day_from, day_to)
        out = []
        for r in self.store.register_rows(day_from, day_to):
            due = datetime.fromisoformat(r["due_at"])
            finished = datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None
            status = DossierStatus(r["status"])
            notes = [f"Bổ sung {r['supplement_count']} lần"] if r["supplement_count"] else []
            if r["collector"]:
                notes.append(f"Người nhận: {r['collector']}")
            if r["delivery"] == "postal":
                notes.append("Trả qua bưu chính")
            out.append({
                "stt": r["row_number"], "book": r["book"], "code": r["code"], "procedure_name": r["procedure_name"],
                "sets": r["sets"], "applicant_name": r["applicant_name"], "applicant_address": r["applicant_address"],
                "applicant_phone": r["applicant_phone"], "department": r["department"] or "",
                "received_at": r["received_at"], "due_at": r["due_at"], "transferred_at": r["transferred_at"],
                "result_at": r["finished_at"] if status in (S.DONE, S.RETURNED) else None,
                "finished_at": r["finished_at"], "returned_at": r["returned_at"], "status": int(status),
                "status_label": status.label_vi,
                "result": self.calendar.timeliness(due, finished, finished).label_vi if finished else "",
                "collector": r["collector"] or "",
                "delivery": "Bưu chính" if r["delivery"] == "postal" else "Tại Bộ phận Một cửa",
                "notes": "; ".join(notes)})
        return out
