"""The legal rules of a dossier's life (DESIGN.md §3.3, §3.9, §3.10): same-day cut-off, the clock
stopped at status 6, supplement deadlines and their expiry, online dossiers waiting at status 1,
fees, payments and refunds, numbered documents per form and year, digitisation flags, e-mail,
official calendar days added by the office, and what the change log carries of all of it."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from office_support import BACK_OFFICE, LEADER, OFFICER, applicant, desk, make_service, move

from office.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from office.model import DossierStatus, ReceivedComponent, Timeliness

S = DossierStatus
BIRTH = ("1.001193", "TH5")  # 5 working days, 8.000 đồng, supplement deadline 10 working days → refused
LAND = ("1.004227", "LICH")  # 10 calendar days, clock stops at 6, deadline 5 working days → stopped
COPY = ("2.000908", "NGAY")  # same-day, cut-off 15:00, 2.000 đồng per page
CHECKLIST = (ReceivedComponent("Tờ khai đăng ký khai sinh", 1, 0, pages=2, digitized=True),
             ReceivedComponent("Giấy chứng sinh", 1, 0, reused=True))


def events(svc, code, kind=None):
    return [e["payload"] for e in svc.store.events() if e["entity_id"] == code and kind in (None, e["kind"])]


def test_same_day_case_and_fee_per_page(svc, clock):
    clock.set(datetime(2026, 3, 2, 14, 30))
    before = svc.receive_dossier(*COPY, applicant(), OFFICER, fee_units=7)
    clock.set(datetime(2026, 3, 2, 15, 10))
    after = svc.receive_dossier(*COPY, applicant(), OFFICER, fee_units=3, payment_method="cash",
                                receipt_number="0001234")
    assert before.due_at == datetime(2026, 3, 2, 17, 0) and after.due_at == datetime(2026, 3, 3, 17, 0)
    assert (before.fee, before.fee_units, before.amount_due, before.fee_paid) == (14_000, 7, 14_000, False)
    assert (after.fee, after.paid, after.amount_due, after.fee_paid) == (6_000, 6_000, 0, True)
    exempt = svc.receive_dossier(*COPY, applicant(), OFFICER, fee_units=3, fee_exemption="Người có công")
    assert (exempt.fee, exempt.fee_exemption) == (0, "Người có công")
    with pytest.raises(InvalidInput, match="không phải nộp"):
        svc.receive_dossier(*COPY, applicant(), OFFICER, fee_exemption="Hộ nghèo", payment_method="cash",
                            receipt_number="1")
    with pytest.raises(InvalidInput, match="biên lai"):
        svc.receive_dossier(*COPY, applicant(), OFFICER, payment_method="cash")


def test_financial_obligation_stops_the_clock_only_where_the_procedure_says(svc, clock):
    land = svc.receive_dossier(*LAND, applicant(), OFFICER)  # Mon 02/03 08:00 + 10 days → Thu 12/03 17:00
    birth = svc.receive_dossier(*BIRTH, applicant(), OFFICER)  # → Mon 09/03 08:00
    for d in (land, birth):
        move(svc, d.code, S.PROCESSING)
    clock.set(datetime(2026, 3, 3, 8, 0))
    land6 = move(svc, land.code, S.FINANCIAL_OBLIGATION, content="Thông báo nộp thuế")
    birth6 = move(svc, birth.code, S.FINANCIAL_OBLIGATION, content="Thông báo nộp lệ phí")
    assert land6.paused_at == clock.now and birth6.paused_at is None
    clock.set(datetime(2026, 3, 20, 9, 0))  # long after both due dates
    assert svc.timeliness(svc.dossier(land.code)) != Timeliness.OVERDUE  # paused: the clock stood still
    assert svc.timeliness(svc.dossier(birth.code)) == Timeliness.OVERDUE
    clock.set(datetime(2026, 3, 5, 8, 0))  # paid two working days later
    resumed = move(svc, land.code, S.PROCESSING, content="Đã nộp thuế")
    assert resumed.paused_at is None and resumed.due_at == datetime(2026, 3, 16, 17, 0)  # + 2 working days
    assert (resumed.due_changes[-1].kind, resumed.due_changes[-1].old_due) == ("financial", land.due_at)
    # 6 → 9 also resumes (result issued together with the payment)
    clock.set(datetime(2026, 3, 6, 8, 0))
    move(svc, land.code, S.FINANCIAL_OBLIGATION, content="Nộp lệ phí cấp giấy")
    clock.set(datetime(2026, 3, 6, 10, 0))
    done = move(svc, land.code, S.DONE, content="Có kết quả")
    assert done.paused_at is None and done.due_at == datetime(2026, 3, 17, 9, 0)  # + 2 working hours


def test_supplement_deadline_count_and_expiry_to_refused(svc, clock):
    d = svc.receive_dossier(*BIRTH, applicant(), OFFICER)
    move(svc, d.code, S.PROCESSING)
    clock.set(datetime(2026, 3, 3, 9, 0))
    first = svc.request_supplement(d.code, ["Giấy chứng sinh"], BACK_OFFICE, "Bản sao không rõ ngày sinh")
    # 10 working days from Tue 03/03 09:00 → Tue 17/03 09:00
    assert (first.supplement_count, first.supplement_due) == (1, datetime(2026, 3, 17, 9, 0))
    assert "Hạn bổ sung: 09:00 17/03/2026" in first.steps[-1].content
    clock.set(datetime(2026, 3, 4, 9, 0))
    back = move(svc, d.code, S.PROCESSING, content="Đã nhận bổ sung")
    assert back.supplement_due is None and back.supplement_count == 1
    clock.set(datetime(2026, 3, 5, 9, 0))
    deadline = datetime(2026, 3, 9, 17, 0)
    second = svc.request_supplement(d.code, ["Bản chính giấy chứng sinh"], BACK_OFFICE, "Cần đối chiếu", deadline)
    assert (second.supplement_count, second.supplement_due) == (2, deadline)
    assert [f.form for f in second.forms] == ["01", "02", "02"] and second.forms[-1].number == 2
    clock.set(datetime(2026, 3, 9, 16, 59))
    assert svc.expire_supplements() == []
    clock.set(datetime(2026, 3, 10, 7, 30))
    assert desk(svc).expire_supplements() == [d.code]
    expired = svc.dossier(d.code)
    assert expired.status == S.REFUSED and expired.finished_at == deadline
    last = expired.steps[-1]
    assert (last.at, last.status, last.actor) == (deadline, S.REFUSED, "Hệ thống Một cửa")
    assert "Quá thời hạn bổ sung" in last.content and expired.issued("03").number == 1
    assert svc.expire_supplements() == []  # once
    payload = events(svc, d.code, "status")[-1]
    assert payload["finished_at"] == "2026-03-09 17:00:00" and payload["form"]["form"] == "03"


def test_supplement_expiry_stops_where_the_procedure_says_and_needs_a_deadline(svc, clock):
    land = svc.receive_dossier(*LAND, applicant(), OFFICER)
    move(svc, land.code, S.PROCESSING)
    paused = svc.request_supplement(land.code, ["Bản đồ địa chính"], BACK_OFFICE)
    assert paused.supplement_due == datetime(2026, 3, 9, 8, 0)  # 5 working days
    clock.set(datetime(2026, 3, 9, 8, 0))
    assert svc.expire_supplements() == [land.code]
    assert svc.dossier(land.code).status == S.STOPPED and svc.dossier(land.code).issued("05") is not None
    one = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)  # the case sets no default deadline
    move(svc, one.code, S.PROCESSING)
    with pytest.raises(InvalidInput, match="thời hạn bổ sung"):
        svc.request_supplement(one.code, ["Giấy chứng sinh"], BACK_OFFICE)
    for bad in (clock.now - timedelta(minutes=1), clock.now + timedelta(days=200)):
        with pytest.raises(InvalidInput):
            svc.request_supplement(one.code, ["Giấy chứng sinh"], BACK_OFFICE, deadline=bad)
    assert svc.dossier(one.code).status == S.PROCESSING


def test_more_than_one_supplement_request_counts_late_in_qd766(svc, clock):
    twice = svc.receive_dossier(*BIRTH, applicant(), OFFICER)
    once = svc.receive_dossier(*BIRTH, applicant(), OFFICER)
    for d, times in ((twice, 2), (once, 1)):
        move(svc, d.code, S.PROCESSING)
        for _ in range(times):
            move(svc, d.code, S.SUPPLEMENT_REQUESTED)
            move(svc, d.code, S.PROCESSING, content="Đã nhận bổ sung")
        move(svc, d.code, S.DONE, content="Có kết quả")  # both long before their due date
    open_overdue = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)  # due Tue 03/03 08:00
    clock.set(datetime(2026, 3, 31, 16, 0))
    quality = {i["code"]: i for i in svc.reports(date(2026, 3, 1), date(2026, 3, 31))["qd766"]}
    assert quality["2.1"]["inputs"] == {"Kết thúc đúng hoặc trước hạn": 1, "Kết thúc quá hạn": 1,
                                        "— trong đó bổ sung quá 1 lần": 1, "Chưa kết thúc, đã quá hạn tại cuối kỳ": 1}
    assert quality["2.1"]["value"] == 33.3  # 1 of 3
    assert svc.dossier(open_overdue.code).status == S.RECEIVED


def test_an_online_dossier_waits_at_1_then_is_accepted_or_refused(svc, clock):
    online = svc.receive_dossier(*BIRTH, applicant(), OFFICER, channel=2)
    assert online.status == S.NEW and online.forms == () and online.submitted_at == clock.now
    refused = svc.receive_dossier(*BIRTH, applicant(), OFFICER, channel=2)
    clock.set(datetime(2026, 3, 3, 10, 0))  # accepted the next day: the clock starts now
    accepted = svc.change_status(online.code, S.RECEIVED, OFFICER, "Tiếp nhận hồ sơ trực tuyến")
    assert (accepted.status, accepted.received_at, accepted.submitted_at) == (S.RECEIVED, clock.now,
                                                                             datetime(2026, 3, 2, 8, 0))
    assert accepted.due_at == datetime(2026, 3, 10, 10, 0) and accepted.issued("01").number == 1
    out = svc.change_status(refused.code, S.REFUSED, OFFICER, "Hồ sơ không thuộc thẩm quyền của xã")
    assert out.finished_at == clock.now and out.issued("03").number == 1 and out.issued("01") is None


def test_payments_later_and_refund_after_withdrawal(svc, clock):
    d = svc.receive_dossier(*BIRTH, applicant(), OFFICER)
    assert (d.fee, d.amount_due) == (8000, 8000)
    with pytest.raises(InvalidInput, match="vượt"):
        svc.record_payment(d.code, "cash", "BL-1", OFFICER, amount=9000)
    part = svc.record_payment(d.code, "cash", "BL-1", OFFICER, amount=3000)
    assert (part.paid, part.amount_due, part.fee_paid) == (3000, 5000, False)
    full = svc.record_payment(d.code, "online", "DVCQG-778899", OFFICER)
    assert (full.paid, full.amount_due, full.fee_paid) == (8000, 0, True)
    assert [s.content for s in full.steps[-2:]] == [
        "Thu phí, lệ phí 3.000 đồng (tiền mặt), biên lai số BL-1",
        "Thu phí, lệ phí 5.000 đồng (thanh toán trực tuyến), biên lai số DVCQG-778899"]
    with pytest.raises(Conflict, match="rút"):
        svc.record_payment(d.code, "cash", "HT-1", OFFICER, refund=True)
    move(svc, d.code, S.WITHDRAWN, content="Công dân có đơn xin rút hồ sơ")
    refunded = svc.record_payment(d.code, "cash", "HT-1", OFFICER, refund=True)
    assert (refunded.paid, refunded.payments[-1].amount, refunded.payments[-1].refund) == (0, 8000, True)
    with pytest.raises(Conflict):
        svc.record_payment(d.code, "cash", "BL-9", OFFICER)  # a withdrawn dossier pays nothing more
    payment = events(svc, d.code, "payment")[-1]
    assert payment["payment"]["refund"] is True and payment["payment"]["receipt_number"] == "HT-1"
    assert (payment["fee"], payment["paid"], payment["fee_paid"]) == (8000, 0, False)
    fees = svc.reports(date(2026, 3, 2), date(2026, 3, 2))["fees"]
    assert (fees["due"], fees["collected"], fees["refunded"]) == (8000, 8000, 8000)
    assert fees["by_method"]["online"] == {"payments": 1, "collected": 5000, "refunds": 0, "refunded": 0}


def test_documents_are_numbered_per_form_and_per_year(svc, clock):
    clock.set(datetime(2026, 12, 31, 9, 0))
    last_year = [svc.receive_dossier(*BIRTH, applicant(), OFFICER) for _ in range(2)]
    extended = svc.extend_due(last_year[0].code, last_year[0].due_at + timedelta(days=3), "Xác minh", BACK_OFFICE)
    intake = svc.record_intake("incomplete", *BIRTH, applicant(), OFFICER, missing=("Giấy chứng sinh",))
    clock.set(datetime(2027, 1, 4, 9, 0))
    this_year = svc.receive_dossier(*BIRTH, applicant(), OFFICER)
    refusal = svc.record_intake("refused", *BIRTH, applicant(), OFFICER, reason="Không thuộc thẩm quyền")
    assert [(d.issued("01").year, d.issued("01").number) for d in last_year] == [(2026, 1), (2026, 2)]
    assert (extended.issued("04").year, extended.issued("04").number) == (2026, 1)
    assert (intake.number.form, intake.number.number) == ("02", 1) and svc.intake(intake.id).number == intake.number
    assert (this_year.issued("01").year, this_year.issued("01").number) == (2027, 1)
    assert (refusal.number.form, refusal.number.year, refusal.number.number) == ("03", 2027, 1)
    assert svc.dossier(last_year[1].code).issued("01").number == 2  # stored: a reprint gets the same number


def test_digitisation_email_and_what_the_change_log_carries(svc, clock):
    d = svc.receive_dossier(*BIRTH, applicant(email=" An.Nguyen@Example.VN "), OFFICER, components=CHECKLIST,
                            sets=2, e_result=True, payment_method="transfer", receipt_number="FT26061000123")
    assert d.applicant.email == "an.nguyen@example.vn" and d.components == CHECKLIST
    received = events(svc, d.code, "received")[0]
    assert received["applicant"]["email"] == "an.nguyen@example.vn"
    assert [(c["pages"], c["digitized"], c["reused"]) for c in received["components"]] == [(2, True, False),
                                                                                          (0, False, True)]
    assert (received["channel"], received["sets"], received["e_result"], received["fee"], received["fee_units"],
            received["supplement_count"], received["supplement_due"]) == (1, 2, True, 8000, 1, 0, None)
    assert received["payments"][0]["method"] == "transfer" and received["payments"][0]["amount"] == 8000
    assert received["forms"][0]["form"] == "01" and received["submitted_at"] == "2026-03-02 08:00:00"
    move(svc, d.code, S.PROCESSING)
    move(svc, d.code, S.SUPPLEMENT_REQUESTED)
    status = events(svc, d.code, "status")[-1]
    assert (status["supplement_count"], status["supplement_due"], status["missing"], status["supplement_note"]) == (
        1, "2026-03-12 08:00:00", ["Giấy chứng sinh"], "Xử lý")
    for bad in ("an@", "an nguyen@x.vn", "@x.vn", "an@x"):
        with pytest.raises(InvalidInput, match="thư điện tử"):
            svc.receive_dossier(*BIRTH, applicant(email=bad), OFFICER)
    with pytest.raises(InvalidInput, match="số trang"):
        svc.receive_dossier(*BIRTH, applicant(), OFFICER,
                            components=(ReceivedComponent("Tờ khai đăng ký khai sinh", 1, digitized=True),
                                        ReceivedComponent("Giấy chứng sinh", 1)))
    with pytest.raises(InvalidInput, match="Số bộ"):
        svc.receive_dossier(*BIRTH, applicant(), OFFICER, sets=0)


def test_an_official_calendar_day_added_by_a_leader_applies_at_once_everywhere(svc, clock, tmp_path):
    other_process = make_service(svc.store.path, clock)  # another app on the same office store
    friday = datetime(2026, 3, 6, 9, 0)
    clock.set(friday)
    assert other_process.calendar.appointment(friday, 1, "working_days") == datetime(2026, 3, 9, 9, 0)
    with pytest.raises(Forbidden):
        svc.set_calendar_day(date(2026, 3, 9), "day_off", "Quyết định 12/QĐ-UBND", OFFICER)
    with pytest.raises(InvalidInput):
        svc.set_calendar_day(date(2026, 3, 9), "day_off", "  ", LEADER)
    with pytest.raises(InvalidInput):
        svc.set_calendar_day(date(2026, 3, 5), "day_off", "Quá khứ", LEADER)
    with pytest.raises(InvalidInput):
        svc.set_calendar_day(date(2026, 3, 9), "holiday", "x", LEADER)
    day = svc.set_calendar_day(date(2026, 3, 9), "day_off", "Quyết định 12/QĐ-UBND ngày 05/3/2026", LEADER)
    assert (day.source, day.added_by) == ("office", LEADER.name)
    assert other_process.calendar.appointment(friday, 1, "working_days") == datetime(2026, 3, 10, 9, 0)
    assert other_process.calendar.holiday_name(date(2026, 3, 9)) == "Quyết định 12/QĐ-UBND ngày 05/3/2026"
    svc.set_calendar_day(date(2026, 3, 14), "working_day", "Làm bù theo QĐ 12/QĐ-UBND", LEADER)
    assert [(c.day, c.kind) for c in other_process.calendar_days()] == [
        (date(2026, 3, 9), "day_off"), (date(2026, 3, 14), "working_day")]
    ev = [e for e in svc.store.events() if e["entity"] == "calendar"]
    assert [e["payload"]["day"] for e in ev] == ["2026-03-09", "2026-03-14"]
    with svc.store.write():  # a day the central system publishes later does not override the office's own
        svc.store.save_central_calendar_day(date(2026, 3, 9), "working_day", "Trung ương")
    assert not other_process.calendar.is_working_day(date(2026, 3, 9))


def test_only_return_result_hands_the_result_over(svc, clock):
    d = move(svc, move(svc, svc.receive_dossier(*BIRTH, applicant(), OFFICER).code, S.PROCESSING).code, S.DONE)
    with pytest.raises(IllegalTransition, match="trả kết quả"):
        svc.change_status(d.code, S.RETURNED, OFFICER, "Đã trả")
    assert move(svc, d.code, S.RETURNED, OFFICER).status == S.RETURNED
