"""The office head's admin screen (only for a staff member who is an office admin): staff members
and their PINs, services and counters opened or closed, ticket hours, the office's own calendar
days, and the kiosks' staff-panel PIN. Every change goes through the office port, so the office
checks it (admin only, PIN rules) and records it in the change log."""
from __future__ import annotations

from kivy.properties import BooleanProperty, DictProperty, ListProperty, ObjectProperty

from counter.screens.base import CounterScreen, new_key
from counter.widgets import ItemButton
from office.text import parse_day

KIND_OFF, KIND_WORK = "day_off", "working_day"


class OfficeAdminScreen(CounterScreen):
    """Lists on the left (staff), settings on the right; one notice line for every answer."""

    staff = ListProperty([])
    services = ListProperty([])
    counters = ListProperty([])
    settings = DictProperty({})
    chosen = ObjectProperty(None, allownone=True)  # the staff member being edited
    kiosk_pin_set = BooleanProperty(False)

    def on_pre_enter(self, *_):
        """Load everything each time the screen is shown."""
        self.reload()

    def clear(self) -> None:
        """Forget what was shown and typed (logout)."""
        super().clear()
        self.staff, self.services, self.counters, self.settings, self.chosen = [], [], [], {}, None
        for field in ("username", "name", "title", "department", "staff_pin", "hours", "day", "reason",
                      "kiosk_pin"):
            self.ids[field].text = ""

    def reload(self) -> None:
        """Staff, services, counters and settings from the office."""
        service = self.app.service

        def load():
            return (service.staff_members(), service.services(include_closed=True),
                    service.counters(include_closed=True), service.office_settings())

        self.call(load, self._loaded, keep_notice=True)

    def _loaded(self, answer) -> None:
        self.staff, self.services, self.counters, self.settings = answer
        self.kiosk_pin_set = self.settings["kiosk_pin_set"]
        self.ids.hours.text = ", ".join(f"{a}-{b}" for a, b in self.settings["ticket_sessions"])
        if self.chosen is not None:
            self.chosen = next((m for m in self.staff if m.username == self.chosen.username), None)

    # ---- lists -----------------------------------------------------------------------------------

    def on_staff(self, *_):
        """One button per staff member."""
        self._fill(self.ids.staff_rows, self.staff, self.staff_text,
                   lambda m: "ghost" if m.active else "secondary", self.choose)

    def on_services(self, *_):
        """One toggle per queue service."""
        self._fill(self.ids.service_rows, self.services,
                   lambda s: self.t("admin.service_row", prefix=s.prefix, name=s.name,
                                    state=self.t("admin.open" if s.open else "admin.closed")),
                   lambda s: "ok" if s.open else "danger",
                   lambda s: self._change(lambda k: self.app.service.set_service_open(s.code, not s.open,
                                                                                      idempotency_key=k),
                                          "admin.service_done", name=s.name))

    def on_counters(self, *_):
        """One toggle per counter."""
        self._fill(self.ids.counter_rows, self.counters,
                   lambda c: self.t("admin.counter_row", name=c.name,
                                    state=self.t("admin.open" if c.open else "admin.closed")),
                   lambda c: "ok" if c.open else "danger",
                   lambda c: self._change(lambda k: self.app.service.set_counter_open(c.id, not c.open,
                                                                                      idempotency_key=k),
                                          "admin.counter_done", name=c.name))

    def on_settings(self, *_):
        """The office's own calendar days."""
        self._fill(self.ids.day_rows, self.settings.get("calendar_days", []),
                   lambda d: self.t("admin.day_row", day=_dmy(d["day"]), reason=d["reason"],
                                    kind=self.t("admin.day_off" if d["kind"] == KIND_OFF else "admin.day_work")),
                   lambda d: "ghost", self._pick_day)

    @staticmethod
    def _fill(box, items, text, tone, on_press) -> None:
        box.clear_widgets()
        for item in items:
            box.add_widget(ItemButton(text=text(item), item=item, tone=tone(item),
                                      on_release=lambda b: on_press(b.item)))

    def staff_text(self, m) -> str:
        """One line of the staff list."""
        flags = [self.t(key) for key, on in (("admin.flag_leader", m.leader), ("admin.flag_admin", m.admin),
                                             ("admin.flag_no_pin", m.active and not m.has_pin),
                                             ("admin.flag_left", not m.active)) if on]
        return f"[b]{m.username}[/b] — {m.name} — {m.title}" + (f" — [i]{' · '.join(flags)}[/i]" if flags else "")

    # ---- staff -----------------------------------------------------------------------------------

    def choose(self, member) -> None:
        """Edit a staff member (or start a new one with `None`)."""
        self.chosen = member
        self.notice = ""
        ids = self.ids
        ids.username.text = member.username if member else ""
        ids.name.text = member.name if member else ""
        ids.title.text = member.title if member else ""
        ids.department.text = member.department if member else ""
        ids.admin.active = bool(member and member.admin)
        ids.staff_pin.text = ""
        (ids.staff_pin if member else ids.username).focus = True

    def save_member(self) -> None:
        """Add or update the staff member of the form."""
        ids = self.ids
        values = (ids.username.text.strip(), ids.name.text, ids.title.text, ids.department.text, ids.admin.active)
        self._change(lambda k: self.app.service.save_staff_member(*values, idempotency_key=k),
                     "admin.staff_saved", name=values[0])

    def remove_member(self) -> None:
        """The chosen staff member left."""
        if self.chosen is None:
            self.say("admin.choose_staff")
            return
        username = self.chosen.username
        self._change(lambda k: self.app.service.remove_staff_member(username, idempotency_key=k),
                     "admin.staff_removed", name=username)

    def set_member_pin(self) -> None:
        """Set or reset the chosen staff member's PIN."""
        if self.chosen is None:
            self.say("admin.choose_staff")
            return
        username, pin = self.chosen.username, self.ids.staff_pin.text.strip()
        self.ids.staff_pin.text = ""
        self._change(lambda k: self.app.service.set_staff_pin(username, pin), "admin.pin_set", name=username)

    # ---- hours, days, kiosk PIN ------------------------------------------------------------------

    def save_hours(self) -> None:
        """Ticket hours typed as "07:00-11:15, 13:30-16:45"."""
        sessions = [[part.strip() for part in chunk.split("-", 1)] for chunk in self.ids.hours.text.split(",")
                    if chunk.strip()]
        if not sessions or any(len(s) != 2 for s in sessions):
            self.say("admin.bad_hours")
            return
        self._change(lambda k: self.app.service.set_ticket_hours(sessions, idempotency_key=k), "admin.hours_saved")

    def _pick_day(self, day: dict) -> None:
        self.ids.day.text, self.ids.reason.text = _dmy(day["day"]), day["reason"]

    def save_day(self, kind: str) -> None:
        """Declare the typed day a day off or a working day for this office."""
        day, reason = parse_day(self.ids.day.text), self.ids.reason.text
        if day is None:
            self.say("admin.bad_day")
            return
        self._change(lambda k: self.app.service.set_calendar_day(day, kind, reason, idempotency_key=k),
                     "admin.day_saved", day=f"{day:%d/%m/%Y}")

    def clear_day(self) -> None:
        """Forget what the office declared for the typed day."""
        day = parse_day(self.ids.day.text)
        if day is None:
            self.say("admin.bad_day")
            return
        self._change(lambda k: self.app.service.clear_calendar_day(day, idempotency_key=k),
                     "admin.day_cleared", day=f"{day:%d/%m/%Y}")

    def set_kiosk_pin(self) -> None:
        """Set the kiosks' staff-panel PIN."""
        pin = self.ids.kiosk_pin.text.strip()
        self.ids.kiosk_pin.text = ""
        self._change(lambda k: self.app.service.set_kiosk_pin(pin), "admin.kiosk_pin_set")

    def _change(self, action, done_key: str, **values) -> None:
        """Send one change (with its own idempotency key), say it is done, reload."""
        if self.busy:
            return
        key = new_key()

        def done(_):
            self.reload()
            self.say(done_key, tone="ok", **values)

        self.call(lambda: action(key), done)

    def submit(self) -> None:
        """Ctrl+Enter: save the staff member of the form."""
        self.save_member()


def _dmy(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
