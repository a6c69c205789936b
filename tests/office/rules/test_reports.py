"""Pure report maths: ranges, minutes, percentiles, means, percentages, queue statistics, ticket,
rating and timeliness tallies. Expected figures are worked out by hand in the comments."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from office.errors import InvalidInput
from office.model import Timeliness
from office.rules.reports import (
    check_range,
    dossier_tally,
    mean,
    minutes_between,
    percent,
    percentile,
    queue_stats,
    queue_stats_by,
    rating_tally,
    satisfied,
    ticket_tally,
    timeliness_counts,
)


def test_range_of_at_most_366_days():
    check_range(date(2026, 3, 2), date(2026, 3, 2))  # one day
    check_range(date(2028, 1, 1), date(2028, 12, 31))  # a leap year: 366 days
    with pytest.raises(InvalidInput, match="366"):
        check_range(date(2028, 1, 1), date(2029, 1, 1))  # 367 days
    with pytest.raises(InvalidInput, match="sau hoặc bằng"):
        check_range(date(2026, 3, 3), date(2026, 3, 2))


def test_minutes_between():
    assert minutes_between("2026-03-02T08:00:00", "2026-03-02T08:12:30") == 12.5
    assert minutes_between("2026-03-02T16:50:00", "2026-03-03T07:10:00") == 860  # 14 h 20 min
    assert minutes_between("2026-03-02T08:00:00", None) is None
    assert minutes_between(None, "2026-03-02T08:00:00") is None


def test_percentile_by_nearest_rank():
    ten = [7, 1, 10, 3, 2, 9, 4, 8, 6, 5]
    assert percentile(ten, 90) == 9  # ceil(0.9 × 10) = 9th smallest
    assert percentile(ten, 50) == 5  # 5th
    assert percentile(ten, 100) == 10
    assert percentile(ten, 1) == 1  # ceil(0.1) = 1st
    assert percentile([8, 9, 10, 13], 90) == 13  # ceil(3.6) = 4th
    assert percentile([4.25], 90) == 4.2  # rounded to 0.1, half to even
    assert percentile(range(1, 71), 90) == 63  # ceil(63.0) = 63rd: no float rounding to 64
    assert percentile([], 90) is None
    with pytest.raises(ValueError):
        percentile([1], 0)


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=300), st.integers(1, 100))
def test_percentile_is_the_smallest_value_with_pct_at_or_below(values, pct):
    p = percentile(values, pct)
    assert p in values
    assert sum(v <= p for v in values) * 100 >= pct * len(values)
    assert sum(v < p for v in values) * 100 < pct * len(values)


def test_mean_and_percent():
    assert mean([10, 8, 13]) == 10.3  # 31 / 3 = 10.33
    assert mean([8.25, 8.25]) == 8.2  # half to even
    assert mean([]) is None
    assert percent(2, 3) == 66.7
    assert percent(0, 4) == 0.0
    assert percent(0, 0) is None


def ticket(state, issued, called=None, served=None, finished=None, service="HT", counter=1,
           transferred_from=None):
    day = "2026-03-02T"
    return {"service_code": service, "counter_id": counter, "state": state,
            "transferred_from": transferred_from, "issued_at": day + issued,
            "called_at": called and day + called, "served_at": served and day + served,
            "finished_at": finished and day + finished}


ROWS = [
    ticket("done", "08:00", "08:10", "08:10", "08:18"),                         # wait 10, serve 8
    ticket("transferred", "08:04", "08:12", "08:12", "08:20", counter=2),       # wait 8
    ticket("no_show", "08:06", "08:15", None, "08:16", service="DD", counter=3),  # wait 9
    ticket("done", "08:09", "08:22", "08:22", "08:30"),                         # wait 13, serve 8
    ticket("done", "08:04", "08:21", "08:21", "08:35", service="DD", counter=3,
           transferred_from=2),                                                 # serve 14
    ticket("waiting", "08:40", counter=None),                                   # no times yet
    ticket("cancelled", "08:41", finished="08:45", counter=None),               # never called
]


def test_queue_stats():
    # waits (tickets as issued): 10, 8, 9, 13 → 40 / 4 = 10.0, p90 = 4th of 4 = 13
    # services (done): 8, 8, 14 → 10.0, p90 = 3rd of 3 = 14
    assert queue_stats(ROWS) == {
        "tickets": 7, "issued": 6, "served": 3, "no_shows": 1, "transferred": 1,
        "mean_wait_minutes": 10.0, "p90_wait_minutes": 13.0,
        "mean_service_minutes": 10.0, "p90_service_minutes": 14.0}
    assert queue_stats([]) == {
        "tickets": 0, "issued": 0, "served": 0, "no_shows": 0, "transferred": 0,
        "mean_wait_minutes": None, "p90_wait_minutes": None,
        "mean_service_minutes": None, "p90_service_minutes": None}


def test_queue_stats_by_a_column():
    by_counter = queue_stats_by(ROWS + [ticket("done", "09:00", "09:01", "09:01", "09:02", counter=10)],
                                "counter_id", order=int)
    assert list(by_counter) == ["1", "2", "3", "10"]  # rows without a counter left out
    assert (by_counter["1"]["tickets"], by_counter["1"]["mean_wait_minutes"]) == (2, 11.5)  # (10 + 13) / 2
    assert (by_counter["3"]["issued"], by_counter["3"]["p90_service_minutes"]) == (1, 14.0)
    by_service = queue_stats_by(ROWS, "service_code")
    assert list(by_service) == ["DD", "HT"]
    assert by_service["HT"]["tickets"] == 5 and by_service["DD"]["no_shows"] == 1


def test_ticket_tally():
    rows = [{"day": "2026-03-02", "service_code": "HT", "state": "done", "n": 2, "issued": 2},
            {"day": "2026-03-02", "service_code": "HT", "state": "transferred", "n": 1, "issued": 1},
            {"day": "2026-03-02", "service_code": "DD", "state": "done", "n": 1, "issued": 0},
            {"day": "2026-03-03", "service_code": "DD", "state": "no_show", "n": 1, "issued": 1}]
    assert ticket_tally(rows) == {"issued": 4, "by_state": {"done": 3, "transferred": 1, "no_show": 1},
                                  "by_service": {"HT": 3, "DD": 1},
                                  "by_day": {"2026-03-02": 3, "2026-03-03": 1}}
    assert ticket_tally([]) == {"issued": 0, "by_state": {}, "by_service": {}, "by_day": {}}


def test_satisfied_is_the_top_two_levels_of_the_scale():
    assert [satisfied(level, 3) for level in (3, 2, 1)] == [True, True, False]
    assert [satisfied(level, 5) for level in (5, 4, 3, 2, 1)] == [True, True, False, False, False]


def rating(day, level, n=1, scale=3, counter=None, service=None, staff=None):
    return {"day": day, "level": level, "scale": scale, "counter_id": counter,
            "service_code": service, "staff": staff, "n": n}


def test_rating_tally():
    rows = [rating("2026-03-02", 3, 2, counter=1, service="HT", staff="Bích"),   # 2 satisfied
            rating("2026-03-02", 1, 1, counter=3, service="DD", staff="Quân"),   # 0 of 1
            rating("2026-03-03", 2, 1, staff="Cường"),                          # dossier: 1 of 1
            rating("2026-03-03", 4, 3, scale=5, counter=10, service="HT"),       # 5-level: 3 of 3
            rating("2026-03-03", 3, 1, scale=5, counter=1)]                      # neutral: 0 of 1
    tally = rating_tally(rows)
    # overall 2 + 0 + 1 + 3 + 0 = 6 satisfied of 8 = 75 %
    assert (tally["count"], tally["satisfied_percent"]) == (8, 75.0)
    assert tally["by_level"] == {"3": 3, "1": 1, "2": 1, "4": 3}
    assert tally["by_day"] == {"2026-03-02": {"count": 3, "satisfied_percent": 66.7},   # 2 / 3
                               "2026-03-03": {"count": 5, "satisfied_percent": 80.0}}  # 4 / 5
    assert tally["by_counter"] == {"1": {"count": 3, "satisfied_percent": 66.7},    # 2 / 3
                                   "10": {"count": 3, "satisfied_percent": 100.0},
                                   "3": {"count": 1, "satisfied_percent": 0.0}}
    assert list(tally["by_counter"]) == ["1", "10", "3"]  # keys sorted as text
    assert tally["by_service"] == {"DD": {"count": 1, "satisfied_percent": 0.0},
                                   "HT": {"count": 5, "satisfied_percent": 100.0}}
    assert tally["by_staff"] == {"Bích": {"count": 2, "satisfied_percent": 100.0},
                                 "Cường": {"count": 1, "satisfied_percent": 100.0},
                                 "Quân": {"count": 1, "satisfied_percent": 0.0}}
    assert rating_tally([]) == {"count": 0, "satisfied_percent": None, "by_level": {}, "by_day": {},
                                "by_counter": {}, "by_service": {}, "by_staff": {}}


def test_timeliness_counts_use_the_given_rule():
    rows = [{"due_at": "2026-03-03T08:40:00", "finished_at": "2026-03-02T15:30:00"},
            {"due_at": "2026-03-03T08:50:00", "finished_at": "2026-03-03T08:45:00"},
            {"due_at": "2026-03-03T09:00:00", "finished_at": "2026-03-03T10:00:00"},
            {"due_at": "2026-03-04T09:00:00", "finished_at": "2026-03-04T09:00:00"}]
    seen = []

    def rule(due: datetime, finished: datetime) -> Timeliness:
        seen.append((due, finished))
        return (Timeliness.EARLY if finished.date() < due.date() else
                Timeliness.ON_TIME if finished <= due else Timeliness.LATE)

    assert timeliness_counts(rows, rule) == {"truoc_han": 1, "dung_han": 2, "tre_han": 1}
    assert seen[0] == (datetime(2026, 3, 3, 8, 40), datetime(2026, 3, 2, 15, 30))
    assert timeliness_counts([], rule) == {"truoc_han": 0, "dung_han": 0, "tre_han": 0}
    assert list(timeliness_counts([], rule)) == ["truoc_han", "dung_han", "tre_han"]


def test_dossier_tally():
    received = [{"status": 2, "n": 1}, {"status": 9, "n": 3}]
    by_timeliness = {"truoc_han": 1, "dung_han": 1, "tre_han": 1}
    assert dossier_tally(received, by_timeliness) == {
        "received": 4, "received_by_status": {"2": 1, "9": 3}, "finished": 3, "finished_on_time": 2,
        "on_time_percent": 66.7, "by_timeliness": by_timeliness}
    assert dossier_tally([], {})["on_time_percent"] is None


@given(st.lists(st.floats(0, 600, allow_nan=False), min_size=1, max_size=50))
def test_mean_lies_between_min_and_max(values):
    assert min(values) - 0.05 <= mean(values) <= max(values) + 0.05
