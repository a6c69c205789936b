"""Several processes (and threads) on one store file: numbering and call-next stay atomic."""
from __future__ import annotations

import multiprocessing
import queue as queue_mod
import threading
from collections import Counter as Tally
from datetime import datetime
from pathlib import Path

import pytest
from office_support import AGENCY, MONDAY, OFFICER, Clock, applicant, make_service, seed_catalogue

from office.model import Counter, TicketState
from office.store import migrations

CTX = multiprocessing.get_context("spawn")
WORKERS = 4
TIMEOUT = 120


def _receive_worker(path: str, n: int, barrier, results) -> None:
    try:
        svc = make_service(Path(path), Clock(MONDAY))
        barrier.wait(timeout=TIMEOUT)
        codes = [svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER).code for _ in range(n)]
        results.put(("ok", codes))
    except BaseException as e:  # report, never hang the parent
        results.put(("error", repr(e)))


def _call_worker(path: str, counter: int, barrier, results) -> None:
    try:
        svc = make_service(Path(path), Clock(datetime(2026, 3, 2, 9, 0)))
        barrier.wait(timeout=TIMEOUT)
        called = []
        while (t := svc.call_next(counter, staff=f"staff{counter}")) is not None:
            called.append(t.id)
            if len(called) % 2:
                svc.finish_ticket(t.id, counter)
            else:
                svc.start_serving(t.id, counter)  # finished by the next call_next
        results.put(("ok", called))
    except BaseException as e:
        results.put(("error", repr(e)))


def _open_worker(path: str, barrier, results) -> None:
    try:
        barrier.wait(timeout=TIMEOUT)
        svc = make_service(Path(path), Clock(MONDAY))
        seed_catalogue(svc.store)
        codes = [svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER).code for _ in range(5)]
        results.put(("ok", codes))
    except BaseException as e:
        results.put(("error", repr(e)))


def run_processes(target, args_list) -> list:
    """Start one spawned process per args tuple, all released together; return their results."""
    barrier = CTX.Barrier(len(args_list))
    results = CTX.Queue()
    procs = [CTX.Process(target=target, args=(*args, barrier, results)) for args in args_list]
    for p in procs:
        p.start()
    out = []
    try:
        for _ in procs:
            out.append(results.get(timeout=TIMEOUT))
    except queue_mod.Empty:
        pytest.fail("a worker process did not report in time")
    finally:
        for p in procs:
            p.join(timeout=TIMEOUT)
            if p.is_alive():
                p.kill()
    errors = [r for kind, r in out if kind == "error"]
    assert not errors, errors
    assert all(p.exitcode == 0 for p in procs)
    return [r for _, r in out]


@pytest.mark.slow
def test_dossier_codes_unique_across_processes(svc, db_path):
    n = 50
    results = run_processes(_receive_worker, [(str(db_path), n)] * WORKERS)
    codes = [c for r in results for c in r]
    assert len(codes) == len(set(codes)) == WORKERS * n
    assert all(len(r) == n for r in results)
    seqs = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert seqs == list(range(1, WORKERS * n + 1))
    assert all(c.startswith(f"{AGENCY}-260302-") for c in codes)
    assert svc.store.counts()["dossiers"] == WORKERS * n
    for r in results:  # each process saw its own codes in increasing order
        assert r == sorted(r)


@pytest.mark.slow
def test_call_next_from_several_processes(svc, db_path, clock):
    with svc.store.write():
        svc.store.save_counter(Counter(4, "Quầy 4", ("HT", "DD")))
    clock.set(datetime(2026, 3, 2, 8, 0))
    issued = []
    for i in range(200):
        service = "HT" if i % 3 else "DD"
        priority = "elderly" if i % 7 == 0 else None
        issued.append(svc.issue_ticket(service, priority=priority).ticket.id)
    results = run_processes(_call_worker, [(str(db_path), c) for c in (1, 2, 3, 4)])
    called = [i for r in results for i in r]
    assert len(called) == len(set(called)) == 200
    assert set(called) == set(issued)
    day = clock.now.date()
    states = Tally(t.state for t in svc.store.tickets(day))
    # a ticket left "serving" is finished by the counter's next call_next, even the last one
    assert states == {TicketState.DONE: 200}
    calls = Tally(e["entity_id"] for e in svc.store.events() if e["kind"] == "called")
    assert set(calls.values()) == {1} and len(calls) == 200
    # a counter only got its services
    services = {c.id: set(c.services) for c in svc.store.counters()}
    for t in svc.store.tickets(day):
        assert t.service_code in services[t.counter_id]


@pytest.mark.slow
def test_fresh_file_opened_by_several_processes(tmp_path):
    path = tmp_path / "fresh.db"
    results = run_processes(_open_worker, [(str(path),)] * WORKERS)
    codes = [c for r in results for c in r]
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, WORKERS * 5 + 1))
    svc = make_service(path, Clock(MONDAY))
    applied = [r["name"] for r in svc.store.db.query("SELECT name FROM _sqlite_migrations")]
    assert applied[0] == "m001_initial" and len(applied) == len(set(applied))  # each exactly once
    assert not migrations.pending(svc.store.db)
    assert sorted(svc.store.meta()) == ["agency_code", "created_at", "lookup_key_check", "office_id"]
    svc.store.close()


def test_call_next_from_several_threads(svc, clock):
    """The hub serves requests on a thread pool sharing one Store: each thread has its own connection."""
    with svc.store.write():
        svc.store.save_counter(Counter(4, "Quầy 4", ("HT", "DD")))
    issued = {svc.issue_ticket("HT" if i % 2 else "DD").ticket.id for i in range(80)}
    clock.set(datetime(2026, 3, 2, 9, 0))
    start = threading.Barrier(4)
    results: dict[int, list] = {}
    errors = []

    def work(counter):
        try:
            start.wait(timeout=30)
            got = []
            while (t := svc.call_next(counter)) is not None:
                got.append(t.id)
                svc.finish_ticket(t.id, counter)
            results[counter] = got
        except BaseException as e:
            errors.append(e)
        finally:
            svc.store.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in (1, 2, 3, 4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors
    called = [i for r in results.values() for i in r]
    assert len(called) == len(set(called)) == 80 and set(called) == issued
