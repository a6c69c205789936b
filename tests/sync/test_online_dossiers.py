"""Dossiers submitted online: the provincial portal hands them to the central system, they come
down to the office at status 1, the counter accepts (1 → 2, a code from the office's block) or
refuses (1 → 3 with the reason), and the decision syncs back to the central system and the portal."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from office_support import AGENCY, desk
from sync_support import client, enroll, office, publish_test_catalogue

from central.portal import DOSSIER_SERVICE, PROGRESS_SERVICE, export
from central.server import CentralThread
from office.errors import Conflict, InvalidInput
from office.model import DossierStatus as S
from sync.transport import Transport
from testkit.dvcqg import FakePortal

ROOT = Path(__file__).resolve().parents[2]


def submission(ref: str, name: str, at: str = "2026-03-01T21:15:00+07:00", **extra) -> dict:
    return {"ref": ref, "office_id": "office-a", "procedure_code": "1.001193", "case_code": "TH1",
            "applicant": {"name": name, "id_type": "CCCD", "id_number": "001203004567", "phone": "0912345678",
                          "address": "Thôn Đông, xã Tân Phú", "email": "an.nguyen@example.vn"},
            "summary": "Đăng ký khai sinh cho con", "submitted_at": at,
            "components": [{"name": "Tờ khai đăng ký khai sinh", "copies": 1, "pages": 1, "digitized": True},
                           {"name": "Giấy chứng sinh", "copies": 1, "pages": 1, "digitized": True}],
            "vneid_verified": True, "paid_online": False, **extra}


@pytest.fixture
def world(tmp_path, sqlite_central):
    publish_test_catalogue(sqlite_central)
    srv = CentralThread(sqlite_central).start()
    token = enroll(sqlite_central)
    portal_token = sqlite_central.enroll_portal("Cổng DVC tỉnh")
    svc = office(tmp_path / "o.db", "office-a")
    yield srv, sqlite_central, token, portal_token, svc
    srv.stop()


def post(srv, token, body):
    return requests.post(f"{srv.url}/v1/online", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_an_online_dossier_is_accepted_or_refused_at_the_counter_and_reaches_the_portal(world):
    srv, central, token, portal_token, svc = world
    first, second = submission("DVC-2603-000101", "Nguyễn Văn An"), submission(
        "DVC-2603-000102", "Trần Thị Bình", at="2026-03-01T22:40:00+07:00")
    for s in (first, second):
        r = post(srv, portal_token, s)
        assert (r.status_code, r.json()) == (200, {"ref": s["ref"], "state": "pending", "code": None})
    assert post(srv, portal_token, first).json()["state"] == "pending"  # the same again: nothing new
    r = post(srv, portal_token, {**first, "summary": "khác"})
    assert (r.status_code, r.json()["error"]) == (409, "conflict")
    assert post(srv, token, first).status_code == 403  # an office token is not the portal
    assert post(srv, portal_token, {**first, "ref": "DVC-X", "office_id": "ghost"}).status_code == 404
    r = post(srv, portal_token, {**first, "ref": "DVC-Y", "procedure_code": "9.999999"})
    assert (r.status_code, r.json()["error"]) == (422, "invalid_input")

    assert client(svc, srv.url, token).run().ok
    counter = desk(svc)
    waiting = counter.online_dossiers()
    assert [(o.ref, o.applicant.name) for o in waiting] == [("DVC-2603-000101", "Nguyễn Văn An"),
                                                           ("DVC-2603-000102", "Trần Thị Bình")]
    assert waiting[0].components[0].name == "Tờ khai đăng ký khai sinh"
    assert any(r["action"] == "online.view" for r in svc.store.audit_log())

    d = counter.accept_online(first["ref"])
    assert d.status == S.RECEIVED and d.channel == 2 and d.code == f"{AGENCY}-260302-0001"
    assert d.applicant.name == "Nguyễn Văn An"
    with pytest.raises(Conflict):
        counter.accept_online(first["ref"])
    with pytest.raises(InvalidInput):
        counter.refuse_online(second["ref"], "   ")
    refused = counter.refuse_online(second["ref"], "Giấy chứng sinh không đọc được")
    assert refused.state == "refused" and counter.online_dossiers() == []

    assert client(svc, srv.url, token).run().ok
    get = lambda ref: requests.get(f"{srv.url}/v1/online/{ref}", timeout=10,  # noqa: E731
                                   headers={"Authorization": f"Bearer {portal_token}"}).json()
    assert (get(first["ref"])["state"], get(first["ref"])["code"]) == ("accepted", d.code)
    assert (get(second["ref"])["state"], get(second["ref"])["reason"]) == ("refused", "Giấy chứng sinh không đọc được")
    assert not central.quarantined()

    portal = FakePortal().start()
    try:
        export(central, Transport(portal.url))
    finally:
        portal.stop()
    assert not portal.rejected, portal.rejected[:1]
    records = {r["MaHoSo"]: r for r in portal.records(DOSSIER_SERVICE)}
    accepted, refusal = records[d.code], records[second["ref"]]
    assert (accepted["KenhThucHien"], accepted["NgayNopHoSo"], accepted["TrangThaiHoSo"]) == (2, "20260301211500", 2)
    assert accepted["TaiKhoanDuocXacThucVoiVNeID"] == 1 and accepted["HoSoCoThanhPhanSoHoa"] == 1
    assert [t["TenTaiLieu"] for t in accepted["TaiLieuNop"]] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert (refusal["TrangThaiHoSo"], refusal["NgayTuChoi"], refusal["NgayTiepNhan"]) == (3, "20260302080000", "")
    assert refusal["NgayNopHoSo"] == "20260301224000" and refusal["KenhThucHien"] == 2
    progress = [p for p in portal.records(PROGRESS_SERVICE) if p["MaHoSo"] == second["ref"]]
    assert [(p["TrangThai"], p["NoiDungXuLy"]) for p in progress] == [
        (3, "Từ chối tiếp nhận: Giấy chứng sinh không đọc được")]


def test_a_submission_that_breaks_the_rules_is_refused_with_the_field_named(world):
    srv, _, _, portal_token, _ = world
    for bad, field in ((submission("bad ref!", "A"), "ref"), (submission("DVC-1", ""), "applicant.name"),
                       (submission("DVC-2", "A", at="2026-02-30T08:00:00"), "submitted_at"),
                       ({**submission("DVC-3", "A"), "extra": 1}, "extra")):
        r = post(srv, portal_token, bad)
        assert (r.status_code, r.json()["error"]) == (422, "invalid_input") and field in r.json()["message"], r.text


def test_the_import_command_reads_a_file_of_submissions(world, tmp_path):
    _, central, _, _, _ = world
    path = tmp_path / "online.jsonl"
    path.write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in (
        submission("DVC-2603-000201", "Lê Văn Cường"), submission("bad ref!", "X"))), encoding="utf-8")
    out = subprocess.run([sys.executable, "main.py", "central", "import-online", "--db", central.url, "--file",
                          str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "DVC-2603-000201: pending" in out.stdout
    assert "1 online dossier(s) imported, 1 refused" in out.stdout and "submission #2" in out.stderr
    assert [o["ref"] for o in central.online_dossiers("office-a")] == ["DVC-2603-000201"]
