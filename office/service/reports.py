"""The office report: queue, ratings and dossiers over a range of days (the figures come from
`office.rules.reports`; this module only reads the rows and composes them)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from office.model import PAYMENT_METHODS
from office.rules import qd766
from office.rules.reports import (
    check_range,
    dossier_tally,
    queue_stats,
    queue_stats_by,
    rating_tally,
    ticket_tally,
    timeliness_counts,
)
from office.service.base import ServiceBase


class ReportUseCases(ServiceBase):
    """The office report."""

    def reports(self, day_from: date, day_to: date) -> dict:
        """Office report over the days [day_from, day_to] (at most 366): queue tickets per day,
        service and state with mean waiting and serving minutes; ratings with the QĐ 766
        satisfaction indicator (% satisfied or better) per day, counter, service and staff member
        (by full name), never per citizen; dossiers received per status and finished on time; fees
        due, collected and refunded per method; the QĐ 766 indices with their formulas and inputs.

        Every key is a string, so the report reads the same embedded and over the hub.
        """
        check_range(day_from, day_to)
        rows = self.store.report_rows(day_from, day_to)
        ticket_times = self.store.ticket_times(day_from, day_to)
        overall = queue_stats(ticket_times)
        tickets = {**ticket_tally(rows["tickets"]),
                   "mean_wait_minutes": overall["mean_wait_minutes"],
                   "mean_service_minutes": overall["mean_service_minutes"],
                   "per_service": queue_stats_by(ticket_times, "service_code"),
                   "per_counter": queue_stats_by(ticket_times, "counter_id", order=int)}
        calendar = self.calendar
        by_timeliness = timeliness_counts(self.store.finished_dossier_dates(day_from, day_to),
                                          lambda due, end: calendar.timeliness(due, end, end))
        ratings = rating_tally(rows["ratings"])
        full_names = {m.username: m.name for m in self.store.staff_members()}  # ratings record the login
        ratings["by_staff"] = {full_names.get(k, k): v for k, v in ratings["by_staff"].items()}
        return {"day_from": day_from.isoformat(), "day_to": day_to.isoformat(),
                "tickets": tickets, "ratings": ratings,
                "dossiers": dossier_tally(rows["received"], by_timeliness),
                "fees": self._fees(day_from, day_to), "qd766": self._quality(day_from, day_to)}

    def _fees(self, day_from: date, day_to: date) -> dict:
        """Fees due on the dossiers received, exemptions, and money collected and refunded per method."""
        rows = self.store.fee_rows(day_from, day_to)
        due = rows["due"][0]
        by_method = {m: {"payments": 0, "collected": 0, "refunds": 0, "refunded": 0} for m in PAYMENT_METHODS}
        for r in rows["payments"]:
            m = by_method.setdefault(r["method"], {"payments": 0, "collected": 0, "refunds": 0, "refunded": 0})
            m["refunds" if r["refund"] else "payments"] += r["n"]
            m["refunded" if r["refund"] else "collected"] += r["amount"]
        return {"due": due["due"], "charged": due["charged"] or 0, "exempt": due["exempt"] or 0,
                "collected": sum(m["collected"] for m in by_method.values()),
                "refunded": sum(m["refunded"] for m in by_method.values()), "by_method": by_method}

    def _quality(self, day_from: date, day_to: date) -> list[dict]:
        """The QĐ 766 indices over the days (up to this second when the period is not over)."""
        start = datetime.combine(day_from, time())
        end = min(datetime.combine(day_to + timedelta(days=1), time()), self._now() + timedelta(seconds=1))
        calendar = self.calendar
        per_day = calendar.hours.minutes_per_day
        return qd766.indices(self.store.quality_rows(start, end, self.store.pushed_up_to()), start, end,
                             lambda a, b: calendar.working_minutes_between(a, b) / per_day)
