"""Ticket layout: 1-bit, profile width, Vietnamese text, rating QR with no personal data."""
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
import zxingcpp

from devices.decoders import validate
from devices.ticket_render import TicketInfo, parse_rating_qr, rating_qr_payload, render_ticket
from office.errors import InvalidInput

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "tickets"
INFO = TicketInfo("Trung tâm Phục vụ hành chính công xã Tân Phú", "A102", "Hộ tịch – Chứng thực",
                  ("Quầy 1", "Quầy 2"), datetime(2026, 3, 2, 8, 15), 5, 14, "Người cao tuổi",
                  rating_token="K7M2Q9XD")


def qr_texts(img):
    return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


@pytest.mark.parametrize("width", [512, 576, 384])
def test_ticket_fits_profile_width_and_carries_rating_qr(width):
    img = render_ticket(INFO, width)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    img.save(ARTIFACTS / f"ticket-{width}.png")
    assert img.mode == "1" and img.width == width and 500 < img.height < 1100
    assert qr_texts(img) == ["RATE|A102|2026-03-02|K7M2Q9XD"]


def test_long_service_name_wraps_and_reprint_is_marked():
    info = TicketInfo("UBND xã", "B1234", "Đất đai – Đăng ký biến động, cấp đổi Giấy chứng nhận quyền "
                      "sử dụng đất và tài sản gắn liền với đất", (), datetime(2026, 3, 2, 14, 5), 0, 0,
                      reprint=True, rating_token="ZZ23AB45")
    img = render_ticket(info)
    img.save(ARTIFACTS / "ticket-long-reprint.png")
    assert img.width == 512 and qr_texts(img) == ["RATE|B1234|2026-03-02|ZZ23AB45"]


def test_a_ticket_without_a_rating_token_prints_no_rating_qr():
    from dataclasses import replace
    assert qr_texts(render_ticket(replace(INFO, rating_token=""))) == []


def test_rating_qr_round_trip_and_rejects_other_text():
    token = "K7M2Q9XD"
    assert parse_rating_qr(rating_qr_payload("A007", date(2026, 3, 2), token)) == ("A007", date(2026, 3, 2), token)
    assert parse_rating_qr(" rate|a007|2026-03-02|k7m2q9xd ") == ("A007", date(2026, 3, 2), token)
    for bad in ("RATE|A007", "RATE|A007|2026-03-02", "RATE|A007|2026-02-30|K7M2Q9XD", "RATE|A007|2026-03-02|K7M2",
                "001203004567|Nguyễn Văn An", ""):
        with pytest.raises(InvalidInput):
            parse_rating_qr(bad)


def test_with_the_hub_address_the_qr_opens_the_ticket_page_and_the_kiosk_still_reads_it():
    token = "K7M2Q9XD"
    info = replace(INFO, rating_token=token, hub_url="http://192.168.1.10:8470")
    url = f"http://192.168.1.10:8470/phieu/{info.issued_at:%Y-%m-%d}/{info.number}/{token}"
    assert qr_texts(render_ticket(info)) == [url]
    # Highest error correction even with the longer address: a glare may wipe out 30 % of it.
    assert [r.ec_level for r in zxingcpp.read_barcodes(render_ticket(info).convert("L"))] == ["H"]
    assert parse_rating_qr(url) == (info.number, info.issued_at.date(), token)
    assert validate("qr", url).kind == "ticket"
