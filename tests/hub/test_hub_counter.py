"""The counter's dossier use cases, embedded and over a real hub on 127.0.0.1: same results,
same errors, idempotent retries, audit of reveals and returns, roles."""
from __future__ import annotations

from datetime import date

import pytest
from hub_support import Ports
from office_support import applicant

from office.errors import Forbidden, IllegalTransition, InvalidInput
from office.model import Applicant, Collector, DossierStatus, ReceivedComponent

S = DossierStatus
CHECKLIST = (ReceivedComponent("Tờ khai đăng ký khai sinh", 1, 0),
             ReceivedComponent("Giấy chứng sinh", 1, 1, "bản sao"))
REP = Applicant("Lê Thị Hồng", "CCCD", "079190001234", "0987654321", "Thôn Đông")


def test_counter_dossier_life(ports: Ports, clock):
    c, back = ports.counter, ports.backoffice
    assert c.missing_components("1.001193", "TH5", CHECKLIST[:1]) == ["Giấy chứng sinh"]
    d = c.receive_dossier("1.001193", "TH5", applicant(), "Khai sinh", idempotency_key="form-1",
                          components=CHECKLIST, representative=REP, delivery="postal",
                          delivery_address="Số 5 Hùng Vương", payment_method="cash", receipt_number="BL-1")
    again = c.receive_dossier("1.001193", "TH5", applicant(), "Khai sinh", idempotency_key="form-1",
                              components=CHECKLIST, representative=REP, delivery="postal",
                              delivery_address="Số 5 Hùng Vương", payment_method="cash", receipt_number="BL-1")
    assert again == d and d.components == CHECKLIST and d.representative == REP and d.fee_paid
    assert ports.office.svc.store.counts()["dossiers"] == 1
    with pytest.raises(InvalidInput, match="Giấy chứng sinh"):
        c.receive_dossier("1.001193", "TH5", applicant(), components=CHECKLIST[:1])

    intake = c.record_intake("incomplete", "1.001193", "TH1", applicant(),
                             missing=("Giấy chứng sinh",), idempotency_key="i-1")
    assert c.record_intake("incomplete", "1.001193", "TH1", applicant(),
                           missing=("Giấy chứng sinh",), idempotency_key="i-1") == intake
    assert c.intake(intake.id) == intake and intake.missing == ("Giấy chứng sinh",)

    assert [r.code for r in c.late_dossiers(30)] == [d.code]
    back.change_status(d.code, S.PROCESSING, "Thụ lý")
    paused = back.request_supplement(d.code, ["Giấy chứng sinh bản chính"], "trong 5 ngày")
    assert paused.status == S.SUPPLEMENT_REQUESTED and paused.supplement_missing == ("Giấy chứng sinh bản chính",)
    clock.advance(hours=2)
    back.change_status(d.code, S.PROCESSING, "Đã nhận bổ sung")
    done = back.change_status(d.code, S.DONE, "Đã ký")
    assert done.due_at > d.due_at

    rows = c.search_dossiers("nguyen van an")
    assert [r.code for r in rows] == [d.code] and rows[0].status == S.DONE
    assert c.search_dossiers(status=S.RECEIVED) == []
    assert c.late_dossiers(30) == []  # finished

    with pytest.raises(InvalidInput, match="giấy ủy quyền"):
        c.return_result(d.code, Collector("Lê Thị Hồng", "CCCD", "079190001234", "representative"))
    who = Collector("Lê Thị Hồng", "CCCD", "079190001234", "representative", "GUQ 01/2026")
    out = c.return_result(d.code, who, idempotency_key="ret-1")
    assert out.status == S.RETURNED and out.returned_to == who
    assert c.return_result(d.code, who, idempotency_key="ret-1") == out
    with pytest.raises(IllegalTransition):
        c.return_result(d.code, who)

    revealed = c.reveal_applicant(d.code, "Gọi điện báo kết quả")
    assert revealed.phone == "0912345678"
    actions = [a["action"] for a in ports.office.svc.store.audit_log(d.code)]
    assert "applicant.reveal:Gọi điện báo kết quả" in actions
    assert any(a.startswith("result.return:representative:CCCD") for a in actions)

    register = c.register_rows(date(2026, 3, 2), date(2026, 3, 2))
    assert [(r["stt"], r["code"], r["collector"]) for r in register] == [(1, d.code, "Lê Thị Hồng")]


def test_kiosk_cannot_reach_counter_use_cases(hub):
    kiosk = hub.client("kiosk-1")
    with pytest.raises(Forbidden):
        kiosk.search_dossiers("an")
    with pytest.raises(Forbidden):
        kiosk.reveal_applicant("000.31.20.H56-260302-0001", "x")


def test_bad_input_over_http_is_a_clear_422(hub):
    session = hub.session("quay-1", "bich.tt")
    r = hub.http("POST", "/api/receive-dossier", "quay-1", session, json={
        "procedure_code": "1.001193", "case_code": "TH5", "applicant": {"name": "An"},
        "components": [{"name": "Tờ khai", "originals": "một"}], "e_result": "yes"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_input"
    assert "components.0.originals" in r.json()["message"] and "e_result" in r.json()["message"]
    r = hub.http("POST", "/api/search-dossiers", "quay-1", session, json={"limit": 0})
    assert r.status_code == 422


def test_forms_print_the_same_over_the_hub(hub, tmp_path):
    import subprocess

    import forms

    counter = hub.client("quay-1", "bich.tt")
    d = counter.receive_dossier("1.001193", "TH5", applicant(), components=CHECKLIST)

    def text_of(pdf: bytes, name: str) -> str:
        path = tmp_path / name
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()

    over_http = text_of(forms.receipt(counter, d.code, d.secret), "http.pdf")
    assert over_http == text_of(forms.receipt(hub.svc, d.code, d.secret), "embedded.pdf")
    assert d.code in over_http and d.secret in over_http
