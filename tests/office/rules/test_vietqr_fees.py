"""VietQR payloads (EMVCo TLV, NAPAS GUID, CRC-16/CCITT-FALSE) and the fee rules."""
from __future__ import annotations

from datetime import time

import pytest

from office.errors import Conflict, InvalidInput
from office.model import DossierStatus, DurationUnit, ProcedureCase
from office.rules.fees import check_payment, check_refund, fee_amount, fee_rule
from office.rules.vietqr import Transfer, crc16_ccitt_false, purpose_for, read_vietqr, vietqr_payload

S = DossierStatus


def test_crc_is_ccitt_false():
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogued check value of CRC-16/CCITT-FALSE
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_payload_field_by_field():
    payload = vietqr_payload("970415", "113366668888", 8000, "000.31.20.H56-260302-0001")
    # every TLV written out by hand: tag, 2-digit length, value
    body = ("000201" "010212"
            "3856" "0010A000000727" "0126" "0006970415" "0112113366668888" "0208QRIBFTTA"
            "5303704" "54048000" "5802VN"
            "6229" "0825000.31.20.H56-260302-0001"
            "6304")
    assert payload[:-4] == body
    assert payload[-4:] == f"{crc16_ccitt_false(body.encode()):04X}"
    assert read_vietqr(payload) == Transfer("970415", "113366668888", "QRIBFTTA", 8000, "704", "VN",
                                            "000.31.20.H56-260302-0001")


def test_a_changed_character_fails_the_crc():
    payload = vietqr_payload("970415", "113366668888", 8000, "ABC")
    for tampered in (payload.replace("8000", "9000"), payload[:-1] + ("0" if payload[-1] != "0" else "1"),
                     payload[:-8]):
        with pytest.raises(InvalidInput):
            read_vietqr(tampered)


@pytest.mark.parametrize("bank, account, amount, purpose", [
    ("97041", "1", 1, "x"), ("9704150", "1", 1, "x"), ("970415", "", 1, "x"), ("970415", "12 34", 1, "x"),
    ("970415", "1", 0, "x"), ("970415", "1", -5, "x"), ("970415", "1", 1, "Lệ phí"), ("970415", "1", 1, "x" * 26)])
def test_bad_transfers_are_refused(bank, account, amount, purpose):
    with pytest.raises(InvalidInput):
        vietqr_payload(bank, account, amount, purpose)


def test_purpose_is_the_dossier_code_within_25_characters():
    assert purpose_for("000.31.20.H56-260302-0001") == "000.31.20.H56-260302-0001"
    assert purpose_for("000.31.20.H56-260302-12345") == "0003120H56-260302-12345"


FLAT = ProcedureCase("TT", "Thông thường", 3, DurationUnit.WORKING_DAYS, fee=100_000)
PER_PAGE = ProcedureCase("CT", "Chứng thực", 1, DurationUnit.WORKING_DAYS, fee=2000, fee_unit="trang",
                         same_day_cutoff=time(15, 0))
FREE = ProcedureCase("KS", "Khai sinh", 1, DurationUnit.WORKING_DAYS, fee_note="Miễn lệ phí")


def test_fee_kinds():
    assert fee_amount(FLAT) == fee_amount(FLAT, 7) == 100_000  # flat: units do not matter
    assert fee_amount(PER_PAGE, 7) == 14_000
    assert fee_amount(FREE, 3) == 0
    assert fee_amount(FLAT, 1, "Người có công với cách mạng") == 0  # exempt applicant
    assert (fee_rule(FLAT), fee_rule(PER_PAGE), fee_rule(FREE)) == (
        "100.000 đồng", "2.000 đồng/trang", "Miễn phí, lệ phí")
    for units in (0, -1, 10_001):
        with pytest.raises(InvalidInput):
            fee_amount(PER_PAGE, units)


def test_payments_and_refunds():
    assert check_payment("cash", "  BL 0001 ", 8000) == "BL 0001"
    for method, receipt, amount in (("cheque", "BL", 1), ("cash", " ", 1), ("cash", "BL", 0), ("cash", "x" * 61, 1)):
        with pytest.raises(InvalidInput):
            check_payment(method, receipt, amount)
    check_refund(S.WITHDRAWN, 8000, 8000)
    with pytest.raises(InvalidInput):
        check_refund(S.WITHDRAWN, 8000, 9000)
    for status in (S.PROCESSING, S.DONE, S.RETURNED, S.STOPPED):
        with pytest.raises(Conflict):
            check_refund(status, 8000, 8000)
