"""Cleaning of what people type at the counter (names, ID numbers, checklists, lists of papers),
shared by the dossier use cases: NFC text, collapsed spaces, InvalidInput in plain words."""
from __future__ import annotations

from dataclasses import replace

from office.errors import InvalidInput
from office.model import Applicant, Collector, ReceivedComponent
from office.rules.identity import check_id_number
from office.text import PHONE_HINT, clean, phone


def clean_applicant(a: Applicant) -> Applicant:
    """An applicant (or representative) with a name, a known kind (1–3), spaces collapsed, an
    ID number that fits its paper type and a Vietnamese phone number (empty ones stay empty)."""
    name = clean(a.name)
    if not name:
        raise InvalidInput("Thiếu họ tên người nộp hồ sơ")
    if a.kind not in (1, 2, 3):
        raise InvalidInput("Loại đối tượng phải là 1, 2 hoặc 3")
    id_number = "".join(a.id_number.split())
    if id_number:
        id_number = check_id_number(a.id_type, id_number)
    number = phone(a.phone) if a.phone.strip() else ""
    if number is None:
        raise InvalidInput(f"Số điện thoại {a.phone.strip()[:20]!r} không hợp lệ: cần {PHONE_HINT}")
    return replace(a, name=name, id_number=id_number, phone=number, address=clean(a.address))


def clean_collector(c: Collector) -> Collector:
    """Who collects a result: a name, the applicant or a representative with the reference of
    the power of attorney, and an ID number that fits its paper type."""
    name = clean(c.name)
    if not name:
        raise InvalidInput("Thiếu họ tên người nhận kết quả")
    if c.relation not in ("applicant", "representative"):
        raise InvalidInput("Người nhận phải là người nộp hồ sơ (applicant) hoặc người được ủy quyền "
                           "(representative)")
    if not "".join(c.id_number.split()):
        raise InvalidInput("Thiếu số giấy tờ tùy thân của người nhận kết quả")
    authorization = clean(c.authorization)
    if c.relation == "representative" and not authorization:
        raise InvalidInput("Người được ủy quyền phải xuất trình giấy ủy quyền (ghi số/ngày giấy ủy quyền)")
    return replace(c, name=name, id_number=check_id_number(c.id_type, c.id_number),
                   authorization=authorization)


def clean_components(components) -> tuple[ReceivedComponent, ...]:
    """A counter's checklist: every component named, 0–99 originals and copies."""
    out = []
    for c in components:
        name = clean(c.name)
        if not name:
            raise InvalidInput("Thành phần hồ sơ thiếu tên")
        if c.originals < 0 or c.copies < 0 or c.originals > 99 or c.copies > 99:
            raise InvalidInput(f"Số bản chính / bản sao của {name!r} phải từ 0 đến 99")
        out.append(ReceivedComponent(name, c.originals, c.copies, clean(c.note)))
    return tuple(out)


def component_key(name: str) -> str:
    """A component name as compared with the catalogue (NFC, spaces collapsed, case folded)."""
    return clean(name).casefold()


def clean_list(items) -> tuple[str, ...]:
    """A list of papers (one string counts as one item), no empty lines."""
    if isinstance(items, str):
        items = [items]
    out = tuple(clean(i) for i in items)
    if any(not i for i in out):
        raise InvalidInput("Danh sách giấy tờ có dòng trống")
    return out
