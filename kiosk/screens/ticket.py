"""Take a queue ticket: choose a service (searchable), optionally a priority, print it.

The number is issued once per request (idempotency key); if the printer fails, the number is
shown large with a notice, staff are alerted, and "print again" reprints the same number.
"""
from __future__ import annotations

import uuid

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

from devices.printer import Paper, PrintFailure
from devices.ticket_render import ticket_info
from kiosk.screens.base import KioskScreen
from kiosk.widgets import apply_key
from office.errors import OutsideHours
from office.text import fold, moment


class TicketScreen(KioskScreen):
    """Service → priority → issued ticket (printed, or shown on screen when printing fails)."""

    step = OptionProperty("service", options=["closed", "service", "priority", "done"])
    query = StringProperty("")
    closed_text = StringProperty("")
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
        self.step, self.query, self.closed_text = "service", "", ""
        self.chosen = self.priority = self.receipt = None
        self.print_state, self.number, self.details_text = "idle", "", ""
        self.request_key, self.prints = None, 0
        self.ids.service_grid.clear_widgets()

    def on_pre_enter(self, *_):
        """Load the catalogue and check ticket hours."""
        if self.step == "done":
            return
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
        if not is_open:
            self.step = "closed"
            self.closed_text = self.t("ticket.closed")
        self.show_services()

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

    def choose(self, service) -> None:
        """A service was chosen: ask about priority next (if any categories are configured)."""
        self.chosen = service
        if self.priorities:
            self.step = "priority"
            grid = self.ids.priority_grid
            grid.clear_widgets()
            for category in [None, *self.priorities]:
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
            self.step = "closed"
            self.closed_text = error.message if self.app.lang == "vi" else self.t("ticket.closed")
        else:
            self.show_error(error)

    def issued(self, receipt) -> None:
        """The number exists now: show it and print it."""
        self.receipt, self.step, self.number = receipt, "done", receipt.ticket.number
        self.refresh()
        self.print_ticket()

    def refresh(self) -> None:
        """Render the ticket details in the current language."""
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
                           self.priority.name if self.priority else None, reprint=self.prints > 0)
        self.print_state = "printing"
        self._print_notice()
        self.app.print_ticket(info, self.printed, self.print_failed)

    def printed(self, paper: Paper) -> None:
        """The ticket came out of the printer."""
        self.prints += 1
        self.print_state = "printed"
        self._print_notice()

    def print_failed(self, error: BaseException) -> None:
        """The printer failed: the number stays on screen, with a notice."""
        self.print_state = "failed"
        self.failure = error.reason if isinstance(error, PrintFailure) else "error"
        self._print_notice()

    def _print_notice(self) -> None:
        state = self.print_state
        if state == "printing":
            self.say("ticket.printing", tone="ok")
        elif state == "printed":
            self.say("ticket.printed", tone="ok")
        elif state == "failed":
            self.say(f"ticket.print_failed_{self.failure}", tone="warn")
