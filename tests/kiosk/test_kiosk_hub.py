"""The kiosk on a real HubClient: a hub that does not answer (a dead port on 127.0.0.1), a hub
that refuses the kiosk's revoked token, and a hub that comes back. The "Máy chủ" light tells the
truth and the citizen reads a plain sentence — never a URL, an exception text or a translation
key — in Vietnamese and in English. Screenshots: test-artifacts/kiosk/hub-*.png."""
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from kivy_support import assert_no_leak, dead_hub_url

from hub.client import HubClient
from hub.server import start_hub_thread
from office.auth import Credentials
from office.rules.codes import receipt_qr_payload

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub"))  # the hub tests' office helpers
from hub_support import make_office  # noqa: E402
from kiosk_helpers import KIOSK_PIN  # noqa: E402

RECEIPT = receipt_qr_payload("000.31.20.H56-260302-0001", "123456")
TICKET = {"vi": "Lấy số thứ tự", "en": "Take a number"}
DOWN = {"vi": "Hệ thống đang bận hoặc mất kết nối", "en": "The system is busy or disconnected"}
DENIED = {"vi": "Máy tạm ngừng phục vụ, xin mời quý khách đến quầy tiếp nhận",
          "en": "This kiosk is out of service for now. Please go to a counter"}


def assert_plain(k, sentence: str, url: str) -> None:
    """The screen shows `sentence` and nothing of the failure's insides."""
    texts = k.texts()
    assert sentence in texts, texts
    assert_no_leak(texts, url)


def switch_to(k, lang: str) -> None:
    if k.app.lang != lang:
        k.tap(k.app.root.ids.lang_button)
    assert k.app.lang == lang


def try_ticket_and_lookup(k, lang: str, sentence: str, url: str, shot: str) -> None:
    """A citizen asks for a number, then scans a receipt: both are told `sentence`."""
    k.app.go_home()
    k.pump(2)
    k.tap(k.button(TICKET[lang]))
    k.settle()
    ticket = k.screen("ticket")
    assert sentence in ticket.notice and k.app.root.hub_state == "bad"
    assert_plain(k, sentence, url)
    k.shot(f"{shot}-ticket-{lang}")
    k.app.go_home()
    k.pump(2)
    k.camera.show(RECEIPT)
    lookup = k.screen("lookup")
    k.until(lambda: k.sm.current == "lookup" and lookup.notice, what="lookup answer")
    assert sentence in lookup.notice and k.app.root.hub_state == "bad"
    assert_plain(k, sentence, url)
    k.shot(f"{shot}-lookup-{lang}")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_dead_hub_turns_the_light_red_and_says_so_plainly(make_kiosk, lang):
    url = dead_hub_url()
    k = make_kiosk(service=HubClient(url, "kiosk-token", retries=1, backoff=0.01), wait_office=False)
    assert k.app.root.hub_state == "bad" and k.app.root.hub_problem == "unavailable"
    switch_to(k, lang)
    try_ticket_and_lookup(k, lang, DOWN[lang], url, "hub-dead")


def test_revoked_kiosk_token_turns_the_light_red_and_sends_people_to_a_counter(make_kiosk, tmp_path, clock):
    office = make_office(tmp_path / "hub.db", clock)
    url, stop = start_hub_thread(office.svc)
    try:
        k = make_kiosk(service=HubClient(url, office.tokens["kiosk-1"], retries=0))
        k.tap(k.button(TICKET["vi"]))
        k.settle()
        assert k.app.root.hub_state == "ok" and k.screen("ticket").services and not k.screen("ticket").notice
        assert Credentials(office.svc.store).revoke("kiosk-1")
        for lang in ("vi", "en"):
            switch_to(k, lang)
            try_ticket_and_lookup(k, lang, DENIED[lang], url, "hub-revoked")
            assert k.app.root.hub_problem == "denied"
        k.app.go_home()
        for _ in range(5):
            k.tap(k.app.root.ids.office_button)
        k.keys("pin_keypad", KIOSK_PIN)
        k.tap_text("OK")
        k.settle()
        assert "not authorised" in k.screen("admin").notice and k.screen("admin").step == "pin"
        k.shot("hub-revoked-admin-en")
    finally:
        stop()
        office.svc.store.close()


def test_light_turns_green_by_itself_when_the_hub_comes_back(make_kiosk, tmp_path, clock):
    office = make_office(tmp_path / "hub.db", clock)
    url, stop = start_hub_thread(office.svc)
    port = urlparse(url).port
    stop()  # the hub is down when the kiosk starts: no office name, red light
    k = make_kiosk(service=HubClient(url, office.tokens["kiosk-1"], retries=0), wait_office=False)
    try:
        assert k.app.root.hub_state == "bad" and not k.app.office_name
        url, stop = start_hub_thread(office.svc, port=port)  # back on the same address
        k.until(lambda: k.app.root.hub_state == "ok", timeout=10, what="the probe to see the hub back")
        k.until(lambda: k.app.office_name, what="office name loaded")
        assert k.app.root.hub_problem == "" and k.app.code_prefix
        k.tap(k.button(TICKET["vi"]))  # and the next citizen is served
        k.settle()
        assert k.screen("ticket").services and not k.screen("ticket").notice
    finally:
        stop()
        office.svc.store.close()


def test_a_bug_is_logged_with_its_traceback_and_shown_plainly(kiosk, caplog):
    ticket = kiosk.screen("ticket")
    kiosk.app.go("ticket")
    kiosk.settle()
    ticket.call(lambda: {}["missing"], lambda result: None)  # a bug in a service call
    kiosk.settle()
    assert kiosk.app.root.hub_state == "bad" and kiosk.app.root.hub_problem == "error"
    assert ticket.notice == "Đã có lỗi xảy ra. Vui lòng thử lại hoặc hỏi cán bộ hướng dẫn"
    record = next(r for r in caplog.records if r.name == "uikit.app" and r.exc_info)
    assert record.exc_info[0] is KeyError and "Traceback" in caplog.text
    kiosk.until(lambda: kiosk.app.root.hub_state == "ok", timeout=15, what="the probe to find the office answering")


def test_refusals_are_worded_by_class(kiosk):
    from hub.client import HubError
    from office.errors import Conflict, DomainError, PayloadTooLarge, RateLimited

    app = kiosk.app
    unknown = HubError("Lý do mới của máy chủ")
    unknown.code = "something_new"
    assert app.error_text(Conflict("Số này đã được gọi")) == "Số này đã được gọi"  # Vietnamese: as said
    kiosk.tap(app.root.ids.lang_button)
    assert app.error_text(Conflict("Số này đã được gọi")) == "This cannot be done right now"
    assert app.error_text(PayloadTooLarge("Quá lớn")) == "The information is not valid"  # the parent's words
    assert app.error_text(RateLimited("Chờ 30 giây", 30)).startswith("Too many attempts")
    assert app.error_text(unknown) == app.error_text(DomainError("x")) == "This cannot be done"
    assert app.error_text(ValueError("http://127.0.0.1:1/ boom")).startswith("Something went wrong")
