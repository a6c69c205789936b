"""Sync with the central system: checkpoints and cursors, pulled updates already applied (the
inbox, with their outcome), dossier-number blocks leased to this office, and the calendar days
stored on top of the national calendar (published centrally or added by the office)."""
from __future__ import annotations

from datetime import date, datetime

from office.model import CalendarDay
from office.store.base import StoreBase, _ts

PUSH_CHECKPOINT = "push_checkpoint"  # sync value: every event up to this seq is held centrally


class SyncStateStore(StoreBase):
    """Sync values, the inbox of pulled updates, number blocks and the central calendar."""

    def sync_value(self, key: str, default: str | None = None) -> str | None:
        """A sync checkpoint or cursor (e.g. "push_checkpoint", "pull_cursor")."""
        row = self._one("SELECT value FROM sync_state WHERE key = ?", [key])
        return row["value"] if row else default

    def pushed_up_to(self) -> int:
        """The push checkpoint: the seq of the last change-log event the central system holds."""
        return int(self.sync_value(PUSH_CHECKPOINT, "0"))

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
        self._calendar_changed()

    def save_office_calendar_day(self, day: date, kind: str, reason: str, added_by: str, at: datetime) -> None:
        """Record an official calendar change the office added itself (inside `write()`)."""
        self.db.execute("INSERT INTO office_calendar (day, kind, reason, added_by, added_at) VALUES (?, ?, ?, ?, ?)"
                        " ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, reason = excluded.reason,"
                        " added_by = excluded.added_by, added_at = excluded.added_at",
                        [day.isoformat(), kind, reason, added_by, _ts(at)])
        self._calendar_changed()

    def _calendar_changed(self) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES ('calendar_version', '1') ON CONFLICT (key)"
                        " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)")

    def calendar_version(self) -> str:
        """Changes whenever a calendar day is saved (so every process sees new days at once)."""
        row = self._one("SELECT value FROM meta WHERE key = 'calendar_version'")
        return row["value"] if row else "0"

    def calendar_days(self) -> list[CalendarDay]:
        """Stored calendar changes, office ones first where both name a day, by date."""
        rows = self._rows("SELECT day, kind, reason, 'office' AS source, added_by FROM office_calendar"
                          " UNION ALL SELECT day, kind, reason, 'central', '' FROM central_calendar"
                          " WHERE day NOT IN (SELECT day FROM office_calendar) ORDER BY day")
        return [CalendarDay(date.fromisoformat(r["day"]), r["kind"], r["reason"], r["source"], r["added_by"])
                for r in rows]

    def central_calendar(self) -> tuple[dict[date, str], set[date]]:
        """Stored calendar overrides (the office's own win over the central system's): (days off with
        reasons, extra working days)."""
        days = self.calendar_days()
        return ({d.day: d.reason for d in days if d.kind == "day_off"},
                {d.day for d in days if d.kind == "working_day"})
