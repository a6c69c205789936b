"""The dossier status page on the central server: a citizen's phone opens the receipt's QR
(`<public_url>/tra-cuu#<code>.<secret>`, the office's `public_url` is this server) and sees what the
kiosk shows, as of the office's last sync, with the steps the departments have recorded since.

How the central checks a secret. It keeps only the office's `secret_hash` of each dossier,
HMAC-SHA256(office lookup key, "code|secret") (office.rules.codes.secret_hash). So each office sends
its lookup key, over its authenticated sync channel (`PUT /v1/lookup-key` with the office's token,
by `SyncClient` once per store), and the central keeps the keys in one file outside the database,
mode 0600 (`LookupKeys`, `central serve --lookup-keys FILE`): a database dump, replica or backup
alone still cannot test a single secret. An office cannot change its key once sent (the answer is
409: a restored office keeps its key file; a new key needs the administrator to remove the old
line), so a stolen office token cannot make its receipts unreadable or readable to others.

Guesses are limited here too, as on the kiosk (`Guesses`, in memory: a restart forgets them):
5 wrong secrets a day per dossier code, 10 per 10 minutes per client address, 2,000 a day in all.
"""
from __future__ import annotations

import hmac
import json
import logging
import math
import os
import re
import threading
import time
from collections import deque
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from central.access import AuthError
from central.projection import local_time
from central.store import CentralStore
from office.config import OfficeConfig
from office.errors import NotFound, RateLimited
from office.model import DossierStatus
from office.rules.calendar import WorkCalendar, WorkingHours
from office.rules.codes import check_secret, parse_dossier_code, secret_hash
from office.rules.public_view import public_view
from sync.protocol import ProtocolError
from web import status

log = logging.getLogger("central")
KEY_PATH = "/v1/lookup-key"
KEY_BODY = re.compile(r'\s*\{\s*"key"\s*:\s*"([0-9a-f]{64})"\s*\}\s*', re.ASCII)
LOOKUP_FAILED = "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này"
LIMITS = {"code": (5, 86400), "client": (10, 600), "all": (2000, 86400)}  # wrong secrets per window (s)
CLOSED = {DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED, DossierStatus.DONE,
          DossierStatus.RETURNED}


class LookupKeys:
    """Each office's lookup key, in a JSON file {office_id: hex key} of mode 0600."""

    def __init__(self, path: str | Path):
        """Keys kept in `path` (created on the first key)."""
        self.path = Path(path)
        self._lock = threading.Lock()

    def _all(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get(self, office_id: str) -> bytes | None:
        """The office's key, or None if it has not sent one."""
        key = self._all().get(office_id)
        return bytes.fromhex(key) if key else None

    def put(self, office_id: str, key: bytes) -> bool:
        """Keep an office's key; True if new, False if the same key was kept already. A different
        key for the office raises ValueError."""
        with self._lock:
            keys = self._all()
            if keys.get(office_id) == key.hex():
                return False
            if office_id in keys:
                raise ValueError("a different lookup key is kept for this office")
            keys[office_id] = key.hex()
            temporary = self.path.with_name(self.path.name + ".tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                json.dump(keys, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
            return True


class Guesses:
    """Wrong secrets counted per dossier code, per client and in all, over sliding windows."""

    def __init__(self, limits: dict[str, tuple[int, float]] = LIMITS, clock=time.monotonic):
        """`limits`: kind → (failures allowed, window in seconds)."""
        self.limits, self.clock = limits, clock
        self._seen: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def check(self, keys: dict[str, str]) -> None:
        """RateLimited while any of `keys` (kind → value) has used up its failures."""
        now = self.clock()
        with self._lock:
            for kind, value in keys.items():
                allowed, window = self.limits[kind]
                seen = self._seen.get((kind, value), deque())
                while seen and seen[0] <= now - window:
                    seen.popleft()
                if len(seen) >= allowed:
                    wait = seen[0] + window - now
                    raise RateLimited(f"Đã nhập sai mã tra cứu nhiều lần; vui lòng thử lại sau "
                                      f"{math.ceil(wait / 60)} phút", wait)

    def count(self, keys: dict[str, str]) -> None:
        """One more failure for each of `keys`."""
        now = self.clock()
        with self._lock:
            for kind, value in keys.items():
                self._seen.setdefault((kind, value), deque()).append(now)


class CentralLookup:
    """The public view of a dossier from the central store, behind code + secret."""

    def __init__(self, store: CentralStore, keys: LookupKeys | None, guesses: Guesses | None = None):
        """`keys` None: no key file configured, so no lookup can be checked (Unavailable words)."""
        self.store, self.keys, self.guesses = store, keys, guesses or Guesses()
        self.calendar = WorkCalendar(WorkingHours(OfficeConfig().working_sessions))

    def lookup(self, code: str, secret: str, client: str):
        """(view, as of) for a right code + secret; NotFound for a wrong one (counted), RateLimited."""
        code, secret = str(parse_dossier_code(code)), check_secret(secret)
        limited = {"code": code, "client": client, "all": "all"}
        self.guesses.check(limited)
        rows = self.store._read("SELECT office_id, status, data FROM dossiers WHERE code = ?", [code])
        data = json.loads(rows[0][2]) if rows else {}
        key = self.keys.get(rows[0][0]) if rows and self.keys else None
        kept = data.get("secret_hash") or ""
        if not (key and hmac.compare_digest(secret_hash(key, code, secret).encode(), kept.encode())):
            self.guesses.count(limited)
            self.guesses.check(limited)  # the guess that locks says so at once
            raise NotFound(LOOKUP_FAILED)
        return self._view(code, rows[0][0], DossierStatus(rows[0][1]), data)

    def _view(self, code: str, office_id: str, now_status: DossierStatus, data: dict):
        steps = self.store._read("SELECT at, department, role, status FROM steps WHERE code = ? ORDER BY id", [code])
        last = self.store._read("SELECT at FROM events WHERE office_id = ? ORDER BY seq DESC LIMIT 1", [office_id])
        procedure = self.store.procedure(data["procedure_code"], data["procedure_version"]) or {}
        due = _moment(data["due_at"])
        finished = _moment(steps[-1][0]) if steps and now_status in CLOSED else None
        now = local_time(datetime.now().astimezone())
        timeliness = self.calendar.timeliness(due, finished or now, finished)
        view = public_view(code, data["applicant"]["name"], procedure.get("name", data["procedure_code"]),
                           now_status, _moment(data["received_at"]), due, timeliness,
                           ((_moment(at), dep, role, DossierStatus(s)) for at, dep, role, s in steps),
                           self.store.office_name(office_id) or "Bộ phận Một cửa")
        return view, (_moment(last[0][0]) if last else None)


def _moment(text: str) -> datetime:
    return local_time(datetime.fromisoformat(text))


def install(app: FastAPI, store: CentralStore, keys_path: str | Path | None) -> None:
    """Add the status page (`/tra-cuu`) and the offices' key upload (`PUT /v1/lookup-key`)."""
    keys = LookupKeys(keys_path) if keys_path else None
    central = CentralLookup(store, keys)

    async def lookup(request: Request, code: str, secret: str, scanned: bool):
        client = request.client.host if request.client else "unknown"
        return await run_in_threadpool(central.lookup, code, secret, client)

    status.install(app, lookup, central=True)

    @app.put(KEY_PATH, include_in_schema=False)
    async def lookup_key(request: Request) -> dict:
        """An office's lookup key (`{"key": "<64 hex digits>"}`), sent with its office token."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            raise AuthError("unauthorized", "missing bearer token")
        who = await run_in_threadpool(store.authenticate, token.strip())
        if who.kind != "office":
            raise ProtocolError("forbidden", f"a {who.kind} token cannot send a lookup key", 403)
        if keys is None:
            raise ProtocolError("no_key_file", "this central server keeps no lookup keys "
                                "(central serve --lookup-keys FILE)", 501)
        body = await request.body()
        sent = KEY_BODY.fullmatch(body.decode("ascii", "replace")) if len(body) < 200 else None
        if sent is None:
            raise ProtocolError("invalid_input", 'the body must be {"key": "<64 hex digits>"}', 422)
        try:
            new = await run_in_threadpool(keys.put, who.subject, bytes.fromhex(sent.group(1)))
        except ValueError as e:
            raise ProtocolError("key_conflict", str(e), 409) from None
        if new:
            log.info("lookup key of office %s kept", who.subject)
        return {"ok": True}
