"""Hub credentials (token and PIN hashes only, never the secrets): enrolled devices, staff PIN
hashes, staff sessions, and the audit log of full personal-data views."""
from __future__ import annotations

from datetime import datetime

from office.errors import Conflict
from office.store.base import StoreBase, _ts


class CredentialStore(StoreBase):
    """Devices, PIN hashes, sessions and the audit log. `set_pin_hash` checks the user with the
    catalogue's `staff_member` (both are parts of `Store`)."""

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

    def set_pin_hash(self, username: str, pin_hash: str, at: datetime) -> None:
        """Set a staff member's PIN hash and end their open sessions; NotFound for an unknown user."""
        self.staff_member(username)
        self.db.execute(
            "INSERT INTO staff_pins (username, pin_hash, set_at) VALUES (?, ?, ?)"
            " ON CONFLICT (username) DO UPDATE SET pin_hash = excluded.pin_hash, set_at = excluded.set_at",
            [username, pin_hash, _ts(at)])
        self.db.execute("UPDATE staff_sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL",
                        [_ts(at), username])

    def drop_pin(self, username: str, at: datetime) -> None:
        """Remove a staff member's PIN and end their open sessions (they left)."""
        self.db.execute("DELETE FROM staff_pins WHERE username = ?", [username])
        self.db.execute("UPDATE staff_sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL",
                        [_ts(at), username])

    def pin_hash(self, username: str) -> str | None:
        """The stored PIN hash of a staff member, or None when no PIN is set."""
        row = self._one("SELECT pin_hash FROM staff_pins WHERE username = ?", [username])
        return row["pin_hash"] if row else None

    def add_session(self, token_hash: str, username: str, device_id: int | None, at: datetime,
                    expires_at: datetime, counter_id: int | None = None) -> None:
        """Open a staff session on a device (None: a web browser), at a counter (None: not bound
        to one)."""
        self.db.execute(
            "INSERT INTO staff_sessions (token_hash, username, device_id, created_at, expires_at, counter_id)"
            " VALUES (?, ?, ?, ?, ?, ?)", [token_hash, username, device_id, _ts(at), _ts(expires_at), counter_id])

    def session(self, token_hash: str, device_id: int | None, now: datetime) -> dict | None:
        """The open, unexpired session with this token hash on this device (None: a web browser's),
        with the staff member's
        username, name, title, department, leader flag and the counter it is bound to."""
        return self._one(
            "SELECT s.username, st.name, st.title, st.department, st.leader, s.expires_at, s.counter_id"
            " FROM staff_sessions s JOIN staff st ON st.username = s.username AND st.active = 1"
            " WHERE s.token_hash = ? AND s.device_id IS ?"
            " AND s.ended_at IS NULL AND s.expires_at > ?", [token_hash, device_id, _ts(now)])

    def end_session(self, token_hash: str, device_id: int | None, at: datetime) -> None:
        """End a staff session opened on this device (None: a web browser) (log out)."""
        self.db.execute("UPDATE staff_sessions SET ended_at = ? WHERE token_hash = ? AND device_id IS ?"
                        " AND ended_at IS NULL", [_ts(at), token_hash, device_id])

    def add_audit(self, at: datetime, username: str | None, device_id: int | None, action: str,
                  target: str) -> None:
        """Append to the audit log (e.g. who saw a dossier's full ID number, from which device)."""
        self.db.execute("INSERT INTO audit_log (at, username, device_id, action, target) VALUES (?, ?, ?, ?, ?)",
                        [_ts(at), username, device_id, action, target])

    def audit_log(self, target: str | None = None, limit: int = 100) -> list[dict]:
        """Newest audit entries, optionally for one target."""
        where, params = ("WHERE target = ?", [target]) if target is not None else ("", [])
        return self._rows(f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ?", [*params, limit])
