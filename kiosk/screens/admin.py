"""Hidden admin screen (opened by tapping the office name 5 times quickly): PIN, device status,
test print, exit."""
from __future__ import annotations

from kivy.properties import NumericProperty, OptionProperty, StringProperty

from kiosk.screens.base import KioskScreen
from kiosk.widgets import apply_key

MAX_PIN_TRIES = 3


class AdminScreen(KioskScreen):
    """PIN entry, then the staff panel."""

    step = OptionProperty("pin", options=["pin", "panel"])
    pin = StringProperty("")
    tries = NumericProperty(0)
    status_text = StringProperty("")

    def clear(self) -> None:
        """Lock again."""
        super().clear()
        self.step, self.pin, self.tries, self.status_text = "pin", "", 0, ""

    def press_key(self, key: str) -> None:
        """A PIN keypad key."""
        if key.isdigit() or key == "BACK":
            self.pin = apply_key(self.pin, key, limit=8)
            self.notice = ""

    def check_pin(self) -> None:
        """Open the panel on the right PIN; three wrong PINs go home."""
        if self.pin == self.app.settings.admin_pin:
            self.step, self.pin = "panel", ""
            self.refresh()
            return
        self.pin = ""
        self.tries += 1
        if self.tries >= MAX_PIN_TRIES:
            self.app.go_home()
        else:
            self.say("admin.wrong_pin")

    def refresh(self) -> None:
        """Device and connection status lines."""
        if self.step != "panel":
            return
        self.status_text = "\n".join([
            self.t("admin.printer", target=self.app.printer.describe(),
                   state=self.t(f"state.printer.{self.app.root.printer_state}")),
            self.t("admin.camera", state=self.t(f"state.camera.{self.app.root.camera_state}")),
            self.t("admin.hub", state=self.t(f"state.hub.{self.app.root.hub_problem or self.app.root.hub_state}")),
            *[self.t("admin.alert", text=a) for a in self.app.alert_lines()[-5:]],
        ])

    def test_print(self) -> None:
        """Print a sample ticket (no number is issued)."""
        self.app.print_sample(lambda paper: self.refresh(), lambda error: self.refresh())
