"""Common behaviour of counter screens."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from office.client import HubUnavailable
from office.devices.decoders import Scan


def parse_day(text: str) -> date | None:
    """A dd/mm/yyyy date, or None when the text is not one."""
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def parse_moment(text: str) -> datetime | None:
    """A "dd/mm/yyyy HH:MM" (or "dd/mm/yyyy", then 17:00) date and time, or None."""
    text = " ".join(text.split())
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment if fmt != "%d/%m/%Y" else moment.replace(hour=17)
    return None


def new_key() -> str:
    """A fresh idempotency key for one intended action (kept until that action succeeds)."""
    return uuid.uuid4().hex


class CounterScreen(Screen):
    """A counter screen: busy flag, a notice line, service calls on the worker, scan hook."""

    busy = BooleanProperty(False)
    notice = StringProperty("")
    notice_tone = StringProperty("bad")  # bad | warn | ok

    @property
    def app(self):
        """The running CounterApp."""
        return App.get_running_app()

    def t(self, key: str, **values) -> str:
        """A text in the current language."""
        return self.app.t(key, **values)

    def clear(self) -> None:
        """Forget everything entered (logout)."""
        self.busy = False
        self.notice = ""

    def say(self, key: str, tone: str = "bad", **values) -> None:
        """Show a notice line."""
        self.notice, self.notice_tone = self.t(key, **values), tone

    def call(self, fn, on_done, on_error=None, keep_notice: bool = False) -> None:
        """Run a service call on the worker; the screen is busy until the answer is back."""
        self.busy = True
        if not keep_notice:
            self.notice = ""

        def done(result):
            self.busy = False
            on_done(result)

        def failed(error):
            self.busy = False
            (on_error or self.show_error)(error)

        self.app.call_service(fn, done, failed)

    def show_error(self, error: BaseException) -> None:
        """A clear message for a failed call: the domain's Vietnamese message, or what to do."""
        if isinstance(error, HubUnavailable):
            self.say("error.unavailable")
        else:
            self.notice, self.notice_tone = getattr(error, "message", None) or str(error), "bad"

    def submit(self) -> None:
        """Ctrl+Enter: the screen's main action."""

    def on_scan(self, scan: Scan) -> bool:
        """A receipt was scanned (keyboard-wedge burst) while this screen is shown; True if used."""
        return False
