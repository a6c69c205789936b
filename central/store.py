"""The central system's store: SQLite for a file path, PostgreSQL for a `postgresql://` URL.

The `events` table is the truth: pushed office events, unique by event id, so applying a batch
twice changes nothing. The central system trusts no office: every pushed event is checked against
its schema (`central.events`) and a dossier may only be created with a code inside a number block
leased to the office that pushes it; an event that fails is still stored (the office's sequence
has no holes) but quarantined — reported in the push answer, listed by `central quarantine`, and
never applied, so it cannot stop the projection of anything else. Everything else is derived or
central-owned:

- offices: per-office high-water mark (hwm) of pushed events, projection cursor, the sequence of
  updates queued for the office (pull cursor space) and its agency e-ID;
- credentials: hashed tokens of offices, back-office departments (with their scope) and the
  provincial portal, revocable; audit: every read of personal data;
- updates: what each office pulls (back-office steps, catalogue, calendar days, number blocks,
  online dossiers), numbered per office under the office row lock so a pull cursor never skips a
  late commit;
- dossiers/steps (central.projection): the projection of the events plus back-office steps;
  online_dossiers (central.online): dossiers submitted online, waiting for an office.
"""
from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from central.access import AuthError, Principal, Scope, hash_token
from central.db import Database, StoreUnavailable, Tx, now_text
from central.events import CREATES, EventInvalid, check_code, check_event, strip_secret
from central.indicators import Indicators
from central.leaders import Leaders
from central.online import OnlineDossiers
from central.projection import Projection
from office.errors import InvalidInput, NotFound
from office.rules.codes import AGENCY_PATTERN, parse_dossier_code
from sync.protocol import Batch, ProtocolError, day_digests, event_day, plan_apply

__all__ = ["ApplyResult", "AuthError", "CentralStore", "Checked", "Principal", "Scope", "StoreUnavailable",
           "hash_token"]

MAX_SEQUENCE = 999_999_999  # dossier code sequences have at most 9 digits
OFFICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,99}")
EVENT_INSERT = ("INSERT INTO events (seq, id, office_id, entity, entity_id, kind, payload, at, schema)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
EVENT_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
SQLITE_ROWS_PER_INSERT = 3000  # 9 parameters a row, under SQLite's limit of 32,766 per statement
QUARANTINE_INSERT = ("INSERT INTO quarantine (event_id, office_id, seq, kind, reason, at) VALUES (?, ?, ?, ?, ?, ?)"
                     " ON CONFLICT (event_id) DO UPDATE SET reason = excluded.reason, at = excluded.at,"
                     " released_at = NULL")
EVENT_COPY = "COPY events (seq, id, office_id, entity, entity_id, kind, payload, at, schema) FROM STDIN"


@dataclass(frozen=True)
class Checked:
    """A decoded batch after the central checks: payloads as they will be stored (no plaintext
    secret) and the events to quarantine, event id → (kind, reason)."""

    batch: Batch
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ApplyResult:
    """Outcome of applying a push batch: the new hwm, events stored, duplicates ignored, and the
    stored events that were quarantined ({"seq", "id", "kind", "reason"})."""

    hwm: int
    applied: int
    duplicates: int
    quarantined: tuple[dict, ...] = ()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CentralStore(Leaders, Indicators, Projection, OnlineDossiers, Database):
    """The central store over SQLite (a file path) or PostgreSQL (`postgresql://…`)."""

    def __init__(self, url: str, clock: Callable[[], datetime] = _utcnow):
        """Open the store at `url` (created and migrated if needed); `clock` (aware UTC) bounds
        the times of back-office steps."""
        super().__init__(url)
        self.clock = clock

    # ---- enrollment and tokens -----------------------------------------------------------

    def enroll_office(self, office_id: str, name: str = "", agency: str | None = None) -> str:
        """Register an office (if new) and return a new token for it; only its hash is stored.

        A new office is queued the current catalogue and calendar days. `agency` is the office's
        agency e-ID (mã định danh): its dossier codes must carry it."""
        if not isinstance(office_id, str) or not OFFICE_ID.fullmatch(office_id):
            raise ValueError("office id must be 1–100 letters, digits, '.', '_' or '-'")
        token = "mco_" + secrets.token_urlsafe(32)
        with self.tx(lock=True) as x:
            new = x.one("SELECT office_id FROM offices WHERE office_id = ?", [office_id]) is None
            if new:
                x.run("INSERT INTO offices (office_id, name, created_at) VALUES (?, ?, ?)",
                      [office_id, name or office_id, now_text()])
            if agency:
                self._set_agency(x, office_id, agency)
            x.run("INSERT INTO credentials (token_hash, kind, subject, created_at) VALUES (?, ?, ?, ?)",
                  [hash_token(token), "office", office_id, now_text()])
            if new:
                for code, fname in x.all("SELECT code, name FROM fields ORDER BY code"):
                    self._queue(x, office_id, "field", {"code": code, "name": fname})
                for (data,) in x.all("SELECT data FROM procedures ORDER BY code, version"):
                    self._queue(x, office_id, "procedure", json.loads(data))
                for day, kind, reason in x.all("SELECT day, kind, reason FROM calendar ORDER BY day"):
                    self._queue(x, office_id, "calendar", {"day": day, "kind": kind, "reason": reason})
        return token

    def _set_agency(self, x: Tx, office_id: str, agency: str) -> None:
        """Record an office's agency e-ID; an office has one, so another one is refused."""
        if not re.fullmatch(AGENCY_PATTERN, agency):
            raise ValueError(f"{agency!r} is not an agency e-ID like 000.31.20.H56")
        row = x.one("SELECT agency FROM offices WHERE office_id = ?", [office_id])
        if row[0] and row[0] != agency:
            raise ValueError(f"office {office_id} is of agency {row[0]}, not {agency}")
        if not row[0]:
            x.run("UPDATE offices SET agency = ? WHERE office_id = ?", [agency, office_id])

    def enroll_department(self, name: str, scope: Scope) -> str:
        """A new token for a back-office department, limited to the dossiers of its scope."""
        if not name or len(name) > 200:
            raise ValueError("department name must be 1–200 characters")
        token = "mcd_" + secrets.token_urlsafe(32)
        with self.tx() as x:
            x.run("INSERT INTO credentials (token_hash, kind, subject, created_at, scope) VALUES (?, ?, ?, ?, ?)",
                  [hash_token(token), "department", name, now_text(), scope.to_json()])
        return token

    def enroll_portal(self, name: str) -> str:
        """A new token for the provincial portal (it hands over dossiers submitted online)."""
        if not name or len(name) > 200:
            raise ValueError("portal name must be 1–200 characters")
        token = "mcp_" + secrets.token_urlsafe(32)
        with self.tx() as x:
            x.run("INSERT INTO credentials (token_hash, kind, subject, created_at) VALUES (?, ?, ?, ?)",
                  [hash_token(token), "portal", name, now_text()])
        return token

    def revoke(self, subject: str, kind: str = "office") -> int:
        """Revoke every active token of an office, department or portal; returns how many."""
        with self.tx() as x:
            return x.run("UPDATE credentials SET revoked_at = ? WHERE kind = ? AND subject = ?"
                         " AND revoked_at IS NULL", [now_text(), kind, subject]).rowcount

    def authenticate(self, token: str) -> Principal:
        """The principal of a token, or AuthError ("unauthorized" / "revoked")."""
        if not isinstance(token, str) or len(token) > 200:
            raise AuthError("unauthorized", "unknown token")
        rows = self._read("SELECT kind, subject, revoked_at, scope FROM credentials WHERE token_hash = ?",
                          [hash_token(token)])
        if not rows:
            raise AuthError("unauthorized", "unknown token")
        kind, subject, revoked_at, scope = rows[0]
        if revoked_at:
            raise AuthError("revoked", f"this token was revoked at {revoked_at}")
        return Principal(kind, subject, Scope.from_json(scope) if scope else None)

    def audit(self, who: str, action: str, target: str, detail: str = "") -> None:
        """Record a read of personal data (or another audited act)."""
        with self.tx() as x:
            self._audit(x, who, action, target, detail)

    def _audit(self, x: Tx, who: str, action: str, target: str, detail: str = "") -> None:
        x.run("INSERT INTO audit (at, who, action, target, detail) VALUES (?, ?, ?, ?, ?)",
              [now_text(), who, action, target, detail])

    def audit_log(self, target: str | None = None, limit: int = 100) -> list[tuple]:
        """(at, who, action, target, detail) of audited acts, newest first."""
        where, params = ("WHERE target = ?", [target]) if target else ("", [])
        return self._read(f"SELECT at, who, action, target, detail FROM audit {where} ORDER BY id DESC LIMIT ?",
                          [*params, limit])

    # ---- push ----------------------------------------------------------------------------

    def office_state(self, office_id: str) -> dict:
        """The office's hwm and the last update sequence queued for it."""
        rows = self._read("SELECT hwm, out_seq FROM offices WHERE office_id = ?", [office_id])
        if not rows:
            raise NotFound(f"office {office_id!r} is not enrolled")
        return {"office_id": office_id, "hwm": rows[0][0], "updates": rows[0][1]}

    def check(self, batch: Batch) -> Checked:
        """Check a decoded batch's events before they are applied (outside any lock): payload
        schemas, and that a dossier is only created with a code of this office's number blocks.
        Plaintext lookup secrets an older office sent are removed from the payloads."""
        rows = self._read("SELECT agency FROM offices WHERE office_id = ?", [batch.office_id])
        agency = rows[0][0] if rows else None
        blocks = self._read("SELECT agency, seq_first, seq_last, valid_from FROM number_blocks WHERE holder = ?",
                            [batch.office_id])
        problems, events = {}, []
        for e in batch.events:
            seq, event_id, _, entity, entity_id, kind, payload = e[:7]
            if entity == "dossier":
                payload = strip_secret(payload)
            try:
                model = check_event(entity, entity_id, kind, payload)
                if entity == "dossier" and kind in CREATES:
                    check_code(batch.office_id, agency, blocks, model.code, model.received_at)
            except EventInvalid as problem:
                problems[event_id] = (kind, problem.reason)
            events.append((*e[:6], payload, *e[7:]) if payload is not e[6] else e)
        return Checked(Batch(batch.office_id, batch.sent_at, batch.after_seq, tuple(events)), problems)

    def apply_batch(self, batch: Batch | Checked) -> ApplyResult:
        """Store a checked batch idempotently in one transaction with its quarantined events;
        returns the new hwm. A plain Batch is checked first."""
        checked = batch if isinstance(batch, Checked) else self.check(batch)
        batch = checked.batch
        with self.tx() as x:
            row = x.one("SELECT hwm FROM offices WHERE office_id = ?" + (" FOR UPDATE" if self.pg else ""),
                        [batch.office_id])
            if row is None:
                raise ProtocolError("wrong_office", f"office {batch.office_id!r} is not enrolled", 403)
            hwm = row[0]
            fresh, new_hwm = plan_apply(batch, hwm)
            if batch.after_seq < hwm and len(fresh) < len(batch.events):
                self._check_same_events(x, batch, hwm)
            inserted = self._insert_fresh(x, fresh) if fresh else 0
            if inserted != len(fresh):
                raise ProtocolError("seq_conflict", "an event id of this batch is already stored under "
                                    "another sequence number: the office store was replaced or copied; "
                                    "contact the central administrator", 409)
            quarantined = tuple({"seq": e[0], "id": e[1], "kind": e[5], "reason": checked.problems[e[1]][1]}
                                for e in fresh if e[1] in checked.problems)
            if quarantined:
                x.many(QUARANTINE_INSERT, [(q["id"], batch.office_id, q["seq"], q["kind"], q["reason"][:1000],
                                            now_text()) for q in quarantined])
            x.run("UPDATE offices SET hwm = ?, last_push_at = ? WHERE office_id = ?",
                  [new_hwm, now_text(), batch.office_id])
        return ApplyResult(new_hwm, len(fresh), len(batch.events) - len(fresh), quarantined)

    def _quarantine(self, x: Tx, office_id: str, event_id: str, seq: int, kind: str, reason: str) -> None:
        x.run(QUARANTINE_INSERT, [event_id, office_id, seq, kind, reason[:1000], now_text()])

    def _insert_fresh(self, x: Tx, fresh: tuple[tuple, ...]) -> int:
        """Insert a batch's events above the hwm (under the office row lock); returns how many were new.

        PostgreSQL takes them with COPY (a fraction of the CPU of row-by-row INSERTs): above the
        hwm every event is new unless the office store was replaced or copied, and then the unique
        violation rolls the COPY back to a savepoint and INSERT … ON CONFLICT DO NOTHING counts them.
        SQLite takes them with multi-row INSERTs: one step per 3000 rows releases the GIL for the
        whole insert (executemany takes it back after every row), so decoding overlaps it."""
        if self.pg:
            from psycopg.errors import UniqueViolation

            try:
                with x.cursor.connection.transaction(), x.cursor.copy(EVENT_COPY) as copy:
                    for row in fresh:
                        copy.write_row(row)
                return len(fresh)
            except UniqueViolation:
                pass
            return x.many(EVENT_INSERT + " ON CONFLICT DO NOTHING", fresh)
        inserted = 0
        for i in range(0, len(fresh), SQLITE_ROWS_PER_INSERT):
            rows = fresh[i:i + SQLITE_ROWS_PER_INSERT]
            sql = EVENT_INSERT.replace(EVENT_VALUES, ",".join([EVENT_VALUES] * len(rows)))
            inserted += x.run(sql + " ON CONFLICT DO NOTHING", [v for row in rows for v in row]).rowcount
        return inserted

    def _check_same_events(self, x: Tx, batch: Batch, hwm: int) -> None:
        """Events of a resent batch at or below the hwm must be the ones already stored."""
        stored = dict(x.all("SELECT seq, id FROM events WHERE office_id = ? AND seq > ? AND seq <= ?",
                            [batch.office_id, batch.after_seq, hwm]))
        for e in batch.events:
            if e[0] <= hwm and stored.get(e[0], e[1]) != e[1]:
                raise ProtocolError("seq_conflict", f"seq {e[0]} is stored with event id {stored[e[0]]} "
                                    f"but the batch has {e[1]}: the office store was replaced or copied; "
                                    "contact the central administrator", 409, seq=e[0])

    def events(self, office_id: str, after_seq: int = 0, limit: int = 1_000_000) -> list[tuple]:
        """Stored events of an office in seq order (tuples in protocol EVENT_FIELDS order)."""
        return self._read("SELECT seq, id, office_id, entity, entity_id, kind, payload, at, schema"
                          " FROM events WHERE office_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                          [office_id, after_seq, limit])

    def digests(self, office_id: str) -> dict[str, dict]:
        """Reconciliation digest of an office's stored events: per day, count and id hash."""
        rows = self._read("SELECT at, id FROM events WHERE office_id = ?", [office_id])
        return day_digests((event_day(at), i) for at, i in rows)

    # ---- quarantine ----------------------------------------------------------------------

    def quarantined(self, office_id: str | None = None, include_released: bool = False) -> list[dict]:
        """Quarantined events, oldest first: office, seq, event id, kind, reason, when."""
        where = ["1 = 1"] + ([] if include_released else ["released_at IS NULL"])
        params = []
        if office_id:
            where.append("office_id = ?")
            params.append(office_id)
        keys = ("office_id", "seq", "event_id", "kind", "reason", "at", "released_at")
        return [dict(zip(keys, r)) for r in self._read(
            f"SELECT {', '.join(keys)} FROM quarantine WHERE {' AND '.join(where)} ORDER BY office_id, seq",
            params)]

    # ---- pull ----------------------------------------------------------------------------

    def _queue(self, x: Tx, office_id: str, kind: str, payload: dict, update_id: str | None = None) -> str:
        """Queue an update for an office under its row lock (per-office gapless sequence)."""
        update_id = update_id or str(uuid.uuid4())
        seq = x.one("UPDATE offices SET out_seq = out_seq + 1 WHERE office_id = ? RETURNING out_seq",
                    [office_id])[0]
        x.run("INSERT INTO updates (office_id, seq, id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
              [office_id, seq, update_id, kind, json.dumps(payload, ensure_ascii=False), now_text()])
        return update_id

    def pull(self, office_id: str, after: int, limit: int) -> dict:
        """Updates for an office after a cursor: {"updates", "cursor", "more"}."""
        rows = self._read("SELECT seq, id, kind, payload, created_at FROM updates WHERE office_id = ?"
                          " AND seq > ? ORDER BY seq LIMIT ?", [office_id, after, limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        return {"updates": [{"seq": s, "id": i, "kind": k, "payload": json.loads(p), "created_at": c}
                            for s, i, k, p, c in rows],
                "cursor": rows[-1][0] if rows else after, "more": more}

    def _offices(self, x: Tx) -> list[str]:
        return [r[0] for r in x.all("SELECT office_id FROM offices ORDER BY office_id")]

    def save_catalogue(self, fields: list[dict], procedures: list[dict]) -> int:
        """Upsert fields and procedure versions and queue them to every office; returns updates queued."""
        self.__dict__.pop("_fields", None)  # the projection's cache of procedure fields
        queued = 0
        with self.tx(lock=True) as x:
            offices = self._offices(x)
            for f in fields:
                x.run("INSERT INTO fields (code, name) VALUES (?, ?) ON CONFLICT (code) DO UPDATE"
                      " SET name = excluded.name", [f["code"], f["name"]])
                for o in offices:
                    self._queue(x, o, "field", f)
                    queued += 1
            for p in procedures:
                x.run("INSERT INTO procedures (code, version, field_code, name, data) VALUES (?, ?, ?, ?, ?)"
                      " ON CONFLICT (code, version) DO UPDATE SET field_code = excluded.field_code,"
                      " name = excluded.name, data = excluded.data",
                      [p["code"], p["version"], p["field_code"], p["name"], json.dumps(p, ensure_ascii=False)])
                x.run("UPDATE dossiers SET field_code = ? WHERE procedure_code = ? AND field_code IS NULL",
                      [p["field_code"], p["code"]])
                x.run("UPDATE dossier_facts SET field_code = ? WHERE procedure_code = ? AND field_code IS NULL",
                      [p["field_code"], p["code"]])
                for o in offices:
                    self._queue(x, o, "procedure", p)
                    queued += 1
        return queued

    def procedure(self, code: str, version: int) -> dict | None:
        """A catalogue procedure version as published, or None."""
        rows = self._read("SELECT data FROM procedures WHERE code = ? AND version = ?", [code, version])
        return json.loads(rows[0][0]) if rows else None

    def field_name(self, code: str) -> str | None:
        """The name of a field (lĩnh vực), or None."""
        rows = self._read("SELECT name FROM fields WHERE code = ?", [code])
        return rows[0][0] if rows else None

    def set_calendar_day(self, day: date, kind: str, reason: str = "") -> None:
        """A provincial calendar override ("day_off" / "working_day"), queued to every office."""
        if kind not in ("day_off", "working_day"):
            raise ValueError('kind must be "day_off" or "working_day"')
        with self.tx(lock=True) as x:
            x.run("INSERT INTO calendar (day, kind, reason) VALUES (?, ?, ?) ON CONFLICT (day) DO UPDATE"
                  " SET kind = excluded.kind, reason = excluded.reason", [day.isoformat(), kind, reason])
            for o in self._offices(x):
                self._queue(x, o, "calendar", {"day": day.isoformat(), "kind": kind, "reason": reason})

    def lease_block(self, holder: str, agency: str, size: int, valid_from: date) -> dict:
        """Lease the next free range of daily dossier sequences of an agency to a holder.

        Ranges never overlap, so codes issued by different offices (or the central system itself,
        holder "central") never collide. An office holds blocks of its own agency only (the
        first lease records it); the block is queued to it."""
        if size < 1:
            raise ValueError("block size must be at least 1")
        with self.tx(lock=True) as x:
            office = x.one("SELECT office_id FROM offices WHERE office_id = ?", [holder]) is not None
            if office:
                self._set_agency(x, holder, agency)
            elif not re.fullmatch(AGENCY_PATTERN, agency):
                raise ValueError(f"{agency!r} is not an agency e-ID like 000.31.20.H56")
            top = x.one("SELECT MAX(seq_last) FROM number_blocks WHERE agency = ?", [agency])[0] or 0
            if top + size > MAX_SEQUENCE:
                raise ValueError(f"agency {agency} has no {size} free sequence numbers left")
            block = {"id": str(uuid.uuid4()), "agency": agency, "first": top + 1, "last": top + size,
                     "valid_from": valid_from.isoformat()}
            x.run("INSERT INTO number_blocks (id, holder, agency, seq_first, seq_last, valid_from, leased_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)", [block["id"], holder, agency, block["first"],
                                                    block["last"], block["valid_from"], now_text()])
            if office:
                self._queue(x, holder, "number_block", block, update_id=block["id"])
        return block

    def number_blocks(self, agency: str) -> list[tuple]:
        """(holder, first, last) of every block leased for an agency, in order."""
        return self._read("SELECT holder, seq_first, seq_last FROM number_blocks WHERE agency = ?"
                          " ORDER BY seq_first", [agency])

    def code_holder(self, code: str) -> str | None:
        """The holder of the number block a dossier code lies in, or None."""
        try:
            c = parse_dossier_code(code)
        except InvalidInput:
            return None
        rows = self._read("SELECT holder FROM number_blocks WHERE agency = ? AND seq_first <= ? AND seq_last >= ?"
                          " AND valid_from <= ?", [c.agency, c.sequence, c.sequence, c.day.isoformat()])
        return rows[0][0] if rows else None
