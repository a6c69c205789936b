"""The office-side sync commands: `main.py sync` and `main.py reconcile`.

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
from typing import TYPE_CHECKING

from office.cli import add_command, add_token, token
from office.cli import config as office_config

if TYPE_CHECKING:  # types only: the core, the sync client and requests load when a command runs
    from office.config import OfficeConfig
    from office.service import OfficeService

log = logging.getLogger("sync")


def cmd_sync(args) -> int:
    """Sync an office store with the central system, once or every day at HH:MM."""
    return sync_command(args.db, office_config(args), args.central, _token(args), args.at, args.timeout,
                        args.batch_events, args.compress_level)


def cmd_reconcile(args) -> int:
    """Compare per-day event counts and id hashes of the office and the central system."""
    return reconcile_command(args.db, office_config(args), args.central, _token(args), args.timeout)


def _token(args) -> str:
    office_token = token(args)
    if not office_token:
        raise SystemExit("error: give this office's token (--token-file FILE or $MOTCUA_TOKEN; from `central enroll`)")
    return office_token


def register(subparsers) -> None:
    """`main.py sync` and `main.py reconcile`."""
    y = add_command(subparsers, "sync", cmd_sync,
                    "sync the office store with the central system (push change log, pull updates)")
    r = add_command(subparsers, "reconcile", cmd_reconcile,
                    "compare per-day event counts and hashes with the central system")
    for sp in (y, r):
        sp.add_argument("--db", type=Path, required=True, help="office store file")
        sp.add_argument("--central", required=True, help="central server URL, e.g. https://central.example.vn")
        add_token(sp, "this office's token (from `central enroll`)")
        sp.add_argument("--timeout", type=float, default=60, help="seconds per request (default 60)")
    when = y.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="sync once and exit (the default)")
    when.add_argument("--at", metavar="HH:MM", help="stay running and sync every day at this local time")
    y.add_argument("--batch-events", type=int, default=500, help="events per push batch (default 500)")
    y.add_argument("--compress-level", type=int, choices=range(1, 10), default=6, metavar="1-9",
                   help="gzip level of push batches: 6 (default, zlib) for slow WAN links; 1-3 (ISA-L, ~10x less CPU, "
                        "~35%% more bytes) for LAN links")


def _open(db: Path, config: OfficeConfig) -> OfficeService:
    from office.service import OfficeService

    if not db.exists():
        raise SystemExit(f"error: {db}: no such office store")
    return OfficeService.open(db, config)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S",
                        stream=sys.stderr)


def sync_once(svc: OfficeService, central: str, token: str, timeout: float, batch_events: int,
              compress_level: int = 6) -> int:
    """One sync run: log its summary and any conflicts; return the exit code."""
    from sync.client import SyncClient
    from sync.transport import Transport

    transport = Transport(central, token, connect_timeout=min(10.0, timeout), read_timeout=timeout)
    try:
        report = SyncClient(svc, transport, batch_events=batch_events, compress_level=compress_level).run()
    finally:
        transport.close()
    log.info(report.summary(svc.store.office_id))
    for conflict in report.conflicts:
        log.warning("pulled update not applied (see the sync_inbox table): %s", conflict)
    for q in report.quarantined:
        log.warning("event seq %s (%s) quarantined by the central system: %s", q["seq"], q["kind"], q["reason"])
    if report.ok:
        with svc.store.write():  # the receipts' QR points here unless the office set public_url
            svc.store.set_meta("central_url", central.rstrip("/"))
        return 0
    return 1 if report.error is None or report.error.transient else 2


def sync_command(db: Path, config: OfficeConfig, central: str, token: str, at: str | None,
                 timeout: float, batch_events: int, compress_level: int = 6) -> int:
    """`main.py sync`: once (default) or every day at HH:MM until interrupted."""
    from sync.client import next_run

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
    from sync.client import format_reconcile, reconcile
    from sync.transport import SyncError, Transport

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
