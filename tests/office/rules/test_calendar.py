"""Working calendar: real VN calendars 2025–2027, appointment dates, pauses, timeliness."""
from datetime import date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from office.errors import InvalidInput
from office.model import DurationUnit, Timeliness
from office.rules.calendar import DEFAULT_OVERRIDES_PATH, WorkCalendar, WorkingHours

WD, CD, H = DurationUnit.WORKING_DAYS, DurationUnit.CALENDAR_DAYS, DurationUnit.HOURS
CAL = WorkCalendar()
NATIONAL = holidays.country_holidays("VN", years=range(2025, 2028), language="vi")


def dt(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm)


# --- working hours ------------------------------------------------------------------------

def test_default_hours_are_eight_hours():
    assert WorkingHours().minutes_per_day == 480


@pytest.mark.parametrize("sessions", [
    ((time(13, 30), time(17, 0)), (time(7, 0), time(11, 30))),   # not sorted
    ((time(7, 0), time(12, 0)), (time(11, 30), time(17, 0))),    # overlapping
    ((time(11, 30), time(7, 0)),),                               # start after end
    ((time(7, 0), time(7, 0)),),                                 # empty session
    (),                                                          # no session
    (("07:00", "11:30"),),                                       # not times
])
def test_bad_working_hours_are_refused(sessions):
    with pytest.raises(InvalidInput):
        WorkingHours(sessions)


def test_custom_hours_are_used():
    cal = WorkCalendar(WorkingHours(((time(8, 0), time(12, 0)), (time(13, 0), time(16, 0)))))
    assert cal.hours.minutes_per_day == 420
    assert cal.next_working_instant(dt(2026, 3, 9, 7, 30)) == dt(2026, 3, 9, 8, 0)
    assert cal.next_working_instant(dt(2026, 3, 9, 12, 0)) == dt(2026, 3, 9, 13, 0)
    assert cal.appointment(dt(2026, 3, 9, 8, 0), 1, WD) == dt(2026, 3, 9, 16, 0)
    assert cal.appointment(dt(2026, 3, 9, 8, 0), 1, CD) == dt(2026, 3, 10, 16, 0)


# --- real national calendars --------------------------------------------------------------

DAYS_OFF = [
    # Tết Nguyên Đán 2025: Mon 27/1 – Fri 31/1 (+ the weekends around it)
    *[date(2025, 1, d) for d in range(25, 32)], date(2025, 2, 1), date(2025, 2, 2),
    # Tết 2026: Mon 16/2 – Fri 20/2
    *[date(2026, 2, d) for d in range(14, 23)],
    # Tết 2027: Thu 4/2 – Wed 10/2
    *[date(2027, 2, d) for d in range(4, 11)],
    # Giỗ Tổ Hùng Vương
    date(2025, 4, 7), date(2026, 4, 26), date(2026, 4, 27), date(2027, 4, 16),
    # 30/4 – 1/5, with 2/5/2025 (swapped with Saturday 26/4/2025); 1/5/2027 is a Saturday → 3/5
    date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2),
    date(2026, 4, 30), date(2026, 5, 1), date(2027, 4, 30), date(2027, 5, 3),
    # Quốc khánh with its bridge day; 31/8/2026 swapped with Saturday 22/8/2026
    date(2025, 9, 1), date(2025, 9, 2), date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2),
    date(2027, 9, 2), date(2027, 9, 3),
    # Ngày Văn hóa Việt Nam, from 2026
    date(2026, 11, 24), date(2027, 11, 24),
    # Tết Dương lịch
    date(2025, 1, 1), date(2026, 1, 1), date(2027, 1, 1),
]

WORKING_DAYS = [
    date(2025, 1, 24), date(2025, 2, 3),            # around Tết 2025
    date(2026, 2, 13), date(2026, 2, 23),           # around Tết 2026
    date(2027, 2, 3), date(2027, 2, 11),            # around Tết 2027
    date(2025, 4, 26),                              # make-up Saturday for 2/5/2025
    date(2025, 4, 29), date(2025, 5, 5),
    date(2026, 4, 28), date(2026, 4, 29), date(2026, 5, 4),
    date(2026, 8, 22),                              # make-up Saturday for 31/8/2026
    date(2025, 9, 3), date(2026, 9, 3), date(2027, 9, 1),
    date(2025, 11, 24),                             # 24/11 is not a day off in 2025 (Monday)
    date(2026, 11, 23), date(2026, 11, 25),
    date(2026, 3, 9),                               # a plain Monday
]


@pytest.mark.parametrize("d", DAYS_OFF, ids=str)
def test_national_days_off(d):
    assert not CAL.is_working_day(d)


@pytest.mark.parametrize("d", WORKING_DAYS, ids=str)
def test_national_working_days(d):
    assert CAL.is_working_day(d)


def test_plain_weekends_are_off():
    assert not CAL.is_working_day(date(2026, 3, 7))   # Saturday
    assert not CAL.is_working_day(date(2026, 3, 8))   # Sunday
    assert not CAL.is_working_day(date(2025, 4, 27))  # Sunday after the make-up Saturday


def test_holiday_names_are_vietnamese():
    assert "Tết Nguyên Đán" in CAL.holiday_name(date(2026, 2, 17))
    assert "Giỗ Tổ Hùng Vương" in CAL.holiday_name(date(2026, 4, 26))
    assert "nghỉ bù" in CAL.holiday_name(date(2026, 4, 27))
    assert CAL.holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert CAL.holiday_name(date(2025, 11, 24)) is None
    assert CAL.holiday_name(date(2026, 3, 9)) is None       # plain working day
    assert CAL.holiday_name(date(2026, 3, 7)) is None       # plain Saturday
    assert CAL.holiday_name(date(2026, 8, 22)) is None      # make-up working Saturday


# --- instants -----------------------------------------------------------------------------

@pytest.mark.parametrize("t, expected", [
    (dt(2026, 3, 9, 6, 0), dt(2026, 3, 9, 7, 0)),       # before opening
    (dt(2026, 3, 9, 7, 0), dt(2026, 3, 9, 7, 0)),       # at opening
    (dt(2026, 3, 9, 9, 15), dt(2026, 3, 9, 9, 15)),     # inside a session
    (dt(2026, 3, 9, 11, 30), dt(2026, 3, 9, 13, 30)),   # morning session end
    (dt(2026, 3, 9, 12, 0), dt(2026, 3, 9, 13, 30)),    # lunch
    (dt(2026, 3, 9, 17, 0), dt(2026, 3, 10, 7, 0)),     # closing
    (dt(2026, 3, 13, 18, 0), dt(2026, 3, 16, 7, 0)),    # Friday evening → Monday
    (dt(2026, 2, 13, 17, 5), dt(2026, 2, 23, 7, 0)),    # before Tết 2026 → after it
    (dt(2026, 8, 21, 20, 0), dt(2026, 8, 22, 7, 0)),    # → make-up Saturday
])
def test_next_working_instant(t, expected):
    assert CAL.next_working_instant(t) == expected


def test_add_working_minutes_stops_at_session_end():
    assert CAL.add_working_minutes(dt(2026, 3, 9, 7, 0), 480) == dt(2026, 3, 9, 17, 0)
    assert CAL.add_working_minutes(dt(2026, 3, 9, 7, 0), 270) == dt(2026, 3, 9, 11, 30)
    assert CAL.add_working_minutes(dt(2026, 3, 9, 7, 0), 271) == dt(2026, 3, 9, 13, 31)
    assert CAL.add_working_minutes(dt(2026, 3, 9, 7, 0), 481) == dt(2026, 3, 10, 7, 1)
    assert CAL.add_working_minutes(dt(2026, 3, 9, 7, 0), 960) == dt(2026, 3, 10, 17, 0)
    assert CAL.add_working_minutes(dt(2026, 3, 9, 12, 0), 0) == dt(2026, 3, 9, 13, 30)
    with pytest.raises(InvalidInput):
        CAL.add_working_minutes(dt(2026, 3, 9, 7, 0), -1)


def test_working_minutes_between():
    assert CAL.working_minutes_between(dt(2026, 3, 9, 0, 0), dt(2026, 3, 10, 0, 0)) == 480
    assert CAL.working_minutes_between(dt(2026, 3, 9, 9, 0), dt(2026, 3, 9, 14, 0)) == 150 + 30
    assert CAL.working_minutes_between(dt(2026, 3, 9, 14, 0), dt(2026, 3, 9, 9, 0)) == -180
    assert CAL.working_minutes_between(dt(2026, 3, 13, 16, 0), dt(2026, 3, 16, 8, 0)) == 120
    assert CAL.working_minutes_between(dt(2026, 2, 13, 7, 0), dt(2026, 2, 24, 7, 0)) == 2 * 480
    assert CAL.working_minutes_between(dt(2026, 3, 9, 12, 0), dt(2026, 3, 9, 13, 0)) == 0


# --- appointments -------------------------------------------------------------------------

@pytest.mark.parametrize("received, duration, unit, expected", [
    # Monday 09:00 + 1 working day: 360 min on Monday, 120 on Tuesday
    (dt(2026, 3, 9, 9, 0), 1, WD, dt(2026, 3, 10, 9, 0)),
    # at opening: the day ends at closing time, not the next morning
    (dt(2026, 3, 9, 7, 0), 1, WD, dt(2026, 3, 9, 17, 0)),
    # after hours: counting starts the next morning
    (dt(2026, 3, 9, 18, 0), 1, WD, dt(2026, 3, 10, 17, 0)),
    # during lunch: counting starts at 13:30; 210 min Monday + 270 Tuesday morning
    (dt(2026, 3, 9, 12, 0), 1, WD, dt(2026, 3, 10, 11, 30)),
    # Friday afternoon spanning the weekend: 120 min Friday, 360 Monday
    (dt(2026, 3, 13, 15, 0), 1, WD, dt(2026, 3, 16, 15, 0)),
    # spanning Tết 2026: 300 min Friday 13/2, 480 Monday 23/2, 180 Tuesday 24/2
    (dt(2026, 2, 13, 10, 0), 2, WD, dt(2026, 2, 24, 10, 0)),
    # spanning Tết 2025 (Friday 24/1 → Monday 3/2)
    (dt(2025, 1, 24, 9, 0), 1, WD, dt(2025, 2, 3, 9, 0)),
    # the make-up Saturday 22/8/2026 counts, Monday 31/8 – Wednesday 2/9 do not
    (dt(2026, 8, 21, 9, 0), 1, WD, dt(2026, 8, 22, 9, 0)),
    (dt(2026, 8, 28, 9, 0), 1, WD, dt(2026, 9, 3, 9, 0)),
    # the make-up Saturday 26/4/2025 counts; 30/4 – 2/5/2025 do not
    (dt(2025, 4, 25, 9, 0), 1, WD, dt(2025, 4, 26, 9, 0)),
    (dt(2025, 4, 29, 9, 0), 1, WD, dt(2025, 5, 5, 9, 0)),
    # Giỗ Tổ 2026 on Sunday, substituted on Monday 27/4
    (dt(2026, 4, 24, 9, 0), 1, WD, dt(2026, 4, 28, 9, 0)),
    # 24/11/2026 is a day off, 24/11/2025 is not
    (dt(2026, 11, 23, 9, 0), 1, WD, dt(2026, 11, 25, 9, 0)),
    (dt(2025, 11, 21, 9, 0), 1, WD, dt(2025, 11, 24, 9, 0)),
    # half a working day
    (dt(2026, 3, 9, 7, 0), 0.5, WD, dt(2026, 3, 9, 11, 0)),
    # working hours
    (dt(2026, 3, 9, 10, 0), 4, H, dt(2026, 3, 9, 16, 0)),
    (dt(2026, 3, 13, 16, 0), 2, H, dt(2026, 3, 16, 8, 0)),
    (dt(2026, 3, 9, 12, 15), 0.5, H, dt(2026, 3, 9, 14, 0)),
    # calendar days: end of the target day, moved to the next working day if needed
    (dt(2026, 3, 9, 10, 0), 3, CD, dt(2026, 3, 12, 17, 0)),
    (dt(2026, 3, 9, 10, 0), 5, CD, dt(2026, 3, 16, 17, 0)),      # Saturday → Monday
    (dt(2026, 2, 11, 10, 0), 5, CD, dt(2026, 2, 23, 17, 0)),     # lands in Tết 2026
    (dt(2026, 3, 13, 18, 0), 1, CD, dt(2026, 3, 17, 17, 0)),     # counted from Monday morning
    (dt(2026, 3, 9, 10, 0), 0, CD, dt(2026, 3, 9, 17, 0)),
])
def test_appointment(received, duration, unit, expected):
    assert CAL.appointment(received, duration, unit) == expected


def test_appointment_accepts_unit_values_and_refuses_bad_input():
    assert CAL.appointment(dt(2026, 3, 9, 9, 0), 1, "working_days") == dt(2026, 3, 10, 9, 0)
    for duration, unit in [(-1, WD), (float("nan"), WD), (1, "weeks")]:
        with pytest.raises(InvalidInput):
            CAL.appointment(dt(2026, 3, 9, 9, 0), duration, unit)


# --- local overrides ----------------------------------------------------------------------

def test_local_overrides_win():
    cal = WorkCalendar(days_off={date(2026, 3, 9): "Bầu cử (ví dụ)"},
                       working_days=[date(2026, 3, 7), date(2026, 2, 17)])
    assert not cal.is_working_day(date(2026, 3, 9))
    assert cal.holiday_name(date(2026, 3, 9)) == "Bầu cử (ví dụ)"
    assert cal.is_working_day(date(2026, 3, 7))             # a Saturday
    assert cal.is_working_day(date(2026, 2, 17))            # a Tết day
    assert cal.holiday_name(date(2026, 2, 17)) is None
    assert cal.appointment(dt(2026, 3, 6, 9, 0), 1, WD) == dt(2026, 3, 7, 9, 0)
    assert cal.appointment(dt(2026, 3, 7, 9, 0), 1, WD) == dt(2026, 3, 10, 9, 0)
    # a plain iterable of days off gets a default reason
    plain = WorkCalendar(days_off=[date(2026, 3, 9)])
    assert not plain.is_working_day(date(2026, 3, 9)) and plain.holiday_name(date(2026, 3, 9))
    with pytest.raises(InvalidInput):
        WorkCalendar(days_off=[date(2026, 3, 9)], working_days=[date(2026, 3, 9)])


def test_from_file(tmp_path):
    path = tmp_path / "overrides.toml"
    path.write_text(
        "# local overrides\n"
        "[[override]]\ndate = 2026-03-09\nkind = \"day_off\"\nreason = \"Nghỉ theo quyết định tỉnh\"\n\n"
        "[[override]]\ndate = 2026-03-14\nkind = \"working_day\"\nreason = \"Làm bù\"\n",
        encoding="utf-8")
    cal = WorkCalendar.from_file(path)
    assert cal.holiday_name(date(2026, 3, 9)) == "Nghỉ theo quyết định tỉnh"
    assert cal.is_working_day(date(2026, 3, 14))
    # Friday 09:00 + 1 working day: Monday is off → Tuesday; + 2: the Saturday counts
    assert cal.appointment(dt(2026, 3, 6, 9, 0), 1, WD) == dt(2026, 3, 10, 9, 0)
    assert cal.appointment(dt(2026, 3, 12, 9, 0), 2, WD) == dt(2026, 3, 14, 9, 0)
    assert cal.appointment(dt(2026, 3, 13, 9, 0), 1, CD) == dt(2026, 3, 14, 17, 0)


SWAP_2026 = {date(2026, 1, 2): False, date(2026, 1, 10): True}  # VPCP letter 12729/VPCP-KGVX


def test_shipped_overrides_file_holds_the_2026_swap_and_changes_nothing_else():
    cal = WorkCalendar.from_file(DEFAULT_OVERRIDES_PATH)
    assert not CAL.is_working_day(date(2026, 1, 10)) and CAL.is_working_day(date(2026, 1, 2))  # `holidays` lacks it
    d = date(2025, 1, 1)
    while d <= date(2027, 12, 31):
        assert cal.is_working_day(d) == SWAP_2026.get(d, CAL.is_working_day(d)), d
        d += timedelta(days=1)
    assert "12729/VPCP-KGVX" in cal.holiday_name(date(2026, 1, 2))


def test_appointments_across_the_2026_new_year_swap():
    cal = WorkCalendar.from_file(DEFAULT_OVERRIDES_PATH)
    # Wednesday 31/12/2025 09:00 + 1 working day: 01/01 holiday, 02/01 off, weekend → Monday 05/01
    assert cal.appointment(dt(2025, 12, 31, 9, 0), 1, WD) == dt(2026, 1, 5, 9, 0)
    # Friday 09/01 09:00 + 1 working day: Saturday 10/01 is worked
    assert cal.appointment(dt(2026, 1, 9, 9, 0), 1, WD) == dt(2026, 1, 10, 9, 0)
    # received on Friday 02/01 (a day off): counting starts on Monday 05/01 07:00
    assert cal.appointment(dt(2026, 1, 2, 10, 0), 2, WD) == dt(2026, 1, 6, 17, 0)  # two whole days
    # a same-day case (cut-off 15:00) on the make-up Saturday: due that evening; after 15:00 → Monday
    assert cal.appointment(dt(2026, 1, 10, 14, 59), 0, WD, time(15, 0)) == dt(2026, 1, 10, 17, 0)
    assert cal.appointment(dt(2026, 1, 10, 15, 0), 0, WD, time(15, 0)) == dt(2026, 1, 12, 17, 0)
    # 10 calendar days from Wednesday 31/12/2025 land on Saturday 10/01, a working day: due that evening
    assert cal.appointment(dt(2025, 12, 31, 9, 0), 10, CD) == dt(2026, 1, 10, 17, 0)


@pytest.mark.parametrize("received, due", [
    (dt(2026, 3, 2, 8, 0), dt(2026, 3, 2, 17, 0)),     # before the cut-off: same day
    (dt(2026, 3, 2, 14, 59), dt(2026, 3, 2, 17, 0)),
    (dt(2026, 3, 2, 15, 0), dt(2026, 3, 3, 17, 0)),    # at the cut-off: next working day
    (dt(2026, 3, 2, 12, 0), dt(2026, 3, 2, 17, 0)),    # lunch: counting starts 13:30, before 15:00
    (dt(2026, 3, 2, 18, 0), dt(2026, 3, 3, 17, 0)),    # after closing: tomorrow morning, before 15:00
    (dt(2026, 3, 6, 16, 0), dt(2026, 3, 9, 17, 0)),    # Friday afternoon → Monday
    (dt(2026, 3, 7, 9, 0), dt(2026, 3, 9, 17, 0)),     # Saturday → Monday
    (dt(2026, 4, 24, 15, 30), dt(2026, 4, 28, 17, 0)),  # Friday → Mon 27/4 is Giỗ Tổ (nghỉ bù) → Tuesday
])
def test_same_day_cutoff(received, due):
    assert CAL.appointment(received, 1, WD, time(15, 0)) == due


@pytest.mark.parametrize("content, problem", [
    ("[[override]\ndate = 2026-03-09\n", "TOML"),                                     # malformed
    ("[[override]]\ndate = 2026-03-09\nkind = \"holiday\"\n", "kind"),                # bad kind
    ("[[override]]\ndate = \"2026-13-01\"\nkind = \"day_off\"\n", "date"),            # bad date
    ("[[override]]\ndate = 2026-03-09T08:00:00\nkind = \"day_off\"\n", "date"),       # not a date
    ("[[override]]\nkind = \"day_off\"\n", "date"),                                   # no date
    ("[[override]]\ndate = 2026-03-09\nkind = \"day_off\"\nreason = 3\n", "reason"),
    ("[[override]]\ndate = 2026-03-09\nknd = \"day_off\"\n", "knd"),                  # typo
    ("[[overide]]\ndate = 2026-03-09\nkind = \"day_off\"\n", "overide"),
    ("override = 3\n", "override"),
    ("[[override]]\ndate = 2026-03-09\nkind = \"day_off\"\n"
     "[[override]]\ndate = 2026-03-09\nkind = \"working_day\"\n", "2026-03-09"),      # duplicate
])
def test_from_file_refuses_bad_files(tmp_path, content, problem):
    path = tmp_path / "bad-overrides.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        WorkCalendar.from_file(path)
    message = str(info.value)
    assert str(path) in message and problem in message and "\n" not in message


def test_from_file_missing_or_binary(tmp_path):
    for path in [tmp_path / "missing.toml", tmp_path / "latin1.toml"]:
        if path.name == "latin1.toml":
            path.write_bytes("# T\xe9t\n".encode("latin-1"))
        with pytest.raises(InvalidInput, match=path.name):
            WorkCalendar.from_file(path)


# --- supplement pause ---------------------------------------------------------------------

def test_pause_over_a_weekend_keeps_the_remaining_time():
    due = dt(2026, 3, 17, 15, 0)                     # Tuesday
    paused, resumed = dt(2026, 3, 13, 15, 0), dt(2026, 3, 16, 10, 0)  # Friday → Monday
    # left when paused: Fri 120 + Mon 480 + Tue 360 = 960 min
    assert CAL.working_minutes_between(paused, due) == 960
    new_due = CAL.resume_after_pause(due, paused, resumed)
    assert new_due == dt(2026, 3, 18, 10, 0)         # Mon 300 + Tue 480 + Wed 180
    assert CAL.working_minutes_between(resumed, new_due) == 960


def test_pause_after_hours_and_resume_at_lunch():
    due = dt(2026, 3, 10, 17, 0)
    # paused Monday evening: 480 min left (all of Tuesday); resumed Wednesday at lunch
    assert CAL.resume_after_pause(due, dt(2026, 3, 9, 18, 0), dt(2026, 3, 11, 12, 0)) == \
        dt(2026, 3, 12, 11, 30)


def test_pause_when_already_overdue_keeps_the_due_date():
    due = dt(2026, 3, 10, 17, 0)
    assert CAL.resume_after_pause(due, dt(2026, 3, 11, 9, 0), dt(2026, 3, 20, 9, 0)) == due
    with pytest.raises(InvalidInput):
        CAL.resume_after_pause(due, dt(2026, 3, 9, 9, 0), dt(2026, 3, 8, 9, 0))


# --- timeliness ---------------------------------------------------------------------------

DUE = dt(2026, 3, 18, 17, 0)   # Wednesday closing time


@pytest.mark.parametrize("now, expected", [
    (dt(2026, 3, 16, 9, 0), Timeliness.IN_TIME),
    (dt(2026, 3, 17, 16, 59), Timeliness.IN_TIME),   # 481 min left
    (dt(2026, 3, 17, 17, 0), Timeliness.DUE_SOON),   # exactly one working day left
    (dt(2026, 3, 18, 9, 0), Timeliness.DUE_SOON),
    (DUE, Timeliness.DUE_SOON),
    (dt(2026, 3, 18, 17, 1), Timeliness.OVERDUE),
    (dt(2026, 4, 1, 9, 0), Timeliness.OVERDUE),
])
def test_timeliness_of_open_dossiers(now, expected):
    assert CAL.timeliness(DUE, now) is expected


def test_due_soon_counts_working_time_over_a_weekend():
    due = dt(2026, 3, 16, 17, 0)   # Monday
    assert CAL.timeliness(due, dt(2026, 3, 13, 17, 0)) is Timeliness.DUE_SOON
    assert CAL.timeliness(due, dt(2026, 3, 14, 10, 0)) is Timeliness.DUE_SOON
    assert CAL.timeliness(due, dt(2026, 3, 13, 16, 0)) is Timeliness.IN_TIME


@pytest.mark.parametrize("finished, expected", [
    (dt(2026, 3, 17, 16, 0), Timeliness.EARLY),
    (dt(2026, 3, 18, 8, 0), Timeliness.ON_TIME),
    (DUE, Timeliness.ON_TIME),
    (dt(2026, 3, 18, 17, 1), Timeliness.LATE),
    (dt(2026, 3, 19, 7, 0), Timeliness.LATE),
])
def test_timeliness_of_finished_dossiers(finished, expected):
    # `now` does not matter once finished
    assert CAL.timeliness(DUE, dt(2026, 5, 1, 9, 0), finished_at=finished) is expected


# --- properties ---------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 10, 31))
minute_instants = instants.map(lambda t: t.replace(second=0, microsecond=0))
minutes = st.integers(min_value=0, max_value=40 * 480)
SESSION_ENDS = {end for _, end in WorkingHours().sessions}
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(start=instants, m=minutes)
def test_add_working_minutes_lands_on_working_time(start, m):
    result = CAL.add_working_minutes(start, m)
    assert result >= start
    at_session_end = CAL.is_working_day(result.date()) and result.time() in SESSION_ENDS
    assert CAL.next_working_instant(result) == result or at_session_end


@FAST
@given(start=instants, m=minutes)
def test_add_then_count_gives_back_the_minutes(start, m):
    working_start = CAL.next_working_instant(start)
    result = CAL.add_working_minutes(working_start, m)
    assert CAL.working_minutes_between(working_start, result) == m
    assert CAL.working_minutes_between(start, result) == m
    if m:   # the earliest such instant: one minute less of counting does not reach m
        assert CAL.working_minutes_between(working_start, result - timedelta(minutes=1)) == m - 1


@FAST
@given(a=minute_instants, b=minute_instants, c=minute_instants)
def test_working_minutes_between_adds_up(a, b, c):
    a, b, c = sorted([a, b, c])
    assert CAL.working_minutes_between(a, c) == \
        CAL.working_minutes_between(a, b) + CAL.working_minutes_between(b, c)
    assert CAL.working_minutes_between(c, a) == -CAL.working_minutes_between(a, c)


@FAST
@given(r1=instants, r2=instants, unit=st.sampled_from(list(DurationUnit)),
       duration=st.one_of(st.integers(0, 60), st.sampled_from([0.5, 1.5, 2.25])))
def test_appointment_is_monotonic_in_received_time(r1, r2, unit, duration):
    r1, r2 = sorted([r1, r2])
    assert CAL.appointment(r1, duration, unit) <= CAL.appointment(r2, duration, unit)


@FAST
@given(d=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
def test_is_working_day_matches_the_holidays_package(d):
    assert CAL.is_working_day(d) == NATIONAL.is_working_day(d)
    expected = (d.weekday() < 5 and d not in NATIONAL) or d in NATIONAL.weekend_workdays
    assert CAL.is_working_day(d) == expected
