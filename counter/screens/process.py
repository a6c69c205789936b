"""Process a dossier: open it by scanning its receipt or by searching, see its timeline, apply a
status transition with a step note, request a supplement, stop/withdraw (Mẫu 05), result ready.
Handing the result over (9 → 10) is the return screen's (the collector's ID check); a leader may
recall a returned result (10 → 9) with the note as the reason (audited by the office). A withdrawn
dossier gets back the fee it paid (a refund with its voucher number)."""
from __future__ import annotations

from kivy.properties import ListProperty, ObjectProperty, StringProperty

from counter.screens.base import CounterScreen
from counter.widgets import ItemButton
from devices.decoders import Scan
from office.errors import DomainError
from office.model import TRANSITIONS, DossierStatus
from office.rules.codes import parse_scan
from office.text import moment, money

S = DossierStatus
STOP_NOTICE = {S.WITHDRAWN, S.STOPPED}  # these print Mẫu 05


class ProcessScreen(CounterScreen):
    """One open dossier and the actions its status allows."""

    first_field = "query"

    dossier = ObjectProperty(None, allownone=True)
    rows = ListProperty([])  # search results (DossierRow)
    next_statuses = ListProperty([])
    revealed = StringProperty("")
    timeliness = StringProperty("")

    def clear(self) -> None:
        """Close the dossier and the search."""
        super().clear()
        self.dossier, self.rows, self.next_statuses, self.revealed, self.timeliness = None, [], [], "", ""
        for field in ("query", "note", "missing"):
            self.ids[field].text = ""

    def on_scan(self, scan: Scan) -> bool:
        """A scanned receipt opens its dossier."""
        self.open(scan.code)
        return True

    def find(self) -> None:
        """Enter in the search field: a receipt code (typed or scanned) opens it, other text searches."""
        text = self.ids.query.text.strip()
        try:
            code, _ = parse_scan(text)
        except DomainError:
            self.call(lambda: self.app.service.search_dossiers(text), self._found)
            return
        self.ids.query.text = code
        self.open(code)

    def _found(self, rows) -> None:
        self.rows = list(rows)
        if not rows:
            self.say("process.none", tone="warn")

    def open(self, code: str) -> None:
        """Load a dossier with its history."""
        service = self.app.service

        def load():
            d = service.dossier(code)
            return d, service.timeliness(d.code)

        self.call(load, self._show)

    def _show(self, loaded) -> None:
        d, timeliness = loaded
        self.dossier, self.timeliness, self.revealed, self.rows = d, timeliness.label_vi, "", []
        allowed = TRANSITIONS[d.status] - {S.SUPPLEMENT_REQUESTED, S.RETURNED}
        if d.status == S.RETURNED and not (self.app.actor and self.app.actor.leader):
            allowed = set()
        self.next_statuses = sorted(allowed)

    def on_rows(self, *_):
        """One button per search result."""
        box = self.ids.results
        box.clear_widgets()
        for row in self.rows:
            box.add_widget(ItemButton(
                text=f"[b]{row.code}[/b]  {row.applicant_name}\n{row.procedure_name} — {row.status.label_vi}",
                item=row, on_release=lambda b: self.open(b.item.code)))

    def on_next_statuses(self, *_):
        """One button per status the open dossier may move to."""
        box = self.ids.transitions
        box.clear_widgets()
        recall = self.dossier is not None and self.dossier.status == S.RETURNED
        for status in self.next_statuses:
            tone = "danger" if status in STOP_NOTICE or recall else "primary"
            box.add_widget(ItemButton(text=self.status_label(status), item=int(status), halign="center", tone=tone,
                                      on_release=lambda b: self.change(b.item)))

    def status_label(self, status) -> str:
        """Button text of a transition (receiving a supplement and a recall have their own names)."""
        if self.dossier is not None and self.dossier.status == S.SUPPLEMENT_REQUESTED and status == S.PROCESSING:
            return self.t("process.supplement_received")
        if self.dossier is not None and self.dossier.status == S.RETURNED:
            return self.t("process.recall")
        return self.t("process.to", status=f"{int(status)} {DossierStatus(status).label_vi}")

    def header_text(self, d, _lang=None) -> str:
        """Code, applicant, procedure, status and dates of the open dossier."""
        if d is None:
            return self.t("process.open_first")
        return "\n".join([
            f"[b]{d.code}[/b] — {d.applicant.name} — {d.procedure_code}/{d.case_code}",
            self.t("process.status", status=f"{int(d.status)} {d.status.label_vi}"),
            self.t("process.due", received=f"{moment(d.received_at)}", due=f"{moment(d.due_at)}",
                   timeliness=self.timeliness)])

    def timeline_text(self, d, _lang=None) -> str:
        """The processing steps, oldest first."""
        if d is None:
            return ""
        return "\n".join(f"{moment(s.at)}  [b]{int(s.status)} {s.status.label_vi}[/b]  "
                         f"{s.actor} ({s.role}, {s.department}): {s.content}" for s in d.steps)

    # ---- actions -------------------------------------------------------------------------------

    def _note(self) -> str | None:
        note = self.ids.note.text.strip()
        if not note:
            self.say("process.need_note")
            self.ids.note.focus = True
            return None
        return note

    def _after_change(self, d) -> None:
        self.ids.note.text = ""
        self.ids.missing.text = ""
        self.say("process.done", tone="ok", code=d.code, status=f"{int(d.status)} {d.status.label_vi}")
        if d.status in STOP_NOTICE:
            self._print("Mau05", "stop_notice", d)
        elif d.status == S.SUPPLEMENT_REQUESTED:
            self._print("Mau02", "supplement_request", d)
        self.open(d.code)

    def change(self, status) -> None:
        """Apply a transition with the typed note (a step of the control sheet)."""
        if self.busy or self.dossier is None:
            return
        note = self._note()
        if note is None:
            return
        service, code = self.app.service, self.dossier.code
        self.call(lambda: service.change_status(code, DossierStatus(status), note), self._after_change)

    def request_supplement(self) -> None:
        """Ask for the listed documents (status 5, the clock pauses) and print Mẫu 02."""
        if self.busy or self.dossier is None:
            return
        missing = [line.strip() for line in self.ids.missing.text.splitlines() if line.strip()]
        if not missing:
            self.say("process.need_missing")
            self.ids.missing.focus = True
            return
        service, code, note = self.app.service, self.dossier.code, self.ids.note.text.strip()
        self.call(lambda: service.request_supplement(code, missing, note), self._after_change)

    def refund_text(self, d, _lang=None) -> str:
        """The refund button of a withdrawn dossier that paid a fee."""
        return self.t("process.refund", fee=money(d.paid)) if d is not None and d.paid > 0 else ""

    def refund(self) -> None:
        """Refund what a withdrawn dossier paid, by the method it was paid with."""
        d = self.dossier
        if self.busy or d is None or d.status != S.WITHDRAWN or d.paid <= 0:
            return
        number = self.ids.refund_receipt.text.strip()
        if not number:
            self.say("process.need_refund_receipt")
            self.ids.refund_receipt.focus = True
            return
        method = next(p.method for p in reversed(d.payments) if not p.refund)
        service, code, amount = self.app.service, d.code, d.paid

        def refunded(dossier) -> None:
            self.ids.refund_receipt.text, self.dossier = "", dossier
            self.say("process.refunded", tone="ok", fee=money(amount), receipt=number)

        self.call(lambda: service.record_payment(code, method, number, refund=True), refunded)

    def reveal(self) -> None:
        """Show the full ID number, phone and address (audit-logged by the service)."""
        if self.busy or self.dossier is None:
            return
        service, code = self.app.service, self.dossier.code
        purpose = self.t("process.reveal_purpose")

        def shown(a):
            self.revealed = self.t("process.revealed", id_type=a.id_type, id_number=a.id_number,
                                   phone=a.phone or "—", address=a.address or "—")

        self.call(lambda: service.reveal_applicant(code, purpose), shown)

    def print_control(self) -> None:
        """Print the control sheet (Mẫu 06) of the open dossier."""
        if self.dossier is not None:
            self._print("Mau06", "control_sheet", self.dossier)

    def _print(self, form: str, render: str, d) -> None:
        """Render `office.forms.<render>(service, code)` and print it."""
        svc, code = self.app.service, d.code

        def pdf() -> bytes:
            import forms

            return getattr(forms, render)(svc, code)

        def printed(places) -> None:
            label = "Mẫu " + form.removeprefix("Mau")
            self.app.show_notice(self.t("print.done", form=label, where=", ".join(places)))

        self.app.print_forms([(f"{form}-{code}", pdf)], printed,
                             self.print_failed)
