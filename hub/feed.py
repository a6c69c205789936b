"""The realtime board feed: Server-Sent Events replayed from the store's change log.

A board without a position gets a snapshot (called tickets, paused counters, waiting counts),
then every board event (ticket called/recalled/finished, counter paused/resumed, device alerts)
numbered by the change log, so a board reconnecting with `Last-Event-ID` gets exactly what it
missed. Numbers and counters only, never a name.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from office import codec
from office.model import TicketState
from office.service import OfficeService

FEED_POLL_S = 0.5  # also picks up writes made by other processes on the same store file
FEED_BATCH = 500
HEARTBEAT_S = 10.0
BOARD_ENTITIES = ("ticket", "counter", "device")
BOARD_TICKET_FIELDS = ("id", "number", "service_code", "day", "state", "counter_id", "target_counter_id", "calls")


class Feed:
    """Board events of one office store; `changed()` (on the event loop) wakes every stream."""

    def __init__(self, service: OfficeService):
        """Follow `service`'s store and clock."""
        self.service = service
        self.store = service.store
        self.stopping = False
        self._changed = asyncio.Event()

    def snapshot(self) -> tuple[int, dict]:
        """(change-log position, what a board shows now): called tickets, paused counters, waiting."""
        today = self.service.clock().date()
        with self.store.read():
            seq = self.store.last_event_seq()
            active = self.store.tickets(today, [TicketState.CALLED, TicketState.SERVING])
            counters = self.store.counters()
            waiting = self.store.waiting_counts(today)
        return seq, {"called": [_board_ticket(codec.encode(t)) for t in active],
                     "paused": [{"counter_id": c.id, "reason": c.paused_reason}
                                for c in counters if c.paused_reason is not None],
                     "waiting": waiting}

    def events(self, cursor: int) -> tuple[list[tuple[int, str, dict]], int, dict | None]:
        """Board events after `cursor`: (events, new cursor, waiting counts if tickets changed)."""
        today = self.service.clock().date()
        with self.store.read():
            last = self.store.last_event_seq()
            rows = self.store.entity_events(cursor, last, BOARD_ENTITIES, FEED_BATCH)
            complete = len(rows) < FEED_BATCH
            tickets_moved = any(r["entity"] == "ticket" for r in rows)
            waiting = self.store.waiting_counts(today) if complete and tickets_moved else None
        events = [(r["seq"], f"{r['entity']}.{r['kind']}", _board_payload(r)) for r in rows]
        return events, last if complete else rows[-1]["seq"], waiting

    def changed(self) -> None:
        """Wake the streams (call on the event loop after a mutation)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def stream(self, cursor: int | None) -> AsyncIterator[str]:
        """The SSE stream: a snapshot when `cursor` is None, else every board event after it."""
        yield "retry: 1000\n\n"
        if cursor is None:
            cursor, snapshot = self.snapshot()
            yield _sse(cursor, "snapshot", snapshot)
        quiet_since = time.monotonic()
        while not self.stopping:
            changed = self._changed
            events, cursor, waiting = self.events(cursor)
            for seq, kind, data in events:
                yield _sse(seq, kind, data)
            if waiting is not None:
                yield _sse(cursor, "waiting", waiting)
            if events:
                quiet_since = time.monotonic()
                continue
            if time.monotonic() - quiet_since >= HEARTBEAT_S:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
            try:
                await asyncio.wait_for(changed.wait(), FEED_POLL_S)
            except TimeoutError:
                pass


def _board_ticket(ticket: dict) -> dict:
    """What a board may know of a ticket: number, service, counter, state, calls; never a name."""
    return {k: ticket.get(k) for k in BOARD_TICKET_FIELDS}


def _board_payload(row: dict) -> dict:
    payload = row["payload"]
    if row["entity"] == "ticket":
        return _board_ticket(payload)
    if row["entity"] == "device":  # device alerts carry no personal data
        return payload
    return {"counter_id": payload["id"], "reason": payload["reason"]}


def _sse(event_id: int, kind: str, data: Any) -> str:
    return (f"id: {event_id}\nevent: {kind}\n"
            f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n")
