"""Receive a dossier: procedure and case, applicant (with e-mail), representative, component
checklist with its digitisation (scanned pages, DuocSoHoa, DuocTaiSuDung), sets, fee (units,
exemption, payment with its receipt number), delivery and e-result. Submitting prints Mẫu 01 +
Mẫu 06; a fee still due is shown as a VietQR transfer code and can be recorded as paid later.
An incomplete dossier gets Mẫu 02, a refusal Mẫu 03.

Every submission carries an idempotency key made when the form was started, so a double press,
a retry after a lost answer or a re-send after a hub outage can never create two dossiers."""
from __future__ import annotations

from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput

from counter.screens.base import CounterScreen, new_key
from counter.widgets import ItemButton
from office.errors import DomainError, InvalidInput, Unavailable
from office.model import PAYMENT_METHODS, Applicant, ReceivedComponent
from office.rules.fees import fee_amount, fee_rule
from office.rules.identity import ID_CARD_START, ID_TYPES, parse_id_card
from office.rules.vietqr import purpose_for, vietqr_payload
from office.text import day, duration, fold, moment, money, phone

MATCHES_SHOWN = 6
METHODS = ("", *PAYMENT_METHODS)  # "": not paid yet


def _count(field, default: int = 0) -> int:
    return int(field.text) if field.text.strip().isdigit() else default


def qr_texture(payload: str):
    """A QR code as a Kivy texture (the same renderer as the ticket's QR)."""
    from devices.ticket_render import qr_matrix_image

    png = BytesIO()
    qr_matrix_image(payload, module=6).save(png, format="PNG")
    png.seek(0)
    return CoreImage(png, ext="png").texture



class ReceiveScreen(CounterScreen):
    """The reception form and its three outcomes (received, incomplete, refused)."""

    first_field = "query"

    id_types = ListProperty(list(ID_TYPES))
    id_type = StringProperty("CCCD")
    rep_id_type = StringProperty("CCCD")
    has_rep = BooleanProperty(False)
    method = StringProperty("")  # how the fee is paid at the counter (PAYMENT_METHODS), "" not yet
    e_result = BooleanProperty(False)
    fee_text = StringProperty("")
    postal = BooleanProperty(False)
    matches = ListProperty([])
    highlight = NumericProperty(0)  # the match Enter picks (Up/Down move it)
    procedure = ObjectProperty(None, allownone=True)
    case_names = ListProperty([])
    case_choice = StringProperty("")
    dossier = ObjectProperty(None, allownone=True)
    result_text = StringProperty("")
    vietqr = ObjectProperty(None, allownone=True)  # texture of the transfer code for the fee due
    vietqr_text = StringProperty("")

    def __init__(self, **kw):
        super().__init__(**kw)
        self.procedures: list = []
        self.rows: list[tuple] = []  # (component, included, originals, copies, pages, digitized, reused)
        self.key = new_key()
        self.intake_key = new_key()

    def on_pre_enter(self, *_):
        """Load the procedures in force (once)."""
        if not self.procedures:
            self.call(self.app.service.procedures, self._loaded)

    def _loaded(self, procedures) -> None:
        self.procedures = list(procedures)
        self.search(self.ids.query.text)

    # ---- procedure and case ----------------------------------------------------------------------

    def search(self, text: str) -> None:
        """Procedures whose name or code contains the text (accents ignored)."""
        needle = fold(text.strip())
        found = [p for p in self.procedures if needle in fold(p.name) or needle in p.code] if needle else \
            self.procedures
        self.matches = found[:MATCHES_SHOWN]
        self.highlight = 0

    def on_matches(self, *_):
        """One button per matching procedure."""
        box = self.ids.matches
        box.clear_widgets()
        for p in self.matches:
            box.add_widget(ItemButton(text=f"{p.code}  {p.name}", item=p, on_release=lambda b: self.choose(b.item)))
        self.on_highlight()

    def on_highlight(self, *_):
        """The highlighted match stands out (the others are quieter)."""
        for i, button in enumerate(reversed(self.ids.matches.children)):
            button.tone = "primary" if i == self.highlight else "ghost"

    def move(self, step: int) -> None:
        """Up/Down in the search box: highlight the previous/next match."""
        if self.matches:
            self.highlight = max(0, min(len(self.matches) - 1, self.highlight + step))

    def choose_highlighted(self) -> None:
        """Enter in the search box: pick the highlighted procedure and go on to its case."""
        if self.matches:
            self.choose(self.matches[self.highlight])
            following = self.ids.case_spinner if len(self.case_names) > 1 else self.ids.id_number
            following.focus = True

    def choose(self, procedure) -> None:
        """Pick a procedure: its cases and its component checklist."""
        self.procedure = procedure
        self.case_names = [c.name for c in procedure.cases]
        self.case_choice = self.case_names[0] if len(self.case_names) == 1 else ""
        grid = self.ids.components
        grid.clear_widgets()
        self.rows = []
        for component in procedure.components:
            included = Factory.Tick(active=component.required)
            name = Label(text=component.name + ("" if component.required else " (nếu có)"), color=(0.1, 0.12, 0.16, 1),
                         halign="left", valign="middle", font_size="13sp")
            name.bind(size=lambda w, s: setattr(w, "text_size", s))
            counts = [TextInput(text=str(n), input_filter="int", multiline=False, size_hint_x=None, width="44dp",
                                write_tab=False, font_size="14sp") for n in (component.originals, component.copies, 0)]
            flags = [Factory.Tick() for _ in range(2)]  # digitised, reused (Space toggles, Tab reaches)
            for widget in (included, name, *counts, *flags):
                grid.add_widget(widget)
            self.rows.append((component, included, *counts, *flags))
        self.update_fee()
        self.notice = ""

    @property
    def case(self):
        """The chosen case of the chosen procedure, or None."""
        if self.procedure is None:
            return None
        return next((c for c in self.procedure.cases if c.name == self.case_choice), None)

    def case_text(self, case, _lang=None) -> str:
        """Statutory duration and fee rule of the chosen case."""
        if case is None:
            return ""
        how_long = duration(case.duration, case.unit)
        return (self.t("receive.duration", value=how_long) + "   " +
                self.t("receive.fee", fee=fee_rule(case) + (f" ({case.fee_note})" if case.fee_note else "")))

    def on_case_choice(self, *_):
        """A case chosen: its fee."""
        self.update_fee()

    def update_fee(self) -> None:
        """The amount due for the chosen case, units and exemption (shown as the officer types)."""
        case = self.case
        if case is None or "units" not in self.ids:
            self.fee_text = ""
            return
        units = _count(self.ids.units, 1)
        try:
            amount = fee_amount(case, units, self.ids.exemption.text)
        except DomainError as error:
            self.fee_text = str(error)
            return
        per_unit = f" ({units} {case.fee_unit} × {money(case.fee)})" if amount and case.fee_unit else ""
        self.fee_text = self.t("receive.fee_due", fee=money(amount)) + per_unit

    def method_label(self, method: str, _lang=None) -> str:
        """A payment method for people ("" is "not paid yet")."""
        return self.t(f"receive.method.{method or 'none'}")

    def choose_method(self, label: str) -> None:
        """The payment method picked in the spinner (by its label)."""
        self.method = next((m for m in METHODS if self.method_label(m) == label), self.method)

    # ---- the citizen's chip ID card ----------------------------------------------------------------

    def fill_from_card(self, text: str) -> None:
        """Fill the applicant from a scanned chip ID card's QR ("provide information once"); a
        malformed card changes nothing and says which field is wrong."""
        try:
            card = parse_id_card(text)
        except InvalidInput as error:
            self.say("receive.card_bad", message=error.message)
            return
        ids = self.ids
        self.id_type = "CCCD"
        ids.id_number.text, ids.name.text, ids.address.text = card.id_number, card.name, card.address
        self.say("receive.card_filled", tone="ok", name=card.name, born=day(card.birth_date), sex=card.sex)
        ids.phone.focus = True  # the one thing the card does not say

    def field_entered(self, field) -> None:
        """Enter in an applicant field: a card scanned into it (the scanner types into the focused
        field) fills the form and leaves the field as it was; otherwise the next field."""
        found = ID_CARD_START.search(field.text)
        if found:
            card, field.text = field.text[found.start():], field.text[:found.start()]
            self.fill_from_card(card)
            return
        following = field.get_focus_next()
        if following is not None:
            following.focus = True

    # ---- reading the form ------------------------------------------------------------------------

    def _applicant(self) -> Applicant:
        ids = self.ids
        return Applicant(ids.name.text.strip(), self.id_type, ids.id_number.text.strip(), ids.phone.text.strip(),
                         ids.address.text.strip(), email=ids.email.text.strip())

    def _representative(self) -> Applicant | None:
        if not self.has_rep:
            return None
        return Applicant(self.ids.rep_name.text.strip(), self.rep_id_type, self.ids.rep_id.text.strip())

    def _components(self) -> tuple[ReceivedComponent, ...]:
        return tuple(ReceivedComponent(c.name, _count(o), _count(k), pages=_count(pages), digitized=digitized.active,
                                       reused=reused.active)
                     for c, included, o, k, pages, digitized, reused in self.rows if included.active)

    def _missing_fields(self, *, for_receipt: bool) -> list[str]:
        """Labels of the required fields left empty (checked before anything is sent)."""
        ids, missing = self.ids, []
        if self.procedure is None:
            missing.append(self.t("receive.no_procedure"))
        elif self.case is None:
            missing.append(self.t("receive.case"))
        for field, key in ((ids.name, "receive.name"), (ids.id_number, "receive.id_number")):
            if not field.text.strip():
                missing.append(self.t(key))
        if for_receipt and self.has_rep:
            for field, key in ((ids.rep_name, "receive.rep_name"), (ids.rep_id, "receive.rep_id")):
                if not field.text.strip():
                    missing.append(self.t(key))
        if for_receipt and self.postal and not ids.delivery_address.text.strip():
            missing.append(self.t("receive.delivery_address"))
        return missing

    def _check(self, *, for_receipt: bool = True) -> bool:
        missing = self._missing_fields(for_receipt=for_receipt)
        if missing:
            self.say("receive.missing_fields", fields=", ".join(missing))
            return False
        try:
            phone(self.ids.phone.text)
        except InvalidInput:
            self.say("receive.bad_phone", hint=self.t("receive.phone_hint"))
            self.ids.phone.focus = True
            return False
        return True

    # ---- outcomes --------------------------------------------------------------------------------

    def submit(self) -> None:
        """Receive the dossier (Ctrl+Enter), then print Mẫu 01 and Mẫu 06."""
        if self.busy or self.dossier is not None or not self._check():
            return
        key = self.key
        request = dict(procedure_code=self.procedure.code, case_code=self.case.code, applicant=self._applicant(),
                       summary=self.ids.summary.text.strip(), idempotency_key=key,
                       components=self._components(), representative=self._representative(),
                       delivery="postal" if self.postal else "counter",
                       delivery_address=self.ids.delivery_address.text.strip() if self.postal else "",
                       sets=_count(self.ids.sets, 1), fee_units=_count(self.ids.units, 1),
                       fee_exemption=self.ids.exemption.text.strip(), payment_method=self.method,
                       receipt_number=self.ids.receipt_number.text.strip() if self.method else "",
                       e_result=self.e_result)
        self._send(request)

    def _send(self, request: dict) -> None:
        def failed(error):
            if isinstance(error, Unavailable):  # keep everything; re-send with the same key
                self.app.retry_when_back("receive", self.t("receive.title"), lambda: self._send(request))
            self.show_error(error)

        self.call(lambda: self.app.service.receive_dossier(**request), self._received, failed)

    def _received(self, dossier) -> None:
        self.app.forget_pending("receive")
        self.show_dossier(dossier)
        self.print_receipt()

    def show_dossier(self, dossier) -> None:
        """The received dossier: its code, secret and date, and a VietQR code for any fee still due."""
        self.dossier = dossier
        self.result_text = self.t("receive.received", code=dossier.code, secret=dossier.secret,
                                  due=f"{moment(dossier.due_at)}")
        bank = self.app.office.get("bank")
        if bank and dossier.amount_due > 0:
            purpose = purpose_for(dossier.code)
            self.vietqr = qr_texture(vietqr_payload(bank["bin"], bank["account"], dossier.amount_due, purpose))
            self.vietqr_text = self.t("receive.vietqr", fee=money(dossier.amount_due), account=bank["account"],
                                      name=bank["name"], purpose=purpose)
        else:
            self.vietqr, self.vietqr_text = None, ""

    def record_payment(self) -> None:
        """Record the fee still due of the received dossier as paid (method and receipt number)."""
        if self.busy or self.dossier is None:
            return
        if not self.method or not self.ids.receipt_number.text.strip():
            self.say("receive.need_receipt")
            return
        service, code = self.app.service, self.dossier.code
        method, number = self.method, self.ids.receipt_number.text.strip()

        def paid(dossier) -> None:
            self.show_dossier(dossier)
            self.say("receive.payment_recorded", tone="ok", fee=money(dossier.paid), receipt=number)

        self.call(lambda: service.record_payment(code, method, number), paid)

    def print_receipt(self) -> None:
        """Print (again) Mẫu 01 and Mẫu 06 of the received dossier."""
        import forms

        svc, code, secret, actor = self.app.service, self.dossier.code, self.dossier.secret, self.app.actor
        self._print([(f"Mau01-{code}", lambda: forms.receipt(svc, code, secret, actor)),
                     (f"Mau06-{code}", lambda: forms.control_sheet(svc, code))], "receive.printed")

    def _print(self, jobs, done_key: str, **values) -> None:
        self.app.print_forms(jobs, lambda places: self.say(done_key, tone="ok", **values),
                             self.print_failed)

    def incomplete(self) -> None:
        """Not all required components: record it and print Mẫu 02 listing exactly what is missing."""
        if self.busy or not self._check(for_receipt=False):
            return
        app = self.app
        code, case, components = self.procedure.code, self.case.code, self._components()
        applicant, key = self._applicant(), self.intake_key

        def record():
            missing = app.service.missing_components(code, case, components)
            if not missing:
                return None
            return app.service.record_intake("incomplete", code, case, applicant,
                                             missing=tuple(missing), idempotency_key=key)

        def done(record):
            if record is None:
                self.say("receive.nothing_missing", tone="warn")
                return
            import forms

            svc = app.service
            self.intake_key = new_key()
            self._print([(f"Mau02-tiep-nhan-{record.id}", lambda: forms.supplement_request(svc, intake_id=record.id))],
                        "receive.intake_done", id=record.id, form="Mẫu 02")

        self.call(record, done)

    def refuse(self) -> None:
        """Refuse the dossier with the typed reason: record it and print Mẫu 03."""
        if self.busy or not self._check(for_receipt=False):
            return
        reason = self.ids.reason.text.strip()
        if not reason:
            self.say("receive.need_reason")
            self.ids.reason.focus = True
            return
        app = self.app
        code, case, applicant, key = self.procedure.code, self.case.code, self._applicant(), self.intake_key

        def done(record):
            import forms

            svc = app.service
            self.intake_key = new_key()
            self._print([(f"Mau03-tiep-nhan-{record.id}", lambda: forms.refusal(svc, record.id))],
                        "receive.intake_done", id=record.id, form="Mẫu 03")

        self.call(lambda: app.service.record_intake("refused", code, case, applicant, reason=reason,
                                                    idempotency_key=key), done)

    def new_form(self) -> None:
        """Start the next dossier: everything cleared, a fresh idempotency key."""
        self.clear()

    def clear(self) -> None:
        """Empty the form."""
        super().clear()
        if self.busy:
            return
        ids = self.ids
        for field in (ids.name, ids.id_number, ids.phone, ids.email, ids.address, ids.rep_name, ids.rep_id,
                      ids.delivery_address, ids.summary, ids.reason, ids.query, ids.exemption, ids.receipt_number):
            field.text = ""
        ids.sets.text = ids.units.text = "1"
        self.id_type = self.rep_id_type = "CCCD"
        self.has_rep = self.postal = self.e_result = False
        self.method, self.vietqr, self.vietqr_text = "", None, ""
        self.procedure, self.case_names, self.case_choice = None, [], ""
        ids.components.clear_widgets()
        self.rows = []
        self.dossier, self.result_text = None, ""
        self.key, self.intake_key = new_key(), new_key()
        self.app.forget_pending("receive")
        self.search("")
