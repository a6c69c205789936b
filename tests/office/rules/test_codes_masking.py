"""Pure rules: dossier codes, lookup secrets, masking of personal data."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from office.errors import InvalidInput
from office.rules.codes import (
    DossierCode,
    check_secret,
    format_dossier_code,
    new_lookup_secret,
    parse_dossier_code,
    parse_scan,
    receipt_qr_payload,
)
from office.rules.masking import mask_name
from office.text import nfc

AGENCY = "000.31.20.H56"

# ---- dossier codes ------------------------------------------------------------------------


def test_format_example():
    assert format_dossier_code("000.17.22.H56", date(2021, 5, 31), 1) == "000.17.22.H56-210531-0001"
    assert format_dossier_code(AGENCY, date(2026, 11, 23), 12345) == "000.31.20.H56-261123-12345"


agencies = st.lists(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6),
                    min_size=2, max_size=6).map(".".join)


@settings(max_examples=200)
@given(agency=agencies, day=st.dates(date(2000, 1, 1), date(2068, 12, 31)),
       seq=st.integers(1, 999_999_999))
def test_parse_format_round_trip(agency, day, seq):
    code = format_dossier_code(agency, day, seq)
    parsed = parse_dossier_code(code)
    assert parsed == DossierCode(agency, day, seq)
    assert str(parsed) == code
    assert parse_dossier_code(code.lower()) == parsed
    assert parse_dossier_code(f"  {code}\r\n") == parsed


@pytest.mark.parametrize("bad", [
    "000.31.20.H56-261301-0001",  # month 13
    "000.31.20.H56-260230-0001",  # 30 February
    "000.31.20.H56-260100-0001",  # day 0
])
def test_invalid_dates_rejected(bad):
    with pytest.raises(InvalidInput, match="ngày"):
        parse_dossier_code(bad)


@pytest.mark.parametrize("bad", [
    "", "   ", "hello", "000.31.20.H56", "000.31.20.H56-260302", "000.31.20.H56-260302-001",
    "000.31.20.H56-2603020-0001", "H56-260302-0001", "000.31.20.H56_260302_0001",
    "000.31.20.H56-260302-0001-7", "000.31.20.H56-260302-00a1", "000.31.20.Ḧ56-260302-0001",
    "000.31.20.H56-260302-0001|123456", "x" * 500, "000.31.20.H56-260302-1234567890",
])
def test_garbage_codes_rejected(bad):
    with pytest.raises(InvalidInput):
        parse_dossier_code(bad)


def test_error_message_is_short():
    with pytest.raises(InvalidInput) as e:
        parse_dossier_code("y" * 10_000)
    assert len(e.value.message) < 100


def test_lookup_secret():
    values = [new_lookup_secret() for _ in range(200)]
    assert all(len(v) == 6 and v.isdigit() for v in values)
    assert len(set(values)) > 190
    assert check_secret(" 012345 ") == "012345"
    for bad in ("", "12345", "1234567", "12a456", "١٢٣٤٥٦"):
        with pytest.raises(InvalidInput):
            check_secret(bad)


def test_parse_scan():
    code = f"{AGENCY}-260302-0042"
    assert parse_scan(code) == (code, None)
    assert parse_scan(receipt_qr_payload(code, "012345")) == (code, "012345")
    assert parse_scan(f"{code.lower()}|012345\r\n") == (code, "012345")
    assert receipt_qr_payload(code, "012345") == f"{code}|012345"
    # the lookup page's address (receipts printed from issue 18 on), any host
    assert parse_scan(f"https://motcua.tanphu.gov.vn/tra-cuu#{code}.012345") == (code, "012345")
    assert parse_scan(f" HTTP://10.0.0.5:8000/kiosk/tra-cuu#{code.lower()}.012345\n") == (code, "012345")
    for bad in ("", "garbage", f"{code}|", f"{code}|12", f"{code}|abcdef", f"x|{code}",
                "|012345", f"{code}|012345|9", "http://example.com/?id=001203004567",
                f"https://x.vn/tra-cuu#{code}", f"https://x.vn/tra-cuu#{code}.01234", f"https://x.vn/tra-cuu#{code}|012345",
                f"https://x.vn/tra-cuu?id=1#{code}.012345", f"https://x.vn/lookup#{code}.012345",
                f"ftp://x.vn/tra-cuu#{code}.012345", f"https://x.vn/tra-cuu#{code}.012345#2"):
        with pytest.raises(InvalidInput):
            parse_scan(bad)


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_parse_scan_only_accepts_valid_payloads(text):
    try:
        code, secret = parse_scan(text)
    except InvalidInput:
        return
    assert str(parse_dossier_code(code)) == code
    assert secret is None or (len(secret) == 6 and secret.isdigit())


# ---- masking ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, masked", [
    ("Nguyễn Văn An", "Nguyễn V*** A*"),
    ("Trần Thị Ngọc Ánh", "Trần T*** N*** Á*"),
    ("Lê Hoa", "Lê H*"),
    ("  Phạm   Minh  ", "Phạm M*"),
    ("Hùng", "H*"),
    ("", ""),
    ("   ", ""),
    # a leading honorific is not the family name: it goes before masking
    ("Ông Nguyễn Văn An", "Nguyễn V*** A*"),
    ("bà Trần Thị Mai", "Trần T*** M*"),
    ("Anh Lê Hoàng Nam", "Lê H*** N*"),
    ("CHỊ Phạm Thu Hà", "Phạm T*** H*"),
    ("Ông/Bà Đỗ Văn Tư", "Đỗ V*** T*"),
    ("Ông Bà Lý Thị Tám", "Lý T*** T*"),
    ("Anh Tuấn", "Anh T*"),            # two words: "Anh" is the name itself
    ("Nguyễn Anh Bà", "Nguyễn A*** B*"),  # only a leading honorific goes
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("code", ["000.31.20.H56-260302-0000", "000.31.20.H56-260302-00000"])
def test_sequence_zero_is_refused(code):
    with pytest.raises(InvalidInput, match="số thứ tự 0"):
        parse_dossier_code(code)
    with pytest.raises(InvalidInput):
        format_dossier_code("000.31.20.H56", date(2026, 3, 2), 0)


def test_long_dates_follow_nd_30_2020():
    from office.text import long_day, long_moment
    assert long_day(date(2026, 12, 2)) == "ngày 02 tháng 12 năm 2026"
    assert long_day(date(2026, 3, 9)) == "ngày 09 tháng 3 năm 2026"   # months from 3 on: no leading zero
    assert long_day(date(2026, 2, 15)) == "ngày 15 tháng 02 năm 2026"  # months 1 and 2: a leading zero
    assert long_moment(datetime(2026, 1, 5, 8, 0)) == "08 giờ 00 phút, ngày 05 tháng 01 năm 2026"


def test_mask_name_normalises_nfd():
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    assert nfd != "Nguyễn Văn Ánh"
    out = mask_name(nfd)
    assert out == "Nguyễn V*** Á*"
    assert unicodedata.is_normalized("NFC", out)
    assert nfc(nfd) == "Nguyễn Văn Ánh"


@given(st.lists(st.sampled_from(["Nguyễn", "Văn", "Thị", "Hoàng", "Quốc", "Bảo", "Ngọc", "Ưng"]),
                min_size=2, max_size=6))
def test_mask_name_hides_length_of_given_names(words):
    name = " ".join(words)
    out = mask_name(name)
    assert out.split()[0] == words[0]
    assert out.endswith("*") and name not in out
    # same number of words with the same initials → same mask, whatever the word lengths
    assert out == mask_name(" ".join([words[0], *(w[0] + "x" * 7 for w in words[1:])]))
