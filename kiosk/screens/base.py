"""Common behaviour of kiosk screens."""
from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from office.devices.decoders import Scan


class KioskScreen(Screen):
    """A kiosk screen: busy flag, a notice line, service calls on the worker, scan/typing hooks."""

    busy = BooleanProperty(False)
    notice = StringProperty("")
    notice_tone = StringProperty("bad")  # bad | warn | ok

    @property
    def app(self):
        """The running KioskApp."""
        return App.get_running_app()

    def t(self, key: str, **values) -> str:
        """A text in the current language."""
        return self.app.t(key, **values)

    def clear(self) -> None:
        """Forget everything shown (inactivity, going home)."""
        self.busy = False
        self.notice = ""

    def cancel_timers(self) -> None:
        """Cancel scheduled callbacks (the app is stopping)."""

    def refresh(self) -> None:
        """Re-render texts computed in Python after a language switch."""

    def say(self, key: str, tone: str = "bad", **values) -> None:
        """Show a notice line."""
        self.notice, self.notice_tone = self.t(key, **values), tone

    def call(self, fn, on_done, on_error=None) -> None:
        """Run a service call on the worker; the screen is busy until the result is back."""
        self.busy = True
        self.notice = ""

        def done(result):
            self.busy = False
            on_done(result)

        def failed(error):
            self.busy = False
            (on_error or self.show_error)(error)

        self.app.call_service(fn, done, failed)

    def show_error(self, error: BaseException) -> None:
        """A clear message for a failed call; domain messages are shown as they are (Vietnamese)."""
        message = getattr(error, "message", None)
        if message and self.app.lang == "vi":
            self.notice, self.notice_tone = message, "bad"
        elif message:
            self.say(f"error.{getattr(error, 'code', 'domain_error')}")
        else:
            self.say("error.unavailable")

    def on_scan(self, scan: Scan) -> bool:
        """A barcode was scanned while this screen is shown; True if it was used."""
        return False

    def on_typed(self, text: str) -> None:
        """Keys typed on a physical keyboard (not a scanner burst)."""

    def on_enter_key(self) -> None:
        """Enter pressed on a physical keyboard."""
