"""VietQR transfer codes: the EMVCo merchant-presented QR of the NAPAS 247 "transfer to account"
service (DESIGN.md §3.10), built for an amount and a purpose, and read back with its CRC checked.

A payload is a string of TLV fields (2-digit tag, 2-digit length, value): 00 format "01",
01 initiation (12 = dynamic: one amount for one payment), 38 the beneficiary (00 NAPAS GUID
`A000000727`, 01 {00 bank BIN, 01 account}, 02 service `QRIBFTTA`), 53 currency 704, 54 amount,
58 country VN, 62 additional data (08 purpose), and 63 the CRC-16/CCITT-FALSE of everything
before its value, in 4 upper-case hex digits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from office.errors import InvalidInput

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
MAX_PURPOSE = 25  # EMVCo: purpose of transaction, at most 25 characters
_BIN_RE = re.compile(r"\d{6}", re.ASCII)
_ACCOUNT_RE = re.compile(r"[0-9A-Za-z]{1,19}", re.ASCII)
_PURPOSE_RE = re.compile(r"[ -~]*", re.ASCII)  # printable ASCII: every banking app shows it


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise InvalidInput(f"Trường {tag} của mã VietQR dài quá 99 ký tự")
    return f"{tag}{len(value):02d}{value}"


def purpose_for(code: str) -> str:
    """The transfer purpose for a dossier code: the code itself, or without its dots when it is
    longer than the 25 characters a purpose may hold."""
    return code if len(code) <= MAX_PURPOSE else code.replace(".", "")[:MAX_PURPOSE]


def vietqr_payload(bank_bin: str, account: str, amount: int, purpose: str) -> str:
    """The VietQR payload of a transfer of `amount` VND to `account` at the bank `bank_bin`
    (6-digit NAPAS BIN) with `purpose` (printable ASCII, at most 25 characters)."""
    if not _BIN_RE.fullmatch(bank_bin):
        raise InvalidInput("Mã ngân hàng (BIN) gồm 6 chữ số")
    if not _ACCOUNT_RE.fullmatch(account):
        raise InvalidInput("Số tài khoản nhận chỉ gồm chữ và số, tối đa 19 ký tự")
    if not 0 < amount <= 9_999_999_999_999:
        raise InvalidInput("Số tiền chuyển khoản phải lớn hơn 0")
    if len(purpose) > MAX_PURPOSE or not _PURPOSE_RE.fullmatch(purpose):
        raise InvalidInput("Nội dung chuyển khoản tối đa 25 ký tự, không dấu")
    beneficiary = _tlv("00", NAPAS_GUID) + _tlv("01", _tlv("00", bank_bin) + _tlv("01", account)) \
        + _tlv("02", TO_ACCOUNT)
    body = (_tlv("00", "01") + _tlv("01", "12") + _tlv("38", beneficiary) + _tlv("53", CURRENCY_VND)
            + _tlv("54", str(amount)) + _tlv("58", "VN") + _tlv("62", _tlv("08", purpose)) + "6304")
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


@dataclass(frozen=True)
class Transfer:
    """A VietQR payload read back."""

    bank_bin: str
    account: str
    service: str
    amount: int
    currency: str
    country: str
    purpose: str


def _fields(text: str) -> dict[str, str]:
    out, i = {}, 0
    while i < len(text):
        tag, length = text[i:i + 2], text[i + 2:i + 4]
        if len(length) < 2 or not length.isdigit() or i + 4 + int(length) > len(text):
            raise InvalidInput("Mã VietQR bị cắt cụt hoặc sai định dạng")
        out[tag] = text[i + 4:i + 4 + int(length)]
        i += 4 + int(length)
    return out


def read_vietqr(payload: str) -> Transfer:
    """Parse a VietQR payload; InvalidInput if its CRC does not match or it is not a NAPAS transfer."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise InvalidInput("Mã VietQR không có trường CRC")
    if f"{crc16_ccitt_false(payload[:-4].encode('ascii')):04X}" != payload[-4:].upper():
        raise InvalidInput("Mã VietQR sai CRC")
    top = _fields(payload)
    beneficiary = _fields(top.get("38", ""))
    if beneficiary.get("00") != NAPAS_GUID:
        raise InvalidInput("Mã QR không phải VietQR (NAPAS)")
    bank = _fields(beneficiary.get("01", ""))
    return Transfer(bank.get("00", ""), bank.get("01", ""), beneficiary.get("02", ""), int(top.get("54") or 0),
                    top.get("53", ""), top.get("58", ""), _fields(top.get("62", "")).get("08", ""))
