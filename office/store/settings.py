"""The office's own settings: the configuration saved by `office init` / `office apply` (and a
revision every process watches) and the kiosk admin PIN hash."""
from __future__ import annotations

import json
from datetime import datetime

from office.store.base import StoreBase, _ts

CONFIG, REVISION = "config", "revision"


class SettingsStore(StoreBase):
    """Saved configuration and secrets (hashes only)."""

    def settings_revision(self) -> int:
        """Bumped by every change of the saved configuration."""
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

    def secret_hash(self, name: str) -> str | None:
        """The stored hash of an office secret (e.g. "kiosk_admin_pin"), or None when unset."""
        row = self._one("SELECT hash FROM office_secrets WHERE name = ?", [name])
        return row["hash"] if row else None

    def set_secret_hash(self, name: str, value: str, at: datetime) -> None:
        """Store the hash of an office secret."""
        self.db.execute("INSERT INTO office_secrets (name, hash, set_at) VALUES (?, ?, ?) ON CONFLICT (name)"
                        " DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at", [name, value, _ts(at)])
