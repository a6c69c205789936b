"""Staff login: user name, PIN, counter."""
from __future__ import annotations

from kivy.properties import ListProperty, StringProperty

from counter.screens.base import CounterScreen
from office.errors import Unauthorized


class LoginScreen(CounterScreen):
    """Logs a staff member in (hub session or local PIN check) and picks the counter."""

    first_field = "username"  # keys typed with no field focused go here

    counter_names = ListProperty([])
    counter_choice = StringProperty("")

    def set_counters(self, counters, preset: int | None) -> None:
        """The counters to choose from (`preset`: the --counter given on the command line)."""
        self.counters = list(counters)
        self.counter_names = [c.name for c in self.counters]
        chosen = next((c for c in self.counters if c.id == preset), None)
        if chosen is not None:
            self.counter_choice = chosen.name

    def focus_first(self) -> None:
        """The PIN when the user name is already there (after a logout), else the user name."""
        if any(getattr(w, "focus", False) for w in self.walk(restrict=True)):
            return
        (self.ids.pin if self.ids.username.text.strip() else self.ids.username).focus = True

    def clear(self) -> None:
        """Empty the PIN (the user name and counter stay for the next login)."""
        super().clear()
        self.ids.pin.text = ""

    def _counters_arrived(self, counters) -> None:
        self.app.counters_loaded(counters)
        if self.counter_names:
            self.submit()

    def submit(self) -> None:
        """Check the PIN on the worker, then open the queue console."""
        if self.busy:
            return
        username, pin = self.ids.username.text.strip(), self.ids.pin.text.strip()
        counter = next((c for c in getattr(self, "counters", []) if c.name == self.counter_choice), None)
        if not self.counter_names:  # the hub has not given the counters yet: ask again, then go on
            self.call(self.app.service.counters, self._counters_arrived)
            return
        if not username or not pin or counter is None:
            self.say("login.need_all")
            return

        def done(actor):
            self.ids.pin.text = ""
            self.app.logged_in(username, actor, counter)

        def failed(error):
            if isinstance(error, Unauthorized):
                self.ids.pin.text = ""
            self.show_error(error)
            self.ids.pin.focus = True  # type the PIN again at once

        self.call(lambda: self.app.service.login(username, pin, counter.id), done, failed)
