"""Provincial leaders' accounts for the dashboard: passwords (scrypt), sessions, failed logins.

A password is kept as its scrypt hash (hashlib, a random salt per account); a session is a random
token whose SHA-256 is stored, valid for `SESSION_HOURS`. Failed logins are limited by the same
rule as the offices' staff logins (`office.policy.LOGINS`: per client address and per user name,
over rolling windows, kept in the database so a restart forgets nothing).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime

from central.access import hash_token
from central.db import now_text
from office.errors import InvalidInput, NotFound, Unauthorized
from office.policy import LOGINS

SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}  # ~16 MB and ~50 ms a check
SESSION_HOURS = 8
MIN_PASSWORD = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._\-]{1,49}")
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng"


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash` (base64) of a password."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    """Whether a password is the one a stored hash was made from (constant-time compare)."""
    _, n, r, p, salt, digest = stored.split("$")
    mine = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(mine, base64.b64decode(digest))


_DUMMY = hash_password(secrets.token_urlsafe(16))  # checked for unknown names: the same time as a real check


class Leaders:
    """Leaders, their sessions and the login limits. Mixed into CentralStore."""

    # the store interface office.policy.Throttle counts attempts with
    def attempt_at(self, kind: str, key: str, since: float, nth: int) -> float | None:
        """When the `nth` newest attempt after `since` happened (1 = the newest), or None."""
        rows = self._read("SELECT at FROM attempts WHERE kind = ? AND key = ? AND at > ? ORDER BY at DESC"
                          " LIMIT 1 OFFSET ?", [kind, key, since, nth - 1])
        return rows[0][0] if rows else None

    def add_attempts(self, kind: str, keys, at: float, keep_seconds: float) -> None:
        """Count one attempt at `at` against each key; forget those older than `keep_seconds`."""
        with self.tx() as x:
            x.many("INSERT INTO attempts (kind, key, at) VALUES (?, ?, ?)", [(kind, k, at) for k in keys])
            x.run("DELETE FROM attempts WHERE kind = ? AND at < ?", [kind, at - keep_seconds])

    def add_leader(self, username: str, name: str, password: str) -> None:
        """A new leader account (InvalidInput for a bad name, a short password or a taken name)."""
        if not USERNAME.fullmatch(username or ""):
            raise InvalidInput("username: 2–50 lower-case letters, digits, '.', '_' or '-'")
        if not name.strip() or len(name) > 200:
            raise InvalidInput("name: 1–200 characters")
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"password: at least {MIN_PASSWORD} characters")
        with self.tx() as x:
            if x.one("SELECT 1 FROM leaders WHERE username = ?", [username]):
                raise InvalidInput(f"leader {username} already exists")
            x.run("INSERT INTO leaders (username, name, password, created_at) VALUES (?, ?, ?, ?)",
                  [username, name.strip(), hash_password(password), now_text()])

    def remove_leader(self, username: str) -> None:
        """Remove a leader and end their sessions (NotFound if unknown)."""
        with self.tx() as x:
            if not x.run("DELETE FROM leaders WHERE username = ?", [username]).rowcount:
                raise NotFound(f"no leader {username}")
            x.run("DELETE FROM leader_sessions WHERE username = ?", [username])

    def leaders(self) -> list[tuple[str, str, str]]:
        """(username, name, created_at) of every leader."""
        return self._read("SELECT username, name, created_at FROM leaders ORDER BY username")

    def log_in(self, username: str, password: str, client: str, now: datetime | None = None) -> str:
        """A new session token for a leader's right password; Unauthorized otherwise, RateLimited
        after too many failures from this client or for this name."""
        now = now or datetime.now()
        keys = {"device": client or "?", "user": (username or "")[:60].lower()}
        LOGINS.check(self, keys, now)
        rows = self._read("SELECT password FROM leaders WHERE username = ?", [keys["user"]])
        if not password_matches(password or "", rows[0][0] if rows else _DUMMY) or not rows:
            LOGINS.count(self, keys, now)
            raise Unauthorized(WRONG)
        token = secrets.token_urlsafe(32)
        with self.tx() as x:
            x.run("DELETE FROM leader_sessions WHERE expires_at < ?", [time.time()])
            x.run("INSERT INTO leader_sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
                  [hash_token(token), keys["user"], now_text(), time.time() + SESSION_HOURS * 3600])
        return token

    def session_leader(self, token: str | None) -> tuple[str, str] | None:
        """(username, name) of a live session's leader, or None."""
        if not token or len(token) > 100:
            return None
        rows = self._read("SELECT l.username, l.name FROM leader_sessions s JOIN leaders l ON l.username = s.username"
                          " WHERE s.token_hash = ? AND s.expires_at > ?", [hash_token(token), time.time()])
        return tuple(rows[0]) if rows else None

    def log_out(self, token: str | None) -> None:
        """End a session."""
        if token:
            with self.tx() as x:
                x.run("DELETE FROM leader_sessions WHERE token_hash = ?", [hash_token(token)])
