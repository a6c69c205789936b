"""Process, late list and return screens: receipt scans, transitions, supplement, extension
(Mẫu 04), result hand-over with the ID check; reports and their export (embedded store)."""
from datetime import timedelta

from kivy_support import press, visible
from office_support import BACK_OFFICE, OFFICER, applicant

from office.model import DossierStatus as S
from office.rules.codes import receipt_qr_payload


def scan(desk, text):
    """A keyboard-wedge scanner types the text in one burst, with no field focused."""
    for w in desk.app.root.walk(restrict=True):
        if getattr(w, "focus", False):
            w.focus = False
    for char in text:
        press(char=char)
    press(key=13)
    desk.pump(2)


def received(svc, procedure="1.001193", case="TH5"):
    return svc.receive_dossier(procedure, case, applicant(), OFFICER)


def test_scan_opens_the_dossier_and_statuses_move_with_notes(desk):
    svc = desk.svc
    d = received(svc)
    scan(desk, receipt_qr_payload(d.code, d.secret))  # from the queue console
    process = desk.screen("process")
    desk.until(lambda: process.dossier is not None, what="dossier opened by the scan")
    assert desk.app.root.ids.sm.current == "process" and process.dossier.code == d.code
    assert "Tiếp nhận hồ sơ" in process.ids.timeline.text and "001203004567" not in desk.texts()
    desk.tap_text("» 4 Đang xử lý")
    assert "nội dung xử lý" in process.notice and svc.dossier(d.code).status == S.RECEIVED
    desk.type("note", "Chuyển phòng Tư pháp thẩm định", "process")
    desk.tap_text("» 4 Đang xử lý")
    desk.settle()
    assert svc.dossier(d.code).status == S.PROCESSING and "Chuyển phòng Tư pháp" in process.ids.timeline.text
    desk.type("missing", "Bản sao giấy chứng nhận kết hôn\nGiấy xác nhận cư trú", "process")
    desk.tap_text("Yêu cầu bổ sung (Mẫu 02)")
    desk.settle()
    paused = svc.dossier(d.code)
    assert paused.status == S.SUPPLEMENT_REQUESTED
    assert paused.supplement_missing == ("Bản sao giấy chứng nhận kết hôn", "Giấy xác nhận cư trú")
    desk.until(lambda: desk.printer.jobs, what="Mẫu 02 printed")
    assert desk.printer.jobs[0][0] == f"Mau02-{d.code}"
    desk.until(lambda: "Đã in Mẫu 02" in desk.texts(), what="the printed notice")
    desk.shot("process-1-supplement")
    desk.office.clock.advance(days=2)
    desk.type("note", "Công dân đã nộp đủ giấy tờ bổ sung", "process")
    desk.tap_text("Đã nhận bổ sung")
    desk.settle()
    resumed = svc.dossier(d.code)
    assert resumed.status == S.PROCESSING and resumed.due_at > paused.due_at  # the clock resumed later
    desk.tap_text("Xem số giấy tờ đầy đủ")
    desk.settle()
    assert "001203004567" in process.revealed
    assert any("applicant.reveal" in row["action"] for row in svc.store.audit_log(d.code))
    desk.type("note", "Đã ký kết quả", "process")
    desk.tap_text("» 9 Đã xử lý xong")
    desk.settle()
    assert svc.dossier(d.code).status == S.DONE
    desk.shot("process-2-done")


def test_search_by_name_without_accents_and_withdrawal_with_its_refund(desk):
    svc = desk.svc
    d = svc.receive_dossier("1.001193", "TH5", applicant(), OFFICER, payment_method="cash",
                            receipt_number="BL-0000321")
    desk.key(ord("3"), modifiers=["ctrl"])
    desk.type("query", "nguyen van an", "process")
    desk.enter("query", "process")
    process = desk.screen("process")
    desk.until(lambda: process.rows, what="search results")
    desk.tap(desk.button(d.code, process.ids.results))
    desk.until(lambda: process.dossier is not None)
    desk.type("note", "Công dân xin rút hồ sơ", "process")
    desk.tap_text("» 7 Công dân yêu cầu rút hồ sơ")
    desk.settle()
    assert svc.dossier(d.code).status == S.WITHDRAWN and process.next_statuses == []
    assert [title for title, _ in desk.printer.jobs] == [f"Mau05-{d.code}"]
    desk.until(lambda: process.dossier.status == S.WITHDRAWN, what="reopened")
    desk.tap(process.ids.refund_button)
    assert "chứng từ hoàn trả" in process.notice and svc.dossier(d.code).paid == 8000
    desk.type("refund_receipt", "HT-0000045", "process")
    desk.tap(process.ids.refund_button)
    desk.until(lambda: "Đã hoàn trả 8.000" in process.notice, what="refunded")
    desk.shot("process-4-refund")
    refunded = svc.dossier(d.code)
    assert refunded.paid == 0 and [(p.amount, p.method, p.receipt_number, p.refund) for p in refunded.payments] == \
        [(8000, "cash", "BL-0000321", False), (8000, "cash", "HT-0000045", True)]
    desk.until(lambda: process.dossier.paid == 0)
    assert not process.ids.refund_button.text  # nothing left to refund


def test_late_list_extension_and_its_deadline(desk):
    svc = desk.svc
    soon = received(svc, "2.000908", "GIO")  # 4 working hours: due today
    received(svc, "1.004227", "LICH")  # 10 calendar days: not late
    desk.key(ord("4"), modifiers=["ctrl"])
    late = desk.screen("late")
    desk.until(lambda: late.rows, what="late list")
    assert [r.code for r in late.rows] == [soon.code]
    desk.tap(desk.button(soon.code, late.ids.late_rows))
    desk.type("reason", "Cần xác minh thêm với cơ quan liên quan", "late")
    desk.type("new_due", "31/02/2026 10:00", "late")
    desk.tap(late.ids.issue)
    assert "dd/mm/yyyy HH:MM" in late.notice and svc.dossier(soon.code).due_at == soon.due_at
    new_due = soon.due_at + timedelta(days=2)
    desk.type("new_due", f"{new_due:%d/%m/%Y %H:%M}", "late")
    desk.shot("late-1-form")
    desk.tap(late.ids.issue)
    desk.settle()
    assert svc.dossier(soon.code).due_at == new_due and "Đã gia hạn" in late.notice
    assert [title for title, _ in desk.printer.jobs] == [f"Mau04-{soon.code}"]
    # after the (new) appointment date has passed, no apology letter can be issued any more
    desk.office.clock.set(new_due + timedelta(hours=1))
    late.reload()
    desk.settle()
    desk.tap(desk.button(soon.code, late.ids.late_rows))
    desk.type("reason", "Chậm trả", "late")
    desk.type("new_due", f"{new_due + timedelta(days=3):%d/%m/%Y %H:%M}", "late")
    desk.tap(late.ids.issue)
    desk.settle()
    assert "chậm nhất" in late.notice and svc.dossier(soon.code).due_at == new_due
    desk.shot("late-2-too-late")


def test_return_checks_the_id_and_invites_a_rating(desk):
    svc = desk.svc
    d = received(svc)
    for status in (S.PROCESSING, S.DONE):
        svc.change_status(d.code, status, BACK_OFFICE, "Xử lý")
    desk.key(ord("5"), modifiers=["ctrl"])
    ret = desk.screen("return")
    desk.type("code", d.code, "return")
    desk.enter("code", "return")
    desk.until(lambda: ret.dossier is not None)
    assert ret.ids.name.text == "Nguyễn Văn An"
    desk.type("id_number", "001203009999", "return")  # not the applicant's paper
    desk.key(13, modifiers=["ctrl"])
    desk.settle()
    assert "không khớp" in ret.notice and ret.ids.id_number.text == "001203009999"
    assert svc.dossier(d.code).status == S.DONE
    desk.tap(ret.ids.as_representative)
    desk.type("name", "Trần Văn Bình", "return")
    desk.type("id_number", "001203001111", "return")
    desk.tap(ret.ids.return_button)
    assert "Số giấy ủy quyền" in ret.notice  # an authorised person needs the power of attorney
    desk.tap(ret.ids.as_applicant)
    desk.type("id_number", "001203004567", "return")
    desk.tap(ret.ids.return_button)
    desk.settle()
    returned = svc.dossier(d.code)
    assert returned.status == S.RETURNED and returned.returned_to.id_number == "001203004567"
    assert "Mời ông/bà đánh giá mức độ hài lòng tại kiosk" in ret.ids.rate_message.text
    desk.shot("return-1-rate")


def test_reports_show_and_export(desk):
    svc = desk.svc
    ticket = svc.issue_ticket("HT").ticket
    svc.call_next(1, "bich.tt")
    svc.start_serving(ticket.id, 1)
    svc.finish_ticket(ticket.id, 1)
    d = received(svc)
    for status in (S.PROCESSING, S.DONE):
        svc.change_status(d.code, status, BACK_OFFICE, "Xử lý")
    desk.key(ord("6"), modifiers=["ctrl"])
    reports = desk.screen("reports")
    assert reports.ids.day_from.text == "01/03/2026" and reports.ids.day_to.text == "02/03/2026"
    desk.type("day_to", "32/03/2026", "reports")
    desk.tap_text("Xem [Enter]")
    assert "dd/mm/yyyy" in reports.notice
    desk.type("day_to", "02/03/2026", "reports")
    desk.enter("day_to", "reports")
    desk.settle()
    text = desk.texts(reports)
    assert "Tiếp nhận\n" in text and "cấp 1 số" in text and "Hộ tịch – Chứng thực" in text
    assert "Quyết định số 766/QĐ-TTg" in text and "Phí, lệ phí: phải thu" in text
    assert "2.1  Tỷ lệ hồ sơ giải quyết đúng hạn: 100,0%" in text  # finished the day it came in
    assert "Số liệu: Hồ sơ tiếp nhận trong kỳ: 1; Đã đồng bộ: 0" in text  # 1.4: nothing pushed up yet
    assert "3.3  Tỷ lệ hồ sơ trực tuyến: 0,0%" in text and "Công thức: Hồ sơ nộp trực tuyến" in text
    desk.shot("reports-0-qd766")
    desk.tap_text("Xuất PDF + CSV")
    desk.settle()
    folder = desk.app.export_dir
    files = sorted(p.name for p in folder.iterdir())
    assert "bao-cao-20260301-20260302.pdf" in files and any(f.endswith(".csv") for f in files)
    assert (folder / "bao-cao-20260301-20260302.pdf").read_bytes().startswith(b"%PDF")
    register = next(folder.glob("so-theo-doi-ho-so-*.csv")).read_text(encoding="utf-8")
    assert register.startswith("\ufeff") and "Nguyễn Văn An" in register
    assert "Đã xuất" in reports.notice
    desk.shot("reports-1")


def returned_dossier(svc):
    from office.model import Collector

    d = received(svc)
    for status in (S.PROCESSING, S.DONE):
        svc.change_status(d.code, status, BACK_OFFICE, "Xử lý")
    return svc.return_result(d.code, Collector("Nguyễn Văn An", "CCCD", "001203004567", "applicant"), OFFICER)


def test_result_goes_out_only_through_the_return_screen_and_only_a_leader_recalls_it(make_desk):
    from hub_support import STAFF

    desk = make_desk()
    svc = desk.svc
    done = received(svc)
    for status in (S.PROCESSING, S.DONE):
        svc.change_status(done.code, status, BACK_OFFICE, "Xử lý")
    process = desk.screen("process")
    desk.key(ord("3"), modifiers=["ctrl"])
    process.open(done.code)
    desk.until(lambda: process.dossier is not None)
    assert process.next_statuses == []  # 9 → 10 is the return screen's, with the ID check
    returned = returned_dossier(svc)
    process.open(returned.code)
    desk.until(lambda: process.dossier.code == returned.code)
    assert process.next_statuses == []  # an officer cannot recall
    desk.tap_text("Đăng xuất")
    desk.login("son.hv", STAFF["son.hv"][1])
    desk.key(ord("3"), modifiers=["ctrl"])
    process.open(returned.code)
    desk.until(lambda: process.dossier is not None and process.dossier.code == returned.code)
    assert process.next_statuses == [S.DONE]
    recall = "Thu hồi kết quả đã trả (lãnh đạo; ghi lý do)"
    desk.tap_text(recall)
    assert "nội dung xử lý" in process.notice and svc.dossier(returned.code).status == S.RETURNED
    desk.type("note", "Kết quả ghi sai ngày sinh, thu hồi để đính chính", "process")
    desk.shot("process-3-recall")
    desk.tap_text(recall)
    desk.settle()
    recalled = svc.dossier(returned.code)
    assert recalled.status == S.DONE and recalled.returned_to is None
    audit = [row["action"] for row in svc.store.audit_log(returned.code)]
    assert any(a.startswith("dossier.recall:Kết quả ghi sai ngày sinh") for a in audit)


def test_a_leader_records_an_official_calendar_change_from_the_reports_screen(make_desk):
    from datetime import date

    from hub_support import STAFF

    desk = make_desk()
    desk.key(ord("6"), modifiers=["ctrl"])
    reports = desk.screen("reports")
    desk.settle()
    assert not visible(reports.ids.calendar_save)  # an officer does not see it
    desk.tap_text("Đăng xuất")
    desk.login("son.hv", STAFF["son.hv"][1])
    desk.key(ord("6"), modifiers=["ctrl"])
    desk.until(lambda: visible(reports.ids.calendar_save), what="the leader's calendar row")
    desk.type("calendar_day", "09/03/2026", "reports")
    desk.tap(reports.ids.calendar_save)
    desk.settle()
    assert "căn cứ" in reports.notice.lower() and desk.svc.calendar_days() == []
    reports.ids.calendar_kind.text = "Ngày nghỉ"
    desk.type("calendar_reason", "Quyết định 12/QĐ-UBND ngày 05/3/2026", "reports")
    desk.tap(reports.ids.calendar_save)
    desk.settle()
    assert "Đã lưu: 09/03/2026 là Ngày nghỉ" in reports.notice
    assert [(c.day, c.kind, c.source) for c in desk.svc.calendar_days()] == [(date(2026, 3, 9), "day_off", "office")]
    assert not desk.svc.calendar.is_working_day(date(2026, 3, 9))
    desk.shot("reports-2-calendar")
