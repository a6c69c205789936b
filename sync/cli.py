"""The office-side sync commands behind `main.py sync` and `main.py reconcile`.

Exit codes: 0 everything synced / reconciled; 1 not everything synced (the link or the central
system failed: run again, nothing is lost) or a reconciliation mismatch; 2 refused by the
central system (bad or revoked token, office clock off, store replaced: fix, then run again).
"""
from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from pathlib import Path

from office.config import OfficeConfig
from office.service import OfficeService
from sync.client import SyncClient, format_reconcile, next_run, reconcile
from sync.transport import SyncError, Transport

log = logging.getLogger("sync")


def _open(db: Path, config: OfficeConfig) -> OfficeService:
    if not db.exists():
        raise SystemExit(f"error: {db}: no such office store")
    return OfficeService.open(db, config)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S",
                        stream=sys.stderr)


def sync_once(svc: OfficeService, central: str, token: str, timeout: float, batch_events: int,
              compress_level: int = 6) -> int:
    """One sync run: log its summary and any conflicts; return the exit code."""
    transport = Transport(central, token, connect_timeout=min(10.0, timeout), read_timeout=timeout)
    try:
        report = SyncClient(svc, transport, batch_events=batch_events, compress_level=compress_level).run()
    finally:
        transport.close()
    log.info(report.summary(svc.store.office_id))
    for conflict in report.conflicts:
        log.warning("pulled update not applied (see the sync_inbox table): %s", conflict)
    if report.ok:
        return 0
    return 1 if report.error is None or report.error.transient else 2


def sync_command(db: Path, config: OfficeConfig, central: str, token: str, at: str | None,
                 timeout: float, batch_events: int, compress_level: int = 6) -> int:
    """`main.py sync`: once (default) or every day at HH:MM until interrupted."""
    _logging()
    svc = _open(db, config)
    if at is None:
        return sync_once(svc, central, token, timeout, batch_events, compress_level)
    try:
        next_run(datetime.now(), at)
    except ValueError:
        print(f"error: --at {at!r} is not a time HH:MM", file=sys.stderr)
        return 2
    while True:
        when = next_run(datetime.now(), at)
        log.info("next sync at %s", when.isoformat(sep=" ", timespec="minutes"))
        while (left := (when - datetime.now()).total_seconds()) > 0:
            time.sleep(min(left, 60))
        sync_once(svc, central, token, timeout, batch_events, compress_level)


def reconcile_command(db: Path, config: OfficeConfig, central: str, token: str, timeout: float) -> int:
    """`main.py reconcile`: print the per-day table; non-zero exit on any mismatch."""
    _logging()
    svc = _open(db, config)
    transport = Transport(central, token, connect_timeout=min(10.0, timeout), read_timeout=timeout)
    try:
        rows = reconcile(svc, transport)
    except SyncError as e:
        print(f"error [{e.code}]: {e.message}", file=sys.stderr)
        return 1 if e.transient else 2
    finally:
        transport.close()
    print(format_reconcile(rows))
    return 0 if all(r["ok"] for r in rows) else 1
