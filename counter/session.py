"""Staff login on a counter that runs on a local store (no hub): the same PIN hashes, the same
lockout and the same Unauthorized error as the hub's `POST /session`."""
from __future__ import annotations

from office.auth import Lockout, verify_pin

from office.errors import Unauthorized
from office.model import Actor
from office.errors import NotFound
from office.store import Store

_BAD_LOGIN = "Tên đăng nhập hoặc mã PIN không đúng"


class LocalStaffLogin:
    """Checks a staff PIN against the store (scrypt hashes set by `hub set-pin`)."""

    def __init__(self, store: Store, lockout: Lockout | None = None):
        """`lockout`: failed PINs per user name lock it out as on the hub (5 a minute by default)."""
        self.store = store
        self.lockout = lockout or Lockout()

    def __call__(self, username: str, pin: str) -> Actor:
        """The staff member's Actor when the PIN is right, else Unauthorized (RateLimited while locked)."""
        username = username.strip()
        with self.lockout.guard(f"user:{username}", Unauthorized):
            stored = self.store.pin_hash(username)
            if stored is None or not verify_pin(pin, stored):
                raise Unauthorized(_BAD_LOGIN)
            try:
                staff = self.store.staff_member(username)
            except NotFound:
                raise Unauthorized(_BAD_LOGIN) from None
        return Actor(staff["name"], staff["title"], staff["department"])
