"""How the office writes and reads text, money, dates and durations — one place for each
convention (Vietnamese first): NFC text, accent-free folding for search, "8.000 đồng",
dd/mm/yyyy dates, "08:30 02/03/2026" moments, the long dates of official documents ("ngày 02
tháng 3 năm 2026") and "5 ngày làm việc" durations.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime

from office.model import DurationUnit

DAY = "%d/%m/%Y"
CLOCK = "%H:%M"
# unit → (Vietnamese, English) words after the number
DURATION_WORDS = {
    DurationUnit.WORKING_DAYS: ("ngày làm việc", "working days"),
    DurationUnit.CALENDAR_DAYS: ("ngày", "days"),
    DurationUnit.HOURS: ("giờ làm việc", "working hours"),
}


def nfc(text: str) -> str:
    """Unicode NFC form: one code point per Vietnamese letter."""
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    """NFC with runs of white space collapsed to one space and the ends trimmed."""
    return " ".join(nfc(text).split())


def fold(text: str) -> str:
    """Lower case without diacritics and with single spaces, for searching: "Nguyễn  Đức" → "nguyen duc"."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def money(vnd: int) -> str:
    """12000 → "12.000 đồng" (dot as the thousands separator)."""
    return f"{vnd:,}".replace(",", ".") + " đồng"


def day(value: date | datetime) -> str:
    """02/03/2026."""
    return value.strftime(DAY)


def moment(value: datetime, date_first: bool = False) -> str:
    """"08:30 02/03/2026" (or "02/03/2026 08:30" with `date_first`, as a ticket prints it)."""
    return value.strftime(f"{DAY} {CLOCK}" if date_first else f"{CLOCK} {DAY}")


def long_day(value: date | datetime) -> str:
    """"ngày 02 tháng 3 năm 2026", as NĐ 30/2020 writes dates in documents: a day below 10 and
    the months 1 and 2 take a leading zero, other months do not."""
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def long_moment(value: datetime) -> str:
    """"08 giờ 00 phút, ngày 02 tháng 3 năm 2026"."""
    return f"{value:%H} giờ {value:%M} phút, {long_day(value)}"


def duration(amount: float, unit: DurationUnit, lang: str = "vi") -> str:
    """"5 ngày làm việc" / "5 working days"."""
    vi, en = DURATION_WORDS[DurationUnit(unit)]
    return f"{amount:g} {vi if lang == 'vi' else en}"


def parse_day(text: str) -> date | None:
    """A dd/mm/yyyy date typed by a person, or None when the text is not one."""
    try:
        return datetime.strptime(text.strip(), DAY).date()
    except ValueError:
        return None


def parse_moment(text: str, default_hour: int = 17) -> datetime | None:
    """A "dd/mm/yyyy HH:MM" typed by a person ("dd/mm/yyyy" alone: at `default_hour`), or None."""
    text = " ".join(text.split())
    try:
        return datetime.strptime(text, f"{DAY} {CLOCK}")
    except ValueError:
        found = parse_day(text)
        return datetime.combine(found, datetime.min.time()).replace(hour=default_hour) if found else None
