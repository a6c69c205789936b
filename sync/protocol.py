"""The office ↔ central sync protocol: batch format, validation, cursors and reconciliation digests.

Pure: no I/O. Both the sync client and the central server use these functions, so the two
sides can never disagree on what a valid batch is.

A push batch is UTF-8 text in lines, compressed with gzip (zlib streams are accepted too; the
office compresses with ISA-L at levels 1–3 for LAN links, with zlib at 4–9 for slow links):

    {"protocol": 1, "office_id": "...", "sent_at": "2026-03-02T01:00:00+00:00",
     "after_seq": 120, "count": 2}                       # header; after_seq = the office checkpoint
    [121, "<uuid>", "office-a", "dossier", "<entity id>", "received", "2026-03-02T08:00:00", 1]
    {"code": "...", ...}                                 # that event's payload, verbatim
    [122, ...]                                           # next event: metadata line, payload line
    {...}

Metadata lines are JSON arrays (seq, id, office_id, entity, entity_id, kind, at, schema); payload
lines are the office's compact JSON object text, forwarded and stored byte for byte (neither
side re-encodes or re-parses them; the central projection parses them later). Line framing keeps
both ends cheap: no escaping of kilobyte payloads inside JSON strings.

Events carry the office's own append-only sequence (`seq`: the batch's events are after_seq + 1,
after_seq + 2, … with no gap, all below 2^63) and a device-made UUID (`id`, the idempotency key);
`at` is the office's local time (Vietnam, UTC+7), a real calendar time from 2000 on and not in the
future. `payload` is the office's JSON object
text, forwarded and stored byte for byte (the central projection parses it later). The central side
keeps a per-office high-water mark (hwm): the last seq it holds with nothing missing before it.
A batch is accepted when `after_seq <= hwm` (a batch that starts beyond the hwm would leave a
hole: `out_of_order`, and the answer names the hwm to resume from); events at or below the hwm
are duplicates and change nothing.

Pulls use a cursor: the per-office sequence of the last central update the office committed.
The office saves it in the same transaction as the updates it applied, so a crash anywhere
re-pulls at most what was not committed, and applying an update twice is a no-op (update ids).
"""
from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from isal import isal_zlib

from office import codec
from office.model import Component, Procedure, ProcedureCase

PROTOCOL_VERSION = 1
SUPPORTED_SCHEMAS = frozenset({1})  # versions of the office change-log event format
MAX_BATCH_EVENTS = 5000
FAST_LEVEL_MAX = 3  # compression levels up to this one use ISA-L, the higher ones zlib
MAX_COMPRESSED_BYTES = 4 * 1024 * 1024
MAX_RAW_BYTES = 32 * 1024 * 1024  # bound on decompression (a gzip bomb is rejected, not expanded)
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_PULL_LIMIT = 5000
MAX_SEQ = 2 ** 63 - 1  # sequences and cursors are signed 64-bit integers in both stores
MAX_HEADER_BYTES = 4096  # the header is a handful of short fields
OFFICE_UTC_OFFSET = timedelta(hours=7)  # offices keep local time: Vietnam, UTC+7, no DST
EARLIEST_EVENT = "2000-01-01T00:00:00"
MAX_EVENT_AHEAD = timedelta(days=1)  # an event time beyond the office's "now" + this is impossible
EVENT_FIELDS = ("seq", "id", "office_id", "entity", "entity_id", "kind", "payload", "at", "schema")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")  # what the office store writes
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class ProtocolError(Exception):
    """A request broke the protocol. `code` is machine-readable, `status` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400, **details):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def as_dict(self) -> dict:
        """The JSON error body: {"error": code, "message": ..., **details}."""
        return {"error": self.code, "message": self.message, **self.details}


@dataclass(frozen=True)
class Batch:
    """A validated push batch. Events are tuples in EVENT_FIELDS order."""

    office_id: str
    sent_at: datetime
    after_seq: int
    events: tuple[tuple, ...]

    @property
    def last_seq(self) -> int:
        """The seq of the last event (after_seq for an empty batch)."""
        return self.events[-1][0] if self.events else self.after_seq


# ---- building -------------------------------------------------------------------------------

def encode_batch(office_id: str, after_seq: int, events: Iterable[tuple], sent_at: datetime,
                 level: int = 6) -> bytes:
    """A gzip-compressed batch from event tuples in EVENT_FIELDS order (payload as JSON text)."""
    dumps = _DUMPS
    lines = [(e[0], dumps([e[0], e[1], e[2], e[3], e[4], e[5], e[7], e[8]]).encode(), e[6].encode())
             for e in events]
    return encode_lines(office_id, after_seq, lines, sent_at, level)


def encode_lines(office_id: str, after_seq: int, lines: Sequence[tuple[int, bytes, bytes]],
                 sent_at: datetime, level: int = 6) -> bytes:
    """A gzip-compressed batch from wire lines already encoded as UTF-8: (seq, metadata JSON array
    [seq, id, office_id, entity, entity_id, kind, at, schema], payload JSON object text), as the
    office store hands them out, so the payloads go out verbatim without a decode/encode round."""
    header = {"protocol": PROTOCOL_VERSION, "office_id": office_id,
              "sent_at": sent_at.astimezone(UTC).isoformat(timespec="seconds"),
              "after_seq": after_seq, "count": len(lines)}
    parts = [_DUMPS(header).encode()]
    for _, meta, payload in lines:
        if b"\n" in payload:  # compact JSON never has a raw newline; re-encode one that does
            payload = _DUMPS(json.loads(payload)).encode()
        parts += (meta, payload)
    return gzip_bytes(b"\n".join(parts), level)


def gzip_bytes(raw: bytes, level: int = 6) -> bytes:
    """gzip-compress bytes (a gzip stream, what `Content-Encoding: gzip` means). Levels 1–3 use
    ISA-L (several times faster than zlib and still smaller than zlib's level 1: for LAN links),
    4–9 zlib (smaller batches for slow WAN links, for more CPU)."""
    lib = isal_zlib if level <= FAST_LEVEL_MAX else zlib
    c = lib.compressobj(level, lib.DEFLATED, 31)
    return c.compress(raw) + c.flush()


def decompress(body: bytes, max_raw: int = MAX_RAW_BYTES) -> bytes:
    """Inflate a gzip or zlib stream, refusing more than `max_raw` bytes of output."""
    if len(body) > MAX_COMPRESSED_BYTES:
        raise ProtocolError("too_large", f"batch is {len(body)} bytes compressed; the limit is "
                            f"{MAX_COMPRESSED_BYTES}", 413, limit=MAX_COMPRESSED_BYTES)
    d = isal_zlib.decompressobj(47)  # 32 + 15: accept a gzip or a zlib header (ISA-L: 2-3× zlib's speed)
    try:
        raw = d.decompress(body, max_raw + 1)
    except (isal_zlib.error, zlib.error) as e:
        raise ProtocolError("malformed", f"batch is not gzip/zlib data ({e})") from None
    if len(raw) > max_raw or d.unconsumed_tail:
        raise ProtocolError("too_large", f"batch expands beyond {max_raw} bytes", 413, limit=max_raw)
    if not d.eof:
        raise ProtocolError("malformed", "batch compressed stream is truncated")
    if d.unused_data:
        raise ProtocolError("malformed", f"{len(d.unused_data)} bytes follow the end of the compressed "
                            "stream (one gzip stream per batch)")
    return raw


# ---- validation -----------------------------------------------------------------------------

def decode_batch(body: bytes, office_id: str, now: datetime,
                 max_skew: timedelta = MAX_CLOCK_SKEW, max_events: int = MAX_BATCH_EVENTS) -> Batch:
    """Validate a compressed batch pushed by `office_id` at `now` (aware UTC); ProtocolError if bad."""
    raw = decompress(body)
    if b"\0" in raw:
        raise ProtocolError("malformed", "batch contains a NUL byte")
    lines = raw.split(b"\n")  # bytes: each part is decoded once, strictly
    if len(lines[0]) > MAX_HEADER_BYTES:
        raise ProtocolError("malformed", f"batch header is longer than {MAX_HEADER_BYTES} bytes")
    try:
        doc = json.loads(lines[0].decode("utf-8"))
    except RecursionError:
        raise ProtocolError("malformed", "batch header is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError("malformed", f"batch header is not UTF-8 JSON ({e})") from None
    if not isinstance(doc, dict):
        raise ProtocolError("malformed", "batch header must be a JSON object")
    version = doc.get("protocol")
    if version != PROTOCOL_VERSION:
        raise ProtocolError("unsupported_protocol", f"protocol version {version!r} is not supported "
                            f"(this server speaks {PROTOCOL_VERSION}); upgrade the office software",
                            422, supported=[PROTOCOL_VERSION])
    if doc.get("office_id") != office_id:
        raise ProtocolError("wrong_office", f"batch is for office {doc.get('office_id')!r} but the "
                            f"token belongs to {office_id!r}", 403)
    sent_at = _aware(doc.get("sent_at"), "sent_at")
    skew = sent_at - now
    if abs(skew) > max_skew:
        raise ProtocolError("clock_skew", f"office clock is {skew.total_seconds():+.0f} s off the central "
                            f"clock (limit ±{max_skew.total_seconds():.0f} s); set the office clock "
                            f"(NTP) and sync again", 422, skew_seconds=round(skew.total_seconds()))
    after_seq, count = doc.get("after_seq"), doc.get("count")
    if type(after_seq) is not int or not 0 <= after_seq <= MAX_SEQ:
        raise ProtocolError("malformed", f"after_seq must be an integer from 0 to {MAX_SEQ}")
    if type(count) is not int or count < 0:
        raise ProtocolError("malformed", "count must be a non-negative integer")
    if after_seq + count > MAX_SEQ:
        raise ProtocolError("malformed", f"event sequences must stay below 2^63 (after_seq {after_seq} "
                            f"+ {count} events)")
    if count > max_events:
        raise ProtocolError("too_large", f"batch has {count} events; the limit is {max_events}",
                            413, limit=max_events)
    if len(lines) != 1 + 2 * count:
        raise ProtocolError("malformed", f"batch announces {count} events but has {len(lines) - 1} "
                            "lines after the header (two per event)")
    try:  # every metadata line at once: one parser call instead of one per event
        metas = json.loads((b"[" + b",".join(lines[1::2]) + b"]").decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError too
        metas = [_meta(line, i) for i, line in enumerate(lines[1::2])]  # names the bad line
    try:
        payloads = [p.decode("utf-8") for p in lines[2::2]]
    except UnicodeDecodeError:
        bad = next(i for i, p in enumerate(lines[2::2]) if not _is_utf8(p))
        raise ProtocolError("malformed", f"event #{bad}: payload is not UTF-8") from None
    latest = _latest_event_time(now)
    events = _fast_events(metas, payloads, office_id, after_seq, latest)
    if events is None:  # something is wrong: check event by event to name it precisely
        events, prev = [], after_seq
        for i, (meta, payload) in enumerate(zip(metas, payloads)):
            events.append(_event(meta, payload, i, office_id, prev, latest))
            prev = events[-1][0]
    if len({e[1] for e in events}) != len(events):
        raise ProtocolError("malformed", "batch repeats an event id")
    return Batch(office_id, sent_at, after_seq, tuple(events))


def _latest_event_time(now: datetime) -> str:
    """The latest believable event time: the office's local time now plus a day (an office clock
    that was wrong when an event happened is corrected later; year 9999 is never right)."""
    return (now.astimezone(UTC) + OFFICE_UTC_OFFSET + MAX_EVENT_AHEAD).strftime("%Y-%m-%dT%H:%M:%S")


def _real_time(at: str) -> bool:
    """Whether a time matching _AT is a real calendar time (no 30 February, no hour 24)."""
    try:
        datetime.fromisoformat(at)
    except ValueError:
        return False
    return True


def _fast_events(metas: list, payloads: list[str], office_id: str, after_seq: int,
                 latest: str) -> list[tuple] | None:
    """The events when every check passes, checked column by column; None when any fails."""
    if not metas:
        return []
    if not all(type(m) is list and len(m) == 8 for m in metas):
        return None
    seqs, ids, offices, entities, entity_ids, kinds, ats, schemas = zip(*metas)
    try:
        ok = (seqs == tuple(range(after_seq + 1, after_seq + 1 + len(seqs)))
              and all(type(s) is int for s in seqs)
              and set(offices) == {office_id} and set(schemas) <= SUPPORTED_SCHEMAS
              and all(type(s) is int for s in schemas)
              and all(map(_UUID.fullmatch, ids)) and all(map(_AT.fullmatch, ats))
              and EARLIEST_EVENT <= min(ats) and max(ats) <= latest and all(map(_real_time, set(ats)))
              and all(type(v) is str and 0 < len(v) <= 200 and v.isprintable()
                      for col in (entities, entity_ids, kinds) for v in col)
              and all(p[:1] == "{" and p[-1:] == "}" for p in payloads))
    except TypeError:  # a non-string where a string belongs
        return None
    return list(zip(seqs, ids, offices, entities, entity_ids, kinds, payloads, ats, schemas)) if ok else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _meta(line: bytes, i: int):
    """One metadata line parsed, or ProtocolError naming the event."""
    try:
        return json.loads(line.decode("utf-8"))
    except RecursionError:
        raise ProtocolError("malformed", f"event #{i}: metadata line is nested too deeply") from None
    except ValueError:  # UnicodeDecodeError too
        raise ProtocolError("malformed", f"event #{i}: metadata line is not JSON") from None


def _event(meta, payload: str, i: int, office_id: str, prev: int, latest: str) -> tuple:
    """One event's parsed metadata and payload line → tuple in EVENT_FIELDS order, or ProtocolError."""
    where = f"event #{i}"
    if not isinstance(meta, list) or len(meta) != 8:
        raise ProtocolError("malformed", f"{where}: metadata must be [seq, id, office_id, entity, "
                            "entity_id, kind, at, schema]")
    seq, event_id, office, entity, entity_id, kind, at, schema = meta
    if type(seq) is not int or seq <= prev:
        raise ProtocolError("malformed", f"{where}: seq {seq!r} must be an integer above {prev} "
                            "(events in increasing seq order after after_seq)")
    if seq != prev + 1:
        raise ProtocolError("malformed", f"{where}: seq {seq} leaves a gap after {prev} (a batch holds "
                            "consecutive events)", seq=seq)
    if office != office_id:
        raise ProtocolError("wrong_office", f"{where} (seq {seq}) belongs to office {office!r}, not "
                            f"{office_id!r}", 403, seq=seq)
    if type(schema) is not int or schema not in SUPPORTED_SCHEMAS:
        raise ProtocolError("unknown_schema", f"{where} (seq {seq}) has event schema {schema!r}; "
                            f"supported: {sorted(SUPPORTED_SCHEMAS)}", 422,
                            seq=seq, supported=sorted(SUPPORTED_SCHEMAS))
    if not isinstance(event_id, str) or not _UUID.fullmatch(event_id):
        raise ProtocolError("malformed", f"{where} (seq {seq}): id {event_id!r} is not a lower-case UUID")
    for name, value in (("entity", entity), ("entity_id", entity_id), ("kind", kind), ("at", at)):
        if not isinstance(value, str) or not 0 < len(value) <= 200 or not value.isprintable():
            raise ProtocolError("malformed", f"{where} (seq {seq}): {name} must be a short printable string")
    if not (payload.startswith("{") and payload.endswith("}")):
        raise ProtocolError("malformed", f"{where} (seq {seq}): payload must be a JSON object text")
    if not (_AT.fullmatch(at) and _real_time(at)):
        raise ProtocolError("malformed", f"{where} (seq {seq}): at {at[:40]!r} must be a real local time "
                            "YYYY-MM-DDTHH:MM:SS")
    if not EARLIEST_EVENT <= at <= latest:
        raise ProtocolError("malformed", f"{where} (seq {seq}): at {at} is before {EARLIEST_EVENT[:4]} or "
                            "in the future; check the office clock", seq=seq)
    return (seq, event_id, office_id, entity, entity_id, kind, payload, at, schema)


def _aware(value, name: str) -> datetime:
    try:
        t = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ProtocolError("malformed", f"{name} must be an ISO time with a UTC offset") from None
    if t.tzinfo is None:
        raise ProtocolError("malformed", f"{name} must carry a UTC offset")
    return t


# ---- central high-water mark ----------------------------------------------------------------

def plan_apply(batch: Batch, hwm: int) -> tuple[tuple[tuple, ...], int]:
    """Which events of a batch are new for a central side at `hwm`, and the hwm after applying.

    Raises `out_of_order` (409) when the batch would leave a hole after the hwm."""
    if batch.after_seq > hwm:
        raise ProtocolError("out_of_order", f"batch starts after seq {batch.after_seq} but the "
                            f"central system holds this office's events only up to {hwm}; resend "
                            f"from {hwm}", 409, hwm=hwm)
    fresh = tuple(e for e in batch.events if e[0] > hwm)
    return fresh, max(hwm, batch.last_seq)


# ---- reconciliation -------------------------------------------------------------------------

def day_digests(rows: Iterable[tuple[str, str]]) -> dict[str, dict]:
    """Per day: {"count", "hash"} from (day "YYYY-MM-DD", event id) rows; hash of the sorted ids."""
    by_day: dict[str, list[str]] = {}
    for day, event_id in rows:
        by_day.setdefault(day, []).append(event_id)
    return {day: {"count": len(ids),
                  "hash": hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]}
            for day, ids in sorted(by_day.items())}


def compare_digests(office: dict[str, dict], central: dict[str, dict]) -> list[dict]:
    """Rows day, office/central count and hash, and `ok`, over the days either side has."""
    rows = []
    for day in sorted(set(office) | set(central)):
        o, c = office.get(day), central.get(day)
        rows.append({"day": day, "office_count": o["count"] if o else 0,
                     "central_count": c["count"] if c else 0,
                     "office_hash": o["hash"] if o else "-", "central_hash": c["hash"] if c else "-",
                     "ok": o == c})
    return rows


def event_day(at: str) -> str:
    """The local day of an event time "YYYY-MM-DDTHH:MM:SS" (the office's local time)."""
    return at[:10]


# ---- catalogue on the wire ------------------------------------------------------------------

def procedure_to_wire(p: Procedure) -> dict:
    """A Procedure as a JSON-ready dict (the `procedure` update payload)."""
    return {"code": p.code, "name": p.name, "field_code": p.field_code, "version": p.version,
            "effective_from": p.effective_from.isoformat(),
            "effective_to": p.effective_to.isoformat() if p.effective_to else None, "result": p.result,
            "cases": codec.encode(p.cases),
            "components": [{"name": c.name, "originals": c.originals, "copies": c.copies,
                            "required": c.required} for c in p.components]}


def procedure_from_wire(d: dict) -> Procedure:
    """The inverse of `procedure_to_wire`; ValueError/KeyError/TypeError on a bad payload."""
    return Procedure(
        code=d["code"], name=d["name"], field_code=d["field_code"], version=int(d["version"]),
        effective_from=date.fromisoformat(d["effective_from"]),
        effective_to=date.fromisoformat(d["effective_to"]) if d.get("effective_to") else None,
        result=d.get("result", ""),
        cases=tuple(codec.decode(ProcedureCase, {"fee": 0, "fee_note": "", **c}) for c in d["cases"]),
        components=tuple(Component(c["name"], c.get("originals", 1), c.get("copies", 0),
                                   c.get("required", True)) for c in d.get("components", [])))
