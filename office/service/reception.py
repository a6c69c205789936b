"""Reception at the counter: receiving a dossier (checklist with digitisation, representative,
delivery, fee and its payment), recording the ones not received (incomplete: Mẫu 02, refused:
Mẫu 03), each numbered, and a new lookup secret for a reprinted receipt."""
from __future__ import annotations

from dataclasses import asdict, replace

from office.errors import InvalidInput
from office.model import Actor, Applicant, Dossier, DossierStatus, IntakeRecord, Payment, ReceivedComponent, Step
from office.rules.codes import format_dossier_code, new_lookup_secret, parse_dossier_code
from office.rules.fees import check_payment, fee_amount
from office.service.base import ServiceBase
from office.service.inputs import clean_applicant, clean_components, clean_list, component_key
from office.service.payloads import dossier_payload
from office.text import checked, checked_reason, moment

S = DossierStatus


class ReceptionUseCases(ServiceBase):
    """Dossiers received and intake records."""

    def receive_dossier(self, procedure_code: str, case_code: str, applicant: Applicant,
                        actor: Actor, summary: str = "", channel: int = 1, *,
                        components: tuple[ReceivedComponent, ...] | None = None,
                        representative: Applicant | None = None, delivery: str = "counter",
                        delivery_address: str = "", sets: int = 1, fee_units: int = 1, fee_exemption: str = "",
                        payment_method: str = "", receipt_number: str = "", e_result: bool = False) -> Dossier:
        """Receive a dossier: appointment date, dossier code, lookup secret, first step, the
        numbered Mẫu 01 (its register row), and the fee due (paid at once when `payment_method`
        and the receipt number are given). The answer is the only place the secret appears in
        clear (the store and the change log keep its keyed hash): print the receipt from it.

        `components` is the checklist taken at the counter: every required component of the
        procedure must be in it (else InvalidInput naming what is missing); None means no checklist
        was taken (online or imported dossiers). A postal delivery needs an address; ID numbers must
        fit their paper type. An online dossier (channel 2) waits at status 1 until a counter
        accepts it (→ 2: its appointment date counts from then) or refuses it (→ 3)."""
        now = self._now()
        procedure = self.store.procedure(procedure_code, on=now.date())
        case = procedure.case(case_code)
        applicant = clean_applicant(applicant)
        if channel not in (1, 2, 3):
            raise InvalidInput("Kênh thực hiện phải là 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)")
        if components is not None:
            components = clean_components(components)
            missing = self.missing_components(procedure_code, case_code, components)
            if missing:
                raise InvalidInput("Hồ sơ còn thiếu thành phần bắt buộc: " + "; ".join(missing))
        if representative is not None:
            representative = clean_applicant(representative)
            if not representative.id_number:
                raise InvalidInput("Thiếu số giấy tờ tùy thân của người được ủy quyền")
        delivery_address = checked(delivery_address, "Địa chỉ nhận kết quả")
        summary = checked(summary, "Trích yếu", lines=True)[:1000]
        if delivery not in ("counter", "postal"):
            raise InvalidInput("Hình thức nhận kết quả phải là tại Bộ phận Một cửa (counter) hoặc bưu chính (postal)")
        if delivery == "postal" and not delivery_address:
            raise InvalidInput("Nhận kết quả qua bưu chính cần địa chỉ nhận")
        if not 1 <= sets <= 99:
            raise InvalidInput("Số bộ hồ sơ phải từ 1 đến 99")
        fee_exemption = checked(fee_exemption, "Miễn, giảm phí")[:300]
        fee = fee_amount(case, fee_units, fee_exemption)
        payment = None
        if payment_method or receipt_number:
            if not fee:
                raise InvalidInput("Hồ sơ này không phải nộp phí, lệ phí")
            payment = Payment(now, fee, payment_method, check_payment(payment_method, receipt_number, fee),
                              staff=actor.name)
        waiting = channel == 2
        status = S.NEW if waiting else S.RECEIVED
        due = self.calendar.appointment(now, case.duration, case.unit, case.same_day_cutoff)
        with self.store.write():
            first, last = (self.store.number_block(self.store.agency_code, now.date())
                           or (self.config.sequence_first, self.config.sequence_last))
            seq = self.store.next_dossier_sequence(self.store.agency_code, now.date(), first, last)
            code = format_dossier_code(self.store.agency_code, now.date(), seq)
            content = ("Hồ sơ nộp trực tuyến, chờ tiếp nhận" if waiting
                       else f"Tiếp nhận hồ sơ, hẹn trả {moment(due)}")
            step = Step(now, actor.name, actor.role, actor.department, content, status)
            forms = () if waiting else (self.store.issue_form("01", code, now),)
            dossier = Dossier(code=code, secret=new_lookup_secret(), procedure_code=procedure.code,
                              procedure_version=procedure.version, case_code=case.code,
                              applicant=applicant, status=status, received_at=now, due_at=due,
                              original_due_at=due, channel=channel, summary=summary,
                              fee=fee, steps=(step,), components=tuple(components or ()),
                              representative=representative, delivery=delivery,
                              delivery_address=delivery_address if delivery == "postal" else "",
                              fee_paid=payment is not None, sets=sets, fee_units=fee_units,
                              fee_exemption=fee_exemption if case.fee else "",
                              payments=(payment,) if payment else (), e_result=bool(e_result),
                              submitted_at=now, forms=forms)
            self.store.insert_dossier(dossier)
            if payment is not None:
                self.store.add_payment(code, payment)
            hashed = replace(dossier, secret=self.store.hash_secret(code, dossier.secret))
            self.store.append_event("dossier", code, "received", dossier_payload(hashed), now)
        return dossier

    def reissue_secret(self, code: str, actor: Actor) -> Dossier:
        """A new lookup secret for a reprinted receipt (Mẫu 01), e.g. when the citizen lost it: the
        office keeps only keyed hashes, so the old secret cannot be printed again; it stops working
        now (the old receipt's QR no longer opens the dossier). Audited; the answer carries the new
        secret in clear, the change log its hash."""
        now, secret = self._now(), new_lookup_secret()
        with self.store.write():
            d = self.store.dossier(str(parse_dossier_code(code)))
            self.store.set_secret(d.code, secret)
            self.store.add_audit(now, actor.name, None, "secret.reissue", d.code)
            self.store.append_event("dossier", d.code, "secret_reissued",
                                    {"code": d.code, "secret_hash": self.store.hash_secret(d.code, secret)}, now)
        return replace(d, secret=secret)

    def missing_components(self, procedure_code: str, case_code: str,
                           components: tuple[ReceivedComponent, ...]) -> list[str]:
        """Names of the procedure's required components not among `components` (counted ≥ 1)."""
        procedure = self.store.procedure(procedure_code, on=self._now().date())
        procedure.case(case_code)
        given = {component_key(c.name) for c in components if c.originals + c.copies > 0}
        return [c.name for c in procedure.components if c.required and component_key(c.name) not in given]

    def record_intake(self, kind: str, procedure_code: str, case_code: str, applicant: Applicant,
                      actor: Actor, reason: str = "", missing: tuple[str, ...] = ()) -> IntakeRecord:
        """Record a dossier the counter did not receive: "incomplete" (guidance to complete it,
        Mẫu 02: `missing` lists what to add) or "refused" (Mẫu 03: `reason`). No dossier code is
        allocated; the record goes to the change log."""
        now = self._now()
        if kind not in ("incomplete", "refused"):
            raise InvalidInput("Loại phiếu phải là incomplete (hướng dẫn bổ sung) hoặc refused (từ chối)")
        procedure = self.store.procedure(procedure_code, on=now.date())
        procedure.case(case_code)
        applicant = clean_applicant(applicant)
        reason = checked_reason(reason, "Lý do", lines=True)
        missing = clean_list(missing)
        if kind == "incomplete" and not missing:
            raise InvalidInput("Cần liệt kê giấy tờ còn thiếu để hướng dẫn bổ sung")
        if kind == "refused" and not reason:
            raise InvalidInput("Cần nêu lý do từ chối tiếp nhận")
        with self.store.write():
            record = self.store.insert_intake(kind, now, procedure.code, case_code, applicant, reason,
                                              missing, actor.name)
            number = self.store.issue_form("02" if kind == "incomplete" else "03", f"intake:{record.id}", now)
            self.store.append_event("intake", str(record.id), kind, {
                "id": record.id, "procedure_code": procedure.code, "case_code": case_code,
                "applicant_name": applicant.name, "applicant_email": applicant.email, "reason": reason,
                "missing": list(missing), "staff": actor.name, "department": actor.department,
                "form": asdict(number)}, now)
        return replace(record, number=number)

    def intake(self, record_id: int) -> IntakeRecord:
        """An intake record (incomplete or refused dossier) by its number."""
        return self.store.intake(record_id)
