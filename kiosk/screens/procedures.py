"""Procedure information: components, duration, fees and which counter receives it."""
from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

from kiosk.screens.base import KioskScreen
from kiosk.widgets import apply_key
from office.text import duration, fold, money


class ProceduresScreen(KioskScreen):
    """A searchable list of procedures in force, then one procedure's details."""

    step = OptionProperty("list", options=["list", "detail"])
    query = StringProperty("")
    catalogue = ListProperty([])  # [(Procedure, [counter names])]
    chosen = ObjectProperty(None, allownone=True)
    title_text = StringProperty("")
    detail_text = StringProperty("")

    def clear(self) -> None:
        """Back to the full list."""
        super().clear()
        self.step, self.query, self.chosen, self.title_text, self.detail_text = "list", "", None, "", ""

    def on_pre_enter(self, *_):
        """Load procedures with the counters that receive them."""
        svc = self.app.service

        def load():
            services, counters = svc.services(), svc.counters()
            out = []
            for p in svc.procedures():
                codes = {s.code for s in services if p.field_code in s.field_codes}
                out.append((p, [c.name for c in counters if codes & set(c.services)]))
            return out

        self.call(load, self._loaded)

    def _loaded(self, catalogue) -> None:
        self.catalogue = catalogue
        self.show_list()

    def press_search_key(self, key: str) -> None:
        """Type into the search box."""
        self.query = apply_key(self.query, key, limit=30)
        self.show_list()

    def show_list(self) -> None:
        """One button per procedure matching the search (diacritics ignored)."""
        words = fold(self.query).split()
        box = self.ids.procedure_list
        box.clear_widgets()
        for p, counters in self.catalogue:
            if all(w in fold(p.name) for w in words):
                b = Factory.ChoiceButton(title=p.name, value=(p, counters),
                                         subtitle=", ".join(counters))
                b.bind(on_release=lambda b: self.open(*b.value))
                box.add_widget(b)
        if words and not box.children:
            self.say("proc.no_match", tone="warn")
        else:
            self.notice = ""

    def open(self, procedure, counters) -> None:
        """Show one procedure."""
        self.chosen = (procedure, counters)
        self.step = "detail"
        self.refresh()

    def refresh(self) -> None:
        """Render the details in the current language."""
        if self.chosen is None:
            return
        p, counters = self.chosen
        self.title_text = p.name
        lines = [self.t("proc.code", code=p.code), "", f"[b]{self.t('proc.cases')}[/b]"]
        for c in p.cases:
            how_long = duration(c.duration, c.unit, self.app.lang)
            fee = money(c.fee) if c.fee else self.t("proc.free")
            lines.append(f"• {c.name}: {how_long}; {self.t('proc.fee')}: {fee}"
                         + (f" ({c.fee_note})" if c.fee_note else ""))
        lines += ["", f"[b]{self.t('proc.components')}[/b]"]
        for comp in p.components:
            lines.append(f"• {comp.name} — " + self.t("proc.copies", originals=comp.originals, copies=comp.copies)
                         + ("" if comp.required else f" ({self.t('proc.optional')})"))
        if p.result:
            lines += ["", f"[b]{self.t('proc.result')}[/b]", p.result]
        lines += ["", f"[b]{self.t('proc.where')}[/b]", ", ".join(counters) or self.t("proc.one_stop")]
        self.detail_text = "\n".join(lines)
