"""Common behaviour of kiosk screens."""
from __future__ import annotations

from uikit.screen import AppScreen


class KioskScreen(AppScreen):
    """A kiosk screen: the shared busy flag, notice line, worker calls, plain-words errors and
    scan/typing hooks (uikit.screen). `clear()` runs on inactivity and when going home."""

    def guide_name(self) -> str:
        """The guidance clip for what the screen shows: `<screen>_<step>`, or the screen's name."""
        step = getattr(self, "step", "")
        return f"{self.name}_{step}" if step else self.name
