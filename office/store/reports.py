"""Read-only queries for reports, the register (Mẫu 07) and the `info` counts."""
from __future__ import annotations

from datetime import date, timedelta

from office.store.base import StoreBase


class ReportStore(StoreBase):
    """Grouped rows and counts across dossiers, tickets and ratings."""

    def report_rows(self, day_from: date, day_to: date) -> dict[str, list[dict]]:
        """Grouped rows for the office report over [day_from, day_to] (the service shapes them):
        tickets by day/service/state, ratings by day/level/counter/service/staff, dossiers
        received by status (finished ones: `finished_dossier_dates`)."""
        lo, hi = day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()
        days = [day_from.isoformat(), day_to.isoformat()]
        return {
            "tickets": self._rows(
                "SELECT day, service_code, state, COUNT(*) AS n, SUM(transferred_from IS NULL) AS issued"
                " FROM tickets WHERE day BETWEEN ? AND ? GROUP BY day, service_code, state", days),
            "ratings": self._rows(
                "SELECT substr(at, 1, 10) AS day, level, scale, counter_id, service_code, staff,"
                " COUNT(*) AS n FROM ratings WHERE at >= ? AND at < ?"
                " GROUP BY day, level, scale, counter_id, service_code, staff", [lo, hi]),
            "received": self._rows(
                "SELECT status, COUNT(*) AS n FROM dossiers WHERE received_at >= ? AND received_at < ?"
                " GROUP BY status", [lo, hi]),
        }

    def ticket_times(self, day_from: date, day_to: date) -> list[dict]:
        """Every ticket row over [day_from, day_to] with its service, counter, state and times."""
        return self._rows(
            "SELECT service_code, counter_id, state, transferred_from, issued_at, called_at, served_at,"
            " finished_at FROM tickets WHERE day BETWEEN ? AND ?", [day_from.isoformat(), day_to.isoformat()])

    def finished_dossier_dates(self, day_from: date, day_to: date) -> list[dict]:
        """(due_at, finished_at) of the dossiers finished over [day_from, day_to]."""
        return self._rows("SELECT due_at, finished_at FROM dossiers WHERE finished_at >= ? AND finished_at < ?",
                          [day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()])

    def register_rows(self, day_from: date, day_to: date) -> list[dict]:
        """Dossiers received over [day_from, day_to] with what the register (Mẫu 07) shows: applicant
        contact, procedure, the department that processed it, dates and who collected the result."""
        return self._rows(
            "SELECT d.code, p.name AS procedure_name, d.applicant_name, d.applicant_address,"
            " d.applicant_phone, d.status, d.received_at, d.due_at, d.finished_at, d.returned_at,"
            " json_extract(d.returned_to, '$.name') AS collector, d.delivery,"
            " (SELECT s.department FROM steps s WHERE s.dossier_code = d.code AND s.status = 4"
            "  ORDER BY s.id LIMIT 1) AS department"
            " FROM dossiers d JOIN procedures p ON p.code = d.procedure_code AND p.version = d.procedure_version"
            " WHERE d.received_at >= ? AND d.received_at < ? ORDER BY d.received_at, d.code",
            [day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()])

    def counts(self) -> dict:
        """Counts for `info`: dossiers per status, tickets per state, ratings per level, events."""
        one = lambda sql: self._one(sql)["n"]  # noqa: E731
        return {
            "dossiers": one("SELECT COUNT(*) AS n FROM dossiers"),
            "dossiers_by_status": {r["status"]: r["n"] for r in self._rows(
                "SELECT status, COUNT(*) AS n FROM dossiers GROUP BY status ORDER BY status")},
            "tickets": one("SELECT COUNT(*) AS n FROM tickets"),
            "tickets_by_state": {r["state"]: r["n"] for r in self._rows(
                "SELECT state, COUNT(*) AS n FROM tickets GROUP BY state ORDER BY state")},
            "ratings": one("SELECT COUNT(*) AS n FROM ratings"),
            "ratings_by_level": {r["level"]: r["n"] for r in self._rows(
                "SELECT level, COUNT(*) AS n FROM ratings GROUP BY level ORDER BY level DESC")},
            "procedures": one("SELECT COUNT(DISTINCT code) AS n FROM procedures"),
            "services": one("SELECT COUNT(*) AS n FROM services"),
            "counters": one("SELECT COUNT(*) AS n FROM counters"),
            "staff": one("SELECT COUNT(*) AS n FROM staff"),
            "events": one("SELECT COUNT(*) AS n FROM events"),
        }
