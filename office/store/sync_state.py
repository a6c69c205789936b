"""Sync with the central system: checkpoints and cursors, pulled updates already applied (the
inbox, with their outcome), dossier-number blocks leased to this office, central calendar days,
and the key of the lookup-secret hashes that leave the office."""
from __future__ import annotations

from datetime import date, datetime

from office.store.base import StoreBase, _ts


class SyncStateStore(StoreBase):
    """Sync values, the inbox of pulled updates, number blocks and the central calendar."""

    def sync_value(self, key: str, default: str | None = None) -> str | None:
        """A sync checkpoint or cursor (e.g. "push_checkpoint", "pull_cursor")."""
        row = self._one("SELECT value FROM sync_state WHERE key = ?", [key])
        return row["value"] if row else default

    def set_sync_value(self, key: str, value: str) -> None:
        """Save a sync checkpoint or cursor; inside `write()` with what it covers."""
        self.db.execute("INSERT INTO sync_state (key, value) VALUES (?, ?)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])

    def lookup_key(self) -> bytes:
        """The office's 32-byte key of the lookup-secret hashes in change-log events (created by
        migration m020; it never leaves the office)."""
        return bytes.fromhex(self.sync_value("lookup_key"))

    def inbox_outcome(self, update_id: str) -> str | None:
        """How a pulled central update was handled ("applied", "conflict"…), None if never seen."""
        row = self._one("SELECT outcome FROM sync_inbox WHERE update_id = ?", [update_id])
        return row["outcome"] if row else None

    def record_inbox(self, update_id: str, kind: str, outcome: str, detail: str, at: datetime) -> None:
        """Remember a pulled central update and its outcome (inside `write()`, with its effects)."""
        self.db.execute("INSERT INTO sync_inbox (update_id, kind, outcome, detail, applied_at)"
                        " VALUES (?, ?, ?, ?, ?)", [update_id, kind, outcome, detail, _ts(at)])

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
