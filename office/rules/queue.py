"""Pure queue rules: ticket numbers, priority ratio, wait estimates (DESIGN.md §3.4)."""
from __future__ import annotations

import math


def ticket_number(prefix: str, sequence: int) -> str:
    """`A` + 7 → `A007`; at least three digits, more when needed."""
    return f"{prefix}{sequence:03d}"


def choose_class(priority_waiting: bool, normal_waiting: bool, normal_streak: int,
                 ratio: int) -> str | None:
    """Which class the next call serves: "priority", "normal" or None when nobody waits.

    `ratio` N means: when both classes wait, at least every N-th call goes to a priority
    ticket (N=1: priority always first). `normal_streak` is how many normal tickets this
    counter called since its last priority call.
    """
    if priority_waiting and (not normal_waiting or normal_streak >= ratio - 1):
        return "priority"
    if normal_waiting:
        return "normal"
    return "priority" if priority_waiting else None


def estimate_wait_minutes(people_ahead: int, open_counters: int, service_minutes: float) -> int:
    """Estimated wait: people ahead shared over the open counters, times the mean service time."""
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead * service_minutes / max(open_counters, 1))
