"""Home: four large tiles with icons, the large-text switch (the language switch is in the status bar)."""
from __future__ import annotations

from kivy.properties import BooleanProperty

from devices.decoders import Scan
from kiosk.screens.base import KioskScreen


class HomeScreen(KioskScreen):
    """The start screen; a scan here jumps straight to lookup (receipt) or rating (ticket QR)."""

    ticket_stopped = BooleanProperty(False)  # the printer cannot print: the ticket tile says so

    def open(self, name: str) -> None:
        """Go to another screen."""
        self.app.go(name)

    def on_scan(self, scan: Scan) -> bool:
        """A receipt opens the lookup; a ticket's rating QR opens the rating."""
        target = "rate" if scan.kind == "ticket" else "lookup"
        self.app.go(target)
        return self.manager.get_screen(target).on_scan(scan)
