"""Credentials of an office: device tokens per role, staff PINs and staff sessions, and who may
call what.

Only hashes are stored: a device token is 256 random bits, so its SHA-256 is enough; a PIN is
short, so it is hashed with scrypt and a per-user salt. The one PIN check
(`Credentials.check_pin`) serves the hub's logins and embedded apps alike.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from office.errors import Forbidden, InvalidInput, NotFound, StaffLoginRequired, Unauthorized, UnknownDevice
from office.model import Actor
from office.port import ROLES
from office.store import Store

SESSION_HOURS = 12
_PIN_RE = re.compile(r"\d{6,12}", re.ASCII)
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2 ** 14, 8, 1  # ~16 MiB and tens of ms per PIN check


def new_token() -> str:
    """A fresh device or session token (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_new_pin(pin: str) -> str:
    """The PIN if it is 6–12 digits, else InvalidInput."""
    if not _PIN_RE.fullmatch(pin):
        raise InvalidInput("Mã PIN gồm 6 đến 12 chữ số")
    return pin


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """scrypt hash of a PIN with a random (or given) salt: `scrypt$n$r$p$salt$hash`."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether `pin` matches a `hash_pin` result (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        actual = hashlib.scrypt(pin.encode("utf-8", "surrogatepass"), salt=bytes.fromhex(salt),
                                n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2)
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual.hex(), digest)


BAD_LOGIN = "Tên đăng nhập hoặc mã PIN không đúng"
_DUMMY_PIN_HASH = hash_pin("000000", salt=b"\0" * 16)  # unknown users cost as much as known ones


@dataclass(frozen=True)
class Device:
    """A device of the office: enrolled on the hub (with its row id), or an app running embedded
    on the store (id None)."""

    id: int | None
    name: str
    role: str


@dataclass(frozen=True)
class StaffSession:
    """A staff member logged in on a device, at a counter (None: an admin device's session)."""

    username: str
    actor: Actor
    expires_at: datetime
    counter_id: int | None = None


def authorize(access: Mapping[str, bool], device: Device, session: StaffSession | None,
              what: str) -> None:
    """Raise unless `device` may do `what`: `access` maps each allowed role to whether it also
    needs a logged-in staff member."""
    if device.role not in access:
        raise Forbidden(f"Thiết bị {device.name!r} (vai trò {device.role}) không được phép: {what}")
    if access[device.role] and session is None:
        raise StaffLoginRequired(f"Cần cán bộ đăng nhập bằng mã PIN để {what}")


class Credentials:
    """Enrolment and revocation of devices, staff PINs and staff sessions over the office store."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = datetime.now):
        """`clock` returns local naive time, like OfficeService's."""
        self.store = store
        self.clock = clock

    def _now(self) -> datetime:
        return self.clock().replace(microsecond=0)

    def enroll(self, role: str, name: str, token: str | None = None) -> str:
        """Enrol a device and return its token (shown once; only its hash is kept).

        `token` is for the demo office's documented, deterministic tokens only.
        """
        if role not in ROLES:
            raise InvalidInput(f"Vai trò {role!r} không hợp lệ ({', '.join(ROLES)})")
        name = " ".join(name.split())
        if not name or len(name) > 80:
            raise InvalidInput("Tên thiết bị phải có từ 1 đến 80 ký tự")
        token = token or new_token()
        with self.store.write():
            self.store.add_device(name, role, token_hash(token), self._now())
        return token

    def revoke(self, name: str) -> bool:
        """Revoke the active device with this name (its token and staff sessions stop working)."""
        with self.store.write():
            return bool(self.store.revoke_device(" ".join(name.split()), self._now()))

    def set_pin(self, username: str, pin: str) -> None:
        """Set a staff member's PIN (6–12 digits); their open sessions end."""
        stored = hash_pin(check_new_pin(pin))
        with self.store.write():
            self.store.set_pin_hash(username, stored, self._now())

    def device(self, token: str | None) -> Device:
        """The active device holding `token`, else UnknownDevice."""
        row = self.store.device_by_token(token_hash(token)) if token else None
        if row is None:
            raise UnknownDevice("Mã thiết bị không hợp lệ hoặc đã bị thu hồi")
        return Device(row["id"], row["name"], row["role"])

    def check_pin(self, username: str, pin: str) -> Actor:
        """The staff member behind a right PIN, else Unauthorized. An unknown user costs as much
        time as a known one, so timing tells nothing about who exists."""
        stored = self.store.pin_hash(username)
        valid = verify_pin(pin, stored or _DUMMY_PIN_HASH)
        if stored is None or not valid:
            raise Unauthorized(BAD_LOGIN)
        try:
            staff = self.store.staff_member(username)
        except NotFound:
            raise Unauthorized(BAD_LOGIN) from None
        return Actor(staff["name"], staff["title"], staff["department"], bool(staff["leader"]))

    def open_session(self, device: Device, username: str, actor: Actor,
                     counter_id: int | None) -> tuple[str, StaffSession]:
        """Open a session on this device (at `counter_id`) for a staff member whose PIN was just
        checked (`check_pin`, through the gateway's limits): (session token, session)."""
        now = self._now()
        token, expires = new_token(), now + timedelta(hours=SESSION_HOURS)
        with self.store.write():
            self.store.add_session(token_hash(token), username, device.id, now, expires, counter_id)
        return token, StaffSession(username, actor, expires, counter_id)

    def session(self, device: Device, token: str) -> StaffSession | None:
        """The open session with this token on this device, or None (unknown, ended, expired, or
        opened on another device)."""
        row = self.store.session(token_hash(token), device.id, self._now())
        if row is None:
            return None
        return StaffSession(row["username"], Actor(row["name"], row["title"], row["department"], bool(row["leader"])),
                            datetime.fromisoformat(row["expires_at"]), row["counter_id"])

    def logout(self, device: Device, token: str) -> None:
        """End a staff session; only the device it was opened on can end it."""
        with self.store.write():
            self.store.end_session(token_hash(token), device.id, self._now())
