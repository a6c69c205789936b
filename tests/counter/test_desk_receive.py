"""Receiving a dossier: searchable procedure, applicant, checklist; required fields; double submit;
incomplete (Mẫu 02) and refused (Mẫu 03) intakes."""
CTRL2 = ord("2")


def open_receive(desk):
    desk.key(CTRL2, modifiers=["ctrl"])
    receive = desk.screen("receive")
    desk.until(lambda: receive.procedures, what="procedures loaded")
    assert desk.app.root.ids.sm.current == "receive"
    return receive


def choose_birth_registration(desk, receive):
    desk.type("query", "khai sinh", "receive")
    assert [p.code for p in receive.matches] == ["1.001193"]
    desk.tap(desk.button("Đăng ký khai sinh", receive.ids.matches))
    assert receive.procedure.code == "1.001193" and len(receive.rows) == 2
    receive.case_choice = "Khai sinh – xác minh"
    desk.pump(2)
    assert "5 ngày làm việc" in desk.texts(receive) and "8.000 đ" in desk.texts(receive)


def fill_applicant(desk, id_number="001203004567"):
    desk.type("name", "Nguyễn Văn An", "receive")
    desk.type("id_number", id_number, "receive")
    desk.type("phone", "0912345678", "receive")
    desk.type("address", "Số 12 đường Lê Lợi, phường Bến Thành", "receive")


def test_missing_fields_show_the_error_and_keep_the_input(desk):
    receive = open_receive(desk)
    choose_birth_registration(desk, receive)
    desk.type("phone", "0912345678", "receive")
    desk.tap(receive.ids.submit_button)
    desk.settle()
    assert "Còn thiếu: Họ và tên, Số giấy tờ" in receive.notice
    assert receive.ids.phone.text == "0912345678" and receive.procedure.code == "1.001193"
    assert desk.svc.store.counts()["dossiers"] == 0
    desk.shot("receive-1-missing-fields")
    fill_applicant(desk, id_number="12345")  # not a CCCD number: the service says why
    desk.tap(receive.ids.submit_button)
    desk.settle()
    assert "không hợp lệ" in receive.notice and receive.ids.id_number.text == "12345"
    assert receive.ids.name.text == "Nguyễn Văn An" and desk.svc.store.counts()["dossiers"] == 0


def test_double_submit_creates_one_dossier_and_prints_its_forms(desk):
    receive = open_receive(desk)
    choose_birth_registration(desk, receive)
    fill_applicant(desk)
    receive.fee_paid = True
    desk.shot("receive-2-filled")
    button = receive.ids.submit_button
    desk.tap(button)
    desk.tap(button)  # a second click while the first is on its way
    receive.submit()  # and Ctrl+Enter in the same instant
    desk.settle()
    assert desk.svc.store.counts()["dossiers"] == 1
    d = receive.dossier
    assert d is not None and d.code in receive.result_text and d.secret in receive.result_text
    stored = desk.svc.dossier(d.code)
    assert stored.applicant.name == "Nguyễn Văn An" and stored.fee_paid
    assert [c.name for c in stored.components] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert f"{d.due_at:%d/%m/%Y}" in receive.result_text
    desk.until(lambda: len(desk.printer.jobs) == 2, what="Mẫu 01 and Mẫu 06 printed")
    assert [title for title, _ in desk.printer.jobs] == [f"Mau01-{d.code}", f"Mau06-{d.code}"]
    assert all(pdf.startswith(b"%PDF") for _, pdf in desk.printer.jobs) and "Đã in Mẫu 01" in receive.notice
    desk.shot("receive-3-received")
    desk.resize((1920, 1080))
    desk.shot("receive-3-received-1920x1080")
    desk.resize((1366, 768))
    desk.tap(button)  # disabled after success: nothing new
    desk.settle()
    assert desk.svc.store.counts()["dossiers"] == 1
    desk.tap_text("Hồ sơ mới")
    assert receive.dossier is None and receive.ids.name.text == "" and receive.procedure is None


def test_incomplete_dossier_lists_what_is_missing_and_refusal_needs_a_reason(desk):
    receive = open_receive(desk)
    choose_birth_registration(desk, receive)
    fill_applicant(desk)
    receive.rows[1][1].active = False  # no Giấy chứng sinh brought
    desk.tap_text("Chưa đủ – in Mẫu 02")
    desk.settle()
    intake = desk.svc.intake(1)
    assert intake.kind == "incomplete" and intake.missing == ("Giấy chứng sinh",)
    assert desk.svc.store.counts()["dossiers"] == 0
    desk.tap_text("Từ chối – in Mẫu 03")
    desk.settle()
    assert "lý do từ chối" in receive.notice
    desk.type("reason", "Không thuộc thẩm quyền giải quyết của xã", "receive")
    desk.tap_text("Từ chối – in Mẫu 03")
    desk.settle()
    refused = desk.svc.intake(2)
    assert refused.kind == "refused" and refused.reason == "Không thuộc thẩm quyền giải quyết của xã"
    assert [title for title, _ in desk.printer.jobs] == ["Mau02-tiep-nhan-1", "Mau03-tiep-nhan-2"]
    desk.shot("receive-4-refused")
