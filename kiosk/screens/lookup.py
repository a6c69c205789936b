"""Dossier lookup: code (scan, USB scanner or keypad), then the lookup secret, then the status."""
from __future__ import annotations

import math

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

from devices.decoders import Scan
from kiosk.screens.base import KioskScreen
from kiosk.widgets import DIGITS, LETTERS, apply_key
from office.errors import DomainError, InvalidInput, NotFound, RateLimited
from office.model import Timeliness
from office.text import moment

TIMELINESS_COLOURS = {
    Timeliness.IN_TIME: (0.10, 0.55, 0.25, 1), Timeliness.EARLY: (0.10, 0.55, 0.25, 1),
    Timeliness.ON_TIME: (0.10, 0.55, 0.25, 1), Timeliness.DUE_SOON: (0.85, 0.55, 0.0, 1),
    Timeliness.OVERDUE: (0.80, 0.10, 0.10, 1), Timeliness.LATE: (0.80, 0.10, 0.10, 1),
}


class LookupScreen(KioskScreen):
    """Two-factor lookup (dossier code + 6-digit secret), rate-limited on this kiosk."""

    step = OptionProperty("code", options=["code", "secret", "result"])
    code = StringProperty("")
    secret = StringProperty("")
    letters = OptionProperty("digits", options=["digits", "letters"])
    view = ObjectProperty(None, allownone=True)
    # rendered result texts (language-dependent)
    status_text = StringProperty("")
    timeliness_text = StringProperty("")
    timeliness_colour = ListProperty([0, 0, 0, 1])
    dates_text = StringProperty("")
    next_text = StringProperty("")
    synced_text = StringProperty("")

    @property
    def keys(self) -> str:
        """The keys of the code keypad."""
        return DIGITS if self.letters == "digits" else LETTERS

    def on_pre_enter(self, *_):
        """Start with the office's agency code typed in, if the screen is empty."""
        if self.step == "code" and not self.code:
            self.code = self.app.code_prefix

    def clear(self) -> None:
        """Forget the code, the secret and the result."""
        super().clear()
        self.step, self.code, self.secret, self.view, self.letters = "code", "", "", None, "digits"
        self.status_text = self.timeliness_text = self.dates_text = self.next_text = ""
        self.synced_text = ""
        self.ids.timeline.clear_widgets()

    def restart(self) -> None:
        """Look up another dossier."""
        self.clear()
        self.code = self.app.code_prefix

    # ---- input -------------------------------------------------------------------------------

    def press_code_key(self, key: str) -> None:
        """A keypad key on the code step."""
        self.code = apply_key(self.code, key, limit=40)
        self.notice = ""

    def press_secret_key(self, key: str) -> None:
        """A keypad key on the secret step."""
        self.secret = apply_key(self.secret, key, limit=6) if key != "-" and key != "." else self.secret
        self.notice = ""

    def toggle_letters(self) -> None:
        """Switch the code keypad between digits and letters."""
        self.letters = "letters" if self.letters == "digits" else "digits"

    def code_done(self) -> None:
        """The code is typed: check its form, then ask for the secret."""
        from office.rules.codes import parse_dossier_code

        try:
            self.code = str(parse_dossier_code(self.code))
        except DomainError:
            self.say("lookup.bad_code")
            return
        self.step, self.secret = "secret", ""

    def back(self) -> None:
        """One step back (secret → code), or home."""
        if self.step == "secret":
            self.step, self.notice = "code", ""
        else:
            self.app.go_home()

    def on_typed(self, text: str) -> None:
        """A physical keyboard types into the current field."""
        for char in text.upper():
            if self.step == "code" and (char.isalnum() or char in ".-"):
                self.press_code_key(char)
            elif self.step == "secret" and char.isdigit():
                self.press_secret_key(char)

    def on_enter_key(self) -> None:
        """Enter confirms the current field."""
        if self.step == "code":
            self.code_done()
        elif self.step == "secret":
            self.submit()

    def on_scan(self, scan: Scan) -> bool:
        """A receipt scan fills the code (and the secret, from the QR) and looks it up."""
        if scan.kind != "dossier":
            return False
        self.clear()
        self.code = scan.code
        if scan.secret is None:
            self.step = "secret"
            self.say("lookup.scanned_need_secret", tone="ok")
        else:
            self.secret = scan.secret
            self.step = "secret"
            self.submit(scanned=True)
        return True

    # ---- lookup ------------------------------------------------------------------------------

    def submit(self, scanned: bool = False) -> None:
        """Look the dossier up (code + secret; `scanned`: both read from the receipt's QR) on the
        worker (the office limits guesses, typed and scanned apart)."""
        if self.busy:
            return
        if len(self.secret) != 6:
            self.say("lookup.secret_digits")
            return
        code, secret = self.code, self.secret
        self.call(lambda: self.app.service.kiosk_lookup(code, secret, scanned), self.show_view, self.failed)

    def failed(self, error: BaseException) -> None:
        """Wrong code or secret, or too many guesses: a clear message; anything else as usual."""
        if isinstance(error, RateLimited):
            self.secret = ""
            self.say("lookup.locked", minutes=max(1, math.ceil(error.retry_after / 60)))
        elif isinstance(error, (NotFound, InvalidInput)):
            self.secret = ""
            self.say("lookup.not_found")
        else:
            self.show_error(error)

    def show_view(self, view) -> None:
        """Show the public view of the dossier."""
        self.view, self.step = view, "result"
        self.refresh()

    def refresh(self) -> None:
        """Render the result texts in the current language."""
        v = self.view
        if v is None:
            return
        vi = self.app.lang == "vi"
        self.status_text = v.status_label_vi if vi else v.status_label_en
        self.timeliness_text = v.timeliness.label_vi if vi else v.timeliness.label_en
        self.timeliness_colour = TIMELINESS_COLOURS[v.timeliness]
        self.dates_text = self.t("lookup.dates", received=f"{moment(v.received_at)}",
                                 due=f"{moment(v.due_at)}")
        self.next_text = v.next_action_vi if vi else v.next_action_en
        self.synced_text = (self.t("lookup.synced", when=f"{moment(v.synced_at)}")
                            if v.synced_at else "")
        box = self.ids.timeline
        box.clear_widgets()
        for i, s in enumerate(v.steps):
            where = " · ".join(x for x in (s.department, s.role) if x)
            box.add_widget(Factory.TimelineRow(
                when=f"{moment(s.at)}", where=where,
                status=s.status_label_vi if vi else s.status_label_en, last=i == len(v.steps) - 1))

    def rate_this(self) -> None:
        """Rate the dossier just looked up (only offered once the result is returned)."""
        code, secret = self.view.code, self.secret
        self.app.go("rate")
        self.manager.get_screen("rate").start_for("dossier", code, secret)
