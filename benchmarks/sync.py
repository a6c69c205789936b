"""Sync benchmarks: office → central push throughput on SQLite and PostgreSQL next to a bare bulk
insert of the same rows into the same kind of database, and the time to resume after kill -9."""
from __future__ import annotations

import math
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from benchmarks import print_table
from central.store import EVENT_INSERT, CentralStore
from demo.seed import seed_demo
from office.config import OfficeConfig
from office.service import OfficeService
from sync.client import SyncClient
from sync.transport import Transport
from testkit.pgtest import PostgresUnavailable, TempPostgres

ROOT = Path(__file__).resolve().parent.parent
BENCH_DAY = datetime(2026, 11, 25, 9, 0)
BATCH_EVENTS = 5000  # the protocol's maximum: fewer commits and round trips per event
BATCH_BYTES = 16 * 1024 * 1024  # a LAN-speed link: batches are bounded by the event count
COMPRESS_LEVEL = 2  # gzip level for a LAN-speed link, by ISA-L (`main.py sync --compress-level 2`)
TARGET = 0.5  # sync rate ≥ 50% of the bare insert rate
ROUNDS = 3  # bare and sync alternate; the best of each is compared


def office_store(cache: Path, n: int) -> Path:
    """An office store with about `n` change-log events (demo dossiers), built once into `cache`."""
    path = cache / f"sync-office-{n}.sqlite"
    if path.exists():
        return path
    tmp = path.with_suffix(".building")
    for f in cache.glob(tmp.name + "*"):
        f.unlink()
    svc = OfficeService.open(tmp, OfficeConfig())
    seed_demo(svc, dossiers=n, tickets=0, days=30 + math.ceil(n / 3000 * 7 / 5), now=BENCH_DAY,
              progress=lambda msg: print(f"  {msg}", end="\r", file=sys.stderr))
    svc.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    svc.store.close()
    svc.store.key_path.rename(path.with_name(path.name + ".key"))  # the lookup key goes with the store
    tmp.rename(path)
    return path


def serve(db: str) -> tuple[subprocess.Popen, str]:
    """`main.py central serve` on a free loopback port; returns the process and its URL."""
    p = subprocess.Popen([sys.executable, "main.py", "central", "serve", "--db", db, "--port", "0"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = p.stdout.readline()
    if "serving" not in line:
        raise RuntimeError(f"central did not start: {line}{p.stdout.read()}")
    return p, line.split(" on ")[-1].strip()


def stop(p: subprocess.Popen) -> None:
    """Stop a central server process."""
    p.send_signal(signal.SIGKILL)
    p.wait()


def bare_insert(url: str, rows: list[tuple]) -> float:
    """Seconds to insert the rows into a fresh central events table in one transaction."""
    store = CentralStore(url)
    started = time.perf_counter()
    with store.tx() as x:
        x.many(EVENT_INSERT, rows)
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def enroll(store: CentralStore, svc: OfficeService) -> str:
    """Enroll the bench office with a number block holding every code it issued (the demo numbers
    each day from 1), so no event is quarantined: the bench measures the accepting path."""
    token = store.enroll_office(svc.store.office_id, agency=svc.store.agency_code)
    store.lease_block(svc.store.office_id, svc.store.agency_code, svc.config.sequence_last, date(2000, 1, 1))
    return token


def push_all(office_db: Path, url: str) -> tuple[float, int]:
    """Enroll the office in a fresh central store, push everything; (seconds, events)."""
    store = CentralStore(url)
    svc = OfficeService.open(office_db, OfficeConfig())
    with svc.store.write():
        svc.store.set_sync_value("push_checkpoint", "0")
    token = enroll(store, svc)
    store.close()
    server, base = serve(url)
    try:
        report = SyncClient(svc, Transport(base, token), batch_events=BATCH_EVENTS,
                            batch_bytes=BATCH_BYTES, compress_level=COMPRESS_LEVEL).run()
    finally:
        stop(server)
    if not report.ok or report.quarantined:
        raise RuntimeError(f"sync failed: {report.summary(svc.store.office_id)}")
    return report.seconds, report.pushed


def resume_after_kill(office_db: Path, url: str) -> tuple[float, float]:
    """kill -9 `main.py sync` mid-push, restart it; (seconds until the first new batch is
    committed centrally, seconds until everything is synced)."""
    store = CentralStore(url)
    svc = OfficeService.open(office_db, OfficeConfig())
    with svc.store.write():
        svc.store.set_sync_value("push_checkpoint", "0")
    total = svc.store.last_event_seq()
    token = enroll(store, svc)
    server, base = serve(url)
    batch = min(BATCH_EVENTS, max(1, total // 10))  # at least ten batches: the kill lands mid-push
    cmd = [sys.executable, "main.py", "sync", "--db", str(office_db), "--central", base, "--token", token,
           "--batch-events", str(batch), "--compress-level", str(COMPRESS_LEVEL)]

    def hwm() -> int:
        return store.office_state(svc.store.office_id)["hwm"]

    try:
        first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: hwm() >= total // 3, first, "the first sync to reach one third")
        first.send_signal(signal.SIGKILL)
        first.wait()
        at_kill = settled_hwm(store, svc.store.office_id)  # batches already on the wire still land
        if at_kill >= total:
            raise RuntimeError("the push finished before the kill: bench with more events")
        started = time.perf_counter()
        second = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: hwm() > at_kill, second, "the restarted sync's first batch")
        resumed = time.perf_counter() - started
        second.wait(600)
        finished = time.perf_counter() - started
        if second.returncode or store.office_state(svc.store.office_id)["hwm"] != total:
            raise RuntimeError("sync after kill did not complete")
    finally:
        stop(server)
        store.close()
    return resumed, finished


def _wait(condition: Callable[[], bool], process: subprocess.Popen, what: str, timeout: float = 600) -> None:
    """Poll until `condition` holds; raise if `process` ended first or after `timeout` seconds."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if process.poll() is not None and not condition():
            raise RuntimeError(f"sync exited with {process.returncode} before {what}")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def settled_hwm(store: CentralStore, office_id: str, quiet: float = 0.5) -> int:
    """The office's central hwm once it has not moved for `quiet` seconds."""
    hwm, since = store.office_state(office_id)["hwm"], time.perf_counter()
    while time.perf_counter() - since < quiet:
        time.sleep(0.02)
        now = store.office_state(office_id)["hwm"]
        if now != hwm:
            hwm, since = now, time.perf_counter()
    return hwm


def main(args) -> int:
    """Run the sync benchmarks on SQLite and PostgreSQL (a failed sync raises; targets are reported)."""
    args.cache.mkdir(parents=True, exist_ok=True)
    office_db = office_store(args.cache, args.sync_events)
    svc = OfficeService.open(office_db, OfficeConfig())
    rows = svc.store.event_rows(0, 10**9)
    svc.store.close()
    work = args.cache / "sync-central"
    work.mkdir(exist_ok=True)
    results, resumes, met = [], [], True
    pg = None
    try:
        pg = TempPostgres().start()
    except PostgresUnavailable as e:
        print(f"PostgreSQL skipped: {e}", file=sys.stderr)
    backends = [("SQLite", lambda name: str(_fresh(work / f"{name}.db")))]
    if pg:
        backends.append(("PostgreSQL", pg.create_database))
    try:
        for label, make in backends:
            bares, syncs = [], []
            for n in range(ROUNDS):  # alternating, so load from other work hits both alike
                bares.append(len(rows) / bare_insert(make(f"bare{n}"), rows))
                seconds, pushed = push_all(office_db, make(f"sync{n}"))
                if pushed != len(rows):
                    raise RuntimeError(f"sync pushed {pushed} of {len(rows)} events")
                syncs.append(pushed / seconds)
            print(f"{label} rounds: bare {', '.join(f'{r:,.0f}' for r in bares)} ev/s; "
                  f"sync {', '.join(f'{r:,.0f}' for r in syncs)} ev/s", file=sys.stderr)
            resumed, finished = resume_after_kill(office_db, make("resume"))
            ratio = max(syncs) / max(bares)
            met &= ratio >= TARGET
            results.append([label, len(rows), max(bares), max(syncs), ratio])
            resumes.append([label, resumed, finished])
    finally:
        if pg:
            pg.stop()
    print_table(f"Sync office → central over HTTP (loopback, central in its own process), {len(rows):,} "
                f"events, batches of {BATCH_EVENTS} (gzip level {COMPRESS_LEVEL}, ISA-L), up to 2 in flight, "
                f"one transaction "
                f"per batch; "
                f"bare = one executemany of the same rows into an empty events table of the same database; "
                f"best of {ROUNDS} alternating rounds each", ["central store", "events", "bare insert ev/s",
                                                               "sync ev/s", "sync/bare"],
                results)
    print(f"target: sync ≥ {TARGET:.0%} of the bare bulk insert → {'OK' if met else 'MISSED'}")
    print_table("Resume after kill -9 of `main.py sync` at one third of the push (seconds)",
                ["central store", "first batch after restart", "all synced after restart"], resumes)
    return 0


def _fresh(path: Path) -> Path:
    for f in path.parent.glob(path.name + "*"):
        f.unlink()
    return path
