"""The screen base of the Kivy apps: a busy flag, a notice line, texts in the current language and
service calls on the app's worker. Each app's screens add their own error wording and hooks."""
from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen


class AppScreen(Screen):
    """A screen of a running app that has `t(key, **values)` and `call_service(fn, done, failed)`."""

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
        """Show a failed call's message."""
        self.notice, self.notice_tone = getattr(error, "message", None) or str(error), "bad"
