"""The central database: SQLite for a file path, PostgreSQL for a `postgresql://` URL, one
connection per thread, write transactions, and the numbered schema migrations of `central.schema`.

The same SQL runs on both backends: statements use `?` placeholders (rewritten to `%s` for
PostgreSQL); only serial columns, COPY and locking differ.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from central.schema import MIGRATIONS

BUSY_TIMEOUT_S = 30
WAL_CHECKPOINT_PAGES = 10_000  # SQLite: checkpoint the WAL every ~40 MB, not every ~4 MB (one push batch)
PG_LOCK_KEY = 7_243_001  # advisory lock: projection, change counter, catalogue, number blocks


class StoreUnavailable(Exception):
    """The database cannot be reached or is locked right now; try again later (HTTP 503)."""


def now_text() -> str:
    """The current UTC time as stored ("…+00:00", to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Database:
    """Connections, transactions and migrations of the central store."""

    def __init__(self, url: str):
        """Open the database at `url`, creating and migrating it if needed."""
        self.url = str(url)
        self.pg = self.url.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        if not self.pg:
            Path(self.url).parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    def _migrate(self) -> None:
        """Apply the schema migrations this database has not seen, each in its own transaction."""
        serial = "BIGSERIAL PRIMARY KEY" if self.pg else "INTEGER PRIMARY KEY"
        with self.tx(lock=True) as x:
            x.run("CREATE TABLE IF NOT EXISTS central_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = x.one("SELECT value FROM central_meta WHERE key = 'schema'")
        version = int(row[0]) if row else 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.tx(lock=True) as x:
                for stmt in filter(str.strip, script.replace("{serial}", serial).split(";")):
                    x.run(stmt)
                x.run("INSERT INTO central_meta (key, value) VALUES ('schema', ?) ON CONFLICT (key)"
                      " DO UPDATE SET value = excluded.value", [str(number)])

    @property
    def schema_version(self) -> int:
        """The number of migrations applied."""
        return int(self._read("SELECT value FROM central_meta WHERE key = 'schema'")[0][0])

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
            if not any(w in str(e) for w in ("locked", "busy", "unable to open", "disk I/O", "disk is full")):
                raise
            raise StoreUnavailable(f"central database busy: {e}") from e
        except Exception as e:
            if self.pg and _is_pg_operational(e):
                self.close()
                raise StoreUnavailable(f"central database unavailable: {e}") from e
            raise

    @contextmanager
    def tx(self, lock: bool = False) -> Iterator[Tx]:
        """One write transaction. `lock` also takes the global lock (SQLite: every write is global)."""
        with self._errors():
            conn = self._conn()
            if self.pg:
                with conn.transaction():
                    x = Tx(conn.cursor(), True)
                    if lock:
                        x.run("SELECT pg_advisory_xact_lock(?)", [PG_LOCK_KEY])
                    yield x
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn.cursor(), False)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params=()) -> list[tuple]:
        """One read-only statement outside an explicit transaction (a consistent snapshot)."""
        with self._errors():
            conn = self._conn()
            return Tx(conn.cursor(), self.pg).all(sql, params)


def is_unavailable(e: BaseException) -> bool:
    """Whether an error means the database could not answer (not that a statement was wrong)."""
    if isinstance(e, (StoreUnavailable, sqlite3.OperationalError)):
        return True
    try:
        return _is_pg_operational(e)
    except ImportError:
        return False


def _is_pg_operational(e: Exception) -> bool:
    import psycopg

    return isinstance(e, (psycopg.OperationalError, psycopg.InterfaceError))


class Tx:
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

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint: what fails inside is undone, the transaction goes on."""
        self.run("SAVEPOINT sp")
        try:
            yield
        except BaseException:
            self.run("ROLLBACK TO SAVEPOINT sp")
            self.run("RELEASE SAVEPOINT sp")
            raise
        self.run("RELEASE SAVEPOINT sp")
