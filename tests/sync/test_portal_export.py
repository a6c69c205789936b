"""National portal export against a fake DVCQG portal on 127.0.0.1 that validates every field."""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from office_support import OFFICER, applicant, move
from sync_support import client, office, publish_test_catalogue, receive

from central.portal import LATEST_MAPPING, MAPPINGS, MappingError, export, map_record
from central.server import CentralThread
from office.model import DossierStatus as S
from sync.transport import SyncError, Transport

TIME = re.compile(r"\d{14}")
DOSSIER_RULES = {  # written from DESIGN.md §3.8, independently of the mapping table
    "MaHoSo": lambda v: re.fullmatch(r"[0-9A-Z.]+-\d{6}-\d{4,9}", v),
    "MaTTHC": lambda v: re.fullmatch(r"\d\.\d{6}", v),
    "TenTTHC": lambda v: isinstance(v, str) and 0 < len(v) <= 1000,
    "MaLinhVuc": lambda v: isinstance(v, str) and 0 < len(v) <= 50,
    "KenhThucHien": lambda v: v in (1, 2, 3),
    "ChuHoSo": lambda v: isinstance(v, str) and v.strip() == v and 0 < len(v),
    "LoaiDoiTuong": lambda v: v in (1, 2, 3),
    "SoGiayToChuHoSo": lambda v: isinstance(v, str),
    "TrichYeuHoSo": lambda v: isinstance(v, str) and len(v) <= 1000,
    "NgayTiepNhan": lambda v: TIME.fullmatch(v),
    "NgayHenTra": lambda v: TIME.fullmatch(v),
    "NgayKetThucXuLy": lambda v: v == "" or TIME.fullmatch(v),
    "NgayTra": lambda v: v == "" or TIME.fullmatch(v),
    "TrangThaiHoSo": lambda v: v in range(1, 11),
}
PROGRESS_RULES = {
    "MaHoSo": DOSSIER_RULES["MaHoSo"],
    "NguoiXuLy": lambda v: isinstance(v, str) and 0 < len(v) <= 50,
    "ChucDanh": lambda v: isinstance(v, str),
    "ThoiDiemXuLy": lambda v: TIME.fullmatch(v),
    "PhongBanXuLy": lambda v: isinstance(v, str),
    "NoiDungXuLy": lambda v: isinstance(v, str),
    "TrangThai": lambda v: v in range(1, 11),
}
RULES = {"DongBoHoSoMC": DOSSIER_RULES, "CapNhatTienDoHoSoMC": PROGRESS_RULES}


class FakePortal(BaseHTTPRequestHandler):
    """Validates each request; answers {"error_code": 0} or 400 with the problems."""

    received: list = []
    keys: Counter = Counter()
    fail_next: list = []

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        if self.fail_next:
            status = self.fail_next.pop(0)
            self.send_response(status)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.loads(raw)
        problems = []
        rules = RULES.get(body.get("service"))
        if rules is None:
            problems.append(f"unknown service {body.get('service')}")
        elif not 1 <= len(body["data"]) <= 10:
            problems.append(f"{len(body['data'])} records in one request")
        else:
            for rec in body["data"]:
                if set(rec) != set(rules):
                    problems.append(f"fields {sorted(set(rec) ^ set(rules))}")
                problems += [f"{k}={rec.get(k)!r}" for k, ok in rules.items() if k in rec and not ok(rec[k])]
        key = self.headers.get("X-Idempotency-Key", "")
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            problems.append("no idempotency key")
        if not problems:
            if not self.keys[key]:
                self.received.append(body)
            self.keys[key] += 1
        answer = json.dumps({"error_code": 1 if problems else 0, "message": "; ".join(problems)}).encode()
        self.send_response(400 if problems else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def portal():
    FakePortal.received, FakePortal.keys, FakePortal.fail_next = [], Counter(), []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), FakePortal)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}/dvcqg"
    srv.shutdown()


@pytest.fixture
def synced(tmp_path, sqlite_central):
    """An office with dossiers in many statuses, synced to the central store."""
    publish_test_catalogue(sqlite_central)
    srv = CentralThread(sqlite_central).start()
    token = sqlite_central.enroll_office("office-a")
    svc = office(tmp_path / "o.db", "office-a")
    codes = receive(svc, 14)
    svc.receive_dossier("1.004227", "LICH", applicant("Trần Thị " + "Rất Dài " * 20, kind=2), OFFICER,
                        summary="Nội dung " * 300, channel=3)
    for code in codes[:8]:
        svc.change_status(code, S.PROCESSING, OFFICER, "Thụ lý")
    for code in codes[:4]:
        svc.change_status(code, S.DONE, OFFICER.__class__("Nguyễn " * 15, "Chuyên viên", "Phòng Tư pháp"), "Xong")
    move(svc, codes[0], S.RETURNED, OFFICER)  # handed over with the collector's ID checked
    assert client(svc, srv.url, token).run().ok
    yield svc, sqlite_central
    srv.stop()


def test_every_exported_field_is_valid_and_batches_hold_at_most_10(portal, synced):
    svc, central = synced
    report = export(central, Transport(portal, backoff=0.001))
    dossiers = [r for b in FakePortal.received if b["service"] == "DongBoHoSoMC" for r in b["data"]]
    progress = [r for b in FakePortal.received if b["service"] == "CapNhatTienDoHoSoMC" for r in b["data"]]
    assert report.dossiers == len(dossiers) and report.progress == len(progress)
    latest = {}
    for r in dossiers:
        latest[r["MaHoSo"]] = r
    assert set(latest) == set(svc.store.dossier_codes(limit=100))
    for code, r in latest.items():
        d = svc.dossier(code)
        assert r["TrangThaiHoSo"] == int(d.status) and r["NgayTiepNhan"] == f"{d.received_at:%Y%m%d%H%M%S}"
        assert r["NgayHenTra"] == f"{d.due_at:%Y%m%d%H%M%S}"
        assert r["NgayTra"] == (f"{d.returned_at:%Y%m%d%H%M%S}" if d.returned_at else "")
        assert r["ChuHoSo"] == " ".join(d.applicant.name.split())[:250]
    long = next(r for r in latest.values() if r["KenhThucHien"] == 3)
    assert len(long["TrichYeuHoSo"]) == 1000 and long["LoaiDoiTuong"] == 2 and long["TenTTHC"]
    assert all(len(p["NguoiXuLy"]) <= 50 for p in progress) and any(len(p["NguoiXuLy"]) == 50 for p in progress)
    office_steps = sum(len(svc.dossier(c).steps) for c in svc.store.dossier_codes(limit=100))
    assert len(progress) == office_steps
    assert max(len(b["data"]) for b in FakePortal.received) == 10
    assert central.portal_cursor() == report.cursor == central.last_change()


def test_export_resumes_from_its_cursor_and_resends_carry_the_same_key(portal, synced):
    svc, central = synced
    first = export(central, Transport(portal), page=5)
    assert export(central, Transport(portal)).requests == 0  # nothing new
    code = svc.store.dossier_codes(S.PROCESSING, limit=1)[0]
    svc.change_status(code, S.DONE, OFFICER, "Có kết quả")
    central_token = central.enroll_office("office-a")
    srv = CentralThread(central).start()
    assert client(svc, srv.url, central_token).run().ok
    srv.stop()
    before = central.portal_cursor()
    second = export(central, Transport(portal))
    assert second.dossiers == 1 and second.progress == 1 and second.cursor > first.cursor
    central.set_portal_cursor(before)  # a crash before the cursor was saved: the page is resent
    export(central, Transport(portal))
    assert sorted(FakePortal.keys.values())[-2:] == [2, 2]  # same two requests, same keys (deduplicated)
    assert len(FakePortal.received) == len(set(json.dumps(b, sort_keys=True) for b in FakePortal.received))


def test_export_retries_server_errors_and_keeps_the_cursor_on_failure(portal, synced):
    _, central = synced
    FakePortal.fail_next = [503, 502]
    t = Transport(portal, backoff=0.001, max_backoff=0.002)
    report = export(central, t)
    assert t.retries == 2 and report.dossiers == 15
    central.set_portal_cursor(0)
    FakePortal.fail_next = [503] * 3
    with pytest.raises(SyncError):
        export(central, Transport(portal, attempts=3, backoff=0.001, max_backoff=0.002))
    assert central.portal_cursor() == 0


def test_a_dossier_of_an_unpublished_procedure_stops_the_export_with_a_clear_error(portal, tmp_path, sqlite_central):
    srv = CentralThread(sqlite_central).start()
    token = sqlite_central.enroll_office("office-a")
    svc = office(tmp_path / "o.db", "office-a")
    receive(svc)
    assert client(svc, srv.url, token).run().ok
    srv.stop()
    with pytest.raises(MappingError) as e:
        export(sqlite_central, Transport(portal))
    assert "central catalogue" in str(e.value) and sqlite_central.portal_cursor() == 0


def test_the_mapping_is_a_versioned_table():
    table = MAPPINGS[LATEST_MAPPING]
    assert [f.name for f in table["DongBoHoSoMC"]] == list(DOSSIER_RULES)
    assert [f.name for f in table["CapNhatTienDoHoSoMC"]] == list(PROGRESS_RULES)
    with pytest.raises(MappingError):
        map_record("CapNhatTienDoHoSoMC", {"code": "X", "actor": "A", "at": "2026-03-02T08:00:00", "status": 11})
    rec = map_record("CapNhatTienDoHoSoMC", {"code": "X", "actor": "A" * 80, "at": "2026-03-02T08:00:00",
                                             "status": 4, "role": None})
    assert rec["NguoiXuLy"] == "A" * 50 and rec["ThoiDiemXuLy"] == "20260302080000" and rec["ChucDanh"] == ""
    assert datetime.strptime(rec["ThoiDiemXuLy"], "%Y%m%d%H%M%S")
