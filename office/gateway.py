"""The office port for one device, over the office's use cases: the rules of who calls.

An app running on the store (embedded) and every request the hub serves go through an
`OfficeGateway`, so both obey the same rules, in one place:
- who may call what (the device's role, a staff login where the use case needs one);
- the logged-in staff member is the actor of every step, call and reveal (the port has no actor
  parameter to fake), and the device is the reporter of its own problems;
- every view of a dossier's personal data is in the audit log (staff member and device);
- office administration only by a logged-in staff member who is an office admin;
- on a web browser (the office dashboard) only office admins and leaders log in and act;
- a staff session on a counter device acts for the counter it logged in at, and no other;
- guessing is limited (`office.policy.Guards`): lookup secrets per code, kiosk and office, typed
  and scanned apart; PINs per device and per user name; rating proofs per device; device alerts per device;
- a mutation retried with the same idempotency key acts once and answers the same; the same key
  with another request is a Conflict.
"""
from __future__ import annotations

import functools
import inspect
import logging
from datetime import date, timedelta
from typing import Any

from office.auth import SESSION_HOURS, Credentials, Device, StaffSession, authorize
from office.errors import Forbidden, NotFound, Unauthorized
from office.model import Actor
from office.policy import Guards, once
from office.port import LOGIN, USE_CASES, WEB, OfficePort, implement, result_type
from office.rules.codes import check_secret, parse_dossier_code
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

    def login(self, username: str, pin: str, counter_id: int | None = None) -> Actor:
        """Log a staff member in on this device (kept in this gateway), at `counter_id` on a counter
        device; later calls act as them."""
        actor = self._check_pin(username, pin, counter_id)
        expires = self.service.clock().replace(microsecond=0) + timedelta(hours=SESSION_HOURS)
        self.session = StaffSession(username.strip(), actor, expires, counter_id)
        return actor

    def open_session(self, username: str, pin: str, counter_id: int | None = None) -> tuple[str, StaffSession]:
        """Log a staff member in with a stored session (the hub's `POST /session`): (token, session)."""
        actor = self._check_pin(username, pin, counter_id)
        return self.credentials.open_session(self.device, username.strip(), actor, counter_id)

    def _check_pin(self, username: str, pin: str, counter_id: int | None) -> Actor:
        """The staff member behind a right PIN; failures are limited per device and per user name
        (`Guards.logins`), one check at a time per device."""
        authorize(LOGIN, self.device, None, "đăng nhập cán bộ")
        if self.device.role == "counter" and counter_id is None:
            raise Forbidden("Cần chọn quầy làm việc khi đăng nhập trên máy quầy")
        if counter_id is not None:
            self.store.counter(counter_id)  # NotFound for a counter the office does not have
        keys = {"device": self._device_key, "user": username.strip()}
        logins = self.guards.logins
        with self.guards.serial(self._device_key):
            logins.check(self.store, keys, self.service.clock())
            try:
                actor = self.credentials.check_pin(username.strip(), pin)
            except Unauthorized:
                log.warning("staff log-in refused for %r on %s", username.strip()[:50], self.device.name)
                with self.store.write():
                    logins.count(self.store, keys, self.service.clock())
                logins.check(self.store, keys, self.service.clock())  # the failure that locks says so
                raise
        self._check_web_staff(username.strip())
        log.info("staff %s logged in on %s", username.strip(), self.device.name)
        return actor

    def logout(self) -> None:
        """End the staff session."""
        self.session = None

    # ---- every other use case ---------------------------------------------------------------

    def invoke(self, name: str, arguments: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Run use case `name` with the port's `arguments` for this caller."""
        use = USE_CASES[name]
        authorize(use.access, self.device, self.session, name.replace("_", " "))
        if self.session is not None:
            self._check_web_staff(self.session.username)
        if use.admin:  # office administration (e.g. closing any counter), not work at one counter
            self._require_admin(name.replace("_", " "))
        elif "counter_id" in arguments:
            self._check_counter(arguments["counter_id"])
        guard = getattr(self, "_guard_" + name, None)
        if guard is not None:
            guard(**arguments)
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

    def _check_web_staff(self, username: str) -> None:
        """Forbidden on a web browser unless the staff member is an active office admin or leader
        (checked at log-in and on every call: a member no longer a leader stops at once)."""
        if self.device.role != WEB:
            return
        try:
            member = self.store.staff_member(username)
        except NotFound:
            member = {"admin": 0, "leader": 0, "active": 0}
        if not ((member["admin"] or member["leader"]) and member["active"]):
            raise Forbidden("Trang quản lý chỉ dành cho lãnh đạo và cán bộ quản trị của văn phòng")

    def _with_caller(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """The use case's arguments plus who calls, where the service asks for it: the staff
        member as `actor` (steps) or `staff` (calls), the device as `device` (its alerts)."""
        wanted = _parameters(type(self.service), name)
        caller: dict[str, Any] = {}
        if "actor" in wanted:
            caller["actor"] = self.session.actor
        if "staff" in wanted:
            caller["staff"] = self.session.username if self.session else ""
        if "device" in wanted:
            caller["device"] = self.device.name
        return {**arguments, **caller}

    def _check_counter(self, counter_id: int) -> None:
        """A staff session acts only for the counter it logged in at; an admin session without a
        counter may act for any."""
        if self.session is None:
            return
        bound = self.session.counter_id
        if bound is None and self.device.role != "counter":
            return
        if counter_id != bound:
            raise Forbidden(f"Phiên đăng nhập này làm việc tại quầy {bound}, không thể thao tác cho quầy "
                            f"{counter_id}; đăng nhập lại tại quầy đó")

    def _audit(self, action: str, target: str) -> None:
        """One audit row: this staff member (if any) on this device did `action` on `target`."""
        with self.store.write():
            self.store.add_audit(self.service.clock(), self.session.username if self.session else None,
                                 self.device.id, action, target)

    def _dossier(self, code: str):
        with self.store.write():
            dossier = self.service.dossier(code)
            self.store.add_audit(self.service.clock(), self.session.username if self.session else None,
                                 self.device.id, "dossier.view", dossier.code)
        return dossier

    def _kiosk_lookup(self, code: str, secret: str, scanned: bool = False):
        """The lookup, limited per dossier code, per kiosk (or web client) and office-wide; typed
        and scanned lookups count apart, so typos never block a scan. A malformed code or secret is
        no guess."""
        parsed, secret = str(parse_dossier_code(code)), check_secret(secret)
        throttle = self.guards.scanned_lookups if scanned else self.guards.typed_lookups
        return self._guessed(throttle, parsed, lambda: self.service.kiosk_lookup(parsed, secret))

    def _guessed(self, throttle, target: str, check):
        """`check()` where a NotFound is a wrong guess: limited per `target`, per device and
        office-wide. Check, verify and count at once (across processes too); the guess that locks
        says so at once."""
        keys, now = {"code": target, "device": self._device_key, "office": "all"}, self.service.clock()
        with self.store.write():
            throttle.check(self.store, keys, now)
            try:
                return check()
            except NotFound as e:
                miss = e
            throttle.count(self.store, keys, now)
        throttle.check(self.store, keys, now)
        raise miss

    def _ticket_progress(self, day: date, number: str, token: str):
        """A ticket's progress: its printed token is guessed like a typed lookup (same limits as a
        rating's proof, per ticket, per web client, office-wide)."""
        target = f"ticket:{number.strip().upper()[:12]}@{day.isoformat()}"
        return self._guessed(self.guards.typed_lookups, target,
                             lambda: self.service.ticket_progress(day, number, token))

    def _report_device_problem(self, problem: str, message: str = ""):
        """The alert, at most once per problem per 10 minutes per device (a repeat is absorbed:
        staff already know) and a dozen an hour per device."""
        alerts, now = self.guards.alerts, self.service.clock()
        keys = {"problem": f"{self._device_key}:{problem.strip()[:60]}", "device": self._device_key}
        with self.store.write():
            alerts.check(self.store, {"device": keys["device"]}, now)
            if alerts.wait(self.store, {"problem": keys["problem"]}, now) > 0:
                return None
            self.service.report_device_problem(self.device.name, problem, message)
            alerts.count(self.store, keys, now)
        return None

    def _register_rows(self, day_from: date, day_to: date):
        rows = self.service.register_rows(day_from, day_to)
        self._audit("register.view", f"{day_from.isoformat()}..{day_to.isoformat()}")
        return rows

    def _reports(self, day_from: date, day_to: date):
        report = self.service.reports(day_from, day_to)
        self._audit("reports.view", f"{day_from.isoformat()}..{day_to.isoformat()}")
        return report

    def _guard_rate(self, **arguments) -> None:
        """A rating's token or secret is guessed like a typed lookup: wrong ones count toward the
        same limits (per rated ticket or dossier, per kiosk, office-wide), in their own
        transaction, before the rating's (a failed use case keeps nothing it wrote)."""
        target = f"{arguments['target_kind']}:{arguments['target'].strip().upper()[:40]}"
        self._guessed(self.guards.typed_lookups, target, lambda: self.service.rating_subject(
            **{k: v for k, v in arguments.items() if k != "criteria"}))

    def _unlock_kiosk_admin(self, pin: str) -> None:
        keys = {"device": f"kiosk-admin:{self._device_key}"}  # counted apart from staff log-ins there
        logins, now = self.guards.logins, self.service.clock()
        with self.guards.serial(keys["device"]):
            logins.check(self.store, keys, now)
            try:
                self.service.unlock_kiosk_admin(pin)
            except Unauthorized:
                with self.store.write():
                    logins.count(self.store, keys, now)
                self._record("kiosk.admin_denied")
                log.warning("wrong kiosk admin PIN on %s", self.device.name)
                logins.check(self.store, keys, now)  # the failure that locks says so
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


@functools.cache
def _parameters(service: type, name: str) -> frozenset[str]:
    """The parameter names of a service use case (asked on every call: worth keeping)."""
    return frozenset(inspect.signature(getattr(service, name)).parameters)
