"""Working calendar of a one-stop office: working days, working time and appointment dates.

National days off come from the `holidays` package (country "VN", Vietnamese names): lunar Tết,
Giỗ Tổ Hùng Vương, substituted days off and make-up working Saturdays (`weekend_workdays`).
Local overrides (an extra day off, a local make-up working day) come from a small TOML file,
see `assets/calendar/vn-overrides.toml`. No holiday date is written in this module.

All datetimes are naive local time (Vietnam, UTC+7). Working time is counted on the half-open
sessions of `WorkingHours`: an instant is "working" when it lies in [start, end) of a session
on a working day.
"""
from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import holidays

from office.errors import InvalidInput
from office.model import DurationUnit, Timeliness

DEFAULT_OVERRIDES_PATH = (
    Path(__file__).resolve().parents[2] / "assets" / "calendar" / "vn-overrides.toml")

_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
_MAX_SEARCH_DAYS = 400  # a real calendar never has this many days off in a row
_DEFAULT_DAY_OFF_REASON = "Ngày nghỉ theo quyết định của địa phương"
_KINDS = ("day_off", "working_day")


def _offset(t: time) -> timedelta:
    """Time of day as a timedelta since midnight."""
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


@dataclass(frozen=True)
class WorkingHours:
    """The office's daily working sessions; default 07:00–11:30 and 13:30–17:00 (8 h = 1 day)."""

    sessions: tuple[tuple[time, time], ...] = (
        (time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

    def __post_init__(self) -> None:
        try:
            sessions = tuple((start, end) for start, end in self.sessions)
        except (TypeError, ValueError):
            raise InvalidInput(
                "Giờ làm việc phải là danh sách các buổi (giờ bắt đầu, giờ kết thúc)") from None
        if not sessions:
            raise InvalidInput("Giờ làm việc phải có ít nhất một buổi")
        previous_end = None
        for start, end in sessions:
            if not (isinstance(start, time) and isinstance(end, time)) or start.tzinfo or end.tzinfo:
                raise InvalidInput(
                    f"Buổi làm việc {start!r}–{end!r}: giờ phải là datetime.time không múi giờ")
            if not start < end:
                raise InvalidInput(
                    f"Buổi làm việc {start:%H:%M}–{end:%H:%M}: giờ bắt đầu phải trước giờ kết thúc")
            if previous_end is not None and start < previous_end:
                raise InvalidInput(
                    f"Buổi làm việc {start:%H:%M}–{end:%H:%M} chồng lấn hoặc không theo thứ tự "
                    f"sau buổi kết thúc lúc {previous_end:%H:%M}")
            previous_end = end
        object.__setattr__(self, "sessions", sessions)

    @property
    def minutes_per_day(self) -> int:
        """Working minutes in one working day (480 by default)."""
        total = sum((_offset(end) - _offset(start) for start, end in self.sessions), timedelta())
        return total // _MINUTE


class WorkCalendar:
    """Working days and working time of an office: the national VN calendar plus local overrides."""

    def __init__(self, hours: WorkingHours = WorkingHours(),
                 days_off: Iterable[date] | Mapping[date, str] = (),
                 working_days: Iterable[date] = ()):
        """`days_off` may map each date to its reason (shown by `holiday_name`); local overrides win."""
        self.hours = hours
        if isinstance(days_off, Mapping):
            self._days_off = {d: reason or _DEFAULT_DAY_OFF_REASON for d, reason in days_off.items()}
        else:
            self._days_off = {d: _DEFAULT_DAY_OFF_REASON for d in days_off}
        self._working_days = frozenset(working_days)
        clash = sorted(self._days_off.keys() & self._working_days)
        if clash:
            raise InvalidInput(f"Ngày {clash[0].isoformat()} vừa là ngày nghỉ vừa là ngày làm việc")
        self._sessions = tuple((_offset(s), _offset(e)) for s, e in hours.sessions)
        self._first_start = self._sessions[0][0]
        self._last_end = self._sessions[-1][1]
        self._day_length = sum((e - s for s, e in self._sessions), timedelta())
        self._years: dict[int, tuple[dict[date, str], frozenset[date]]] = {}

    def with_overrides(self, days_off: Mapping[date, str], working_days: Iterable[date]) -> WorkCalendar:
        """This calendar plus more overrides (e.g. from the central system); this one's own win."""
        if not days_off and not working_days:
            return self
        off = {d: r for d, r in days_off.items() if d not in self._working_days}
        work = {d for d in working_days if d not in self._days_off}
        return WorkCalendar(self.hours, {**off, **self._days_off}, self._working_days | work)

    @classmethod
    def from_file(cls, path: str | Path, hours: WorkingHours = WorkingHours()) -> WorkCalendar:
        """Calendar with the local overrides of a TOML file; a bad file raises InvalidInput."""
        path = Path(path)
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except OSError as exc:
            raise InvalidInput(f"{path}: không đọc được tệp ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{path}: tệp không phải UTF-8") from None
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{path}: TOML không hợp lệ: {exc}") from None

        def fail(problem: str) -> InvalidInput:
            return InvalidInput(f"{path}: {problem}")

        unknown = sorted(set(data) - {"override"})
        if unknown:
            raise fail(f"khóa không hợp lệ {unknown[0]!r} (chỉ dùng [[override]])")
        entries = data.get("override", [])
        if not isinstance(entries, list):
            raise fail("'override' phải là một mảng bảng [[override]]")
        days_off: dict[date, str] = {}
        working_days: set[date] = set()
        for number, entry in enumerate(entries, start=1):
            where = f"[[override]] thứ {number}"
            if not isinstance(entry, dict):
                raise fail(f"{where}: phải là một bảng")
            extra = sorted(set(entry) - {"date", "kind", "reason"})
            if extra:
                raise fail(f"{where}: khóa không hợp lệ {extra[0]!r} (chỉ dùng date, kind, reason)")
            day = _parse_date(entry.get("date"))
            if day is None:
                raise fail(f"{where}: date phải là một ngày dạng 2026-01-02, "
                           f"không phải {entry.get('date')!r}")
            kind = entry.get("kind")
            if kind not in _KINDS:
                raise fail(f"{where}: kind phải là \"day_off\" hoặc \"working_day\", "
                           f"không phải {kind!r}")
            reason = entry.get("reason", "")
            if not isinstance(reason, str):
                raise fail(f"{where}: reason phải là chuỗi")
            if day in days_off or day in working_days:
                raise fail(f"{where}: ngày {day.isoformat()} đã khai báo ở một mục trước")
            if kind == "day_off":
                days_off[day] = reason.strip()
            else:
                working_days.add(day)
        return cls(hours, days_off=days_off, working_days=working_days)

    # --- days -------------------------------------------------------------------------------

    def _year(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        """National days off (with names) and make-up working days of one year, cached."""
        info = self._years.get(year)
        if info is None:
            national = holidays.country_holidays("VN", years=year, language="vi")
            names = {d: name for d, name in national.items() if d.year == year}
            workdays = frozenset(d for d in national.weekend_workdays if d.year == year)
            info = self._years[year] = (names, workdays)
        return info

    def is_working_day(self, d: date) -> bool:
        """True for weekdays that are not national days off, make-up working days and local
        working days; local days off are never working days."""
        if d in self._days_off:
            return False
        if d in self._working_days:
            return True
        names, workdays = self._year(d.year)
        if d in workdays:
            return True
        return d.weekday() < 5 and d not in names

    def holiday_name(self, d: date) -> str | None:
        """Vietnamese name of the day off (or its local reason); None on working days and plain weekends."""
        if d in self._days_off:
            return self._days_off[d]
        if d in self._working_days:
            return None
        names, workdays = self._year(d.year)
        if d in workdays:
            return None
        return names.get(d)

    def _next_working_day(self, d: date) -> date:
        """`d` itself if it is a working day, else the first working day after it."""
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_working_day(d):
                return d
            d += _DAY
        raise InvalidInput(
            f"Không có ngày làm việc nào trong {_MAX_SEARCH_DAYS} ngày tính đến {d.isoformat()}")

    # --- instants ---------------------------------------------------------------------------

    def next_working_instant(self, t: datetime) -> datetime:
        """`t` if it is inside a working session, else the start of the next session."""
        d = t.date()
        if self.is_working_day(d):
            midnight = _midnight(d)
            tod = t - midnight
            for start, end in self._sessions:
                if tod < end:
                    return t if tod >= start else midnight + start
        return _midnight(self._next_working_day(d + _DAY)) + self._first_start

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The earliest instant `minutes` working minutes after `start` (a session end if it ends there).

        With 0 minutes the result is `next_working_instant(start)`.
        """
        if minutes < 0:
            raise InvalidInput(f"Số phút làm việc không được âm: {minutes}")
        t = self.next_working_instant(start)
        remaining = timedelta(minutes=minutes)
        if not remaining:
            return t
        midnight = _midnight(t.date())
        tod = t - midnight
        while True:
            if tod == self._first_start and remaining > self._day_length:
                remaining -= self._day_length  # the whole day is used: skip it
            else:
                for s, e in self._sessions:
                    if tod >= e:
                        continue
                    tod = max(tod, s)
                    available = e - tod
                    if remaining <= available:
                        return midnight + tod + remaining
                    remaining -= available
                    tod = e
            midnight = _midnight(self._next_working_day(midnight.date() + _DAY))
            tod = self._first_start

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Working minutes in [a, b) (whole minutes, rounded toward zero); negative if b < a."""
        if b < a:
            return -self.working_minutes_between(b, a)
        total = timedelta()
        d, last = a.date(), b.date()
        while d <= last:
            if self.is_working_day(d):
                midnight = _midnight(d)
                if a <= midnight + self._first_start and midnight + self._last_end <= b:
                    total += self._day_length
                else:
                    for s, e in self._sessions:
                        low, high = max(a, midnight + s), min(b, midnight + e)
                        if high > low:
                            total += high - low
            d += _DAY
        return total // _MINUTE

    # --- appointments -----------------------------------------------------------------------

    def appointment(self, received: datetime, duration: float, unit: DurationUnit,
                    same_day_cutoff: time | None = None) -> datetime:
        """Appointment date (ngày hẹn trả) for a dossier received at `received`.

        Counting starts at `next_working_instant(received)`. Working days and hours count working
        time; calendar days land at the close of the first working day on or after the target date.
        A same-day case (`same_day_cutoff`, e.g. 15:00) is due at the close of the day counting
        starts if it starts before the cut-off, else at the close of the next working day.
        """
        if same_day_cutoff is not None:
            start = self.next_working_instant(received)
            day = start.date() if start.time() < same_day_cutoff else self._next_working_day(start.date() + _DAY)
            return _midnight(day) + self._last_end
        try:
            unit = DurationUnit(unit)
        except ValueError:
            raise InvalidInput(f"Đơn vị thời hạn không hợp lệ: {unit!r}") from None
        if not isinstance(duration, (int, float)) or math.isnan(duration) or math.isinf(duration) \
                or duration < 0:
            raise InvalidInput(f"Thời hạn giải quyết không hợp lệ: {duration!r}")
        start = self.next_working_instant(received)
        if unit is DurationUnit.WORKING_DAYS:
            return self.add_working_minutes(start, round(duration * self.hours.minutes_per_day))
        if unit is DurationUnit.HOURS:
            return self.add_working_minutes(start, round(duration * 60))
        target = self._next_working_day(start.date() + timedelta(days=math.ceil(duration)))
        return _midnight(target) + self._last_end

    def resume_after_pause(self, due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
        """New appointment date after a supplement pause: the working time left when paused is kept.

        A dossier that was already overdue when paused keeps its (past) appointment date.
        """
        if resumed_at < paused_at:
            raise InvalidInput("Thời điểm tiếp tục xử lý không được trước thời điểm tạm dừng")
        if paused_at > due:
            return due
        remaining = max(0, self.working_minutes_between(self.next_working_instant(paused_at), due))
        return self.add_working_minutes(self.next_working_instant(resumed_at), remaining)

    def timeliness(self, due: datetime, now: datetime,
                   finished_at: datetime | None = None) -> Timeliness:
        """Timeliness of a dossier: EARLY/ON_TIME/LATE once finished, else IN_TIME/DUE_SOON/OVERDUE.

        Due soon means at most one working day of working time left.
        """
        if finished_at is not None:
            return result_timeliness(due, finished_at)
        if now > due:
            return Timeliness.OVERDUE
        if self.working_minutes_between(now, due) <= self.hours.minutes_per_day:
            return Timeliness.DUE_SOON
        return Timeliness.IN_TIME


def result_timeliness(due: datetime, done: datetime) -> Timeliness:
    """Trước hạn (a day or more before the due date), đúng hạn (by the due time) or quá hạn."""
    if done.date() < due.date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME if done <= due else Timeliness.LATE


def _parse_date(value: object) -> date | None:
    """A TOML date or an ISO date string as a date; None for anything else (datetimes included)."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
