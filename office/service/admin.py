"""Running the office without SQL: its setup from the office file (`office init` / `office apply`),
staff members and their PINs, services and counters opened or closed, ticket hours, the office's
own calendar days and the kiosk admin PIN.

The office head does these from the counter app's admin screen (through the office port, as an
admin staff member) or the IT person from the command line; either way each change is one
transaction with its change-log event (entity "admin"), so it reaches the central system, and
every process serving the store sees it (`ServiceBase` watches the settings revision).
"""
from __future__ import annotations

from dataclasses import asdict, replace
from datetime import time

from office.auth import Credentials, check_new_pin, hash_pin, verify_pin
from office.config import ConfigError, config_to_dict
from office.errors import Conflict, InvalidInput, Unauthorized
from office.model import Counter, Service, StaffMember, TicketState
from office.office_file import USERNAME, OfficeSetup
from office.service.base import ServiceBase
from office.text import clean

KIOSK_PIN = "kiosk_admin_pin"
DEMO, OFFICE = "demo", "office"  # what a store is for (meta "purpose")


class AdminUseCases(ServiceBase):
    """Setup and administration of the office."""

    # ---- the office file ----------------------------------------------------------------------

    def apply_setup(self, setup: OfficeSetup, staff: str) -> list[str]:
        """Make the store match the office file, in one transaction: configuration, procedures,
        services, counters, staff and calendar days it lists are added or updated (nothing it
        leaves out is removed: close or remove with `open = false` / `active = false`). Returns
        one line per change. Refuses the demo store and a file of another office."""
        now, store, changes = self._now(), self.store, []
        with store.write():
            purpose = store.meta().get("purpose")
            if purpose == DEMO:
                raise Conflict(f"{store.path} là văn phòng mẫu (demo): không dùng cho văn phòng thật")
            for key, current in (("office_id", store.office_id), ("agency_code", store.agency_code)):
                wanted = getattr(setup.config, key)
                if wanted != current:
                    raise ConfigError(f"{key}: this store belongs to {key} {current!r}, the file says {wanted!r} "
                                      f"(it identifies the office and its dossier codes: it cannot change)")
            store.set_meta("purpose", OFFICE)
            wanted = config_to_dict(setup.config)
            if store.saved_config() != wanted:
                store.save_config(wanted, now)
                changes.append(self._event("config", "applied", {"office_name": setup.config.office_name}, staff))
            changes += self._apply_catalogue(setup, staff)
            services = {s.code: s for s in store.services(include_closed=True)}
            for s in setup.services:
                if services.get(s.code) != s:
                    store.save_service(s)
                    changes.append(self._event(f"service:{s.code}", "saved", asdict(s), staff))
            counters = {c.id: c for c in store.counters(include_closed=True)}
            for c in setup.counters:
                old = counters.get(c.id)
                c = replace(c, paused_reason=old.paused_reason if old and c.open else None)
                if old != c:
                    store.save_counter(c)
                    changes.append(self._event(f"counter:{c.id}", "saved", asdict(c), staff))
            members = {m.username: m for m in store.staff_members()}
            for m in setup.staff:
                old = members.get(m.username)
                if (old is None and m.active) or (old is not None and replace(old, has_pin=False) != m):
                    changes.append(self._save_member(m, staff))
            self._keep_an_admin()
            days = {d.day: (d.kind, d.reason) for d in store.calendar_days() if d.source == "office"}
            for d in setup.calendar:
                if days.get(d.day) != (d.kind, d.reason):
                    store.save_office_calendar_day(d.day, d.kind, d.reason, staff, now)
                    changes.append(self._event(f"calendar:{d.day}", d.kind, asdict(d), staff))
        self._load()
        return changes

    def _apply_catalogue(self, setup: OfficeSetup, staff: str) -> list[str]:
        known_fields = set(self.store.fields())
        known = {(p.code, p.version): p for p in self.store.procedures()}
        changes = []
        for f in setup.fields:
            if f not in known_fields:
                self.store.save_field(f)
                changes.append(self._event(f"field:{f.code}", "saved", asdict(f), staff))
        for p in setup.procedures:
            if known.get((p.code, p.version)) != p:
                self.store.save_procedure(p)
                changes.append(self._event(f"procedure:{p.code}", "saved",
                                           {"code": p.code, "version": p.version, "name": p.name}, staff))
        return changes

    def _event(self, subject: str, kind: str, payload: dict, by: str) -> str:
        """Append an "admin" change-log event saying who did it (inside `write()`); the line
        `apply` prints."""
        self.store.append_event("admin", subject, kind, {**payload, "by": by}, self._now())
        return f"{subject}: {kind}"

    # ---- staff ----------------------------------------------------------------------------------

    def staff_members(self) -> list[StaffMember]:
        """Every staff member (those who left too) and whether each has a PIN; never the PINs."""
        return self.store.staff_members()

    def save_staff_member(self, username: str, name: str, title: str, department: str, admin: bool = False,
                          leader: bool = False, staff: str = "") -> StaffMember:
        """Add a staff member or update one (a member who had left is active again)."""
        username = username.strip().lower()
        member = StaffMember(username, clean(name), clean(title), clean(department), admin, leader=leader)
        if not USERNAME.fullmatch(username):
            raise InvalidInput("Tên đăng nhập gồm 2–50 chữ thường không dấu, số, dấu chấm hoặc gạch (vd. hoa.tt)")
        if not member.name or not member.title or not member.department:
            raise InvalidInput("Cần họ tên, chức danh và bộ phận của cán bộ")
        with self.store.write():
            self._save_member(member, staff)
            self._keep_an_admin()
        return next(m for m in self.store.staff_members() if m.username == username)

    def _save_member(self, m: StaffMember, staff: str) -> str:
        if not m.active:
            self.store.staff_member(m.username)
            self._drop_member(m.username)
            return self._event(f"staff:{m.username}", "removed", {"username": m.username}, staff)
        self.store.save_staff(m.username, m.name, m.title, m.department, m.admin, m.leader)
        payload = {k: v for k, v in asdict(m).items() if k != "has_pin"}
        return self._event(f"staff:{m.username}", "saved", payload, staff)

    def _keep_an_admin(self) -> None:
        if not any(m.admin and m.active for m in self.store.staff_members()):
            raise Conflict("Văn phòng phải còn ít nhất một cán bộ quản trị (admin)")

    def _drop_member(self, username: str) -> None:
        self.store.deactivate_staff(username)
        self.store.drop_pin(username, self._now())

    def remove_staff_member(self, username: str, staff: str = "") -> None:
        """A staff member left: their PIN and sessions end, their name stays on past steps."""
        if username == staff:
            raise Conflict("Không thể tự xóa tài khoản của chính mình")
        with self.store.write():
            if not self.store.staff_member(username)["active"]:
                raise Conflict(f"Cán bộ {username!r} đã nghỉ")
            self._drop_member(username)
            self._keep_an_admin()
            self._event(f"staff:{username}", "removed", {"username": username}, staff)

    def set_staff_pin(self, username: str, pin: str, staff: str = "") -> None:
        """Set or reset a staff member's PIN (the PIN rules of `office.auth.check_new_pin`); their
        open sessions end."""
        with self.store.write():
            if not self.store.staff_member(username)["active"]:
                raise Conflict(f"Cán bộ {username!r} đã nghỉ: thêm lại trước khi đặt mã PIN")
            Credentials(self.store, self.clock).set_pin(username, pin)
            self._event(f"staff:{username}", "pin_set", {"username": username}, staff)

    # ---- services and counters ------------------------------------------------------------------

    def set_service_open(self, code: str, is_open: bool, staff: str = "") -> Service:
        """Open a queue service, or close it: kiosks stop issuing its tickets, those waiting are served."""
        with self.store.write():
            self.store.service(code)
            self.store.set_service_open(code, is_open)
            service = self.store.service(code)
            self._event(f"service:{code}", "opened" if is_open else "closed", {"code": code}, staff)
        return service

    def set_counter_open(self, counter_id: int, is_open: bool, staff: str = "") -> Counter:
        """Open a counter, or close it (out of service: no login, no calls, off the board)."""
        with self.store.write():
            if not is_open and any(t.counter_id == counter_id for t in self.store.tickets(
                    self._now().date(), [TicketState.CALLED, TicketState.SERVING])):
                raise Conflict(f"Quầy {counter_id} đang gọi hoặc phục vụ một số: kết thúc trước khi đóng quầy")
            self.store.counter(counter_id)
            self.store.set_counter_open(counter_id, is_open)
            counter = self.store.counter(counter_id)
            self._event(f"counter:{counter_id}", "opened" if is_open else "closed", {"id": counter_id}, staff)
        return counter

    # ---- hours, calendar, kiosk PIN ---------------------------------------------------------------

    def office_settings(self) -> dict:
        """What the office head can change besides staff, services and counters: ticket hours,
        the office's own calendar days, whether the kiosk admin PIN is set (as plain JSON)."""
        c = self.config
        return {"ticket_sessions": [[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in c.ticket_sessions],
                "working_sessions": [[a.isoformat("minutes"), b.isoformat("minutes")]
                                     for a, b in c.working_sessions],
                "calendar_days": [{"day": d.day.isoformat(), "kind": d.kind, "reason": d.reason}
                                  for d in self.store.calendar_days() if d.source == "office"],
                "kiosk_pin_set": self.store.secret_hash(KIOSK_PIN) is not None}

    def set_ticket_hours(self, sessions: list[list[str]], staff: str = "") -> None:
        """When kiosks issue tickets, e.g. [["07:00", "11:15"], ["13:30", "16:45"]]; inside working hours."""
        try:
            pairs = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in sessions)
        except (TypeError, ValueError):
            raise InvalidInput("Giờ cấp số phải có dạng 07:00–11:15, 13:30–16:45") from None
        if not pairs or any(a >= b for a, b in pairs) or any(
                pairs[i][1] > pairs[i + 1][0] for i in range(len(pairs) - 1)):
            raise InvalidInput("Các buổi cấp số phải theo thứ tự, không chồng lấn, giờ bắt đầu trước giờ kết thúc")
        work = self.config.working_sessions
        if not all(any(ws <= a and b <= we for ws, we in work) for a, b in pairs):
            hours = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in work)
            raise InvalidInput(f"Giờ cấp số phải nằm trong giờ làm việc ({hours})")
        with self.store.write():
            self.store.save_config(config_to_dict(replace(self.config, ticket_sessions=pairs)), self._now())
            self._event("ticket_hours", "set", {"sessions": [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in pairs]},
                        staff)
        self._load()

    def set_kiosk_pin(self, pin: str, staff: str = "") -> None:
        """Set the PIN that opens the kiosks' staff panel (and lets staff close the kiosk window)."""
        stored = hash_pin(check_new_pin(pin))
        with self.store.write():
            self.store.set_secret_hash(KIOSK_PIN, stored, self._now())
            self._event("kiosk_pin", "set", {}, staff)

    def unlock_kiosk_admin(self, pin: str) -> None:
        """Unauthorized unless `pin` is the kiosk admin PIN; Conflict while none is set. (The
        gateway locks out guessing and logs every attempt.)"""
        stored = self.store.secret_hash(KIOSK_PIN)
        if stored is None:
            raise Conflict("Chưa đặt mã quản trị kiosk: cán bộ quản trị đặt trong ứng dụng quầy "
                           "(màn hình Quản trị) hoặc bằng lệnh `main.py office kiosk-pin`")
        if not verify_pin(pin, stored):
            raise Unauthorized("Mã quản trị không đúng")
