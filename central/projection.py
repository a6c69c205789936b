"""The dossier projection of the central store: pushed events → dossiers and steps, complete
enough for the national-portal export and the dashboards; back-office steps and reads.

Projection runs under the global lock in chunks, office by office, and numbers every change
(`change_seq`, the export cursor's space). It only sees events that passed `central.events`; an
event that still cannot be applied (a status change of an unknown dossier, a code another office
holds) is quarantined before anything is written, and an unexpected failure is isolated to its
own event, so nothing stops the projection of other dossiers.
"""
from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

from central.db import is_unavailable
from central.events import (
    CREATES,
    VN_TZ,
    Dossier,
    EventInvalid,
    OnlineAccepted,
    OnlineRefused,
    Rejected,
    Update,
    check_code,
    check_event,
)
from office.errors import InvalidInput, NotFound
from office.model import DossierStatus, check_transition
from office.service.processing import FINISHED
from sync.protocol import MAX_CLOCK_SKEW, ProtocolError

log = logging.getLogger("central")
PROJECT_CHUNK = 5000
PROCESSING = frozenset({4, 5, 6, 8, 9})  # statuses whose step names the handling department
TIMES = ("due_at", "paused_at", "finished_at", "returned_at", "supplement_due")
UPDATABLE = ("due_at", "paused_at", "finished_at", "returned_at", "supplement_due", "supplement_missing",
             "supplement_count", "fee_paid", "payments", "e_result", "handling_department")
STEP_KEYS = ("at", "actor", "role", "department", "content", "status", "origin", "state", "update_id")
PRIVATE = ("secret_hash",)  # never leaves the central store


def _t(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def local_time(value: datetime) -> datetime:
    """A time as the offices keep it: Vietnam local time (UTC+7), naive, to the second."""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ).replace(tzinfo=None)
    return value.replace(microsecond=0)


def dossier_data(d: Dossier, office_id: str, field_code: str | None) -> dict:
    """The central record of a dossier from its received/imported event."""
    data = d.model_dump(mode="json", exclude={"steps"})
    data.update(office_id=office_id, field_code=field_code, refused_at=None, refusal_reason="",
                supplements=[], handling_department=d.handling_department or "", paid_online=False)
    data["supplement_missing"] = d.supplement_missing or []
    data["payments"] = data["payments"] or []
    data["status"] = None  # replayed from the steps, then the office's own status stands
    for s in d.steps:
        _follow_step(data, s.status, s.at, s.department, s.content)
    data["status"] = d.status
    data["supplement_count"] = max(d.supplement_count or 0, len(data["supplements"]))
    if d.supplement_due and data["supplements"]:
        data["supplements"][-1]["due"] = _t(d.supplement_due)
    return data


FACT_COLUMNS = ("code", "office_id", "field_code", "procedure_code", "status", "channel", "received_at", "due_at",
                "finished_at", "paused_at", "supplements", "charged", "paid_online", "e_result", "digitized",
                "reused")
FACTS_UPSERT = (f"INSERT INTO dossier_facts ({', '.join(FACT_COLUMNS)}) VALUES ({', '.join('?' * len(FACT_COLUMNS))})"
                " ON CONFLICT (code) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in FACT_COLUMNS[1:]))


def dossier_facts(data: dict) -> list:
    """The narrow row of a dossier record the QĐ 766 inputs are counted from (central.indicators),
    in FACT_COLUMNS order."""
    components = data.get("components") or []
    payments = data.get("payments") or []
    paid_online = bool(data.get("paid_online")) or any(
        p.get("method") == "online" and not p.get("refund") for p in payments)
    return [data["code"], data["office_id"], data.get("field_code"), data["procedure_code"], data["status"],
            data.get("channel") or 1, data["received_at"], data["due_at"], data.get("finished_at"),
            data.get("paused_at"), data.get("supplement_count") or 0, int((data.get("fee") or 0) > 0),
            int(paid_online), int(bool(data.get("e_result"))), int(any(c.get("digitized") for c in components)),
            int(any(c.get("reused") for c in components))]


def _follow_step(data: dict, status: int, at: datetime, department: str, content: str,
                 missing: list[str] | None = None) -> None:
    """What a step changes in the dossier record besides its status: the handling department and
    the supplement requests (QĐ 766 counts them)."""
    previous = data.get("status")
    if status in PROCESSING and department:
        data["handling_department"] = department
    if status == 5:
        data["supplements"].append({"requested_at": _t(at), "content": content, "missing": missing or [],
                                    "due": None, "received_at": None})
    elif previous == 5 and data["supplements"] and data["supplements"][-1]["received_at"] is None:
        data["supplements"][-1]["received_at"] = _t(at)
    if status == 3:
        data["refused_at"] = _t(at)  # NgayTuChoi
    data["status"] = status
    data["last_step_at"] = max(data.get("last_step_at") or "", _t(at))  # the next step's NgayBatDau


def _step_times(old: DossierStatus, new: DossierStatus, at: str) -> dict:
    """The dossier times a back-office status change sets, as the office's clock rules set them
    (office.service.processing): paused at a supplement request, finished, returned, recalled."""
    times = {}
    if new == DossierStatus.SUPPLEMENT_REQUESTED:
        times["paused_at"] = at
    if new in FINISHED and old != DossierStatus.RETURNED:
        times["finished_at"] = at
    if new == DossierStatus.RETURNED:
        times["returned_at"] = at
    if old == DossierStatus.RETURNED:
        times["returned_at"] = None
    return times


class Projection:
    """Dossiers and steps from events; back-office steps; reads for departments and the export.
    Mixed into CentralStore (uses its transactions, queue, audit and quarantine)."""

    # ---- projecting ----------------------------------------------------------------------

    def project(self, office_id: str | None = None) -> int:
        """Bring the projection up to date (of one office, or all); returns events projected."""
        total = 0
        while True:
            try:
                with self.tx(lock=True) as x:
                    done = self._project_chunk(x, office_id)
            except ProjectionFailure as failure:
                self._isolate(failure.office_id)
                continue
            total += done
            if done < PROJECT_CHUNK:
                return total

    def _pending(self, x, office_id: str | None) -> list[tuple]:
        where, params = ("AND office_id = ?", [office_id]) if office_id else ("", [])
        return x.all(f"SELECT office_id, projected, hwm FROM offices WHERE projected < hwm {where}"
                     " ORDER BY office_id", params)

    def _project_chunk(self, x, office_id: str | None = None, limit: int = PROJECT_CHUNK) -> int:
        done = 0
        for office, projected, hwm in self._pending(x, office_id):
            rows = x.all("SELECT e.seq, e.id, e.entity_id, e.kind, e.payload FROM events e WHERE e.office_id = ?"
                         " AND e.seq > ? AND e.seq <= ? AND e.entity = 'dossier' AND NOT EXISTS (SELECT 1"
                         " FROM quarantine q WHERE q.event_id = e.id AND q.released_at IS NULL)"
                         " ORDER BY e.seq LIMIT ?", [office, projected, hwm, limit - done])
            for seq, event_id, entity_id, kind, payload in rows:
                try:
                    self._project_one(x, office, event_id, seq, entity_id, kind, payload)
                except Exception as e:
                    if is_unavailable(e):
                        raise
                    log.exception("projection of event %s (office %s, seq %s) failed", event_id, office, seq)
                    raise ProjectionFailure(office) from e
            full = len(rows) == limit - done
            x.run("UPDATE offices SET projected = ? WHERE office_id = ?", [rows[-1][0] if full else hwm, office])
            done += len(rows)
            if done >= limit:
                break
        return done

    def _project_one(self, x, office_id: str, event_id: str, seq: int, entity_id: str, kind: str,
                     payload: str) -> None:
        """Project one event, or quarantine it when it cannot be applied (nothing written then)."""
        try:
            event = check_event("dossier", entity_id, kind, payload)
            self._project_event(x, office_id, event)
        except EventInvalid as problem:
            self._quarantine(x, office_id, event_id, seq, kind, problem.reason)

    def _isolate(self, office_id: str) -> None:
        """After an unexpected failure in a chunk: project the office's events one per transaction
        and quarantine the one that fails, so it never blocks the others."""
        while True:
            with self.tx(lock=True) as x:
                pending = self._pending(x, office_id)
                if not pending:
                    return
                _, projected, _ = pending[0]
                try:
                    with x.savepoint():
                        done = self._project_chunk(x, office_id, limit=1)
                except ProjectionFailure as failure:
                    row = x.one("SELECT seq, id, kind FROM events WHERE office_id = ? AND seq > ? AND"
                                " entity = 'dossier' AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE"
                                " q.event_id = events.id AND q.released_at IS NULL) ORDER BY seq LIMIT 1",
                                [office_id, projected])
                    self._quarantine(x, office_id, row[1], row[0], row[2],
                                     f"the central system failed to apply it ({type(failure.__cause__).__name__});"
                                     " report it to the developers")
                    done = 1
            if not done:
                return

    def _field_of(self, x, code: str, version: int) -> str | None:
        """The field (lĩnh vực) of a procedure version in the central catalogue (cached: a field
        never changes under a published version; a version published later is looked up then)."""
        cache = self.__dict__.setdefault("_fields", {})
        if (code, version) not in cache:
            row = x.one("SELECT field_code FROM procedures WHERE code = ? AND version = ?", [code, version])
            if row is None:
                return None
            cache[code, version] = row[0]
        return cache[code, version]

    @staticmethod
    def _last_step_at(x, code: str, data: dict) -> str | None:
        """When the dossier's latest step happened: the next step's start (NgayBatDau); kept in the
        projection, looked up for a dossier projected before it was kept."""
        return data.get("last_step_at") or x.one("SELECT MAX(at) FROM steps WHERE code = ?", [code])[0]

    def _next_change(self, x) -> int:
        return x.one("UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value")[0]

    def _project_event(self, x, office_id: str, e) -> None:
        """Apply one checked event; EventInvalid (before any write) when its dossier's state refuses it."""
        if isinstance(e, Dossier):
            self._project_dossier(x, office_id, e)
        elif isinstance(e, OnlineAccepted):
            self._project_online_accepted(x, office_id, e)
        elif isinstance(e, OnlineRefused):
            self._project_online_refusal(x, office_id, e)
        else:
            self._project_update(x, office_id, e)

    def _project_dossier(self, x, office_id: str, d: Dossier) -> None:
        existing = x.one("SELECT office_id FROM dossiers WHERE code = ?", [d.code])
        if existing and existing[0] != office_id:
            raise EventInvalid(f"dossier code {d.code} already belongs to office {existing[0]}")
        data = dossier_data(d, office_id, self._field_of(x, d.procedure_code, d.procedure_version))
        change = self._next_change(x)
        x.run("INSERT INTO dossiers (code, office_id, status, data, change_seq, procedure_code, field_code, channel,"
              " received_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET"
              " status = excluded.status, data = excluded.data, change_seq = excluded.change_seq,"
              " procedure_code = excluded.procedure_code, field_code = excluded.field_code,"
              " channel = excluded.channel, received_at = excluded.received_at, due_at = excluded.due_at",
              [d.code, office_id, d.status, json.dumps(data, ensure_ascii=False), change, d.procedure_code,
               data["field_code"], d.channel, data["received_at"], data["due_at"]])
        x.run(FACTS_UPSERT, dossier_facts(data))
        if existing:  # the office sent the whole dossier again: its steps replace the ones it sent before
            x.run("DELETE FROM steps WHERE code = ? AND origin = 'office'", [d.code])
        started = _t(d.submitted_at or d.received_at)
        for s in d.steps:
            self._add_step(x, d.code, office_id, s.model_dump(), "office", None, "applied", change,
                           started_at=started, due_at=data["due_at"])
            started = _t(s.at)

    def _project_update(self, x, office_id: str, u: Update | Rejected) -> None:
        row = x.one("SELECT data FROM dossiers WHERE code = ? AND office_id = ?", [u.code, office_id])
        if row is None:
            raise EventInvalid(f"event for dossier {u.code}, which office {office_id} has not created here")
        data = json.loads(row[0])
        change = self._next_change(x)
        if isinstance(u, Rejected):
            x.run("UPDATE steps SET state = 'rejected', change_seq = ? WHERE update_id = ? AND code = ?",
                  [change, u.update_id, u.code])
            if u.status is not None:
                data["status"] = u.status
        else:
            dumped = u.model_dump(mode="json")
            for key in UPDATABLE:  # what the event changed; null clears a time, is ignored elsewhere
                if key in u.model_fields_set and (dumped[key] is not None or key in TIMES):
                    data[key] = dumped[key]
            step = u.step
            if u.update_id and x.one("SELECT id FROM steps WHERE update_id = ? AND code = ?", [u.update_id, u.code]):
                x.run("UPDATE steps SET state = 'applied', change_seq = ? WHERE update_id = ?", [change, u.update_id])
            elif step:
                self._add_step(x, u.code, office_id, step.model_dump(), "office", None, "applied", change,
                               started_at=self._last_step_at(x, u.code, data), due_at=data.get("due_at"))
            if step:
                data.setdefault("supplements", [])
                _follow_step(data, step.status, step.at, step.department, step.content,
                             u.missing or u.supplement_missing)
                if step.status == 5 and u.supplement_due:
                    data["supplements"][-1]["due"] = _t(u.supplement_due)
                data["supplement_count"] = max(data.get("supplement_count") or 0, len(data["supplements"]))
            elif u.status is not None:
                data["status"] = u.status
        x.run("UPDATE dossiers SET status = ?, data = ?, change_seq = ?, due_at = ? WHERE code = ?",
              [data["status"], json.dumps(data, ensure_ascii=False), change, data.get("due_at"), u.code])
        x.run(FACTS_UPSERT, dossier_facts(data))

    def _add_step(self, x, code: str, office_id: str, s: dict, origin: str, update_id: str | None, state: str,
                  change: int, started_at: str | None = None, due_at: str | None = None,
                  at_given: str | None = None) -> None:
        x.run("INSERT INTO steps (code, office_id, at, actor, role, department, content, status, origin,"
              " update_id, state, change_seq, started_at, due_at, at_given)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              [code, office_id, _t(s["at"]) if isinstance(s["at"], datetime) else s["at"], s["actor"], s["role"],
               s["department"], s["content"], int(s["status"]), origin, update_id, state, change, started_at,
               due_at, at_given])

    # ---- quarantine retry ----------------------------------------------------------------

    def retry_quarantine(self, office_id: str | None = None) -> tuple[int, int]:
        """Check quarantined events again (e.g. after leasing the missing number block or
        upgrading the central system) and apply those that now pass, in sequence order;
        returns (released, still quarantined)."""
        self.project(office_id)
        released = 0
        for q in self.quarantined(office_id):
            with self.tx(lock=True) as x:
                row = x.one("SELECT entity, entity_id, kind, payload FROM events WHERE id = ?", [q["event_id"]])
                blocks = x.all("SELECT agency, seq_first, seq_last, valid_from FROM number_blocks WHERE holder = ?",
                               [q["office_id"]])
                agency = x.one("SELECT agency FROM offices WHERE office_id = ?", [q["office_id"]])[0]
                try:
                    event = check_event(*row)
                    if row[0] == "dossier":
                        if row[2] in CREATES:
                            check_code(q["office_id"], agency, blocks, event.code, event.received_at)
                        with x.savepoint():
                            self._project_event(x, q["office_id"], event)
                except EventInvalid as problem:
                    x.run("UPDATE quarantine SET reason = ? WHERE event_id = ?", [problem.reason[:1000], q["event_id"]])
                    continue
                x.run("UPDATE quarantine SET released_at = ? WHERE event_id = ?",
                      [datetime.now(UTC).isoformat(timespec="seconds"), q["event_id"]])
                released += 1
        return released, len(self.quarantined(office_id))

    # ---- back office ---------------------------------------------------------------------

    def _owner(self, code: str) -> str | None:
        """The office a dossier code belongs to: its projected office, else its number block's holder."""
        rows = self._read("SELECT office_id FROM dossiers WHERE code = ?", [code])
        return rows[0][0] if rows else self.code_holder(code)

    def _project_for(self, code: str) -> None:
        """Bring the projection of the office owning a code up to date (before reading it)."""
        owner = self._owner(code)
        if owner:
            self.project(owner)

    @staticmethod
    def _in_scope(scope, row) -> bool:
        office_id, field_code, procedure_code = row
        return scope is None or scope.covers(office_id, field_code, procedure_code)

    def post_step(self, code: str, status: int, actor: str, role: str, department: str, content: str,
                  at: datetime, request_id: str | None = None, scope=None, at_given: str | None = None) -> dict:
        """A back-office processing step / status change, checked against the transition rules and
        the department's scope, bounded in time (not before the dossier was received, not after now
        plus the allowed clock skew), and queued to the dossier's office. Idempotent by
        `request_id`. `at` is converted to the offices' local time; `at_given` keeps the time as
        the department wrote it (with its offset)."""
        self._project_for(code)
        update_id = request_id or str(uuid.uuid4())
        at = local_time(at)
        with self.tx(lock=True) as x:
            done = x.one("SELECT code, status, state FROM steps WHERE update_id = ?", [update_id])
            if done:
                if done[0] != code or done[1] != int(status):
                    raise ProtocolError("conflict", f"request id {update_id} was used for another step", 409)
                return {"update_id": update_id, "code": code, "status": done[1], "state": done[2]}
            row = x.one("SELECT office_id, field_code, procedure_code, status, data FROM dossiers WHERE code = ?",
                        [code])
            if row is None or not self._in_scope(scope, row[:3]):
                raise NotFound(f"dossier {code} is not known to the central system (not synced yet?)")
            office_id, current, data = row[0], DossierStatus(row[3]), json.loads(row[4])
            try:
                new = DossierStatus(int(status))
            except ValueError:
                raise ProtocolError("invalid_input", f"status {status!r} is not 1–10", 422) from None
            check_transition(current, new)
            received = datetime.fromisoformat(data["received_at"])
            latest = local_time(self.clock()) + MAX_CLOCK_SKEW
            if at < received:
                raise InvalidInput(f"step time {at:%d/%m/%Y %H:%M} is before dossier {code} was received "
                                   f"({received:%d/%m/%Y %H:%M})")
            if at > latest:
                raise InvalidInput(f"step time {at:%d/%m/%Y %H:%M} is in the future (central clock "
                                   f"{latest - MAX_CLOCK_SKEW:%d/%m/%Y %H:%M}, times in Vietnam local time)")
            change = self._next_change(x)
            step = {"at": _t(at), "actor": actor, "role": role, "department": department, "content": content,
                    "status": int(new)}
            self._add_step(x, code, office_id, step, "backoffice", update_id, "sent", change,
                           started_at=self._last_step_at(x, code, data), due_at=data.get("due_at"),
                           at_given=at_given)
            data.setdefault("supplements", [])
            _follow_step(data, int(new), at, department, content)
            data["supplement_count"] = max(data.get("supplement_count") or 0, len(data["supplements"]))
            data.update(_step_times(current, new, _t(at)))
            x.run("UPDATE dossiers SET status = ?, data = ?, change_seq = ? WHERE code = ?",
                  [int(new), json.dumps(data, ensure_ascii=False), change, code])
            x.run(FACTS_UPSERT, dossier_facts(data))
            self._queue(x, office_id, "dossier_step", {"code": code, **step}, update_id=update_id)
        return {"update_id": update_id, "code": code, "status": int(new), "state": "sent"}

    def dossier(self, code: str, scope=None, reader: str | None = None) -> dict:
        """A projected dossier with its steps (origin and state), or NotFound (also outside the
        reader's scope). With a `reader`, the read of its personal data is audited."""
        self._project_for(code)
        rows = self._read("SELECT office_id, field_code, procedure_code, status, data FROM dossiers WHERE code = ?",
                          [code])
        if not rows or not self._in_scope(scope, rows[0][:3]):
            raise NotFound(f"dossier {code} is not known to the central system")
        if reader:
            self.audit(reader, "dossier.read", code, "applicant and representative personal data")
        steps = self._read(f"SELECT {', '.join(STEP_KEYS)} FROM steps WHERE code = ? ORDER BY id", [code])
        data = {k: v for k, v in json.loads(rows[0][4]).items() if k not in PRIVATE and not k.startswith("_")}
        return {**data, "office_id": rows[0][0], "status": rows[0][3],
                "steps": [dict(zip(STEP_KEYS, s)) for s in steps]}

    def dossier_list(self, scope=None, status: int | None = None, office_id: str | None = None,
                     after: str = "", limit: int = 100) -> list[dict]:
        """Dossiers in a department's scope (no personal data): code, office, procedure, field,
        status, received and due times; by code after `after`."""
        where, params = ["code > ?"], [after]
        if status is not None:
            where.append("status = ?")
            params.append(status)
        for column, values in (("office_id", [office_id] if office_id else []),
                               ("office_id", scope.offices if scope and not scope.everything else []),
                               ("field_code", scope.fields if scope and not scope.everything else []),
                               ("procedure_code", scope.procedures if scope and not scope.everything else [])):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                params += list(values)
        keys = ("code", "office_id", "procedure_code", "field_code", "status", "received_at", "due_at")
        return [dict(zip(keys, r)) for r in self._read(
            f"SELECT {', '.join(keys)} FROM dossiers WHERE {' AND '.join(where)} ORDER BY code LIMIT ?",
            [*params, limit])]

    def dossier_statuses(self, office_id: str) -> dict[str, int]:
        """Projected status of every dossier of an office."""
        self.project(office_id)
        return dict(self._read("SELECT code, status FROM dossiers WHERE office_id = ?", [office_id]))

    # ---- national portal export -----------------------------------------------------------

    def portal_cursor(self) -> int:
        """The last change number exported to the national portal."""
        return self._read("SELECT value FROM counters WHERE name = 'portal_cursor'")[0][0]

    def set_portal_cursor(self, value: int, sent: list[str] = ()) -> None:
        """Save the export cursor (after the portal acknowledged everything up to it) and mark the
        dossiers `sent` as known to the portal (their next records are updates)."""
        with self.tx() as x:
            x.run("UPDATE counters SET value = ? WHERE name = 'portal_cursor'", [value])
            for i in range(0, len(sent), 500):
                part = list(sent[i:i + 500])
                x.run(f"UPDATE dossiers SET portal_sent = 1 WHERE code IN ({', '.join('?' * len(part))})", part)
                x.run(f"UPDATE dossier_facts SET portal_sent = 1 WHERE code IN ({', '.join('?' * len(part))})", part)

    def portal_sent(self, codes: list[str]) -> set[str]:
        """Which of these dossiers the portal already has."""
        found = set()
        for i in range(0, len(codes), 500):
            part = codes[i:i + 500]
            found |= {c for (c,) in self._read(
                f"SELECT code FROM dossiers WHERE portal_sent = 1 AND code IN ({', '.join('?' * len(part))})", part)}
        return found

    def office_name(self, office_id: str) -> str:
        """An office's display name (its id when unknown)."""
        rows = self._read("SELECT name FROM offices WHERE office_id = ?", [office_id])
        return rows[0][0] if rows else office_id

    def changes(self, after: int, upto: int) -> tuple[list[dict], list[dict]]:
        """Dossiers and steps changed in (after, upto], oldest change first (projection current)."""
        dossiers = [{k: v for k, v in json.loads(d).items() if not k.startswith("_")} for (d,) in self._read(
            "SELECT data FROM dossiers WHERE change_seq > ? AND change_seq <= ? ORDER BY change_seq",
            [after, upto])]
        keys = ("code", "at", "actor", "role", "department", "content", "status", "started_at", "due_at")
        steps = [dict(zip(keys, s)) for s in self._read(
            f"SELECT {', '.join(keys)} FROM steps WHERE change_seq > ? AND change_seq <= ? AND state != 'rejected'"
            " AND origin != 'portal' ORDER BY change_seq, id", [after, upto])]
        return dossiers, steps

    def last_change(self) -> int:
        """The latest change number of the projection (after bringing it up to date)."""
        self.project()
        return self._read("SELECT value FROM counters WHERE name = 'change_seq'")[0][0]


class ProjectionFailure(Exception):
    """An unexpected error while projecting an office's events (a bug): isolated to its event."""

    def __init__(self, office_id: str):
        super().__init__(office_id)
        self.office_id = office_id
