"""The office's SQLite store: the only module with SQL.

One file shared by the hub, kiosks and counters on one machine: WAL, synchronous=FULL,
a busy timeout, foreign keys, and one connection per thread. Every write runs in
`BEGIN IMMEDIATE`, so read-then-write use cases (call next, numbering) are atomic across
processes, and appends its change-log events in the same transaction.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable, Iterator

import sqlite_utils
from sqlite_utils.migrations import Migrations

from office.model import (Applicant, Collector, Component, Counter, Dossier, DossierStatus,

    DueChange, DurationUnit, Field, IntakeRecord, Procedure, ProcedureCase,

    Rating, ReceivedComponent, Service, Step, Ticket, TicketState)

from office.errors import Conflict, NotFound, SequenceExhausted
from office.rules.identity import fold

BUSY_TIMEOUT_S = 30
SCHEMA_VERSION = 1

migrations = Migrations("office")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Initial schema."""
    db.executescript("""
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE fields (code TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE procedures (
        code TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
        field_code TEXT NOT NULL REFERENCES fields(code),
        effective_from TEXT NOT NULL, effective_to TEXT, result TEXT NOT NULL DEFAULT '',
        cases TEXT NOT NULL, components TEXT NOT NULL,
        PRIMARY KEY (code, version));
    CREATE TABLE services (code TEXT PRIMARY KEY, name TEXT NOT NULL,
        prefix TEXT NOT NULL UNIQUE, field_codes TEXT NOT NULL DEFAULT '[]');
    CREATE TABLE counters (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
        services TEXT NOT NULL, paused_reason TEXT,
        normal_streak INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE staff (username TEXT PRIMARY KEY, name TEXT NOT NULL, title TEXT NOT NULL,
        department TEXT NOT NULL);
    CREATE TABLE dossier_seq (agency TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (agency, day));
    CREATE TABLE dossiers (
        code TEXT PRIMARY KEY, secret TEXT NOT NULL,
        procedure_code TEXT NOT NULL, procedure_version INTEGER NOT NULL,
        case_code TEXT NOT NULL,
        applicant_name TEXT NOT NULL, applicant_id_type TEXT NOT NULL,
        applicant_id_number TEXT NOT NULL, applicant_phone TEXT NOT NULL,
        applicant_address TEXT NOT NULL, applicant_kind INTEGER NOT NULL,
        status INTEGER NOT NULL, channel INTEGER NOT NULL, summary TEXT NOT NULL, fee INTEGER NOT NULL,
        received_at TEXT NOT NULL, due_at TEXT NOT NULL, original_due_at TEXT NOT NULL,
        paused_at TEXT, finished_at TEXT, returned_at TEXT, synced_at TEXT,
        FOREIGN KEY (procedure_code, procedure_version) REFERENCES procedures(code, version));
    CREATE INDEX dossiers_status ON dossiers(status);
    CREATE INDEX dossiers_received ON dossiers(received_at);
    CREATE TABLE steps (id INTEGER PRIMARY KEY,
        dossier_code TEXT NOT NULL REFERENCES dossiers(code),
        at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, department TEXT NOT NULL,
        content TEXT NOT NULL, status INTEGER NOT NULL);
    CREATE INDEX steps_dossier ON steps(dossier_code);
    CREATE TABLE due_changes (id INTEGER PRIMARY KEY,
        dossier_code TEXT NOT NULL REFERENCES dossiers(code),
        at TEXT NOT NULL, old_due TEXT NOT NULL, new_due TEXT NOT NULL,
        kind TEXT NOT NULL, reason TEXT NOT NULL);
    CREATE INDEX due_changes_dossier ON due_changes(dossier_code);
    CREATE TABLE ticket_seq (service_code TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (service_code, day));
    CREATE TABLE tickets (id INTEGER PRIMARY KEY, number TEXT NOT NULL,
        service_code TEXT NOT NULL REFERENCES services(code), day TEXT NOT NULL,
        issued_at TEXT NOT NULL, state TEXT NOT NULL, priority TEXT, priority_granted_by TEXT,
        counter_id INTEGER REFERENCES counters(id), target_counter_id INTEGER REFERENCES counters(id),
        calls INTEGER NOT NULL DEFAULT 0, called_at TEXT, served_at TEXT, finished_at TEXT,
        reason TEXT, transferred_from INTEGER REFERENCES tickets(id), staff TEXT);
    CREATE INDEX tickets_queue ON tickets(day, state, service_code);
    CREATE INDEX tickets_number ON tickets(day, number);
    CREATE TABLE ratings (id INTEGER PRIMARY KEY, target_kind TEXT NOT NULL, target TEXT NOT NULL,
        level INTEGER NOT NULL, scale INTEGER NOT NULL, reason TEXT NOT NULL,
        criteria TEXT NOT NULL DEFAULT '{}', at TEXT NOT NULL,
        counter_id INTEGER, service_code TEXT, staff TEXT,
        UNIQUE (target_kind, target));
    CREATE TABLE idempotency (key TEXT PRIMARY KEY, op TEXT NOT NULL, result TEXT NOT NULL,
        at TEXT NOT NULL);
    CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
        office_id TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
        kind TEXT NOT NULL, payload TEXT NOT NULL, at TEXT NOT NULL,
        schema INTEGER NOT NULL);
    """)


@migrations()
def m002_hub_auth(db: sqlite_utils.Database) -> None:
    """Hub credentials: enrolled devices (token hashes), staff PIN hashes, staff sessions, and
    the audit log of full personal-data views."""
    db.executescript("""
    CREATE TABLE devices (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
    CREATE UNIQUE INDEX devices_active_name ON devices(name) WHERE revoked_at IS NULL;
    CREATE TABLE staff_pins (username TEXT PRIMARY KEY REFERENCES staff(username),
        pin_hash TEXT NOT NULL, set_at TEXT NOT NULL);
    CREATE TABLE staff_sessions (token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES staff(username),
        device_id INTEGER NOT NULL REFERENCES devices(id),
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL, ended_at TEXT);
    CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT,
        device_id INTEGER REFERENCES devices(id), action TEXT NOT NULL, target TEXT NOT NULL);
    CREATE INDEX audit_log_target ON audit_log(target);
    """)


@migrations()
def m003_sync_state(db: sqlite_utils.Database) -> None:
    """Sync with the central system: checkpoints and cursors, pulled updates already applied
    (with their outcome), dossier-number blocks leased to this office, central calendar days."""
    db.executescript("""
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sync_inbox (update_id TEXT PRIMARY KEY, kind TEXT NOT NULL,
        outcome TEXT NOT NULL, detail TEXT NOT NULL, applied_at TEXT NOT NULL);
    CREATE TABLE number_blocks (id TEXT PRIMARY KEY, agency TEXT NOT NULL,
        seq_first INTEGER NOT NULL, seq_last INTEGER NOT NULL, valid_from TEXT NOT NULL);
    CREATE INDEX number_blocks_agency ON number_blocks(agency, valid_from);
    CREATE TABLE central_calendar (day TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL);
    """)


@migrations()
def m004_counter_intake(db: sqlite_utils.Database) -> None:
    """The counter's reception details of a dossier (component checklist, representative, delivery,
    fee payment, what a supplement request asked for, who collected the result) and the intake
    records of dossiers not received (incomplete: Mẫu 02, refused: Mẫu 03)."""
    db.executescript("""
    ALTER TABLE dossiers ADD COLUMN components TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE dossiers ADD COLUMN representative TEXT;
    ALTER TABLE dossiers ADD COLUMN delivery TEXT NOT NULL DEFAULT 'counter';
    ALTER TABLE dossiers ADD COLUMN delivery_address TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN fee_paid INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dossiers ADD COLUMN supplement_missing TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE dossiers ADD COLUMN returned_to TEXT;
    CREATE INDEX dossiers_due ON dossiers(due_at);
    CREATE INDEX dossiers_applicant_id ON dossiers(applicant_id_number);
    CREATE INDEX dossiers_applicant_phone ON dossiers(applicant_phone);
    CREATE TABLE intakes (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL,
        procedure_code TEXT NOT NULL, case_code TEXT NOT NULL, applicant TEXT NOT NULL,
        reason TEXT NOT NULL, missing TEXT NOT NULL, staff TEXT NOT NULL);
    """)


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. While another process creates the file, SQLite answers "database is locked"
    at once (the busy timeout does not apply to this pragma), so retry until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                conn.close()
                raise
            time.sleep(0.02)


def _ts(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Store:
    """Typed access to the office database. Thread-safe: each thread gets its own connection."""

    def __init__(self, path: str | Path, office_id: str = "demo", agency_code: str = ""):
        """Open (creating and migrating if needed) the store at `path`."""
        self.path = str(path)
        self._local = threading.local()
        with self.write():
            migrations.apply(self.db)
            meta = self.meta()
            if not meta:
                self.db["meta"].insert_all([
                    {"key": "office_id", "value": office_id},
                    {"key": "agency_code", "value": agency_code},
                    {"key": "created_at", "value": _ts(datetime.now())}])
        meta = self.meta()
        self.office_id = meta["office_id"]
        self.agency_code = meta["agency_code"]

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=True)
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            conn.create_function("fold", 1, fold, deterministic=True)  # accent-insensitive search
            db = self._local.db = sqlite_utils.Database(conn, execute_plugins=False)
        return db

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction taking the database write lock at once (BEGIN IMMEDIATE)."""
        conn = self.db.conn
        if conn.in_transaction:  # nested: a savepoint, so a failed inner use case leaves nothing
            conn.execute("SAVEPOINT nested")
            try:
                yield self.db
            except BaseException:
                if conn.in_transaction:  # SQLite may already have rolled everything back
                    conn.execute("ROLLBACK TO nested")
                    conn.execute("RELEASE nested")
                raise
            conn.execute("RELEASE nested")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:  # keep the original error if SQLite already rolled back
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:  # e.g. a deferred constraint: never leave the transaction open
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        """A read transaction: every query inside sees one consistent snapshot (inside `write()`
        it is simply part of that transaction)."""
        conn = self.db.conn
        if conn.in_transaction:
            yield self.db
            return
        conn.execute("BEGIN")
        try:
            yield self.db
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _rows(self, sql: str, params: Iterable = ()) -> list[dict]:
        """Run a SELECT and return dict rows (lighter than sqlite-utils' query on hot paths)."""
        cursor = self.db.conn.execute(sql, tuple(params))
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def _one(self, sql: str, params: Iterable = ()) -> dict | None:
        cursor = self.db.conn.execute(sql, tuple(params))
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row)) if row else None

    # ---- meta and change log -------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """Office identity and store facts."""
        return {r["key"]: r["value"] for r in self._rows("SELECT key, value FROM meta")}

    def append_event(self, entity: str, entity_id: str, kind: str, payload: dict,
                     at: datetime) -> str:
        """Append a change-log event (the sync outbox); call inside `write()`."""
        event_id = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO events (id, office_id, entity, entity_id, kind, payload, at, schema)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [event_id, self.office_id, entity, entity_id, kind,
             json.dumps(payload, ensure_ascii=False, default=str, separators=(",", ":")),
             _ts(at), SCHEMA_VERSION])
        return event_id

    def events(self, after_seq: int = 0, limit: int = 1000) -> list[dict]:
        """Change-log events after a sequence number, oldest first."""
        rows = self._rows("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                             [after_seq, limit])
        return [{**r, "payload": json.loads(r["payload"])} for r in rows]

    def entity_events(self, after_seq: int, up_to: int, entities: Iterable[str],
                      limit: int = 500) -> list[dict]:
        """Change-log events of some entities (e.g. "ticket", "counter") with after_seq < seq <= up_to,
        oldest first, with `seq`, `entity`, `kind`, `at` and the decoded payload."""
        entities = list(entities)
        rows = self._rows(
            f"SELECT seq, entity, kind, at, payload FROM events WHERE seq > ? AND seq <= ?"
            f" AND entity IN ({', '.join('?' * len(entities))}) ORDER BY seq LIMIT ?",
            [after_seq, up_to, *entities, limit])
        return [{**r, "payload": json.loads(r["payload"])} for r in rows]

    def idempotent_result(self, key: str, op: str) -> dict | None:
        """The stored result of an earlier request with this idempotency key."""
        row = self._one("SELECT op, result FROM idempotency WHERE key = ?", [key])
        if row is None:
            return None
        if row["op"] != op:
            raise Conflict(f"Khóa chống trùng {key!r} đã dùng cho thao tác khác ({row['op']})")
        return json.loads(row["result"])

    def remember_result(self, key: str, op: str, result: dict, at: datetime) -> None:
        """Store the result of a request under its idempotency key (inside `write()`)."""
        self.db.execute("INSERT INTO idempotency (key, op, result, at) VALUES (?, ?, ?, ?)",
                        [key, op, json.dumps(result), _ts(at)])

    # ---- sync with the central system ---------------------------------------------------

    def event_rows(self, after_seq: int, limit: int) -> list[tuple]:
        """Raw change-log rows after a seq (payload as stored JSON text), for the sync push:
        (seq, id, office_id, entity, entity_id, kind, payload, at, schema)."""
        return self.db.conn.execute(
            "SELECT seq, id, office_id, entity, entity_id, kind, payload, at, schema FROM events"
            " WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)).fetchall()

    def event_lines(self, after_seq: int, limit: int) -> list[tuple[int, bytes, bytes]]:
        """The change log after a seq as UTF-8 sync push lines, built by SQLite (nothing decoded or
        re-encoded in Python): (seq, JSON [seq, id, office_id, entity, entity_id, kind, at, schema],
        payload JSON text as stored)."""
        return self.db.conn.execute(
            "SELECT seq, CAST(json_array(seq, id, office_id, entity, entity_id, kind, at, schema) AS BLOB),"
            " CAST(payload AS BLOB) FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit)).fetchall()

    def last_event_seq(self) -> int:
        """The seq of the newest change-log event (0 when there is none)."""
        return self._one("SELECT COALESCE(MAX(seq), 0) AS n FROM events")["n"]

    def event_days(self) -> list[tuple[str, str]]:
        """(local day, event id) of every change-log event, for reconciliation."""
        return self.db.conn.execute("SELECT substr(at, 1, 10), id FROM events").fetchall()

    def sync_value(self, key: str, default: str | None = None) -> str | None:
        """A sync checkpoint or cursor (e.g. "push_checkpoint", "pull_cursor")."""
        row = self._one("SELECT value FROM sync_state WHERE key = ?", [key])
        return row["value"] if row else default

    def set_sync_value(self, key: str, value: str) -> None:
        """Save a sync checkpoint or cursor; inside `write()` with what it covers."""
        self.db.execute("INSERT INTO sync_state (key, value) VALUES (?, ?)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])

    def inbox_outcome(self, update_id: str) -> str | None:
        """How a pulled central update was handled ("applied", "conflict"…), None if never seen."""
        row = self._one("SELECT outcome FROM sync_inbox WHERE update_id = ?", [update_id])
        return row["outcome"] if row else None

    def record_inbox(self, update_id: str, kind: str, outcome: str, detail: str, at: datetime) -> None:
        """Remember a pulled central update and its outcome (inside `write()`, with its effects)."""
        self.db.execute("INSERT INTO sync_inbox (update_id, kind, outcome, detail, applied_at)"
                        " VALUES (?, ?, ?, ?, ?)", [update_id, kind, outcome, detail, _ts(at)])

    def inbox(self, outcome: str | None = None) -> list[dict]:
        """Pulled central updates, optionally of one outcome, oldest first."""
        where, params = ("WHERE outcome = ?", [outcome]) if outcome else ("", [])
        return self._rows(f"SELECT * FROM sync_inbox {where} ORDER BY applied_at, rowid", params)

    def save_number_block(self, block_id: str, agency: str, first: int, last: int, valid_from: date) -> None:
        """Record a dossier-number block leased to this office by the central system."""
        self.db.execute("INSERT INTO number_blocks (id, agency, seq_first, seq_last, valid_from)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                        [block_id, agency, first, last, valid_from.isoformat()])

    def number_block(self, agency: str, day: date) -> tuple[int, int] | None:
        """(first, last) of the newest block of an agency valid on a day, or None."""
        row = self._one("SELECT seq_first, seq_last FROM number_blocks WHERE agency = ? AND valid_from <= ?"
                        " ORDER BY valid_from DESC, seq_first DESC LIMIT 1", [agency, day.isoformat()])
        return (row["seq_first"], row["seq_last"]) if row else None

    def save_central_calendar_day(self, day: date, kind: str, reason: str) -> None:
        """Record a calendar override published by the central system ("day_off" / "working_day")."""
        self.db.execute("INSERT INTO central_calendar (day, kind, reason) VALUES (?, ?, ?)"
                        " ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, reason = excluded.reason",
                        [day.isoformat(), kind, reason])

    def central_calendar(self) -> tuple[dict[date, str], set[date]]:
        """Central calendar overrides: (days off with reasons, extra working days)."""
        rows = self._rows("SELECT day, kind, reason FROM central_calendar")
        return ({date.fromisoformat(r["day"]): r["reason"] for r in rows if r["kind"] == "day_off"},
                {date.fromisoformat(r["day"]) for r in rows if r["kind"] == "working_day"})

    # ---- catalogue ----------------------------------------------------------------------

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
            "cases": json.dumps([{**asdict(c), "unit": c.unit.value} for c in p.cases],
                                ensure_ascii=False),
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

    def save_staff(self, username: str, name: str, title: str, department: str) -> None:
        """Insert or replace a staff member."""
        self.db["staff"].upsert({"username": username, "name": name, "title": title,
                                 "department": department}, pk="username")

    def staff(self) -> list[dict]:
        """All staff members."""
        return list(self._rows("SELECT * FROM staff ORDER BY username"))

    # ---- dossiers -----------------------------------------------------------------------

    def next_dossier_sequence(self, agency: str, day: date, first: int, last: int) -> int:
        """Allocate the next daily sequence for an agency in one statement; inside `write()`.

        The sequence never goes below `first`, so a newly leased block starts at its own first number."""
        seq = self._one(
            "INSERT INTO dossier_seq (agency, day, last) VALUES (?, ?, ?)"
            " ON CONFLICT (agency, day) DO UPDATE SET last = MAX(last + 1, excluded.last) RETURNING last",
            [agency, day.isoformat(), first])["last"]
        if seq > last:
            raise SequenceExhausted(
                f"Hết dải số hồ sơ {first}–{last} của ngày {day:%d/%m/%Y}; cần cấp dải số mới")
        return seq

    def insert_dossier(self, d: Dossier) -> None:
        """Insert a dossier (with its reception details), its steps and due changes."""
        columns = DOSSIER_COLUMNS + RECEPTION_COLUMNS
        self.db.execute(
            f"INSERT INTO dossiers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            dossier_row(d) + reception_row(d))
        for s in d.steps:
            self.add_step(d.code, s)

    def insert_dossiers_bulk(self, dossiers: Iterable[tuple], steps: Iterable[tuple],
                             due_changes: Iterable[tuple] = ()) -> None:
        """Fast bulk insert of rows already in column order (demo seeding); inside `write()`."""
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
        """Update dossier columns (status, due_at, paused_at, finished_at, returned_at, synced_at,
        fee_paid, supplement_missing, returned_to)."""
        allowed = {"status", "due_at", "paused_at", "finished_at", "returned_at", "synced_at",
                   "fee_paid", "supplement_missing", "returned_to"}
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
        return _dossier(row, steps, changes)

    def dossier_secret(self, code: str) -> str | None:
        """The lookup secret of a dossier, or None when the code is unknown."""
        row = self._one("SELECT secret FROM dossiers WHERE code = ?", [code])
        return row["secret"] if row else None

    def dossier_codes(self, status: DossierStatus | None = None, limit: int = 100,
                      newest_first: bool = True) -> list[str]:
        """Dossier codes, optionally of one status."""
        order = "DESC" if newest_first else "ASC"
        where, params = ("WHERE status = ?", [int(status)]) if status is not None else ("", [])
        return [r["code"] for r in self._rows(
            f"SELECT code FROM dossiers {where} ORDER BY received_at {order} LIMIT ?", [*params, limit])]

    _ROW_SQL = ("SELECT d.code, d.applicant_name, p.name AS procedure_name, d.status, d.received_at,"
                " d.due_at, d.paused_at, d.finished_at, d.returned_at FROM dossiers d JOIN procedures p"
                " ON p.code = d.procedure_code AND p.version = d.procedure_version")

    def search_dossiers(self, text: str, status: DossierStatus | None, limit: int) -> list[dict]:
        """Dossier list rows, newest first: `text` (already folded for names) matches a code prefix,
        a word run of the applicant's name without diacritics, or an exact ID number or phone."""
        where, params = [], []
        if text:
            where.append("(substr(d.code, 1, ?) = ? OR d.applicant_id_number = ? OR d.applicant_phone = ?"
                         " OR instr(fold(d.applicant_name), ?) > 0)")
            compact = "".join(text.split())
            params += [len(text), text.upper(), compact.upper(), compact, fold(text)]
        if status is not None:
            where.append("d.status = ?")
            params.append(int(status))
        sql = self._ROW_SQL + (" WHERE " + " AND ".join(where) if where else "")
        return self._rows(sql + " ORDER BY d.received_at DESC, d.code DESC LIMIT ?", [*params, limit])

    def dossiers_due_by(self, statuses: Iterable[DossierStatus], due_by: datetime) -> list[dict]:
        """List rows of dossiers in some statuses due no later than `due_by`, most urgent first."""
        statuses = [int(s) for s in statuses]
        return self._rows(
            self._ROW_SQL + f" WHERE d.status IN ({', '.join('?' * len(statuses))}) AND d.due_at <= ?"
            " ORDER BY d.due_at, d.code", [*statuses, _ts(due_by)])

    def register_rows(self, day_from: date, day_to: date) -> list[dict]:
        """Dossiers received over [day_from, day_to] with what the register (Mẫu 07) shows: applicant
        contact, procedure, the department that processed it, dates and who collected the result."""
        return self._rows(
            "SELECT d.code, p.name AS procedure_name, d.applicant_name, d.applicant_address,"
            " d.applicant_phone, d.status, d.received_at, d.due_at, d.finished_at, d.returned_at,"
            " json_extract(d.returned_to, '$.name') AS collector, d.delivery,"
            " (SELECT s.department FROM steps s WHERE s.dossier_code = d.code AND s.status = 4"
            "  ORDER BY s.id LIMIT 1) AS department"
            " FROM dossiers d JOIN procedures p ON p.code = d.procedure_code AND p.version = d.procedure_version"
            " WHERE d.received_at >= ? AND d.received_at < ? ORDER BY d.received_at, d.code",
            [day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()])

    def finished_dossier_dates(self, day_from: date, day_to: date) -> list[dict]:
        """(due_at, finished_at) of the dossiers finished over [day_from, day_to]."""
        return self._rows("SELECT due_at, finished_at FROM dossiers WHERE finished_at >= ? AND finished_at < ?",
                          [day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()])

    def ticket_times(self, day_from: date, day_to: date) -> list[dict]:
        """Every ticket row over [day_from, day_to] with its service, counter, state and times."""
        return self._rows(
            "SELECT service_code, counter_id, state, transferred_from, issued_at, called_at, served_at,"
            " finished_at FROM tickets WHERE day BETWEEN ? AND ?", [day_from.isoformat(), day_to.isoformat()])

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
        return IntakeRecord(r["id"], r["kind"], _dt(r["at"]), r["procedure_code"], r["case_code"],
                            Applicant(**json.loads(r["applicant"])), r["reason"],
                            tuple(json.loads(r["missing"])), r["staff"])

    # ---- queue --------------------------------------------------------------------------

    def next_ticket_sequence(self, service_code: str, day: date) -> int:
        """Allocate the next daily ticket sequence for a service in one statement."""
        return self._one(
            "INSERT INTO ticket_seq (service_code, day, last) VALUES (?, ?, 1)"
            " ON CONFLICT (service_code, day) DO UPDATE SET last = last + 1 RETURNING last",
            [service_code, day.isoformat()])["last"]

    def insert_ticket(self, **values) -> Ticket:
        """Insert a ticket row and return it."""
        row = {k: (_ts(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date)
                   else v.value if isinstance(v, TicketState) else v) for k, v in values.items()}
        cols = ", ".join(row)
        ticket_id = self.db.execute(
            f"INSERT INTO tickets ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        ).lastrowid
        return self.ticket(ticket_id)

    def update_ticket(self, ticket_id: int, **values) -> Ticket:
        """Update ticket columns and return the ticket."""
        params = [_ts(v) if isinstance(v, datetime) else v.value if isinstance(v, TicketState) else v
                  for v in values.values()]
        cols = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(f"UPDATE tickets SET {cols} WHERE id = ?", [*params, ticket_id])
        return self.ticket(ticket_id)

    def ticket(self, ticket_id: int) -> Ticket:
        """One ticket or NotFound."""
        row = self._one("SELECT * FROM tickets WHERE id = ?", [ticket_id])
        if row is None:
            raise NotFound(f"Không có phiếu số thứ tự #{ticket_id}")
        return _ticket(row)

    def ticket_by_number(self, day: date, number: str) -> Ticket:
        """The latest ticket row with a printed number on a day (after transfers), or NotFound."""
        row = self._one("SELECT * FROM tickets WHERE day = ? AND number = ? ORDER BY id DESC LIMIT 1",
                        [day.isoformat(), number])
        if row is None:
            raise NotFound(f"Không có số thứ tự {number} ngày {day:%d/%m/%Y}")
        return _ticket(row)

    def tickets(self, day: date, states: Iterable[TicketState] | None = None) -> list[Ticket]:
        """Tickets of a day, in issue order."""
        sql, params = "SELECT * FROM tickets WHERE day = ?", [day.isoformat()]
        if states is not None:
            states = [s.value for s in states]
            sql += f" AND state IN ({', '.join('?' * len(states))})"
            params += states
        return [_ticket(r) for r in self._rows(sql + " ORDER BY id", params)]

    def first_waiting(self, day: date, services: Iterable[str], counter_id: int,
                      priority: bool) -> Ticket | None:
        """The oldest waiting ticket of a class for a counter (FIFO by issue time)."""
        services = list(services)
        cond = "priority IS NOT NULL" if priority else "priority IS NULL"
        row = self._one(
            f"SELECT * FROM tickets WHERE day = ? AND state = 'waiting' AND {cond}"
            f" AND service_code IN ({', '.join('?' * len(services))})"
            " AND (target_counter_id IS NULL OR target_counter_id = ?)"
            " ORDER BY issued_at, id LIMIT 1", [day.isoformat(), *services, counter_id])
        return _ticket(row) if row else None

    def waiting_counts(self, day: date) -> dict[str, int]:
        """Waiting tickets per service code."""
        return {r["service_code"]: r["n"] for r in self._rows(
            "SELECT service_code, COUNT(*) AS n FROM tickets WHERE day = ? AND state = 'waiting'"
            " GROUP BY service_code", [day.isoformat()])}

    def waiting_before(self, t: Ticket) -> int:
        """Waiting tickets of the same service issued before `t` (people ahead)."""
        return self._one(
            "SELECT COUNT(*) AS n FROM tickets WHERE day = ? AND state = 'waiting'"
            " AND service_code = ? AND id < ?", [t.day.isoformat(), t.service_code, t.id])["n"]

    def mean_service_minutes(self, service_code: str, since: datetime, limit: int = 50) -> float | None:
        """Mean serving time of the latest finished tickets of a service, in minutes."""
        row = self._one(
            "SELECT AVG((julianday(finished_at) - julianday(served_at)) * 1440) AS m FROM ("
            " SELECT served_at, finished_at FROM tickets WHERE service_code = ? AND state = 'done'"
            " AND served_at IS NOT NULL AND finished_at >= ? ORDER BY finished_at DESC LIMIT ?)",
            [service_code, _ts(since), limit])
        return row["m"]

    # ---- ratings ------------------------------------------------------------------------

    def rating_for(self, target_kind: str, target: str) -> Rating | None:
        """The rating of a ticket or dossier, if any."""
        row = self._one("SELECT * FROM ratings WHERE target_kind = ? AND target = ?", [target_kind, target])
        return _rating(row) if row else None

    def insert_rating(self, **values) -> Rating:
        """Insert a rating row and return it."""
        values = {k: (_ts(v) if isinstance(v, datetime) else json.dumps(v, ensure_ascii=False)
                      if isinstance(v, dict) else v) for k, v in values.items()}
        rating_id = self.db.execute(
            f"INSERT INTO ratings ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            list(values.values())).lastrowid
        return _rating(self._one("SELECT * FROM ratings WHERE id = ?", [rating_id]))

    # ---- hub credentials (token and PIN hashes only, never the secrets) ------------------

    def add_device(self, name: str, role: str, token_hash: str, at: datetime) -> int:
        """Enrol a device by the hash of its token; Conflict if an active device has that name."""
        if self._one("SELECT id FROM devices WHERE name = ? AND revoked_at IS NULL", [name]):
            raise Conflict(f"Thiết bị {name!r} đã được đăng ký (thu hồi trước khi đăng ký lại)")
        return self.db.execute(
            "INSERT INTO devices (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
            [name, role, token_hash, _ts(at)]).lastrowid

    def device_by_token(self, token_hash: str) -> dict | None:
        """The active (not revoked) device holding the token with this hash: id, name, role."""
        return self._one("SELECT id, name, role FROM devices WHERE token_hash = ? AND revoked_at IS NULL",
                         [token_hash])

    def devices(self) -> list[dict]:
        """Every enrolled device, revoked ones included: id, name, role, created_at, revoked_at."""
        return self._rows("SELECT id, name, role, created_at, revoked_at FROM devices ORDER BY id")

    def revoke_device(self, name: str, at: datetime) -> int:
        """Revoke the active device with this name and end its staff sessions; returns 0 or 1."""
        row = self._one("SELECT id FROM devices WHERE name = ? AND revoked_at IS NULL", [name])
        if row is None:
            return 0
        self.db.execute("UPDATE devices SET revoked_at = ? WHERE id = ?", [_ts(at), row["id"]])
        self.db.execute("UPDATE staff_sessions SET ended_at = ? WHERE device_id = ? AND ended_at IS NULL",
                        [_ts(at), row["id"]])
        return 1

    def staff_member(self, username: str) -> dict:
        """One staff member (username, name, title, department) or NotFound."""
        row = self._one("SELECT * FROM staff WHERE username = ?", [username])
        if row is None:
            raise NotFound(f"Không có cán bộ {username!r}")
        return row

    def set_pin_hash(self, username: str, pin_hash: str, at: datetime) -> None:
        """Set a staff member's PIN hash and end their open sessions; NotFound for an unknown user."""
        self.staff_member(username)
        self.db.execute(
            "INSERT INTO staff_pins (username, pin_hash, set_at) VALUES (?, ?, ?)"
            " ON CONFLICT (username) DO UPDATE SET pin_hash = excluded.pin_hash, set_at = excluded.set_at",
            [username, pin_hash, _ts(at)])
        self.db.execute("UPDATE staff_sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL",
                        [_ts(at), username])

    def pin_hash(self, username: str) -> str | None:
        """The stored PIN hash of a staff member, or None when no PIN is set."""
        row = self._one("SELECT pin_hash FROM staff_pins WHERE username = ?", [username])
        return row["pin_hash"] if row else None

    def add_session(self, token_hash: str, username: str, device_id: int, at: datetime,
                    expires_at: datetime) -> None:
        """Open a staff session on a device."""
        self.db.execute(
            "INSERT INTO staff_sessions (token_hash, username, device_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)", [token_hash, username, device_id, _ts(at), _ts(expires_at)])

    def session(self, token_hash: str, device_id: int, now: datetime) -> dict | None:
        """The open, unexpired session with this token hash on this device, with the staff member's
        username, name, title and department."""
        return self._one(
            "SELECT s.username, st.name, st.title, st.department, s.expires_at FROM staff_sessions s"
            " JOIN staff st ON st.username = s.username WHERE s.token_hash = ? AND s.device_id = ?"
            " AND s.ended_at IS NULL AND s.expires_at > ?", [token_hash, device_id, _ts(now)])

    def end_session(self, token_hash: str, at: datetime) -> None:
        """End a staff session (log out)."""
        self.db.execute("UPDATE staff_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                        [_ts(at), token_hash])

    def add_audit(self, at: datetime, username: str | None, device_id: int | None, action: str,
                  target: str) -> None:
        """Append to the audit log (e.g. who saw a dossier's full ID number, from which device)."""
        self.db.execute("INSERT INTO audit_log (at, username, device_id, action, target) VALUES (?, ?, ?, ?, ?)",
                        [_ts(at), username, device_id, action, target])

    def audit_log(self, target: str | None = None, limit: int = 100) -> list[dict]:
        """Newest audit entries, optionally for one target."""
        where, params = ("WHERE target = ?", [target]) if target is not None else ("", [])
        return self._rows(f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ?", [*params, limit])

    # ---- reports --------------------------------------------------------------------------

    def report_rows(self, day_from: date, day_to: date) -> dict[str, list[dict]]:
        """Grouped rows for the office report over [day_from, day_to] (the service shapes them):
        tickets by day/service/state, ratings by day/level/counter/service/staff, dossiers
        received by status and dossiers finished on time or late."""
        lo, hi = day_from.isoformat(), (day_to + timedelta(days=1)).isoformat()
        days = [day_from.isoformat(), day_to.isoformat()]
        return {
            "tickets": self._rows(
                "SELECT day, service_code, state, COUNT(*) AS n, SUM(transferred_from IS NULL) AS issued"
                " FROM tickets WHERE day BETWEEN ? AND ? GROUP BY day, service_code, state", days),
            "ratings": self._rows(
                "SELECT substr(at, 1, 10) AS day, level, scale, counter_id, service_code, staff,"
                " COUNT(*) AS n FROM ratings WHERE at >= ? AND at < ?"
                " GROUP BY day, level, scale, counter_id, service_code, staff", [lo, hi]),
            "received": self._rows(
                "SELECT status, COUNT(*) AS n FROM dossiers WHERE received_at >= ? AND received_at < ?"
                " GROUP BY status", [lo, hi]),
            "finished": self._rows(
                "SELECT COUNT(*) AS n, COALESCE(SUM(finished_at <= due_at), 0) AS on_time FROM dossiers"
                " WHERE finished_at >= ? AND finished_at < ?", [lo, hi]),
        }

    # ---- summaries ----------------------------------------------------------------------

    def counts(self) -> dict:
        """Counts for `info`: dossiers per status, tickets per state, ratings per level, events."""
        one = lambda sql: self._one(sql)["n"]  # noqa: E731
        return {
            "dossiers": one("SELECT COUNT(*) AS n FROM dossiers"),
            "dossiers_by_status": {r["status"]: r["n"] for r in self._rows(
                "SELECT status, COUNT(*) AS n FROM dossiers GROUP BY status ORDER BY status")},
            "tickets": one("SELECT COUNT(*) AS n FROM tickets"),
            "tickets_by_state": {r["state"]: r["n"] for r in self._rows(
                "SELECT state, COUNT(*) AS n FROM tickets GROUP BY state ORDER BY state")},
            "ratings": one("SELECT COUNT(*) AS n FROM ratings"),
            "ratings_by_level": {r["level"]: r["n"] for r in self._rows(
                "SELECT level, COUNT(*) AS n FROM ratings GROUP BY level ORDER BY level DESC")},
            "procedures": one("SELECT COUNT(DISTINCT code) AS n FROM procedures"),
            "services": one("SELECT COUNT(*) AS n FROM services"),
            "counters": one("SELECT COUNT(*) AS n FROM counters"),
            "staff": one("SELECT COUNT(*) AS n FROM staff"),
            "events": one("SELECT COUNT(*) AS n FROM events"),
        }


DOSSIER_COLUMNS = (
    "code", "secret", "procedure_code", "procedure_version", "case_code",
    "applicant_name", "applicant_id_type", "applicant_id_number", "applicant_phone",
    "applicant_address", "applicant_kind", "status", "channel", "summary", "fee",
    "received_at", "due_at", "original_due_at", "paused_at", "finished_at", "returned_at",
    "synced_at")


def dossier_row(d: Dossier) -> tuple:
    """A dossier as a row in DOSSIER_COLUMNS order."""
    a = d.applicant
    return (d.code, d.secret, d.procedure_code, d.procedure_version, d.case_code,
            a.name, a.id_type, a.id_number, a.phone, a.address, a.kind, int(d.status),
            d.channel, d.summary, d.fee, _ts(d.received_at), _ts(d.due_at),
            _ts(d.original_due_at), _ts(d.paused_at), _ts(d.finished_at), _ts(d.returned_at),
            _ts(d.synced_at))


RECEPTION_COLUMNS = ("components", "representative", "delivery", "delivery_address", "fee_paid",
                     "supplement_missing", "returned_to")


def _json(value) -> str | None:
    """Model values as stored JSON text (dataclasses as objects); None stays NULL."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = [asdict(v) if hasattr(v, "__dataclass_fields__") else v for v in value]
    elif hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    return json.dumps(value, ensure_ascii=False)


def reception_row(d: Dossier) -> tuple:
    """A dossier's reception details in RECEPTION_COLUMNS order."""
    return (_json(d.components), _json(d.representative), d.delivery, d.delivery_address,
            int(d.fee_paid), _json(d.supplement_missing), _json(d.returned_to))


def _dossier(r: dict, steps: tuple, changes: tuple) -> Dossier:
    representative = json.loads(r["representative"]) if r["representative"] else None
    returned_to = json.loads(r["returned_to"]) if r["returned_to"] else None
    return Dossier(
        code=r["code"], secret=r["secret"], procedure_code=r["procedure_code"],
        procedure_version=r["procedure_version"], case_code=r["case_code"],
        applicant=Applicant(r["applicant_name"], r["applicant_id_type"], r["applicant_id_number"],
                            r["applicant_phone"], r["applicant_address"], r["applicant_kind"]),
        status=DossierStatus(r["status"]), received_at=_dt(r["received_at"]), due_at=_dt(r["due_at"]),
        original_due_at=_dt(r["original_due_at"]), channel=r["channel"], summary=r["summary"],
        fee=r["fee"], paused_at=_dt(r["paused_at"]), finished_at=_dt(r["finished_at"]),
        returned_at=_dt(r["returned_at"]), steps=steps, due_changes=changes,
        synced_at=_dt(r["synced_at"]),
        components=tuple(ReceivedComponent(**c) for c in json.loads(r["components"])),
        representative=Applicant(**representative) if representative else None,
        delivery=r["delivery"], delivery_address=r["delivery_address"], fee_paid=bool(r["fee_paid"]),
        supplement_missing=tuple(json.loads(r["supplement_missing"])),
        returned_to=Collector(**returned_to) if returned_to else None)


def _procedure(r: dict) -> Procedure:
    return Procedure(
        code=r["code"], name=r["name"], field_code=r["field_code"], version=r["version"],
        effective_from=date.fromisoformat(r["effective_from"]),
        effective_to=date.fromisoformat(r["effective_to"]) if r["effective_to"] else None,
        result=r["result"],
        cases=tuple(ProcedureCase(**{**c, "unit": DurationUnit(c["unit"])}) for c in json.loads(r["cases"])),
        components=tuple(Component(**c) for c in json.loads(r["components"])))


def _counter(r: dict) -> Counter:
    return Counter(r["id"], r["name"], tuple(json.loads(r["services"])), r["paused_reason"])


def _ticket(r: dict) -> Ticket:
    return Ticket(
        id=r["id"], number=r["number"], service_code=r["service_code"],
        day=date.fromisoformat(r["day"]), issued_at=_dt(r["issued_at"]), state=TicketState(r["state"]),
        priority=r["priority"], priority_granted_by=r["priority_granted_by"], counter_id=r["counter_id"],
        target_counter_id=r["target_counter_id"], calls=r["calls"], called_at=_dt(r["called_at"]),
        served_at=_dt(r["served_at"]), finished_at=_dt(r["finished_at"]), reason=r["reason"],
        transferred_from=r["transferred_from"], staff=r["staff"])


def _rating(r: dict) -> Rating:
    return Rating(id=r["id"], target_kind=r["target_kind"], target=r["target"], level=r["level"],
                  scale=r["scale"], reason=r["reason"], criteria=json.loads(r["criteria"]),
                  at=_dt(r["at"]), counter_id=r["counter_id"], service_code=r["service_code"],
                  staff=r["staff"])
