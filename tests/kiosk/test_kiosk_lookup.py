"""Dossier lookup: keypad, camera QR, Code128 + secret, USB wedge scanner, wrong secret, lockout."""
import time
from dataclasses import replace

from kiosk_helpers import LANDSCAPE, dossier_in_processing
from kivy.core.window import Window

from office.policy import TYPED_LOOKUPS, Guards, Limit
from office.rules.codes import receipt_qr_payload


def type_code(k, code):
    lookup = k.screen("lookup")
    prefix = k.app.code_prefix
    assert lookup.code == prefix and code.startswith(prefix)
    k.keys("code_keypad", code[len(prefix):])
    assert lookup.code == code


def test_lookup_by_keypad_shows_masked_status_and_timeline(kiosk):
    code, secret = dossier_in_processing(kiosk.svc)
    kiosk.tap(kiosk.button("Tra cứu hồ sơ"))
    kiosk.assert_touch_targets()
    type_code(kiosk, code)
    kiosk.shot("lookup-1-code")
    kiosk.tap_text("Tiếp tục")
    kiosk.keys("secret_keypad", secret)
    kiosk.shot("lookup-2-secret")
    kiosk.tap_text("Tra cứu")
    lookup = kiosk.screen("lookup")
    kiosk.until(lambda: lookup.step == "result", what="lookup result")
    texts = kiosk.texts()
    assert "Nguyễn V*** A*" in texts and "Nguyễn Văn An" not in texts
    assert "001203004567" not in texts and "0912345678" not in texts and "Lê Lợi" not in texts
    assert "Đang giải quyết" in texts and "Trong hạn" in texts
    assert "Phòng Tư pháp" in texts and "Lê Văn Cường" not in texts  # departments, never officers
    assert "Ngày hẹn trả kết quả" in texts
    kiosk.shot("lookup-3-result-vi")
    kiosk.tap(kiosk.app.root.ids.lang_button)
    assert "Being processed" in kiosk.texts() and "On schedule" in kiosk.texts()
    kiosk.shot("lookup-4-result-en")


def test_camera_qr_from_home_goes_straight_to_the_status(kiosk):
    code, secret = dossier_in_processing(kiosk.svc)
    kiosk.camera.show(receipt_qr_payload(code, secret))
    lookup = kiosk.screen("lookup")
    kiosk.until(lambda: kiosk.sm.current == "lookup" and lookup.step == "result", what="scan result")
    assert lookup.view.code == code and lookup.view.masked_name == "Nguyễn V*** A*"


def test_code128_scan_asks_for_the_secret(kiosk):
    code, secret = dossier_in_processing(kiosk.svc)
    kiosk.camera.show(code, symbology="code128")
    lookup = kiosk.screen("lookup")
    kiosk.until(lambda: lookup.step == "secret")
    assert lookup.code == code and "mã tra cứu" in lookup.notice
    kiosk.shot("lookup-5-code128-scanned")
    kiosk.keys("secret_keypad", secret)
    kiosk.tap_text("Tra cứu")
    kiosk.until(lambda: lookup.step == "result")


def _press(key=None, char=None):
    Window.dispatch("on_key_down", key or ord(char), 0, char, [])


def test_usb_wedge_burst_is_a_scan_but_slow_typing_is_not(kiosk):
    code, secret = dossier_in_processing(kiosk.svc)
    lookup = kiosk.screen("lookup")
    kiosk.tap(kiosk.button("Tra cứu hồ sơ"))
    # A person types two characters on a keyboard: they go into the code field.
    for char in "26":
        _press(char=char)
        time.sleep(0.08)
    kiosk.pump(6)
    assert lookup.code == kiosk.app.code_prefix + "26"
    # The scanner types the QR payload in one burst ending with Enter.
    for char in receipt_qr_payload(code, secret):
        _press(char=char)
    _press(key=13)
    kiosk.until(lambda: lookup.step == "result", what="wedge scan result")
    assert lookup.view.code == code


def test_foreign_barcode_gives_a_clear_notice_and_keeps_nothing(kiosk):
    kiosk.camera.show("001203004567|Nguyễn Văn An|01011990")
    kiosk.pump(4)
    assert "không phải mã hồ sơ" in kiosk.app.root.notice
    assert "Nguyễn" not in kiosk.texts().replace(kiosk.app.root.notice, "")
    kiosk.shot("home-invalid-scan-notice")
    assert kiosk.sm.current == "home"


def test_wrong_secret_is_clear_and_rate_limited(make_kiosk):
    k = make_kiosk(guards=Guards(typed_lookups=replace(TYPED_LOOKUPS, limits={"device": (Limit(3, 300),)})))
    code, secret = dossier_in_processing(k.svc)
    wrong = f"{(int(secret) + 1) % 1_000_000:06d}"
    lookup = k.screen("lookup")
    k.tap(k.button("Tra cứu hồ sơ"))
    type_code(k, code)
    k.tap_text("Tiếp tục")
    for _ in range(3):
        k.keys("secret_keypad", wrong)
        k.tap_text("Tra cứu")
        k.settle()
    assert "Nhập sai quá nhiều lần" in lookup.notice
    k.shot("lookup-6-locked")
    k.keys("secret_keypad", secret)  # even the right secret, typed, waits for the lockout
    k.tap_text("Tra cứu")
    k.settle()
    assert lookup.step == "secret" and "5 phút" in lookup.notice and "quét mã QR" in lookup.notice
    k.camera.show(receipt_qr_payload(code, secret))  # the receipt's QR is never blocked by typos
    k.until(lambda: lookup.step == "result")


def test_bad_code_form_is_refused_before_any_lookup(kiosk):
    kiosk.tap(kiosk.button("Tra cứu hồ sơ"))
    kiosk.keys("code_keypad", "12")
    kiosk.tap_text("Tiếp tục")
    lookup = kiosk.screen("lookup")
    assert lookup.step == "code" and "Mã hồ sơ chưa đúng" in lookup.notice
    kiosk.shot("lookup-7-bad-code")


def test_lookup_landscape(make_kiosk):
    k = make_kiosk(size=LANDSCAPE)
    code, secret = dossier_in_processing(k.svc)
    k.tap(k.button("Tra cứu hồ sơ"))
    k.assert_touch_targets()
    k.shot("lookup-code-landscape")
    k.camera.show(receipt_qr_payload(code, secret))
    k.until(lambda: k.screen("lookup").step == "result")
    k.shot("lookup-result-landscape")
