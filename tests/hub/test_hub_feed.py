"""The realtime board feed: snapshot, live events, replay after a disconnect or a hub restart —
nothing lost, nothing doubled, no personal data."""
from __future__ import annotations

import json
import queue
import socket
import threading

from hub_support import Office

from hub import api
from hub.client import FeedEvent, HubClient
from hub.feed import BOARD_TICKET_FIELDS, FEED_BATCH
from hub.server import start_hub_thread
from office.model import TicketState


class Listener:
    """Iterates a HubClient feed on a thread; the test takes events from a queue."""

    def __init__(self, client: HubClient, last_event_id: int | None = None):
        self.events: queue.Queue[FeedEvent] = queue.Queue()
        self.stop = threading.Event()
        threading.Thread(target=self._run, args=(client, last_event_id), daemon=True).start()

    def _run(self, client: HubClient, last_event_id: int | None) -> None:
        for event in client.feed(last_event_id, stop=self.stop, max_backoff=0.3):
            self.events.put(event)

    def take(self, n: int, timeout: float = 10) -> list[FeedEvent]:
        return [self.events.get(timeout=timeout) for _ in range(n)]

    def through(self, position: int, timeout: float = 10) -> list[FeedEvent]:
        """Events until the board has seen change-log `position` and the waiting counts after it."""
        taken = []
        while not taken or taken[-1].id < position or taken[-1].kind != "waiting":
            taken.append(self.events.get(timeout=timeout))
        return taken


def board_log(office: Office, after: int) -> list[tuple[int, str]]:
    """(seq, kind) of every board event in the store after `after`: what a board must receive."""
    rows = office.svc.store.entity_events(after, office.last_event(), ("ticket", "counter", "device"), 100_000)
    return [(r["seq"], f"{r['entity']}.{r['kind']}") for r in rows]


def test_snapshot_then_live_events(hub: Office):
    kiosk, counter = hub.client("kiosk-1"), hub.client("quay-1", "bich.tt")
    kiosk.issue_ticket("HT")
    kiosk.issue_ticket("HT")
    first = counter.call_next(1)
    admin = hub.client("admin-1", "cuong.lv")  # an admin session acts for any counter
    admin.pause_counter(3, "Họp giao ban")
    board = Listener(hub.client("bang-1"))
    [snapshot] = board.take(1)
    assert snapshot.kind == "snapshot" and snapshot.id == hub.last_event()
    assert snapshot.data == {
        "called": [{"id": first.id, "number": "A001", "service_code": "HT", "day": "2026-03-02",
                    "state": "called", "counter_id": 1, "target_counter_id": None, "calls": 1}],
        "paused": [{"counter_id": 3, "reason": "Họp giao ban"}], "waiting": {"HT": 1}}
    second = hub.client("quay-2", "cuong.lv").call_next(2)
    called, waiting = board.take(2)
    assert (called.kind, called.data["number"], called.data["counter_id"]) == ("ticket.called", "A002", 2)
    assert called.id == hub.last_event() and set(called.data) == set(BOARD_TICKET_FIELDS)  # no staff name
    assert (waiting.kind, waiting.data, waiting.id) == ("waiting", {}, called.id)
    hub.svc.recall(second.id, 2)  # written by another process/connection: the hub polls the store
    recalled, _ = board.take(2)
    assert (recalled.kind, recalled.data["calls"]) == ("ticket.recalled", 2)
    admin.resume_counter(3)
    assert [(e.kind, e.data) for e in board.take(1)] == [("counter.resumed", {"counter_id": 3, "reason": None})]
    board.stop.set()


def test_reconnect_replays_exactly_what_was_missed(hub: Office):
    kiosk, counter = hub.client("kiosk-1"), hub.client("quay-1", "bich.tt")
    display = hub.client("bang-1")
    feed = display.feed()
    assert next(feed).kind == "snapshot"
    kiosk.issue_ticket("HT")
    kiosk.issue_ticket("DD")
    seen = []
    for event in feed:
        seen.append(event)
        if event.kind == "waiting" and len(seen) > 2:
            break
    feed.close()  # the board goes away mid-stream
    last_id = seen[-1].id
    ticket = counter.call_next(1)
    counter.recall(ticket.id, 1)
    admin = hub.client("admin-1", "cuong.lv")
    admin.pause_counter(2, "Mất điện")
    counter.start_serving(ticket.id, 1)
    counter.finish_ticket(ticket.id, 1)
    admin.resume_counter(2)
    missed = board_log(hub, last_id)
    assert [kind for _, kind in missed] == ["ticket.called", "ticket.recalled", "counter.paused",
                                            "ticket.serving", "ticket.done", "counter.resumed"]
    replay = []
    for event in display.feed(last_event_id=last_id):
        replay.append(event)
        if event.id == missed[-1][0]:  # (the waiting counts come after each batch that moved tickets)
            break
    assert [(e.id, e.kind) for e in replay if e.kind != "waiting"] == missed
    assert all(e.id > last_id for e in replay)


def test_feed_wire_format_and_last_event_id(hub: Office):
    hub.client("kiosk-1").issue_ticket("HT")
    lines = []
    with hub.http("GET", api.FEED_PATH, "bang-1", stream=True, headers={"Last-Event-ID": "0"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines(chunk_size=None, decode_unicode=True):
            lines.append(line)
            if line.startswith("data:") and lines[-2] == "event: waiting":
                break
    seq = hub.last_event()
    assert lines[:4] == ["retry: 1000", "", f"id: {seq}", "event: ticket.issued"]
    assert json.loads(lines[4].removeprefix("data: "))["number"] == "A001"
    assert lines[5:] == ["", f"id: {seq}", "event: waiting", 'data: {"HT":1}']
    bad = hub.http("GET", api.FEED_PATH, "bang-1", headers={"Last-Event-ID": "abc"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_input"


def test_a_long_absence_is_replayed_in_pages(hub: Office):
    start = hub.last_event()
    for _ in range(FEED_BATCH + 100):
        hub.svc.issue_ticket("HT")
    expected = board_log(hub, start)
    got = []
    for event in hub.client("bang-1").feed(last_event_id=start):
        if event.kind != "waiting":
            got.append((event.id, event.kind))
        if len(got) == len(expected):
            break
    assert got == expected and len(got) == FEED_BATCH + 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_board_survives_a_hub_restart(make_hub):
    office = make_hub(start=False)
    port = _free_port()
    office.url, stop = start_hub_thread(office.svc, port=port)
    board = Listener(office.client("bang-1"))
    [snapshot] = board.take(1)
    kiosk, counter = office.client("kiosk-1"), office.client("quay-1", "bich.tt")
    kiosk.issue_ticket("HT")
    kiosk.issue_ticket("HT")
    counter.call_next(1)
    received = board.through(office.last_event())
    stop()  # the hub goes down; meanwhile a counter working embedded keeps writing
    svc = office.svc
    first = svc.store.tickets(svc.clock().date(), [TicketState.CALLED])[0]
    svc.recall(first.id, 1)
    svc.call_next(2, "cuong.lv")
    svc.issue_ticket("DD")
    office.url, stop = start_hub_thread(office.svc, port=port)
    office.stops.append(stop)
    counter.recall(first.id, 1)
    expected = board_log(office, snapshot.id)
    received += board.through(expected[-1][0])
    board.stop.set()
    assert [(e.id, e.kind) for e in received if e.kind != "waiting"] == expected
    assert [kind for _, kind in expected] == ["ticket.issued", "ticket.issued", "ticket.called",
                                              "ticket.recalled", "ticket.called", "ticket.issued",
                                              "ticket.recalled"]


def test_device_alerts_reach_the_counters(hub: Office):
    board = Listener(hub.client("quay-1"))
    [snapshot] = board.take(1)
    hub.client("kiosk-1").report_device_problem("print_no_paper", "Máy in kiosk hết giấy; số A001 chưa in được")
    [alert] = board.take(1)
    assert alert.kind == "device.alert" and alert.id > snapshot.id
    assert alert.data == {"device": "kiosk-1", "problem": "print_no_paper",
                          "message": "Máy in kiosk hết giấy; số A001 chưa in được"}
