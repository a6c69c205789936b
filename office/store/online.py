"""Dossiers submitted online, as pulled from the central system, and the counter's decision on
each (accepted with the code of the dossier created, or refused with the reason)."""
from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime

from office.errors import NotFound
from office.model import Applicant, OnlineDossier, ReceivedComponent
from office.store.base import StoreBase, _dt, _ts

_PERSON = {f.name for f in fields(Applicant)}
_COMPONENT = {f.name for f in fields(ReceivedComponent)}


class OnlineStore(StoreBase):
    """Online dossiers waiting at the counter."""

    def save_online_dossier(self, data: dict, at: datetime) -> None:
        """Record a submission pulled from the central system (a second delivery changes nothing)."""
        self.db.execute("INSERT INTO online_dossiers (ref, submitted_at, data, pulled_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (ref) DO NOTHING",
                        [data["ref"], _ts(datetime.fromisoformat(data["submitted_at"])),
                         json.dumps(data, ensure_ascii=False), _ts(at)])

    def online_dossiers(self, state: str = "waiting", limit: int = 200) -> list[OnlineDossier]:
        """Online dossiers in a state, oldest submission first."""
        return [_online(r) for r in self._rows(
            "SELECT * FROM online_dossiers WHERE state = ? ORDER BY submitted_at, ref LIMIT ?", [state, limit])]

    def online_dossier(self, ref: str) -> OnlineDossier:
        """One online dossier, or NotFound."""
        row = self._one("SELECT * FROM online_dossiers WHERE ref = ?", [ref])
        if row is None:
            raise NotFound(f"Không có hồ sơ trực tuyến {ref}")
        return _online(row)

    def decide_online(self, ref: str, state: str, code: str | None, reason: str, at: datetime, staff: str) -> None:
        """Record the counter's decision on an online dossier (inside `write()`)."""
        self.db.execute("UPDATE online_dossiers SET state = ?, code = ?, reason = ?, decided_at = ?, decided_by = ?"
                        " WHERE ref = ?", [state, code, reason, _ts(at), staff, ref])


def _person(d: dict | None) -> Applicant | None:
    return Applicant(**{k: v for k, v in d.items() if k in _PERSON}) if d else None


def _online(r: dict) -> OnlineDossier:
    d = json.loads(r["data"])
    return OnlineDossier(
        ref=r["ref"], submitted_at=_dt(r["submitted_at"]), procedure_code=d["procedure_code"],
        case_code=d["case_code"], applicant=_person(d["applicant"]), summary=d.get("summary", ""),
        representative=_person(d.get("representative")),
        components=tuple(ReceivedComponent(**{k: v for k, v in c.items() if k in _COMPONENT})
                         for c in d.get("components", [])),
        delivery=d.get("delivery", "counter"), delivery_address=d.get("delivery_address", ""),
        state=r["state"], code=r["code"], reason=r["reason"])
