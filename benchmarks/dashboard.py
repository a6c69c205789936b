"""Office dashboard bench: a leader's browser reading /quan-ly from a hub (its own process) over
the large bench store (`--dossiers`, built once by the core bench) with this morning's queue (60
tickets, three counters at work, one paused, a device alert).

Times the whole page and its live part (what the page's script fetches every few seconds) over
HTTP with a logged-in session cookie, one request after another. The first view also computes
the month's QĐ 766 indices (a whole month of dossiers; reused for 5 minutes after), so it is
reported apart.
"""
from __future__ import annotations

import multiprocessing as mp
import re
import shutil
import time
from datetime import timedelta
from pathlib import Path

import requests

from benchmarks import percentiles, print_table
from benchmarks.core import BENCH_DAY, lookup_store
from benchmarks.hub import _serve
from hub.dashboard import LIVE_PATH, PATH
from office.auth import Credentials
from office.config import OfficeConfig
from office.service import OfficeService

LEADER, PIN = "bench.leader", "135790"
READS = 100


class _Clock:
    """A settable clock for preparing the morning's queue."""

    def __init__(self):
        self.now = BENCH_DAY

    def __call__(self):
        return self.now


def main(args) -> int:
    """Time the dashboard over a copy of the large bench store."""
    args.cache.mkdir(parents=True, exist_ok=True)
    bench_dashboard(args.cache, args.dossiers)
    return 0


def _office(cache: Path, dossiers: int) -> Path:
    """A fresh copy of the large store with a leader and this morning's queue."""
    source = lookup_store(cache, dossiers)
    path = cache / f"dashboard-{dossiers}.sqlite"
    for f in cache.glob(path.name + "*"):
        f.unlink()
    shutil.copyfile(source, path)
    shutil.copyfile(source.with_name(source.name + ".key"), path.with_name(path.name + ".key"))
    clock = _Clock()
    svc = OfficeService.open(path, OfficeConfig(), clock=clock)
    with svc.store.write():
        svc.store.save_staff(LEADER, "Lãnh đạo đo hiệu năng", "Phó Chủ tịch UBND xã", "Lãnh đạo UBND xã", leader=True)
    Credentials(svc.store).set_pin(LEADER, PIN)
    services = [s.code for s in svc.services()]
    clock.now = BENCH_DAY - timedelta(hours=1, minutes=30)
    for i in range(60):
        svc.issue_ticket(services[i % len(services)])
        clock.now += timedelta(minutes=1)
    clock.now = BENCH_DAY
    for counter in (1, 2, 3):
        svc.call_next(counter)
    svc.pause_counter(4, "Nghỉ giữa giờ")
    svc.report_device_problem("kiosk-1", "Máy in hết giấy")
    svc.store.close()
    return path


def bench_dashboard(cache: Path, dossiers: int) -> None:
    """Serve the store and time the page and its live part for a logged-in leader."""
    path = _office(cache, dossiers)
    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    server = ctx.Process(target=_serve, args=(str(path), ready), daemon=True)
    server.start()
    try:
        base = ready.get(timeout=60)
        browser = requests.Session()
        login = browser.get(base + PATH, timeout=30)
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        browser.post(base + PATH + "/dang-nhap", data={"csrf": csrf, "username": LEADER, "pin": PIN}, timeout=30,
                     allow_redirects=False)
        first = _read(browser, base + PATH)
        page = [_read(browser, base + PATH) for _ in range(READS)]
        live = [_read(browser, base + LIVE_PATH) for _ in range(READS)]
    finally:
        server.terminate()
        server.join(10)
    rows = [["page /quan-ly, first view (computes the month)", 1, first * 1000, first * 1000, first * 1000]]
    for name, samples in (("page /quan-ly", page), ("live part /quan-ly/truc-tiep", live)):
        p = percentiles(samples)
        rows.append([name, len(samples), p["p50"], p["p95"], p["p99"]])
    print_table(f"Office dashboard on the hub ({dossiers:,} dossiers, a leader logged in, requests one by one)",
                ["read", "n", "p50 ms", "p95 ms", "p99 ms"], rows)


def _read(browser: requests.Session, url: str) -> float:
    """Seconds for one logged-in GET (raises unless it answered the dashboard)."""
    t = time.perf_counter()
    answer = browser.get(url, timeout=120)
    took = time.perf_counter() - t
    if answer.status_code != 200 or 'id="as-of"' not in answer.text:
        raise RuntimeError(f"dashboard read failed: {answer.status_code}")
    return took
