"""The board's data from a real hub on loopback: calls, recalls, pauses, waiting counts, the
spotlight, and a hub killed and restarted in the middle of a burst of calls."""
from __future__ import annotations

import threading

from display_helpers import counter_client, issue, patiently, wait_for

from display.board import RECENT_CALLS, SPOTLIGHT_S, BoardFeed, BoardState
from hub.client import FeedEvent
from office.model import TicketState


class FakeTime:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def follow(office, **options) -> tuple[BoardFeed, list]:
    """A board following the office's hub; returns it and the list of calls it announced."""
    announced = []
    board = BoardFeed(office.client("bang-1"), announced.append, max_backoff=0.5, **options).start()
    wait_for(lambda: board.view().connected, what="board connected")
    return board, announced


def test_calls_recalls_pauses_and_waiting_reach_the_board(office):
    issue(office, "HT", "HT", "HT", "DD")
    board, announced = follow(office)
    quay1, quay2, quay3 = (counter_client(office, f"quay-{n}") for n in (1, 2, 3))
    a1 = quay1.call_next(1)
    b1 = quay3.call_next(3)
    quay1.recall(a1.id, 1)
    quay2.pause_counter(2, "Họp giao ban")
    wait_for(lambda: board.view().counters[1].paused, what="pause on the board")
    view = board.view()
    assert [(c.number, c.counter_name, c.calls) for c in announced] == [
        ("A001", "Quầy 1", 1), ("B001", "Quầy 3", 1), ("A001", "Quầy 1", 2)]
    assert (view.spotlight.number, view.spotlight.counter_name) == ("A001", "Quầy 1")
    assert [c.number for c in view.recent] == ["A001", "B001"]  # a recall moves a call up, once
    assert [(c.name, c.number, c.paused) for c in view.counters] == [
        ("Quầy 1", "A001", None), ("Quầy 2", None, "Họp giao ban"), ("Quầy 3", "B001", None)]
    assert {w.prefix: w.count for w in view.waiting} == {"A": 2, "B": 0}
    assert view.office_name == office.svc.office()["name"]

    quay1.start_serving(a1.id, 1)
    quay1.finish_ticket(a1.id, 1)
    quay2.resume_counter(2)
    wait_for(lambda: board.view().counters[0].number is None, what="finished ticket leaves counter 1")
    wait_for(lambda: board.view().counters[1].paused is None, what="counter 2 resumed")
    assert [c.number for c in board.view().recent] == ["A001", "B001"]  # history stays
    assert len(announced) == 3
    board.stop()
    assert b1.number == "B001"


def test_a_board_started_late_shows_the_hub_snapshot_and_announces_nothing_old(office):
    issue(office, "HT", "HT", "DD")
    quay1, quay2, quay3 = (counter_client(office, f"quay-{n}") for n in (1, 2, 3))
    quay1.call_next(1)
    quay2.call_next(2)
    quay3.pause_counter(3, "Sự cố máy tính")
    board, announced = follow(office)
    wait_for(lambda: len(board.view().recent) == 2, what="snapshot")
    view = board.view()
    assert announced == []
    assert [(c.name, c.number, c.paused) for c in view.counters] == [
        ("Quầy 1", "A001", None), ("Quầy 2", "A002", None), ("Quầy 3", None, "Sự cố máy tính")]
    assert {w.prefix: w.count for w in view.waiting} == {"A": 0, "B": 1}
    quay2.recall(view.recent[0].ticket_id, 2)  # a recall of a call made before the board came is new
    wait_for(lambda: announced, what="recall announced")
    assert [(c.number, c.calls) for c in announced] == [("A002", 2)]
    board.stop()


def test_spotlight_lasts_about_twenty_seconds_and_the_list_keeps_eight(office):
    issue(office, *["HT"] * 10)
    now = FakeTime()
    board, announced = follow(office, clock=now)
    quay1 = counter_client(office)
    for _ in range(10):
        ticket = quay1.call_next(1)
        quay1.start_serving(ticket.id, 1)
        quay1.finish_ticket(ticket.id, 1)
    wait_for(lambda: len(announced) == 10, what="ten calls")
    view = board.view()
    assert [c.number for c in view.recent] == [f"A{n:03d}" for n in range(10, 2, -1)]
    assert len(view.recent) == RECENT_CALLS
    assert view.spotlight.number == "A010"
    now.now += SPOTLIGHT_S - 1
    assert board.view().spotlight.number == "A010"
    now.now += 2
    assert board.view().spotlight is None and board.view().recent[0].number == "A010"
    board.stop()


def test_hub_killed_and_restarted_during_a_burst_loses_no_call_and_repeats_none(office):
    issue(office, *["HT", "DD"] * 10)
    board, announced = follow(office)
    seen_offline = threading.Event()
    quay1, quay3 = counter_client(office, "quay-1"), counter_client(office, "quay-3")
    called = []

    def serve(port, counter_id: int) -> None:
        ticket = patiently(lambda: port.call_next(counter_id))
        called.append(ticket.number)
        patiently(lambda: port.start_serving(ticket.id, counter_id))
        patiently(lambda: port.finish_ticket(ticket.id, counter_id))

    def burst(client, counter_id: int, n: int) -> None:
        for _ in range(n):
            serve(client, counter_id)

    burst(quay1, 1, 4)
    burst(quay3, 3, 3)
    wait_for(lambda: len(announced) == 7, what="first calls announced")
    office.hub.stop()  # the hub dies: the board loses its feed
    wait_for(lambda: not board.view().connected, what="board notices the hub is gone")
    seen_offline.set()
    # meanwhile counters keep calling through the store (another hub process on the same file)
    for counter_id in (1, 3, 1, 3, 1, 3):
        serve(office.svc, counter_id)
    restart = threading.Timer(0.6, office.hub.start)
    restart.start()
    threads = [threading.Thread(target=burst, args=(quay1, 1, 3)),
               threading.Thread(target=burst, args=(quay3, 3, 4))]
    for t in threads:  # these wait for the hub to come back, then call
        t.start()
    for t in threads:
        t.join(30)
    restart.join()
    wait_for(lambda: len(announced) >= 20 and board.view().connected, timeout=20, what="all 20 calls")
    wait_for(lambda: sum(w.count for w in board.view().waiting) == 0, what="waiting counts caught up")
    numbers = [c.number for c in announced]
    assert len(called) == 20 and sorted(numbers) == sorted(called)  # none missing, none twice
    assert len(set((c.ticket_id, c.calls) for c in announced)) == 20
    log = office.svc.store.tickets(office.clock().date(), [TicketState.DONE])
    assert {t.number for t in log} == set(called)
    assert numbers[:7] == called[:7]
    assert [c.number for c in board.view().recent] == numbers[::-1][:RECENT_CALLS]
    assert seen_offline.is_set()
    board.stop()


def test_calls_replayed_after_a_drop_stand_only_while_their_ticket_is_at_the_counter():
    state = BoardState()
    state.load({"name": "VP"}, [], [])
    ticket = {"id": 5, "number": "A005", "counter_id": 1, "calls": 1, "state": "called"}
    [call] = state.apply(FeedEvent(1, "ticket.called", ticket))
    assert state.still_at_counter(call.ticket_id)
    state.apply(FeedEvent(2, "ticket.serving", {**ticket, "state": "serving"}))
    assert state.still_at_counter(5)  # the citizen is at the counter: the call stood
    state.apply(FeedEvent(3, "ticket.done", {**ticket, "state": "done"}))
    assert not state.still_at_counter(5)  # replayed later: no longer worth calling into the hall
