"""The office's working calendar: official changes (a day off, a make-up working day) a leader
adds without a software release, e.g. a government swap the national calendar lacks yet; they
go to the change log, so the central system learns them, and days the central system publishes
come down with the sync."""
from __future__ import annotations

from datetime import date, timedelta

from office import text
from office.errors import Forbidden, InvalidInput
from office.model import Actor, CalendarDay
from office.service.base import ServiceBase

KINDS = ("day_off", "working_day")
HORIZON_DAYS = 800  # about two years ahead: Tết of next year is decided late in this one


class CalendarUseCases(ServiceBase):
    """Calendar days added by the office, and the list of all stored ones."""

    def set_calendar_day(self, day: date, kind: str, reason: str, actor: Actor) -> CalendarDay:
        """Make `day` a day off or a working day from today on (a leader only; the reason names
        the decision, e.g. "Công văn 12729/VPCP-KGVX"). Appointment dates already given keep."""
        if not actor.leader:
            raise Forbidden("Chỉ lãnh đạo được thay đổi lịch làm việc của cơ quan")
        if kind not in KINDS:
            raise InvalidInput("Loại ngày phải là day_off (ngày nghỉ) hoặc working_day (ngày làm việc)")
        reason = text.checked_reason(reason, "Căn cứ")[:300]
        if not reason:
            raise InvalidInput("Cần ghi căn cứ (số, ngày văn bản quyết định đổi ngày)")
        today = self._now().date()
        if not today <= day < today + timedelta(days=HORIZON_DAYS):
            raise InvalidInput(f"Chỉ thay đổi ngày từ hôm nay đến {text.day(today + timedelta(days=HORIZON_DAYS - 1))}")
        with self.store.write():
            self.store.save_office_calendar_day(day, kind, reason, actor.name, self._now())
            self.store.append_event("calendar", day.isoformat(), "day_set",
                                    {"day": day.isoformat(), "kind": kind, "reason": reason,
                                     "added_by": actor.name}, self._now())
        return CalendarDay(day, kind, reason, "office", actor.name)

    def calendar_days(self) -> list[CalendarDay]:
        """Calendar changes stored in the office (its own and the central system's), by date."""
        return self.store.calendar_days()
