"""Cleaning of what people type at the counter (names, ID numbers, phones, checklists, lists of
papers), shared by the dossier use cases: the text rules of `office.text` (NFC, no control or
bidi-override characters, collapsed spaces), InvalidInput in plain words."""
from __future__ import annotations

import re
from dataclasses import replace

from office.errors import InvalidInput
from office.model import Applicant, Collector, ReceivedComponent
from office.rules.identity import check_id_number
from office.text import checked, phone

_EMAIL_RE = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", re.ASCII)
MAX_PAGES = 9999


def clean_applicant(a: Applicant) -> Applicant:
    """An applicant (or representative) with a name, a known kind (1–3), spaces collapsed, an ID
    number that fits its paper type, a Vietnamese phone number (empty ones stay empty) and an
    e-mail address that looks like one (or none)."""
    name = checked(a.name, "Họ tên")
    if not name:
        raise InvalidInput("Thiếu họ tên người nộp hồ sơ")
    if not any(ch.isalpha() for ch in name):
        raise InvalidInput("Họ tên phải có chữ")
    if a.kind not in (1, 2, 3):
        raise InvalidInput("Loại đối tượng phải là 1, 2 hoặc 3")
    id_number = "".join(checked(a.id_number, "Số giấy tờ").split())
    if id_number:
        id_number = check_id_number(a.id_type, id_number)
    email = checked(a.email, "Thư điện tử").lower()
    if email and (len(email) > 254 or not _EMAIL_RE.fullmatch(email)):
        raise InvalidInput(f"Địa chỉ thư điện tử không hợp lệ: {email[:60]!r}")
    return replace(a, name=name, id_number=id_number, phone=phone(a.phone),
                   address=checked(a.address, "Địa chỉ"), email=email)


def clean_collector(c: Collector) -> Collector:
    """Who collects a result: a name, the applicant or a representative with the reference of
    the power of attorney, and an ID number that fits its paper type."""
    name = checked(c.name, "Họ tên người nhận")
    if not name:
        raise InvalidInput("Thiếu họ tên người nhận kết quả")
    if c.relation not in ("applicant", "representative"):
        raise InvalidInput("Người nhận phải là người nộp hồ sơ (applicant) hoặc người được ủy quyền "
                           "(representative)")
    id_number = "".join(checked(c.id_number, "Số giấy tờ").split())
    if not id_number:
        raise InvalidInput("Thiếu số giấy tờ tùy thân của người nhận kết quả")
    authorization = checked(c.authorization, "Giấy ủy quyền")
    if c.relation == "representative" and not authorization:
        raise InvalidInput("Người được ủy quyền phải xuất trình giấy ủy quyền (ghi số/ngày giấy ủy quyền)")
    return replace(c, name=name, id_number=check_id_number(c.id_type, id_number),
                   authorization=authorization)


def clean_components(components) -> tuple[ReceivedComponent, ...]:
    """A counter's checklist: every component named, 0–99 originals and copies, 0–9999 scanned
    pages; a component marked digitised (DuocSoHoa) has its scanned pages counted."""
    out = []
    for c in components:
        name = checked(c.name, "Tên thành phần hồ sơ")
        if not name:
            raise InvalidInput("Thành phần hồ sơ thiếu tên")
        if c.originals < 0 or c.copies < 0 or c.originals > 99 or c.copies > 99:
            raise InvalidInput(f"Số bản chính / bản sao của {name!r} phải từ 0 đến 99")
        if not 0 <= c.pages <= MAX_PAGES:
            raise InvalidInput(f"Số trang scan của {name!r} phải từ 0 đến {MAX_PAGES}")
        if c.digitized and not c.pages:
            raise InvalidInput(f"Thành phần {name!r} được đánh dấu số hóa: cần ghi số trang đã scan")
        out.append(ReceivedComponent(name, c.originals, c.copies, checked(c.note, "Ghi chú"), c.pages,
                                     bool(c.digitized), bool(c.reused)))
    return tuple(out)


def component_key(name: str) -> str:
    """A component name as compared with the catalogue (NFC, spaces collapsed, case folded)."""
    return checked(name, "Tên thành phần hồ sơ").casefold()


def clean_list(items) -> tuple[str, ...]:
    """A list of papers (one string counts as one item), no empty lines."""
    if isinstance(items, str):
        items = [items]
    out = tuple(checked(i, "Tên giấy tờ") for i in items)
    if any(not i for i in out):
        raise InvalidInput("Danh sách giấy tờ có dòng trống")
    return out
