"""Elderly citizens first: no tap-through after a screen change, a countdown before the idle
reset, spoken guidance per step (offline clips), the large-text mode, a keypad that stays put
when a notice appears, and lights that tell the truth about real devices that are not there."""
import time
import wave

from kiosk_helpers import dossier_in_processing
from kivy.core.window import Window
from kivy.metrics import Metrics
from kivy_support import Driver, close_app, dead_hub_url

from kiosk.app import KioskApp, build_devices
from kiosk.settings import KioskSettings
from kiosk.voice import CLIPS, GUIDANCE, KioskVoice
from office.gateway import OfficeGateway
from office.rules.codes import receipt_qr_payload


def test_a_second_tap_meant_for_the_previous_screen_does_nothing(make_kiosk):
    k = make_kiosk(touch_guard_s=1.5)  # long enough for a loaded test machine (default 0.5 s)
    ticket = k.screen("ticket")
    k.tap(k.button("Lấy số thứ tự"))
    k.until(lambda: ticket.ids.service_grid.children, what="the services")  # they appear late
    first = ticket.ids.service_grid.children[-1]
    Driver.tap(k, first)  # at once, as a double tap lands: swallowed
    k.settle()
    assert ticket.receipt is None and not k.printer.printed
    time.sleep(1.5)
    Driver.tap(k, first)  # a deliberate touch once the screen has settled
    k.until(lambda: ticket.print_state == "printed")
    assert ticket.number == "A001"


def test_a_countdown_warns_before_the_idle_reset_and_a_touch_keeps_the_session(make_kiosk):
    k = make_kiosk(inactivity_s=15)
    k.tap(k.button("Tra cứu hồ sơ"))
    lookup = k.screen("lookup")
    before = lookup.code
    k.app.last_activity = time.monotonic() - 6
    k.until(lambda: k.app.root.countdown, timeout=3, what="the countdown")
    assert 8 <= k.app.root.countdown <= 10 and "Chạm vào màn hình để tiếp tục" in k.texts()
    assert ("idle_warning", "vi") in k.voice.said
    k.shot("idle-countdown")
    key = next(b for b in lookup.ids.code_keypad.children if b.key == "5")
    Driver.tap(k, key)  # the touch dismisses the warning only; the key under it is not pressed
    assert k.app.root.countdown == 0 and lookup.code == before and k.sm.current == "lookup"
    k.app.last_activity = time.monotonic() - 16
    k.until(lambda: k.sm.current == "home", timeout=3)
    assert k.app.root.countdown == 0


def test_each_step_speaks_its_guidance_in_the_citizens_language(kiosk):
    code, secret = dossier_in_processing(kiosk.svc)
    kiosk.tap(kiosk.button("Tra cứu hồ sơ"))
    kiosk.keys("code_keypad", code[len(kiosk.app.code_prefix):])
    kiosk.tap_text("Tiếp tục")
    kiosk.app.go_home()
    kiosk.camera.show(receipt_qr_payload(code, secret))
    kiosk.until(lambda: kiosk.screen("lookup").step == "result")
    kiosk.app.go_home()
    kiosk.tap(kiosk.app.root.ids.lang_button)
    kiosk.tap(kiosk.button("Take a number"))
    kiosk.settle()
    kiosk.tap(kiosk.button("Hộ tịch"))
    kiosk.until(lambda: kiosk.screen("ticket").print_state == "printed")
    said = kiosk.voice.said
    for step in (("lookup_code", "vi"), ("lookup_secret", "vi"), ("lookup_result", "vi"), ("home", "vi"),
                 ("ticket_service", "en"), ("ticket_printed", "en")):
        assert step in said, said
    assert said.index(("lookup_code", "vi")) < said.index(("lookup_secret", "vi"))


def test_every_guidance_clip_is_there_and_short():
    for lang, steps in GUIDANCE.items():
        for step in steps:
            with wave.open(str(CLIPS / lang / f"{step}.wav"), "rb") as w:
                seconds = w.getnframes() / w.getframerate()
                assert w.getframerate() == 16_000 and w.getnchannels() == 1
                assert 0.8 < seconds < 9, f"{lang}/{step}: {seconds:.1f} s"


def test_large_text_scales_every_screen_and_resets_when_idle(make_kiosk):
    k = make_kiosk(inactivity_s=15)
    title = k.screen("home").children[0].children[-1]
    normal = title.font_size
    k.tap(k.screen("home").ids.large_text_button)
    assert Metrics.fontscale == 1.3 and abs(title.font_size - normal * 1.3) < 0.5
    k.tap(k.button("Thủ tục hành chính"))
    k.settle()
    k.assert_touch_targets()
    k.shot("procedures-large-text")
    k.app.last_activity = time.monotonic() - 16
    k.until(lambda: k.sm.current == "home", timeout=3)
    assert Metrics.fontscale == 1.0 and abs(title.font_size - normal) < 0.5


def test_the_keypad_stays_put_when_a_notice_appears(kiosk):
    kiosk.tap(kiosk.button("Tra cứu hồ sơ"))
    keypad = kiosk.screen("lookup").ids.code_keypad
    before = (keypad.to_window(*keypad.pos), tuple(keypad.size))
    kiosk.keys("code_keypad", "12")
    kiosk.tap_text("Tiếp tục")
    assert "Mã hồ sơ chưa đúng" in kiosk.screen("lookup").notice
    kiosk.pump(3)
    assert (keypad.to_window(*keypad.pos), tuple(keypad.size)) == before


def test_lights_tell_the_truth_about_devices_that_are_not_there(svc):
    """A printer address where nothing answers and a camera device that does not exist: both
    lights red, the ticket tile says why, staff are alerted (no fakes: the real adapters)."""
    settings = KioskSettings(printer=f"tcp://{dead_hub_url()[len('http://'):]}", camera="/dev/video97",
                             voice="off", touch_guard_s=0.05)
    printer, camera_factory, problems = build_devices(settings)
    Window.size = (1080, 1920)
    app = KioskApp(OfficeGateway.embedded(svc, "kiosk", settings.name), settings, printer, camera_factory,
                   clock=svc.clock, problems=tuple(problems))
    app._run_prepare()
    k = Driver(app)
    try:
        k.until(lambda: app.root.printer_state == "bad" and app.root.camera_state == "bad", timeout=15,
                what="both lights red")
        home = app.root.ids.sm.get_screen("home")
        assert "Tạm ngừng" in home.ids.tile_ticket.subtitle
        k.until(lambda: any(e["payload"]["problem"] == "printer_out" for e in svc.store.events()
                            if e["entity"] == "device"), timeout=10, what="staff alert")
        k.shot("home-devices-missing")
    finally:
        close_app(app)


def test_the_real_voice_plays_one_clip_at_a_time(monkeypatch):
    """KioskVoice through Kivy's SDL2 audio (the dummy driver: no sound card needed)."""
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    voice = KioskVoice()
    voice.say("home", "vi")
    first = voice._sound
    assert first is not None and first.state == "play"
    voice.say("lookup_code", "vi")  # the next step cuts the previous clip short
    assert first.state == "stop" and voice._sound.state == "play"
    voice.say("no_such_step", "vi")
    assert voice._sound is None
    voice.stop()
