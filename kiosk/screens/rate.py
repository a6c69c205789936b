"""Satisfaction rating: by the ticket's QR (it carries the ticket's rating token) or by dossier code
and lookup secret (typed, or the receipt's QR); large smiley buttons; a reason (list + free text)
for the unsatisfied levels; a thank-you screen. Only the person served can rate."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

from devices.decoders import Scan
from kiosk.screens.base import KioskScreen
from kiosk.widgets import apply_key
from office.errors import DomainError, NotFound
from office.rules.rating import NEGATIVE_REASONS_VI

MOODS = {3: (1.0, 0.4, -1.0), 5: (1.0, 0.5, 0.0, -0.5, -1.0)}
FACE_COLOURS = {1.0: (0.13, 0.62, 0.30, 1), 0.5: (0.45, 0.70, 0.20, 1), 0.4: (0.45, 0.70, 0.20, 1),
                0.0: (0.95, 0.75, 0.10, 1), -0.5: (0.95, 0.50, 0.10, 1), -1.0: (0.85, 0.20, 0.15, 1)}


class RateScreen(KioskScreen):
    """Target (ticket or dossier) → level → reason (when needed; another one typed on its own
    step, "comment") → thanks."""

    step = OptionProperty("target", options=["target", "proof", "level", "reason", "comment", "thanks"])
    kind = OptionProperty("ticket", options=["ticket", "dossier"])
    target = StringProperty("")
    proof = StringProperty("")  # the ticket's rating token or the dossier's lookup secret
    levels = ListProperty([])
    level = ObjectProperty(None, allownone=True)  # RatingLevel
    reasons = ListProperty([])  # chosen reasons (Vietnamese, as stored)
    free_text = StringProperty("")

    def __init__(self, **kw):
        super().__init__(**kw)
        self._home_event = None

    def clear(self) -> None:
        """Forget the target, level and reasons."""
        super().clear()
        self.step, self.kind, self.target, self.proof, self.level = "target", "ticket", "", "", None
        self.reasons, self.free_text = [], ""
        self.cancel_timers()

    def cancel_timers(self) -> None:
        """Cancel the automatic return home after the thank-you."""
        if self._home_event is not None:
            self._home_event.cancel()
            self._home_event = None

    def on_pre_enter(self, *_):
        """Load the scale."""
        if self.levels:
            self._fill_target()
        svc = self.app.service
        self.call(lambda: list(svc.rating_levels()), self._loaded)

    def _loaded(self, levels) -> None:
        self.levels = levels
        self._fill_target()
        self._build_levels()

    def _fill_target(self) -> None:
        if self.kind == "dossier" and not self.target:
            self.target = self.app.code_prefix

    # ---- target ------------------------------------------------------------------------------

    def set_kind(self, kind: str) -> None:
        """Rate a ticket or a dossier."""
        self.kind, self.target, self.notice = kind, "", ""
        self._fill_target()

    def press_key(self, key: str) -> None:
        """A keypad key for the dossier code."""
        self.target = apply_key(self.target, key, limit=40)
        self.notice = ""

    def press_proof_key(self, key: str) -> None:
        """A keypad key for the lookup secret."""
        if key.isdigit() or key == "BACK":
            self.proof = apply_key(self.proof, key, limit=6)
        self.notice = ""

    def start_for(self, kind: str, target: str, proof: str) -> None:
        """Open directly at the level step for a known target and its proof (a lookup or a scan)."""
        self.kind, self.target, self.proof, self.step = kind, target, proof, "level"

    def target_done(self) -> None:
        """A typed dossier code: check its form, then ask for its lookup secret. A ticket is rated
        by scanning its QR only (it carries the ticket's token)."""
        from office.rules.codes import parse_dossier_code

        if self.kind == "ticket":
            self.say("rate.scan_ticket")
            return
        try:
            self.target = str(parse_dossier_code(self.target.strip().upper()))
        except DomainError:
            self.say("rate.bad_code")
            return
        self.proof, self.step = "", "proof"

    def proof_done(self) -> None:
        """The lookup secret is typed: show the smileys (the office checks it with the rating)."""
        if len(self.proof) != 6:
            self.say("lookup.secret_digits")
            return
        self.step = "level"

    def on_scan(self, scan: Scan) -> bool:
        """A ticket QR (today's) or a receipt QR picks the target with its proof; a receipt's
        barcode alone gives the code, and the secret is asked for."""
        if scan.kind == "ticket" and scan.day != self.app.today():
            self.say("rate.old_ticket")
            return True
        self.clear()
        if scan.secret is None:
            self.kind, self.target, self.step = "dossier", scan.code, "proof"
        else:
            self.start_for("ticket" if scan.kind == "ticket" else "dossier", scan.code, scan.secret)
        return True

    def on_typed(self, text: str) -> None:
        """A physical keyboard types the dossier code or the secret."""
        for char in text.upper():
            if self.step == "target" and (char.isalnum() or char in ".-"):
                self.press_key(char)
            elif self.step == "proof" and char.isdigit():
                self.press_proof_key(char)

    def on_enter_key(self) -> None:
        """Enter confirms the code or the secret."""
        if self.step == "target":
            self.target_done()
        elif self.step == "proof":
            self.proof_done()

    # ---- level and reason --------------------------------------------------------------------

    def _build_levels(self) -> None:
        row = self.ids.levels_row
        row.clear_widgets()
        moods = MOODS.get(len(self.levels), MOODS[5])
        for level, mood in zip(self.levels, moods):
            b = Factory.SmileyButton(value=level, mood=mood, face_color=FACE_COLOURS[mood],
                                     text=level.label_vi if self.app.lang == "vi" else level.label_en)
            b.bind(on_release=lambda b: self.choose_level(b.value))
            row.add_widget(b)

    def refresh(self) -> None:
        """Relabel the smileys and reasons after a language switch."""
        self._build_levels()
        if self.step in ("reason", "comment"):
            self._build_reasons()

    def choose_level(self, level) -> None:
        """A smiley was pressed; unsatisfied levels ask for a reason first. Repeats are ignored."""
        if self.busy or self.step != "level":
            return
        self.level = level
        if level.needs_reason:
            self.step = "reason"
            self._build_reasons()
        else:
            self.submit()

    def _build_reasons(self) -> None:
        grid = self.ids.reason_grid
        grid.clear_widgets()
        for reason in NEGATIVE_REASONS_VI:
            b = Factory.ChoiceButton(title=self.t(f"reason.{reason}") if self.app.lang != "vi" else reason,
                                     value=reason, selected=reason in self.reasons)
            b.bind(on_release=lambda b: self.toggle_reason(b))
            grid.add_widget(b)

    def toggle_reason(self, button) -> None:
        """Select or unselect a listed reason."""
        if button.value in self.reasons:
            self.reasons.remove(button.value)
        else:
            self.reasons.append(button.value)
        button.selected = button.value in self.reasons
        self.notice = ""

    def press_text_key(self, key: str) -> None:
        """Type the free-text reason."""
        self.free_text = apply_key(self.free_text, key, limit=200).lower()

    def submit(self) -> None:
        """Send the rating once (the button is disabled while busy; the service ignores repeats)."""
        if self.busy or self.level is None:
            return
        reason = "; ".join([*self.reasons, self.free_text.strip()] if self.free_text.strip() else self.reasons)
        if self.level.needs_reason and not reason:
            self.say("rate.need_reason")
            return
        kind, target, proof, value = self.kind, self.target, self.proof, self.level.value
        self.call(lambda: self.app.service.rate(kind, target, proof, value, reason), self.thanked, self._refused)

    def _refused(self, error) -> None:
        """A wrong secret goes back to the secret step; other problems are said as they are."""
        if not isinstance(error, NotFound):
            self.show_error(error)
            return
        self.say("rate.wrong_proof")
        self.proof, self.step = "", "proof" if self.kind == "dossier" else "target"

    def thanked(self, rating) -> None:
        """Thank the citizen and go home after a few seconds."""
        self.step = "thanks"
        self._home_event = Clock.schedule_once(lambda dt: self.app.go_home(), self.app.settings.thank_you_s)
