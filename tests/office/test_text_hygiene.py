"""L1: what typed text may hold, checked in the core (office/text.py) for every caller: no NUL,
control or bidi-override characters, no text of invisible characters only, NFC, ASCII digits for
ID numbers, Vietnamese phone numbers, reasons with letters."""
from __future__ import annotations

import unicodedata

import pytest
from office_support import OFFICER, applicant

from office.errors import InvalidInput
from office.model import Collector
from office.text import checked, checked_reason, phone

SNEAKY = {
    "NUL": "Nguyễn\x00Văn A",
    "escape": "Nguyễn Văn A\x1b[2J",
    "bell": "Lê\x07Thị B",
    "right-to-left override": "Trần \u202eVăn C",
    "left-to-right isolate": "Phạm \u2066Thị D",
    "lone surrogate": "Hoàng \ud800E",
}


@pytest.mark.parametrize("name", SNEAKY)
def test_control_and_bidi_characters_are_refused(name):
    with pytest.raises(InvalidInput, match="ký tự điều khiển"):
        checked(SNEAKY[name], "Họ tên")


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u200c\u200d", " \ufeff \u2060 "])
def test_a_text_of_invisible_characters_only_is_refused(invisible):
    with pytest.raises(InvalidInput, match="vô hình"):
        checked(invisible, "Lý do")


def test_text_is_nfc_with_invisible_characters_dropped_and_spaces_collapsed():
    decomposed = unicodedata.normalize("NFD", "  Nguyễn\u200b  Thị\tHồng  ")
    assert checked(decomposed, "Họ tên") == "Nguyễn Thị Hồng"
    assert checked("dòng 1  \n\n  dòng\u00a02 ", "Ghi chú", lines=True) == "dòng 1\n\ndòng 2"
    assert checked("", "Ghi chú") == ""


def test_a_reason_must_contain_letters():
    for bad in ("123", "...", "!!! ???", "0912 345"):
        with pytest.raises(InvalidInput, match="phải có chữ"):
            checked_reason(bad, "Lý do")
    assert checked_reason("Mất điện 2 giờ", "Lý do") == "Mất điện 2 giờ"
    assert checked_reason("", "Lý do") == ""


@pytest.mark.parametrize("typed, stored", [
    ("0912 345 678", "0912345678"), ("+84 912.345.678", "0912345678"), ("84912345678", "0912345678"),
    ("(024) 3825-1234", "02438251234"), ("0203 3812 345", "02033812345"), ("", ""),
    ("0912.345.678", "0912345678"), ("0356789012", "0356789012"), ("0589123456", "0589123456"),
    ("0701234567", "0701234567"), ("0812345678", "0812345678"), ("(0236) 382 1234", "02363821234"),
])
def test_vietnamese_phone_numbers(typed, stored):
    assert phone(typed) == stored


@pytest.mark.parametrize("bad", ["12345", "0112345678", "091234567", "09123456789", "0912３45678",
                                 "0912345678 ext", "02438251234567", "+1 415 555 0100",
                                 "0412345678", "0212345678", "1900 1234", "091234567a", "０９１２３４５６７８"])
def test_bad_phone_numbers_are_refused(bad):
    with pytest.raises(InvalidInput, match="Số điện thoại"):
        phone(bad)


def test_reception_applies_the_rules(svc):
    d = svc.receive_dossier("1.001193", "TH1", applicant(name=unicodedata.normalize("NFD", "Đỗ Thị Ánh"),
                                                        phone="+84 912 345 678"), OFFICER)
    assert d.applicant.name == "Đỗ Thị Ánh" and d.applicant.phone == "0912345678"
    before = svc.store.last_event_seq()
    for bad in (applicant(name="Trần\u202e Văn C"), applicant(name="\u200b\u200b"), applicant(name="12345"),
                applicant(id_number="٠٣٤٠٩٥٠٠٠٠٠١"), applicant(id_number="０３４０９５０００００１"),
                applicant(phone="12345"), applicant(address="Thôn 1\x00")):
        with pytest.raises(InvalidInput):
            svc.receive_dossier("1.001193", "TH1", bad, OFFICER)
    with pytest.raises(InvalidInput):
        svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER, summary="Khai sinh\x1b")
    assert svc.store.last_event_seq() == before  # nothing written


def test_reasons_across_use_cases_need_letters(svc):
    ticket = svc.issue_ticket("HT").ticket
    with pytest.raises(InvalidInput, match="phải có chữ"):
        svc.cancel_ticket(ticket.id, "???")
    with pytest.raises(InvalidInput, match="phải có chữ"):
        svc.pause_counter(1, "1234")
    with pytest.raises(InvalidInput, match="ký tự điều khiển"):
        svc.pause_counter(1, "Nghỉ\u202e trưa")
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    with pytest.raises(InvalidInput, match="phải có chữ"):
        svc.change_status(d.code, 4, OFFICER, "---")
    with pytest.raises(InvalidInput, match="phải có chữ"):
        svc.extend_due(d.code, d.due_at.replace(year=d.due_at.year + 1), "0", OFFICER)
    with pytest.raises(InvalidInput):
        svc.return_result(d.code, Collector("\u200b", "CCCD", "034095000001", "applicant"), OFFICER)
    svc.cancel_ticket(ticket.id, "Công dân về trước")

