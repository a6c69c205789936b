"""Counter use cases on dossiers: reception checklist and validation, idempotent double submit,
intake records, supplement pause/resume, returning the result, audited reveals, search, late list."""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import datetime

import pytest
from office_support import BACK_OFFICE, LEADER, OFFICER, applicant, desk

from office.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from office.model import Applicant, Collector, DossierStatus, ReceivedComponent, Timeliness

S = DossierStatus
BIRTH = ("1.001193", "TH5")  # required: Tờ khai đăng ký khai sinh, Giấy chứng sinh
CHECKLIST = (ReceivedComponent("Tờ khai đăng ký khai sinh", 1, 0),
             ReceivedComponent("Giấy chứng sinh", 1, 1, "bản sao có chứng thực"))


def receive(svc, **kw):
    kw.setdefault("components", CHECKLIST)
    return svc.receive_dossier(*BIRTH, kw.pop("who", applicant()), OFFICER, **kw)


def rows(svc, sql, *params):
    con = sqlite3.connect(svc.store.path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_reception_details_are_stored_and_read_back(svc):
    rep = Applicant("Lê Thị Hồng", "CCCD", "079190001234", "0987654321", "Thôn Đông, xã Tân Phú")
    d = receive(svc, representative=rep, delivery="postal", delivery_address="  Số 5  đường Hùng Vương ",
                payment_method="cash", receipt_number=" BL-0001234 ")
    again = svc.dossier(d.code)
    assert again == replace(d, secret="")  # the store keeps only the secret's hash
    assert again.components == CHECKLIST and again.representative == rep
    assert (again.delivery, again.delivery_address, again.fee_paid) == ("postal", "Số 5 đường Hùng Vương", True)
    assert [(p.amount, p.method, p.receipt_number, p.refund) for p in again.payments] == [
        (8000, "cash", "BL-0001234", False)]
    assert (again.paid, again.amount_due) == (8000, 0)


@pytest.mark.parametrize("kw, message", [
    ({"components": (ReceivedComponent("Tờ khai đăng ký khai sinh", 1, 0),)}, "Giấy chứng sinh"),
    ({"components": (ReceivedComponent("Tờ khai đăng ký khai sinh", 1),
                     ReceivedComponent("Giấy chứng sinh", 0, 0))}, "Giấy chứng sinh"),
    ({"components": ()}, "Tờ khai đăng ký khai sinh; Giấy chứng sinh"),
    ({"components": (ReceivedComponent("  ", 1),)}, "thiếu tên"),
    ({"components": CHECKLIST + (ReceivedComponent("Bản sao", -1),)}, "từ 0 đến 99"),
    ({"delivery": "postal"}, "cần địa chỉ"),
    ({"delivery": "drone"}, "Hình thức nhận kết quả"),
    ({"who": applicant(name="   ")}, "Thiếu họ tên"),
    ({"who": applicant(id_number="12345")}, "12 chữ số"),
    ({"who": applicant(id_type="HC", id_number="123456789")}, "Hộ chiếu"),
    ({"who": applicant(id_type="XYZ")}, "Loại giấy tờ"),
    ({"who": applicant(phone="091234567")}, "Số điện thoại"),
    ({"who": applicant(phone="0112345678")}, "di động 10 số"),
    ({"representative": Applicant("Lê Thị Hồng")}, "người được ủy quyền"),
])
def test_bad_reception_input_is_refused_and_writes_nothing(svc, kw, message):
    before = svc.store.last_event_seq()
    with pytest.raises(InvalidInput, match=message):
        receive(svc, **kw)
    assert rows(svc, "SELECT COUNT(*) FROM dossiers") == [(0,)]
    assert svc.store.last_event_seq() == before


def test_missing_components_matches_names_loosely(svc):
    given = (ReceivedComponent("tờ khai  đăng ký khai sinh", 1),)
    assert svc.missing_components(*BIRTH, given) == ["Giấy chứng sinh"]
    assert svc.missing_components(*BIRTH, CHECKLIST) == []
    with pytest.raises(NotFound):
        svc.missing_components("1.001193", "NOPE", CHECKLIST)


def test_passport_and_spaces_are_normalised(svc):
    d = receive(svc, who=applicant(id_type="HC", id_number="c 1234567"))
    assert d.applicant.id_number == "C1234567"


def port_receive(port, **kw):
    return port.receive_dossier(*BIRTH, applicant(), components=CHECKLIST, **kw)


def test_double_submit_with_one_key_makes_one_dossier(svc):
    port = desk(svc)
    first = port_receive(port, idempotency_key="form-7")
    second = port_receive(port, idempotency_key="form-7")
    assert second.code == first.code and second.secret == first.secret
    assert rows(svc, "SELECT COUNT(*) FROM dossiers") == [(1,)]
    assert rows(svc, "SELECT COUNT(*) FROM events WHERE entity = 'dossier'") == [(1,)]


def test_double_submit_from_two_threads_makes_one_dossier(svc):
    port = desk(svc)
    barrier = threading.Barrier(2)
    codes, errors = [], []

    def submit():
        try:
            barrier.wait()
            codes.append(port_receive(port, idempotency_key="double-click").code)
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)
        finally:
            svc.store.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(codes) == 2 and codes[0] == codes[1]
    assert rows(svc, "SELECT COUNT(*) FROM dossiers") == [(1,)]


def test_incomplete_and_refused_intakes(svc):
    before = rows(svc, "SELECT COUNT(*) FROM dossier_seq")
    port = desk(svc)
    inc = port.record_intake("incomplete", *BIRTH, applicant(), missing=("Giấy chứng sinh",), idempotency_key="k1")
    assert port.record_intake("incomplete", *BIRTH, applicant(), missing=("Giấy chứng sinh",),
                              idempotency_key="k1") == inc
    ref = svc.record_intake("refused", *BIRTH, applicant(), OFFICER, reason="Không thuộc thẩm quyền")
    assert svc.intake(inc.id).missing == ("Giấy chứng sinh",) and inc.kind == "incomplete"
    assert svc.intake(ref.id).reason == "Không thuộc thẩm quyền" and ref.staff == OFFICER.name
    assert rows(svc, "SELECT COUNT(*) FROM dossiers") == [(0,)]
    assert rows(svc, "SELECT COUNT(*) FROM dossier_seq") == before  # no code allocated
    assert [r[0] for r in rows(svc, "SELECT kind FROM events WHERE entity = 'intake' ORDER BY seq")] == \
        ["incomplete", "refused"]
    with pytest.raises(InvalidInput, match="giấy tờ còn thiếu"):
        svc.record_intake("incomplete", *BIRTH, applicant(), OFFICER)
    with pytest.raises(InvalidInput, match="lý do"):
        svc.record_intake("refused", *BIRTH, applicant(), OFFICER, reason=" ")
    with pytest.raises(InvalidInput):
        svc.record_intake("maybe", *BIRTH, applicant(), OFFICER, reason="x")
    with pytest.raises(NotFound):
        svc.intake(999)


def test_supplement_pauses_and_resumes_the_clock(svc, clock):
    d = receive(svc)  # Monday 2/3/2026 08:00, 5 working days
    assert d.due_at == datetime(2026, 3, 9, 8, 0)
    clock.set(datetime(2026, 3, 2, 9, 0))
    svc.change_status(d.code, S.PROCESSING, BACK_OFFICE, "Thụ lý")
    clock.set(datetime(2026, 3, 3, 9, 0))
    with pytest.raises(InvalidInput):
        svc.request_supplement(d.code, [], BACK_OFFICE)
    paused = svc.request_supplement(d.code, [" Giấy chứng sinh  bản chính "], BACK_OFFICE, "trong 10 ngày")
    assert paused.status == S.SUPPLEMENT_REQUESTED and paused.paused_at == clock.now
    assert paused.supplement_missing == ("Giấy chứng sinh bản chính",)
    assert "Giấy chứng sinh bản chính" in paused.steps[-1].content
    clock.set(datetime(2026, 3, 5, 9, 0))  # two working days later
    resumed = svc.change_status(d.code, S.PROCESSING, OFFICER, "Đã nhận hồ sơ bổ sung")
    assert resumed.due_at == datetime(2026, 3, 11, 8, 0) and resumed.paused_at is None
    assert resumed.due_changes[-1].old_due == datetime(2026, 3, 9, 8, 0)
    with pytest.raises(IllegalTransition):
        svc.request_supplement(receive(svc).code, ["x"], BACK_OFFICE)  # status 2 cannot go to 5


def done_dossier(svc, **kw):
    d = receive(svc, **kw)
    svc.change_status(d.code, S.PROCESSING, BACK_OFFICE, "Thụ lý")
    return svc.change_status(d.code, S.DONE, BACK_OFFICE, "Đã ký kết quả")


def audit(svc, code):
    return [r[0] for r in rows(svc, "SELECT action FROM audit_log WHERE target = ? ORDER BY id", code)]


def test_return_to_the_applicant_checks_the_id(svc):
    d = done_dossier(svc)
    wrong = Collector("Nguyễn Văn An", "CCCD", "001203009999", "applicant")
    with pytest.raises(InvalidInput, match="không khớp"):
        svc.return_result(d.code, wrong, OFFICER)
    assert svc.dossier(d.code).status == S.DONE and audit(svc, d.code) == []
    right = Collector("Nguyễn Văn An", "CCCD", "0012 0300 4567", "applicant")
    port = desk(svc)
    out = port.return_result(d.code, right, idempotency_key="ret-1")
    assert out.status == S.RETURNED and out.returned_at is not None
    assert out.returned_to == Collector("Nguyễn Văn An", "CCCD", "001203004567", "applicant")
    assert audit(svc, d.code) == ["result.return:applicant:CCCD:khớp hồ sơ"]
    assert port.return_result(d.code, right, idempotency_key="ret-1") == out  # retry
    with pytest.raises(IllegalTransition):
        svc.return_result(d.code, right, OFFICER)
    kinds = rows(svc, "SELECT payload FROM events WHERE entity_id = ? AND kind = 'status'", d.code)
    assert '"returned_to":{"name":"Nguyễn Văn An"' in kinds[-1][0]


def test_return_to_a_representative_needs_authorisation_and_matching_id(svc):
    rep = Applicant("Lê Thị Hồng", "CCCD", "079190001234")
    d = done_dossier(svc, representative=rep)
    with pytest.raises(InvalidInput, match="giấy ủy quyền"):
        svc.return_result(d.code, Collector("Lê Thị Hồng", "CCCD", "079190001234", "representative"), OFFICER)
    with pytest.raises(InvalidInput, match="không khớp"):
        svc.return_result(d.code, Collector("Lê Văn Tư", "CCCD", "079190005555", "representative",
                                            "GUQ 12/2026"), OFFICER)
    out = svc.return_result(d.code, Collector("Lê Thị Hồng", "CCCD", "079190001234", "representative",
                                              "Giấy ủy quyền số 12/2026"), OFFICER)
    assert out.status == S.RETURNED and out.returned_to.relation == "representative"
    assert "Giấy ủy quyền số 12/2026" in out.steps[-1].content


def test_return_only_from_status_9_and_recall_clears_the_collector(svc):
    d = receive(svc)
    who = Collector("Nguyễn Văn An", "CCCD", "001203004567", "applicant")
    with pytest.raises(IllegalTransition, match="chưa có kết quả"):
        svc.return_result(d.code, who, OFFICER)
    with pytest.raises(InvalidInput, match="applicant"):
        svc.return_result(d.code, Collector("A", "CCCD", "001203004567", "friend"), OFFICER)
    done = done_dossier(svc)
    svc.return_result(done.code, who, OFFICER)
    recalled = svc.change_status(done.code, S.DONE, LEADER, "Thu hồi để đính chính")
    assert recalled.returned_to is None and recalled.returned_at is None


def test_reveal_applicant_is_audited(svc):
    d = receive(svc)
    with pytest.raises(InvalidInput, match="mục đích"):
        svc.reveal_applicant(d.code, OFFICER, "  ")
    a = svc.reveal_applicant(d.code, OFFICER, "Đối chiếu khi trả kết quả")
    assert a.id_number == "001203004567" and a.phone == "0912345678"
    assert audit(svc, d.code) == ["applicant.reveal:Đối chiếu khi trả kết quả"]
    assert rows(svc, "SELECT username FROM audit_log") == [(OFFICER.name,)]


def test_search_by_code_name_without_accents_id_and_phone(svc, clock):
    an = receive(svc)
    clock.advance(minutes=5)
    duc = receive(svc, who=applicant("Trần Đức Hưng", id_number="001099000111", phone="0901000222"))
    clock.advance(minutes=5)
    thuy = receive(svc, who=applicant("Phạm Thị Thùy Dương", id_number="001099000333", phone="0901000444"))
    codes = lambda result: [r.code for r in result]  # noqa: E731
    assert codes(svc.search_dossiers()) == [thuy.code, duc.code, an.code]  # newest first
    assert codes(svc.search_dossiers("tran duc")) == [duc.code]
    assert codes(svc.search_dossiers("ĐỨC HƯNG")) == [duc.code]
    assert codes(svc.search_dossiers("thuy duong")) == [thuy.code]
    assert codes(svc.search_dossiers("0010 9900 0333")) == [thuy.code]
    assert codes(svc.search_dossiers("0901000222")) == [duc.code]
    assert codes(svc.search_dossiers(an.code.lower())) == [an.code]
    assert codes(svc.search_dossiers(an.code[:14])) == [thuy.code, duc.code, an.code]
    assert svc.search_dossiers("001099000") == []  # ID numbers only match exactly
    assert svc.search_dossiers("%") == [] and svc.search_dossiers("_") == []
    row = svc.search_dossiers("hung")[0]
    assert (row.applicant_name, row.procedure_name, row.status) == ("Trần Đức Hưng", "Đăng ký khai sinh",
                                                                   S.RECEIVED)
    assert row.timeliness == Timeliness.IN_TIME
    svc.change_status(duc.code, S.PROCESSING, BACK_OFFICE, "Thụ lý")
    assert codes(svc.search_dossiers(status=S.PROCESSING)) == [duc.code]
    assert codes(svc.search_dossiers(limit=1)) == [thuy.code]
    with pytest.raises(InvalidInput):
        svc.search_dossiers(status=11)
    with pytest.raises(InvalidInput):
        svc.search_dossiers(limit=0)


def test_late_list_holds_due_soon_and_overdue_open_dossiers(svc, clock):
    day = svc.receive_dossier("2.000908", "GIO", applicant(), OFFICER)  # 4 working hours: 12:00... today
    slow = receive(svc)  # due Monday 9/3 08:00
    paused = receive(svc)
    svc.change_status(paused.code, S.PROCESSING, BACK_OFFICE, "Thụ lý")
    svc.request_supplement(paused.code, ["Giấy chứng sinh"], BACK_OFFICE)
    finished = svc.receive_dossier("2.000908", "GIO", applicant(), OFFICER)
    svc.change_status(finished.code, S.PROCESSING, BACK_OFFICE, "Thụ lý")
    svc.change_status(finished.code, S.DONE, BACK_OFFICE, "Xong")
    assert [r.code for r in svc.late_dossiers()] == [day.code]
    clock.set(datetime(2026, 3, 6, 9, 0))  # Friday: `slow` is due Monday 08:00, one working day on
    late = svc.late_dossiers()
    assert [r.code for r in late] == [day.code, slow.code]  # most urgent (overdue) first
    assert [r.timeliness for r in late] == [Timeliness.OVERDUE, Timeliness.DUE_SOON]
    assert [r.code for r in svc.late_dossiers(0)] == [day.code]
    with pytest.raises(InvalidInput):
        svc.late_dossiers(-1)


def test_extend_due_then_late_list_and_conflict_after_the_date(svc, clock):
    d = receive(svc)
    clock.set(datetime(2026, 3, 9, 7, 30))
    assert [r.code for r in svc.late_dossiers()] == [d.code]
    svc.extend_due(d.code, datetime(2026, 3, 16, 8, 0), "Chờ xác minh", OFFICER)
    assert svc.late_dossiers() == []
    clock.set(datetime(2026, 3, 16, 9, 0))
    with pytest.raises(Conflict, match="chậm nhất"):
        svc.extend_due(d.code, datetime(2026, 3, 20, 8, 0), "Lần hai", OFFICER)
