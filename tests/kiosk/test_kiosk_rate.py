"""Rating: by ticket number, by ticket QR, by dossier code; reason for unsatisfied; thanks."""
from kiosk_helpers import returned_dossier


def served_ticket(svc, service="HT", counter=1):
    t = svc.issue_ticket(service).ticket
    called = svc.call_next(counter, "staff")
    svc.finish_ticket(called.id, counter)
    return t.number


def test_rate_ticket_by_number_with_smileys(kiosk):
    number = served_ticket(kiosk.svc)
    kiosk.tap(kiosk.button("Đánh giá hài lòng"))
    kiosk.settle()
    kiosk.keys("target_keypad", number)
    kiosk.shot("rate-1-target")
    kiosk.tap_text("Tiếp tục")
    rate = kiosk.screen("rate")
    assert rate.step == "level"
    kiosk.assert_touch_targets()
    kiosk.shot("rate-2-levels")
    kiosk.tap(kiosk.button("Rất hài lòng"))
    kiosk.until(lambda: rate.step == "thanks")
    kiosk.shot("rate-3-thanks")
    stored = kiosk.svc.store.rating_for("ticket", f"{number}@{kiosk.svc.clock().date().isoformat()}")
    assert stored.level == 3


def test_unsatisfied_needs_a_reason(kiosk):
    number = served_ticket(kiosk.svc)
    kiosk.camera.show(f"RATE|{number}|{kiosk.svc.clock().date():%Y-%m-%d}")
    rate = kiosk.screen("rate")
    kiosk.until(lambda: kiosk.sm.current == "rate" and rate.step == "level")
    kiosk.tap(kiosk.button("Không hài lòng"))
    assert rate.step == "reason"
    kiosk.tap_text("Gửi đánh giá")
    assert "lý do" in rate.notice
    kiosk.tap(kiosk.button("Thời gian chờ lâu"))
    kiosk.shot("rate-4-reason")
    kiosk.tap_text("Gửi đánh giá")
    kiosk.until(lambda: rate.step == "thanks")
    stored = kiosk.svc.store.rating_for("ticket", f"{number}@{kiosk.svc.clock().date().isoformat()}")
    assert (stored.level, stored.reason) == (1, "Thời gian chờ lâu")


def test_rate_dossier_from_the_lookup_result(kiosk):
    code = returned_dossier(kiosk.svc)
    kiosk.tap(kiosk.button("Đánh giá hài lòng"))
    kiosk.settle()
    kiosk.tap(kiosk.screen("rate").ids.kind_dossier)
    prefix = kiosk.app.code_prefix
    kiosk.keys("target_keypad", code[len(prefix):])
    kiosk.tap_text("Tiếp tục")
    kiosk.tap(kiosk.button("Hài lòng"))
    kiosk.until(lambda: kiosk.screen("rate").step == "thanks")
    assert kiosk.svc.store.rating_for("dossier", code).level == 2


def test_old_ticket_qr_and_unserved_ticket_are_explained(kiosk):
    kiosk.tap(kiosk.button("Đánh giá hài lòng"))
    kiosk.settle()
    kiosk.camera.show("RATE|A001|2026-02-27")
    kiosk.pump(3)
    assert "không phải của hôm nay" in kiosk.screen("rate").notice
    number = kiosk.svc.issue_ticket("HT").ticket.number  # waiting, not served yet
    kiosk.keys("target_keypad", number)
    kiosk.tap_text("Tiếp tục")
    kiosk.tap(kiosk.button("Rất hài lòng"))
    kiosk.settle()
    assert "chưa được phục vụ" in kiosk.screen("rate").notice
    kiosk.shot("rate-5-not-served")


def test_thanks_returns_home_by_itself(make_kiosk):
    k = make_kiosk(thank_you_s=1)
    number = served_ticket(k.svc)
    k.camera.show(f"RATE|{number}|{k.svc.clock().date():%Y-%m-%d}")
    k.until(lambda: k.screen("rate").step == "level")
    k.tap(k.button("Hài lòng"))
    k.until(lambda: k.screen("rate").step == "thanks")
    k.until(lambda: k.sm.current == "home", timeout=5)
