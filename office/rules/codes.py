"""Dossier codes `{agency e-ID}-{YYMMDD}-{sequence}` and lookup secrets (DESIGN.md §3.2)."""
from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from typing import NamedTuple

from office.errors import IdentityCardScanned, InvalidInput
from office.rules.identity import looks_like_id_card

AGENCY_PATTERN = r"[0-9A-Z]{1,6}(?:\.[0-9A-Z]{1,6}){1,5}"
_CODE_RE = re.compile(rf"({AGENCY_PATTERN})-(\d{{6}})-(\d{{4,9}})", re.ASCII)  # ASCII digits only
_SECRET_RE = re.compile(r"\d{6}", re.ASCII)  # ASCII only: hmac.compare_digest rejects other text
QR_SEPARATOR = "|"


class DossierCode(NamedTuple):
    """The parts of a dossier code."""

    agency: str
    day: date
    sequence: int

    def __str__(self) -> str:
        return format_dossier_code(self.agency, self.day, self.sequence)


def format_dossier_code(agency: str, day: date, sequence: int) -> str:
    """`000.31.20.H56-261123-0001`: sequence padded to at least 4 digits."""
    return f"{agency}-{day:%y%m%d}-{sequence:04d}"


def parse_dossier_code(text: str) -> DossierCode:
    """Parse and validate a dossier code typed or scanned; InvalidInput if it is not one."""
    cleaned = text.strip().upper()
    m = _CODE_RE.fullmatch(cleaned)
    if not m:
        raise InvalidInput(f"Mã hồ sơ không hợp lệ: {text.strip()[:40]!r}")
    try:
        day = datetime.strptime(m.group(2), "%y%m%d").date()
    except ValueError:
        raise InvalidInput(f"Mã hồ sơ có ngày không hợp lệ: {m.group(2)}") from None
    return DossierCode(m.group(1), day, int(m.group(3)))


def new_lookup_secret() -> str:
    """A random 6-digit lookup secret (mã tra cứu)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def check_secret(secret: str) -> str:
    """Return the secret stripped, or InvalidInput if it is not 6 digits."""
    s = secret.strip()
    if not _SECRET_RE.fullmatch(s):
        raise InvalidInput("Mã tra cứu gồm 6 chữ số")
    return s


def receipt_qr_payload(code: str, secret: str) -> str:
    """What the receipt's QR carries: code and secret, never personal data."""
    return f"{code}{QR_SEPARATOR}{secret}"


def parse_scan(text: str) -> tuple[str, str | None]:
    """Read a scanned receipt barcode (Code128: code only; QR: code|secret) → (code, secret).
    A chip ID card's QR raises IdentityCardScanned, whose message never repeats the card."""
    if looks_like_id_card(text):
        raise IdentityCardScanned("Đây là thẻ CCCD, không phải biên nhận hồ sơ")
    code, sep, secret = text.strip().partition(QR_SEPARATOR)
    parsed = str(parse_dossier_code(code))
    return parsed, (check_secret(secret) if sep else None)
