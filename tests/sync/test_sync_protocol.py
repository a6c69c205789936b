"""The pure sync protocol: batch encoding, every validation error, hwm planning, digests."""
from __future__ import annotations

import gzip
import json
import zlib
from datetime import timedelta

import pytest
from office_support import PROCEDURES
from sync_support import UTC_NOW, batch_body, events, office, receive

from sync import protocol as P


def decode(body, office="o1", now=UTC_NOW, **kw):
    return P.decode_batch(body, office, now, **kw)


META = ("seq", "id", "office_id", "entity", "entity_id", "kind", "at", "schema")


def raw_batch(doc: dict) -> bytes:
    """A batch from a header dict whose "events" are dicts (a missing key leaves a short line)."""
    header = {k: v for k, v in doc.items() if k != "events"}
    header.setdefault("count", len(doc["events"]))
    lines = [json.dumps(header)]
    for e in doc["events"]:
        lines.append(json.dumps([e[k] for k in META if k in e] + [v for k, v in e.items()
                                                                   if k not in META and k != "payload"]))
        lines.append(e.get("payload", "{}"))
    return gzip.compress("\n".join(lines).encode())


def good_doc(n=3) -> dict:
    evs = events("o1", n)
    header = json.loads(gzip.decompress(batch_body("o1", 0, evs)).decode().split("\n")[0])
    del header["count"]
    return {**header, "events": [dict(zip(P.EVENT_FIELDS, e)) for e in evs]}


def error(body, **kw) -> P.ProtocolError:
    with pytest.raises(P.ProtocolError) as e:
        decode(body, **kw)
    return e.value


def test_roundtrip_keeps_every_field_and_payload_text_verbatim():
    evs = events("o1", 5, start=11)
    b = decode(batch_body("o1", 10, evs))
    assert b.events == tuple(evs) and b.after_seq == 10 and b.last_seq == 15 and b.office_id == "o1"


def test_zlib_streams_are_accepted_too():
    assert len(decode(zlib.compress(gzip.decompress(raw_batch(good_doc())))).events) == 3


def test_empty_batch_has_last_seq_equal_to_after_seq():
    assert decode(batch_body("o1", 7, [])).last_seq == 7


@pytest.mark.parametrize("body, message", [
    (b"not compressed at all", "not gzip"),
    (gzip.compress(b"{not json", mtime=0), "not UTF-8 JSON"),
    (gzip.compress(b"[1, 2]", mtime=0), "JSON object"),
    (gzip.compress(b"\xff\xfe", mtime=0), "not UTF-8 JSON"),
])
def test_malformed_bodies(body, message):
    e = error(body)
    assert (e.code, e.status) == ("malformed", 400) and message in e.message


def test_truncated_stream_is_malformed_not_partially_applied():
    body = batch_body("o1", 0, events("o1", 50))
    e = error(body[: len(body) // 2])
    assert e.code == "malformed" and "truncated" in e.message


def test_oversized_compressed_body_is_413():
    e = error(b"\x1f\x8b" + b"\0" * (P.MAX_COMPRESSED_BYTES + 1))
    assert (e.code, e.status) == ("too_large", 413)


def test_decompression_bomb_is_refused_without_expanding_it():
    bomb = gzip.compress(b" " * (P.MAX_RAW_BYTES + 10))
    assert len(bomb) < 100_000
    assert error(bomb).code == "too_large"


def test_too_many_events_is_413():
    e = error(batch_body("o1", 0, events("o1", 11)), max_events=10)
    assert (e.code, e.status, e.details["limit"]) == ("too_large", 413, 10)


def test_batch_of_another_office_is_403():
    e = error(batch_body("o2", 0, events("o2", 2)))
    assert (e.code, e.status) == ("wrong_office", 403) and "o2" in e.message


def test_event_of_another_office_inside_a_batch_is_403():
    doc = good_doc()
    doc["events"][1]["office_id"] = "o2"
    e = error(raw_batch(doc))
    assert (e.code, e.status, e.details["seq"]) == ("wrong_office", 403, 2)


def test_unknown_event_schema_is_422_naming_the_event():
    doc = good_doc()
    doc["events"][2]["schema"] = 99
    e = error(raw_batch(doc))
    assert (e.code, e.status, e.details["seq"], e.details["supported"]) == ("unknown_schema", 422, 3, [1])


def test_unknown_protocol_version_is_422():
    doc = good_doc()
    doc["protocol"] = 2
    assert error(raw_batch(doc)).code == "unsupported_protocol"


@pytest.mark.parametrize("minutes", [6, -6, 600])
def test_clock_skew_beyond_the_limit_is_422_with_the_offset(minutes):
    body = batch_body("o1", 0, events("o1", 1), sent_at=UTC_NOW + timedelta(minutes=minutes))
    e = error(body)
    assert (e.code, e.status, e.details["skew_seconds"]) == ("clock_skew", 422, minutes * 60)
    assert "NTP" in e.message


def test_small_skew_is_fine():
    assert decode(batch_body("o1", 0, events("o1", 1), sent_at=UTC_NOW + timedelta(minutes=4))).events


@pytest.mark.parametrize("mutate, text", [
    (lambda d: d["events"].reverse(), "leaves a gap"),
    (lambda d: d["events"][0].update(seq=0), "increasing seq"),
    (lambda d: d["events"][1].update(id=d["events"][0]["id"], seq=2), "repeats an event id"),
    (lambda d: d["events"][0].update(id="not-a-uuid"), "not a lower-case UUID"),
    (lambda d: d["events"][0].pop("kind"), "metadata must be"),
    (lambda d: d["events"][0].update(extra=1), "metadata must be"),
    (lambda d: d["events"][0].update(id="0C0FFEE0-0000-4000-8000-000000000000"), "lower-case UUID"),
    (lambda d: d.update(count=5), "announces 5 events"),
    (lambda d: d.update(count="3"), "count must be"),
    (lambda d: d["events"][0].update(payload="not json"), "JSON object text"),
    (lambda d: d["events"][0].update(at="yesterday"), "real local time"),
    (lambda d: d["events"][0].update(entity=""), "short printable string"),
    (lambda d: d.update(after_seq=-1), "after_seq"),
    (lambda d: d.update(sent_at="2026-03-02T01:00:00"), "UTC offset"),
])
def test_malformed_documents_are_rejected_with_a_precise_reason(mutate, text):
    doc = good_doc()
    mutate(doc)
    e = error(raw_batch(doc))
    assert e.code == "malformed" and text in e.message, e.message


def test_plan_apply_skips_what_the_central_side_holds():
    b = decode(batch_body("o1", 2, events("o1", 5, start=3)))
    fresh, hwm = P.plan_apply(b, 4)
    assert [e[0] for e in fresh] == [5, 6, 7] and hwm == 7
    assert P.plan_apply(b, 9) == ((), 9)  # a resend of old events changes nothing


def test_plan_apply_refuses_a_hole_and_names_where_to_resume():
    b = decode(batch_body("o1", 5, events("o1", 2, start=6)))
    with pytest.raises(P.ProtocolError) as e:
        P.plan_apply(b, 3)
    assert (e.value.code, e.value.status, e.value.details["hwm"]) == ("out_of_order", 409, 3)


def test_day_digests_depend_on_the_ids_not_their_order():
    rows = [("2026-03-02", "b"), ("2026-03-02", "a"), ("2026-03-03", "c")]
    d = P.day_digests(rows)
    assert d == P.day_digests(reversed(rows))
    assert d["2026-03-02"]["count"] == 2 and d["2026-03-03"]["count"] == 1
    assert P.day_digests([("2026-03-02", "a"), ("2026-03-02", "x")])["2026-03-02"] != d["2026-03-02"]


def test_compare_digests_flags_missing_days_and_differences():
    office = P.day_digests([("2026-03-02", "a"), ("2026-03-03", "b")])
    central = P.day_digests([("2026-03-02", "a"), ("2026-03-04", "z")])
    rows = {r["day"]: r for r in P.compare_digests(office, central)}
    assert rows["2026-03-02"]["ok"] and not rows["2026-03-03"]["ok"] and not rows["2026-03-04"]["ok"]
    assert rows["2026-03-03"]["central_count"] == 0 and rows["2026-03-04"]["office_hash"] == "-"


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_procedure_wire_roundtrip(procedure):
    wire = P.procedure_to_wire(procedure)
    assert P.procedure_from_wire(json.loads(json.dumps(wire))) == procedure


@pytest.mark.parametrize("level", [1, 2, 3, 6, 9])
def test_every_compression_level_is_a_plain_gzip_stream(level):
    evs = events("o1", 40)
    body = P.encode_batch("o1", 0, evs, UTC_NOW, level)
    assert gzip.decompress(body) == gzip.decompress(P.encode_batch("o1", 0, evs, UTC_NOW, 6))
    assert decode(body).events == tuple(evs)


def test_office_store_lines_go_out_verbatim(tmp_path):
    svc = office(tmp_path / "o.db", "o1")
    receive(svc, 3)  # Vietnamese names in the payloads
    rows = svc.store.event_rows(0, 100)
    body = P.encode_lines("o1", 0, svc.store.event_lines(0, 100), UTC_NOW, 2)
    assert decode(body).events == tuple(rows)  # every field, payload text byte for byte
    svc.store.close()


def test_a_payload_with_a_raw_newline_is_sent_compact():
    lines = [(1, json.dumps([1, events("o1", 1)[0][1], "o1", "ticket", "1", "issued", "2026-03-02T08:01:00", 1]).encode(),
              '{\n  "tên": "Lê Ý"\n}'.encode())]
    assert decode(P.encode_lines("o1", 0, lines, UTC_NOW)).events[0][6] == '{"tên":"Lê Ý"}'


def test_a_payload_that_is_not_utf8_is_malformed_naming_the_event():
    raw = gzip.decompress(batch_body("o1", 0, events("o1", 2))).split(b"\n")
    raw[4] = b'{"n": "\xff"}'
    e = error(gzip.compress(b"\n".join(raw)))
    assert (e.code, e.status) == ("malformed", 400) and "event #1" in e.message and "UTF-8" in e.message
