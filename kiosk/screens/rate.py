"""Satisfaction rating: by ticket number / ticket QR or by dossier code; large smiley buttons;
a reason (list + free text) for the unsatisfied levels; a thank-you screen."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

from devices.decoders import Scan
from kiosk.screens.base import KioskScreen
from kiosk.widgets import apply_key
from office.errors import DomainError
from office.rules.rating import NEGATIVE_REASONS_VI

MOODS = {3: (1.0, 0.4, -1.0), 5: (1.0, 0.5, 0.0, -0.5, -1.0)}
FACE_COLOURS = {1.0: (0.13, 0.62, 0.30, 1), 0.5: (0.45, 0.70, 0.20, 1), 0.4: (0.45, 0.70, 0.20, 1),
                0.0: (0.95, 0.75, 0.10, 1), -0.5: (0.95, 0.50, 0.10, 1), -1.0: (0.85, 0.20, 0.15, 1)}


class RateScreen(KioskScreen):
    """Target (ticket or dossier) → level → reason (when needed) → thanks."""

    step = OptionProperty("target", options=["target", "level", "reason", "thanks"])
    kind = OptionProperty("ticket", options=["ticket", "dossier"])
    target = StringProperty("")
    levels = ListProperty([])
    level = ObjectProperty(None, allownone=True)  # RatingLevel
    reasons = ListProperty([])  # chosen reasons (Vietnamese, as stored)
    free_text = StringProperty("")
    prefixes = StringProperty("A B C D E")

    def __init__(self, **kw):
        super().__init__(**kw)
        self._home_event = None

    def clear(self) -> None:
        """Forget the target, level and reasons."""
        super().clear()
        self.step, self.kind, self.target, self.level = "target", "ticket", "", None
        self.reasons, self.free_text = [], ""
        self.cancel_timers()

    def cancel_timers(self) -> None:
        """Cancel the automatic return home after the thank-you."""
        if self._home_event is not None:
            self._home_event.cancel()
            self._home_event = None

    def on_pre_enter(self, *_):
        """Load the scale and the ticket prefixes."""
        if self.levels and self.prefixes:
            self._fill_target()
        svc = self.app.service
        self.call(lambda: (list(svc.rating_levels()), sorted({s.prefix for s in svc.services()})),
                  self._loaded)

    def _loaded(self, result) -> None:
        self.levels, prefixes = result
        self.prefixes = " ".join(prefixes) or "A"
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
        """A keypad key for the ticket number or dossier code."""
        self.target = apply_key(self.target, key, limit=40 if self.kind == "dossier" else 8)
        self.notice = ""

    def start_for(self, kind: str, target: str) -> None:
        """Open directly at the level step for a known target (from a lookup or a scan)."""
        self.kind, self.target, self.step = kind, target, "level"

    def target_done(self) -> None:
        """Check the target's form, then show the smileys."""
        from office.rules.codes import parse_dossier_code

        text = self.target.strip().upper()
        if self.kind == "dossier":
            try:
                self.target = str(parse_dossier_code(text))
            except DomainError:
                self.say("rate.bad_code")
                return
        elif not (len(text) >= 4 and text[0].isalpha() and text[1:].isdigit()):
            self.say("rate.bad_ticket")
            return
        else:
            self.target = text
        self.step = "level"

    def on_scan(self, scan: Scan) -> bool:
        """A ticket QR (today's) or a receipt picks the target."""
        if scan.kind == "ticket" and scan.day != self.app.today():
            self.say("rate.old_ticket")
            return True
        self.clear()
        self.start_for("ticket" if scan.kind == "ticket" else "dossier", scan.code)
        return True

    def on_typed(self, text: str) -> None:
        """A physical keyboard types the target."""
        if self.step == "target":
            for char in text.upper():
                if char.isalnum() or char in ".-":
                    self.press_key(char)

    def on_enter_key(self) -> None:
        """Enter confirms the target."""
        if self.step == "target":
            self.target_done()

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
        if self.step == "reason":
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
        kind, target, value = self.kind, self.target, self.level.value
        self.call(lambda: self.app.service.rate(kind, target, value, reason), self.thanked)

    def thanked(self, rating) -> None:
        """Thank the citizen and go home after a few seconds."""
        self.step = "thanks"
        self._home_event = Clock.schedule_once(lambda dt: self.app.go_home(), self.app.settings.thank_you_s)
