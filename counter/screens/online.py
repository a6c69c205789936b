"""Dossiers submitted online (status 1, chờ tiếp nhận): the queue the central system sends down,
the chosen submission in full, and the two decisions — accept (1 → 2: a dossier code from the
office's block, then Mẫu 01 and Mẫu 06 print) or refuse with the reason the citizen will read."""
from __future__ import annotations

from kivy.properties import DictProperty, ListProperty, ObjectProperty

from counter.screens.base import CounterScreen, new_key
from counter.widgets import ItemButton
from office.text import moment


class OnlineScreen(CounterScreen):
    """The waiting online dossiers and the decision on the chosen one."""

    rows = ListProperty([])
    chosen = ObjectProperty(None, allownone=True)
    names = DictProperty({})  # procedure code → name

    def on_pre_enter(self, *_):
        """Reload the queue each time the screen is shown."""
        self.reload()

    def clear(self) -> None:
        """Forget the queue and the form."""
        super().clear()
        self.rows, self.chosen = [], None
        self.ids.reason.text = ""

    def reload(self) -> None:
        """Online dossiers waiting at status 1, oldest first (the view is audit-logged)."""
        service = self.app.service
        self.call(lambda: (service.online_dossiers(), {p.code: p.name for p in service.procedures()}),
                  self._loaded, keep_notice=True)

    def _loaded(self, answer) -> None:
        rows, self.names = answer
        self.rows = list(rows)
        if self.chosen is not None:
            self.chosen = next((r for r in self.rows if r.ref == self.chosen.ref), None)

    def on_rows(self, *_):
        """One button per waiting submission."""
        box = self.ids.online_rows
        box.clear_widgets()
        for row in self.rows:
            box.add_widget(ItemButton(text=self.row_text(row), item=row, on_release=lambda b: self.choose(b.item)))

    def row_text(self, row) -> str:
        """One line of the queue."""
        return (f"[b]{row.ref}[/b]  {row.applicant.name}\n"
                f"{self.names.get(row.procedure_code, row.procedure_code)} — nộp {moment(row.submitted_at)}")

    def detail_text(self, row) -> str:
        """The chosen submission in full (staff only)."""
        a, lines = row.applicant, []
        lines.append(f"[b]{row.ref}[/b] — {self.names.get(row.procedure_code, row.procedure_code)} "
                     f"({row.case_code})")
        lines.append(f"Nộp trực tuyến lúc {moment(row.submitted_at)}")
        lines.append(f"Người nộp: [b]{a.name}[/b] — {a.id_type} {a.id_number}")
        lines.append(f"Điện thoại: {a.phone or '—'} — Địa chỉ: {a.address or '—'}")
        if row.representative:
            lines.append(f"Người được ủy quyền: {row.representative.name} ({row.representative.id_number})")
        if row.summary:
            lines.append(f"Trích yếu: {row.summary}")
        lines.append("Thành phần: " + ("; ".join(c.name for c in row.components) or "—"))
        lines.append("Nhận kết quả: " + (f"bưu chính — {row.delivery_address}" if row.delivery == "postal"
                                         else "tại Bộ phận Một cửa"))
        return "\n".join(lines)

    def choose(self, row) -> None:
        """Pick a submission to decide on."""
        self.chosen = row
        self.notice = ""
        self.key = new_key()

    def submit(self) -> None:
        """Accept the chosen submission (Ctrl+Enter) and print Mẫu 01 and Mẫu 06."""
        if self.busy:
            return
        if self.chosen is None:
            self.say("online.choose")
            return
        service, ref, key, actor = self.app.service, self.chosen.ref, self.key, self.app.actor

        def accepted(d):
            import forms

            self.say("online.accepted", tone="ok", ref=ref, code=d.code, secret=d.secret, due=moment(d.due_at))
            self.chosen = None
            self.app.print_forms([(f"Mau01-{d.code}", lambda: forms.receipt(service, d.code, actor)),
                                  (f"Mau06-{d.code}", lambda: forms.control_sheet(service, d.code))],
                                 lambda places: None, self.print_failed)
            self.reload()

        self.call(lambda: service.accept_online(ref, idempotency_key=key), accepted)

    def refuse(self) -> None:
        """Refuse the chosen submission with the typed reason."""
        if self.busy:
            return
        if self.chosen is None:
            self.say("online.choose")
            return
        reason = self.ids.reason.text.strip()
        if not reason:
            self.say("online.need_reason")
            self.ids.reason.focus = True
            return
        service, ref, key = self.app.service, self.chosen.ref, self.key

        def refused(_):
            self.say("online.refused", tone="ok", ref=ref)
            self.chosen, self.ids.reason.text = None, ""
            self.reload()

        self.call(lambda: service.refuse_online(ref, reason, idempotency_key=key), refused)
