"""The office dashboard: the live queue, today's waits, alerts and the day's and month's quality
figures in one read (the maths in `office.rules`; this module reads rows and composes them)."""
from __future__ import annotations

import time
from datetime import date

from office.rules.dashboard import live_counters, live_services
from office.rules.masking import mask_name
from office.rules.reports import queue_stats, queue_stats_by, rating_tally
from office.service.base import ServiceBase
from office.service.lookup import LATE_STATUSES

ALERTS_SHOWN = 20
LATE_SHOWN = 20
# QĐ 766 indices are reused this long: the month's read a whole month of dossiers, today's a day's
FRESH_S = {"today": 60, "month": 300}


class DashboardUseCases(ServiceBase):
    """What an office head watches during the day (with the late list of `LookupUseCases` and the
    QĐ 766 indices of `ReportUseCases`)."""

    def dashboard(self) -> dict:
        """The office now (every key a string, so it reads the same embedded and over the hub):
        `services` and `counters` live, `waits` today (mean and 90th percentile from issue to call,
        no-shows; overall and per service), `alerts` (today's device alerts, newest first),
        `today` and `month` (QĐ 766 on-time 2.1 and satisfaction 5.4 indices and the ratings),
        `late` (overdue or due within a working day, names masked) and `qd766` (the month's
        indices with formulas and inputs). The indices of `today` and `month` are computed at their
        `at`, at most `FRESH_S` seconds ago."""
        now = self._now()
        today = now.date()
        tickets = self.store.tickets(today)
        names = {m.username: m.name for m in self.store.staff_members()}
        times = self.store.ticket_times(today, today)
        today_at, today_indices = self._indices("today", today, today)
        month_at, month = self._indices("month", today.replace(day=1), today)
        soon = self._due_soon(1)
        late = (self._overdue(LATE_SHOWN) + [self._row(r) for r in soon[:LATE_SHOWN]])[:LATE_SHOWN]
        return {"at": now.isoformat(), "office": self.config.office_name,
                "services": live_services(tickets, self.store.services(), now),
                "counters": live_counters(tickets, self.store.counters(), names, now),
                "waits": {**queue_stats(times), "per_service": queue_stats_by(times, "service_code")},
                "alerts": self.store.device_alerts(today, ALERTS_SHOWN),
                "today": self._figures(today, today, today_indices, today_at),
                "month": self._figures(today.replace(day=1), today, month, month_at),
                "late": {"overdue": self.store.count_due_before(LATE_STATUSES, now), "due_soon": len(soon),
                         "rows": [{"code": r.code, "applicant": mask_name(r.applicant_name),
                                   "procedure": r.procedure_name, "status": int(r.status),
                                   "received_at": r.received_at.isoformat(), "due_at": r.due_at.isoformat(),
                                   "timeliness": r.timeliness.value} for r in late]},
                "qd766": month}

    def _indices(self, period: str, day_from: date, day_to: date) -> tuple[str, list[dict]]:
        """(when, the QĐ 766 indices over [day_from, day_to] up to then), computed again after
        `FRESH_S[period]` seconds or for other days."""
        kept = getattr(self, "_kept_indices", {})
        found = kept.get(period)
        if found is None or found[0] != (day_from, day_to) or time.monotonic() - found[1] > FRESH_S[period]:
            found = kept[period] = ((day_from, day_to), time.monotonic(), self._now().isoformat(),
                                    self._quality(day_from, day_to))
            self._kept_indices = kept
        return found[2], found[3]

    def _figures(self, day_from: date, day_to: date, indices: list[dict], at: str) -> dict:
        """On-time (2.1) and satisfaction (5.4) indices of a period (computed `at`), and its ratings."""
        by_code = {i["code"]: i for i in indices}
        ratings = rating_tally(self.store.rating_rows(day_from, day_to))
        return {"at": at, "on_time": by_code["2.1"], "satisfaction": by_code["5.4"],
                "ratings": {"count": ratings["count"], "satisfied_percent": ratings["satisfied_percent"],
                            "by_level": ratings["by_level"]}}
