"""Credentials of the office hub: device tokens per role, staff PINs, staff sessions, who may
call what, and the lockout that makes guessing lookup secrets and PINs infeasible.

Only hashes are stored: a device token is 256 random bits, so its SHA-256 is enough; a PIN is
short, so it is hashed with scrypt and a per-user salt. No web framework here: the hub (and the
`hub` commands) call these.
"""
from __future__ import annotations

import hashlib
import math
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from office.model import Actor

from office.errors import Forbidden, InvalidInput, RateLimited, StaffLoginRequired, Unauthorized
from office.store import Store

ROLES = ("kiosk", "counter", "display", "admin")
SESSION_HOURS = 12
_PIN_RE = re.compile(r"\d{6,12}", re.ASCII)
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2 ** 14, 8, 1  # ~16 MiB and tens of ms per PIN check


def new_token() -> str:
    """A fresh device or session token (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_pin(pin: str) -> str:
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


_DUMMY_PIN_HASH = hash_pin("000000", salt=b"\0" * 16)  # unknown users cost as much as known ones


@dataclass(frozen=True)
class Device:
    """An enrolled device as the hub sees it."""

    id: int
    name: str
    role: str


@dataclass(frozen=True)
class StaffSession:
    """A staff member logged in on a device."""

    username: str
    actor: Actor
    expires_at: datetime


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
        stored = hash_pin(check_pin(pin))
        with self.store.write():
            self.store.set_pin_hash(username, stored, self._now())

    def device(self, token: str | None) -> Device:
        """The active device holding `token`, else Unauthorized."""
        row = self.store.device_by_token(token_hash(token)) if token else None
        if row is None:
            raise Unauthorized("Mã thiết bị không hợp lệ hoặc đã bị thu hồi")
        return Device(row["id"], row["name"], row["role"])

    def login(self, device: Device, username: str, pin: str) -> tuple[str, StaffSession]:
        """Check a staff PIN and open a session on this device: (session token, session)."""
        stored = self.store.pin_hash(username)
        valid = verify_pin(pin, stored or _DUMMY_PIN_HASH)
        if stored is None or not valid:
            raise Unauthorized("Tên đăng nhập hoặc mã PIN không đúng")
        staff = self.store.staff_member(username)
        now = self._now()
        token, expires = new_token(), now + timedelta(hours=SESSION_HOURS)
        with self.store.write():
            self.store.add_session(token_hash(token), username, device.id, now, expires)
        return token, StaffSession(username, Actor(staff["name"], staff["title"], staff["department"]),
                                   expires)

    def session(self, device: Device, token: str) -> StaffSession | None:
        """The open session with this token on this device, or None (unknown, ended or expired)."""
        row = self.store.session(token_hash(token), device.id, self._now())
        if row is None:
            return None
        return StaffSession(row["username"], Actor(row["name"], row["title"], row["department"]),
                            datetime.fromisoformat(row["expires_at"]))

    def logout(self, token: str) -> None:
        """End a staff session."""
        with self.store.write():
            self.store.end_session(token_hash(token), self._now())


class Lockout:
    """Counts failed attempts per key (a device, a user name) and locks the key out.

    `max_failures` failures within `window` seconds lock the key for `base_lock` seconds; each
    further lock doubles (up to `max_lock`). A success never resets the count, so an attacker
    holding one valid code cannot interleave it to keep guessing. With the defaults a device gets
    about 5 guesses a minute at first and 5 a day after a dozen lockouts: finding a 6-digit
    secret would take centuries.
    """

    def __init__(self, max_failures: int = 5, window: float = 60.0, base_lock: float = 60.0,
                 max_lock: float = 86400.0, clock: Callable[[], float] = time.monotonic):
        """Defaults: 5 failures a minute, then 1 min, 2 min, 4 min … up to a day."""
        self.max_failures, self.window = max_failures, window
        self.base_lock, self.max_lock = base_lock, max_lock
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locks: dict[str, tuple[int, float]] = {}  # key → (locks so far, locked until)
        self._mutex = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again (0 when it may try now)."""
        with self._mutex:
            return max(0.0, self._locks.get(key, (0, 0.0))[1] - self.clock())

    def failed(self, key: str) -> None:
        """Record a failed attempt; locks the key when there were too many."""
        with self._mutex:
            now = self.clock()
            locks, until = self._locks.get(key, (0, 0.0))
            if locks and now - until > self.max_lock:  # a long quiet time forgives old lockouts
                locks = 0
            recent = [t for t in self._failures.get(key, []) if now - t < self.window] + [now]
            if len(recent) >= self.max_failures:
                locks += 1
                self._locks[key] = (locks, now + min(self.base_lock * 2 ** (locks - 1), self.max_lock))
                recent = []
            elif locks:
                self._locks[key] = (locks, until)
            self._failures[key] = recent

    @contextmanager
    def guard(self, key: str, failure: type[Exception]) -> Iterator[None]:
        """One attempt at a time per key: RateLimited while locked out; a `failure` raised inside
        counts as a failed attempt."""
        with self._mutex:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            wait = self.retry_after(key)
            if wait > 0:
                raise RateLimited(f"Thử sai quá nhiều lần; vui lòng thử lại sau {math.ceil(wait)} giây",
                                  wait)
            try:
                yield
            except failure:
                self.failed(key)
                raise
