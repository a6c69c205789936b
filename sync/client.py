"""The office side of sync: push the change log, pull central updates, reconcile.

Push: from the office-side checkpoint, the change log goes up in compressed batches, up to two
on the wire at once; after each batch the central high-water mark comes back and becomes the new
checkpoint (saved in the office store, answers taken in order). A handshake first aligns the
checkpoint with the central hwm, so a crash on either side at any point resumes exactly where it
stopped: never a gap, and a resent event is a no-op.

Pull: central updates (back-office steps, catalogue, calendar days, number blocks) are applied
in one office transaction per page together with the new pull cursor, through the domain rules
(OfficeService.apply_central_step) and recorded by update id, so a second delivery changes nothing.
"""
from __future__ import annotations

import io
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TextIO

from office.model import Actor, Field
from office.service import OfficeService
from sync.protocol import MAX_BATCH_EVENTS, compare_digests, day_digests, encode_lines, procedure_from_wire
from sync.transport import SyncError, Transport

log = logging.getLogger("sync")
PUSH_CHECKPOINT = "push_checkpoint"
PULL_CURSOR = "pull_cursor"
LAST_SYNC = "last_sync_at"
LOOKUP_KEY_SENT = "lookup_key_sent"
LOOKUP_KEY_PATH = "/v1/lookup-key"
BATCH_BYTES = 1024 * 1024  # raw JSON per batch before compression: sized for slow links
PUSH_WINDOW = 2  # batches on the wire at once: one being applied centrally, the next one arriving


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
    quarantined: list[dict] = field(default_factory=list)  # events the central system kept but cannot apply
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
                f" applied={self.applied} conflicts={len(self.conflicts)} quarantined={len(self.quarantined)}"
                f" retries={self.retries}"
                f" seconds={self.seconds:.1f} {state}")


class _Body(io.BytesIO):
    """A push batch as a request body that tells when it has been read to its end (handed to the
    connection) or its request is over."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.sent = threading.Event()

    def read(self, size: int | None = -1) -> bytes:
        """The next bytes; at the end, marks the body sent."""
        chunk = super().read(size)
        if not chunk:
            self.sent.set()
        return chunk


class SyncClient:
    """Sync one office store with the central system over a Transport."""

    def __init__(self, svc: OfficeService, transport: Transport, *, batch_events: int = 500,
                 batch_bytes: int = BATCH_BYTES, pull_limit: int = 500, compress_level: int = 6,
                 window: int = PUSH_WINDOW,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 progress_stream: TextIO | None = None):
        """`clock` (aware UTC) stamps batches; the central side rejects a skewed office clock.
        `compress_level` is the gzip level: 6 (zlib) suits slow links, 1–3 (ISA-L) save CPU on fast ones.
        `window` is how many push batches may be on the wire at once (1: strictly one by one)."""
        self.svc = svc
        self.store = svc.store
        self.transport = transport
        self.batch_events = min(batch_events, MAX_BATCH_EVENTS)
        self.batch_bytes = batch_bytes
        self.pull_limit = pull_limit
        self.compress_level = compress_level
        self.window = max(1, window)
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

    def _batch(self, after: int) -> list[tuple[int, bytes, bytes]]:
        """The wire lines of the next batch: up to `batch_events` events and about `batch_bytes`."""
        rows = self.store.event_lines(after, self.batch_events)
        size, keep = 0, 0
        for keep, row in enumerate(rows, start=1):
            size += len(row[2]) + 200
            if size > self.batch_bytes and keep > 1:
                keep -= 1
                break
        return rows[:keep]

    def _encode(self, after: int) -> tuple[int, int, bytes]:
        """(after_seq, last seq, compressed batch) of the next batch after `after`."""
        rows = self._batch(after)
        body = encode_lines(self.store.office_id, after, rows, self.clock(), self.compress_level)
        return after, rows[-1][0] if rows else after, body

    def _post(self, body: _Body) -> dict:
        """POST one batch; an `out_of_order` refusal becomes an answer carrying the central hwm."""
        try:
            return self.transport.request_json(
                "POST", "/v1/push", data=body,
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        except SyncError as e:
            if e.code != "out_of_order":
                raise
            return {"hwm": e.details["hwm"], "applied": 0, "duplicates": 0}
        finally:
            body.sent.set()

    def _acknowledge(self, answer: dict, report: SyncReport) -> None:
        """Count a central answer and save its hwm (committed centrally) as the checkpoint."""
        report.pushed += answer["applied"]
        report.duplicates += answer["duplicates"]
        report.quarantined += answer.get("quarantined", [])
        if answer["hwm"] > report.hwm:
            report.hwm = answer["hwm"]
            self._save_checkpoint(report.hwm)

    def _settle(self, in_flight: deque, report: SyncReport) -> None:
        """Wait for every batch still in flight and acknowledge those the central side took."""
        while in_flight:
            _, answer = in_flight.popleft()
            try:
                self._acknowledge(answer.result(), report)
            except SyncError:
                pass

    def push(self, report: SyncReport) -> None:
        """Push everything after the checkpoint, batch by batch, answers acknowledged in order.

        A pipeline keeps the link and both sides busy: a helper thread reads and compresses the
        next batch while up to `window` batches are on the wire (the central side applies them in
        arrival order). The checkpoint only ever moves to an hwm the central side has committed;
        when an answer's hwm is not the end of its batch (a batch was lost or refused as out of
        order), the batches behind it are let settle and the push resumes from the central hwm."""
        report.hwm = self.handshake()
        report.local_last = self.store.last_event_seq()
        progress = Progress("push", report.local_last - report.hwm, self.progress_stream)
        start = sent = report.hwm
        in_flight: deque = deque()  # (last seq of the batch, future of the central answer)
        previous: _Body | None = None
        with ThreadPoolExecutor(1) as encoder, ThreadPoolExecutor(self.window) as sender:
            ahead = encoder.submit(self._encode, sent)
            try:
                while report.hwm < report.local_last:
                    while len(in_flight) < self.window and sent < report.local_last:
                        after, last, body = ahead.result()
                        if after != sent:  # the push restarted from the central hwm: rebuild
                            after, last, body = self._encode(sent)
                        if last < report.local_last:
                            ahead = encoder.submit(self._encode, last)
                        if previous is not None:  # batches leave in order, so they arrive in order
                            previous.sent.wait()
                        previous = _Body(body)
                        in_flight.append((last, sender.submit(self._post, previous)))
                        sent = last
                    last, answer = in_flight.popleft()
                    reply = answer.result()
                    self._acknowledge(reply, report)
                    if reply["hwm"] != last:
                        log.warning("central holds seq up to %d after a batch ending at %d: resending "
                                    "from there", reply["hwm"], last)
                        self._settle(in_flight, report)
                        sent = report.hwm
                    progress.update(max(0, report.hwm - start))
            finally:
                self._settle(in_flight, report)
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
            self.send_lookup_key()
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


    def send_lookup_key(self) -> None:
        """Send the store's lookup key to the central system once, so its status page can check the
        secrets of this office's receipts (central/lookup.py). A central server that keeps no keys
        or already holds another key for this office is logged and does not stop the sync."""
        if self.store.sync_value(LOOKUP_KEY_SENT) == "yes":
            return
        try:
            self.transport.request_json("PUT", LOOKUP_KEY_PATH, json={"key": self.store.lookup_key.hex()})
        except SyncError as e:
            if e.transient:
                raise
            log.warning("the central system did not keep this office's lookup key (%s: %s): its status page "
                        "cannot show this office's dossiers", e.code, e.message)
            return
        with self.store.write():
            self.store.set_sync_value(LOOKUP_KEY_SENT, "yes")


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
            elif kind == "online_dossier":
                if not (p["applicant"]["name"] and p["procedure_code"] and p["case_code"]):
                    raise ValueError("online dossier without applicant, procedure or case")
                store.save_online_dossier(p, now)
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
