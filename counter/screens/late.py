"""Late dossiers: due within one working day or overdue; apology letter with a new appointment
date (Mẫu 04), which the service refuses once the appointment date has passed."""
from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty

from counter.screens.base import CounterScreen
from counter.widgets import ItemButton
from office.model import Timeliness
from office.text import moment, parse_moment

TONES = {Timeliness.OVERDUE: "danger", Timeliness.DUE_SOON: "warn"}


class LateScreen(CounterScreen):
    """The list of urgent dossiers and the extension form of the chosen one."""

    rows = ListProperty([])
    chosen = ObjectProperty(None, allownone=True)
    mine = BooleanProperty(False)  # the list shown: my dossiers, or every urgent one

    def on_pre_enter(self, *_):
        """Reload the list each time the screen is shown."""
        self.reload()

    def clear(self) -> None:
        """Forget the list and the form."""
        super().clear()
        self.rows, self.chosen = [], None
        self.ids.reason.text = self.ids.new_due.text = ""

    def reload(self) -> None:
        """Dossiers due within 1 working day or overdue — or, in "mine", the logged-in staff
        member's open dossiers — most urgent first."""
        service = self.app.service
        load = service.my_dossiers if self.mine else lambda: service.late_dossiers(1)
        self.call(load, self._loaded, keep_notice=True)

    def toggle_mine(self) -> None:
        """Switch between my dossiers and every urgent dossier."""
        self.mine = not self.mine
        self.reload()

    def _loaded(self, rows) -> None:
        self.rows = list(rows)
        if self.chosen is not None:
            self.chosen = next((r for r in self.rows if r.code == self.chosen.code), None)

    def on_rows(self, *_):
        """One button per urgent dossier."""
        box = self.ids.late_rows
        box.clear_widgets()
        for row in self.rows:
            box.add_widget(ItemButton(text=self.row_text(row), item=row,
                                             tone=TONES.get(row.timeliness, "ghost"),
                                             on_release=lambda b: self.choose(b.item)))

    def row_text(self, row) -> str:
        """One line of the list."""
        return (f"[b]{row.code}[/b]  {row.applicant_name} — {row.procedure_name}\n"
                f"Hẹn trả {moment(row.due_at)} — [b]{row.timeliness.label_vi}[/b] — {row.status.label_vi}")

    def choose(self, row) -> None:
        """Pick a dossier to extend."""
        self.chosen = row
        self.notice = ""
        self.ids.reason.focus = True

    def submit(self) -> None:
        """Extend the appointment date and print the apology letter (Mẫu 04)."""
        if self.busy:
            return
        if self.chosen is None:
            self.say("late.choose")
            return
        reason = self.ids.reason.text.strip()
        new_due = parse_moment(self.ids.new_due.text)
        if new_due is None:
            self.say("late.bad_date")
            return
        service, code = self.app.service, self.chosen.code

        def extended(d):
            self.say("late.extended", tone="ok", code=d.code, due=f"{moment(d.due_at)}")
            self.ids.reason.text = self.ids.new_due.text = ""

            def pdf() -> bytes:
                import forms

                return forms.apology(service, d.code)

            self.app.print_forms([(f"Mau04-{d.code}", pdf)], lambda places: None,
                                 self.print_failed)
            self.reload()

        self.call(lambda: service.extend_due(code, new_due, reason), extended)
