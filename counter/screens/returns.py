"""Return the result: scan the receipt, check who collects it (the applicant, or an authorised
person with the power of attorney) by the ID number typed from their paper, record it (status
10), then invite the citizen to rate the service at the kiosk."""
from __future__ import annotations

from kivy.properties import ListProperty, ObjectProperty, StringProperty

from counter.screens.base import CounterScreen, new_key
from devices.decoders import Scan
from office.errors import DomainError, Unavailable
from office.model import Collector, DossierStatus
from office.rules.codes import parse_scan
from office.rules.identity import ID_TYPES
from office.text import moment


class ReturnScreen(CounterScreen):
    """The dossier being handed over and the collector's identity check."""

    first_field = "code"

    dossier = ObjectProperty(None, allownone=True)
    relation = StringProperty("applicant")  # applicant | representative
    id_types = ListProperty(list(ID_TYPES))
    id_type = StringProperty("CCCD")
    done_text = StringProperty("")

    def __init__(self, **kw):
        super().__init__(**kw)
        self.key = new_key()

    def clear(self) -> None:
        """Empty the screen for the next citizen."""
        super().clear()
        self.dossier, self.relation, self.id_type, self.done_text = None, "applicant", "CCCD", ""
        for field in ("code", "name", "id_number", "authorization"):
            self.ids[field].text = ""
        self.key = new_key()

    def on_scan(self, scan: Scan) -> bool:
        """A scanned receipt opens its dossier here."""
        self.ids.code.text = scan.code
        self.open(scan.code)
        return True

    def find(self) -> None:
        """Enter in the code field (typed, or a scanner typing into it)."""
        try:
            code, _ = parse_scan(self.ids.code.text)
        except DomainError as e:
            self.show_error(e)
            return
        self.ids.code.text = code
        self.open(code)

    def open(self, code: str) -> None:
        """Load the dossier; only a status-9 dossier can be handed over."""
        self.done_text = ""

        def shown(d):
            self.dossier, self.key = d, new_key()
            if d.status != DossierStatus.DONE:
                self.say("return.not_ready", code=d.code, status=f"{int(d.status)} {d.status.label_vi}")
            else:
                self.ids.name.text = d.applicant.name if self.relation == "applicant" else ""
                self.ids.id_number.focus = True

        self.call(lambda: self.app.service.dossier(code), shown)

    def on_relation(self, *_):
        """The applicant's name is filled in for them; a representative types theirs."""
        if self.dossier is not None:
            self.ids.name.text = self.dossier.applicant.name if self.relation == "applicant" else ""

    def summary_text(self, d, _lang=None) -> str:
        """What is being handed over."""
        if d is None:
            return ""
        rep = f"\nNgười được ủy quyền: {d.representative.name}" if getattr(d, "representative", None) else ""
        return (f"[b]{d.code}[/b] — {d.applicant.name} — {d.procedure_code}\n"
                f"{int(d.status)} {d.status.label_vi} — hẹn trả {moment(d.due_at)}{rep}")

    def submit(self) -> None:
        """Check the collector and record the hand-over (Ctrl+Enter)."""
        if self.busy or self.dossier is None or self.dossier.status != DossierStatus.DONE:
            return
        ids = self.ids
        needed = [(ids.name, "return.name"), (ids.id_number, "return.id_number")]
        if self.relation == "representative":
            needed.append((ids.authorization, "return.authorization"))
        missing = [self.t(key) for field, key in needed if not field.text.strip()]
        if missing:
            self.say("return.need", fields=", ".join(missing))
            return
        collector = Collector(ids.name.text.strip(), self.id_type, ids.id_number.text.strip(), self.relation,
                              ids.authorization.text.strip() if self.relation == "representative" else "")
        self._send(self.dossier.code, collector, self.key)

    def _send(self, code: str, collector: Collector, key: str) -> None:
        app = self.app

        def failed(error):
            if isinstance(error, Unavailable):
                app.retry_when_back("return", self.t("return.title"), lambda: self._send(code, collector, key))
            self.show_error(error)

        def returned(d):
            app.forget_pending("return")
            self.dossier, self.key = d, new_key()
            self.done_text = self.t("return.rate")
            self.say("return.returned", tone="ok", code=d.code)

        self.call(lambda: app.service.return_result(code, collector, idempotency_key=key),
                  returned, failed)
