"""How the office writes and reads text, money, dates and durations — one place for each
convention (Vietnamese first): NFC text, accent-free folding for search, "8.000 đồng",
dd/mm/yyyy dates, 0912345678 phone numbers, "08:30 02/03/2026" moments and "5 ngày làm việc" durations.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from office.model import DurationUnit

DAY = "%d/%m/%Y"
CLOCK = "%H:%M"
# unit → (Vietnamese, English) words after the number
# Vietnamese numbers since 2018: mobile 10 digits 03x/05x/07x/08x/09x, landline 11 digits 02x
_PHONE = re.compile(r"0[35789]\d{8}|02\d{9}", re.ASCII)
PHONE_HINT = "di động 10 chữ số (03…, 05…, 07…, 08…, 09…) hoặc cố định 11 chữ số (02…)"
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


def phone(text: str) -> str | None:
    """A Vietnamese mobile or landline number as its digits ("+84 912 345 678" → "0912345678"),
    or None when the text is not one."""
    digits = re.sub(r"[\s.()-]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _PHONE.fullmatch(digits) else None


def figure(value) -> str:
    """A report's figure: 1034, 66,7 (one decimal, decimal comma), "–" when there is none."""
    return "–" if value is None else (f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value))


def day(value: date | datetime) -> str:
    """02/03/2026."""
    return value.strftime(DAY)


def moment(value: datetime, date_first: bool = False) -> str:
    """"08:30 02/03/2026" (or "02/03/2026 08:30" with `date_first`, as a ticket prints it)."""
    return value.strftime(f"{DAY} {CLOCK}" if date_first else f"{CLOCK} {DAY}")


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
