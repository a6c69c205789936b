"""The office side of sync: push the change log, pull central updates, reconcile.

Push: from the office-side checkpoint, the change log goes up in compressed batches; after each
batch the central high-water mark comes back and becomes the new checkpoint (saved in the office
store). A handshake first aligns the checkpoint with the central hwm, so a crash on either side
at any point resumes exactly where it stopped: never a gap, and a resent event is a no-op.

Pull: central updates (back-office steps, catalogue, calendar days, number blocks) are applied
in one office transaction per page together with the new pull cursor, through the domain rules
(OfficeService.apply_central_step) and recorded by update id, so a second delivery changes nothing.
"""
from __future__ import annotations

import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable, TextIO

from office.model import Actor, Field
from office.service import OfficeService
from sync.protocol import (MAX_BATCH_EVENTS, compare_digests, day_digests, encode_batch,
                           procedure_from_wire)
from sync.transport import SyncError, Transport

log = logging.getLogger("sync")
PUSH_CHECKPOINT = "push_checkpoint"
PULL_CURSOR = "pull_cursor"
LAST_SYNC = "last_sync_at"
BATCH_BYTES = 1024 * 1024  # raw JSON per batch before compression: sized for slow links


class Progress:
    """Count, rate and ETA on one terminal line, refreshed at most 5 times a second (TTY only)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic):
        """`stream` defaults to stderr; nothing is drawn when it is not a terminal."""
        self.label, self.total, self.done = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.clock = clock
        self.started = self._drawn = clock()

    def line(self) -> str:
        """The progress text, e.g. "push 1,200/10,000 events  800 ev/s  ETA 0:00:11"."""
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = timedelta(seconds=round((self.total - self.done) / rate)) if rate > 0 else "?"
        return f"{self.label} {self.done:,}/{self.total:,} events  {rate:,.0f} ev/s  ETA {eta}"

    def update(self, done: int) -> None:
        """Record progress and redraw if due."""
        self.done = done
        if self.enabled and (self.clock() - self._drawn >= 0.2 or done >= self.total):
            self._drawn = self.clock()
            self.stream.write("\r" + self.line().ljust(70))
            self.stream.flush()

    def finish(self) -> None:
        """End the progress line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class SyncReport:
    """What one sync run did; `ok` means everything was pushed and pulled."""

    pushed: int = 0
    duplicates: int = 0
    hwm: int = 0
    local_last: int = 0
    pulled: int = 0
    applied: int = 0
    conflicts: list[str] = field(default_factory=list)
    retries: int = 0
    seconds: float = 0.0
    error: SyncError | None = None

    @property
    def ok(self) -> bool:
        """Everything acknowledged by the central system and every update pulled."""
        return self.error is None and self.hwm >= self.local_last

    def summary(self, office_id: str) -> str:
        """The one-line log summary."""
        rate = self.pushed / self.seconds if self.seconds else 0
        state = "OK" if self.ok else f"INCOMPLETE ({self.error.code}: {self.error.message})" \
            if self.error else "INCOMPLETE"
        return (f"sync office={office_id} pushed={self.pushed} ({rate:,.0f} ev/s, duplicates={self.duplicates})"
                f" central_hwm={self.hwm} local_last={self.local_last} pulled={self.pulled}"
                f" applied={self.applied} conflicts={len(self.conflicts)} retries={self.retries}"
                f" seconds={self.seconds:.1f} {state}")


class SyncClient:
    """Sync one office store with the central system over a Transport."""

    def __init__(self, svc: OfficeService, transport: Transport, *, batch_events: int = 500,
                 batch_bytes: int = BATCH_BYTES, pull_limit: int = 500, compress_level: int = 6,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 progress_stream: TextIO | None = None):
        """`clock` (aware UTC) stamps batches; the central side rejects a skewed office clock.
        `compress_level` is the gzip level: 6 suits slow links, 1 saves CPU on fast ones."""
        self.svc = svc
        self.store = svc.store
        self.transport = transport
        self.batch_events = min(batch_events, MAX_BATCH_EVENTS)
        self.batch_bytes = batch_bytes
        self.pull_limit = pull_limit
        self.compress_level = compress_level
        self.clock = clock
        self.progress_stream = progress_stream

    def checkpoint(self) -> int:
        """The office-side push checkpoint: every event up to it is held by the central system."""
        return int(self.store.sync_value(PUSH_CHECKPOINT, "0"))

    def _save_checkpoint(self, value: int) -> None:
        with self.store.write():
            self.store.set_sync_value(PUSH_CHECKPOINT, str(value))

    def handshake(self) -> int:
        """Align the checkpoint with the central hwm and return it."""
        hwm = self.transport.request_json("GET", "/v1/office")["hwm"]
        local_last = self.store.last_event_seq()
        if hwm > local_last:
            raise SyncError("seq_conflict", f"the central system holds events up to seq {hwm} but this "
                            f"office store ends at {local_last}: it was replaced by an older copy; "
                            "contact the central administrator")
        checkpoint = self.checkpoint()
        if hwm != checkpoint:
            if hwm < checkpoint:
                log.warning("central hwm %d is behind the office checkpoint %d: resending from %d",
                            hwm, checkpoint, hwm)
            self._save_checkpoint(hwm)
        return hwm

    def _batch(self, after: int) -> list[tuple]:
        rows = self.store.event_rows(after, self.batch_events)
        size, keep = 0, 0
        for keep, row in enumerate(rows, start=1):
            size += len(row[6]) + 200
            if size > self.batch_bytes and keep > 1:
                keep -= 1
                break
        return rows[:keep]

    def _encode(self, after: int) -> tuple[int, int, bytes]:
        """(after_seq, last seq, compressed batch) of the next batch after `after`."""
        rows = self._batch(after)
        body = encode_batch(self.store.office_id, after, rows, self.clock(), self.compress_level)
        return after, rows[-1][0] if rows else after, body

    def push(self, report: SyncReport) -> None:
        """Push everything after the checkpoint, batch by batch. The next batch is read and
        compressed by a helper thread while the current one is on the wire."""
        checkpoint = report.hwm = self.handshake()
        report.local_last = self.store.last_event_seq()
        progress = Progress("push", report.local_last - checkpoint, self.progress_stream)
        start = checkpoint
        with ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(self._encode, checkpoint)
            while checkpoint < report.local_last:
                after, last, body = ahead.result()
                if after != checkpoint:  # the central side asked for something else: rebuild
                    after, last, body = self._encode(checkpoint)
                ahead = pool.submit(self._encode, last)
                try:
                    r = self.transport.request_json(
                        "POST", "/v1/push", data=body,
                        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
                except SyncError as e:
                    if e.code != "out_of_order":
                        raise
                    r = {"hwm": e.details["hwm"], "applied": 0, "duplicates": 0}
                    log.warning("central asked to resend from seq %d", r["hwm"])
                checkpoint = report.hwm = r["hwm"]
                self._save_checkpoint(checkpoint)
                report.pushed += r["applied"]
                report.duplicates += r["duplicates"]
                progress.update(max(0, checkpoint - start))
        progress.finish()

    def pull(self, report: SyncReport) -> None:
        """Pull and apply central updates page by page; the cursor is committed with each page."""
        cursor = int(self.store.sync_value(PULL_CURSOR, "0"))
        while True:
            page = self.transport.request_json("GET", "/v1/pull",
                                               params={"after": cursor, "limit": self.pull_limit})
            if page["updates"]:
                now = self.svc.clock().replace(microsecond=0)
                with self.store.write():
                    for u in page["updates"]:
                        outcome = apply_update(self.svc, u, now)
                        report.pulled += 1
                        report.applied += outcome == "applied"
                        if outcome == "conflict":
                            report.conflicts.append(f"{u['kind']} {u['id']}")
                    self.store.set_sync_value(PULL_CURSOR, str(page["cursor"]))
                cursor = page["cursor"]
            if not page["more"]:
                return

    def run(self) -> SyncReport:
        """Push, pull, then push what applying the pulled updates logged. Never raises SyncError."""
        report = SyncReport()
        started = time.monotonic()
        try:
            self.push(report)
            self.pull(report)
            self.push(report)
            with self.store.write():
                self.store.set_sync_value(LAST_SYNC, self.svc.clock().isoformat(timespec="seconds"))
        except SyncError as e:
            report.error = e
            report.local_last = self.store.last_event_seq()
        report.retries = self.transport.retries
        report.seconds = time.monotonic() - started
        return report


def apply_update(svc: OfficeService, u: dict, now: datetime) -> str:
    """Apply one pulled update inside the caller's transaction: "applied", "duplicate",
    "conflict" (recorded with its reason) or "ignored" (an unknown kind, recorded)."""
    store = svc.store
    if store.inbox_outcome(u["id"]) is not None:
        return "duplicate"
    p, kind = u["payload"], u["kind"]
    try:
        if kind == "dossier_step":
            step = (p["code"], int(p["status"]), Actor(p["actor"], p["role"], p["department"]),
                    p["content"], datetime.fromisoformat(p["at"]))
            return svc.apply_central_step(u["id"], *step)
        with store.write():  # a savepoint: a bad update leaves nothing behind
            if kind == "procedure":
                procedure = procedure_from_wire(p)
                if procedure.field_code not in {f.code for f in store.fields()}:
                    raise ValueError(f"procedure {procedure.code} needs unknown field {procedure.field_code}")
                store.save_procedure(procedure)
            elif kind == "field":
                store.save_field(Field(p["code"], p["name"]))
            elif kind == "calendar":
                if p["kind"] not in ("day_off", "working_day"):
                    raise ValueError(f"calendar kind {p['kind']!r}")
                store.save_central_calendar_day(date.fromisoformat(p["day"]), p["kind"], p["reason"])
            elif kind == "number_block":
                store.save_number_block(p["id"], p["agency"], int(p["first"]), int(p["last"]),
                                        date.fromisoformat(p["valid_from"]))
            else:
                store.record_inbox(u["id"], kind, "ignored", "unknown update kind: upgrade the office "
                                   "software", now)
                return "ignored"
    except (KeyError, TypeError, ValueError) as e:
        store.record_inbox(u["id"], kind, "conflict", f"malformed update: {type(e).__name__}: {e}", now)
        return "conflict"
    store.record_inbox(u["id"], kind, "applied", "", now)
    return "applied"


def reconcile(svc: OfficeService, transport: Transport) -> list[dict]:
    """Per-day counts and event-id hashes of the office and the central system, side by side."""
    central = transport.request_json("GET", "/v1/reconcile")["days"]
    return compare_digests(day_digests(svc.store.event_days()), central)


def format_reconcile(rows: list[dict]) -> str:
    """The reconciliation table as text."""
    lines = [f"{'day':<10}  {'office':>8}  {'central':>8}  {'office hash':<16}  {'central hash':<16}  result",
             "-" * 80]
    for r in rows:
        lines.append(f"{r['day']:<10}  {r['office_count']:>8}  {r['central_count']:>8}  "
                     f"{r['office_hash']:<16}  {r['central_hash']:<16}  {'ok' if r['ok'] else 'MISMATCH'}")
    bad = sum(not r["ok"] for r in rows)
    lines.append(f"{len(rows)} day(s), {bad} mismatch(es)")
    return "\n".join(lines)


def next_run(now: datetime, at: str) -> datetime:
    """The next local time HH:MM strictly after `now`."""
    t = datetime.strptime(at, "%H:%M").time()
    run = datetime.combine(now.date(), t)
    return run if run > now else run + timedelta(days=1)
