"""The office port for one device, over the office's use cases: the rules of who calls.

An app running on the store (embedded) and every request the hub serves go through an
`OfficeGateway`, so both obey the same rules, in one place:
- who may call what (the device's role, a staff login where the use case needs one);
- the logged-in staff member is the actor of every step, call and reveal (the port has no actor
  parameter to fake), and the device is the reporter of its own problems;
- every view of a dossier's personal data is in the audit log (staff member and device);
- office administration only by a logged-in staff member who is an office admin;
- guessing is locked out: lookups per device, PINs per device and per user name, the kiosk admin
  PIN per device (every attempt logged);
- a mutation retried with the same idempotency key acts once and answers the same; the same key
  with another request is a Conflict.
"""
from __future__ import annotations

import inspect
import logging
from datetime import timedelta
from typing import Any

from office.auth import SESSION_HOURS, Credentials, Device, StaffSession, authorize
from office.errors import Forbidden, NotFound, Unauthorized
from office.model import Actor
from office.policy import Guards, once
from office.port import LOGIN, USE_CASES, OfficePort, implement, result_type
from office.service import OfficeService

log = logging.getLogger("office")


class OfficeGateway(OfficePort):
    """Every use case of the office port, as one device (and maybe one logged-in staff member)
    may call it."""

    def __init__(self, service: OfficeService, device: Device, guards: Guards | None = None,
                 session: StaffSession | None = None):
        """`guards` are shared by every gateway of one office (the hub passes its own)."""
        self.service = service
        self.store = service.store
        self.device = device
        self.guards = guards or Guards()
        self.credentials = Credentials(service.store, service.clock)
        self.session = session

    @classmethod
    def embedded(cls, service: OfficeService, role: str, name: str,
                 guards: Guards | None = None) -> OfficeGateway:
        """An app running on the office store itself: a device of `role` named `name`."""
        return cls(service, Device(None, name, role), guards)

    @property
    def _device_key(self) -> str:
        return f"device:{self.device.id if self.device.id is not None else self.device.name}"

    # ---- staff session ----------------------------------------------------------------------

    def login(self, username: str, pin: str) -> Actor:
        """Log a staff member in on this device (kept in this gateway); later calls act as them."""
        actor = self._check_pin(username, pin)
        expires = self.service.clock().replace(microsecond=0) + timedelta(hours=SESSION_HOURS)
        self.session = StaffSession(username, actor, expires)
        return actor

    def open_session(self, username: str, pin: str) -> tuple[str, StaffSession]:
        """Log a staff member in with a stored session (the hub's `POST /session`): (token, session)."""
        self._check_pin(username, pin)
        return self.credentials.login(self.device, username, pin)

    def _check_pin(self, username: str, pin: str) -> Actor:
        authorize(LOGIN, self.device, None, "đăng nhập cán bộ")
        username = username.strip()
        try:
            with self.guards.logins.guard(self._device_key, Unauthorized), \
                    self.guards.logins.guard(f"user:{username}", Unauthorized):
                actor = self.credentials.check_pin(username, pin)
        except Unauthorized:
            log.warning("staff log-in refused for %r on %s", username[:50], self.device.name)
            raise
        log.info("staff %s logged in on %s", username, self.device.name)
        return actor

    def logout(self) -> None:
        """End the staff session."""
        self.session = None

    # ---- every other use case ---------------------------------------------------------------

    def invoke(self, name: str, arguments: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Run use case `name` with the port's `arguments` for this caller."""
        use = USE_CASES[name]
        authorize(use.access, self.device, self.session, name.replace("_", " "))
        if use.admin:
            self._require_admin(name.replace("_", " "))
        special = getattr(self, "_" + name, None)
        if special is not None:
            def run():
                return special(**arguments)
        else:
            def run():
                return getattr(self.service, name)(**self._with_caller(name, arguments))
        if use.writes and idempotency_key:
            return once(self.store, f"{self._device_key}:{idempotency_key}", name, arguments, run,
                        self.service.clock(), result_type(name))
        return run()

    def _require_admin(self, what: str) -> None:
        """Forbidden unless the logged-in staff member is an active office admin."""
        try:
            member = self.store.staff_member(self.session.username)
        except NotFound:
            member = {"admin": 0, "active": 0}
        if not (member["admin"] and member["active"]):
            raise Forbidden(f"Chỉ cán bộ quản trị của văn phòng được: {what}")

    def _with_caller(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """The use case's arguments plus who calls, where the service asks for it: the staff
        member as `actor` (steps) or `staff` (calls), the device as `device` (its alerts)."""
        wanted = inspect.signature(getattr(self.service, name)).parameters
        caller: dict[str, Any] = {}
        if "actor" in wanted:
            caller["actor"] = self.session.actor
        if "staff" in wanted:
            caller["staff"] = self.session.username if self.session else ""
        if "device" in wanted:
            caller["device"] = self.device.name
        return {**arguments, **caller}

    def _dossier(self, code: str):
        with self.store.write():
            dossier = self.service.dossier(code)
            self.store.add_audit(self.service.clock(), self.session.username if self.session else None,
                                 self.device.id, "dossier.view", dossier.code)
        return dossier

    def _kiosk_lookup(self, code: str, secret: str):
        lookups = self.guards.lookups
        try:
            with lookups.guard(self._device_key, NotFound):
                return self.service.kiosk_lookup(code, secret)
        except NotFound:
            lookups.raise_if_locked(self._device_key)  # the guess that starts a lock says so at once
            raise

    def _unlock_kiosk_admin(self, pin: str) -> None:
        key = f"kiosk-admin:{self._device_key}"
        try:
            with self.guards.logins.guard(key, Unauthorized):
                self.service.unlock_kiosk_admin(pin)
        except Unauthorized:
            self._record("kiosk.admin_denied")
            log.warning("wrong kiosk admin PIN on %s", self.device.name)
            self.guards.logins.raise_if_locked(key)
            raise
        self._record("kiosk.admin_unlocked")
        log.info("kiosk admin panel opened on %s", self.device.name)

    def _record(self, action: str) -> None:
        with self.store.write():
            self.store.add_audit(self.service.clock(), None, self.device.id, action, self.device.name)

    def _ticket_receipt(self, ticket_id: int):
        return self.service.ticket_receipt(self.store.ticket(ticket_id))

    def _timeliness(self, code: str):
        return self.service.timeliness(self.service.dossier(code))


implement(OfficeGateway, OfficeGateway.invoke)
