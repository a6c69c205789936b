"""Report maths (pure): queue statistics, percentiles, percentages, rating and ticket tallies,
timeliness counts of finished dossiers.

Functions over plain rows (dicts as the store returns them, times as ISO text); no store, no
service. Every key of a result is a string, so a report reads the same embedded and over the hub.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from office.errors import InvalidInput
from office.model import Timeliness

MAX_DAYS = 366
FINISHED_TIMELINESS = (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE)
RATING_DIMENSIONS = (("day", "day"), ("counter", "counter_id"), ("service", "service_code"),
                     ("staff", "staff"))


def check_range(day_from: date, day_to: date) -> None:
    """InvalidInput unless `day_from` <= `day_to` and the range spans at most 366 days."""
    if day_to < day_from:
        raise InvalidInput("Ngày kết thúc báo cáo phải sau hoặc bằng ngày bắt đầu")
    if (day_to - day_from).days >= MAX_DAYS:
        raise InvalidInput("Mỗi báo cáo tối đa 366 ngày")


def minutes_between(start: str | None, end: str | None) -> float | None:
    """Minutes from one ISO date-time to another; None when either is missing."""
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60


def percentile(values: Iterable[float], pct: int) -> float | None:
    """The `pct`-th percentile (1–100) by the nearest-rank method: the smallest value with at
    least pct % of the values at or below it, rounded to 0.1; None when there are no values."""
    if not 0 < pct <= 100:
        raise ValueError(f"percentile {pct} not in 1..100")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = -(-pct * len(ordered) // 100)  # ceil(pct / 100 * n) in integers: no float rounding
    return round(ordered[rank - 1], 1)


def mean(values: Iterable[float]) -> float | None:
    """The arithmetic mean rounded to 0.1; None when there are no values."""
    values = list(values)
    return round(sum(values) / len(values), 1) if values else None


def percent(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, rounded to 0.1; None when `whole` is 0."""
    return round(100 * part / whole, 1) if whole else None


def add(totals: dict, key: str, n: int) -> None:
    """Add `n` to `totals[key]` (0 when absent)."""
    totals[key] = totals.get(key, 0) + n


def queue_stats(rows: Iterable[dict]) -> dict:
    """Queue figures of a group of ticket rows (service_code, counter_id, state, transferred_from,
    issued_at, called_at, served_at, finished_at): counts, waits (issue → first call, tickets as
    issued, not the rows a transfer added) and service times (start → end of serving, tickets
    served to the end), in minutes, with their means and 90th percentiles."""
    rows = list(rows)
    waits = [m for r in rows if r["transferred_from"] is None
             for m in [minutes_between(r["issued_at"], r["called_at"])] if m is not None]
    serves = [m for r in rows if r["state"] == "done"
              for m in [minutes_between(r["served_at"], r["finished_at"])] if m is not None]
    return {"tickets": len(rows), "issued": sum(r["transferred_from"] is None for r in rows),
            "served": sum(r["state"] == "done" for r in rows),
            "no_shows": sum(r["state"] == "no_show" for r in rows),
            "transferred": sum(r["state"] == "transferred" for r in rows),
            "mean_wait_minutes": mean(waits), "p90_wait_minutes": percentile(waits, 90),
            "mean_service_minutes": mean(serves), "p90_service_minutes": percentile(serves, 90)}


def queue_stats_by(rows: Iterable[dict], column: str,
                   order: Callable[[str], object] = str) -> dict[str, dict]:
    """`queue_stats` per value of a column (as a string key; rows where it is None left out),
    sorted by `order` of the key (e.g. `int` for counter ids)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        if r[column] is not None:
            groups.setdefault(str(r[column]), []).append(r)
    return {k: queue_stats(groups[k]) for k in sorted(groups, key=order)}


def ticket_tally(rows: Iterable[dict]) -> dict:
    """Ticket counts from rows grouped by day, service and state (day, service_code, state, n =
    rows, issued = rows not added by a transfer): tickets issued, rows per state, and tickets
    issued per service and per day."""
    tally: dict = {"issued": 0, "by_state": {}, "by_service": {}, "by_day": {}}
    for r in rows:
        tally["issued"] += r["issued"]
        add(tally["by_state"], r["state"], r["n"])
        add(tally["by_service"], r["service_code"], r["issued"])
        add(tally["by_day"], r["day"], r["issued"])
    return tally


def satisfied(level: int, scale: int) -> bool:
    """Whether a rating counts as satisfied for the QĐ 766 indicator: one of the top two levels
    of its scale ("Hài lòng" or "Rất hài lòng")."""
    return level >= scale - 1


def rating_tally(rows: Iterable[dict]) -> dict:
    """Ratings from rows grouped by day, level, scale, counter, service and staff (n = ratings):
    the count and % satisfied overall, the count per level, and count and % satisfied per day,
    counter, service and staff member (rows without a counter, service or staff member count
    only overall, per day and per level)."""
    by_level: dict[str, int] = {}
    groups: dict[str, dict[str, list[int]]] = {dim: {} for dim, _ in RATING_DIMENSIONS}
    count = happy = 0
    for r in rows:
        n_happy = r["n"] if satisfied(r["level"], r["scale"]) else 0
        count, happy = count + r["n"], happy + n_happy
        add(by_level, str(r["level"]), r["n"])
        for dim, column in RATING_DIMENSIONS:
            if r[column] is not None:
                n_sat = groups[dim].setdefault(str(r[column]), [0, 0])
                n_sat[0] += r["n"]
                n_sat[1] += n_happy
    return {"count": count, "satisfied_percent": percent(happy, count), "by_level": by_level,
            **{f"by_{dim}": {k: {"count": n, "satisfied_percent": percent(s, n)}
                            for k, (n, s) in sorted(g.items())}
               for dim, g in groups.items()}}


def timeliness_counts(rows: Iterable[dict],
                      timeliness: Callable[[datetime, datetime], Timeliness]) -> dict[str, int]:
    """Finished dossiers (rows with due_at and finished_at) per result: early, on time, late.
    `timeliness(due, finished)` is the calendar's rule for a finished dossier."""
    counts = {t.value: 0 for t in FINISHED_TIMELINESS}
    for r in rows:
        counts[timeliness(datetime.fromisoformat(r["due_at"]),
                          datetime.fromisoformat(r["finished_at"])).value] += 1
    return counts


def dossier_tally(received: Iterable[dict], by_timeliness: dict[str, int]) -> dict:
    """Dossier figures: received (rows status, n) in total and per status; finished, on time
    (early or on the due day: the national portal's "đúng hạn" rate) and the % on time — all
    derived from the finished ones per timeliness, so no two figures can disagree."""
    received = list(received)
    finished = sum(by_timeliness.values())
    on_time = by_timeliness.get("truoc_han", 0) + by_timeliness.get("dung_han", 0)
    return {"received": sum(r["n"] for r in received),
            "received_by_status": {str(r["status"]): r["n"] for r in received},
            "finished": finished, "finished_on_time": on_time,
            "on_time_percent": percent(on_time, finished),
            "by_timeliness": by_timeliness}


# The dossier summary as every report shows it — screen, PDF and CSV take their row from here.
DOSSIER_COLUMNS = (("received", "Tiếp nhận"), ("finished", "Đã giải quyết"), ("truoc_han", "Trước hạn"),
                   ("dung_han", "Đúng hạn"), ("tre_han", "Quá hạn"),
                   ("on_time_percent", "Tỉ lệ đúng hạn, gồm trước hạn (%)"))


def dossier_row(dossiers: dict) -> list:
    """The values of DOSSIER_COLUMNS for a report's `dossiers` part (None: no percentage)."""
    values = {**dossiers, **dossiers["by_timeliness"]}
    return [values[key] for key, _ in DOSSIER_COLUMNS]
