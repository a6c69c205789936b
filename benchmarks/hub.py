"""Hub bench: ticket issue and call-next through the hub over HTTP on loopback vs the same use
cases embedded in-process, each with 30 concurrent clients: latency percentiles and throughput.

The hub runs in its own process (as in an office, where it is its own program), the clients are
threads of this one; both sides use a fixed clock inside ticket hours. Two loads: paced (each
client pauses 0–400 ms between operations, about 120 operations/s in all — far above a real
office's busiest minute; the p95 target applies here) and saturated (back to back: throughput,
and latency that is mostly queueing behind the single writer).
"""
from __future__ import annotations

import multiprocessing as mp
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import percentiles, print_table
from benchmarks.core import BENCH_DAY, FixedClock
from demo.seed import seed_demo
from hub.client import HubClient
from office.auth import Credentials
from office.config import OfficeConfig
from office.gateway import OfficeGateway
from office.model import Counter
from office.service import OfficeService

CLIENTS = 30
TARGET_P95_MS = 50.0
PACED_THINK_S = 0.2  # mean pause between two operations of one client
STAFF, PIN = "bench.staff", "135790"


def main(args) -> int:
    """Run the hub bench; exit 1 if a ticket was lost or called twice."""
    args.cache.mkdir(parents=True, exist_ok=True)
    return 0 if bench_hub(args.cache, args.tickets, CLIENTS) else 1


def _store(cache: Path, name: str, clients: int) -> OfficeService:
    """A fresh demo-catalogue store with one bench counter per client serving every service."""
    path = cache / f"hub-{name}.sqlite"
    for f in cache.glob(path.name + "*"):
        f.unlink()
    svc = OfficeService.open(path, OfficeConfig(), clock=FixedClock(BENCH_DAY))
    seed_demo(svc, dossiers=0, tickets=0, days=0, now=BENCH_DAY)
    services = tuple(s.code for s in svc.services())
    with svc.store.write():
        for i in range(clients):
            svc.store.save_counter(Counter(100 + i, f"Quầy bench {i + 1}", services))
        svc.store.save_staff(STAFF, "Cán bộ đo hiệu năng", "Chuyên viên", "Bộ phận Một cửa")
    Credentials(svc.store).set_pin(STAFF, PIN)
    return svc


def _serve(path: str, ready) -> None:
    """Subprocess: serve the hub over `path` on a free loopback port, report its URL."""
    from hub.server import serve

    serve(OfficeService.open(path, OfficeConfig(), clock=FixedClock(BENCH_DAY)), "127.0.0.1", 0,
          announce=ready.put)


def _concurrently(workers: list[Callable[[], None]]) -> float:
    """Start every worker at once on its own thread; seconds until the last one finished."""
    start = threading.Barrier(len(workers) + 1)
    threads = [threading.Thread(target=lambda w=w: (start.wait(), w())) for w in workers]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def _timed(samples: list[float], fn: Callable, *args):
    t = time.perf_counter()
    result = fn(*args)
    samples.append(time.perf_counter() - t)
    return result


def _phases(ports: list, tickets: int, think: float) -> dict:
    """Issue `tickets` from all ports at once, then call next + finish until every queue is empty.

    `think`: mean pause of each client between two operations (0: back to back, saturation).
    """
    services = [s.code for s in ports[0].services()]
    issue: list[float] = []
    issued: list[int] = []
    per_client = -(-tickets // len(ports))

    def pause(rng: random.Random) -> None:
        if think:
            time.sleep(rng.uniform(0, 2 * think))

    def issuer(i: int, port) -> Callable[[], None]:
        def run():
            rng = random.Random(i)
            for k in range(per_client):
                pause(rng)
                issued.append(_timed(issue, port.issue_ticket, services[(i + k) % len(services)]).ticket.id)
        return run

    issue_s = _concurrently([issuer(i, p) for i, p in enumerate(ports)])
    call: list[float] = []
    finish: list[float] = []
    called: list[int] = []

    def caller(i: int, port) -> Callable[[], None]:
        def run():
            rng, counter = random.Random(i), 100 + i
            while pause(rng) or (t := _timed(call, port.call_next, counter)) is not None:
                called.append(t.id)
                pause(rng)
                _timed(finish, port.finish_ticket, t.id, counter)
        return run

    call_s = _concurrently([caller(i, p) for i, p in enumerate(ports)])
    return {"issue": (issue, issue_s), "call_next": (call, call_s), "finish": (finish, call_s),
            "issued": issued, "called": called}


def _embedded_ports(svc: OfficeService, clients: int) -> list[OfficeGateway]:
    """One embedded counter per client (as an app on the store runs), the bench staff member logged in."""
    ports = []
    for i in range(clients):
        port = OfficeGateway.embedded(svc, "counter", f"bench-{i}")
        port.login(STAFF, PIN, 100 + i)
        ports.append(port)
    return ports


def _hub_ports(url: str, credentials: Credentials, clients: int) -> list[HubClient]:
    """One enrolled counter device per client, each with the bench staff member logged in."""
    ports = []
    for i in range(clients):
        port = HubClient(url, credentials.enroll("counter", f"bench-{i}"))
        port.login(STAFF, PIN, 100 + i)
        ports.append(port)
    return ports


def bench_hub(cache: Path, tickets: int, clients: int) -> bool:
    """Embedded vs hub side by side, paced and saturated; every ticket must be called exactly once."""
    loads = {f"paced {PACED_THINK_S * 1000:.0f} ms": (PACED_THINK_S, max(tickets // 2, clients)),
             "saturated": (0.0, tickets)}
    results = {}
    for load, (think, n) in loads.items():
        embedded = _store(cache, "embedded", clients)
        results["embedded", load] = _phases(_embedded_ports(embedded, clients), n, think)
        embedded.store.close()
    served = _store(cache, "hub", clients)
    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    server = ctx.Process(target=_serve, args=(served.store.path, ready), daemon=True)
    server.start()
    try:
        url = ready.get(timeout=60)
        ports = _hub_ports(url, Credentials(served.store), clients)
        for load, (think, n) in loads.items():
            results["hub", load] = _phases(ports, n, think)
    finally:
        server.terminate()
        server.join(10)
    rows, ok, p95 = [], True, {}
    for (mode, load), r in results.items():
        duplicates = len(r["called"]) - len(set(r["called"]))
        missing = len(set(r["issued"]) - set(r["called"]))
        ok &= duplicates == 0 and missing == 0
        for op in ("issue", "call_next", "finish"):
            samples, seconds = r[op]
            stats = percentiles(samples)
            p95[mode, load, op] = stats["p95"]
            rows.append([f"{op} — {mode}, {load}", len(samples), stats["p50"], stats["p95"], stats["p99"],
                         stats["mean"], len(samples) / seconds])
        rows[-1][0] += f" [{duplicates} dup, {missing} lost]"
    print_table(f"Hub over HTTP on loopback vs embedded in-process, {clients} concurrent clients (ms). "
                f"paced: each client pauses 0–{2 * PACED_THINK_S * 1000:.0f} ms between operations; "
                "saturated: back to back. ops/s: that operation alone (call_next and finish share a phase)",
                ["operation — mode, load", "ops", "p50", "p95", "p99", "mean", "ops/s"], rows)
    paced = next(iter(loads))
    worst = max(p95["hub", paced, "issue"], p95["hub", paced, "call_next"])
    print(f"target: hub issue/call-next p95 ≤ {TARGET_P95_MS:.0f} ms with {clients} paced clients → "
          f"{worst:.1f} ms {'OK' if worst <= TARGET_P95_MS else 'MISSED'}; saturated, latency is queueing "
          f"behind the one writer (≈ clients ÷ throughput). No duplicates, none missing → "
          f"{'OK' if ok else 'FAILED'}")
    return ok
