"""Dossiers (with their steps, due-date changes and reception details), their daily numbering,
and the intake records of dossiers a counter did not receive."""
from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from office import text
from office.errors import NotFound, SequenceExhausted
from office.model import (
    Applicant,
    Collector,
    Dossier,
    DossierStatus,
    DueChange,
    IntakeRecord,
    IssuedForm,
    Payment,
    ReceivedComponent,
    Step,
)
from office.store.base import StoreBase, _dt, _json, _ts

DOSSIER_COLUMNS = (
    "code", "secret", "procedure_code", "procedure_version", "case_code",
    "applicant_name", "applicant_id_type", "applicant_id_number", "applicant_phone",
    "applicant_address", "applicant_kind", "status", "channel", "summary", "fee",
    "received_at", "due_at", "original_due_at", "paused_at", "finished_at", "returned_at",
    "synced_at")


def dossier_row(d: Dossier) -> tuple:
    """A dossier as a row in DOSSIER_COLUMNS order (`secret` as given: the store hashes it)."""
    a = d.applicant
    return (d.code, d.secret, d.procedure_code, d.procedure_version, d.case_code,
            a.name, a.id_type, a.id_number, a.phone, a.address, a.kind, int(d.status),
            d.channel, d.summary, d.fee, _ts(d.received_at), _ts(d.due_at),
            _ts(d.original_due_at), _ts(d.paused_at), _ts(d.finished_at), _ts(d.returned_at),
            _ts(d.synced_at))


# a dossier's list row (DossierRow) with its procedure's name
ROW_SQL = ("SELECT d.code, d.applicant_name, p.name AS procedure_name, d.status, d.received_at,"
           " d.due_at, d.paused_at, d.finished_at, d.returned_at FROM dossiers d JOIN procedures p"
           " ON p.code = d.procedure_code AND p.version = d.procedure_version")

RECEPTION_COLUMNS = ("components", "representative", "delivery", "delivery_address", "fee_paid",
                     "supplement_missing", "returned_to", "applicant_email", "sets", "fee_units",
                     "fee_exemption", "e_result", "supplement_count", "supplement_due", "supplement_note",
                     "submitted_at")


def reception_row(d: Dossier) -> tuple:
    """A dossier's reception details in RECEPTION_COLUMNS order."""
    return (_json(d.components), _json(d.representative), d.delivery, d.delivery_address,
            int(d.fee_paid), _json(d.supplement_missing), _json(d.returned_to), d.applicant.email, d.sets,
            d.fee_units, d.fee_exemption, int(d.e_result), d.supplement_count, _ts(d.supplement_due),
            d.supplement_note, _ts(d.submitted_at))


class DossierStore(StoreBase):
    """Dossiers and intake records."""

    def next_dossier_sequence(self, agency: str, day: date, first: int, last: int) -> int:
        """Allocate the next daily sequence for an agency in one statement; inside `write()`.

        The sequence never goes below `first`, so a newly leased block starts at its own first number."""
        seq = self._one(
            "INSERT INTO dossier_seq (agency, day, last) VALUES (?, ?, ?)"
            " ON CONFLICT (agency, day) DO UPDATE SET last = MAX(last + 1, excluded.last) RETURNING last",
            [agency, day.isoformat(), first])["last"]
        if seq > last:
            raise SequenceExhausted(
                f"Hết dải số hồ sơ {first}–{last} của ngày {text.day(day)}; cần cấp dải số mới")
        return seq

    def insert_dossier(self, d: Dossier) -> None:
        """Insert a dossier (with its reception details; only the keyed hash of its lookup secret),
        its steps and due changes."""
        columns = DOSSIER_COLUMNS + RECEPTION_COLUMNS
        self.db.execute(
            f"INSERT INTO dossiers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            dossier_row(replace(d, secret=self.hash_secret(d.code, d.secret))) + reception_row(d))
        for s in d.steps:
            self.add_step(d.code, s)

    def insert_dossiers_bulk(self, dossiers: Iterable[tuple], steps: Iterable[tuple],
                             due_changes: Iterable[tuple] = ()) -> None:
        """Fast bulk insert of rows already in column order, lookup secrets already hashed with
        `hash_secret` (demo seeding); inside `write()`."""
        self.db.conn.executemany(
            f"INSERT INTO dossiers ({', '.join(DOSSIER_COLUMNS)}) VALUES ({', '.join('?' * len(DOSSIER_COLUMNS))})",
            dossiers)
        self.db.conn.executemany(
            "INSERT INTO steps (dossier_code, at, actor, role, department, content, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", steps)
        self.db.conn.executemany(
            "INSERT INTO due_changes (dossier_code, at, old_due, new_due, kind, reason)"
            " VALUES (?, ?, ?, ?, ?, ?)", due_changes)

    def check_in_required_components(self) -> None:
        """Give every dossier received at a counter (channel 1, past status 1) without a checklist
        the required components of its procedure version, one original each as catalogued
        (demo seeding); one statement, inside `write()`."""
        self.db.execute(
            "UPDATE dossiers SET components = (SELECT json_group_array(json_object("
            " 'name', json_extract(c.value, '$.name'), 'originals', json_extract(c.value, '$.originals'),"
            " 'copies', json_extract(c.value, '$.copies'), 'note', ''))"
            " FROM procedures p, json_each(p.components) c WHERE p.code = dossiers.procedure_code"
            " AND p.version = dossiers.procedure_version AND json_extract(c.value, '$.required'))"
            " WHERE channel = 1 AND status != 1 AND components = '[]'")

    def set_dossier_sequences(self, agency: str, last_by_day: dict[date, int]) -> None:
        """Record the last sequence used per day (after a bulk import); inside `write()`."""
        self.db.conn.executemany(
            "INSERT INTO dossier_seq (agency, day, last) VALUES (?, ?, ?)"
            " ON CONFLICT (agency, day) DO UPDATE SET last = MAX(last, excluded.last)",
            [(agency, d.isoformat(), n) for d, n in last_by_day.items()])

    def add_step(self, code: str, s: Step) -> None:
        """Append a processing step."""
        self.db.execute(
            "INSERT INTO steps (dossier_code, at, actor, role, department, content, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [code, _ts(s.at), s.actor, s.role, s.department, s.content, int(s.status)])

    def add_due_change(self, code: str, c: DueChange) -> None:
        """Record a change of the appointment date."""
        self.db.execute(
            "INSERT INTO due_changes (dossier_code, at, old_due, new_due, kind, reason)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [code, _ts(c.at), _ts(c.old_due), _ts(c.new_due), c.kind, c.reason])

    def update_dossier(self, code: str, **values) -> None:
        """Update dossier columns (status, received_at, due_at, paused_at, finished_at, returned_at,
        synced_at, fee_paid, supplement_missing, supplement_count, supplement_due, supplement_note,
        returned_to)."""
        allowed = {"status", "received_at", "due_at", "paused_at", "finished_at", "returned_at", "synced_at",
                   "fee_paid", "supplement_missing", "supplement_count", "supplement_due", "supplement_note",
                   "returned_to"}
        if not values or set(values) - allowed:
            raise ValueError(f"cannot update {sorted(set(values) - allowed)}")
        cols = ", ".join(f"{k} = ?" for k in values)
        params = [int(v) if isinstance(v, DossierStatus) else _ts(v) if isinstance(v, datetime)
                  else _json(v) if isinstance(v, (list, tuple, Collector)) else v
                  for v in values.values()]
        self.db.execute(f"UPDATE dossiers SET {cols} WHERE code = ?", [*params, code])

    def dossier(self, code: str) -> Dossier:
        """A dossier with its full history, or NotFound."""
        row = self._one("SELECT * FROM dossiers WHERE code = ?", [code])
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ {code}")
        steps = tuple(Step(_dt(s["at"]), s["actor"], s["role"], s["department"], s["content"],
                           DossierStatus(s["status"]))
                      for s in self._rows("SELECT * FROM steps WHERE dossier_code = ? ORDER BY id", [code]))
        changes = tuple(DueChange(_dt(c["at"]), _dt(c["old_due"]), _dt(c["new_due"]), c["kind"], c["reason"])
                        for c in self._rows(
                            "SELECT * FROM due_changes WHERE dossier_code = ? ORDER BY id", [code]))
        payments = tuple(Payment(_dt(p["at"]), p["amount"], p["method"], p["receipt_number"], bool(p["refund"]),
                                 p["staff"])
                         for p in self._rows("SELECT * FROM payments WHERE dossier_code = ? ORDER BY id", [code]))
        return _dossier(row, steps, changes, payments, self.issued_forms(code))

    def add_payment(self, code: str, p: Payment) -> None:
        """Record a fee payment or refund of a dossier; inside `write()`."""
        self.db.execute(
            "INSERT INTO payments (dossier_code, at, amount, method, receipt_number, refund, staff)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [code, _ts(p.at), p.amount, p.method, p.receipt_number, int(p.refund), p.staff])

    def issue_form(self, form: str, ref: str, at: datetime) -> IssuedForm:
        """Number a document of `form` ("01"…"05") issued for `ref` (a dossier code, or
        "intake:<id>"): the next number of that form in the year of `at`; inside `write()`."""
        number = self._one(
            "INSERT INTO form_seq (form, year, last) VALUES (?, ?, 1)"
            " ON CONFLICT (form, year) DO UPDATE SET last = last + 1 RETURNING last", [form, at.year])["last"]
        self.db.execute("INSERT INTO issued_forms (form, year, number, ref, at) VALUES (?, ?, ?, ?, ?)",
                        [form, at.year, number, ref, _ts(at)])
        return IssuedForm(form, at.year, number, at)

    def issued_forms(self, ref: str) -> tuple[IssuedForm, ...]:
        """The numbered documents issued for a dossier code or "intake:<id>", oldest first."""
        return tuple(IssuedForm(r["form"], r["year"], r["number"], _dt(r["at"]))
                     for r in self._rows("SELECT * FROM issued_forms WHERE ref = ? ORDER BY id", [ref]))

    def number_receipts(self) -> None:
        """Give every received dossier without one its Mẫu 01 number, per year in reception order
        (demo seeding, after a bulk insert); one statement each, inside `write()`."""
        self.db.execute(
            "INSERT INTO issued_forms (form, year, number, ref, at)"
            " SELECT '01', CAST(substr(received_at, 1, 4) AS INTEGER),"
            "  COALESCE((SELECT last FROM form_seq WHERE form = '01' AND year = CAST(substr(received_at, 1, 4)"
            "  AS INTEGER)), 0) + ROW_NUMBER() OVER (PARTITION BY substr(received_at, 1, 4)"
            "  ORDER BY received_at, code), code, received_at FROM dossiers d"
            " WHERE EXISTS (SELECT 1 FROM steps s WHERE s.dossier_code = d.code AND s.status = 2)"
            " AND NOT EXISTS (SELECT 1 FROM issued_forms f WHERE f.ref = d.code AND f.form = '01')")
        self.db.execute(
            "INSERT INTO form_seq (form, year, last) SELECT form, year, MAX(number) FROM issued_forms"
            " WHERE form = '01' GROUP BY year ON CONFLICT (form, year) DO UPDATE SET last = excluded.last")

    def supplements_due_by(self, at: datetime) -> list[str]:
        """Codes of the dossiers waiting for a supplement whose deadline has passed at `at`."""
        return [r["code"] for r in self._rows(
            "SELECT code FROM dossiers WHERE supplement_due IS NOT NULL AND supplement_due <= ? AND status = ?"
            " ORDER BY supplement_due, code", [_ts(at), int(DossierStatus.SUPPLEMENT_REQUESTED)])]

    def secret_matches(self, code: str, secret: str) -> bool:
        """Whether `secret` is the lookup secret of dossier `code` (False for an unknown code);
        compared as keyed hashes in constant time."""
        row = self._one("SELECT secret FROM dossiers WHERE code = ?", [code])
        return row is not None and hmac.compare_digest(row["secret"], self.hash_secret(code, secret))

    def set_secret(self, code: str, secret: str) -> None:
        """Replace a dossier's lookup secret (the old one stops working); inside `write()`."""
        self.db.execute("UPDATE dossiers SET secret = ? WHERE code = ?", [self.hash_secret(code, secret), code])

    def dossier_codes(self, status: DossierStatus | None = None, limit: int = 100,
                      newest_first: bool = True) -> list[str]:
        """Dossier codes, optionally of one status."""
        order = "DESC" if newest_first else "ASC"
        where, params = ("WHERE status = ?", [int(status)]) if status is not None else ("", [])
        return [r["code"] for r in self._rows(
            f"SELECT code FROM dossiers {where} ORDER BY received_at {order} LIMIT ?", [*params, limit])]

    def dossiers_due_by(self, statuses: Iterable[DossierStatus], due_by: datetime, due_from: datetime | None = None,
                        limit: int = -1) -> list[dict]:
        """List rows of dossiers in some statuses due no later than `due_by` (and from `due_from`),
        most urgent first; at most `limit` (-1: all)."""
        statuses = [int(s) for s in statuses]
        return self._rows(
            ROW_SQL + f" WHERE d.status IN ({', '.join('?' * len(statuses))}) AND d.due_at <= ? AND d.due_at >= ?"
            " ORDER BY d.due_at, d.code LIMIT ?", [*statuses, _ts(due_by), _ts(due_from) or "", limit])

    def count_due_before(self, statuses: Iterable[DossierStatus], before: datetime) -> int:
        """Dossiers in some statuses due before `before`."""
        statuses = [int(s) for s in statuses]
        return self._one(f"SELECT COUNT(*) AS n FROM dossiers WHERE status IN ({', '.join('?' * len(statuses))})"
                         " AND due_at < ?", [*statuses, _ts(before)])["n"]

    def dossiers_handled_by(self, actor: str, statuses: Iterable[DossierStatus]) -> list[dict]:
        """List rows of dossiers in some statuses with a step by `actor`, most urgent first."""
        statuses = [int(s) for s in statuses]
        return self._rows(
            ROW_SQL + f" WHERE d.status IN ({', '.join('?' * len(statuses))})"
            " AND d.code IN (SELECT dossier_code FROM steps WHERE actor = ?) ORDER BY d.due_at, d.code",
            [*statuses, actor])

    # ---- intake records (dossiers not received) -----------------------------------------

    def insert_intake(self, kind: str, at: datetime, procedure_code: str, case_code: str,
                      applicant: Applicant, reason: str, missing: Iterable[str], staff: str) -> IntakeRecord:
        """Record guidance given at the counter (incomplete or refused) and return it."""
        intake_id = self.db.execute(
            "INSERT INTO intakes (kind, at, procedure_code, case_code, applicant, reason, missing, staff)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [kind, _ts(at), procedure_code, case_code, _json(applicant), reason, _json(list(missing)),
             staff]).lastrowid
        return self.intake(intake_id)

    def intake(self, intake_id: int) -> IntakeRecord:
        """One intake record or NotFound."""
        r = self._one("SELECT * FROM intakes WHERE id = ?", [intake_id])
        if r is None:
            raise NotFound(f"Không có phiếu hướng dẫn / từ chối số {intake_id}")
        numbers = self.issued_forms(f"intake:{r['id']}")
        return IntakeRecord(r["id"], r["kind"], _dt(r["at"]), r["procedure_code"], r["case_code"],
                            Applicant(**json.loads(r["applicant"])), r["reason"],
                            tuple(json.loads(r["missing"])), r["staff"], numbers[0] if numbers else None)


def _dossier(r: dict, steps: tuple, changes: tuple, payments: tuple, forms: tuple) -> Dossier:
    representative = json.loads(r["representative"]) if r["representative"] else None
    returned_to = json.loads(r["returned_to"]) if r["returned_to"] else None
    return Dossier(
        code=r["code"], secret="", procedure_code=r["procedure_code"],  # the store keeps only its hash
        procedure_version=r["procedure_version"], case_code=r["case_code"],
        applicant=Applicant(r["applicant_name"], r["applicant_id_type"], r["applicant_id_number"],
                            r["applicant_phone"], r["applicant_address"], r["applicant_kind"],
                            r["applicant_email"]),
        status=DossierStatus(r["status"]), received_at=_dt(r["received_at"]), due_at=_dt(r["due_at"]),
        original_due_at=_dt(r["original_due_at"]), channel=r["channel"], summary=r["summary"],
        fee=r["fee"], paused_at=_dt(r["paused_at"]), finished_at=_dt(r["finished_at"]),
        returned_at=_dt(r["returned_at"]), steps=steps, due_changes=changes,
        synced_at=_dt(r["synced_at"]),
        components=tuple(ReceivedComponent(**c) for c in json.loads(r["components"])),
        representative=Applicant(**representative) if representative else None,
        delivery=r["delivery"], delivery_address=r["delivery_address"], fee_paid=bool(r["fee_paid"]),
        supplement_missing=tuple(json.loads(r["supplement_missing"])),
        returned_to=Collector(**returned_to) if returned_to else None, sets=r["sets"], fee_units=r["fee_units"],
        fee_exemption=r["fee_exemption"], payments=payments, e_result=bool(r["e_result"]),
        supplement_count=r["supplement_count"], supplement_due=_dt(r["supplement_due"]),
        supplement_note=r["supplement_note"],
        submitted_at=_dt(r["submitted_at"]), forms=forms)
