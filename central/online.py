"""Dossiers submitted online (standing in for the provincial portal): imported into the central
store, sent down to the chosen office at status 1 (chờ tiếp nhận), and decided there — accepted
(1 → 2, a code from the office's number block; the office's `online_accepted` event links it) or
refused (1 → 3 with the reason; `online_refused`, NgayTuChoi). Mixed into CentralStore."""
from __future__ import annotations

import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.db import now_text
from central.events import (
    ONLINE_REF,
    Component,
    EventInvalid,
    LocalTime,
    OnlineAccepted,
    OnlineRefused,
    Person,
    Text,
    has_nul,
)
from central.projection import FACTS_UPSERT, dossier_facts
from office.errors import Conflict, InvalidInput, NotFound

SUBMITTER = ("Cổng Dịch vụ công", "Công dân nộp trực tuyến")  # (department, role) of the submission step


class Submission(BaseModel):
    """A dossier submitted online, as the provincial portal hands it over."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ref: Annotated[str, StringConstraints(pattern=f"^{ONLINE_REF}$")]
    office_id: Text(100, 1)
    procedure_code: Text(50, 1)
    case_code: Text(50, 1)
    applicant: Person
    representative: Person | None = None
    summary: Text(1000) = ""
    submitted_at: LocalTime
    components: list[Component] = Field(default=[], max_length=100)
    delivery: Annotated[str, StringConstraints(pattern="^(counter|postal)$")] = "counter"
    delivery_address: Text(500) = ""
    vneid_verified: bool = False  # TaiKhoanDuocXacThucVoiVNeID
    paid_online: bool = False  # DuocThanhToanTrucTuyen


class OnlineDossiers:
    """Import, list and decide online dossiers (uses CentralStore's transactions and queue)."""

    def import_online(self, submission: Submission | dict) -> dict:
        """Accept a submission from the portal and queue it to its office; idempotent by `ref`
        (the same submission again changes nothing; another one under the same ref is a conflict)."""
        s = submission if isinstance(submission, Submission) else Submission.model_validate(submission)
        data = s.model_dump(mode="json")
        if has_nul(json.dumps(data)):
            raise InvalidInput("a text of the submission contains a NUL character")
        with self.tx(lock=True) as x:
            if x.one("SELECT office_id FROM offices WHERE office_id = ?", [s.office_id]) is None:
                raise NotFound(f"office {s.office_id!r} is not enrolled")
            if not x.one("SELECT 1 FROM procedures WHERE code = ?", [s.procedure_code]):
                raise InvalidInput(f"procedure {s.procedure_code} is not in the central catalogue")
            existing = x.one("SELECT data, state, code FROM online_dossiers WHERE ref = ?", [s.ref])
            if existing:
                if json.loads(existing[0]) != data:
                    raise Conflict(f"online dossier {s.ref} was already submitted with other content")
                return {"ref": s.ref, "state": existing[1], "code": existing[2]}
            x.run("INSERT INTO online_dossiers (ref, office_id, state, submitted_at, data, imported_at)"
                  " VALUES (?, ?, 'pending', ?, ?, ?)",
                  [s.ref, s.office_id, data["submitted_at"], json.dumps(data, ensure_ascii=False), now_text()])
            self._queue(x, s.office_id, "online_dossier", data, update_id=f"online:{s.ref}")
        return {"ref": s.ref, "state": "pending", "code": None}

    def online_state(self, ref: str) -> dict:
        """Where an online dossier stands: pending, accepted (with its code) or refused (with the reason)."""
        office = self._read("SELECT office_id FROM online_dossiers WHERE ref = ?", [ref])
        if office:
            self.project(office[0][0])
        rows = self._read("SELECT ref, office_id, state, code, reason, decided_at FROM online_dossiers WHERE ref = ?",
                          [ref])
        if not rows:
            raise NotFound(f"online dossier {ref} is not known")
        return dict(zip(("ref", "office_id", "state", "code", "reason", "decided_at"), rows[0]))

    def online_dossiers(self, office_id: str | None = None, state: str | None = None) -> list[dict]:
        """Online dossiers (no personal data), oldest first."""
        where, params = ["1 = 1"], []
        for column, value in (("office_id", office_id), ("state", state)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        keys = ("ref", "office_id", "state", "submitted_at", "code", "decided_at")
        return [dict(zip(keys, r)) for r in self._read(
            f"SELECT {', '.join(keys)} FROM online_dossiers WHERE {' AND '.join(where)} ORDER BY submitted_at, ref",
            params)]

    def _pending_online(self, x, office_id: str, ref: str) -> dict:
        row = x.one("SELECT state, data FROM online_dossiers WHERE ref = ? AND office_id = ?", [ref, office_id])
        if row is None:
            raise EventInvalid(f"online dossier {ref} was not sent to office {office_id}")
        if row[0] != "pending":
            raise EventInvalid(f"online dossier {ref} was already {row[0]}")
        return json.loads(row[1])

    def _project_online_accepted(self, x, office_id: str, e: OnlineAccepted) -> None:
        submission = self._pending_online(x, office_id, e.online_ref)
        row = x.one("SELECT data FROM dossiers WHERE code = ? AND office_id = ?", [e.code, office_id])
        if row is None:
            raise EventInvalid(f"online dossier {e.online_ref} accepted as {e.code}, which office {office_id} "
                               "has not created here")
        data = json.loads(row[0])
        change = self._next_change(x)
        data.update(online_ref=e.online_ref, submitted_at=submission["submitted_at"], channel=2,
                    vneid_verified=submission["vneid_verified"], paid_online=submission["paid_online"],
                    components=data.get("components") or submission["components"])
        if not data["applicant"].get("email"):
            data["applicant"]["email"] = submission["applicant"]["email"]
        self._add_step(x, e.code, office_id, self._submission_step(submission), "portal", None, "applied", change,
                       started_at=submission["submitted_at"], due_at=data.get("due_at"))
        x.run("UPDATE dossiers SET data = ?, channel = 2, change_seq = ? WHERE code = ?",
              [json.dumps(data, ensure_ascii=False), change, e.code])
        x.run(FACTS_UPSERT, dossier_facts(data))
        x.run("UPDATE online_dossiers SET state = 'accepted', code = ?, decided_at = ? WHERE ref = ?",
              [e.code, data["received_at"], e.online_ref])

    def _project_online_refusal(self, x, office_id: str, e: OnlineRefused) -> None:
        s = self._pending_online(x, office_id, e.online_ref)
        if x.one("SELECT 1 FROM dossiers WHERE code = ?", [e.online_ref]):
            raise EventInvalid(f"online dossier {e.online_ref} is already recorded")
        procedure = x.one("SELECT version, field_code FROM procedures WHERE code = ? ORDER BY version DESC",
                          [s["procedure_code"]])
        at = e.at.isoformat(timespec="seconds")
        data = {"code": e.online_ref, "office_id": office_id, "procedure_code": s["procedure_code"],
                "procedure_version": procedure[0] if procedure else 1, "case_code": s["case_code"],
                "field_code": procedure[1] if procedure else None, "status": 3, "channel": 2,
                "summary": s["summary"], "applicant": s["applicant"], "representative": s["representative"],
                "received_at": None, "due_at": None, "submitted_at": s["submitted_at"], "refused_at": at,
                "refusal_reason": e.reason, "finished_at": at, "components": s["components"],
                "delivery": s["delivery"], "delivery_address": s["delivery_address"], "fee": 0, "payments": [],
                "vneid_verified": s["vneid_verified"], "paid_online": s["paid_online"], "supplements": [],
                "supplement_count": 0, "online_ref": e.online_ref, "handling_department": ""}
        change = self._next_change(x)
        x.run("INSERT INTO dossiers (code, office_id, status, data, change_seq, procedure_code, field_code, channel)"
              " VALUES (?, ?, 3, ?, ?, ?, ?, 2)", [e.online_ref, office_id, json.dumps(data, ensure_ascii=False),
                                                   change, s["procedure_code"], data["field_code"]])
        self._add_step(x, e.online_ref, office_id, self._submission_step(s), "portal", None, "applied", change)
        refusal = e.step.model_dump() if e.step else {
            "at": e.at, "actor": "Bộ phận Một cửa", "role": "", "department": "",
            "content": f"Từ chối tiếp nhận: {e.reason}", "status": 3}
        self._add_step(x, e.online_ref, office_id, refusal, "office", None, "applied", change,
                       started_at=s["submitted_at"])
        x.run("UPDATE online_dossiers SET state = 'refused', reason = ?, decided_at = ? WHERE ref = ?",
              [e.reason, at, e.online_ref])

    @staticmethod
    def _submission_step(s: dict) -> dict:
        return {"at": s["submitted_at"], "actor": s["applicant"]["name"][:200], "role": SUBMITTER[1],
                "department": SUBMITTER[0], "content": "Nộp hồ sơ trực tuyến", "status": 1}


def parse_submissions(text: str) -> list[dict]:
    """Submissions from a file: a JSON array, or one JSON object per line."""
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]
