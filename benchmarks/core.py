"""Core benchmarks: dossier lookup in a large store; concurrent call-next from many processes."""
from __future__ import annotations

import math
import multiprocessing as mp
import random
import sqlite3
import sys
import time
from datetime import datetime
from pathlib import Path

from benchmarks import percentiles, print_table
from demo.seed import demo_secret, seed_demo
from office.config import OfficeConfig
from office.model import Counter
from office.service import OfficeService

LOOKUPS = 20_000
BENCH_DAY = datetime(2026, 11, 25, 9, 0)  # a Wednesday, inside ticket hours


def main(args) -> int:
    """Run every core benchmark; exit 1 if a correctness check fails."""
    args.cache.mkdir(parents=True, exist_ok=True)
    ok = bench_lookup(args.cache, args.dossiers)
    ok &= bench_call_next(args.cache, args.processes, args.tickets)
    return 0 if ok else 1


def lookup_store(cache: Path, n: int) -> Path:
    """A store with `n` generated dossiers, built once and kept in `cache`."""
    path = cache / f"lookup-{n}.v2.sqlite"  # v2: hashed lookup secrets (demo_secret), name index
    if path.exists():
        return path
    tmp = path.with_suffix(".building")
    for f in tmp.parent.glob(tmp.name + "*"):
        f.unlink()
    started = time.perf_counter()
    days = 30 + math.ceil(n / 6000 * 7 / 5)
    svc = OfficeService.open(tmp, OfficeConfig())
    seed_demo(svc, dossiers=n, tickets=0, days=days, now=BENCH_DAY, with_events=False,
              progress=lambda msg: print(f"  {msg}", end="\r", file=sys.stderr))
    svc.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    svc.store.close()
    svc.store.key_path.rename(path.with_name(path.name + ".key"))  # the lookup key goes with the store
    tmp.rename(path)
    print(f"\nbuilt {path} with {n} dossiers in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def _interleaved(cases: list, codes: list[str]) -> dict[str, list[float]]:
    """Time every case on every code, rotating the order so cache effects hit all cases alike."""
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    for i, code in enumerate(codes):
        for name, fn in cases[i % len(cases):] + cases[:i % len(cases)]:
            t = time.perf_counter()
            fn(code)
            samples[name].append(time.perf_counter() - t)
    return samples


def bench_lookup(cache: Path, n: int) -> bool:
    """Dossier lookup by code: our store and use case vs bare indexed sqlite3 queries."""
    path = lookup_store(cache, n)
    svc = OfficeService.open(path, OfficeConfig())
    bare = sqlite3.connect(path)
    codes = [r[0] for r in bare.execute("SELECT code FROM dossiers")]
    rng = random.Random(1)
    sample = [rng.choice(codes) for _ in range(LOOKUPS)]
    secrets = {c: demo_secret(2026, c) for c in sample}  # the bench store is the demo office (seed 2026)

    def bare_one(code):
        bare.execute("SELECT * FROM dossiers WHERE code = ?", (code,)).fetchone()

    def bare_full(code):
        bare.execute("SELECT * FROM dossiers WHERE code = ?", (code,)).fetchone()
        bare.execute("SELECT * FROM steps WHERE dossier_code = ? ORDER BY id", (code,)).fetchall()
        bare.execute("SELECT * FROM due_changes WHERE dossier_code = ? ORDER BY id", (code,)).fetchall()

    cases = [
        ("bare sqlite3: 1 indexed query (dossier row)", bare_one),
        ("bare sqlite3: dossier + steps + due changes", bare_full),
        ("Store.dossier(code)", svc.store.dossier),
        ("OfficeService.kiosk_lookup(code, secret)", lambda c: svc.kiosk_lookup(c, secrets[c])),
    ]
    _interleaved(cases, sample)  # warm pass: every page the lookups touch is in the cache
    results = {name: percentiles(times) for name, times in _interleaved(cases, sample).items()}
    base = results["bare sqlite3: dossier + steps + due changes"]["p50"]
    rows = [[name, r["p50"], r["p95"], r["p99"], r["mean"], r["p50"] / base]
            for name, r in results.items()]
    print_table(f"Dossier lookup by code, {n:,} dossiers, {LOOKUPS:,} random lookups, warm cache (ms)",
                ["operation", "p50", "p95", "p99", "mean", "×bare-full p50"], rows)
    store_p99 = results["Store.dossier(code)"]["p99"]
    ratio = results["Store.dossier(code)"]["p50"] / base
    print(f"targets: Store.dossier p99 ≤ 1 ms → {store_p99:.3f} ms {'OK' if store_p99 <= 1 else 'MISSED'};"
          f" ≤ 2× bare → {ratio:.2f}× {'OK' if ratio <= 2 else 'MISSED'}")
    return True


class FixedClock:
    """A picklable clock frozen at one instant."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _caller(path: str, counter_id: int, start, out) -> None:
    """One counter process: call next and finish until the queue is empty."""
    svc = OfficeService.open(path, OfficeConfig(), clock=FixedClock(BENCH_DAY))
    called = []
    start.wait()
    while (t := svc.call_next(counter_id, f"bench{counter_id}")) is not None:
        called.append(t.id)
        svc.finish_ticket(t.id, counter_id)
    out.put(called)


def _run_callers(cache: Path, processes: int, tickets: int) -> tuple[float, list[int], set[int]]:
    path = cache / f"callnext-{processes}.sqlite"
    for f in cache.glob(path.name + "*"):
        f.unlink()
    svc = OfficeService.open(path, OfficeConfig(), clock=FixedClock(BENCH_DAY))
    seed_demo(svc, dossiers=0, tickets=0, days=0, now=BENCH_DAY)
    services = [s.code for s in svc.services()]
    with svc.store.write():
        for i in range(processes):
            svc.store.save_counter(Counter(100 + i, f"Quầy bench {i + 1}", tuple(services)))
        issued = {svc.issue_ticket(services[k % len(services)],
                                   "elderly" if k % 7 == 0 else None).ticket.id for k in range(tickets)}
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_caller, args=(str(path), 100 + i, start, out)) for i in range(processes)]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let every process import and open its connection
    t0 = time.perf_counter()
    start.set()
    called = [tid for _ in procs for tid in out.get()]
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join()
    return elapsed, called, issued


def bench_call_next(cache: Path, processes: int, tickets: int) -> bool:
    """Call-next + finish from 1 and from N processes on one store file: throughput, no duplicates."""
    rows, ok = [], True
    for n in sorted({1, processes}):
        elapsed, called, issued = _run_callers(cache, n, tickets)
        duplicates = len(called) - len(set(called))
        missing = len(issued - set(called))
        ok &= duplicates == 0 and missing == 0
        rows.append([f"{n} process(es)", len(called), duplicates, missing, elapsed, len(called) / elapsed])
    print_table(f"Concurrent call-next + finish on one store file ({tickets} tickets, WAL, synchronous=FULL)",
                ["callers", "called", "duplicates", "missing", "seconds", "calls/s"], rows)
    print(f"check: no duplicates, none missing → {'OK' if ok else 'FAILED'}")
    return ok
