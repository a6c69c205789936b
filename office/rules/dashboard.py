"""The live queue as an office head watches it (pure): per service and per counter, from today's
tickets at one instant. Waits and no-shows over the day are `office.rules.reports.queue_stats`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from office.model import Counter, Service, Ticket, TicketState

T = TicketState
AT_COUNTER = (T.CALLED, T.SERVING)


def minutes_since(start: datetime, now: datetime) -> int:
    """Whole minutes from `start` to `now` (0 when `start` is later)."""
    return max(0, int((now - start).total_seconds() // 60))


def live_services(tickets: Iterable[Ticket], services: Iterable[Service], now: datetime) -> list[dict]:
    """Per open service: waiting, called and serving tickets now, the numbers at counters, and
    the longest wait of a ticket still waiting (minutes since it was issued, None when nobody waits)."""
    tickets = list(tickets)
    out = []
    for s in services:
        mine = [t for t in tickets if t.service_code == s.code]
        waiting = [t for t in mine if t.state == T.WAITING]
        out.append({"code": s.code, "name": s.name, "prefix": s.prefix, "waiting": len(waiting),
                    "called": sum(t.state == T.CALLED for t in mine),
                    "serving": sum(t.state == T.SERVING for t in mine),
                    "at_counters": [t.number for t in mine if t.state in AT_COUNTER],
                    "longest_wait_minutes": max((minutes_since(t.issued_at, now) for t in waiting), default=None)})
    return out


def live_counters(tickets: Iterable[Ticket], counters: Iterable[Counter], names: dict[str, str],
                  now: datetime) -> list[dict]:
    """Per open counter: paused (with its reason), calling or serving a number (since when, by
    whom: `names` maps a login to a full name), or free; and today's served tickets and no-shows."""
    tickets = list(tickets)
    out = []
    for c in counters:
        mine = [t for t in tickets if t.counter_id == c.id]
        current = next((t for t in mine if t.state in AT_COUNTER), None)
        state = "paused" if c.paused_reason is not None else current.state.value if current else "free"
        since = (current.served_at or current.called_at) if current else None
        out.append({"id": c.id, "name": c.name, "services": list(c.services), "state": state,
                    "paused_reason": c.paused_reason, "number": current.number if current else None,
                    "minutes": minutes_since(since, now) if since else None,
                    "staff": names.get(current.staff or "", current.staff or "") if current else "",
                    "served": sum(t.state == T.DONE for t in mine),
                    "no_shows": sum(t.state == T.NO_SHOW for t in mine)})
    return out
