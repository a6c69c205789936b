"""The store's foundation: one SQLite connection per thread, transactions, the meta table, the
change log (events, the sync outbox), idempotency keys and the lookup key.

One file shared by the hub, kiosks and counters on one machine: WAL, synchronous=FULL,
a busy timeout, foreign keys, and one connection per thread. Every write runs in
`BEGIN IMMEDIATE`, so read-then-write use cases (call next, numbering) are atomic across
processes, and appends its change-log events in the same transaction.

The lookup key (32 random bytes) keys the hashes of dossiers' lookup secrets
(`office.rules.codes.secret_hash`). It lives in its own file next to the store, `<store>.key`,
created (mode 0600) with a new store: a copy of the store file alone — a backup, an export — holds
no usable secret. Back the key file up with the store (separately is better): a store restored
without its key refuses to open, since no receipt's secret could be checked.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import stat
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import sqlite_utils

from office.errors import Conflict, StoreUnavailable, Unavailable
from office.rules.codes import secret_hash
from office.store.migrations import migrations
from office.text import fold

BUSY_TIMEOUT_S = 30
# SQLite's primary result codes for a disk or file that could not do it: StoreUnavailable
STORE_TROUBLE = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT,
                           sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY})
SCHEMA_VERSION = 1


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


def keep_private(path: str | Path) -> None:
    """Make the store file (and its WAL and shared-memory files) readable by its owner only: create
    it 0600 if it does not exist yet (SQLite gives the -wal and -shm files the mode of the store),
    tighten an existing file that others could read."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if stat.S_IMODE(p.stat().st_mode) & 0o077 and p.stat().st_uid == os.getuid():
                p.chmod(0o600)
        except FileNotFoundError:
            continue


def _ts(value: datetime | None) -> str | None:
    """A datetime as stored text (ISO, to the second); None stays NULL."""
    return value.isoformat(timespec="seconds") if value else None


def _dt(value: str | None) -> datetime | None:
    """Stored ISO text back as a datetime; NULL stays None."""
    return datetime.fromisoformat(value) if value else None


def _json(value) -> str | None:
    """Model values as stored JSON text (dataclasses as objects); None stays NULL."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = [asdict(v) if hasattr(v, "__dataclass_fields__") else v for v in value]
    elif hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    return json.dumps(value, ensure_ascii=False)


class StoreBase:
    """Connection, transactions, meta, change log and idempotency keys; the aggregate mixins of
    `office.store` build on it and `Store` composes them."""

    def __init__(self, path: str | Path, office_id: str = "demo", agency_code: str = ""):
        """Open (creating and migrating if needed) the store at `path` (a new file is 0600) and its
        lookup key."""
        self.path = str(path)
        if self.path != ":memory:":
            keep_private(path)
        self._local = threading.local()
        self.lookup_key = self._open_lookup_key()
        check = hmac.new(self.lookup_key, b"lookup-key-check", hashlib.sha256).hexdigest()[:16]
        with self.write():
            migrations.apply(self.db)
            meta = self.meta()
            if not meta:
                self.db["meta"].insert_all([
                    {"key": "office_id", "value": office_id},
                    {"key": "agency_code", "value": agency_code},
                    {"key": "created_at", "value": _ts(datetime.now())}])
            self.db.execute("INSERT INTO meta (key, value) VALUES ('lookup_key_check', ?)"
                            " ON CONFLICT (key) DO NOTHING", [check])
        meta = self.meta()
        if meta["lookup_key_check"] != check:
            self.close()
            raise Unavailable(f"{self.key_path} is not the lookup key of {self.path}: restore the key "
                              "file that belongs to this store")
        self.office_id = meta["office_id"]
        self.agency_code = meta["agency_code"]

    @property
    def key_path(self) -> Path:
        """Where the lookup key is kept: `<store>.key`."""
        return Path(self.path + ".key")

    def _open_lookup_key(self) -> bytes:
        """The lookup key: read from its file, or created with a new store (never for a store that
        already has one: that would silently invalidate every receipt)."""
        try:
            return bytes.fromhex(self.key_path.read_text().strip())
        except FileNotFoundError:
            pass
        if self._has_meta("lookup_key_check"):
            raise Unavailable(f"the lookup key {self.key_path} of {self.path} is missing: restore it from "
                              "the backup (without it no receipt's lookup secret can be checked)")
        key = secrets.token_bytes(32)
        draft = self.key_path.with_name(f"{self.key_path.name}.{os.getpid()}.{threading.get_ident()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(key.hex() + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(draft, self.key_path)  # appears whole, or not at all if another process won
        except FileExistsError:
            key = bytes.fromhex(self.key_path.read_text().strip())
        finally:
            draft.unlink()
        return key

    def _has_meta(self, key: str) -> bool:
        """Whether an existing store file records `key` in its meta table (read-only peek)."""
        if not Path(self.path).exists():
            return False
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        try:
            return conn.execute("SELECT 1 FROM meta WHERE key = ?", [key]).fetchone() is not None
        except sqlite3.OperationalError:  # no meta table yet
            return False
        finally:
            conn.close()

    def hash_secret(self, code: str, secret: str) -> str:
        """What the store keeps of a dossier's lookup secret (`office.rules.codes.secret_hash`)."""
        return secret_hash(self.lookup_key, code, secret)

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
            conn.create_function("secret_hash", 2, self.hash_secret, deterministic=True)  # m012
            db = self._local.db = sqlite_utils.Database(conn, execute_plugins=False)
        return db

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def changes(self) -> int:
        """Rows this thread's connection has inserted, updated or deleted since it opened."""
        return self.db.conn.total_changes

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction taking the database write lock at once (BEGIN IMMEDIATE). A disk
        that is full or failing, or a lock held too long, is StoreUnavailable (nothing written)."""
        with self._store_trouble(), self._write() as db:
            yield db

    @contextmanager
    def _store_trouble(self) -> Iterator[None]:
        """SQLite's "the disk or the file could not do it" errors as StoreUnavailable."""
        try:
            yield
        except sqlite3.DatabaseError as e:
            if getattr(e, "sqlite_errorcode", 0) & 0xFF in STORE_TROUBLE:
                raise StoreUnavailable(f"{self.path}: {e}") from e
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite_utils.Database]:
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
        with self._store_trouble():
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
        """Run a SELECT and return its first row as a dict, or None."""
        cursor = self.db.conn.execute(sql, tuple(params))
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row)) if row else None

    # ---- meta and change log -------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """Office identity and store facts."""
        return {r["key"]: r["value"] for r in self._rows("SELECT key, value FROM meta")}

    def set_meta(self, key: str, value: str) -> None:
        """Record a store fact, e.g. "purpose" = "demo" | "office" (inside `write()`)."""
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])

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

    # ---- the change log as the sync push and reconciliation read it ----------------------

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
