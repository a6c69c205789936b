"""Identity papers shown at the counter, and accent-insensitive matching of Vietnamese names."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

from office.errors import InvalidInput
from office.text import clean, fold, nfc

# id_type → (Vietnamese label, pattern of the number, how to write it)
ID_TYPES: dict[str, tuple[str, str, str]] = {
    "CCCD": ("Thẻ căn cước / Căn cước công dân", r"\d{12}", "12 chữ số"),
    "CMND": ("Chứng minh nhân dân", r"\d{9}|\d{12}", "9 hoặc 12 chữ số"),
    "HC": ("Hộ chiếu", r"[A-Z]{1,2}\d{7}", "1–2 chữ cái và 7 chữ số, ví dụ C1234567"),
    "MST": ("Mã số thuế (doanh nghiệp, tổ chức)", r"\d{10}(-\d{3})?", "10 chữ số, hoặc 10-3 chữ số"),
}


def id_type_label(id_type: str) -> str:
    """The Vietnamese name of a kind of identity paper (the code itself when unknown)."""
    return ID_TYPES.get(id_type, (id_type,))[0]


def check_id_number(id_type: str, id_number: str) -> str:
    """The number without spaces (letters upper-cased) if it fits its paper type (ASCII digits and
    letters only); else InvalidInput."""
    number = "".join(id_number.split()).upper()
    if id_type not in ID_TYPES:
        raise InvalidInput(f"Loại giấy tờ {id_type!r} không hợp lệ; chọn một trong: {', '.join(ID_TYPES)}")
    label, pattern, hint = ID_TYPES[id_type]
    if not re.fullmatch(pattern, number, re.ASCII):  # "١٢٣" and "１２３" are digits, but not on a paper
        raise InvalidInput(f"Số {label} không hợp lệ: cần {hint}")
    return number


# ---- the QR on the front of a chip ID card (DESIGN.md §3.10) ----------------------------------

ID_CARD_SEPARATOR = "|"
SEXES = {"nam": "Nam", "nu": "Nữ"}  # folded → as written
_ID12 = re.compile(r"\d{12}", re.ASCII)
_OLD_ID = re.compile(r"(\d{9}|\d{12})?", re.ASCII)
_DDMMYYYY = re.compile(r"\d{8}", re.ASCII)
ID_CARD_START = re.compile(r"\d{12}\|(?:[^|]*\|){3}", re.ASCII)  # where a card's QR text begins in a field


class IdentityCard(NamedTuple):
    """What the QR of a chip ID card (CCCD / thẻ căn cước) says about its holder."""

    id_number: str
    old_id: str  # the old CMND number, "" when the card has none
    name: str
    birth_date: date
    sex: str  # "Nam" | "Nữ"
    address: str
    issued: date | None  # absent on some card generations


def looks_like_id_card(text: str) -> bool:
    """Whether a scanned text has the shape of an ID card QR: 12 digits, then pipe-separated fields.
    Cheap, and true for malformed cards too (so they are refused as cards, not as receipts)."""
    first, sep, rest = text.strip().partition(ID_CARD_SEPARATOR)
    return bool(sep) and _ID12.fullmatch(first) is not None and rest.count(ID_CARD_SEPARATOR) >= 3


def parse_id_card(text: str) -> IdentityCard:
    """Read the QR text of a chip ID card: `ID|old ID|name|ddmmyyyy|sex|address|ddmmyyyy`.
    Defensive: trailing fields beyond the seventh are ignored and the issue date may be missing
    (card generations differ); anything else out of shape → InvalidInput naming the field."""
    fields = [clean(f) for f in nfc(text.strip()).split(ID_CARD_SEPARATOR)]
    if len(fields) < 6:
        raise InvalidInput(f"Mã QR thẻ căn cước không đủ thông tin ({len(fields)} trường, cần ít nhất 6)")
    id_number, old_id, name, born, sex, address = fields[:6]
    if not _ID12.fullmatch(id_number):
        raise InvalidInput("Mã QR thẻ căn cước: số định danh cần 12 chữ số")
    if not _OLD_ID.fullmatch(old_id):
        raise InvalidInput("Mã QR thẻ căn cước: số CMND cũ cần 9 hoặc 12 chữ số")
    if not name or any(c.isdigit() for c in name):
        raise InvalidInput("Mã QR thẻ căn cước: họ và tên không hợp lệ")
    if fold(sex) not in SEXES:
        raise InvalidInput("Mã QR thẻ căn cước: giới tính không hợp lệ")
    if not address:
        raise InvalidInput("Mã QR thẻ căn cước: thiếu địa chỉ thường trú")
    birth_date = _card_date(born, "ngày sinh")
    issued = _card_date(fields[6], "ngày cấp") if len(fields) > 6 and fields[6] else None
    if issued is not None and issued < birth_date:
        raise InvalidInput("Mã QR thẻ căn cước: ngày cấp trước ngày sinh")
    return IdentityCard(id_number, old_id, name, birth_date, SEXES[fold(sex)], address, issued)


def _card_date(text: str, what: str) -> date:
    try:
        if _DDMMYYYY.fullmatch(text):
            return datetime.strptime(text, "%d%m%Y").date()
    except ValueError:
        pass
    raise InvalidInput(f"Mã QR thẻ căn cước: {what} không hợp lệ (cần ngàythángnăm, 8 chữ số)")
