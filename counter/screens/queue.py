"""Queue console: call next, recall, serve, finish, no-show, transfer, pause/resume; waiting counts."""
from __future__ import annotations

from kivy.properties import ListProperty, ObjectProperty, StringProperty

from counter.screens.base import CounterScreen
from office.model import TicketState

WAITING_SHOWN = 8  # numbers listed per service (the rest counted)


def minutes_since(start, now) -> int:
    """Whole minutes from `start` to `now` (0 if the clocks disagree)."""
    return max(0, int((now - start).total_seconds() // 60))


class QueueScreen(CounterScreen):
    """The ticket this counter is calling or serving, and every queue action on it."""

    ticket = ObjectProperty(None, allownone=True)
    service_names = ListProperty([])
    counter_names = ListProperty([])
    to_service = StringProperty("")
    to_counter = StringProperty("")

    def clear(self) -> None:
        """Forget the current ticket and the typed reason."""
        super().clear()
        self.ticket = None
        self.ids.reason.text = ""

    def on_pre_enter(self, *_):
        """Fill the transfer choices with the office's services."""
        self.service_names = [s.name for s in self.app.services.values()]
        self._update_counters()

    def on_to_service(self, *_):
        """Only counters serving the chosen service can take the transfer."""
        self._update_counters()

    def _update_counters(self) -> None:
        code = self._service_code(self.to_service)
        self.counter_names = [self.t("queue.any_counter")] + [
            c.name for c in self.app.counters if code in c.services]
        if self.to_counter not in self.counter_names:
            self.to_counter = self.counter_names[0]

    def _service_code(self, name: str) -> str | None:
        return next((s.code for s in self.app.services.values() if s.name == name), None)

    def state_text(self, ticket, _lang=None) -> str:
        """What is happening with the current ticket."""
        if ticket is None:
            return self.t("queue.state.idle")
        if ticket.state == TicketState.CALLED:
            return self.t("queue.state.called", calls=ticket.calls)
        return self.t("queue.state.serving")

    def waiting_text(self, waiting: list, _lang=None) -> str:
        """Per service: how many people wait, then their numbers with the minutes waited so far
        (priority marked), in issue order."""
        if not waiting:
            return self.t("queue.nobody")
        names = {code: s.name for code, s in self.app.services.items()}
        now, by_service = self.app.clock(), {}
        for ticket in waiting:
            by_service.setdefault(ticket.service_code, []).append(ticket)
        lines = []
        for code, tickets in sorted(by_service.items()):
            lines.append(f"[b]{self.t('queue.waiting_row', service=names.get(code, code), n=len(tickets))}[/b]")
            priority = " " + self.t("queue.priority_mark")
            shown = [f"{t.number}{priority if t.priority else ''} ({minutes_since(t.issued_at, now)}')"
                     for t in tickets[:WAITING_SHOWN]]
            more = len(tickets) - WAITING_SHOWN
            lines.append("   " + ", ".join(shown) + (f" {self.t('queue.more', n=more)}" if more > 0 else ""))
        return "\n".join(lines)

    # ---- actions ---------------------------------------------------------------------------------

    def action(self, name: str) -> None:
        """Run a queue action by name (buttons and F1–F7)."""
        if not self.busy:
            getattr(self, name)()

    def _after(self, message_key: str, **values):
        def done(ticket):
            self.ticket = ticket if ticket is not None and ticket.state in (
                TicketState.CALLED, TicketState.SERVING) else None
            self.say(message_key, tone="ok", **{k: v(ticket) if callable(v) else v for k, v in values.items()})
            self.app.refresh_waiting()
        return done

    def pick_up_current(self) -> None:
        """Show the ticket this counter was already calling or serving (after a restart or re-login)."""
        def done(ticket):
            self.ticket = ticket
        self.call(lambda: self.app.service.counter_ticket(self.app.counter.id), done)

    def call_next(self) -> None:
        """Call the next ticket (the current one, if served, is finished first)."""
        app = self.app
        counter_id = app.counter.id

        def done(ticket):
            if ticket is None:
                self.ticket = None
                self.say("queue.nobody", tone="warn")
                app.refresh_waiting()
            else:
                self._after("queue.called", number=ticket.number)(ticket)

        self.call(lambda: app.service.call_next(counter_id), done)

    def _with_ticket(self, fn, message_key: str, **values) -> None:
        if self.ticket is None:
            self.say("queue.no_ticket", tone="warn")
            return
        ticket_id, counter_id = self.ticket.id, self.app.counter.id
        self.call(lambda: fn(ticket_id, counter_id), self._after(message_key, **values))

    def recall(self) -> None:
        """Call the same number again."""
        number = self.ticket.number if self.ticket else ""
        self._with_ticket(self.app.service.recall, "queue.called", number=number)

    def serve(self) -> None:
        """The citizen has come to the counter."""
        self._with_ticket(self.app.service.start_serving, "queue.state.serving")

    def finish(self) -> None:
        """Finish serving, with the typed reason (optional)."""
        reason = self.ids.reason.text.strip()
        number = self.ticket.number if self.ticket else ""
        service = self.app.service
        self._with_ticket(lambda t, c: service.finish_ticket(t, c, reason), "queue.finished", number=number)

    def no_show(self) -> None:
        """The citizen did not come after the configured number of calls."""
        number = self.ticket.number if self.ticket else ""
        self._with_ticket(self.app.service.mark_no_show, "queue.no_showed", number=number)

    def transfer(self) -> None:
        """Send the citizen to the chosen service (and counter), keeping the number."""
        code = self._service_code(self.to_service)
        if code is None:
            self.say("queue.choose_service")
            return
        to_counter = next((c.id for c in self.app.counters if c.name == self.to_counter), None)
        reason, number, service = self.ids.reason.text.strip(), self.ticket.number if self.ticket else "", \
            self.app.service
        self._with_ticket(lambda t, c: service.transfer_ticket(t, c, code, to_counter, reason),
                          "queue.transferred", number=number, service=self.to_service)

    def toggle_pause(self) -> None:
        """Pause the counter with the typed reason, or resume it."""
        app = self.app
        counter_id = app.counter.id
        if app.counter.paused_reason is None:
            reason = self.ids.reason.text.strip()
            if not reason:
                self.say("queue.pause_reason")
                self.ids.reason.focus = True
                return
            fn, key = (lambda: app.service.pause_counter(counter_id, reason)), "queue.paused"
        else:
            fn, key = (lambda: app.service.resume_counter(counter_id)), "queue.resumed"

        def done(_):
            self.ids.reason.text = ""
            self.say(key, tone="ok")
            app.reload_counter()

        self.call(fn, done)
