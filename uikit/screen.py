"""The screen base of the Kivy apps: a busy flag, a notice line, texts in the current language,
service calls on the app's worker with failures told in plain words, and the hooks the App shell
calls (scans, typing, Enter, language switch, stopping)."""
from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen


class AppScreen(Screen):
    """A screen of a running OfficeApp (uikit.app)."""

    busy = BooleanProperty(False)
    notice = StringProperty("")
    notice_tone = StringProperty("bad")  # bad | warn | ok

    @property
    def app(self):
        """The running App."""
        return App.get_running_app()

    def t(self, key: str, **values) -> str:
        """A text in the current language."""
        return self.app.t(key, **values)

    def clear(self) -> None:
        """Forget what the screen shows."""
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
        """Tell the person why a call failed, in plain words chosen by the error's class."""
        self.notice, self.notice_tone = self.app.error_text(error), "bad"

    # ---- hooks of the App shell ------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-render texts computed in Python after a language switch."""

    def cancel_timers(self) -> None:
        """Cancel scheduled callbacks (the app is stopping)."""

    def on_scan(self, scan) -> bool:
        """A barcode was scanned while this screen is shown; True if it was used."""
        return False

    def on_typed(self, text: str) -> None:
        """Keys typed on a physical keyboard (not a scanner burst)."""

    def on_enter_key(self) -> None:
        """Enter pressed on a physical keyboard outside a text field."""
