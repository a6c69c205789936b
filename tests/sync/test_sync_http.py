"""Office ↔ central over real HTTP on 127.0.0.1: push, pull through the domain rules, tokens,
bad requests, Retry-After, reconciliation."""
from __future__ import annotations

import gzip
import io
import json
import re
import socket
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from office_support import AGENCY, OFFICER, PROCEDURES
from sync_support import DEPARTMENT, batch_body, client, department, enroll, events, office, receive

from central.server import CentralThread
from central.store import CentralStore
from office.model import DossierStatus as S
from office.service import OfficeService
from sync.client import Progress, apply_update, reconcile
from sync.protocol import MAX_COMPRESSED_BYTES, procedure_to_wire
from sync.transport import SyncError, Transport, retry_after_seconds


@pytest.fixture
def svc(tmp_path):
    s = office(tmp_path / "office.db", "office-a")
    yield s
    s.store.close()


@pytest.fixture
def central_srv(sqlite_central):
    srv = CentralThread(sqlite_central).start()
    srv.store = sqlite_central
    yield srv
    srv.stop()


def inbox_conflicts(svc) -> list[dict]:
    """Pulled central updates the office recorded as conflicts, oldest first (plain SQL)."""
    with svc.store.read() as db:
        return list(db.query("SELECT * FROM sync_inbox WHERE outcome = 'conflict'"
                             " ORDER BY applied_at, rowid"))


def post_step(srv, token, code, status, content="Xử lý", request_id=None):
    body = {"status": status, "actor": DEPARTMENT.name, "role": DEPARTMENT.role, "content": content,
            "at": "2026-03-02T10:00:00"}
    if request_id:
        body["request_id"] = request_id
    return requests.post(f"{srv.url}/v1/dossiers/{code}/steps", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})


def test_back_office_step_flows_to_the_kiosk(central_srv, svc):
    token = enroll(central_srv.store)
    dept = department(central_srv.store)
    codes = receive(svc, 3)
    svc.change_status(codes[0], S.PROCESSING, OFFICER, "Chuyển phòng Tư pháp")
    report = client(svc, central_srv.url, token).run()
    assert report.ok and report.pushed == svc.store.last_event_seq() == central_srv.store.office_state("office-a")["hwm"]

    r = post_step(central_srv, dept, codes[0], 9, "Đã ký kết quả")
    assert r.status_code == 200 and r.json()["state"] == "sent"
    svc.clock.advance(hours=1)
    report = client(svc, central_srv.url, token).run()
    assert report.ok and report.applied == 1 and not report.conflicts

    d = svc.dossier(codes[0])
    assert d.status == S.DONE and d.steps[-1].department == "Phòng Tư pháp"
    assert d.steps[-1].at == datetime(2026, 3, 2, 10, 0) and d.finished_at == datetime(2026, 3, 2, 10, 0)
    assert d.synced_at == svc.clock.now
    # the office's own status event went back up: the central step is now "applied", not doubled
    central = central_srv.store.dossier(codes[0])
    assert [(s["status"], s["origin"], s["state"]) for s in central["steps"]][-1] == (9, "backoffice", "applied")
    assert len(central["steps"]) == len(d.steps)
    assert all(r["ok"] for r in reconcile(svc, Transport(central_srv.url, token)))
    view = svc.kiosk_lookup(d.code, svc.reissue_secret(d.code, OFFICER).secret)  # the store has only its hash
    assert view.status == S.DONE and view.synced_at == svc.clock.now
    assert view.steps[-1].department == "Phòng Tư pháp"


def test_the_same_pulled_update_twice_changes_nothing(central_srv, svc):
    token = enroll(central_srv.store)
    code = receive(svc)[0]
    svc.change_status(code, S.PROCESSING, OFFICER, "Thụ lý")
    client(svc, central_srv.url, token).run()
    central_srv.store.post_step(code, 5, "Lê Văn Cường", "Chuyên viên", "Phòng Tư pháp", "Bổ sung giấy tờ",
                                datetime(2026, 3, 2, 9, 30))
    update = central_srv.store.pull("office-a", 0, 100)["updates"][-1]
    assert update["kind"] == "dossier_step"
    now = svc.clock.now
    with svc.store.write():
        assert apply_update(svc, update, now) == "applied"
    snapshot = (svc.dossier(code), svc.store.last_event_seq())
    with svc.store.write():
        assert apply_update(svc, update, now) == "duplicate"
    assert (svc.dossier(code), svc.store.last_event_seq()) == snapshot
    assert snapshot[0].status == S.SUPPLEMENT_REQUESTED and snapshot[0].paused_at == datetime(2026, 3, 2, 9, 30)


def test_a_step_made_illegal_by_a_local_change_is_recorded_and_reported(central_srv, svc):
    token = enroll(central_srv.store)
    dept = department(central_srv.store)
    code = receive(svc)[0]
    svc.change_status(code, S.PROCESSING, OFFICER, "Thụ lý")
    client(svc, central_srv.url, token).run()
    assert post_step(central_srv, dept, code, 9).status_code == 200
    svc.change_status(code, S.WITHDRAWN, OFFICER, "Công dân rút hồ sơ")  # offline, meanwhile
    report = client(svc, central_srv.url, token).run()
    assert report.ok and len(report.conflicts) == 1
    assert svc.dossier(code).status == S.WITHDRAWN and svc.dossier(code).synced_at is None
    [row] = inbox_conflicts(svc)
    assert "Không thể chuyển" in row["detail"]
    central = central_srv.store.dossier(code)
    assert central["status"] == 7
    assert [(s["status"], s["origin"], s["state"]) for s in central["steps"]][-2:] == [
        (9, "backoffice", "rejected"), (7, "office", "applied")]


def test_leased_number_block_bounds_the_dossier_codes(central_srv, svc):
    token = central_srv.store.enroll_office("office-a")
    first = receive(svc)[0]  # before any block: the configured range
    assert first.endswith("-0001")
    central_srv.store.lease_block("central", AGENCY, 5000, date(2026, 3, 1))
    block = central_srv.store.lease_block("office-a", AGENCY, 3, date(2026, 3, 1))
    assert client(svc, central_srv.url, token).run().ok
    codes = receive(svc, 3)
    assert [int(c[-4:]) for c in codes] == [block["first"], block["first"] + 1, block["last"]]
    with pytest.raises(Exception) as e:
        receive(svc)
    assert "Hết dải số" in str(e.value)


def test_calendar_days_and_catalogue_come_down(central_srv, tmp_path):
    svc = office(tmp_path / "o.db", "office-a", catalogue=False)
    token = central_srv.store.enroll_office("office-a")
    central_srv.store.save_catalogue([{"code": "TP", "name": "Tư pháp – Hộ tịch"}],
                                     [procedure_to_wire(PROCEDURES[0])])
    central_srv.store.set_calendar_day(date(2026, 3, 4), "day_off", "Nghỉ theo quyết định của tỉnh")
    assert client(svc, central_srv.url, token).run().ok
    assert [p.code for p in svc.store.procedures()] == ["1.001193"]
    reopened = OfficeService(svc.store, svc.config)  # calendar from file + central days
    assert not reopened.calendar.is_working_day(date(2026, 3, 4))
    assert reopened.calendar.holiday_name(date(2026, 3, 4)) == "Nghỉ theo quyết định của tỉnh"


def test_a_procedure_of_an_unknown_field_is_a_recorded_conflict_not_a_stuck_pull(central_srv, tmp_path):
    svc = office(tmp_path / "o.db", "office-a", catalogue=False)
    token = central_srv.store.enroll_office("office-a")
    central_srv.store.save_catalogue([], [procedure_to_wire(PROCEDURES[0])])
    central_srv.store.set_calendar_day(date(2026, 3, 4), "day_off", "x")
    report = client(svc, central_srv.url, token).run()
    assert report.ok and len(report.conflicts) == 1 and report.applied == 1
    assert "unknown field" in inbox_conflicts(svc)[0]["detail"]


# ---- tokens and isolation -------------------------------------------------------------------

def test_wrong_and_revoked_tokens(central_srv, svc):
    token = central_srv.store.enroll_office("office-a")
    receive(svc)
    r = requests.get(f"{central_srv.url}/v1/office", timeout=5)
    assert (r.status_code, r.json()["error"]) == (401, "unauthorized")
    bad = client(svc, central_srv.url, "mco_wrong").run()
    assert not bad.ok and (bad.error.code, bad.error.status, bad.error.transient) == ("unauthorized", 401, False)
    central_srv.store.revoke("office-a")
    revoked = client(svc, central_srv.url, token).run()
    assert revoked.error.code == "revoked" and central_srv.store.office_state("office-a")["hwm"] == 0


def test_an_office_only_reaches_its_own_data(central_srv, tmp_path):
    ta = central_srv.store.enroll_office("office-a")
    tb = central_srv.store.enroll_office("office-b")
    a, b = office(tmp_path / "a.db", "office-a"), office(tmp_path / "b.db", "office-b")
    receive(a, 2)
    receive(b, 1)
    assert client(a, central_srv.url, ta).run().ok and client(b, central_srv.url, tb).run().ok
    # office-b's token cannot push office-a's events, whatever the batch claims
    r = requests.post(f"{central_srv.url}/v1/push", data=batch_body("office-a", 0, events("office-a", 1),
                                                                      datetime.now(UTC)),
                      headers={"Authorization": f"Bearer {tb}"}, timeout=5)
    assert (r.status_code, r.json()["error"]) == (403, "wrong_office")
    rec = requests.get(f"{central_srv.url}/v1/reconcile", headers={"Authorization": f"Bearer {tb}"}, timeout=5).json()
    assert rec["office_id"] == "office-b" and sum(d["count"] for d in rec["days"].values()) == b.store.last_event_seq()
    # an office token cannot act as a back-office department
    r = requests.get(f"{central_srv.url}/v1/dossiers/{a.store.dossier_codes()[0]}",
                     headers={"Authorization": f"Bearer {tb}"}, timeout=5)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")


# ---- bad input over HTTP ----------------------------------------------------------------------

def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_bad_batches_get_machine_readable_4xx(central_srv):
    token = central_srv.store.enroll_office("office-a")
    url = f"{central_srv.url}/v1/push"
    now = datetime.now(UTC)
    cases = [
        (b"garbage", 400, "malformed"),
        (gzip.compress(b'{"protocol": 1'), 400, "malformed"),
        (batch_body("office-a", 0, events("office-a", 2), now - timedelta(hours=1)), 422, "clock_skew"),
        (batch_body("office-a", 5, events("office-a", 2, start=6), now), 409, "out_of_order"),
    ]
    for body, status, code in cases:
        r = requests.post(url, data=body, headers=auth(token), timeout=5)
        assert (r.status_code, r.json()["error"]) == (status, code), r.text
    assert r.json()["hwm"] == 0
    too_big = b"\x1f\x8b" + b"\0" * MAX_COMPRESSED_BYTES
    r = requests.post(url, data=too_big, headers=auth(token), timeout=10)
    assert (r.status_code, r.json()["error"]) == (413, "too_large")
    r = requests.post(url, data=iter([too_big[:1 << 20]] * 5), headers=auth(token), timeout=10)  # chunked
    assert (r.status_code, r.json()["error"]) == (413, "too_large")
    good = batch_body("office-a", 0, events("office-a", 3), now)
    assert requests.post(url, data=good, headers=auth(token), timeout=5).json() == {"hwm": 3, "applied": 3, "duplicates": 0, "quarantined": []}
    assert requests.post(url, data=good, headers=auth(token), timeout=5).json() == {"hwm": 3, "applied": 0, "duplicates": 3, "quarantined": []}
    r = requests.get(f"{central_srv.url}/v1/pull", params={"limit": 0}, headers=auth(token), timeout=5)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_input")


def test_back_office_endpoint_validates_everything(central_srv, svc):
    token = enroll(central_srv.store)
    dept = department(central_srv.store)
    code = receive(svc)[0]
    client(svc, central_srv.url, token).run()
    r = post_step(central_srv, dept, code, 10)
    assert (r.status_code, r.json()["error"]) == (409, "illegal_transition") and "Không thể chuyển" in r.json()["message"]
    r = post_step(central_srv, dept, code, 11)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_input")
    r = post_step(central_srv, dept, f"{AGENCY}-260302-9999", 4)
    assert (r.status_code, r.json()["error"]) == (404, "not_found")
    r = post_step(central_srv, token, code, 4)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    first = post_step(central_srv, dept, code, 4, request_id="dept-req-000001").json()
    again = post_step(central_srv, dept, code, 4, request_id="dept-req-000001").json()
    steps = [u for u in central_srv.store.pull("office-a", 0, 100)["updates"] if u["kind"] == "dossier_step"]
    assert first == again and len(steps) == 1
    got = requests.get(f"{central_srv.url}/v1/dossiers/{code}", headers=auth(dept), timeout=5).json()
    assert got["status"] == 4 and got["steps"][-1]["department"] == DEPARTMENT.department


def test_clock_skew_stops_the_sync_with_a_clear_refusal(central_srv, svc):
    token = central_srv.store.enroll_office("office-a")
    receive(svc)
    report = client(svc, central_srv.url, token, clock=lambda: datetime.now(UTC) + timedelta(hours=2)).run()
    assert not report.ok and report.error.code == "clock_skew" and not report.error.transient
    assert client(svc, central_srv.url, token).run().ok


def test_checkpoint_ahead_of_a_restored_central_is_rewound(central_srv, svc):
    token = central_srv.store.enroll_office("office-a")
    receive(svc, 2)
    with svc.store.write():
        svc.store.set_sync_value("push_checkpoint", str(svc.store.last_event_seq()))  # central lost it all
    report = client(svc, central_srv.url, token).run()
    assert report.ok and report.pushed == svc.store.last_event_seq()


# ---- Retry-After and progress ---------------------------------------------------------------

class _Flaky(BaseHTTPRequestHandler):
    """Answers (status, headers[, body]) from `answers` in turn, then 200; records times and peers."""

    protocol_version = "HTTP/1.1"  # keep-alive, so connections can be counted
    answers: list = []
    seen: list = []
    peers: list = []

    def do_GET(self):
        self.seen.append(time.monotonic())
        self.peers.append(self.client_address)
        status, headers, *given = self.answers.pop(0) if self.answers else (200, {})
        body = given[0] if given else json.dumps(
            {"ok": True} if status == 200 else {"error": "busy", "message": "later"}).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    _Flaky.seen = []
    yield srv, f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def test_retry_after_is_honoured_on_429_and_503(flaky):
    _, url = flaky
    _Flaky.answers = [(429, {"Retry-After": "1"}), (503, {"Retry-After": "1"})]
    t = Transport(url, backoff=0.001, max_backoff=0.002)
    assert t.request_json("GET", "/x") == {"ok": True}
    gaps = [b - a for a, b in zip(_Flaky.seen, _Flaky.seen[1:])]
    assert len(gaps) == 2 and all(g >= 0.95 for g in gaps) and t.retries == 2


def test_a_retry_after_beyond_the_limit_is_an_error_not_a_hang(flaky):
    _, url = flaky
    _Flaky.answers = [(503, {"Retry-After": "3600"})]
    with pytest.raises(SyncError) as e:
        Transport(url, max_retry_after=60).request_json("GET", "/x")
    assert e.value.code == "busy" and "3600" in e.value.message


def test_backoff_is_exponential_with_jitter_and_bounded_attempts():
    slept = []
    t = Transport("http://127.0.0.1:9", attempts=5, backoff=0.5, max_backoff=3, sleep=slept.append,
                  connect_timeout=0.5)
    with pytest.raises(SyncError) as e:
        t.request_json("GET", "/")
    assert e.value.code == "unreachable" and e.value.transient and len(slept) == 4
    assert all(0 <= s <= min(3, 0.5 * 2 ** i) for i, s in enumerate(slept)) and len(set(slept)) == 4


def test_retry_after_http_date():
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 02 Mar 2026 01:00:30 GMT", lambda: now) == 30
    assert retry_after_seconds("7") == 7 and retry_after_seconds("soon") is None


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_shows_count_rate_and_eta_on_a_terminal_only():
    now = [0.0]
    out = _Tty()
    p = Progress("push", 1000, out, clock=lambda: now[0])
    p.update(100)
    assert out.getvalue() == ""  # redrawn at most 5 times a second
    now[0] = 2.0
    p.update(400)
    assert "push 400/1,000 events  200 ev/s  ETA 0:00:03" in out.getvalue()
    silent = io.StringIO()
    Progress("push", 10, silent).update(5)
    assert silent.getvalue() == ""


def test_an_error_answer_cut_to_no_body_is_retried(flaky):
    _, url = flaky
    _Flaky.answers = [(409, {}, b""), (200, {})]  # e.g. a 409 whose body a proxy cut off
    t = Transport(url, backoff=0.001, max_backoff=0.002)
    assert t.request_json("GET", "/x") == {"ok": True} and t.retries == 1
    _Flaky.answers = [(409, {})]  # a 409 that says what is wrong is final
    with pytest.raises(SyncError) as e:
        t.request_json("GET", "/x")
    assert e.value.status == 409 and not e.value.transient


def test_a_transport_shared_by_threads_gives_each_its_own_connection(flaky):
    _, url = flaky
    _Flaky.answers, _Flaky.peers = [], []
    t = Transport(url)
    threads = [threading.Thread(target=lambda: [t.request_json("GET", "/x") for _ in range(3)]) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(_Flaky.peers) == 6 and len(set(_Flaky.peers)) == 2  # two kept-alive connections
    t.close()


# ---- pipelined push ---------------------------------------------------------------------------

class _SlowApply(CentralStore):
    """A central store that takes 30 ms per batch, so pushes overlap on the wire."""

    def apply_batch(self, batch):
        time.sleep(0.03)
        return super().apply_batch(batch)


def test_pipelined_push_keeps_two_batches_in_flight_and_applies_them_in_order(tmp_path, svc):
    store = _SlowApply(str(tmp_path / "central.db"))
    srv = CentralThread(store).start()
    try:
        token = store.enroll_office("office-a")
        receive(svc, 40)
        sync = client(svc, srv.url, token, batch_events=4)
        calls, flying, lock = [], [0], threading.Lock()
        post = sync.transport.request_json

        def counting(*args, **kwargs):
            with lock:
                flying[0] += 1
                calls.append(flying[0])
            try:
                return post(*args, **kwargs)
            finally:
                with lock:
                    flying[0] -= 1

        sync.transport.request_json = counting
        report = sync.run()
        total = svc.store.last_event_seq()
        assert report.ok and report.pushed == total and report.duplicates == 0 and total > 20
        assert max(calls) == 2  # the window: never more than two batches on the wire
        assert sum(n == 2 for n in calls) >= total // 4 - 2
        assert store.events("office-a") == svc.store.event_rows(0, 10**9)
        assert svc.store.sync_value("push_checkpoint") == str(total)
    finally:
        srv.stop()
        store.close()


def _start_push(port: int, token: str, body: bytes, first: int) -> socket.socket:
    """A push whose body is held back after `first` bytes (a slow link)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
              f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:first])
    return s


def _answer(s: socket.socket) -> tuple[int, dict]:
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
            re.search(rb"content-length: (\d+)", data.lower()).group(1)):
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    return int(head.split()[1]), json.loads(body)


def test_a_push_arriving_behind_a_slow_one_waits_for_it_instead_of_a_409(central_srv):
    token = central_srv.store.enroll_office("office-a")
    now = datetime.now(UTC)
    first = batch_body("office-a", 0, events("office-a", 5), now)
    second = batch_body("office-a", 5, events("office-a", 5, start=6), now)
    slow = _start_push(central_srv.port, token, first, 10)
    time.sleep(0.2)  # the first push has arrived; its body is still coming
    answer = {}
    behind = threading.Thread(target=lambda: answer.update(r=requests.post(
        f"{central_srv.url}/v1/push", data=second, headers=auth(token), timeout=10)))
    behind.start()
    time.sleep(0.3)
    assert behind.is_alive()  # waiting for its predecessor, not refused
    slow.sendall(first[10:])
    assert _answer(slow) == (200, {"hwm": 5, "applied": 5, "duplicates": 0, "quarantined": []})
    behind.join(10)
    assert answer["r"].json() == {"hwm": 10, "applied": 5, "duplicates": 0, "quarantined": []}
    slow.close()


def test_a_push_behind_one_that_never_completes_gets_its_409_after_the_bounded_wait(sqlite_central):
    srv = CentralThread(sqlite_central, push_wait=0.5).start()
    try:
        token = sqlite_central.enroll_office("office-a")
        now = datetime.now(UTC)
        stalled = _start_push(srv.port, token, batch_body("office-a", 0, events("office-a", 5), now), 10)
        time.sleep(0.2)
        started = time.monotonic()
        r = requests.post(f"{srv.url}/v1/push", headers=auth(token), timeout=10,
                          data=batch_body("office-a", 5, events("office-a", 5, start=6), now))
        assert (r.status_code, r.json()["error"], r.json()["hwm"]) == (409, "out_of_order", 0)
        assert 0.4 <= time.monotonic() - started < 5
        stalled.close()
    finally:
        srv.stop()


def test_a_kept_alive_connection_answers_without_the_delayed_ack_stall(central_srv):
    token = central_srv.store.enroll_office("office-a")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    times = []
    for _ in range(6):
        started = time.perf_counter()
        assert session.get(f"{central_srv.url}/v1/office", timeout=5).status_code == 200
        times.append(time.perf_counter() - started)
    assert min(times[1:]) < 0.02  # TCP_NODELAY: not the ~40 ms of Nagle + delayed ACK
    session.close()
