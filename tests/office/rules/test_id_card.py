"""The QR of a chip ID card (DESIGN.md §3.10): read at the counter, refused as a receipt."""
from datetime import date

import pytest

from devices.decoders import validate
from office.errors import IdentityCardScanned, InvalidInput
from office.rules.codes import parse_scan
from office.rules.identity import IdentityCard, looks_like_id_card, parse_id_card

# Sample texts in the shapes printed by the card generations in use (synthetic people).
CCCD_2021 = "001099012345|023456789|Nguyễn Thị Thanh Hương|15031990|Nữ|Số 12 ngõ 34 phố Hoàng Hoa Thám, Phường Thụy Khuê, Quận Tây Hồ, Hà Nội|20072021"  # noqa: E501
CCCD_NO_OLD_ID = "079203004567||Trần Văn Bảo|01012003|Nam|Tổ 5, Ấp Phước Hòa, Xã Tân Phú, Huyện Cần Giờ, TP. Hồ Chí Minh|10042022"  # noqa: E501
CAN_CUOC_2024 = "038185000123|038185000123|Lê Quang Vinh|29021984|Nam|Thôn Đông, Xã Quảng Phú, Tỉnh Thanh Hóa|05072024|"  # noqa: E501
NO_ISSUE_DATE = "001099012345|023456789|Phạm Minh Đức|31121999|nam|Số 1 Tràng Tiền, Hà Nội"
DECOMPOSED = "001099012345||Nguye\u0302\u0303n Văn An|15031990|Nam|Hà Nội|20072021"


def test_a_2021_card_gives_every_field():
    card = parse_id_card(CCCD_2021)
    assert card == IdentityCard("001099012345", "023456789", "Nguyễn Thị Thanh Hương", date(1990, 3, 15), "Nữ",
                                "Số 12 ngõ 34 phố Hoàng Hoa Thám, Phường Thụy Khuê, Quận Tây Hồ, Hà Nội",
                                date(2021, 7, 20))


@pytest.mark.parametrize(("text", "old_id", "sex", "issued"), [
    (CCCD_NO_OLD_ID, "", "Nam", date(2022, 4, 10)),
    (CAN_CUOC_2024, "038185000123", "Nam", date(2024, 7, 5)),  # trailing separator of newer cards
    (NO_ISSUE_DATE, "023456789", "Nam", None),  # an older layout without the issue date
])
def test_card_generations_differ_in_the_optional_fields(text, old_id, sex, issued):
    card = parse_id_card(text)
    assert (card.old_id, card.sex, card.issued) == (old_id, sex, issued)
    assert looks_like_id_card(text)


def test_names_are_normalised_to_nfc():
    assert parse_id_card(DECOMPOSED).name == "Nguyễn Văn An"


@pytest.mark.parametrize(("text", "says"), [
    ("001099012345|023456789|Nguyễn Văn A|15031990|Nam", "không đủ thông tin"),
    ("00109901234|023456789|Nguyễn Văn A|15031990|Nam|Hà Nội|20072021", "12 chữ số"),
    ("001099012345|0234567|Nguyễn Văn A|15031990|Nam|Hà Nội|20072021", "CMND cũ"),
    ("001099012345|023456789||15031990|Nam|Hà Nội|20072021", "họ và tên"),
    ("001099012345|023456789|Nguyễn Văn A|31021990|Nam|Hà Nội|20072021", "ngày sinh"),
    ("001099012345|023456789|Nguyễn Văn A|1990-03-15|Nam|Hà Nội|20072021", "ngày sinh"),
    ("001099012345|023456789|Nguyễn Văn A|15031990|X|Hà Nội|20072021", "giới tính"),
    ("001099012345|023456789|Nguyễn Văn A|15031990|Nam||20072021", "địa chỉ"),
    ("001099012345|023456789|Nguyễn Văn A|15031990|Nam|Hà Nội|2007202", "ngày cấp"),
    ("001099012345|023456789|Nguyễn Văn A|15031990|Nam|Hà Nội|20071980", "trước ngày sinh"),
])
def test_malformed_cards_are_refused_with_the_field_named(text, says):
    with pytest.raises(InvalidInput, match=says):
        parse_id_card(text)


@pytest.mark.parametrize("text", [CCCD_2021, CCCD_NO_OLD_ID, CAN_CUOC_2024,
                                  "001099012345|023456789|Nguyễn Văn A|31021990|Nam|Hà Nội|20072021"])
def test_a_card_is_never_taken_for_a_receipt_and_never_echoed(text):
    with pytest.raises(IdentityCardScanned) as refused:
        parse_scan(text)
    assert str(refused.value) == "Đây là thẻ CCCD, không phải biên nhận hồ sơ"
    assert validate("qr", text) is None  # a camera frame: refused and never kept
    scan = validate("keyboard", text, cards=True)  # the wedge scanner: the counter reads it, the kiosk refuses it
    assert scan.kind == "id_card" and scan.code == "" and scan.secret is None
    assert "001099012345" not in repr(scan) and "079203004567" not in repr(scan)


@pytest.mark.parametrize("text", ["000.31.20.H56-261123-0001|123456", "000.31.20.H56-261123-0001",
                                  "123456789012|abc", "Nguyễn|Văn|A|B|C|D"])
def test_receipts_and_other_texts_are_not_cards(text):
    assert not looks_like_id_card(text)
