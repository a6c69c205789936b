"""The central server trusts no office and no department (DESIGN.md §4): each attack of issue 13
(H1, H2, H3, L2/L4, M10) reproduced over HTTP on 127.0.0.1, and how it now fails safe."""
from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from office_support import AGENCY, OFFICER, applicant
from sync_support import DEPARTMENT, client, department, enroll, office, publish_test_catalogue, receive

from central.access import Scope
from central.portal import export
from central.server import CentralThread
from central.store import CentralStore
from office.model import DossierStatus as S
from office.rules.codes import secret_hash
from sync.protocol import MAX_SEQ, encode_batch, gzip_bytes
from sync.transport import Transport
from testkit.dvcqg import FakePortal

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def srv(sqlite_central):
    s = CentralThread(sqlite_central).start()
    s.store = sqlite_central
    yield s
    s.stop()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def event(seq: int, office_id: str, code: str, kind: str, payload: dict, at: str = "2026-03-02T09:00:00") -> tuple:
    return (seq, str(uuid.uuid4()), office_id, "dossier", code, kind, json.dumps(payload, ensure_ascii=False), at, 1)


def push(srv, token: str, office_id: str, after: int, evs: list[tuple], body: bytes | None = None):
    body = body if body is not None else encode_batch(office_id, after, evs, datetime.now(UTC))
    return requests.post(f"{srv.url}/v1/push", data=body, headers=auth(token), timeout=10)


def received_payload(code: str, name: str = "Kẻ Mạo Danh", day: str = "2026-03-02") -> dict:
    return {"code": code, "procedure_code": "1.001193", "procedure_version": 1, "case_code": "TH1", "status": 2,
            "applicant": {"name": name, "id_number": "079099000001", "phone": "0900000000", "kind": 1},
            "received_at": f"{day}T09:00:00", "due_at": f"{day}T17:00:00", "steps": []}


# ---- H1: one bad event must not take the central system down ---------------------------------

def test_h1_an_event_that_fits_no_schema_is_quarantined_and_everything_else_goes_on(srv, tmp_path):
    publish_test_catalogue(srv.store)
    ta, tb = enroll(srv.store, "office-a"), enroll(srv.store, "office-b", agency="000.31.21.H56")
    a = office(tmp_path / "a.db", "office-a")
    [good] = receive(a)
    assert client(a, srv.url, ta).run().ok
    # office B pushes a `received` event whose payload is {"x": 1}
    bad = event(1, "office-b", "000.31.21.H56-260302-0009", "received", {"x": 1})
    r = push(srv, tb, "office-b", 0, [bad])
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["hwm"] == 1 and answer["applied"] == 1
    [q] = answer["quarantined"]
    assert (q["seq"], q["kind"]) == (1, "received") and "does not fit its schema" in q["reason"]
    dept = department(srv.store, offices=("office-a", "office-b"))
    assert requests.get(f"{srv.url}/v1/dossiers/{good}", headers=auth(dept), timeout=10).status_code == 200
    r = requests.post(f"{srv.url}/v1/dossiers/{good}/steps", headers=auth(dept), timeout=10,
                      json={"status": 4, "actor": DEPARTMENT.name, "role": DEPARTMENT.role, "content": "Thụ lý"})
    assert r.status_code == 200, r.text
    portal = FakePortal().start()
    try:
        report = export(srv.store, Transport(portal.url))
    finally:
        portal.stop()
    assert report.dossiers == 1 and not portal.rejected
    assert [(x["office_id"], x["seq"]) for x in srv.store.quarantined()] == [("office-b", 1)]
    out = subprocess.run([sys.executable, "main.py", "central", "quarantine", "--db", srv.store.url],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "office-b  seq 1  received" in out.stdout and "1 quarantined event(s)" in out.stdout


class _Buggy(CentralStore):
    """A central store whose projection trips over one dossier (a bug the schema did not catch)."""

    def _project_dossier(self, x, office_id, d):
        if d.code.endswith("-0002"):
            raise KeyError("boom")
        return super()._project_dossier(x, office_id, d)


def test_h1_an_unexpected_projection_failure_is_isolated_to_its_event(tmp_path):
    store = _Buggy(str(tmp_path / "central.db"))
    s = CentralThread(store).start()
    try:
        token = enroll(store)
        a = office(tmp_path / "a.db", "office-a")
        codes = receive(a, 3)
        a.change_status(codes[2], S.PROCESSING, OFFICER, "Thụ lý")
        assert client(a, s.url, token).run().ok
        assert store.dossier_statuses("office-a") == {codes[0]: 2, codes[2]: 4}
        [q] = store.quarantined()
        assert q["kind"] == "received" and "KeyError" in q["reason"]
    finally:
        s.stop()
        store.close()


def test_h1_a_status_event_of_an_unknown_dossier_is_quarantined_at_projection(srv):
    token = enroll(srv.store)
    code = f"{AGENCY}-260302-0005"
    step = {"at": "2026-03-02T09:00:00", "actor": "A", "role": "B", "department": "C", "content": "D", "status": 4}
    r = push(srv, token, "office-a", 0, [event(1, "office-a", code, "status", {"code": code, "step": step})])
    assert r.json()["quarantined"] == []  # it fits its schema …
    assert srv.store.dossier_statuses("office-a") == {}
    [q] = srv.store.quarantined()  # … but cannot be applied
    assert "has not created here" in q["reason"]


def test_quarantined_events_are_released_once_their_cause_is_fixed(srv, tmp_path):
    token = srv.store.enroll_office("office-a", agency=AGENCY)  # enrolled, but no number block yet
    a = office(tmp_path / "a.db", "office-a")
    codes = receive(a, 2)
    a.change_status(codes[0], S.PROCESSING, OFFICER, "Thụ lý")
    report = client(a, srv.url, token).run()
    assert report.ok and [q["seq"] for q in report.quarantined] == [1, 2]
    assert "no dossier-number block is leased to office office-a" in report.quarantined[0]["reason"]
    assert srv.store.dossier_statuses("office-a") == {}
    srv.store.lease_block("office-a", AGENCY, 1000, datetime(2026, 1, 1).date())
    assert srv.store.retry_quarantine("office-a") == (3, 0)  # the two dossiers and the status change
    assert srv.store.dossier_statuses("office-a") == {codes[0]: 4, codes[1]: 2}


# ---- H2: an office cannot take over another office's dossier ---------------------------------

def test_h2_an_office_cannot_create_a_code_outside_its_own_blocks(srv, tmp_path):
    ta, tb = enroll(srv.store, "office-a"), enroll(srv.store, "office-b")  # A: 1–1000, B: 1001–2000
    a = office(tmp_path / "a.db", "office-a")
    [first] = receive(a)
    assert client(a, srv.url, ta).run().ok
    next_of_a = f"{AGENCY}-260302-0002"
    r = push(srv, tb, "office-b", 0, [event(1, "office-b", next_of_a, "received", received_payload(next_of_a))])
    [q] = r.json()["quarantined"]
    assert "outside every number block leased to office office-b" in q["reason"]
    other_agency = "000.99.99.H99-260302-1001"
    r = push(srv, tb, "office-b", 1, [event(2, "office-b", other_agency, "received", received_payload(other_agency))])
    assert "carries agency 000.99.99.H99, but office office-b is agency" in r.json()["quarantined"][0]["reason"]
    backdated = f"{AGENCY}-260302-1001"
    r = push(srv, tb, "office-b", 2, [event(3, "office-b", backdated, "received",
                                            received_payload(backdated, day="2026-03-03"))])
    assert "is dated 02/03/2026 but was received 03/03/2026" in r.json()["quarantined"][0]["reason"]
    # A's real next dossier arrives and is A's; a department step for it goes to A, never to B
    [second] = receive(a)
    assert second == next_of_a and client(a, srv.url, ta).run().ok
    dept = department(srv.store, offices=("office-a", "office-b"))
    got = requests.get(f"{srv.url}/v1/dossiers/{second}", headers=auth(dept), timeout=10).json()
    assert got["office_id"] == "office-a" and got["applicant"]["name"] == "Nguyễn Văn A"
    r = requests.post(f"{srv.url}/v1/dossiers/{second}/steps", headers=auth(dept), timeout=10,
                      json={"status": 4, "actor": DEPARTMENT.name, "role": DEPARTMENT.role, "content": "Thụ lý"})
    assert r.status_code == 200
    kinds = lambda o: [u["kind"] for u in srv.store.pull(o, 0, 100)["updates"]]  # noqa: E731
    assert kinds("office-a").count("dossier_step") == 1 and "dossier_step" not in kinds("office-b")
    assert first != second


# ---- H3: departments see and move only their own dossiers, at believable times -------------------

def test_h3_a_department_token_reaches_only_its_scope_and_every_read_is_audited(srv, tmp_path):
    publish_test_catalogue(srv.store)
    ta, tb = enroll(srv.store, "office-a"), enroll(srv.store, "office-b", agency="000.31.21.H56")
    a, b = office(tmp_path / "a.db", "office-a"), office(tmp_path / "b.db", "office-b", agency="000.31.21.H56")
    [a_birth] = receive(a)
    a_land = a.receive_dossier("1.004227", "LICH", applicant("Lê Thị Đất"), OFFICER).code
    [b_birth] = receive(b)
    assert client(a, srv.url, ta).run().ok and client(b, srv.url, tb).run().ok
    justice_a = department(srv.store, "Phòng Tư pháp xã A", offices=("office-a",), fields=("TP",))
    mine = requests.get(f"{srv.url}/v1/dossiers/{a_birth}", headers=auth(justice_a), timeout=10)
    assert mine.status_code == 200 and mine.json()["applicant"]["id_number"] == "001203004567"
    assert "secret_hash" not in mine.json()
    for code in (a_land, b_birth):  # another field, another office: as if it did not exist
        r = requests.get(f"{srv.url}/v1/dossiers/{code}", headers=auth(justice_a), timeout=10)
        assert (r.status_code, r.json()["error"]) == (404, "not_found")
        r = requests.post(f"{srv.url}/v1/dossiers/{code}/steps", headers=auth(justice_a), timeout=10,
                          json={"status": 4, "actor": "X", "role": "Y", "content": "Z"})
        assert (r.status_code, r.json()["error"]) == (404, "not_found")
    listed = requests.get(f"{srv.url}/v1/dossiers", headers=auth(justice_a), timeout=10).json()["dossiers"]
    assert [d["code"] for d in listed] == [a_birth] and "applicant" not in listed[0]
    [(at, who, action, target, _)] = srv.store.audit_log()
    assert (who, action, target) == ("Phòng Tư pháp xã A", "dossier.read", a_birth)
    legacy = srv.store.enroll_department("Cũ", Scope(everything=True))
    with srv.store.tx() as x:  # a token from before scopes existed
        x.run("UPDATE credentials SET scope = NULL WHERE subject = 'Cũ'")
    r = requests.get(f"{srv.url}/v1/dossiers/{a_birth}", headers=auth(legacy), timeout=10)
    assert (r.status_code, r.json()["error"]) == (403, "no_scope")


@pytest.mark.parametrize("at, problem", [
    ("0001-01-01T00:00:00", "year must be within 2000–2099"),
    ("9999-12-31T23:59:59+00:00", "year must be within 2000–2099"),
    ("2026-03-02T07:59:00", "before dossier"),
    ("2026-03-02T00:30:00+00:00", "before dossier"),  # 07:30 in Vietnam
    ("an hour from now", "in the future"),  # the time itself is taken when the test runs
])
def test_h3_step_times_are_bounded(srv, tmp_path, at, problem):
    if at == "an hour from now":
        at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    token = enroll(srv.store)
    a = office(tmp_path / "a.db", "office-a")
    [code] = receive(a)  # received 02/03/2026 08:00
    assert client(a, srv.url, token).run().ok
    r = requests.post(f"{srv.url}/v1/dossiers/{code}/steps", headers=auth(department(srv.store)), timeout=10,
                      json={"status": 4, "actor": "X", "role": "Y", "content": "Z", "at": at})
    assert (r.status_code, r.json()["error"]) == (422, "invalid_input") and problem in r.json()["message"]
    assert [u["kind"] for u in srv.store.pull("office-a", 0, 100)["updates"]] == ["number_block"]


def test_h3_a_step_time_keeps_its_offset_and_reaches_the_office_in_local_time(srv, tmp_path):
    token = enroll(srv.store)
    a = office(tmp_path / "a.db", "office-a")
    [code] = receive(a)
    a.change_status(code, S.PROCESSING, OFFICER, "Thụ lý")
    assert client(a, srv.url, token).run().ok
    r = requests.post(f"{srv.url}/v1/dossiers/{code}/steps", headers=auth(department(srv.store)), timeout=10,
                      json={"status": 9, "actor": "X", "role": "Y", "content": "Có kết quả",
                            "at": "2026-03-02T02:30:00+00:00"})
    assert r.status_code == 200, r.text
    a.clock.advance(hours=3)
    assert client(a, srv.url, token).run().applied == 1
    assert a.dossier(code).steps[-1].at == datetime(2026, 3, 2, 9, 30)  # 02:30 UTC is 09:30 in Vietnam
    [(at, given)] = srv.store._read("SELECT at, at_given FROM steps WHERE origin = 'backoffice'")
    assert (at, given) == ("2026-03-02T09:30:00", "2026-03-02T02:30:00+00:00")


# ---- L2/L4: out-of-range numbers and malformed batches are 4xx and store nothing ------------------

def _header_and_lines(office_id, after, evs, count=None, header_extra=None) -> bytes:
    header = {"protocol": 1, "office_id": office_id, "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "after_seq": after, "count": len(evs) if count is None else count, **(header_extra or {})}
    lines = [json.dumps(header)]
    for e in evs:
        lines += [json.dumps([e[0], e[1], e[2], e[3], e[4], e[5], e[7], e[8]]), e[6]]
    return "\n".join(lines).encode()


def _ticket(seq, at="2026-03-02T08:00:00"):
    return (seq, str(uuid.uuid4()), "office-a", "ticket", str(seq), "issued", '{"n":1}', at, 1)


@pytest.mark.parametrize("name, body, code", [
    ("seq ≥ 2^63", lambda: gzip_bytes(_header_and_lines("office-a", 0, [(2 ** 63, *_ticket(1)[1:])])), "malformed"),
    ("after_seq ≥ 2^63", lambda: gzip_bytes(_header_and_lines("office-a", 2 ** 63, [])), "malformed"),
    ("seq + count beyond 2^63", lambda: gzip_bytes(_header_and_lines("office-a", MAX_SEQ, [(MAX_SEQ + 1, *_ticket(1)[1:])])),
     "malformed"),
    ("deeply nested header", lambda: gzip_bytes(b"[" * 100_000 + b"]" * 100_000), "malformed"),
    ("deeply nested metadata",
     lambda: gzip_bytes(_header_and_lines("office-a", 0, [], count=1) + b"\n" + b"[" * 5000 + b"]" * 5000 + b"\n{}"),
     "malformed"),
    ("a gap inside a batch", lambda: gzip_bytes(_header_and_lines("office-a", 0, [_ticket(1), _ticket(3)])), "malformed"),
    ("30 February", lambda: gzip_bytes(_header_and_lines("office-a", 0, [_ticket(1, "2026-02-30T08:00:00")])), "malformed"),
    ("year 9999", lambda: gzip_bytes(_header_and_lines("office-a", 0, [_ticket(1, "9999-12-31T23:59:59")])), "malformed"),
    ("year 0001", lambda: gzip_bytes(_header_and_lines("office-a", 0, [_ticket(1, "0001-01-01T00:00:00")])), "malformed"),
    ("bytes after the gzip stream",
     lambda: gzip_bytes(_header_and_lines("office-a", 0, [_ticket(1)])) + b"junk", "malformed"),
    ("two gzip members", lambda: gzip_bytes(_header_and_lines("office-a", 0, [_ticket(1)])) + gzip.compress(b"x"),
     "malformed"),
    ("a NUL byte", lambda: gzip_bytes(_header_and_lines("office-a", 0, [_ticket(1)]).replace(b'"n"', b'"\0"')),
     "malformed"),
    ("a NUL escaped in metadata", lambda: gzip_bytes(_header_and_lines(
        "office-a", 0, [(1, str(uuid.uuid4()), "office-a", "ticket\x00", "1", "issued", "{}", "2026-03-02T08:00:00", 1)])),
     "malformed"),
])
def test_l2_l4_bad_numbers_and_batches_are_4xx_and_nothing_is_stored(srv, name, body, code):
    token = enroll(srv.store)
    r = push(srv, token, "office-a", 0, [], body=body())
    assert 400 <= r.status_code < 500 and r.json()["error"] == code, (name, r.status_code, r.text[:300])
    assert srv.store.office_state("office-a")["hwm"] == 0 and srv.store.events("office-a") == []


@pytest.mark.parametrize("after", [2 ** 63, 2 ** 64, -1, 10 ** 30])
def test_l2_pull_cursor_out_of_range_is_422(srv, after):
    token = enroll(srv.store)
    r = requests.get(f"{srv.url}/v1/pull", params={"after": after}, headers=auth(token), timeout=10)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_input")


# ---- M10: lookup secrets leave the office only as keyed hashes --------------------------------

def test_m10_secrets_travel_and_rest_only_as_keyed_hashes(srv, tmp_path):
    token = enroll(srv.store)
    a = office(tmp_path / "a.db", "office-a")
    received = a.receive_dossier("1.001193", "TH1", applicant("Nguyễn Văn A"), OFFICER)
    code, secret = received.code, received.secret
    [payload] = [json.loads(p) for (p,) in a.store.db.execute("SELECT payload FROM events WHERE kind = 'received'")]
    key = a.store.lookup_key
    assert "secret" not in payload and len(key) == 32
    assert payload["secret_hash"] == "hmac$" + hmac.new(key, f"{code}|{secret}".encode(), hashlib.sha256).hexdigest()
    assert payload["secret_hash"] == secret_hash(key, code, secret)
    assert client(a, srv.url, token).run().ok
    # an older office still sends the plaintext: the central system drops it before storing
    old = received_payload(f"{AGENCY}-260302-0002", "Trần Văn Cũ") | {"secret": "654321"}
    r = push(srv, token, "office-a", a.store.last_event_seq(),
             [event(a.store.last_event_seq() + 1, "office-a", old["code"], "received", old)])
    assert r.status_code == 200 and r.json()["quarantined"] == []
    dumped = "\n".join(str(row) for table in ("events", "dossiers", "steps")
                       for row in srv.store._read(f"SELECT * FROM {table}"))
    assert "654321" not in dumped and '"secret"' not in dumped
    assert payload["secret_hash"] in dumped  # kept, for a lookup the office's key can answer
