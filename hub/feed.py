"""The realtime board feed: Server-Sent Events replayed from the store's change log.

A board without a position gets a snapshot (called tickets, paused counters, waiting counts),
then every board event (ticket called/recalled/finished, counter paused/resumed, device alerts)
numbered by the change log, so a board reconnecting with `Last-Event-ID` gets exactly what it
missed. Numbers and counters only, never a name.

However many boards follow it, each change is read from the store and turned into SSE text once:
one pump task follows the change log (woken by the hub's writes, gathering those of the next
COALESCE_S, and polling for writes of other processes) and keeps the recent events' text; every
open stream sends from that shared list, the streams woken in groups over SPREAD_S (and at least
every HEARTBEAT_S, when they send a keep-alive if there is nothing new). Only
a board reconnecting from further back than the list reads the store for itself. A device may hold
at most FEEDS_PER_DEVICE streams at once.
"""
from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import logging
import time
import weakref
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from office import codec
from office.auth import Device
from office.errors import RateLimited, Unavailable
from office.model import TicketState
from office.service import OfficeService

log = logging.getLogger("hub")

FEED_POLL_S = 0.5  # also picks up writes made by other processes on the same store file
FEED_BATCH = 500
HEARTBEAT_S = 10.0
# after a write, the pump waits this long for more before reading: a busy office's writes reach
# the boards together, so each open feed sends about twice a second, not once per write (a call
# still shows on the board well within a second; its announcement takes seconds)
COALESCE_S = 0.5
# the streams are woken in NEWS_GROUPS groups spread over SPREAD_S: a thousand boards written to at
# once held the event loop for ~70 ms, and every counter and kiosk request with it
NEWS_GROUPS = 25
SPREAD_S = 0.1
RECENT = 2000  # board events kept as text for every stream to send
FEEDS_PER_DEVICE = 8
BOARD_ENTITIES = ("ticket", "counter", "device")
BOARD_TICKET_FIELDS = ("id", "number", "service_code", "day", "state", "counter_id", "target_counter_id", "calls")


class Feed:
    """Board events of one office store, read once and shared by every stream; `changed()` (on the
    event loop, after a write) wakes the pump."""

    def __init__(self, service: OfficeService, per_device: int = FEEDS_PER_DEVICE):
        """Follow `service`'s store and clock; at most `per_device` open streams per device."""
        self.service = service
        self.store = service.store
        self.per_device = per_device
        self.stopping = False
        self._open: Counter[int | str] = Counter()
        self._seqs: list[int] = []  # positions of the texts below (a "waiting" shares its batch's)
        self._texts: list[str] = []
        self._floor = 0  # the shared list holds every board event after this position …
        self._cursor: int | None = None  # … up to this one
        self._wake = asyncio.Event()
        self._news = [asyncio.Event() for _ in range(NEWS_GROUPS)]
        self._streams = itertools.count()
        self._pump: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._snapshot: tuple[int, str] | None = None
        self._published = time.monotonic()

    # ---- reading the store ------------------------------------------------------------------

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

    def events(self, cursor: int) -> tuple[list[tuple[int, str]], int]:
        """SSE texts of the board events after `cursor` (a batch), with "waiting" counts after a
        complete batch that moved tickets: (positions and texts, new cursor)."""
        today = self.service.clock().date()
        with self.store.read():
            last = self.store.last_event_seq()
            rows = self.store.entity_events(cursor, last, BOARD_ENTITIES, FEED_BATCH)
            complete = len(rows) < FEED_BATCH
            tickets_moved = any(r["entity"] == "ticket" for r in rows)
            waiting = self.store.waiting_counts(today) if complete and tickets_moved else None
        out = [(r["seq"], _sse(r["seq"], f"{r['entity']}.{r['kind']}", _board_payload(r))) for r in rows]
        cursor = last if complete else rows[-1]["seq"]
        if waiting is not None:
            out.append((cursor, _sse(cursor, "waiting", waiting)))
        return out, cursor

    def _snapshot_text(self) -> tuple[int, str]:
        """The snapshot as SSE text, computed once per change-log position."""
        seq = self.store.last_event_seq()
        if self._snapshot is None or self._snapshot[0] != seq:
            seq, data = self.snapshot()
            self._snapshot = (seq, _sse(seq, "snapshot", data))
        return self._snapshot

    # ---- the pump: one reader for every stream ----------------------------------------------

    def changed(self) -> None:
        """Something was written: the pump reads it now (call on the event loop)."""
        self._wake.set()

    def stop(self) -> None:
        """End every stream and the pump (from any thread)."""
        self.stopping = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        self._wake.set()
        for news in self._news:
            news.set()

    def _start_pump(self) -> None:
        if self._pump is None or self._pump.done():
            self._cursor = self._floor = self.store.last_event_seq()
            self._seqs, self._texts = [], []
            self._loop = asyncio.get_running_loop()
            self._pump = self._loop.create_task(self._follow())

    async def _follow(self) -> None:
        while not self.stopping:
            self._wake.clear()
            try:
                events, self._cursor = self.events(self._cursor)
            except Unavailable as error:  # the store could not answer: try again at the next poll
                log.warning("board feed: %s", error.message)
                events = []
            if events:
                self._seqs += [seq for seq, _ in events]
                self._texts += [text for _, text in events]
                if len(self._seqs) > RECENT:
                    self._floor = self._seqs[-RECENT - 1]
                    del self._seqs[:-RECENT], self._texts[:-RECENT]
                self._publish()
                if len(events) >= FEED_BATCH:
                    continue
            try:
                await asyncio.wait_for(self._wake.wait(), FEED_POLL_S)
                await asyncio.sleep(COALESCE_S)
            except TimeoutError:
                if time.monotonic() - self._published >= HEARTBEAT_S:
                    self._publish()  # nothing new: the streams send a keep-alive

    def _publish(self) -> None:
        """Wake the open streams, one group after another over SPREAD_S."""
        news, self._news = self._news, [asyncio.Event() for _ in range(NEWS_GROUPS)]
        for group, event in enumerate(news):
            self._loop.call_later(group * SPREAD_S / NEWS_GROUPS, event.set)
        self._published = time.monotonic()

    # ---- streams ----------------------------------------------------------------------------

    def open(self, device: Device, cursor: int | None) -> AsyncIterator[str]:
        """A stream for `device`: RateLimited when it already holds `per_device` streams. The count
        drops when the stream is gone (ended, or dropped unstarted by a client that left)."""
        key = device.id if device.id is not None else device.name
        if self._open[key] >= self.per_device:
            raise RateLimited(f"Thiết bị {device.name!r} đã mở {self.per_device} kết nối bảng tin; "
                              "hãy đóng bớt", 10)
        self._open[key] += 1
        stream = self.stream(cursor)
        weakref.finalize(stream, self._closed, key)
        return stream

    def _closed(self, key: int | str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]

    async def stream(self, cursor: int | None) -> AsyncIterator[str]:
        """The SSE stream: a snapshot when `cursor` is None, else every board event after it."""
        self._start_pump()
        group = next(self._streams) % NEWS_GROUPS
        yield "retry: 1000\n\n"
        if cursor is None:
            cursor, text = self._snapshot_text()
            yield text
        idle = False
        while not self.stopping:
            news = self._news[group]
            if cursor < self._floor:  # further back than the shared list: read the store
                events, cursor = self.events(cursor)
                if events:
                    yield "".join(text for _, text in events)
                continue
            start = bisect.bisect_right(self._seqs, cursor)
            if start < len(self._seqs):
                cursor = self._seqs[-1]
                yield "".join(self._texts[start:])
                idle = False
                continue
            cursor = max(cursor, self._cursor)
            if idle:  # woken by the pump's heartbeat, nothing to send
                yield ": keep-alive\n\n"
            await news.wait()  # no timer per stream: the pump wakes every stream at least each HEARTBEAT_S
            idle = True


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
