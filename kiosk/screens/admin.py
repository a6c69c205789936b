"""Hidden admin screen (opened by tapping the office name 5 times quickly): the office's kiosk PIN,
then device status, test print and exit. There is no default PIN: the office sets it (`office
init` prints the first one; the office admin changes it). The office checks it, locks out
guessing and logs every attempt, so the panel (and the way out of the kiosk) needs the office's
answer: with the hub unreachable it stays closed."""
from __future__ import annotations

from kivy.properties import NumericProperty, OptionProperty, StringProperty

from kiosk.screens.base import KioskScreen
from kiosk.widgets import apply_key
from office.errors import Unauthorized, Unavailable, UnknownDevice

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
            self.pin = apply_key(self.pin, key, limit=6)
            self.notice = ""

    def check_pin(self) -> None:
        """Ask the office whether the PIN is right: the panel opens; three wrong PINs go home."""
        if self.busy or not self.pin:
            return
        pin, self.pin = self.pin, ""

        def opened(_):
            self.step = "panel"
            self.refresh()

        def refused(error):
            if isinstance(error, (Unavailable, UnknownDevice)):  # the office cannot check the PIN
                problem = "denied" if isinstance(error, UnknownDevice) else "unavailable"
                self.notice = self.t("admin.hub", state=self.t(f"state.hub.{problem}"))
                return
            if not isinstance(error, Unauthorized):
                self.show_error(error)  # locked out after wrong PINs, or no kiosk PIN set yet
                return
            self.tries += 1
            if self.tries >= MAX_PIN_TRIES:
                self.app.go_home()
            else:
                self.say("admin.wrong_pin")

        self.call(lambda: self.app.service.unlock_kiosk_admin(pin), opened, refused)

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
