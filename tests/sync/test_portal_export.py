"""National portal export against a fake DVCQG portal on 127.0.0.1 that validates every request
with a JSON schema written from DESIGN.md §3.8 (testkit/dvcqg-schema.json)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from office_support import OFFICER, applicant, move
from sync_support import client, department, enroll, office, publish_test_catalogue, receive

from central.portal import (
    DOSSIER_SERVICE,
    LATEST_MAPPING,
    MAPPINGS,
    PROGRESS_SERVICE,
    MappingError,
    export,
    map_record,
    portal_time,
)
from central.server import CentralThread
from office.model import DossierStatus as S
from office.text import moment
from sync.transport import SyncError, Transport
from testkit.dvcqg import SCHEMA, FakePortal, problems


@pytest.fixture
def portal():
    p = FakePortal().start()
    yield p
    p.stop()


@pytest.fixture
def synced(tmp_path, sqlite_central):
    """An office with dossiers in many statuses, synced to the central store."""
    publish_test_catalogue(sqlite_central)
    srv = CentralThread(sqlite_central).start()
    token = enroll(sqlite_central)
    svc = office(tmp_path / "o.db", "office-a")
    codes = receive(svc, 14)
    svc.receive_dossier("1.004227", "LICH", applicant("Trần Thị " + "Rất Dài " * 20, kind=2), OFFICER,
                        summary="Nội dung " * 300, channel=3, delivery="postal", delivery_address="Thôn Đông, xã Tân Phú")
    for code in codes[:8]:
        svc.change_status(code, S.PROCESSING, OFFICER, "Thụ lý")
    for code in codes[:4]:
        svc.change_status(code, S.DONE, OFFICER.__class__("Nguyễn " * 15, "Chuyên viên", "Phòng Tư pháp"), "Xong")
    move(svc, codes[0], S.RETURNED, OFFICER)  # handed over with the collector's ID checked
    svc.request_supplement(codes[5], ["Bản sao sổ hộ khẩu"], OFFICER, deadline=svc.clock() + timedelta(days=10))
    svc.change_status(codes[6], S.WITHDRAWN, OFFICER, "Công dân rút hồ sơ")
    assert client(svc, srv.url, token).run().ok
    yield svc, sqlite_central
    srv.stop()


def test_every_exported_record_fits_the_portal_schema_and_batches_hold_at_most_10(portal, synced):
    svc, central = synced
    report = export(central, Transport(portal.url, backoff=0.001))
    assert not portal.rejected, portal.rejected[:2]
    dossiers, progress = portal.records(DOSSIER_SERVICE), portal.records(PROGRESS_SERVICE)
    assert report.dossiers == len(dossiers) and report.progress == len(progress)
    latest = {r["MaHoSo"]: r for r in dossiers}
    assert set(latest) == set(svc.store.dossier_codes(limit=100))
    for code, r in latest.items():
        d = svc.dossier(code)
        assert r["TrangThaiHoSo"] == int(d.status) and r["NgayTiepNhan"] == f"{d.received_at:%Y%m%d%H%M%S}"
        assert r["NgayNopHoSo"] == r["NgayTiepNhan"]  # received at the counter: submitted then
        assert r["NgayHenTra"] == f"{d.due_at:%Y%m%d%H%M%S}"
        assert r["NgayTra"] == (f"{d.returned_at:%Y%m%d%H%M%S}" if d.returned_at else "")
        assert r["ChuHoSo"] == " ".join(d.applicant.name.split())[:250]
        assert r["SoDienThoai"] == d.applicant.phone and r["TenLinhVuc"] in ("Tư pháp – Hộ tịch", "Đất đai")
        assert r["DonViXuLy"]
    long = next(r for r in latest.values() if r["KenhThucHien"] == 3)
    assert len(long["TrichYeuHoSo"]) == 1000 and long["LoaiDoiTuong"] == 2 and long["TenTTHC"]
    assert long["HinhThuc"] == 1  # result by post
    assert all(r["HinhThuc"] == 0 for r in latest.values() if r is not long)
    supplemented = latest[svc.store.dossier_codes(S.SUPPLEMENT_REQUESTED, limit=1)[0]]
    assert [s["NoiDungBoSung"] for s in supplemented["DanhSachHoSoBoSung"]] == [
        f"Yêu cầu bổ sung: Bản sao sổ hộ khẩu. Hạn bổ sung: {moment(svc.store.dossier(supplemented['MaHoSo']).supplement_due)}."]
    done = [r for r in latest.values() if r["TrangThaiHoSo"] in (9, 10)]
    assert done and all(r["DanhSachGiayToKetQua"] for r in done)
    assert all(len(p["NguoiXuLy"]) <= 50 for p in progress) and any(len(p["NguoiXuLy"]) == 50 for p in progress)
    assert all("" < p["NgayBatDau"] <= p["ThoiDiemXuLy"] and p["NgayKetThucTheoQuyDinh"] for p in progress)
    office_steps = sum(len(svc.dossier(c).steps) for c in svc.store.dossier_codes(limit=100))
    assert len(progress) == office_steps
    assert max(len(b["data"]) for b in portal.received) == 10
    assert {b["isUpdating"] for b in portal.received if b["service"] == DOSSIER_SERVICE} == {False}
    assert central.portal_cursor() == report.cursor == central.last_change()


def test_the_fake_portal_refuses_what_breaks_the_schema():
    good = {"MaHoSo": "X-1", "NguoiXuLy": "A", "ChucDanh": "", "ThoiDiemXuLy": "20260302080000",
            "PhongBanXuLy": "", "NoiDungXuLy": "", "TrangThai": 4, "NgayBatDau": "", "NgayKetThucTheoQuyDinh": ""}
    assert problems({"service": PROGRESS_SERVICE, "isUpdating": False, "data": [good]}) == []
    bad = [
        {"service": PROGRESS_SERVICE, "data": [good]},  # no isUpdating
        {"service": PROGRESS_SERVICE, "isUpdating": False, "data": [good] * 11},
        {"service": PROGRESS_SERVICE, "isUpdating": False, "data": [{**good, "ThoiDiemXuLy": "20260230080000"}]},
        {"service": PROGRESS_SERVICE, "isUpdating": False, "data": [{**good, "TrangThai": 11}]},
        {"service": PROGRESS_SERVICE, "isUpdating": False, "data": [{**good, "Extra": 1}]},
        {"service": PROGRESS_SERVICE, "isUpdating": False, "data": [{**good, "NguoiXuLy": "A" * 51}]},
    ]
    assert all(problems(b) for b in bad)
    assert SCHEMA["$defs"]["dossier"]["required"] == [f.name for f in MAPPINGS[LATEST_MAPPING][DOSSIER_SERVICE]]


def test_an_update_after_the_first_export_is_sent_as_an_update(portal, synced):
    svc, central = synced
    export(central, Transport(portal.url))
    code = svc.store.dossier_codes(S.PROCESSING, limit=1)[0]
    svc.change_status(code, S.DONE, OFFICER, "Có kết quả")
    srv = CentralThread(central).start()
    assert client(svc, srv.url, central.enroll_office("office-a")).run().ok
    srv.stop()
    second = export(central, Transport(portal.url))
    assert (second.dossiers, second.progress) == (1, 1)
    last = [b for b in portal.received if b["service"] == DOSSIER_SERVICE][-1]
    assert last["isUpdating"] is True and last["data"][0]["MaHoSo"] == code and not portal.rejected


def test_export_resumes_from_its_cursor_and_resends_carry_the_same_key(portal, synced):
    svc, central = synced
    first = export(central, Transport(portal.url), page=5)
    assert export(central, Transport(portal.url)).requests == 0  # nothing new
    code = svc.store.dossier_codes(S.PROCESSING, limit=1)[0]
    svc.change_status(code, S.DONE, OFFICER, "Có kết quả")
    srv = CentralThread(central).start()
    assert client(svc, srv.url, central.enroll_office("office-a")).run().ok
    srv.stop()
    before = central.portal_cursor()
    second = export(central, Transport(portal.url))
    assert second.dossiers == 1 and second.progress == 1 and second.cursor > first.cursor
    central.set_portal_cursor(before)  # a crash before the cursor was saved: the page is resent
    export(central, Transport(portal.url))
    assert sorted(portal.keys.values())[-2:] == [2, 2]  # same two requests, same keys (deduplicated)
    assert len(portal.received) == len(set(json.dumps(b, sort_keys=True) for b in portal.received))


def test_export_retries_server_errors_and_keeps_the_cursor_on_failure(portal, synced):
    _, central = synced
    portal.fail_next = [503, 502]
    t = Transport(portal.url, backoff=0.001, max_backoff=0.002)
    report = export(central, t)
    assert t.retries == 2 and report.dossiers == 15
    central.set_portal_cursor(0)
    portal.fail_next = [503] * 3
    with pytest.raises(SyncError):
        export(central, Transport(portal.url, attempts=3, backoff=0.001, max_backoff=0.002))
    assert central.portal_cursor() == 0


def test_a_dossier_of_an_unpublished_procedure_stops_the_export_with_a_clear_error(portal, tmp_path, sqlite_central):
    srv = CentralThread(sqlite_central).start()
    token = enroll(sqlite_central)
    svc = office(tmp_path / "o.db", "office-a")
    receive(svc)
    assert client(svc, srv.url, token).run().ok
    srv.stop()
    with pytest.raises(MappingError) as e:
        export(sqlite_central, Transport(portal.url))
    assert "central catalogue" in str(e.value) and sqlite_central.portal_cursor() == 0


def test_the_mapping_is_a_versioned_table():
    with pytest.raises(MappingError):
        map_record(PROGRESS_SERVICE, {"code": "X", "actor": "A", "at": "2026-03-02T08:00:00", "status": 11})
    rec = map_record(PROGRESS_SERVICE, {"code": "X", "actor": "A" * 80, "at": "2026-03-02T08:00:00",
                                        "status": 4, "role": None})
    assert rec["NguoiXuLy"] == "A" * 50 and rec["ThoiDiemXuLy"] == "20260302080000" and rec["ChucDanh"] == ""
    assert rec["NgayBatDau"] == "" and datetime.strptime(rec["ThoiDiemXuLy"], "%Y%m%d%H%M%S")


def test_aware_times_are_sent_in_vietnam_local_time():
    assert portal_time("2026-03-02T01:30:00+00:00") == "20260302083000"
    assert portal_time("2026-03-02T08:30:00") == "20260302083000"  # offices keep local time
    assert portal_time(datetime(2026, 3, 2, 10, 0) - timedelta(hours=2)) == "20260302080000"
    assert portal_time("2026-03-02T23:30:00-05:00") == "20260303113000" and portal_time(None) == ""


def test_a_step_posted_with_an_offset_is_exported_in_local_time(portal, synced):
    svc, central = synced
    code = svc.store.dossier_codes(S.PROCESSING, limit=1)[0]
    srv = CentralThread(central).start()
    try:
        import requests

        r = requests.post(f"{srv.url}/v1/dossiers/{code}/steps", timeout=10,
                          headers={"Authorization": f"Bearer {department(central)}"},
                          json={"status": 9, "actor": "Lê Văn Cường", "role": "Chuyên viên", "content": "Có kết quả",
                                "at": "2026-03-02T03:15:00+00:00"})
        assert r.status_code == 200, r.text
    finally:
        srv.stop()
    export(central, Transport(portal.url))
    step = [p for p in portal.records(PROGRESS_SERVICE) if p["MaHoSo"] == code][-1]
    assert step["ThoiDiemXuLy"] == "20260302101500" and step["TrangThai"] == 9
    assert central.dossier(code)["steps"][-1]["at"] == "2026-03-02T10:15:00"


def test_each_step_starts_when_the_one_before_it_ended_across_syncs(portal, tmp_path, sqlite_central):
    """NgayBatDau of a step synced later (office or department) is the time of the step before it."""
    publish_test_catalogue(sqlite_central)
    srv = CentralThread(sqlite_central).start()
    try:
        token = enroll(sqlite_central)
        svc = office(tmp_path / "o.db", "office-a")
        code = receive(svc)[0]
        assert client(svc, srv.url, token).run().ok
        svc.change_status(code, S.PROCESSING, OFFICER, "Thụ lý")
        assert client(svc, srv.url, token).run().ok
        import requests

        r = requests.post(f"{srv.url}/v1/dossiers/{code}/steps", timeout=10,
                          headers={"Authorization": f"Bearer {department(sqlite_central)}"},
                          json={"status": 9, "actor": "Lê Văn Cường", "role": "Chuyên viên", "content": "Có kết quả"})
        assert r.status_code == 200, r.text
    finally:
        srv.stop()
    export(sqlite_central, Transport(portal.url))
    steps = [p for p in portal.records(PROGRESS_SERVICE) if p["MaHoSo"] == code]
    assert [p["TrangThai"] for p in steps] == [2, 4, 9]
    assert [p["NgayBatDau"] for p in steps[1:]] == [p["ThoiDiemXuLy"] for p in steps[:-1]]


def test_the_demo_office_exports_every_record_valid(portal, tmp_path, sqlite_central):
    """A seeded demo office (every status, long names, both channels) synced and exported."""
    from demo.seed import seed_demo
    from office.catalogue import read_catalogue
    from office.config import OfficeConfig
    from office.service import OfficeService
    from sync.protocol import procedure_to_wire

    svc = OfficeService.open(tmp_path / "demo.db", OfficeConfig(office_id="xa-tan-phu", agency_code="000.31.20.H56"))
    seed_demo(svc, dossiers=400, tickets=60, days=20, now=datetime(2026, 11, 25, 16, 0))
    catalogue = read_catalogue()
    sqlite_central.save_catalogue([{"code": f.code, "name": f.name} for f in catalogue["fields"]],
                                  [procedure_to_wire(p) for p in catalogue["procedures"]])
    token = sqlite_central.enroll_office("xa-tan-phu", "UBND xã Tân Phú", agency="000.31.20.H56")
    sqlite_central.lease_block("xa-tan-phu", "000.31.20.H56", 1000, datetime(2026, 10, 1).date())
    srv = CentralThread(sqlite_central).start()
    try:
        report = client(svc, srv.url, token).run()
    finally:
        srv.stop()
    assert report.ok and not report.quarantined
    result = export(sqlite_central, Transport(portal.url))
    assert not portal.rejected, portal.rejected[:2]
    dossiers = {r["MaHoSo"]: r for r in portal.records(DOSSIER_SERVICE)}
    assert result.dossiers == len(dossiers) == svc.store.counts()["dossiers"] == 400
    assert {r["TrangThaiHoSo"] for r in dossiers.values()} >= {2, 3, 4, 5, 9, 10}
    assert {r["KenhThucHien"] for r in dossiers.values()} == {1, 2}
    assert len(portal.records(PROGRESS_SERVICE)) == result.progress > 400
    svc.store.close()


def test_newer_office_fields_reach_the_portal(portal, sqlite_central):
    """Fields an office of a newer version sends (e-mail, kind 4, payments, digitised components,
    supplement deadline, VNeID) are projected and exported; an older office's events lack them."""
    from sync_support import UTC_NOW, batch_body

    from sync.protocol import decode_batch

    publish_test_catalogue(sqlite_central)
    enroll(sqlite_central)
    code = "000.31.20.H56-260302-0007"
    payload = {
        "code": code, "procedure_code": "1.001193", "procedure_version": 1, "case_code": "TH5", "status": 5,
        "applicant": {"name": "Hội Nông dân xã", "kind": 4, "email": "hoi.nongdan@tanphu.gov.vn", "phone": "0912345678"},
        "received_at": "2026-03-02T08:00:00", "due_at": "2026-03-09T08:00:00", "fee": 8000, "channel": 1,
        "payments": [{"at": "2026-03-02T08:05:00", "amount": 8000, "method": "transfer", "receipt_number": "BL-0001"}],
        "components": [{"name": "Tờ khai", "originals": 1, "pages": 2, "digitized": True, "reused": False}],
        "vneid_verified": True, "supplement_due": "2026-03-06T17:00:00", "supplement_count": 1,
        "steps": [{"at": "2026-03-02T08:00:00", "actor": "Trần Thị Bích", "role": "Chuyên viên",
                   "department": "Bộ phận Một cửa", "content": "Tiếp nhận", "status": 2},
                  {"at": "2026-03-02T08:30:00", "actor": "Trần Thị Bích", "role": "Chuyên viên",
                   "department": "Phòng Tư pháp", "content": "Thụ lý", "status": 4},
                  {"at": "2026-03-02T09:00:00", "actor": "Trần Thị Bích", "role": "Chuyên viên",
                   "department": "Phòng Tư pháp", "content": "Yêu cầu bổ sung: Giấy chứng sinh", "status": 5}]}
    event = (1, "00000000-0000-4000-8000-000000000001", "office-a", "dossier", code, "received",
             json.dumps(payload, ensure_ascii=False), "2026-03-02T09:00:00", 1)
    assert not sqlite_central.apply_batch(decode_batch(batch_body("office-a", 0, [event]), "office-a",
                                                       UTC_NOW)).quarantined
    export(sqlite_central, Transport(portal.url))
    [r] = portal.records(DOSSIER_SERVICE)
    assert not portal.rejected, portal.rejected
    assert (r["LoaiDoiTuong"], r["Email"], r["SoDienThoai"]) == (4, "hoi.nongdan@tanphu.gov.vn", "0912345678")
    assert r["DanhSachLePhi"] == [{"TenPhiLePhi": "Khai sinh – xác minh", "MucPhi": 8000, "SoBienLai": "BL-0001",
                                   "HinhThucThanhToan": 2, "NgayThanhToan": "20260302080500"}]
    assert r["TaiLieuNop"] == [{"TenTaiLieu": "Tờ khai", "DuocSoHoa": 1, "DuocTaiSuDung": 0, "DuocLayTuKhoDMQG": 0}]
    assert (r["HoSoCoThanhPhanSoHoa"], r["TaiKhoanDuocXacThucVoiVNeID"], r["DuocThanhToanTrucTuyen"]) == (1, 1, 0)
    assert r["DanhSachHoSoBoSung"] == [{"NgayYeuCauBoSung": "20260302090000", "NoiDungBoSung": "Yêu cầu bổ sung: "
                                        "Giấy chứng sinh", "HanBoSung": "20260306170000", "NgayTiepNhanBoSung": ""}]
    assert r["DonViXuLy"] == "Phòng Tư pháp"
