"""Common behaviour of counter screens."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from hub.client import HubUnavailable
from devices.decoders import Scan
from uikit.screen import AppScreen


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


class CounterScreen(AppScreen):
    """A counter screen: the shared busy flag, notice line and worker calls, plus the scan and
    Ctrl+Enter hooks. `clear()` runs at logout."""

    def show_error(self, error: BaseException) -> None:
        """A clear message for a failed call: the domain's Vietnamese message, or what to do."""
        if isinstance(error, HubUnavailable):
            self.say("error.unavailable")
        else:
            super().show_error(error)

    def submit(self) -> None:
        """Ctrl+Enter: the screen's main action."""

    def on_scan(self, scan: Scan) -> bool:
        """A receipt was scanned (keyboard-wedge burst) while this screen is shown; True if used."""
        return False
