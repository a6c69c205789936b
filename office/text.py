"""How the office writes and reads text, money, dates and durations — one place for each
convention (Vietnamese first): NFC text, what typed text may hold (`checked`, `checked_reason`, `phone`),
accent-free folding for search, "8.000 đồng", dd/mm/yyyy dates, 0912345678 phone numbers, report figures,
"08:30 02/03/2026" moments, the long dates of official documents ("ngày 02 tháng 3 năm 2026") and
"5 ngày làm việc" durations.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from office.errors import InvalidInput
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


# Bidirectional controls make a text read otherwise than it is stored ("Trojan Source"); the
# zero-width characters are invisible and only make equal names differ.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
# mobile: 10 digits from 03, 05, 07, 08, 09; landline: 11 digits from 02 (area code 02x/02xx)
_PHONE_RE = re.compile(r"0[35789]\d{8}|02\d{9}", re.ASCII)


def checked(value: str, what: str, *, lines: bool = False) -> str:
    """Typed text as the office keeps it: NFC, zero-width characters dropped, runs of spaces
    collapsed and the ends trimmed (with `lines`, line breaks are kept and each line trimmed).
    InvalidInput naming `what` for NUL and other control characters, lone surrogates,
    bidirectional overrides, or a text made of invisible characters only."""
    for ch in value:
        if ch not in "\t\n\r" and (unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS):
            raise InvalidInput(f"{what} chứa ký tự điều khiển không được phép (U+{ord(ch):04X})")
    visible = value.translate(_INVISIBLE)
    if value.strip() and not visible.strip():
        raise InvalidInput(f"{what} chỉ gồm ký tự vô hình")
    if not lines:
        return clean(visible)
    return "\n".join(clean(line) for line in visible.splitlines()).strip("\n")


def checked_reason(value: str, what: str, *, lines: bool = False) -> str:
    """A reason or note typed by a person: `checked`, and when given it must contain letters
    (not only digits, punctuation or symbols)."""
    text = checked(value, what, lines=lines)
    if text and not any(ch.isalpha() for ch in text):
        raise InvalidInput(f"{what} phải có chữ, không chỉ số hay ký hiệu")
    return text


def phone(value: str) -> str:
    """A Vietnamese phone number as its digits from the leading 0: a mobile (10 digits: 03x, 05x,
    07x, 08x, 09x) or a landline (11 digits: 02x…). "+84"/"84" counts as "0"; spaces, dots,
    dashes and brackets are ignored; "" stays "". Else InvalidInput."""
    digits = _PHONE_SEPARATORS.sub("", checked(value, "Số điện thoại"))
    if not digits:
        return ""
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not _PHONE_RE.fullmatch(digits):
        raise InvalidInput("Số điện thoại không hợp lệ: di động 10 số (03, 05, 07, 08, 09…) "
                           "hoặc cố định 11 số (02…)")
    return digits


def fold(text: str) -> str:
    """Lower case without diacritics and with single spaces, for searching: "Nguyễn  Đức" → "nguyen duc"."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def money(vnd: int) -> str:
    """12000 → "12.000 đồng" (dot as the thousands separator)."""
    return f"{vnd:,}".replace(",", ".") + " đồng"


def figure(value) -> str:
    """A report's figure: 1034, 66,7 (one decimal, decimal comma), "–" when there is none."""
    return "–" if value is None else (f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value))


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
