"""What the hall board shows, kept up to date from the hub's realtime feed (no Kivy here).

`BoardState` applies feed events (snapshot, ticket.*, counter.*, waiting) and decides which calls
are new: a call is identified by (ticket id, call count), so a recall (calls + 1) is announced
again while an event replayed after a reconnect or a snapshot never is. `BoardFeed` runs the
feed on a thread: loads the office, follows `HubClient.feed` (which reconnects with jittered
backoff and replays what was missed via Last-Event-ID), and hands new calls to `on_call`.
Numbers and counters only: the feed carries no names, and none is kept.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from display.voice import counter_number
from hub.client import FeedEvent, HubUnavailable
from office.errors import Forbidden, Unauthorized

log = logging.getLogger("display.board")

SPOTLIGHT_S = 20.0  # how long the latest call stays in the spotlight
RECENT_CALLS = 8
ON_COUNTER = ("called", "serving")  # ticket states shown as a counter's current number
MAX_BACKOFF_S = 10.0


@dataclass(frozen=True)
class CallView:
    """One call on the board: ticket number at a counter (the n-th call of that ticket)."""

    ticket_id: int
    number: str
    counter_id: int
    counter_name: str
    counter_number: str
    calls: int
    at: float = 0.0  # monotonic time the board learnt of it


@dataclass(frozen=True)
class CounterView:
    """A counter's line: its current number, or the reason it is paused."""

    id: int
    name: str
    number: str | None
    paused: str | None


@dataclass(frozen=True)
class WaitingView:
    """People waiting for one service."""

    code: str
    name: str
    prefix: str
    count: int


@dataclass(frozen=True)
class BoardView:
    """Everything the screen draws, at one instant."""

    office_name: str
    notice: str
    spotlight: CallView | None
    recent: tuple[CallView, ...]
    counters: tuple[CounterView, ...]
    waiting: tuple[WaitingView, ...]
    connected: bool
    problem: str


class BoardState:
    """The board's data and the rule for what is new; not thread-safe (BoardFeed locks it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        """Empty until `load` gives the office, counters and services."""
        self.clock = clock
        self.office_name, self.notice = "", ""
        self.counter_names: dict[int, str] = {}
        self.services: dict[str, tuple[str, str]] = {}  # code → (name, prefix)
        self.current: dict[int, tuple[int, str]] = {}  # counter id → (ticket id, number)
        self.paused: dict[int, str] = {}
        self.waiting: dict[str, int] = {}
        self.recent: list[CallView] = []  # newest first
        self.announced: set[tuple[int, int]] = set()
        self.at_counter: set[int] = set()  # tickets called or being served now
        self.last_event_id: int | None = None
        self.connected = False
        self.problem = ""

    def load(self, office: dict, counters: list, services: list) -> None:
        """Office name and notice, counter names, service names and prefixes."""
        self.office_name = office.get("name", "")
        self.notice = (office.get("board") or {}).get("notice", "")
        self.counter_names = {c.id: c.name for c in counters}
        self.paused.update({c.id: c.paused_reason for c in counters if c.paused_reason})
        self.services = {s.code: (s.name, s.prefix) for s in services}

    def apply(self, event: FeedEvent) -> list[CallView]:
        """Apply one feed event; returns the calls it makes that were never announced."""
        self.last_event_id = event.id
        entity, _, kind = event.kind.partition(".")
        if event.kind == "snapshot":
            self._snapshot(event.data)
        elif event.kind == "waiting":
            self.waiting = dict(event.data)
        elif entity == "counter":
            if event.data.get("reason"):
                self.paused[event.data["counter_id"]] = event.data["reason"]
            else:
                self.paused.pop(event.data["counter_id"], None)
        elif entity == "ticket":
            return self._ticket(event.data, kind)
        return []

    def _snapshot(self, data: dict) -> None:
        """Start over from the hub's picture: shown, but nothing in it is announced."""
        self.current.clear()
        self.at_counter.clear()
        self.paused = {p["counter_id"]: p["reason"] for p in data.get("paused", [])}
        self.waiting = dict(data.get("waiting", {}))
        for ticket in sorted(data.get("called", []), key=lambda t: t["id"]):
            call = self._call(ticket)
            self.announced.add((call.ticket_id, call.calls))
            if ticket.get("state") in ON_COUNTER:
                self.at_counter.add(call.ticket_id)
            self._show(call, ticket)

    def _ticket(self, ticket: dict, kind: str) -> list[CallView]:
        if ticket.get("state") in ON_COUNTER:
            self.at_counter.add(ticket["id"])
        else:
            self.at_counter.discard(ticket["id"])
        if kind in ("called", "recalled") and ticket.get("counter_id") is not None:
            call = self._call(ticket)
            self._show(call, ticket)
            key = (call.ticket_id, call.calls)
            if key not in self.announced:
                self.announced.add(key)
                return [call]
            return []
        for counter_id, (ticket_id, _) in list(self.current.items()):
            if ticket_id == ticket["id"] and ticket["state"] not in ON_COUNTER:
                del self.current[counter_id]
        return []

    def _call(self, ticket: dict) -> CallView:
        counter_id = ticket["counter_id"]
        name = self.counter_names.get(counter_id, f"Quầy {counter_id}")
        return CallView(ticket["id"], ticket["number"], counter_id, name,
                        counter_number(name, counter_id), ticket.get("calls") or 1, self.clock())

    def _show(self, call: CallView, ticket: dict) -> None:
        """Put a call first in the recent list (a recall moves it up) and on its counter."""
        self.recent = [call] + [c for c in self.recent if c.ticket_id != call.ticket_id][:RECENT_CALLS - 1]
        for counter_id, (ticket_id, _) in list(self.current.items()):
            if ticket_id == call.ticket_id:
                del self.current[counter_id]
        if ticket.get("state") in ON_COUNTER:
            self.current[call.counter_id] = (call.ticket_id, call.number)

    def still_at_counter(self, ticket_id: int) -> bool:
        """Whether a ticket is still called or served at a counter (not finished, moved or gone)."""
        return ticket_id in self.at_counter

    def view(self) -> BoardView:
        """The picture to draw now (the spotlight expires SPOTLIGHT_S after its call)."""
        now = self.clock()
        latest = self.recent[0] if self.recent else None
        spotlight = latest if latest and now - latest.at < SPOTLIGHT_S and latest.at else None
        counters = tuple(CounterView(cid, name, self.current.get(cid, (0, None))[1], self.paused.get(cid))
                         for cid, name in sorted(self.counter_names.items()))
        waiting = tuple(WaitingView(code, name, prefix, self.waiting.get(code, 0))
                        for code, (name, prefix) in self.services.items())
        return BoardView(self.office_name, self.notice, spotlight, tuple(self.recent), counters,
                         waiting, self.connected, self.problem)


class BoardFeed:
    """Follows the hub's feed on a thread and keeps a BoardState current."""

    def __init__(self, client, on_call: Callable[[CallView], None],
                 on_change: Callable[[], None] = lambda: None, max_backoff: float = MAX_BACKOFF_S,
                 clock: Callable[[], float] = time.monotonic,
                 on_office: Callable[[dict, list], None] = lambda office, services: None):
        """`client`: a HubClient with a display token; `on_call` gets each new call (from the
        feed thread, in order); `on_change` is told whenever the picture changed; `on_office`
        gets the office (with its board settings) and the services once they are loaded."""
        self.client, self.on_call, self.on_change = client, on_call, on_change
        self.on_office = on_office
        self.max_backoff = max_backoff
        self.state = BoardState(clock)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="board-feed")

    def start(self) -> BoardFeed:
        """Start following the feed; returns self."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 1.0) -> None:
        """Stop following: the thread ends at the next event or keep-alive (waits `timeout`)."""
        self.stopping.set()
        self._thread.join(timeout)

    def still_at_counter(self, ticket_id: int) -> bool:
        """Whether a ticket is still called or served at a counter (thread-safe)."""
        with self.lock:
            return self.state.still_at_counter(ticket_id)

    def view(self) -> BoardView:
        """The current picture (thread-safe)."""
        with self.lock:
            return self.state.view()

    def _set(self, **changes) -> None:
        with self.lock:
            for name, value in changes.items():
                setattr(self.state, name, value)
        self.on_change()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._load()
                for event in self.client.feed(self.state.last_event_id, self.stopping, self.max_backoff,
                                              self._connection):
                    with self.lock:
                        calls = self.state.apply(event)
                    for call in calls:
                        self.on_call(call)
                    self.on_change()
            except (Unauthorized, Forbidden) as e:  # a refused token: retrying cannot help
                log.error("board feed stopped: %s", e.message)
                self._set(connected=False, problem=f"Máy chủ từ chối bảng tin: {e.message}")
                return
            except Exception:  # a hub error or a malformed event: resume after the last good one
                log.exception("board feed failed; resuming")
                self._set(connected=False)
                self.stopping.wait(1.0)

    def _load(self) -> None:
        """Office, counters and services (once), retried with backoff until the hub answers."""
        if self.state.counter_names:
            return
        delay = 0.2
        while not self.stopping.is_set():
            try:
                office, counters, services = (self.client.office(), self.client.counters(),
                                              self.client.services())
            except HubUnavailable:
                self.stopping.wait(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, self.max_backoff)
                continue
            with self.lock:
                self.state.load(office, counters, services)
            self.on_office(office, services)
            return

    def _connection(self, up: bool) -> None:
        self._set(connected=up, problem="")
