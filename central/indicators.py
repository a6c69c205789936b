"""The province's figures for its dashboard: the QĐ 766 inputs of every office and field per month,
ratings, sync freshness, device alerts and the national-portal export, fast at 10M dossiers.

The projection keeps one narrow row per dossier (`dossier_facts`); `refresh` counts the QĐ 766
inputs from them with a few GROUP BY statements into `dashboard_stats`: one row per month, office
and field, its counts as JSON, and the sums over every field (field ALL: with the office's
ratings), every office (office ALL) and both, so a page reads a few rows, never sums thousands.
The formulas themselves are `office.rules.qd766.from_tally`, the same as an office's own report:
only the counting of the inputs is done in SQL here, with the rules of
`office.rules.qd766.timeliness_set` (a test checks both count the same). Index 2.2 needs each
office's working calendar, so the province shows its number of results without an average.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta

from central.events import VN_TZ
from central.projection import FACTS_UPSERT, dossier_facts
from office.rules import qd766
from office.rules.reports import satisfied

MONTHS_BACK = 12  # months before the current one whose "open and overdue at month end" is counted
ALERT_DAYS = 7  # device alerts shown: the last week's
ALL = "*"  # the office or field code of a row summed over every office or field
ENDED = ", ".join(map(str, sorted(qd766.ENDED)))
RESOLVED = ", ".join(map(str, sorted(qd766.RESOLVED)))

RECEIVED = """
SELECT substr(received_at, 1, 7), office_id, coalesce(field_code, ''), count(*),
  sum(portal_sent), sum(CASE WHEN channel = 1 THEN 1 ELSE 0 END), sum(CASE WHEN channel = 2 THEN 1 ELSE 0 END),
  sum(CASE WHEN channel = 3 THEN 1 ELSE 0 END), sum(charged), sum(charged * paid_online),
  count(DISTINCT CASE WHEN charged = 1 THEN procedure_code END),
  count(DISTINCT CASE WHEN charged = 1 AND paid_online = 1 THEN procedure_code END), sum(digitized), sum(reused)
FROM dossier_facts GROUP BY 1, 2, 3"""
RECEIVED_KEYS = ("received", "synced", "channel_1", "channel_2", "channel_3", "charged", "paid_online",
                 "fee_procedures", "paid_procedures", "digitized", "reused")
ENDED_SQL = f"""
SELECT substr(finished_at, 1, 7), office_id, coalesce(field_code, ''),
  sum(CASE WHEN finished_at <= due_at AND supplements <= 1 THEN 1 ELSE 0 END),
  sum(CASE WHEN finished_at <= due_at AND supplements <= 1 THEN 0 ELSE 1 END),
  sum(CASE WHEN supplements > 1 THEN 1 ELSE 0 END),
  sum(CASE WHEN status IN ({RESOLVED}) THEN 1 ELSE 0 END),
  sum(CASE WHEN status IN ({RESOLVED}) THEN e_result ELSE 0 END)
FROM dossier_facts WHERE status IN ({ENDED}) AND finished_at IS NOT NULL GROUP BY 1, 2, 3"""
ENDED_KEYS = ("on_time", "late", "multi_supplement", "resolved", "e_results")
OVERDUE_SQL = """
WITH m (month, month_end) AS (VALUES {values})
SELECT m.month, f.office_id, coalesce(f.field_code, ''), count(*)
FROM dossier_facts f JOIN m ON f.status != 1 AND f.received_at < m.month_end
  AND (f.finished_at IS NULL OR f.finished_at >= m.month_end)
  AND f.due_at < CASE WHEN f.paused_at IS NOT NULL AND f.finished_at IS NULL AND f.paused_at < m.month_end
                      THEN f.paused_at ELSE m.month_end END
GROUP BY 1, 2, 3"""
FACT_KEYS = ("code", "procedure_code", "status", "received_at", "due_at", "finished_at", "paused_at",
             "supplement_count", "office_id", "field_code")


def local_now() -> datetime:
    """Now in Vietnam local time, naive, to the second (as the offices keep times)."""
    return datetime.now(VN_TZ).replace(tzinfo=None, microsecond=0)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a month "YYYY-MM"."""
    start = datetime.strptime(month, "%Y-%m")
    return start, (start + timedelta(days=32)).replace(day=1)


def recent_months(now: datetime, n: int = MONTHS_BACK) -> list[str]:
    """The current month and the `n` before it, newest first, as "YYYY-MM"."""
    months, day = [], now.replace(day=1)
    for _ in range(n + 1):
        months.append(f"{day:%Y-%m}")
        day = (day - timedelta(days=1)).replace(day=1)
    return months


def empty_tally() -> dict:
    """Every counted input of `office.rules.qd766.from_tally` at zero, plus the ratings."""
    return {**dict.fromkeys(RECEIVED_KEYS + ENDED_KEYS, 0), "overdue": 0, "unhappy": 0,
            "resolution_days": None, "ratings": 0, "ratings_satisfied": 0, "ratings_unhappy": 0}


def add_tally(into: dict, counts: dict) -> dict:
    """Add stored counts into a tally (in place); returns it."""
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value
    return into


class Indicators:
    """The dashboard's figures. Mixed into CentralStore (uses its reads and transactions)."""

    def refresh_indicators(self, now: datetime | None = None) -> datetime:
        """Bring the projection up to date, count the QĐ 766 inputs of every month, office and field
        from the dossier facts (as of `now`, Vietnam local time) and replace the stored counts;
        returns `now`."""
        now = now or local_now()
        self.project()
        self._backfill_facts()
        cells: dict[tuple, dict] = defaultdict(dict)
        with self.tx() as x:
            for row in x.all(RECEIVED):
                cells[row[:3]].update(zip(RECEIVED_KEYS, map(int, row[3:])))
            for row in x.all(ENDED_SQL):
                cells[row[:3]].update(zip(ENDED_KEYS, map(int, row[3:])))
            months = recent_months(now)
            ends = [now.isoformat()] + [month_bounds(m)[1].isoformat() for m in months[1:]]
            values = ", ".join("(?, ?)" for _ in months)
            for row in x.all(OVERDUE_SQL.format(values=values), [v for pair in zip(months, ends) for v in pair]):
                cells[row[:3]]["overdue"] = int(row[3])
            for key, unhappy in self._unhappy_judged(x, months, ends).items():
                cells[key]["unhappy"] = unhappy
            for key, counts in self._rating_counts(x).items():
                cells[key].update(counts)
            for (month, office, field), counts in [(key, dict(c)) for key, c in cells.items()]:
                sums = [(month, ALL, ALL)] + ([(month, office, ALL), (month, ALL, field)] if field != ALL else [])
                for total in sums:
                    add_tally(cells[total], counts)
            x.run("DELETE FROM dashboard_stats")
            x.many("INSERT INTO dashboard_stats (month, office_id, field_code, counts) VALUES (?, ?, ?, ?)",
                   [(*key, json.dumps(counts)) for key, counts in cells.items() if key[0]])
            x.run("INSERT INTO central_meta (key, value) VALUES ('indicators_at', ?) ON CONFLICT (key)"
                  " DO UPDATE SET value = excluded.value", [now.isoformat()])
        return now

    def _backfill_facts(self) -> None:
        """Facts of dossiers projected before the facts were kept (once, after the upgrade)."""
        if self._read("SELECT value FROM central_meta WHERE key = 'facts_backfilled'"):
            return
        with self.tx(lock=True) as x:
            for code, data, sent in x.all("SELECT code, data, portal_sent FROM dossiers d WHERE NOT EXISTS"
                                          " (SELECT 1 FROM dossier_facts f WHERE f.code = d.code)"
                                          " AND d.received_at IS NOT NULL"):
                x.run(FACTS_UPSERT, dossier_facts(json.loads(data)))
                if sent:
                    x.run("UPDATE dossier_facts SET portal_sent = 1 WHERE code = ?", [code])
            x.run("INSERT INTO central_meta (key, value) VALUES ('facts_backfilled', '1') ON CONFLICT (key)"
                  " DO UPDATE SET value = excluded.value")

    def _json(self, key: str) -> str:
        return f"(payload::json ->> '{key}')" if self.pg else f"json_extract(payload, '$.{key}')"

    def _rating_counts(self, x) -> dict[tuple, dict]:
        """Ratings per month and office (field ALL): how many, satisfied (top two levels), unhappy."""
        out: dict[tuple, dict] = defaultdict(lambda: {"ratings": 0, "ratings_satisfied": 0, "ratings_unhappy": 0})
        level, scale = self._json("level"), self._json("scale")
        for month, office, lv, sc, n in x.all(
                f"SELECT substr(at, 1, 7), office_id, {level}, {scale}, count(*) FROM events"
                " WHERE entity = 'rating' GROUP BY 1, 2, 3, 4"):
            if not (str(lv).isdigit() and str(sc).isdigit()):
                continue  # not a rating this system wrote
            counts = out[month, office, ALL]
            counts["ratings"] += n
            counts["ratings_satisfied"] += n if satisfied(int(lv), int(sc)) else 0
            counts["ratings_unhappy"] += n if qd766.unsatisfied(int(lv), int(sc)) else 0
        return out

    def _unhappy_judged(self, x, months: list[str], ends: list[str]) -> dict[tuple, int]:
        """Per month, office and field: dossiers rated "Không hài lòng" among those index 2.1
        judges that month (`office.rules.qd766.timeliness_set` decides, dossier by dossier)."""
        kind, target = self._json("target_kind"), self._json("target")
        level, scale = self._json("level"), self._json("scale")
        codes = [c for c, lv, sc in x.all(f"SELECT {target}, {level}, {scale} FROM events WHERE entity = 'rating'"
                                          f" AND {kind} = 'dossier'") if str(lv).isdigit() and str(sc).isdigit()
                 and qd766.unsatisfied(int(lv), int(sc))]
        rows = []
        for i in range(0, len(codes), 500):
            part = codes[i:i + 500]
            rows += [dict(zip(FACT_KEYS, r)) for r in x.all(
                "SELECT code, procedure_code, status, received_at, due_at, finished_at, paused_at, supplements,"
                f" office_id, coalesce(field_code, '') FROM dossier_facts WHERE code IN ({', '.join('?' * len(part))})",
                part)]
        out: dict[tuple, int] = defaultdict(int)
        for month, end in zip(months, ends):
            start = month_bounds(month)[0]
            for judged in qd766.timeliness_set(rows, start, datetime.fromisoformat(end)):
                for r in judged:
                    out[month, r["office_id"], r["field_code"]] += 1
        return out

    # ---- reading -------------------------------------------------------------------------

    def indicators_at(self) -> str | None:
        """When the counts were last refreshed (Vietnam local time, ISO), or None."""
        rows = self._read("SELECT value FROM central_meta WHERE key = 'indicators_at'")
        return rows[0][0] if rows else None

    def latest_month(self, months: list[str]) -> str:
        """The newest of `months` (newest first) in which dossiers were received (else the first)."""
        totals = self.months_of(ALL, months)
        return next((m for m in months if totals[m]["received"]), months[0])

    def month_tallies(self, month: str, office_id: str | None = None) -> dict[tuple[str, str], dict]:
        """(office, field) → counts of a month (ALL: summed over every office or field); an office's
        rows only, when given."""
        where, params = ("month = ?", [month]) if office_id is None else ("month = ? AND office_id = ?",
                                                                          [month, office_id])
        return {(o, f): add_tally(empty_tally(), json.loads(c)) for o, f, c in self._read(
            f"SELECT office_id, field_code, counts FROM dashboard_stats WHERE {where}", params)}

    def month_summary(self, month: str) -> dict[tuple[str, str], dict]:
        """(office, field) → counts of a month's sums only: every office over its fields, the
        province per field, and the province."""
        return {(o, f): add_tally(empty_tally(), json.loads(c)) for o, f, c in self._read(
            "SELECT office_id, field_code, counts FROM dashboard_stats WHERE month = ? AND"
            " (office_id = ? OR field_code = ?)", [month, ALL, ALL])}

    def months_of(self, office_id: str, months: list[str]) -> dict[str, dict]:
        """month → the counts of an office (ALL: the province) over every field, for the months given."""
        out = {m: empty_tally() for m in months}
        for month, counts in self._read(
                f"SELECT month, counts FROM dashboard_stats WHERE office_id = ? AND field_code = ? AND month IN"
                f" ({', '.join('?' * len(months))})", [office_id, ALL, *months]):
            add_tally(out[month], json.loads(counts))
        return out

    def office_health(self, office_id: str | None = None) -> list[dict]:
        """Sync freshness of every office (or one): name, agency, last successful push, events
        pushed but not yet projected, events quarantined, updates queued for it, device alerts
        of the last week."""
        since = (local_now() - timedelta(days=ALERT_DAYS)).isoformat()
        where, params = ("WHERE o.office_id = ?", [office_id]) if office_id else ("", [])
        keys = ("office_id", "name", "agency", "last_push_at", "pending", "quarantined", "updates", "alerts")
        return [dict(zip(keys, r)) for r in self._read(
            "SELECT o.office_id, o.name, o.agency, o.last_push_at, o.hwm - o.projected,"
            " (SELECT count(*) FROM quarantine q WHERE q.office_id = o.office_id AND q.released_at IS NULL),"
            " o.out_seq, (SELECT count(*) FROM events e WHERE e.entity = 'device' AND e.office_id = o.office_id"
            f" AND e.at >= ?) FROM offices o {where} ORDER BY o.office_id", [since, *params])]

    def device_alerts(self, office_id: str | None = None, limit: int = 50) -> list[dict]:
        """The last week's device alerts, newest first: office, device, problem, message, when."""
        since = (local_now() - timedelta(days=ALERT_DAYS)).isoformat()
        where, params = ("AND office_id = ?", [office_id]) if office_id else ("", [])
        return [{"office_id": o, "at": at, **{k: p.get(k, "") for k in ("device", "problem", "message")}}
                for o, at, p in ((o, at, json.loads(p)) for o, at, p in self._read(
                    f"SELECT office_id, at, payload FROM events WHERE entity = 'device' AND at >= ? {where}"
                    " ORDER BY at DESC LIMIT ?", [since, *params, limit]))]

    def portal_status(self) -> dict:
        """The national-portal export: last change exported, latest change, dossiers not yet sent."""
        cursor = self._read("SELECT value FROM counters WHERE name = 'portal_cursor'")[0][0]
        latest = self._read("SELECT value FROM counters WHERE name = 'change_seq'")[0][0]
        return {"cursor": cursor, "latest": latest, "behind": max(0, latest - cursor)}

