"""Rating: by the ticket's QR (it carries the ticket's token), by dossier code and lookup secret
(typed, or from the lookup result); wrong proofs refused in plain words; reason for unsatisfied;
thanks."""
from kiosk_helpers import returned_dossier


def served_ticket(svc, service="HT", counter=1) -> tuple[str, str]:
    """A ticket served to the end: (its number, the QR printed on it)."""
    issued = svc.issue_ticket(service)
    called = svc.call_next(counter, "staff")
    svc.finish_ticket(called.id, counter)
    t = issued.ticket
    return t.number, f"RATE|{t.number}|{t.day:%Y-%m-%d}|{issued.rating_token}"


def test_rate_ticket_by_its_qr_with_smileys(kiosk):
    number, qr = served_ticket(kiosk.svc)
    kiosk.tap(kiosk.button("Đánh giá hài lòng"))
    kiosk.settle()
    rate = kiosk.screen("rate")
    kiosk.shot("rate-1-target")
    assert "đưa mã QR in trên phiếu" in kiosk.texts()  # a ticket is rated by its QR, not by typing
    kiosk.camera.show(qr)
    kiosk.until(lambda: rate.step == "level")
    kiosk.assert_touch_targets()
    kiosk.shot("rate-2-levels")
    kiosk.tap(kiosk.button("Rất hài lòng"))
    kiosk.until(lambda: rate.step == "thanks")
    kiosk.shot("rate-3-thanks")
    stored = kiosk.svc.store.rating_for("ticket", f"{number}@{kiosk.svc.clock().date().isoformat()}")
    assert stored.level == 3


def test_unsatisfied_needs_a_reason(kiosk):
    number, qr = served_ticket(kiosk.svc)
    kiosk.camera.show(qr)
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


def test_rate_dossier_by_code_and_secret(kiosk):
    code, secret = returned_dossier(kiosk.svc)
    kiosk.tap(kiosk.button("Đánh giá hài lòng"))
    kiosk.settle()
    rate = kiosk.screen("rate")
    kiosk.tap(rate.ids.kind_dossier)
    prefix = kiosk.app.code_prefix
    kiosk.keys("target_keypad", code[len(prefix):])
    kiosk.tap_text("Tiếp tục")
    assert rate.step == "proof"
    wrong = f"{(int(secret) + 1) % 1_000_000:06d}"
    kiosk.keys("proof_keypad", wrong)
    kiosk.shot("rate-6-secret")
    kiosk.tap_text("Tiếp tục")
    kiosk.tap(kiosk.button("Hài lòng"))
    kiosk.until(lambda: rate.step == "proof" and rate.notice)
    assert "mã tra cứu không đúng" in rate.notice and rate.proof == ""
    kiosk.shot("rate-7-wrong-secret")
    assert kiosk.svc.store.rating_for("dossier", code) is None
    kiosk.keys("proof_keypad", secret)
    kiosk.tap_text("Tiếp tục")
    kiosk.tap(kiosk.button("Hài lòng"))
    kiosk.until(lambda: rate.step == "thanks")
    assert kiosk.svc.store.rating_for("dossier", code).level == 2


def test_a_receipt_qr_rates_its_dossier_at_once(kiosk):
    code, secret = returned_dossier(kiosk.svc)
    kiosk.tap(kiosk.button("Đánh giá hài lòng"))
    kiosk.settle()
    kiosk.camera.show(f"{code}|{secret}")
    rate = kiosk.screen("rate")
    kiosk.until(lambda: rate.step == "level")
    kiosk.tap(kiosk.button("Rất hài lòng"))
    kiosk.until(lambda: rate.step == "thanks")
    assert kiosk.svc.store.rating_for("dossier", code).level == 3


def test_old_wrong_and_unserved_tickets_are_explained(kiosk):
    kiosk.tap(kiosk.button("Đánh giá hài lòng"))
    kiosk.settle()
    rate = kiosk.screen("rate")
    kiosk.camera.show("RATE|A001|2026-02-27|K7M2Q9XD")
    kiosk.pump(3)
    assert "không phải của hôm nay" in rate.notice
    _, qr = served_ticket(kiosk.svc, "DD", 3)  # B001
    kiosk.camera.show(qr[:-8] + "ABCDEFGH")  # a forged token
    kiosk.until(lambda: rate.step == "level")
    kiosk.tap(kiosk.button("Rất hài lòng"))
    kiosk.until(lambda: rate.step == "target" and rate.notice)
    assert "không đúng" in rate.notice
    kiosk.svc.issue_ticket("HT")  # A001: just shown, the camera holds that number back a moment
    issued = kiosk.svc.issue_ticket("HT")  # A002, waiting, not served yet
    kiosk.camera.show(f"RATE|{issued.ticket.number}|{issued.ticket.day:%Y-%m-%d}|{issued.rating_token}")
    kiosk.until(lambda: rate.step == "level")
    kiosk.tap(kiosk.button("Rất hài lòng"))
    kiosk.settle()
    assert "chưa được phục vụ" in rate.notice
    kiosk.shot("rate-5-not-served")
    assert kiosk.svc.store.counts()["ratings"] == 0


def test_thanks_returns_home_by_itself(make_kiosk):
    k = make_kiosk(thank_you_s=1)
    _, qr = served_ticket(k.svc)
    k.camera.show(qr)
    k.until(lambda: k.screen("rate").step == "level")
    k.tap(k.button("Hài lòng"))
    k.until(lambda: k.screen("rate").step == "thanks")
    k.until(lambda: k.sm.current == "home", timeout=5)
