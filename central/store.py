"""The central system's store: SQLite for a file path, PostgreSQL for a `postgresql://` URL.

One class, one schema, the same SQL on both backends (only placeholders, serial columns and
locking differ). The `events` table is the truth: pushed office events, unique by event id, so
applying a batch twice changes nothing. Everything else is derived or central-owned:

- offices: per-office high-water mark (hwm) of pushed events, projection cursor and the
  sequence of updates queued for the office (pull cursor space);
- credentials: hashed tokens of offices and back-office departments, revocable;
- updates: what each office pulls (back-office steps, catalogue, calendar days, number blocks),
  numbered per office under the office row lock so a pull cursor never skips a late commit;
- dossiers/steps: a projection of the events plus back-office steps, built on demand under one
  global lock, with a global change counter that feeds the national-portal export cursor.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from office.errors import NotFound
from office.model import DossierStatus, check_transition
from sync.protocol import Batch, ProtocolError, day_digests, event_day, plan_apply

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30
PROJECT_CHUNK = 5000
MAX_SEQUENCE = 999_999_999  # dossier code sequences have at most 9 digits
WAL_CHECKPOINT_PAGES = 10_000  # SQLite: checkpoint the WAL every ~40 MB, not every ~4 MB (one push batch)
PG_LOCK_KEY = 7_243_001  # advisory lock: projection, change counter, catalogue, number blocks

DDL = """
CREATE TABLE IF NOT EXISTS central_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS offices (office_id TEXT PRIMARY KEY, name TEXT NOT NULL,
    hwm BIGINT NOT NULL DEFAULT 0, projected BIGINT NOT NULL DEFAULT 0,
    out_seq BIGINT NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL,
    subject TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, office_id TEXT NOT NULL,
    seq BIGINT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, kind TEXT NOT NULL,
    payload TEXT NOT NULL, at TEXT NOT NULL, schema INTEGER NOT NULL, UNIQUE (office_id, seq));
CREATE TABLE IF NOT EXISTS updates (office_id TEXT NOT NULL, seq BIGINT NOT NULL,
    id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (office_id, seq));
CREATE TABLE IF NOT EXISTS fields (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS procedures (code TEXT NOT NULL, version INTEGER NOT NULL,
    field_code TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (code, version));
CREATE TABLE IF NOT EXISTS calendar (day TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS number_blocks (id TEXT PRIMARY KEY, holder TEXT NOT NULL,
    agency TEXT NOT NULL, seq_first BIGINT NOT NULL, seq_last BIGINT NOT NULL,
    valid_from TEXT NOT NULL, leased_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dossiers (code TEXT PRIMARY KEY, office_id TEXT NOT NULL,
    status INTEGER NOT NULL, data TEXT NOT NULL, change_seq BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS dossiers_change ON dossiers (change_seq);
CREATE TABLE IF NOT EXISTS steps (id {serial}, code TEXT NOT NULL, office_id TEXT NOT NULL,
    at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, department TEXT NOT NULL,
    content TEXT NOT NULL, status INTEGER NOT NULL, origin TEXT NOT NULL, update_id TEXT UNIQUE,
    state TEXT NOT NULL, change_seq BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS steps_code ON steps (code);
CREATE INDEX IF NOT EXISTS steps_change ON steps (change_seq);
CREATE TABLE IF NOT EXISTS problems (id {serial}, office_id TEXT NOT NULL, event_id TEXT NOT NULL,
    problem TEXT NOT NULL, at TEXT NOT NULL);
"""
EVENT_INSERT = ("INSERT INTO events (seq, id, office_id, entity, entity_id, kind, payload, at, schema)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")

EVENT_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
SQLITE_ROWS_PER_INSERT = 3000  # 9 parameters a row, under SQLite's limit of 32,766 per statement
EVENT_COPY = "COPY events (seq, id, office_id, entity, entity_id, kind, payload, at, schema) FROM STDIN"


class StoreUnavailable(Exception):
    """The database cannot be reached or is locked right now; try again later (HTTP 503)."""


class AuthError(Exception):
    """A token is missing, unknown or revoked; `code` is "unauthorized" or "revoked"."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Principal:
    """Who a token belongs to: kind "office" or "department", and the office id or department."""

    kind: str
    subject: str


@dataclass(frozen=True)
class ApplyResult:
    """Outcome of applying a push batch: the new hwm, events stored, duplicates ignored."""

    hwm: int
    applied: int
    duplicates: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256 (tokens are 256-bit random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(value) -> str | None:
    """A local time from an event payload (ISO with "T" or " ") as "YYYY-MM-DDTHH:MM:SS"."""
    if value in (None, ""):
        return None
    return datetime.fromisoformat(str(value)).isoformat(timespec="seconds")


class CentralStore:
    """The central store over SQLite (a file path) or PostgreSQL (`postgresql://…`)."""

    def __init__(self, url: str):
        """Open the store at `url` (created and migrated if needed)."""
        self.url = str(url)
        self.pg = self.url.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        if not self.pg:
            Path(self.url).parent.mkdir(parents=True, exist_ok=True)
        ddl = DDL.replace("{serial}", "BIGSERIAL PRIMARY KEY" if self.pg else "INTEGER PRIMARY KEY")
        with self.tx(lock=True) as x:
            for stmt in filter(str.strip, ddl.split(";")):
                x.run(stmt)
            x.run("INSERT INTO central_meta (key, value) VALUES ('schema', ?) ON CONFLICT DO NOTHING",
                  [str(SCHEMA_VERSION)])
            for name in ("change_seq", "portal_cursor"):
                x.run("INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT DO NOTHING", [name])

    # ---- connections and transactions ----------------------------------------------------

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            if self.pg:
                import psycopg

                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            else:
                conn = sqlite3.connect(self.url, timeout=BUSY_TIMEOUT_S, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
                conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        except Exception as e:
            raise StoreUnavailable(f"central database unreachable: {e}") from e
        self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # a broken connection may fail to close; it is gone either way
                pass

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn "database unreachable / busy" errors into StoreUnavailable (HTTP 503)."""
        try:
            yield
        except sqlite3.OperationalError as e:
            if not any(w in str(e) for w in ("locked", "busy", "unable to open", "disk I/O")):
                raise
            raise StoreUnavailable(f"central database busy: {e}") from e
        except Exception as e:
            if self.pg and _is_pg_operational(e):
                self.close()
                raise StoreUnavailable(f"central database unavailable: {e}") from e
            raise

    @contextmanager
    def tx(self, lock: bool = False) -> Iterator[_Tx]:
        """One write transaction. `lock` also takes the global lock (SQLite: every write is global)."""
        with self._errors():
            conn = self._conn()
            if self.pg:
                with conn.transaction():
                    x = _Tx(conn.cursor(), True)
                    if lock:
                        x.run("SELECT pg_advisory_xact_lock(?)", [PG_LOCK_KEY])
                    yield x
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(conn.cursor(), False)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params=()) -> list[tuple]:
        """One read-only statement outside an explicit transaction (a consistent snapshot)."""
        with self._errors():
            conn = self._conn()
            return _Tx(conn.cursor(), self.pg).all(sql, params)

    # ---- enrollment and tokens -----------------------------------------------------------

    def enroll_office(self, office_id: str, name: str = "") -> str:
        """Register an office (if new) and return a new token for it; only its hash is stored.

        A new office is queued the current catalogue, calendar days and its number blocks."""
        if not office_id or len(office_id) > 100:
            raise ValueError("office id must be 1–100 characters")
        token = "mco_" + secrets.token_urlsafe(32)
        with self.tx(lock=True) as x:
            new = x.one("SELECT office_id FROM offices WHERE office_id = ?", [office_id]) is None
            if new:
                x.run("INSERT INTO offices (office_id, name, created_at) VALUES (?, ?, ?)",
                      [office_id, name or office_id, _now()])
            x.run("INSERT INTO credentials (token_hash, kind, subject, created_at) VALUES (?, ?, ?, ?)",
                  [hash_token(token), "office", office_id, _now()])
            if new:
                for code, fname in x.all("SELECT code, name FROM fields ORDER BY code"):
                    self._queue(x, office_id, "field", {"code": code, "name": fname})
                for (data,) in x.all("SELECT data FROM procedures ORDER BY code, version"):
                    self._queue(x, office_id, "procedure", json.loads(data))
                for day, kind, reason in x.all("SELECT day, kind, reason FROM calendar ORDER BY day"):
                    self._queue(x, office_id, "calendar", {"day": day, "kind": kind, "reason": reason})
        return token

    def enroll_department(self, name: str) -> str:
        """A new token for a back-office department (posts processing steps)."""
        if not name:
            raise ValueError("department name must not be empty")
        token = "mcd_" + secrets.token_urlsafe(32)
        with self.tx() as x:
            x.run("INSERT INTO credentials (token_hash, kind, subject, created_at) VALUES (?, ?, ?, ?)",
                  [hash_token(token), "department", name, _now()])
        return token

    def revoke(self, subject: str, kind: str = "office") -> int:
        """Revoke every active token of an office or department; returns how many."""
        with self.tx() as x:
            return x.run("UPDATE credentials SET revoked_at = ? WHERE kind = ? AND subject = ?"
                         " AND revoked_at IS NULL", [_now(), kind, subject]).rowcount

    def authenticate(self, token: str) -> Principal:
        """The principal of a token, or AuthError ("unauthorized" / "revoked")."""
        rows = self._read("SELECT kind, subject, revoked_at FROM credentials WHERE token_hash = ?",
                          [hash_token(token or "")])
        if not rows:
            raise AuthError("unauthorized", "unknown token")
        kind, subject, revoked_at = rows[0]
        if revoked_at:
            raise AuthError("revoked", f"this token was revoked at {revoked_at}")
        return Principal(kind, subject)

    # ---- push ----------------------------------------------------------------------------

    def office_state(self, office_id: str) -> dict:
        """The office's hwm and the last update sequence queued for it."""
        rows = self._read("SELECT hwm, out_seq FROM offices WHERE office_id = ?", [office_id])
        if not rows:
            raise NotFound(f"office {office_id!r} is not enrolled")
        return {"office_id": office_id, "hwm": rows[0][0], "updates": rows[0][1]}

    def apply_batch(self, batch: Batch) -> ApplyResult:
        """Store a validated batch idempotently in one transaction; returns the new hwm."""
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
            if new_hwm != hwm:
                x.run("UPDATE offices SET hwm = ? WHERE office_id = ?", [new_hwm, batch.office_id])
        return ApplyResult(new_hwm, len(fresh), len(batch.events) - len(fresh))

    def _insert_fresh(self, x: _Tx, fresh: tuple[tuple, ...]) -> int:
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

    def _check_same_events(self, x: _Tx, batch: Batch, hwm: int) -> None:
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

    # ---- pull ----------------------------------------------------------------------------

    def _queue(self, x: _Tx, office_id: str, kind: str, payload: dict,
               update_id: str | None = None) -> str:
        """Queue an update for an office under its row lock (per-office gapless sequence)."""
        update_id = update_id or str(uuid.uuid4())
        seq = x.one("UPDATE offices SET out_seq = out_seq + 1 WHERE office_id = ? RETURNING out_seq",
                    [office_id])[0]
        x.run("INSERT INTO updates (office_id, seq, id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
              [office_id, seq, update_id, kind, json.dumps(payload, ensure_ascii=False), _now()])
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

    def _offices(self, x: _Tx) -> list[str]:
        return [r[0] for r in x.all("SELECT office_id FROM offices ORDER BY office_id")]

    def save_catalogue(self, fields: list[dict], procedures: list[dict]) -> int:
        """Upsert fields and procedure versions and queue them to every office; returns updates queued."""
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
                for o in offices:
                    self._queue(x, o, "procedure", p)
                    queued += 1
        return queued

    def procedure(self, code: str, version: int) -> dict | None:
        """A catalogue procedure version as published, or None."""
        rows = self._read("SELECT data FROM procedures WHERE code = ? AND version = ?", [code, version])
        return json.loads(rows[0][0]) if rows else None

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
        holder "central") never collide. The block is queued to the holder when it is an office."""
        if size < 1:
            raise ValueError("block size must be at least 1")
        with self.tx(lock=True) as x:
            top = x.one("SELECT MAX(seq_last) FROM number_blocks WHERE agency = ?", [agency])[0] or 0
            if top + size > MAX_SEQUENCE:
                raise ValueError(f"agency {agency} has no {size} free sequence numbers left")
            block = {"id": str(uuid.uuid4()), "agency": agency, "first": top + 1, "last": top + size,
                     "valid_from": valid_from.isoformat()}
            x.run("INSERT INTO number_blocks (id, holder, agency, seq_first, seq_last, valid_from, leased_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)", [block["id"], holder, agency, block["first"],
                                                    block["last"], block["valid_from"], _now()])
            if x.one("SELECT office_id FROM offices WHERE office_id = ?", [holder]):
                self._queue(x, holder, "number_block", block, update_id=block["id"])
        return block

    def number_blocks(self, agency: str) -> list[tuple]:
        """(holder, first, last) of every block leased for an agency, in order."""
        return self._read("SELECT holder, seq_first, seq_last FROM number_blocks WHERE agency = ?"
                          " ORDER BY seq_first", [agency])

    # ---- projection and back office -------------------------------------------------------

    def project(self) -> int:
        """Bring the dossier projection up to date with stored events; returns events projected."""
        total = 0
        while True:
            with self.tx(lock=True) as x:
                done = self._project_chunk(x)
            total += done
            if done < PROJECT_CHUNK:
                return total

    def _project_chunk(self, x: _Tx) -> int:
        done = 0
        for office_id, projected, hwm in x.all(
                "SELECT office_id, projected, hwm FROM offices WHERE projected < hwm ORDER BY office_id"):
            rows = x.all("SELECT seq, id, entity, kind, payload FROM events WHERE office_id = ? AND seq > ?"
                         " AND seq <= ? ORDER BY seq LIMIT ?",
                         [office_id, projected, hwm, PROJECT_CHUNK - done])
            for _seq, event_id, entity, kind, payload in rows:
                if entity != "dossier":
                    continue
                try:
                    data = json.loads(payload)
                except ValueError as e:
                    x.run("INSERT INTO problems (office_id, event_id, problem, at) VALUES (?, ?, ?, ?)",
                          [office_id, event_id, f"payload is not JSON: {e}", _now()])
                    continue
                self._project_event(x, office_id, event_id, kind, data)
            if rows:
                x.run("UPDATE offices SET projected = ? WHERE office_id = ?", [rows[-1][0], office_id])
            done += len(rows)
            if done >= PROJECT_CHUNK:
                break
        return done

    def _next_change(self, x: _Tx) -> int:
        return x.one("UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value")[0]

    def _project_event(self, x: _Tx, office_id: str, event_id: str, kind: str, p: dict) -> None:
        if kind in ("received", "imported"):
            data = _normalize_dossier(p)
            existing = x.one("SELECT office_id FROM dossiers WHERE code = ?", [data["code"]])
            if existing and existing[0] != office_id:
                x.run("INSERT INTO problems (office_id, event_id, problem, at) VALUES (?, ?, ?, ?)",
                      [office_id, event_id, f"dossier code {data['code']} already belongs to office "
                       f"{existing[0]}", _now()])
                return
            change = self._next_change(x)
            x.run("INSERT INTO dossiers (code, office_id, status, data, change_seq) VALUES (?, ?, ?, ?, ?)"
                  " ON CONFLICT (code) DO UPDATE SET status = excluded.status, data = excluded.data,"
                  " change_seq = excluded.change_seq",
                  [data["code"], office_id, data["status"], json.dumps(data, ensure_ascii=False), change])
            x.run("DELETE FROM steps WHERE code = ? AND origin = 'office'", [data["code"]])
            for s in p.get("steps", ()):
                self._add_step(x, data["code"], office_id, s, "office", None, "applied", change)
            return
        code = p.get("code")
        row = x.one("SELECT status, data FROM dossiers WHERE code = ? AND office_id = ?", [code, office_id])
        if row is None:
            x.run("INSERT INTO problems (office_id, event_id, problem, at) VALUES (?, ?, ?, ?)",
                  [office_id, event_id, f"{kind} event for unknown dossier {code}", _now()])
            return
        data = json.loads(row[1])
        change = self._next_change(x)
        if kind == "central_update_rejected":
            x.run("UPDATE steps SET state = 'rejected', change_seq = ? WHERE update_id = ?",
                  [change, p["update_id"]])
            data["status"] = int(p["status"])
        elif kind in ("status", "extended"):
            for key in ("paused_at", "finished_at", "returned_at", "due_at"):
                if key in p:
                    data[key] = _iso(p[key])
            step = p.get("step")
            if kind == "status" and step:
                data["status"] = int(step["status"])
            update_id = p.get("update_id")
            if update_id and x.one("SELECT id FROM steps WHERE update_id = ?", [update_id]):
                x.run("UPDATE steps SET state = 'applied' WHERE update_id = ?", [update_id])
            elif step:
                self._add_step(x, code, office_id, step, "office", None, "applied", change)
        else:
            return
        x.run("UPDATE dossiers SET status = ?, data = ?, change_seq = ? WHERE code = ?",
              [data["status"], json.dumps(data, ensure_ascii=False), change, code])

    def _add_step(self, x: _Tx, code: str, office_id: str, s: dict, origin: str,
                  update_id: str | None, state: str, change: int) -> None:
        x.run("INSERT INTO steps (code, office_id, at, actor, role, department, content, status, origin,"
              " update_id, state, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              [code, office_id, _iso(s["at"]), s["actor"], s["role"], s["department"], s["content"],
               int(s["status"]), origin, update_id, state, change])

    def post_step(self, code: str, status: int, actor: str, role: str, department: str,
                  content: str, at: datetime, request_id: str | None = None) -> dict:
        """A back-office processing step / status change, checked against the transition rules
        and queued to the dossier's office. Idempotent by `request_id`."""
        self.project()
        update_id = request_id or str(uuid.uuid4())
        with self.tx(lock=True) as x:
            self._project_chunk(x)
            done = x.one("SELECT code, status, state FROM steps WHERE update_id = ?", [update_id])
            if done:
                if done[0] != code or done[1] != int(status):
                    raise ProtocolError("conflict", f"request id {update_id} was used for another step", 409)
                return {"update_id": update_id, "code": code, "status": done[1], "state": done[2]}
            row = x.one("SELECT office_id, status, data FROM dossiers WHERE code = ?", [code])
            if row is None:
                raise NotFound(f"dossier {code} is not known to the central system (not synced yet?)")
            office_id, current, data = row[0], DossierStatus(row[1]), json.loads(row[2])
            try:
                new = DossierStatus(int(status))
            except ValueError:
                raise ProtocolError("invalid_input", f"status {status!r} is not 1–10", 422) from None
            check_transition(current, new)
            change = self._next_change(x)
            step = {"at": at.isoformat(timespec="seconds"), "actor": actor, "role": role,
                    "department": department, "content": content, "status": int(new)}
            self._add_step(x, code, office_id, step, "backoffice", update_id, "sent", change)
            data["status"] = int(new)
            x.run("UPDATE dossiers SET status = ?, data = ?, change_seq = ? WHERE code = ?",
                  [int(new), json.dumps(data, ensure_ascii=False), change, code])
            self._queue(x, office_id, "dossier_step", {"code": code, **step}, update_id=update_id)
        return {"update_id": update_id, "code": code, "status": int(new), "state": "sent"}

    def dossier(self, code: str) -> dict:
        """A projected dossier with its steps (and their origin and state), or NotFound."""
        self.project()
        rows = self._read("SELECT office_id, status, data FROM dossiers WHERE code = ?", [code])
        if not rows:
            raise NotFound(f"dossier {code} is not known to the central system")
        steps = self._read("SELECT at, actor, role, department, content, status, origin, state, update_id"
                           " FROM steps WHERE code = ? ORDER BY id", [code])
        keys = ("at", "actor", "role", "department", "content", "status", "origin", "state", "update_id")
        return {**json.loads(rows[0][2]), "office_id": rows[0][0], "status": rows[0][1],
                "steps": [dict(zip(keys, s)) for s in steps]}

    def dossier_statuses(self, office_id: str) -> dict[str, int]:
        """Projected status of every dossier of an office."""
        self.project()
        return dict(self._read("SELECT code, status FROM dossiers WHERE office_id = ?", [office_id]))

    def problems(self) -> list[tuple]:
        """Events the projection could not apply: (office id, event id, problem)."""
        return self._read("SELECT office_id, event_id, problem FROM problems ORDER BY id")

    # ---- national portal export -----------------------------------------------------------

    def portal_cursor(self) -> int:
        """The last change number exported to the national portal."""
        return self._read("SELECT value FROM counters WHERE name = 'portal_cursor'")[0][0]

    def set_portal_cursor(self, value: int) -> None:
        """Save the export cursor (after the portal acknowledged everything up to it)."""
        with self.tx() as x:
            x.run("UPDATE counters SET value = ? WHERE name = 'portal_cursor'", [value])

    def changes(self, after: int, upto: int) -> tuple[list[dict], list[dict]]:
        """Dossiers and steps changed in (after, upto], oldest change first (projection current)."""
        dossiers = [json.loads(d) for (d,) in self._read(
            "SELECT data FROM dossiers WHERE change_seq > ? AND change_seq <= ? ORDER BY change_seq",
            [after, upto])]
        keys = ("code", "at", "actor", "role", "department", "content", "status")
        steps = [dict(zip(keys, s)) for s in self._read(
            "SELECT code, at, actor, role, department, content, status FROM steps WHERE change_seq > ?"
            " AND change_seq <= ? AND state != 'rejected' ORDER BY change_seq, id", [after, upto])]
        return dossiers, steps

    def last_change(self) -> int:
        """The latest change number of the projection (after bringing it up to date)."""
        self.project()
        return self._read("SELECT value FROM counters WHERE name = 'change_seq'")[0][0]


def _normalize_dossier(p: dict) -> dict:
    """A dossier from a "received" (OfficeService) or "imported" (demo) event payload."""
    a = p.get("applicant") or {"name": p["applicant_name"], "id_type": p["applicant_id_type"],
                               "id_number": p["applicant_id_number"], "phone": p["applicant_phone"],
                               "address": p["applicant_address"], "kind": p["applicant_kind"]}
    out = {k: p.get(k) for k in ("code", "procedure_code", "procedure_version", "case_code", "channel",
                                  "summary", "fee")}
    out["status"] = int(p["status"])
    out["applicant"] = {k: a.get(k) for k in ("name", "id_type", "id_number", "phone", "address", "kind")}
    for k in ("received_at", "due_at", "original_due_at", "paused_at", "finished_at", "returned_at"):
        out[k] = _iso(p.get(k))
    return out


def _is_pg_operational(e: Exception) -> bool:
    import psycopg

    return isinstance(e, (psycopg.OperationalError, psycopg.InterfaceError))


class _Tx:
    """The statements of one transaction; SQL uses `?` placeholders on both backends."""

    def __init__(self, cursor, pg: bool):
        self.cursor = cursor
        self.pg = pg

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def run(self, sql: str, params=()):
        """Execute one statement; returns the cursor."""
        self.cursor.execute(self._sql(sql), tuple(params))
        return self.cursor

    def one(self, sql: str, params=()) -> tuple | None:
        """The first row or None."""
        return self.run(sql, params).fetchone()

    def all(self, sql: str, params=()) -> list[tuple]:
        """All rows."""
        return self.run(sql, params).fetchall()

    def many(self, sql: str, rows) -> int:
        """executemany; returns the number of rows changed."""
        self.cursor.executemany(self._sql(sql), rows)
        return self.cursor.rowcount
