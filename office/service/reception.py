"""Reception at the counter: receiving a dossier (checklist, representative, delivery, fee),
recording the ones not received (incomplete: Mẫu 02, refused: Mẫu 03), and a new lookup secret
for a reprinted receipt."""
from __future__ import annotations

from dataclasses import replace

from office.errors import InvalidInput
from office.model import Actor, Applicant, Dossier, DossierStatus, IntakeRecord, ReceivedComponent, Step
from office.rules.codes import format_dossier_code, new_lookup_secret, parse_dossier_code
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
                        delivery_address: str = "", fee_paid: bool = False) -> Dossier:
        """Receive a dossier: appointment date, dossier code, lookup secret, first step. The answer
        is the only place the secret appears in clear (the store and the change log keep its keyed
        hash): print the receipt from it.

        `components` is the checklist taken at the counter: every required component of the
        procedure must be in it (else InvalidInput naming what is missing); None means no checklist
        was taken (online or imported dossiers). A postal delivery needs an address; ID numbers must
        fit their paper type."""
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
        due = self.calendar.appointment(now, case.duration, case.unit)
        with self.store.write():
            first, last = (self.store.number_block(self.store.agency_code, now.date())
                           or (self.config.sequence_first, self.config.sequence_last))
            seq = self.store.next_dossier_sequence(self.store.agency_code, now.date(), first, last)
            code = format_dossier_code(self.store.agency_code, now.date(), seq)
            step = Step(now, actor.name, actor.role, actor.department,
                        f"Tiếp nhận hồ sơ, hẹn trả {moment(due)}", S.RECEIVED)
            dossier = Dossier(code=code, secret=new_lookup_secret(), procedure_code=procedure.code,
                              procedure_version=procedure.version, case_code=case.code,
                              applicant=applicant, status=S.RECEIVED, received_at=now, due_at=due,
                              original_due_at=due, channel=channel, summary=summary,
                              fee=case.fee, steps=(step,), components=tuple(components or ()),
                              representative=representative, delivery=delivery,
                              delivery_address=delivery_address if delivery == "postal" else "",
                              fee_paid=bool(fee_paid))
            self.store.insert_dossier(dossier)
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
                                    {"code": d.code, "secret": self.store.hash_secret(d.code, secret)}, now)
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
            self.store.append_event("intake", str(record.id), kind, {
                "id": record.id, "procedure_code": procedure.code, "case_code": case_code,
                "applicant_name": applicant.name, "reason": reason, "missing": list(missing),
                "staff": actor.name, "department": actor.department}, now)
        return record

    def intake(self, record_id: int) -> IntakeRecord:
        """An intake record (incomplete or refused dossier) by its number."""
        return self.store.intake(record_id)
