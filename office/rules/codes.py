"""Dossier codes `{agency e-ID}-{YYMMDD}-{sequence}` and lookup secrets (DESIGN.md §3.2).

A lookup secret is printed on the receipt and kept by the office only as a keyed hash
(`secret_hash`, HMAC-SHA256 with the office's lookup key, which lives outside the store file): a
copy of the store — a backup, the sync payload at the central system — does not give the secrets
away, and with 10⁶ secrets an unkeyed hash would (one million hashes take a second). So a receipt
cannot be printed again with its old secret: a reprint issues a new one and the old stops working.
"""
from __future__ import annotations

import hashlib
import hmac
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
# The lookup page's address printed as a QR: `https://<host>/<path>/tra-cuu#<code>.<secret>`.
_URL_RE = re.compile(r"https?://[^\s/?#]+(?:/[^\s?#]*)?/tra-cuu#([^\s#]+)", re.ASCII | re.IGNORECASE)


class DossierCode(NamedTuple):
    """The parts of a dossier code."""

    agency: str
    day: date
    sequence: int

    def __str__(self) -> str:
        return format_dossier_code(self.agency, self.day, self.sequence)


def format_dossier_code(agency: str, day: date, sequence: int) -> str:
    """`000.31.20.H56-261123-0001`: sequence padded to at least 4 digits (0001 is the first)."""
    if sequence < 1:
        raise InvalidInput(f"Số thứ tự hồ sơ phải từ 1 trở lên, không phải {sequence}")
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
    if int(m.group(3)) == 0:
        raise InvalidInput(f"Mã hồ sơ có số thứ tự 0 không hợp lệ: {text.strip()[:40]!r}")
    return DossierCode(m.group(1), day, int(m.group(3)))


def new_lookup_secret() -> str:
    """A random 6-digit lookup secret (mã tra cứu)."""
    return f"{secrets.randbelow(1_000_000):06d}"


SECRET_HASH_PREFIX = "hmac$"


def secret_hash(key: bytes, code: str, secret: str) -> str:
    """The keyed hash of a dossier's lookup secret: all the office keeps of it, what leaves the
    office in change-log events (`secret_hash`) and all the central system keeps — never the
    secret itself.

    Derivation (the contract between office and central): "hmac$" + lower-case hex of
    HMAC-SHA256(key, UTF-8 of "{code}|{secret}"), e.g. for code 000.31.20.H56-260302-0001 and
    secret 123456 the message is "000.31.20.H56-260302-0001|123456". `key` is the office's
    32-byte lookup key (`<store>.key`, kept in the office only). A secret has a million values,
    so an unkeyed hash would fall to a million guesses; without the key, a copy of the office or
    central database cannot test a single one."""
    digest = hmac.new(key, f"{code}{QR_SEPARATOR}{secret}".encode(), hashlib.sha256).hexdigest()
    return SECRET_HASH_PREFIX + digest


def seal_secret(key: bytes, context: str, secret: str, *, unseal: bool = False) -> str:
    """A 6-digit secret masked with a one-time pad derived from the lookup key and `context` (e.g.
    an idempotency key), so a stored answer can give the secret back to a retry without keeping
    it in clear; `unseal` undoes it."""
    pad = int.from_bytes(hmac.new(key, context.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()[:8])
    return f"{(int(secret) + (-pad if unseal else pad)) % 1_000_000:06d}"


def check_secret(secret: str) -> str:
    """Return the secret stripped, or InvalidInput if it is not 6 digits."""
    s = secret.strip()
    if not _SECRET_RE.fullmatch(s):
        raise InvalidInput("Mã tra cứu gồm 6 chữ số")
    return s


def receipt_qr_payload(code: str, secret: str, public_url: str = "") -> str:
    """What the receipt's QR carries: code and secret, never personal data — as the status page's
    address `<public_url>/tra-cuu#<code>.<secret>` when the office has one (the part after '#'
    stays in the phone: no server or proxy logs it), else `code|secret` (the kiosk reads both)."""
    if public_url:
        return f"{public_url}/tra-cuu#{code}.{secret}"
    return f"{code}{QR_SEPARATOR}{secret}"


def parse_scan(text: str) -> tuple[str, str | None]:
    """Read a scanned receipt barcode → (code, secret): Code128 `code` (no secret); QR `code|secret`
    or the lookup page's URL `https://…/tra-cuu#code.secret`. A chip ID card's QR raises
    IdentityCardScanned, whose message never repeats the card; InvalidInput for anything else."""
    if looks_like_id_card(text):
        raise IdentityCardScanned("Đây là thẻ CCCD, không phải biên nhận hồ sơ")
    text = text.strip()
    url = _URL_RE.fullmatch(text)
    if url:
        code, dot, secret = url.group(1).rpartition(".")
        if not dot:
            raise InvalidInput("Địa chỉ tra cứu thiếu mã tra cứu")
        return str(parse_dossier_code(code)), check_secret(secret)
    code, sep, secret = text.partition(QR_SEPARATOR)
    parsed = str(parse_dossier_code(code))
    return parsed, (check_secret(secret) if sep else None)
