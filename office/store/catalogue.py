"""The catalogue: fields and versions of procedures, queue services, counters (with their pause
state and priority streak) and staff members."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

from office import codec
from office.errors import NotFound
from office.model import Component, Counter, Field, Procedure, ProcedureCase, Service
from office.store.base import StoreBase


class CatalogueStore(StoreBase):
    """Fields, procedures, services, counters and staff."""

    def save_field(self, f: Field) -> None:
        """Insert or replace a field of procedures."""
        self.db["fields"].upsert(asdict(f), pk="code")

    def fields(self) -> list[Field]:
        """All fields, by code."""
        return [Field(**r) for r in self._rows("SELECT code, name FROM fields ORDER BY code")]

    def save_procedure(self, p: Procedure) -> None:
        """Insert or replace one version of a procedure."""
        self.db["procedures"].upsert({
            "code": p.code, "version": p.version, "name": p.name, "field_code": p.field_code,
            "effective_from": p.effective_from.isoformat(),
            "effective_to": p.effective_to.isoformat() if p.effective_to else None,
            "result": p.result,
            "cases": json.dumps(codec.encode(p.cases), ensure_ascii=False),
            "components": json.dumps([asdict(c) for c in p.components], ensure_ascii=False),
        }, pk=("code", "version"))

    def procedures(self, on: date | None = None) -> list[Procedure]:
        """Procedure versions in force on a date (all versions if `on` is None)."""
        if on is None:
            rows = self._rows("SELECT * FROM procedures ORDER BY code, version")
        else:
            d = on.isoformat()
            rows = self._rows(
                "SELECT * FROM procedures WHERE effective_from <= ?"
                " AND (effective_to IS NULL OR effective_to >= ?) ORDER BY code, version", [d, d])
        return [_procedure(r) for r in rows]

    def procedure(self, code: str, version: int | None = None, on: date | None = None) -> Procedure:
        """One procedure: a given version, or the version in force on `on`."""
        if version is not None:
            row = self._one("SELECT * FROM procedures WHERE code = ? AND version = ?", [code, version])
        else:
            d = (on or date.today()).isoformat()
            row = self._one(
                "SELECT * FROM procedures WHERE code = ? AND effective_from <= ?"
                " AND (effective_to IS NULL OR effective_to >= ?) ORDER BY version DESC LIMIT 1",
                [code, d, d])
        if row is None:
            raise NotFound(f"Không tìm thấy thủ tục {code}")
        return _procedure(row)

    def save_service(self, s: Service) -> None:
        """Insert or replace a queue service."""
        self.db["services"].upsert({"code": s.code, "name": s.name, "prefix": s.prefix,
                                    "field_codes": json.dumps(list(s.field_codes))}, pk="code")

    def services(self) -> list[Service]:
        """All queue services, by prefix."""
        return [Service(r["code"], r["name"], r["prefix"], tuple(json.loads(r["field_codes"])))
                for r in self._rows("SELECT * FROM services ORDER BY prefix")]

    def service(self, code: str) -> Service:
        """One queue service or NotFound."""
        for s in self.services():
            if s.code == code:
                return s
        raise NotFound(f"Không có dịch vụ {code!r}")

    def save_counter(self, c: Counter) -> None:
        """Insert or replace a counter."""
        self.db["counters"].upsert({"id": c.id, "name": c.name, "services": json.dumps(list(c.services)),
                                    "paused_reason": c.paused_reason}, pk="id")

    def counters(self) -> list[Counter]:
        """All counters, by id."""
        return [_counter(r) for r in self._rows("SELECT * FROM counters ORDER BY id")]

    def counter(self, counter_id: int) -> Counter:
        """One counter or NotFound."""
        row = self._one("SELECT * FROM counters WHERE id = ?", [counter_id])
        if row is None:
            raise NotFound(f"Không có quầy số {counter_id}")
        return _counter(row)

    def set_counter_pause(self, counter_id: int, reason: str | None) -> None:
        """Pause (reason) or resume (None) a counter."""
        self.db.execute("UPDATE counters SET paused_reason = ? WHERE id = ?", [reason, counter_id])

    def normal_streak(self, counter_id: int) -> int:
        """Normal tickets this counter called since its last priority call."""
        return self._one("SELECT normal_streak FROM counters WHERE id = ?", [counter_id])["normal_streak"]

    def set_normal_streak(self, counter_id: int, value: int) -> None:
        """Record the counter's normal-call streak."""
        self.db.execute("UPDATE counters SET normal_streak = ? WHERE id = ?", [value, counter_id])

    def save_staff(self, username: str, name: str, title: str, department: str, leader: bool = False) -> None:
        """Insert or replace a staff member (`leader`: a leader of the agency)."""
        self.db["staff"].upsert({"username": username, "name": name, "title": title,
                                 "department": department, "leader": int(leader)}, pk="username")

    def staff(self) -> list[dict]:
        """All staff members."""
        return list(self._rows("SELECT * FROM staff ORDER BY username"))

    def staff_member(self, username: str) -> dict:
        """One staff member (username, name, title, department, leader) or NotFound."""
        row = self._one("SELECT * FROM staff WHERE username = ?", [username])
        if row is None:
            raise NotFound(f"Không có cán bộ {username!r}")
        return row


def _procedure(r: dict) -> Procedure:
    return Procedure(
        code=r["code"], name=r["name"], field_code=r["field_code"], version=r["version"],
        effective_from=date.fromisoformat(r["effective_from"]),
        effective_to=date.fromisoformat(r["effective_to"]) if r["effective_to"] else None,
        result=r["result"],
        cases=codec.decode(tuple[ProcedureCase, ...], json.loads(r["cases"])),
        components=tuple(Component(**c) for c in json.loads(r["components"])))


def _counter(r: dict) -> Counter:
    return Counter(r["id"], r["name"], tuple(json.loads(r["services"])), r["paused_reason"])
