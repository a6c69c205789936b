"""One contract suite for the central store, run on SQLite and on a real PostgreSQL cluster."""
from __future__ import annotations

import json
import threading
from datetime import date, datetime

import pytest
from office_support import AGENCY
from sync_support import BLOCKS_FROM, UTC_NOW, batch_body, events

from central.access import Scope
from central.store import AuthError, CentralStore, hash_token
from office.errors import IllegalTransition, NotFound
from sync.protocol import Batch, ProtocolError, decode_batch


def push(store: CentralStore, office: str, after: int, evs: list[tuple]):
    return store.apply_batch(decode_batch(batch_body(office, after, evs), office, UTC_NOW))


def dossier_event(seq: int, code: str, status: int = 2, office="o1") -> tuple:
    payload = {"code": code, "secret": "123456", "procedure_code": "1.001193", "procedure_version": 1,
               "case_code": "TH1", "applicant": {"name": "Nguyễn Văn An", "id_type": "CCCD",
                                                  "id_number": "001203004567", "phone": "0912345678",
                                                  "address": "Hà Nội", "kind": 1},
               "status": status, "received_at": "2026-03-02 08:00:00", "due_at": "2026-03-03 08:00:00",
               "original_due_at": "2026-03-03 08:00:00", "channel": 1, "summary": "Khai sinh", "fee": 0,
               "paused_at": None, "finished_at": None, "returned_at": None,
               "steps": [{"at": "2026-03-02 08:00:00", "actor": "Trần Thị Bích", "role": "Chuyên viên",
                          "department": "Bộ phận Một cửa", "content": "Tiếp nhận", "status": status}]}
    return (seq, f"00000000-0000-4000-8000-{seq:012d}", office, "dossier", code, "received",
            json.dumps(payload, ensure_ascii=False), "2026-03-02T08:00:00", 1)


def status_event(seq: int, code: str, status: int, office="o1", **extra) -> tuple:
    payload = {"code": code, "step": {"at": "2026-03-02 09:00:00", "actor": "Lê Văn Cường",
                                      "role": "Chuyên viên", "department": "Phòng Tư pháp",
                                      "content": f"Chuyển trạng thái {status}", "status": status}, **extra}
    return (seq, f"00000000-0000-4000-9000-{seq:012d}", office, "dossier", code, "status",
            json.dumps(payload), "2026-03-02T09:00:00", 1)


CODE = f"{AGENCY}-260302-0001"


def enroll_o1(central: CentralStore, office="o1") -> None:
    central.enroll_office(office, agency=AGENCY)
    central.lease_block(office, AGENCY, 1000, BLOCKS_FROM)


def test_tokens_are_stored_hashed_and_revocable(central):
    token = central.enroll_office("o1")
    assert central.authenticate(token).subject == "o1"
    raw = central._read("SELECT token_hash FROM credentials")
    assert raw == [(hash_token(token),)] and token not in str(raw)
    dept = central.enroll_department("Phòng Tư pháp", Scope(fields=("TP",)))
    assert central.authenticate(dept).kind == "department"
    assert central.authenticate(dept).scope == Scope(fields=("TP",))
    assert central.revoke("o1") == 1
    with pytest.raises(AuthError) as e:
        central.authenticate(token)
    assert e.value.code == "revoked"
    with pytest.raises(AuthError) as e:
        central.authenticate("mco_made_up")
    assert e.value.code == "unauthorized"
    assert central.authenticate(dept).subject == "Phòng Tư pháp"


def test_apply_is_idempotent_and_returns_the_hwm(central):
    central.enroll_office("o1")
    evs = events("o1", 10)
    r1 = push(central, "o1", 0, evs[:6])
    assert (r1.hwm, r1.applied, r1.duplicates) == (6, 6, 0)
    r2 = push(central, "o1", 3, evs[3:])  # overlapping resend
    assert (r2.hwm, r2.applied, r2.duplicates) == (10, 4, 3)
    r3 = push(central, "o1", 0, evs)  # the whole thing again
    assert (r3.hwm, r3.applied, r3.duplicates) == (10, 0, 10)
    assert central.events("o1") == evs


def test_a_batch_leaving_a_hole_is_refused_and_nothing_is_stored(central):
    central.enroll_office("o1")
    push(central, "o1", 0, events("o1", 3))
    with pytest.raises(ProtocolError) as e:
        push(central, "o1", 5, events("o1", 2, start=6))
    assert e.value.code == "out_of_order" and e.value.details["hwm"] == 3
    assert len(central.events("o1")) == 3 and central.office_state("o1")["hwm"] == 3


def test_same_seq_with_another_event_id_is_a_seq_conflict_and_rolls_back(central):
    central.enroll_office("o1")
    push(central, "o1", 0, events("o1", 3))
    replaced = events("o1", 5)  # new ids for seqs 1..5: an office store replaced by another copy
    with pytest.raises(ProtocolError) as e:
        push(central, "o1", 0, replaced)
    assert e.value.code == "seq_conflict"
    assert central.office_state("o1")["hwm"] == 3 and len(central.events("o1")) == 3


def test_an_event_id_reused_at_a_new_seq_is_refused(central):
    central.enroll_office("o1")
    first = events("o1", 2)
    push(central, "o1", 0, first)
    again = [(3, first[0][1], *first[0][2:])]
    with pytest.raises(ProtocolError) as e:
        push(central, "o1", 2, again)
    assert e.value.code == "seq_conflict" and central.office_state("o1")["hwm"] == 2


def test_a_batch_larger_than_one_insert_statement_is_stored_whole(central):
    central.enroll_office("o1")
    evs = events("o1", 3500)  # more rows than one SQLite INSERT takes (3000)
    result = central.apply_batch(Batch("o1", UTC_NOW, 0, tuple(evs)))
    assert (result.hwm, result.applied) == (3500, 3500) and central.events("o1") == evs


def test_unenrolled_office_cannot_push(central):
    with pytest.raises(ProtocolError) as e:
        push(central, "ghost", 0, events("ghost", 1))
    assert e.value.code == "wrong_office"


def test_concurrent_pushes_of_one_office_store_each_event_once(central):
    central.enroll_office("o1")
    evs = events("o1", 200)
    errors = []

    def worker(k):
        try:
            for start in range(0, 200, 20):
                try:
                    push(central, "o1", start, evs[start:start + 20])
                except ProtocolError as e:  # another worker is behind: expected
                    assert e.code == "out_of_order"
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            central.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert central.events("o1") == evs and central.office_state("o1")["hwm"] == 200


def test_digests_count_and_hash_per_day(central):
    central.enroll_office("o1")
    evs = events("o1", 3, day="2026-03-01") + events("o1", 2, start=4, day="2026-03-02")
    push(central, "o1", 0, evs)
    d = central.digests("o1")
    assert {k: v["count"] for k, v in d.items()} == {"2026-03-01": 3, "2026-03-02": 2}
    assert central.digests("other") == {}


def test_pull_cursor_pages_and_office_isolation(central):
    central.enroll_office("o1")
    central.enroll_office("o2")
    for day in range(1, 8):
        central.set_calendar_day(date(2026, 5, day), "day_off", f"Nghỉ {day}")
    page = central.pull("o1", 0, 3)
    assert [u["payload"]["day"] for u in page["updates"]] == ["2026-05-01", "2026-05-02", "2026-05-03"]
    assert page["more"] and page["cursor"] == page["updates"][-1]["seq"]
    rest = central.pull("o1", page["cursor"], 100)
    assert len(rest["updates"]) == 4 and not rest["more"]
    assert central.pull("o1", rest["cursor"], 100) == {"updates": [], "cursor": rest["cursor"], "more": False}
    ids_o1 = {u["id"] for u in page["updates"] + rest["updates"]}
    ids_o2 = {u["id"] for u in central.pull("o2", 0, 100)["updates"]}
    assert len(ids_o2) == 7 and not ids_o1 & ids_o2


def test_a_new_office_gets_the_current_catalogue_and_calendar(central):
    central.save_catalogue([{"code": "TP", "name": "Tư pháp"}],
                           [{"code": "1.001193", "version": 1, "field_code": "TP", "name": "Khai sinh"}])
    central.set_calendar_day(date(2026, 9, 1), "day_off", "Nghỉ bù")
    central.enroll_office("late")
    kinds = [u["kind"] for u in central.pull("late", 0, 100)["updates"]]
    assert kinds == ["field", "procedure", "calendar"]
    assert central.procedure("1.001193", 1)["name"] == "Khai sinh"


def test_number_blocks_never_overlap_across_holders(central):
    central.enroll_office("o1")
    central.enroll_office("o2")
    blocks = [central.lease_block(h, AGENCY, 1000, date(2026, 3, 1)) for h in ("central", "o1", "o2", "o1")]
    ranges = [(b["first"], b["last"]) for b in blocks]
    assert ranges == [(1, 1000), (1001, 2000), (2001, 3000), (3001, 4000)]
    assert central.number_blocks(AGENCY) == [("central", 1, 1000), ("o1", 1001, 2000), ("o2", 2001, 3000),
                                              ("o1", 3001, 4000)]
    with pytest.raises(ValueError, match="is of agency"):  # an office has one agency e-ID
        central.lease_block("o1", "OTHER.AGENCY", 10, date(2026, 3, 1))
    central.enroll_office("o3")
    assert central.lease_block("o3", "OTHER.AGENCY", 10, date(2026, 3, 1))["first"] == 1
    o1 = [u["payload"] for u in central.pull("o1", 0, 100)["updates"] if u["kind"] == "number_block"]
    assert [(b["first"], b["last"]) for b in o1] == [(1001, 2000), (3001, 4000)]
    assert not any(u["kind"] == "number_block" and u["payload"]["first"] == 1
                   and u["payload"]["agency"] == AGENCY for u in central.pull("o2", 0, 100)["updates"])


def test_projection_and_back_office_steps_follow_the_transition_rules(central):
    enroll_o1(central)
    push(central, "o1", 0, [dossier_event(1, CODE), status_event(2, CODE, 4)])
    d = central.dossier(CODE)
    assert d["status"] == 4 and [s["status"] for s in d["steps"]] == [2, 4]
    with pytest.raises(IllegalTransition):
        central.post_step(CODE, 10, "A", "B", "Phòng Tư pháp", "Trả", datetime(2026, 3, 2, 10))
    r = central.post_step(CODE, 9, "Lê Văn Cường", "Phó trưởng phòng", "Phòng Tư pháp", "Có kết quả",
                          datetime(2026, 3, 2, 10), request_id="req-00000001")
    again = central.post_step(CODE, 9, "Lê Văn Cường", "Phó trưởng phòng", "Phòng Tư pháp", "Có kết quả",
                              datetime(2026, 3, 2, 10), request_id="req-00000001")
    assert r == again and r["state"] == "sent"
    updates = [u for u in central.pull("o1", 0, 100)["updates"] if u["kind"] != "number_block"]
    assert [(u["kind"], u["id"], u["payload"]["status"]) for u in updates] == [("dossier_step", "req-00000001", 9)]
    with pytest.raises(NotFound):
        central.post_step("000.31.20.H56-260302-9999", 4, "A", "B", "C", "D", datetime(2026, 3, 2))
    # the office applies it and pushes its own status event carrying the update id: no duplicate step
    push(central, "o1", 2, [status_event(3, CODE, 9, update_id="req-00000001", finished_at="2026-03-02 10:00:00")])
    d = central.dossier(CODE)
    assert [(s["status"], s["origin"], s["state"]) for s in d["steps"]] == [
        (2, "office", "applied"), (4, "office", "applied"), (9, "backoffice", "applied")]
    assert d["finished_at"] == "2026-03-02T10:00:00"


def test_a_step_rejected_by_the_office_is_marked_and_the_office_status_wins(central):
    enroll_o1(central)
    push(central, "o1", 0, [dossier_event(1, CODE), status_event(2, CODE, 4)])
    r = central.post_step(CODE, 9, "A", "B", "Phòng Tư pháp", "Có kết quả", datetime(2026, 3, 2, 10))
    rejected = {"code": CODE, "update_id": r["update_id"], "reason": "illegal", "status": 7}
    push(central, "o1", 2, [(3, "00000000-0000-4000-a000-000000000003", "o1", "dossier", CODE,
                             "central_update_rejected", json.dumps(rejected), "2026-03-02T11:00:00", 1)])
    d = central.dossier(CODE)
    assert d["status"] == 7 and d["steps"][-1]["state"] == "rejected"


def test_export_changes_follow_a_monotonic_cursor(central):
    enroll_o1(central)
    push(central, "o1", 0, [dossier_event(1, CODE)])
    first = central.last_change()
    dossiers, steps = central.changes(0, first)
    assert [d["code"] for d in dossiers] == [CODE] and len(steps) == 1
    central.set_portal_cursor(first)
    push(central, "o1", 1, [status_event(2, CODE, 4)])
    last = central.last_change()
    assert last > first == central.portal_cursor()
    dossiers, steps = central.changes(first, last)
    assert dossiers[0]["status"] == 4 and [s["status"] for s in steps] == [4]


def test_a_dossier_code_claimed_by_two_offices_is_quarantined_not_overwritten(central):
    enroll_o1(central)
    enroll_o1(central, "o2")  # numbers 1001–2000
    push(central, "o1", 0, [dossier_event(1, CODE)])
    r = push(central, "o2", 0, [dossier_event(1, CODE, office="o2")[:1] + ("00000000-0000-4000-b000-000000000001",)
                                + dossier_event(1, CODE, office="o2")[2:]])
    assert r.hwm == 1 and "outside every number block leased to office o2" in r.quarantined[0]["reason"]
    assert central.dossier(CODE)["office_id"] == "o1"
    assert [(q["office_id"], q["seq"]) for q in central.quarantined()] == [("o2", 1)]


def test_reopening_keeps_everything(central_url):
    s = CentralStore(central_url)
    token = s.enroll_office("o1")
    push(s, "o1", 0, events("o1", 4))
    s.close()
    s2 = CentralStore(central_url)
    assert s2.authenticate(token).subject == "o1" and s2.office_state("o1")["hwm"] == 4
    s2.close()
