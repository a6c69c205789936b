"""Identity papers shown at the counter, and accent-insensitive matching of Vietnamese names."""
from __future__ import annotations

import re

from office.errors import InvalidInput

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
