"""Read-only queries for reports, the register (Mẫu 07) and the `info` counts."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

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
            "ratings": self.rating_rows(day_from, day_to),
            "received": self._rows(
                "SELECT status, COUNT(*) AS n FROM dossiers WHERE received_at >= ? AND received_at < ?"
                " GROUP BY status", [lo, hi]),
        }

    def rating_rows(self, day_from: date, day_to: date) -> list[dict]:
        """Ratings over [day_from, day_to] grouped by day, level, scale, counter, service and staff."""
        return self._rows(
            "SELECT substr(at, 1, 10) AS day, level, scale, counter_id, service_code, staff,"
            " COUNT(*) AS n FROM ratings WHERE at >= ? AND at < ?"
            " GROUP BY day, level, scale, counter_id, service_code, staff",
            [day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()])

    def device_alerts(self, day: date, limit: int) -> list[dict]:
        """The latest device alerts of a day, newest first: at, device, problem, message."""
        rows = self._rows("SELECT at, payload FROM events WHERE entity = 'device' AND kind = 'alert'"
                          " AND at >= ? AND at < ? ORDER BY seq DESC LIMIT ?",
                          [day.isoformat(), (day + timedelta(days=1)).isoformat(), limit])
        return [{"at": r["at"], **{k: v for k, v in json.loads(r["payload"]).items()
                                   if k in ("device", "problem", "message")}} for r in rows]

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
        """Dossiers received over [day_from, day_to] with what the register (Mẫu 07) shows: its row
        (the Mẫu 01 number of the year), applicant contact, procedure, sets, the department that
        processed it and when it went there, dates and who collected the result."""
        return self._rows(
            "SELECT d.code, f.year AS book, f.number AS row_number, p.name AS procedure_name, d.applicant_name,"
            " d.applicant_address, d.applicant_phone, d.sets, d.status, d.received_at, d.due_at, d.finished_at,"
            " d.returned_at, json_extract(d.returned_to, '$.name') AS collector, d.delivery,"
            " d.supplement_count, t.department, t.at AS transferred_at"
            " FROM dossiers d JOIN procedures p ON p.code = d.procedure_code AND p.version = d.procedure_version"
            " LEFT JOIN issued_forms f ON f.ref = d.code AND f.form = '01'"
            " LEFT JOIN steps t ON t.id = (SELECT s.id FROM steps s WHERE s.dossier_code = d.code AND s.status = 4"
            "  ORDER BY s.id LIMIT 1)"
            " WHERE d.received_at >= ? AND d.received_at < ? ORDER BY d.received_at, d.code",
            [day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()])

    def quality_rows(self, start: datetime, end: datetime, synced_up_to: int) -> list[dict]:
        """One row per dossier the QĐ 766 indices look at over [start, end): received in it, ended in
        it, or open at its end past due (see `office.rules.qd766`); `synced` when its first
        change-log event is at or below the push checkpoint `synced_up_to`."""
        lo, hi = start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")
        return self._rows(
            "SELECT d.code, d.procedure_code, p.name AS procedure_name, d.status, d.channel, d.fee, d.received_at,"
            " d.due_at, d.paused_at, d.finished_at, d.supplement_count, d.e_result,"
            " EXISTS (SELECT 1 FROM json_each(d.components) c WHERE json_extract(c.value, '$.digitized'))"
            "  AS digitized,"
            " EXISTS (SELECT 1 FROM json_each(d.components) c WHERE json_extract(c.value, '$.reused')) AS reused,"
            " EXISTS (SELECT 1 FROM payments y WHERE y.dossier_code = d.code AND y.method = 'online'"
            "  AND NOT y.refund) AS paid_online,"
            " COALESCE((SELECT MIN(e.seq) FROM events e WHERE e.entity = 'dossier' AND e.entity_id = d.code), ?)"
            "  <= ? AS synced, r.level AS rating_level, r.scale AS rating_scale"
            " FROM dossiers d JOIN procedures p ON p.code = d.procedure_code AND p.version = d.procedure_version"
            " LEFT JOIN ratings r ON r.target_kind = 'dossier' AND r.target = d.code"
            " WHERE (d.received_at >= ? AND d.received_at < ?) OR (d.finished_at >= ? AND d.finished_at < ?)"
            # open at the end, past due: two branches, so each finds its rows through an index
            " OR (d.finished_at IS NULL AND d.status != 1 AND d.received_at < ? AND d.due_at < ?)"
            " OR (d.finished_at >= ? AND d.status != 1 AND d.received_at < ? AND d.due_at < ?)",
            [synced_up_to + 1, synced_up_to, lo, hi, lo, hi, hi, hi, hi, hi, hi])

    def fee_rows(self, day_from: date, day_to: date) -> dict[str, list[dict]]:
        """Fees of the dossiers received over [day_from, day_to] (due, exempt) and the payments and
        refunds made over it, per method."""
        lo, hi = day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()
        return {
            "due": self._rows(
                "SELECT COUNT(*) AS dossiers, COALESCE(SUM(fee), 0) AS due, SUM(fee > 0) AS charged,"
                " SUM(fee_exemption != '') AS exempt FROM dossiers WHERE received_at >= ? AND received_at < ?",
                [lo, hi]),
            "payments": self._rows(
                "SELECT method, refund, COUNT(*) AS n, SUM(amount) AS amount FROM payments"
                " WHERE at >= ? AND at < ? GROUP BY method, refund ORDER BY method, refund", [lo, hi]),
        }

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
