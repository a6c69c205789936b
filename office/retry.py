"""The one retry policy of every client of a remote office system (the hub client, office sync,
the national-portal export): exponential backoff with full jitter, honouring Retry-After.

Pure: no I/O. Each client's own loop asks `Backoff.delay()` how long to wait before the next
attempt and `retry_after_seconds()` what the server asked for; only requests that are safe to
repeat (reads, or mutations carrying an idempotency key) are ever retried.
"""
from __future__ import annotations

import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

# statuses worth trying again later: timeout, overload, server or proxy failure
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class Backoff:
    """`attempts` tries of one request; before try n+1 wait a random time in
    [0, min(cap, base·2ⁿ)] (full jitter), or longer when the server said Retry-After."""

    base: float = 0.2
    cap: float = 10.0
    attempts: int = 3
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (0-based)."""
        return max(self.rng.random() * min(self.cap, self.base * 2 ** attempt), retry_after or 0.0)


def retry_after_seconds(value: str | None,
                        now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())
