"""The office's guards, applied to every caller alike (embedded app or hub request): lockouts
against guessing, and idempotent retries of mutations.

Pure rules over the store; no framework. `office.gateway` applies them per use case.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from office import codec
from office.errors import Conflict, RateLimited
from office.store import Store


class Lockout:
    """Counts failed attempts per key (a device, a user name) and locks the key out.

    `max_failures` failures within `window` seconds lock the key for `base_lock` seconds; each
    further lock doubles (up to `max_lock`). A success never resets the count, so an attacker
    holding one valid code cannot interleave it to keep guessing. With the defaults a device gets
    about 5 guesses a minute at first and 5 a day after a dozen lockouts: finding a 6-digit
    secret would take centuries.
    """

    def __init__(self, max_failures: int = 5, window: float = 60.0, base_lock: float = 60.0,
                 max_lock: float = 86400.0, clock: Callable[[], float] = time.monotonic):
        """Defaults: 5 failures a minute, then 1 min, 2 min, 4 min … up to a day."""
        self.max_failures, self.window = max_failures, window
        self.base_lock, self.max_lock = base_lock, max_lock
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locks: dict[str, tuple[int, float]] = {}  # key → (locks so far, locked until)
        self._mutex = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again (0 when it may try now)."""
        with self._mutex:
            return max(0.0, self._locks.get(key, (0, 0.0))[1] - self.clock())

    def failed(self, key: str) -> None:
        """Record a failed attempt; locks the key when there were too many."""
        with self._mutex:
            now = self.clock()
            locks, until = self._locks.get(key, (0, 0.0))
            if locks and now - until > self.max_lock:  # a long quiet time forgives old lockouts
                locks = 0
            recent = [t for t in self._failures.get(key, []) if now - t < self.window] + [now]
            if len(recent) >= self.max_failures:
                locks += 1
                self._locks[key] = (locks, now + min(self.base_lock * 2 ** (locks - 1), self.max_lock))
                recent = []
            elif locks:
                self._locks[key] = (locks, until)
            self._failures[key] = recent

    def raise_if_locked(self, key: str) -> None:
        """RateLimited (with the seconds to wait) while `key` is locked out."""
        wait = self.retry_after(key)
        if wait > 0:
            raise RateLimited(f"Thử sai quá nhiều lần; vui lòng thử lại sau {math.ceil(wait)} giây", wait)

    @contextmanager
    def guard(self, key: str, failure: type[Exception]) -> Iterator[None]:
        """One attempt at a time per key: RateLimited while locked out; a `failure` raised inside
        counts as a failed attempt."""
        with self._mutex:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            self.raise_if_locked(key)
            try:
                yield
            except failure:
                self.failed(key)
                raise


@dataclass
class Guards:
    """The lockouts one office shares between all its callers: lookups per device, PIN logins per
    device and per user name. Defaults: 5 failures a minute, then doubling locks up to a day."""

    lookups: Lockout = field(default_factory=Lockout)
    logins: Lockout = field(default_factory=Lockout)


def request_digest(name: str, arguments: dict) -> str:
    """A digest of one use-case request, to tell a retry from another request under the same key."""
    text = json.dumps([name, codec.encode(arguments)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def once(store: Store, key: str, name: str, arguments: dict, run: Callable[[], Any], now: datetime,
         result_type: Any) -> Any:
    """Run a mutation at most once per idempotency key, in one transaction with its stored answer:
    a retry gets the stored answer back (as `result_type`); the same key with another request is
    a Conflict."""
    digest = request_digest(name, arguments)
    with store.write():
        done = store.idempotent_result(key, name)
        if done is not None:
            if done.get("request") != digest:
                raise Conflict("Khóa chống trùng (Idempotency-Key) đã dùng cho một yêu cầu khác")
            return codec.decode(result_type, done["body"])
        result = run()
        store.remember_result(key, name, {"request": digest, "body": codec.encode(result)}, now)
    return result
