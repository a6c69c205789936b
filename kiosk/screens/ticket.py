"""Take a queue ticket: choose a service (searchable), a priority only for those who ask, print it.

The number is issued once per request (idempotency key); if the printer fails, the number is
shown large with a notice, staff are alerted, and "print again" reprints the same number. While
the printer cannot print (out of paper, offline) no number is issued: the screen says so and sends
people to a counter (staff were alerted when it stopped).
"""
from __future__ import annotations

import uuid

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, OptionProperty, StringProperty

from devices.printer import Paper, PrintFailure
from devices.ticket_render import ticket_info
from kiosk.screens.base import KioskScreen
from kiosk.widgets import apply_key
from office.errors import OutsideHours
from office.text import fold, moment


class TicketScreen(KioskScreen):
    """Service (→ priority, when asked for) → issued ticket (printed, or shown on screen when
    printing fails); `no_printer` while the printer cannot print."""

    step = OptionProperty("service", options=["service", "priority", "done", "no_printer"])
    query = StringProperty("")
    closed_text = StringProperty("")  # outside ticket hours: the banner above the services
    wants_priority = BooleanProperty(False)  # the citizen pressed "I am in a priority group"
    services = ListProperty([])  # [(Service, [procedure names])]
    priorities = ListProperty([])
    chosen = ObjectProperty(None, allownone=True)  # Service
    priority = ObjectProperty(None, allownone=True)  # PriorityCategory
    receipt = ObjectProperty(None, allownone=True)  # TicketReceipt
    print_state = OptionProperty("idle", options=["idle", "printing", "printed", "failed"])
    number = StringProperty("")
    details_text = StringProperty("")

    def __init__(self, **kw):
        super().__init__(**kw)
        self.request_key: str | None = None
        self.prints = 0
        self.failure = "error"

    def clear(self) -> None:
        """Forget the choice and the issued ticket."""
        super().clear()
        self.step, self.query, self.closed_text, self.wants_priority = "service", "", "", False
        self.chosen = self.priority = self.receipt = None
        self.print_state, self.number, self.details_text = "idle", "", ""
        self.request_key, self.prints = None, 0
        self.ids.service_grid.clear_widgets()

    def on_pre_enter(self, *_):
        """Load the catalogue and check ticket hours and the printer."""
        if self.step == "done":
            return
        self.app.check_printer()
        self.printer_changed()
        svc = self.app.service

        def load():
            procedures = svc.procedures()
            catalogue = []
            for s in svc.services():
                names = [p.name for p in procedures if p.field_code in s.field_codes]
                catalogue.append((s, names))
            return svc.ticket_issuing_open(), catalogue, list(svc.priority_categories())

        self.call(load, self._loaded)

    def _loaded(self, result) -> None:
        is_open, self.services, self.priorities = result
        self.closed_text = "" if is_open else self.hours_text()
        self.show_services()

    def hours_text(self) -> str:
        """Outside ticket hours: say so, with the hours."""
        hours = self.app.office_info.get("ticket_hours")
        return self.t("ticket.closed_hours", hours=", ".join(hours)) if hours else self.t("ticket.closed")

    def printer_changed(self) -> None:
        """Stop offering tickets while the printer cannot print; offer them again when it can."""
        if self.app.printer_stopped() and self.step in ("service", "priority"):
            self.step = "no_printer"
        elif not self.app.printer_stopped() and self.step == "no_printer":
            self.step = "service"

    # ---- choosing ---------------------------------------------------------------------------

    def press_search_key(self, key: str) -> None:
        """Type into the search box (without diacritics: the search ignores them)."""
        self.query = apply_key(self.query, key, limit=30)
        self.show_services()

    def clear_search(self) -> None:
        """Empty the search box."""
        self.query = ""
        self.show_services()

    def matching(self) -> list:
        """Services whose name or procedures match the search (diacritics ignored)."""
        words = fold(self.query).split()
        out = []
        for service, names in self.services:
            haystack = fold(" ".join([service.name, *names]))
            if all(w in haystack for w in words):
                out.append((service, names))
        return out

    def show_services(self) -> None:
        """Fill the grid with one large button per matching service."""
        grid = self.ids.service_grid
        grid.clear_widgets()
        for service, names in self.matching():
            button = Factory.ChoiceButton(title=service.name, value=service,
                                          subtitle=", ".join(names[:3]) + ("…" if len(names) > 3 else ""))
            button.bind(on_release=lambda b: self.choose(b.value))
            grid.add_widget(button)
        if not grid.children:
            self.say("ticket.no_match", tone="warn")
        else:
            self.notice = ""

    def toggle_priority(self) -> None:
        """The citizen says they are in a priority group (or takes it back)."""
        self.wants_priority = not self.wants_priority

    def choose(self, service) -> None:
        """A service was chosen: the priority groups next if the citizen asked for priority."""
        self.chosen = service
        if self.wants_priority and self.priorities:
            self.step = "priority"
            grid = self.ids.priority_grid
            grid.clear_widgets()
            for category in [*self.priorities, None]:
                b = Factory.ChoiceButton(title=category.name if category else self.t("ticket.no_priority"),
                                         value=category)
                b.bind(on_release=lambda b: self.issue(b.value))
                grid.add_widget(b)
        else:
            self.issue(None)

    # ---- issuing and printing ----------------------------------------------------------------

    def issue(self, priority) -> None:
        """Issue the ticket (once per request: a retry reuses the idempotency key)."""
        if self.busy or self.receipt is not None:
            return
        self.priority = priority
        self.request_key = self.request_key or f"kiosk-{uuid.uuid4()}"
        code, key = self.chosen.code, self.request_key
        pcode = priority.code if priority else None
        self.call(lambda: self.app.service.issue_ticket(code, pcode, idempotency_key=key),
                  self.issued, self.issue_failed)

    def issue_failed(self, error: BaseException) -> None:
        """Show why no ticket was issued (outside hours, hub unreachable: press again to retry)."""
        if isinstance(error, OutsideHours):
            self.step, self.closed_text = "service", self.hours_text()
        else:
            self.show_error(error)

    def issued(self, receipt) -> None:
        """The number exists now: show it and print it."""
        self.receipt, self.step, self.number = receipt, "done", receipt.ticket.number
        self.refresh()
        self.print_ticket()

    def refresh(self) -> None:
        """Render the closed banner, the "no priority" choice and the ticket details in the
        current language."""
        if self.closed_text:
            self.closed_text = self.hours_text()
        for button in self.ids.priority_grid.children:
            if button.value is None:
                button.title = self.t("ticket.no_priority")
        r = self.receipt
        if r is None:
            return
        lines = [r.service_name]
        if r.counters:
            lines.append(self.t("ticket.go_to", counters=", ".join(r.counters)))
        if self.priority:
            lines.append(self.t("ticket.priority_note", name=self.priority.name))
        lines.append(self.t("ticket.ahead", n=r.people_ahead))
        lines.append(self.t("ticket.wait", minutes=r.estimated_wait_minutes) if r.estimated_wait_minutes
                     else self.t("ticket.wait_none"))
        lines.append(self.t("ticket.issued_at", when=f"{moment(r.ticket.issued_at, date_first=True)}"))
        self.details_text = "\n".join(lines)
        self._print_notice()

    def print_ticket(self) -> None:
        """Print (or reprint) the issued number on the device worker; never issues again."""
        if self.receipt is None or self.print_state == "printing":
            return
        info = ticket_info(self.receipt, self.app.office_name,
                           self.priority.name if self.priority else None, reprint=self.prints > 0,
                           hub_url=self.app.office.get("hub_url", ""))
        self.print_state = "printing"
        self._print_notice()
        self.app.print_ticket(info, self.printed, self.print_failed)

    def printed(self, paper: Paper) -> None:
        """The ticket came out of the printer."""
        self.prints += 1
        self.print_state = "printed"
        self._print_notice()
        self.app.guide(self.guide_name())

    def print_failed(self, error: BaseException) -> None:
        """The printer failed: the number stays on screen, with a notice."""
        self.print_state = "failed"
        self.failure = error.reason if isinstance(error, PrintFailure) else "error"
        self._print_notice()
        self.app.guide(self.guide_name())

    def _print_notice(self) -> None:
        state = self.print_state
        if state == "printing":
            self.say("ticket.printing", tone="ok")
        elif state == "printed":
            self.say("ticket.printed", tone="ok")
        elif state == "failed":
            self.say(f"ticket.print_failed_{self.failure}", tone="warn")

    def guide_name(self) -> str:
        """The issued ticket's clip says whether to take the paper or remember the number."""
        if self.step == "done":
            return {"printed": "ticket_printed", "failed": "ticket_unprinted"}.get(self.print_state, "")
        return f"ticket_{'closed' if self.step == 'service' and self.closed_text else self.step}"
