"""The office's own settings: the configuration saved by `office init` / `office apply` (and a
revision every process watches), the office's calendar days, and the kiosk admin PIN hash."""
from __future__ import annotations

import json
from datetime import date, datetime

from office.model import CalendarDay
from office.store.base import StoreBase, _ts

CONFIG, REVISION = "config", "revision"


class SettingsStore(StoreBase):
    """Saved configuration, office calendar days, secrets (hashes only)."""

    def settings_revision(self) -> int:
        """Bumped by every change of the saved configuration or the office calendar."""
        row = self._one("SELECT value FROM office_settings WHERE key = ?", [REVISION])
        return int(row["value"]) if row else 0

    def saved_config(self) -> dict | None:
        """The configuration saved in the store (TOML-shaped), or None before `office init`."""
        row = self._one("SELECT value FROM office_settings WHERE key = ?", [CONFIG])
        return json.loads(row["value"]) if row else None

    def save_config(self, data: dict, at: datetime) -> None:
        """Save the configuration (inside `write()`); every process reloads it."""
        self._set(CONFIG, json.dumps(data, ensure_ascii=False, sort_keys=True), at)
        self.bump_settings(at)

    def bump_settings(self, at: datetime) -> None:
        """Tell every process the settings changed (inside `write()`)."""
        self._set(REVISION, str(self.settings_revision() + 1), at)

    def _set(self, key: str, value: str, at: datetime) -> None:
        self.db.execute("INSERT INTO office_settings (key, value, set_at) VALUES (?, ?, ?) ON CONFLICT (key)"
                        " DO UPDATE SET value = excluded.value, set_at = excluded.set_at", [key, value, _ts(at)])

    def office_calendar(self) -> tuple[dict[date, str], set[date]]:
        """The office's own calendar days: (days off with reasons, extra working days)."""
        days = self.calendar_days()
        return ({d.day: d.reason for d in days if d.kind == "day_off"},
                {d.day for d in days if d.kind == "working_day"})

    def calendar_days(self) -> list[CalendarDay]:
        """The office's own calendar days, by date."""
        return [CalendarDay(date.fromisoformat(r["day"]), r["kind"], r["reason"])
                for r in self._rows("SELECT day, kind, reason FROM office_calendar ORDER BY day")]

    def set_calendar_day(self, day: CalendarDay, by: str, at: datetime) -> None:
        """Declare a day off or a working day (replacing what the office said of that day)."""
        self.db.execute("INSERT INTO office_calendar (day, kind, reason, set_at, set_by) VALUES (?, ?, ?, ?, ?)"
                        " ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, reason = excluded.reason,"
                        " set_at = excluded.set_at, set_by = excluded.set_by",
                        [day.day.isoformat(), day.kind, day.reason, _ts(at), by])
        self.bump_settings(at)

    def clear_calendar_day(self, day: date, at: datetime) -> bool:
        """Forget what the office said of a day (the national calendar applies again)."""
        gone = self.db.execute("DELETE FROM office_calendar WHERE day = ?", [day.isoformat()]).rowcount
        self.bump_settings(at)
        return bool(gone)

    def secret_hash(self, name: str) -> str | None:
        """The stored hash of an office secret (e.g. "kiosk_admin_pin"), or None when unset."""
        row = self._one("SELECT hash FROM office_secrets WHERE name = ?", [name])
        return row["hash"] if row else None

    def set_secret_hash(self, name: str, value: str, at: datetime) -> None:
        """Store the hash of an office secret."""
        self.db.execute("INSERT INTO office_secrets (name, hash, set_at) VALUES (?, ?, ?) ON CONFLICT (name)"
                        " DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at", [name, value, _ts(at)])
