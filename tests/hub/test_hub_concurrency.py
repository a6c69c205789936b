"""A simulated morning on loopback: 20 counters calling next and 3 kiosks issuing tickets through
one hub (its own process, like in an office), over 10,000 operations: no ticket duplicated or
lost, every ticket accounted for, numbering gap-free."""
from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections import Counter as Tally
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hub_support import make_office
from office_support import MONDAY, Clock, make_service

from hub.client import HubClient
from office.auth import Credentials
from office.model import Counter, TicketState

CTX = multiprocessing.get_context("spawn")
KIOSKS, COUNTERS, TICKETS_PER_KIOSK = 3, 20, 1150
OPEN, LAST_MINUTE = datetime(2026, 3, 2, 7, 30), datetime(2026, 3, 2, 11, 14, 59)


class MorningClock:
    """Monday from 07:30, 420 simulated seconds per real second, held at the last ticket minute."""

    def __init__(self):
        self.started = time.time()

    def __call__(self) -> datetime:
        return min(OPEN + timedelta(seconds=(time.time() - self.started) * 420), LAST_MINUTE)


def _serve(path: str, clock: MorningClock, ready) -> None:
    from hub.server import serve

    serve(make_service(Path(path), clock), "127.0.0.1", 0, announce=ready.put)


@pytest.mark.slow
def test_a_busy_morning_through_the_hub(tmp_path):
    office = make_office(tmp_path / "office.db", Clock(MONDAY))
    store = office.svc.store
    with store.write():
        for i in range(COUNTERS):
            store.save_counter(Counter(100 + i, f"Quầy {100 + i}", ("HT", "DD")))
    credentials = Credentials(store)
    kiosk_tokens = [credentials.enroll("kiosk", f"kiosk-{10 + k}") for k in range(KIOSKS)]
    counter_tokens = [credentials.enroll("counter", f"quay-{100 + i}") for i in range(COUNTERS)]
    ready = CTX.Queue()
    server = CTX.Process(target=_serve, args=(store.path, MorningClock(), ready), daemon=True)
    server.start()
    try:
        url = ready.get(timeout=60)
        _morning(office, url, kiosk_tokens, counter_tokens)
    finally:
        server.terminate()
        server.join(10)


def _morning(office, url: str, kiosk_tokens: list[str], counter_tokens: list[str]) -> None:
    operations = Tally()
    issued: list[list[int]] = [[] for _ in kiosk_tokens]
    called: list[list[int]] = [[] for _ in counter_tokens]
    errors: list[BaseException] = []
    kiosks_done = threading.Event()

    def kiosk(k: int) -> None:
        client, rng = HubClient(url, kiosk_tokens[k]), random.Random(k)
        for n in range(TICKETS_PER_KIOSK):
            key = f"kiosk-{k}:{n}"
            service, priority = rng.choice(["HT", "HT", "DD"]), "elderly" if rng.random() < 0.1 else None
            receipt = client.issue_ticket(service, priority, idempotency_key=key)
            issued[k].append(receipt.ticket.id)
            operations["issue_ticket"] += 1
            if n % 50 == 0:  # a reprint: the same request again never makes a second number
                again = client.issue_ticket(service, priority, idempotency_key=key).ticket
                assert (again.id, again.number) == (receipt.ticket.id, receipt.ticket.number)
                operations["issue_ticket (retry)"] += 1

    def counter(i: int) -> None:
        client, counter_id = HubClient(url, counter_tokens[i]), 100 + i
        client.login("bich.tt", "123456", counter_id)
        while True:
            ticket = client.call_next(counter_id)
            operations["call_next"] += 1
            if ticket is None:
                if kiosks_done.is_set():
                    return
                time.sleep(0.02)
                continue
            called[i].append(ticket.id)
            if ticket.id % 4 == 0:
                client.start_serving(ticket.id, counter_id)
                operations["start_serving"] += 1
            client.finish_ticket(ticket.id, counter_id)
            operations["finish_ticket"] += 1

    def guarded(fn, *args):
        try:
            fn(*args)
        except BaseException as e:  # reported below, never a hung test
            errors.append(e)
            kiosks_done.set()

    counters = [threading.Thread(target=guarded, args=(counter, i)) for i in range(len(counter_tokens))]
    kiosks = [threading.Thread(target=guarded, args=(kiosk, k)) for k in range(len(kiosk_tokens))]
    for t in counters + kiosks:
        t.start()
    for t in kiosks:
        t.join(300)
    kiosks_done.set()
    for t in counters:
        t.join(300)
    assert not errors, errors[:3]

    all_issued = [tid for ids in issued for tid in ids]
    all_called = [tid for ids in called for tid in ids]
    assert len(all_issued) == len(set(all_issued)) == KIOSKS * TICKETS_PER_KIOSK
    assert len(all_called) == len(set(all_called)), "a ticket was called twice"
    assert set(all_called) == set(all_issued), "a ticket was lost"
    assert sum(operations.values()) >= 10_000, operations

    store = office.svc.store
    tickets = store.tickets(MONDAY.date())
    assert sorted(t.id for t in tickets) == sorted(all_issued)
    assert {t.state for t in tickets} == {TicketState.DONE} and store.waiting_counts(MONDAY.date()) == {}
    for prefix in ("A", "B"):
        numbers = sorted(int(t.number[1:]) for t in tickets if t.number.startswith(prefix))
        assert numbers == list(range(1, len(numbers) + 1)), f"{prefix}: numbers skipped or doubled"
    kinds = Tally((e["entity_id"], e["kind"]) for e in store.events(limit=1_000_000) if e["entity"] == "ticket")
    assert set(kinds.values()) == {1}  # one "issued", one "called", one "done" … per ticket, never two
    assert sum(1 for (_, kind) in kinds if kind == "called") == len(tickets)
