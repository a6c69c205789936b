"""Common behaviour of kiosk screens."""
from __future__ import annotations

from devices.decoders import Scan
from uikit.screen import AppScreen


class KioskScreen(AppScreen):
    """A kiosk screen: the shared busy flag, notice line and worker calls, plus scan/typing hooks.
    `clear()` runs on inactivity and when going home."""

    def cancel_timers(self) -> None:
        """Cancel scheduled callbacks (the app is stopping)."""

    def refresh(self) -> None:
        """Re-render texts computed in Python after a language switch."""

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
