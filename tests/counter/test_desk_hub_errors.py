"""The counter on a real HubClient when the hub cannot or will not answer: a dead port on
127.0.0.1 (red banner, "Máy chủ: mất kết nối", what was typed is kept) and a revoked device token
("Thiết bị chưa được cấp quyền", never a green light), in Vietnamese and English; a wrong PIN is
the officer's mistake and leaves the light green. Screenshots: test-artifacts/counter/hub-*.png."""
from hub_support import STAFF
from kivy_support import assert_no_leak

from office.auth import Credentials

USER = "bich.tt"
PIN = STAFF[USER][1]

DOWN = {"vi": "Mất kết nối máy chủ — đang thử lại… Dữ liệu đã nhập vẫn được giữ",
        "en": "Lost connection to the office hub — retrying… Everything typed is kept"}
BANNER_DOWN = {"vi": "Mất kết nối máy chủ — đang thử lại…", "en": "Lost connection to the office hub — retrying…"}
CHIP_DOWN = {"vi": "Máy chủ: mất kết nối", "en": "Hub: disconnected"}
DENIED = {"vi": "Chưa thực hiện được: thiết bị này chưa được cấp quyền trên máy chủ văn phòng",
          "en": "Not done: this device is not authorised on the office hub"}
BANNER_DENIED = {"vi": "Thiết bị chưa được cấp quyền trên máy chủ văn phòng — vui lòng báo quản trị viên",
                 "en": "This device is not authorised on the office hub — please tell the administrator"}
CHIP_DENIED = {"vi": "Thiết bị chưa được cấp quyền", "en": "Device not authorised"}


def switch_to(desk, lang: str) -> None:
    if desk.app.lang != lang:
        desk.tap(next(b for b in desk.buttons(desk.app.root.ids.header) if b.text in ("EN", "VI")))
    assert desk.app.lang == lang


def test_dead_hub_shows_the_red_banner_and_keeps_what_was_typed(make_desk):
    desk = make_desk("dead")
    app, root, login = desk.app, desk.app.root, desk.screen("login")
    desk.type("username", USER, "login")
    desk.type("pin", PIN, "login")
    for lang in ("vi", "en"):
        switch_to(desk, lang)
        desk.tap(desk.field("login_button", "login"))
        desk.settle()
        assert app.actor is None and login.notice == DOWN[lang]
        assert root.hub_state == "bad" and root.hub_problem == "unavailable"
        assert root.banner == BANNER_DOWN[lang] and CHIP_DOWN[lang] in desk.texts(root.ids.header)
        assert desk.field("username", "login").text == USER and desk.field("pin", "login").text == PIN
        assert_no_leak(desk.texts(), desk.office.url)
        desk.shot(f"hub-dead-login-{lang}")


def test_revoked_device_token_is_never_a_green_light(make_desk):
    desk = make_desk("hub", login=False)
    app, root, login = desk.app, desk.app.root, desk.screen("login")
    desk.login(pin="000000")  # a wrong PIN: the hub answered, the officer mistyped
    assert app.actor is None and login.notice == "Tên đăng nhập hoặc mã PIN không đúng"
    assert root.hub_state == "ok" and root.banner == ""
    desk.login()
    assert app.actor is not None and root.hub_state == "ok"
    assert Credentials(desk.svc.store).revoke("quay-1")
    queue = desk.screen("queue")
    for lang in ("vi", "en"):
        switch_to(desk, lang)
        desk.key(282)  # F1: call the next ticket
        desk.settle()
        assert queue.notice == DENIED[lang]
        assert root.hub_state == "bad" and root.hub_problem == "denied"
        assert root.banner == BANNER_DENIED[lang] and CHIP_DENIED[lang] in desk.texts(root.ids.header)
        assert_no_leak(desk.texts(), desk.office.url)
        desk.shot(f"hub-revoked-queue-{lang}")
