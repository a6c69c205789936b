"""Attempts counted against the office's limits (failed lookups and PINs, device alerts): one row
per key and attempt, so a restart forgets nothing and every process on the store counts together.
The rules (which keys, which windows) are `office.policy.Throttle`'s."""
from __future__ import annotations

from collections.abc import Iterable

from office.store.base import StoreBase


class AttemptStore(StoreBase):
    """Counted attempts per (kind, key), with their time in epoch seconds."""

    def add_attempts(self, kind: str, keys: Iterable[str], at: float, keep_seconds: float) -> None:
        """Count one attempt at `at` against each key, and forget attempts of this kind older than
        `keep_seconds` (inside `write()`)."""
        self.db.conn.executemany("INSERT INTO attempts (kind, key, at) VALUES (?, ?, ?)",
                                 [(kind, key, at) for key in keys])
        self.db.execute("DELETE FROM attempts WHERE kind = ? AND at < ?", [kind, at - keep_seconds])

    def attempt_at(self, kind: str, key: str, since: float, nth: int) -> float | None:
        """When the `nth` newest attempt after `since` happened (1 = the newest), or None when
        there were fewer than `nth`."""
        row = self._one("SELECT at FROM attempts WHERE kind = ? AND key = ? AND at > ?"
                        " ORDER BY at DESC LIMIT 1 OFFSET ?", [kind, key, since, nth - 1])
        return row["at"] if row else None
