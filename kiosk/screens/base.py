"""Common behaviour of kiosk screens."""
from __future__ import annotations

from uikit.screen import AppScreen


class KioskScreen(AppScreen):
    """A kiosk screen: the shared busy flag, notice line, worker calls, plain-words errors and
    scan/typing hooks (uikit.screen). `clear()` runs on inactivity and when going home. The notice
    is remembered by what it says (a text key, or a failed call's error) so that a language switch
    tells it again in the new language."""

    _said = None  # (key, tone, values) or the error behind the notice shown

    def say(self, key: str, tone: str = "bad", **values) -> None:
        """Show a notice line (and remember it for a language switch)."""
        super().say(key, tone, **values)
        self._said = (key, tone, values)

    def show_error(self, error: BaseException) -> None:
        """Tell why a call failed (and remember it for a language switch)."""
        super().show_error(error)
        self._said = error

    def on_busy(self, _, busy: bool) -> None:
        """An answer came back and the screen fills in: the next touch waits a moment too."""
        if not busy and self.app is not None and hasattr(self.app, "hold_touches"):
            self.app.hold_touches()

    def retell(self) -> None:
        """The notice shown, again in the current language."""
        if not self.notice or self._said is None:
            return
        if isinstance(self._said, BaseException):
            super().show_error(self._said)
        else:
            key, tone, values = self._said
            super().say(key, tone, **values)

    def guide_name(self) -> str:
        """The guidance clip for what the screen shows: `<screen>_<step>`, or the screen's name."""
        step = getattr(self, "step", "")
        return f"{self.name}_{step}" if step else self.name
