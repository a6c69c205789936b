"""Procedures, hidden admin, inactivity, camera health (hub failures: test_kiosk_hub.py)."""
import time

from kiosk_helpers import dossier_in_processing


def test_procedure_information(kiosk):
    kiosk.tap(kiosk.button("Thủ tục hành chính"))
    kiosk.settle()
    kiosk.shot("procedures-1-list")
    kiosk.tap(kiosk.button("Đăng ký khai sinh"))
    detail = kiosk.screen("procedures").detail_text
    assert "Tờ khai đăng ký khai sinh" in detail and "8.000 đ" in detail and "Quầy 1" in detail
    assert "5 ngày làm việc" in detail
    kiosk.shot("procedures-2-detail")


def test_hidden_admin_gesture_and_pin(kiosk):
    office = kiosk.app.root.ids.office_button
    for _ in range(4):
        kiosk.tap(office)
    assert kiosk.sm.current == "home"
    kiosk.tap(office)
    assert kiosk.sm.current == "admin"
    kiosk.keys("pin_keypad", "1111")
    kiosk.tap_text("Đồng ý")
    assert "không đúng" in kiosk.screen("admin").notice
    kiosk.keys("pin_keypad", "2468")
    kiosk.tap_text("Đồng ý")
    assert kiosk.screen("admin").step == "panel"
    assert "Máy in (fake printer)" in kiosk.screen("admin").status_text
    kiosk.shot("admin-panel")
    stopped = []
    kiosk.app.stop = lambda *a: stopped.append(True)
    kiosk.tap_text("Thoát ứng dụng")
    assert stopped


def test_three_wrong_pins_go_home(kiosk):
    for _ in range(5):
        kiosk.tap(kiosk.app.root.ids.office_button)
    for _ in range(3):
        kiosk.keys("pin_keypad", "0000")
        kiosk.tap_text("Đồng ý")
    assert kiosk.sm.current == "home"


def test_escape_and_window_close_do_not_leave_the_kiosk(kiosk):
    from kivy.core.window import Window

    assert Window.dispatch("on_key_down", 27, 0, None, []) is True
    assert Window.dispatch("on_request_close") is True


def test_inactivity_returns_home_and_clears(make_kiosk):
    k = make_kiosk(inactivity_s=10)
    code, secret = dossier_in_processing(k.svc)
    k.camera.show(f"{code}|{secret}")
    lookup = k.screen("lookup")
    k.until(lambda: lookup.step == "result")
    k.tap(k.app.root.ids.lang_button)
    k.app.last_activity = time.monotonic() - 11
    k.until(lambda: k.sm.current == "home", timeout=3)
    assert lookup.view is None and lookup.code == "" and k.app.lang == "vi"
    # the same receipt can be scanned again right away
    k.camera.show(f"{code}|{secret}")
    k.until(lambda: lookup.step == "result")


def test_camera_unplugged_keeps_keypad_working_and_recovers(kiosk):
    assert kiosk.app.root.camera_state == "ok"
    kiosk.camera.unplug()
    kiosk.pump(3)
    assert kiosk.app.root.camera_state == "bad"
    kiosk.tap(kiosk.button("Tra cứu hồ sơ"))
    kiosk.keys("code_keypad", "26")
    assert kiosk.screen("lookup").code.endswith("26")
    kiosk.shot("lookup-camera-unavailable")
    kiosk.camera.plug()
    kiosk.pump(3)
    assert kiosk.app.root.camera_state == "ok"



def test_camera_guidance_is_shown_in_plain_words_and_clears_on_a_read(kiosk):
    hint = kiosk.screen("home").ids.scan_hint
    usual = hint.text
    kiosk.camera.guide("closer")
    kiosk.pump(3)
    assert hint.text == "Đưa giấy lại gần camera hơn"
    kiosk.shot("home-scan-guidance-closer")
    kiosk.tap(kiosk.app.root.ids.lang_button)
    assert hint.text == "Bring the paper closer to the camera"
    kiosk.tap(kiosk.app.root.ids.lang_button)
    kiosk.tap(kiosk.button("Tra cứu hồ sơ"))
    kiosk.camera.guide("glare")
    kiosk.pump(3)
    assert kiosk.screen("lookup").ids.code_hint.text == "Nghiêng tờ giấy để tránh lóa sáng"
    kiosk.shot("lookup-scan-guidance-glare")
    kiosk.camera.guide(None)
    kiosk.pump(3)
    assert hint.text == usual and "scan.guide" not in kiosk.screen("lookup").ids.code_hint.text


def test_a_decoder_failure_turns_the_camera_light_amber_until_the_next_read(kiosk):
    code, secret = dossier_in_processing(kiosk.svc)
    kiosk.camera.fail(RuntimeError("OpenCV: mode 13 not implemented"))
    kiosk.pump(3)
    assert kiosk.app.root.camera_state == "warn"
    kiosk.camera.show(f"{code}|{secret}")
    kiosk.until(lambda: kiosk.screen("lookup").step == "result")
    assert kiosk.app.root.camera_state == "ok"
