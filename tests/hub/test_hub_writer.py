"""The hub's writer (hub/writer.py): writes waiting together share one commit, each still atomic,
each answered only once it is on disk; a transaction SQLite abandons fails only the writes it held."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hub_support import Office

from hub.writer import Writer
from office.errors import StoreUnavailable


def hold(office: Office) -> tuple[threading.Event, list[str]]:
    """Stop the hub's writer thread until the event is set; from then on, record its COMMITs."""
    release, commits, holding = threading.Event(), [], threading.Event()

    def blocker() -> None:
        office.svc.store.db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
        holding.set()
        release.wait(30)

    office.stops[0].hub.writer.submit(blocker)
    assert holding.wait(10)
    return release, commits


def test_writes_waiting_together_share_one_commit_and_fail_alone(hub: Office):
    release, commits = hold(hub)
    asks = ["HT"] * 12 + ["NO-SUCH-SERVICE"] + ["HT"] * 12
    with ThreadPoolExecutor(len(asks)) as pool:
        answers = [pool.submit(hub.http, "POST", "/api/issue-ticket", "kiosk-1", json={"service_code": code})
                   for code in asks]
        while hub.stops[0].hub.writer._queue.qsize() < len(asks):  # every request is waiting to be written
            threading.Event().wait(0.01)
        release.set()
        statuses = [a.result().status_code for a in answers]
    assert statuses.count(200) == 24 and statuses[12] == 404
    numbers = {a.result().json()["ticket"]["number"] for a, s in zip(answers, statuses) if s == 200}
    assert len(numbers) == 24 and hub.svc.waiting_counts() == {"HT": 24}
    assert len(commits) <= 2  # the blocker's own commit, then one for the 25 writes


def test_an_abandoned_transaction_fails_the_writes_it_held_and_the_rest_go_on(svc):
    """SQLite gives up the whole transaction under a write (as on a full disk): the writes before
    it in the group are not stored and say so; the writes after it run in a fresh transaction."""
    writer = Writer(svc.store)
    release = threading.Event()
    writer.submit(release.wait, 30)

    def abandon() -> None:
        svc.store.db.conn.execute("ROLLBACK")  # what SQLite does itself on SQLITE_FULL
        raise StoreUnavailable("the disk is full")

    before, failing, after = (writer.submit(svc.issue_ticket, "HT"), writer.submit(abandon),
                              writer.submit(svc.issue_ticket, "HT"))
    release.set()
    with pytest.raises(StoreUnavailable):
        before.result(10)
    with pytest.raises(StoreUnavailable, match="disk is full"):
        failing.result(10)
    assert after.result(10).ticket.number
    writer.shutdown()
    assert svc.waiting_counts() == {"HT": 1}
    assert [t.number for t in svc.waiting_tickets()] == [after.result().ticket.number]
