"""Fault injection: a proxy on 127.0.0.1 dropping, delaying, truncating, resetting and stalling
connections; kill -9 of the sync process mid-batch; the central server killed and restarted
mid-batch. After it all: zero events lost, zero applied twice, reconciliation clean, both sides agree."""
from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from faultproxy import FaultProxy
from office_support import OFFICER, Clock
from sync_support import enroll, office, receive

from central.server import CentralThread
from central.store import CentralStore
from office.model import Actor
from office.model import DossierStatus as S
from sync.client import SyncClient, reconcile
from sync.transport import Transport
from testkit.pgtest import free_port

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
BACK = Actor("Lê Văn Cường", "Phó trưởng phòng", "Phòng Tư pháp")


def office_day(svc, rng: random.Random, day: datetime, dossiers: int = 20, tickets: int = 15) -> None:
    """One working day of an office: dossiers received and moved on, a queue served."""
    svc.clock.set(day.replace(hour=8))
    codes = receive(svc, dossiers)
    for code in rng.sample(codes, dossiers // 2):
        svc.clock.advance(minutes=3)
        svc.change_status(code, S.PROCESSING, OFFICER, "Chuyển xử lý")
    for _ in range(tickets):
        svc.clock.advance(minutes=1)
        svc.issue_ticket(rng.choice(["HT", "DD"]))
    svc.clock.advance(minutes=1)
    while (t := svc.call_next(2, "hoa.tt")) is not None:
        svc.clock.advance(minutes=1)
        svc.finish_ticket(t.id, 2)


def back_office(central: CentralStore, office_id: str, rng: random.Random, day: datetime, n: int) -> list[str]:
    """The back office finishes some dossiers being processed; returns the update ids."""
    ids = []
    processing = [c for c, s in central.dossier_statuses(office_id).items() if s == S.PROCESSING]
    for code in rng.sample(processing, min(n, len(processing))):
        r = central.post_step(code, 9, BACK.name, BACK.role, BACK.department, f"Có kết quả [{code}]",
                              day.replace(hour=16))
        ids.append(r["update_id"])
    return ids


def assert_converged(svc, central: CentralStore, url: str, token: str, update_ids: list[str]) -> None:
    office_events = svc.store.event_rows(0, 10**9)
    central_events = central.events(svc.store.office_id)
    assert len(central_events) == len(office_events), "events lost or applied twice"
    assert central_events == office_events  # same ids, same seqs, byte-identical payloads
    assert central.office_state(svc.store.office_id)["hwm"] == svc.store.last_event_seq()
    with svc.store.read() as db:
        inbox = Counter(r["update_id"] for r in db.query("SELECT update_id FROM sync_inbox"))
    assert all(inbox[u] == 1 for u in update_ids)
    for u in update_ids:
        assert svc.store.inbox_outcome(u) == "applied"
    steps = Counter(s.content for code in svc.store.dossier_codes(limit=10**6) for s in svc.dossier(code).steps)
    assert all(n == 1 for content, n in steps.items() if content.startswith("Có kết quả ["))
    office_status = {c: int(svc.dossier(c).status) for c in svc.store.dossier_codes(limit=10**6)}
    assert central.dossier_statuses(svc.store.office_id) == office_status
    rows = reconcile(svc, Transport(url, token))
    assert rows and all(r["ok"] for r in rows)


@pytest.mark.slow
def test_over_a_thousand_injected_faults_lose_nothing_and_apply_nothing_twice(tmp_path, sqlite_central):
    rng = random.Random(7)
    srv = CentralThread(sqlite_central).start()
    proxy = FaultProxy(srv.port, rate=0.35, seed=11, stall_seconds=0.6).start()
    token = enroll(sqlite_central)
    svc = office(tmp_path / "office.db", "office-a", clock=Clock())
    transport = Transport(proxy.url, token, connect_timeout=0.5, read_timeout=0.5, attempts=40,
                          backoff=0.005, max_backoff=0.05)
    sync = SyncClient(svc, transport, batch_events=5, pull_limit=4)
    update_ids, runs, failed_runs = [], 0, 0
    day = datetime(2026, 3, 2)
    started = time.monotonic()
    try:
        while proxy.total < 1000 or runs == 0:
            if day.weekday() < 5:
                office_day(svc, rng, day)
                update_ids += back_office(sqlite_central, "office-a", rng, day, 6)
                while True:  # the nightly sync: run again until it completes, as an operator would
                    runs += 1
                    report = sync.run()
                    if report.ok:
                        break
                    failed_runs += 1
                    assert report.error.transient, report.error
            day += timedelta(days=1)
            assert time.monotonic() - started < 240, "fault test took too long"
        for _ in range(3):  # a last clean round (the last pulls logged new events)
            assert sync.run().ok
        assert_converged(svc, sqlite_central, srv.url, token, update_ids)
    finally:
        proxy.stop()
        srv.stop()
    events = svc.store.last_event_seq()
    print(f"\nfault injection: {proxy.total} faults {dict(proxy.faults)} over {proxy.connections} "
          f"connections; {events} events over {(day - datetime(2026, 3, 2)).days} days; "
          f"{len(update_ids)} back-office steps; {runs} sync runs ({failed_runs} cut short); "
          f"{transport.retries} retries; lost 0, applied twice 0; {time.monotonic() - started:.1f} s")
    assert proxy.total >= 1000 and all(proxy.faults[k] for k in ("drop", "delay", "truncate", "reset", "stall"))
    assert events >= 1000 and len(update_ids) >= 20


def _serve(db: str, port: int) -> subprocess.Popen:
    p = subprocess.Popen([PY, "main.py", "central", "serve", "--db", db, "--port", str(port)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = p.stdout.readline()
    assert "serving" in line, line + p.stdout.read()
    return p


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_central_killed_and_restarted_mid_batch(tmp_path, backend, request):
    url = str(tmp_path / "central.db") if backend == "sqlite" else \
        request.getfixturevalue("postgres").create_database(f"restart_{os.getpid()}")
    store = CentralStore(url)
    token = enroll(store)
    svc = office(tmp_path / "office.db", "office-a", clock=Clock())
    rng = random.Random(3)
    for d in range(2, 7):
        office_day(svc, rng, datetime(2026, 3, d), dossiers=60, tickets=40)
    port = free_port()
    central = _serve(url, port)
    transport = Transport(f"http://127.0.0.1:{port}", token, connect_timeout=0.5, read_timeout=2,
                          attempts=200, backoff=0.01, max_backoff=0.1)
    sync = SyncClient(svc, transport, batch_events=5)
    import threading

    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("report", sync.run()))
    worker.start()
    restarts = 0
    try:
        total = svc.store.last_event_seq()
        while worker.is_alive() and restarts < 3:
            hwm = store.office_state("office-a")["hwm"]
            if hwm > (restarts + 1) * total // 5:
                central.send_signal(signal.SIGKILL)
                central.wait()
                restarts += 1
                time.sleep(0.3)
                central = _serve(url, port)
            time.sleep(0.005)
        worker.join(120)
        assert restarts == 3 and result["report"].ok, result.get("report")
        assert_converged(svc, store, f"http://127.0.0.1:{port}", token, [])
    finally:
        central.send_signal(signal.SIGKILL)
        central.wait()
        store.close()


@pytest.mark.slow
def test_kill_9_of_the_sync_process_mid_batch_resumes_where_it_stopped(tmp_path, sqlite_central):
    srv = CentralThread(sqlite_central).start()
    proxy = FaultProxy(srv.port, rate=1.0, seed=5, weights={"delay": 1}).start()  # a slow link
    token = enroll(sqlite_central)
    dept_ids = []
    svc = office(tmp_path / "office.db", "office-a", clock=Clock())
    rng = random.Random(9)
    for d in range(2, 5):
        office_day(svc, rng, datetime(2026, 3, d), dossiers=40, tickets=20)
    assert SyncClient(svc, Transport(srv.url, token)).run().ok  # first night: central knows the dossiers
    for d in range(5, 7):
        office_day(svc, rng, datetime(2026, 3, d), dossiers=40, tickets=20)
    dept_ids = back_office(sqlite_central, "office-a", rng, datetime(2026, 3, 6), 30)
    svc.store.close()
    cmd = [PY, "main.py", "sync", "--db", str(tmp_path / "office.db"), "--central", proxy.url,
           "--token", token, "--batch-events", "3", "--timeout", "5"]
    kills = 0
    try:
        for _ in range(4):  # kill at random moments: during push, pull or checkpoint writes
            p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(1.0, 2.5))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.wait()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert re.search(r"sync office=office-a .* OK", done.stderr)
        svc = office(tmp_path / "office.db", "office-a", clock=Clock(), catalogue=False)
        assert_converged(svc, sqlite_central, srv.url, token, dept_ids)
    finally:
        proxy.stop()
        srv.stop()
    assert kills >= 3
