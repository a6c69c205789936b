"""The office's guards, applied to every caller alike (embedded app or hub request): limits on
guessing (lookup secrets, PINs) and on device alerts, counted in the store over rolling windows,
and idempotent retries of mutations.

Rules over the store; no framework. `office.gateway` applies them per use case.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from office import codec
from office.errors import Conflict, RateLimited
from office.rules.codes import seal_secret
from office.store import Store

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86400, 7 * 86400


@dataclass(frozen=True)
class Limit:
    """At most `attempts` within any `seconds`."""

    attempts: int
    seconds: int


@dataclass(frozen=True)
class Throttle:
    """Attempts of one kind (failed lookups, failed PINs, device alerts) counted per key over
    rolling windows, kept in the store: a restart of the hub or an app forgets nothing, and every
    process on the store counts together.

    An attempt names one key per scope (e.g. the dossier code, the device, the whole office). It
    may go ahead while none of its keys has reached a limit of its scope; each counted attempt
    leaves every window on its own, so a lock ends by itself as soon as the window has room again
    (no escalation: ordinary mistakes never lock anything for long). A success never clears the
    count, so an attacker holding one valid answer cannot interleave it to keep guessing.
    """

    kind: str
    limits: Mapping[str, tuple[Limit, ...]]
    message: str  # shown when locked; "{wait}" becomes e.g. "10 phút"

    def wait(self, store: Store, keys: Mapping[str, str], now: datetime) -> float:
        """Seconds until an attempt with these keys may go ahead (0: now)."""
        t, until = now.timestamp(), 0.0
        for scope, key in keys.items():
            for limit in self.limits.get(scope, ()):
                oldest = store.attempt_at(self.kind, f"{scope}:{key}", t - limit.seconds, limit.attempts)
                if oldest is not None:
                    until = max(until, oldest + limit.seconds)
        return max(0.0, until - t)

    def check(self, store: Store, keys: Mapping[str, str], now: datetime) -> None:
        """RateLimited (with the wait, in words and seconds) while any key is at a limit."""
        wait = self.wait(store, keys, now)
        if wait > 0:
            raise RateLimited(self.message.format(wait=wait_words(wait)), wait)

    def count(self, store: Store, keys: Mapping[str, str], now: datetime) -> None:
        """Count one attempt against every key (inside `store.write()`); forgets what is older
        than the longest window."""
        longest = max(limit.seconds for limits in self.limits.values() for limit in limits)
        store.add_attempts(self.kind, [f"{scope}:{key}" for scope, key in keys.items() if scope in self.limits],
                           now.timestamp(), keep_seconds=longest)


def wait_words(seconds: float) -> str:
    """A wait as people say it: "40 giây", "10 phút", "3 giờ"."""
    if seconds < MINUTE:
        return f"{math.ceil(seconds)} giây"
    if seconds < HOUR:
        return f"{math.ceil(seconds / MINUTE)} phút"
    return f"{math.ceil(seconds / HOUR)} giờ"


TYPED_LOOKUPS = Throttle("lookup.typed", {
    "code": (Limit(5, DAY),),
    "device": (Limit(10, 10 * MINUTE),),
    "office": (Limit(60, DAY), Limit(200, WEEK)),
}, "Đã nhập sai mã tra cứu nhiều lần. Vui lòng quét mã QR trên giấy tiếp nhận, hỏi cán bộ "
   "tại quầy, hoặc thử lại sau {wait}")
SCANNED_LOOKUPS = Throttle("lookup.scanned", {
    "code": (Limit(3, DAY),),
    "device": (Limit(5, HOUR),),
    "office": (Limit(20, DAY), Limit(50, WEEK)),
}, "Không tra cứu được bằng mã QR này. Vui lòng hỏi cán bộ tại quầy, hoặc thử lại sau {wait}")
LOGINS = Throttle("login", {
    "device": (Limit(5, 15 * MINUTE), Limit(20, DAY)),
    "user": (Limit(10, HOUR), Limit(30, DAY)),
}, "Đăng nhập sai nhiều lần; vui lòng thử lại sau {wait}")
ALERTS = Throttle("alert", {
    "problem": (Limit(1, 10 * MINUTE),),
    "device": (Limit(12, HOUR),),
}, "Thiết bị đã báo sự cố nhiều lần; cán bộ đã được báo, vui lòng thử lại sau {wait}")


@dataclass
class Guards:
    """The limits one office puts on guessing and on alerts, the same for every caller (embedded
    app or hub request); their counts live in the store.

    Kiosk lookups (dossier code + 6-digit secret, 10⁶ possibilities). A lookup typed on the keypad
    and one read from the receipt's QR count apart (the kiosk says which): citizens' typos never
    block a scan, and honest scans never fail (the QR carries the right secret), so the scanned
    limits are tight. Each channel limits failures per dossier code, per kiosk and office-wide:

    - typed: 5 a day per code, 10 per 10 minutes per kiosk (a run of typos pauses typing at that
      kiosk for at most 10 minutes, never hours), 60 a day and 200 a week office-wide;
    - scanned: 3 a day per code, 5 an hour per kiosk, 20 a day and 50 a week office-wide.

    Brute force: every failed guess, at any kiosk, on any code, spends one unit of an office-wide
    budget of at most 200 + 50 = 250 a week, about 13,000 a year. Each guess hits with probability
    at most 1/10⁶ (secrets are uniform and independent per dossier; spreading guesses over many
    codes gains nothing), so a non-stop attack finds one secret with probability ≤ 13,000/10⁶ ≈
    1.3 % a year (expected wait ≈ 77 years), and a chosen dossier's secret (5 + 3 guesses a day)
    with ≤ 0.3 % a year — and it only reveals a masked name and a status. The price: while an
    attacker keeps an office budget spent, typed (or scanned) lookups wait office-wide; the other
    channel and the counters keep working.

    Staff PINs (10⁶ or more): 5 failures per 15 minutes and 20 a day per device, 10 an hour and
    30 a day per user name. One device can therefore lock out at most 2 officers a day, each for at
    most an hour (never everyone), and one user's PIN faces at most 30 guesses a day from all devices together:
    ≤ 1.1 % a year for a 6-digit PIN.

    Device alerts: the same problem from one device is broadcast at most once per 10 minutes (a
    repeat is absorbed: staff already know); a device sends at most 12 alerts an hour.
    """

    typed_lookups: Throttle = TYPED_LOOKUPS
    scanned_lookups: Throttle = SCANNED_LOOKUPS
    logins: Throttle = LOGINS
    alerts: Throttle = ALERTS
    _serial: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _mutex: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def serial(self, key: str) -> threading.Lock:
        """A lock to take one attempt at a time per key in this process (PIN checks run outside
        a store transaction: they are slow)."""
        with self._mutex:
            return self._serial.setdefault(key, threading.Lock())


def request_digest(name: str, arguments: dict) -> str:
    """A digest of one use-case request, to tell a retry from another request under the same key."""
    text = json.dumps([name, codec.encode(arguments)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def once(store: Store, key: str, name: str, arguments: dict, run: Callable[[], Any], now: datetime,
         result_type: Any) -> Any:
    """Run a mutation at most once per idempotency key, in one transaction with its stored answer:
    a retry gets the stored answer back (as `result_type`); the same key with another request is
    a Conflict. A request that changed nothing is not remembered: its retry simply runs again, and
    nothing is written to disk for it. A lookup secret in the answer (a received dossier) is stored
    sealed with the store's lookup key, never in clear."""
    digest = request_digest(name, arguments)
    with store.write():
        done = store.idempotent_result(key, name)
        if done is not None:
            if done.get("request") != digest:
                raise Conflict("Khóa chống trùng (Idempotency-Key) đã dùng cho một yêu cầu khác")
            body = done["body"]
            if isinstance(body, dict) and body.get("secret"):
                body["secret"] = seal_secret(store.lookup_key, key, body["secret"], unseal=True)
            return codec.decode(result_type, body)
        changes = store.changes()
        result = run()
        if store.changes() == changes:  # e.g. a call when nobody waits
            return result
        body = codec.encode(result)
        if isinstance(body, dict) and body.get("secret"):
            body["secret"] = seal_secret(store.lookup_key, key, body["secret"])
        store.remember_result(key, name, {"request": digest, "body": body}, now)
    return result
