"""Receiving a dossier: searchable procedure, applicant, checklist with digitisation; required
fields; double submit; fee paid at once or later against the VietQR code shown for what is due;
incomplete (Mẫu 02) and refused (Mẫu 03) intakes."""
import zxingcpp
from PIL import Image

from office.rules.vietqr import purpose_for, read_vietqr

CTRL2 = ord("2")
BANK = {"bank_bin": "970415", "bank_account": "113000012345", "bank_account_name": "UBND XA TAN PHU"}


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
    desk.type("email", "an.nguyen@example.vn", "receive")
    receive.ids.method.text = "Tiền mặt"
    desk.type("receipt_number", "BL-0001234", "receive")
    _, _, _, _, pages, digitized, reused = receive.rows[0]
    pages.text, digitized.active = "2", True
    receive.rows[1][6].active = True  # the birth certificate is reused from data the state holds
    desk.shot("receive-2-filled")
    button = receive.ids.submit_button
    desk.tap(button, times=2)  # a second click while the first is on its way
    receive.submit()  # and Ctrl+Enter in the same instant
    desk.settle()
    assert desk.svc.store.counts()["dossiers"] == 1
    d = receive.dossier
    assert d is not None and d.code in receive.result_text and d.secret in receive.result_text
    stored = desk.svc.dossier(d.code)
    assert stored.applicant.name == "Nguyễn Văn An" and stored.applicant.email == "an.nguyen@example.vn"
    assert stored.fee_paid and [(p.amount, p.method, p.receipt_number) for p in stored.payments] == \
        [(8000, "cash", "BL-0001234")]
    assert [(c.name, c.pages, c.digitized, c.reused) for c in stored.components] == \
        [("Tờ khai đăng ký khai sinh", 2, True, False), ("Giấy chứng sinh", 0, False, True)]
    assert receive.vietqr is None  # nothing left to pay
    assert f"{d.due_at:%d/%m/%Y}" in receive.result_text
    desk.until(lambda: len(desk.printer.jobs) == 2, what="Mẫu 01 and Mẫu 06 printed")
    assert [title for title, _ in desk.printer.jobs] == [f"Mau01-{d.code}", f"Mau06-{d.code}"]
    assert all(pdf.startswith(b"%PDF") for _, pdf in desk.printer.jobs) and "Đã in Mẫu 01" in receive.notice
    desk.shot("receive-3-received")
    desk.resize((1920, 1080))
    desk.shot("receive-3-received-1920x1080")
    desk.resize((1366, 768))
    assert button.disabled and not button.opacity  # hidden after success (room for the VietQR code)
    receive.submit()  # and Ctrl+Enter does nothing new
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


def test_fee_due_shows_a_vietqr_code_and_is_recorded_as_paid_later(make_desk, tmp_path, clock):
    from hub_support import make_office

    desk = make_desk(office=make_office(tmp_path / "bank.db", clock, **BANK))
    receive = open_receive(desk)
    choose_birth_registration(desk, receive)
    assert "Phải nộp: 8.000 đ" in desk.texts(receive)
    desk.type("exemption", "Người có công với cách mạng", "receive")
    assert "Phải nộp: 0 đ" in desk.texts(receive)
    desk.type("exemption", "", "receive")
    fill_applicant(desk)
    desk.tap(receive.ids.submit_button)
    desk.until(lambda: receive.dossier is not None and receive.vietqr is not None, what="received with a fee due")
    code = receive.dossier.code
    assert "8.000 đ" in receive.vietqr_text and "113000012345" in receive.vietqr_text
    desk.shot("receive-5-vietqr")
    texture = receive.ids.vietqr.texture
    image = Image.frombytes("RGBA", texture.size, texture.pixels).convert("L")
    found = zxingcpp.read_barcodes(image) or zxingcpp.read_barcodes(image.transpose(Image.FLIP_TOP_BOTTOM))
    transfer = read_vietqr(found[0].text)  # the CRC is checked while reading
    assert (transfer.bank_bin, transfer.account, transfer.amount, transfer.purpose) == \
        ("970415", "113000012345", 8000, purpose_for(code))
    desk.tap(receive.ids.pay_button)
    desk.settle()
    assert "số biên lai" in receive.notice and desk.svc.dossier(code).paid == 0
    receive.ids.method.text = "Chuyển khoản"
    desk.type("receipt_number", "BL-0009", "receive")
    desk.tap(receive.ids.pay_button)
    desk.until(lambda: receive.vietqr is None, what="payment recorded")
    assert "BL-0009" in receive.notice
    assert [(p.amount, p.method) for p in desk.svc.dossier(code).payments] == [(8000, "transfer")]
