"""Taking a ticket: service search, priority, printing, printer faults, reprint, ticket hours."""
from datetime import datetime

import zxingcpp
from kiosk_helpers import LANDSCAPE

from devices.printer import Paper
from devices.ticket_render import parse_rating_qr


def issued_numbers(svc):
    return [t.number for t in svc.store.tickets(svc.clock().date())]


def take_ticket(k, service="Hộ tịch"):
    k.tap(k.button("Lấy số thứ tự"))
    k.settle()
    k.tap(k.button(service))
    screen = k.screen("ticket")
    k.until(lambda: screen.print_state in ("printed", "failed"), what="ticket printed or failed")
    return screen


def test_ticket_is_issued_printed_and_shown(kiosk):
    kiosk.tap(kiosk.button("Lấy số thứ tự"))
    kiosk.settle()
    kiosk.assert_touch_targets()
    kiosk.shot("ticket-1-services")
    kiosk.tap(kiosk.button("Tôi thuộc diện ưu tiên"))
    kiosk.tap(kiosk.button("Hộ tịch"))
    kiosk.shot("ticket-2-priority")
    kiosk.tap(kiosk.button("Người cao tuổi"))
    screen = kiosk.screen("ticket")
    kiosk.until(lambda: screen.print_state == "printed")
    assert issued_numbers(kiosk.svc) == ["A001"] and screen.number == "A001"
    info = kiosk.printer.printed[0]
    assert (info.number, info.priority_name, info.reprint) == ("A001", "Người cao tuổi", False)
    qr = [r.text for r in zxingcpp.read_barcodes(kiosk.printer.images[0].convert("L"))]
    assert parse_rating_qr(qr[0])[0] == "A001"
    assert "Mời quý khách nhận phiếu" in screen.notice and "Quầy 1" in screen.details_text
    kiosk.shot("ticket-3-printed")


def test_search_ignores_diacritics(kiosk):
    kiosk.tap(kiosk.button("Lấy số thứ tự"))
    kiosk.settle()
    kiosk.keys("search_keypad", "DAT")
    titles = [b.title for b in kiosk.screen("ticket").ids.service_grid.children]
    assert titles == ["Đất đai"]
    kiosk.keys("search_keypad", ["SPACE"])  # the space key, between two words
    kiosk.keys("search_keypad", "KHAI")
    assert kiosk.screen("ticket").query == "DAT KHAI"
    assert kiosk.screen("ticket").ids.service_grid.children == []
    assert "Không có lĩnh vực phù hợp" in kiosk.screen("ticket").notice
    kiosk.shot("ticket-4-search-no-match")


def test_paper_running_out_keeps_one_number_and_reprint_never_issues_another(kiosk):
    kiosk.tap(kiosk.button("Lấy số thứ tự"))
    kiosk.settle()
    kiosk.printer.paper = Paper.OUT  # the last sheet went out with the previous ticket
    kiosk.tap(kiosk.button("Hộ tịch"))
    screen = kiosk.screen("ticket")
    kiosk.until(lambda: screen.print_state == "failed")
    assert screen.number == "A001"
    assert "hết giấy" in screen.notice and kiosk.app.root.printer_state == "bad"
    assert any("A001" in a for a in kiosk.app.alert_lines())  # staff alerted: on the kiosk's admin list …
    kiosk.until(lambda: any(e["entity"] == "device" for e in kiosk.svc.store.events()))
    alert = [e for e in kiosk.svc.store.events() if e["entity"] == "device"][-1]  # … and in the office feed
    assert alert["kind"] == "alert" and alert["payload"]["device"] == "kiosk-1"
    assert alert["payload"]["problem"] == "print_no_paper" and "A001" in alert["payload"]["message"]
    assert ("ticket_unprinted", "vi") in kiosk.voice.said
    kiosk.shot("ticket-5-out-of-paper")
    kiosk.tap(kiosk.screen("ticket").ids.reprint_button)
    kiosk.until(lambda: screen.print_state == "failed")
    kiosk.printer.paper = Paper.OK
    kiosk.tap(kiosk.screen("ticket").ids.reprint_button)
    kiosk.until(lambda: screen.print_state == "printed")
    assert issued_numbers(kiosk.svc) == ["A001"]
    assert [i.number for i in kiosk.printer.printed] == ["A001"]
    assert kiosk.app.root.printer_state == "ok"


def test_no_numbers_while_the_printer_cannot_print(kiosk):
    """Out of paper: the home tile says so, the ticket screen sends people to a counter, staff are
    alerted once, nothing is issued; paper back in: tickets again."""
    kiosk.printer.paper = Paper.OUT
    kiosk.app.check_printer()
    kiosk.until(lambda: kiosk.app.root.printer_state == "bad")
    assert "Tạm ngừng" in kiosk.button("Lấy số thứ tự").subtitle
    kiosk.shot("home-printer-stopped")
    kiosk.tap(kiosk.button("Lấy số thứ tự"))
    kiosk.settle()
    screen = kiosk.screen("ticket")
    assert screen.step == "no_printer" and "đến quầy" in kiosk.texts()
    assert not any(b.title == "Hộ tịch" for b in kiosk.buttons() if hasattr(b, "title"))
    kiosk.shot("ticket-8-printer-stopped")
    alerts = [e for e in kiosk.svc.store.events() if e["entity"] == "device"]
    assert [a["payload"]["problem"] for a in alerts] == ["printer_out"]
    assert issued_numbers(kiosk.svc) == []
    kiosk.tap(kiosk.app.root.ids.lang_button)
    assert "Please go to the reception counter" in kiosk.texts()
    kiosk.shot("ticket-8-printer-stopped-en")
    kiosk.printer.paper = Paper.OK  # staff load paper; the kiosk sees it on its next check
    kiosk.app.check_printer()
    kiosk.until(lambda: screen.step == "service")
    kiosk.tap(kiosk.button("Hộ tịch"))
    kiosk.until(lambda: screen.print_state == "printed")
    assert issued_numbers(kiosk.svc) == ["A001"]


def test_offline_printer_shows_the_number_large(kiosk):
    kiosk.tap(kiosk.button("Lấy số thứ tự"))
    kiosk.settle()
    kiosk.printer.online = False  # unplugged between the check and the print
    kiosk.tap(kiosk.button("Đất đai"))
    screen = kiosk.screen("ticket")
    kiosk.until(lambda: screen.print_state == "failed")
    assert screen.number == "B001" and "sự cố" in screen.notice
    assert screen.ids.big_number.text == "B001" and screen.ids.big_number.font_size >= 150
    kiosk.shot("ticket-6-printer-offline")


def test_retry_after_lost_answer_uses_the_same_request_key(kiosk):
    screen = take_ticket(kiosk)
    key = screen.request_key
    # The same request again (e.g. the answer was lost) returns the same number.
    again = kiosk.app.service.issue_ticket("HT", None, idempotency_key=key)
    assert again.ticket.number == "A001" and issued_numbers(kiosk.svc) == ["A001"]


def test_outside_ticket_hours_says_so(kiosk):
    kiosk.svc.clock.set(datetime(2026, 3, 2, 12, 0))
    kiosk.tap(kiosk.button("Lấy số thứ tự"))
    kiosk.settle()
    screen = kiosk.screen("ticket")
    assert screen.step == "service" and "Giờ cấp số: 07:00–11:15, 13:30–16:45" in screen.closed_text
    first = screen.ids.service_grid.children[-1]
    banner = screen.ids.closed_banner
    assert first.to_window(*first.pos)[1] + first.height <= banner.to_window(*banner.pos)[1]  # not covered
    kiosk.shot("ticket-7-closed")
    kiosk.tap(first)
    kiosk.settle()
    assert issued_numbers(kiosk.svc) == [] and screen.closed_text
    kiosk.tap(kiosk.app.root.ids.lang_button)
    assert "Ticket hours: 07:00–11:15, 13:30–16:45" in screen.closed_text
    kiosk.shot("ticket-7-closed-en")


def test_ticket_landscape(make_kiosk):
    k = make_kiosk(size=LANDSCAPE)
    k.tap(k.button("Lấy số thứ tự"))
    k.settle()
    k.assert_touch_targets()
    k.shot("ticket-services-landscape")
    k.tap(k.button("Hộ tịch"))
    k.until(lambda: k.screen("ticket").print_state == "printed")
    k.shot("ticket-printed-landscape")
