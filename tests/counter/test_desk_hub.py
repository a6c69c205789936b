"""The counter on a real hub (127.0.0.1): live waiting counts from the feed, a hub killed in the
middle of a reception (banner, input kept, re-sent with the same idempotency key after the
restart: exactly one dossier), and the receipt round trip through the kiosk's lookup."""
import subprocess
from urllib.parse import urlparse

from kivy_support import ARTIFACTS, assert_no_leak, visible
from test_desk_receive import choose_birth_registration, fill_applicant, open_receive

from devices.a4printer import FolderPrinter
from devices.decoders import CODE128, QR, make_decoder, read_image
from hub.server import start_hub_thread
from office.rules.codes import parse_scan


def test_live_counts_outage_banner_and_one_dossier_after_restart(make_desk):
    desk = make_desk("hub")
    office, app = desk.office, desk.app
    assert app.root.hub_state == "ok" and "Máy chủ: kết nối tốt" in desk.texts(app.root.ids.header)
    office.svc.issue_ticket("HT")  # a kiosk issues a ticket: the feed tells the counter at once
    desk.until(lambda: app.waiting.get("HT") == 1, timeout=10, what="waiting count from the feed")
    receive = open_receive(desk)
    choose_birth_registration(desk, receive)
    fill_applicant(desk)
    office.stops.pop()()  # the hub goes down mid-session
    desk.tap(receive.ids.submit_button)
    desk.settle()
    assert app.root.banner.startswith("Mất kết nối máy chủ — đang thử lại…") and app.root.hub_state == "bad"
    assert receive.ids.name.text == "Nguyễn Văn An" and receive.procedure.code == "1.001193"
    assert receive.dossier is None and office.svc.store.counts()["dossiers"] == 0
    desk.tap(receive.ids.submit_button)  # the officer tries again while it is still down
    desk.settle()
    assert office.svc.store.counts()["dossiers"] == 0 and receive.ids.id_number.text == "001203004567"
    assert receive.notice == "Mất kết nối máy chủ — đang thử lại… Dữ liệu đã nhập vẫn được giữ"
    assert_no_leak(desk.texts(), office.url)
    desk.shot("hub-1-outage-banner")
    port = urlparse(office.url).port
    office.url, stop = start_hub_thread(office.svc, port=port)  # back on the same address
    office.stops.append(stop)
    desk.until(lambda: receive.dossier is not None, timeout=15, what="the pending reception re-sent")
    assert app.root.banner == "" and app.root.hub_state == "ok"
    assert office.svc.store.counts()["dossiers"] == 1
    assert not visible(receive.ids.submit_button)  # received: the form waits for "Hồ sơ mới"
    receive.submit()
    desk.settle()
    assert office.svc.store.counts()["dossiers"] == 1
    desk.until(lambda: len(desk.printer.jobs) == 2, what="receipt printed after the restart")
    desk.shot("hub-2-back")


def test_receipt_round_trip_to_the_kiosk(make_desk, tmp_path):
    printed = tmp_path / "printed"
    desk = make_desk("hub", printer=FolderPrinter(printed))
    receive = open_receive(desk)
    choose_birth_registration(desk, receive)
    fill_applicant(desk)
    desk.key(13, modifiers=["ctrl"])
    desk.until(lambda: receive.dossier is not None and desk.app.device_worker.idle, timeout=15)
    d = receive.dossier
    pdf = printed / f"Mau01-{d.code}.pdf"
    assert pdf.exists() and (printed / f"Mau06-{d.code}.pdf").exists()
    png = ARTIFACTS / "counter" / "receipt-round-trip"  # look at it: the printed Mẫu 01
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(pdf), str(png)], check=True, timeout=60)
    image = read_image(f"{png}.png")
    gray = image[:, :, 0]
    found = dict(make_decoder("zxing").decode(gray))
    assert parse_scan(found[QR]) == (d.code, d.secret)
    assert found[CODE128] == d.code
    kiosk = desk.office.client("kiosk-1")
    view = kiosk.kiosk_lookup(*parse_scan(found[QR]))
    assert view.code == d.code and view.masked_name == "Nguyễn V*** A*"
    assert view.procedure_name == "Đăng ký khai sinh"


def test_process_and_return_through_the_hub(make_desk):
    from test_desk_dossiers import received, scan

    from office.model import DossierStatus as S
    from office.rules.codes import receipt_qr_payload

    desk = make_desk("hub")
    svc = desk.svc
    d = received(svc)
    scan(desk, receipt_qr_payload(d.code, d.secret))
    process = desk.screen("process")
    desk.until(lambda: process.dossier is not None, what="dossier opened on the hub")
    for button, note in (("» 4 Đang xử lý", "Thẩm định"), ("» 9 Đã xử lý xong", "Đã ký")):
        desk.type("note", note, "process")
        desk.tap_text(button)
        desk.settle()
    assert svc.dossier(d.code).steps[-1].actor == "Trần Thị Bích"  # recorded as the logged-in officer
    desk.tap_text("Xem số giấy tờ đầy đủ")
    desk.settle()
    assert "001203004567" in process.revealed
    desk.key(ord("5"), modifiers=["ctrl"])
    scan(desk, d.code)  # the Code128 on the receipt
    ret = desk.screen("return")
    desk.until(lambda: ret.dossier is not None and ret.dossier.status == S.DONE)
    desk.type("id_number", "001203004567", "return")
    desk.key(13, modifiers=["ctrl"])
    desk.settle()
    assert svc.dossier(d.code).status == S.RETURNED and "đánh giá" in ret.ids.rate_message.text
