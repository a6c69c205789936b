"""Common behaviour of kiosk screens."""
from __future__ import annotations

from uikit.screen import AppScreen


class KioskScreen(AppScreen):
    """A kiosk screen: the shared busy flag, notice line, worker calls, plain-words errors and
    scan/typing hooks (uikit.screen). `clear()` runs on inactivity and when going home."""
