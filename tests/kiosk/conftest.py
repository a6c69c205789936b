"""Kiosk test harness: the shared headless Kivy driver (tests/kivy_support.py) plus the kiosk's
keypads, fake printer and fake camera."""
from __future__ import annotations

from kivy_support import Driver, close_app, visible  # noqa: F401  (sets the headless environment first)

from kiosk.boot import prepare  # noqa: E402

prepare(size=(1080, 1920))

import time  # noqa: E402

import pytest  # noqa: E402
from kiosk_helpers import KIOSK_PIN, PORTRAIT  # noqa: E402
from kivy.base import EventLoop  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.metrics import mm  # noqa: E402

from devices.camera import FakeCamera  # noqa: E402
from devices.printer import FakePrinter  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from kiosk.settings import KioskSettings  # noqa: E402
from kiosk.voice import RecordingVoice  # noqa: E402
from office.gateway import OfficeGateway  # noqa: E402
from office.policy import Guards  # noqa: E402

EventLoop.ensure_window()


class Kiosk(Driver):
    """Drives a running KioskApp."""

    area = "kiosk"

    def __init__(self, app: KioskApp, svc, printer: FakePrinter, camera_box: dict):
        super().__init__(app)
        self.svc, self.printer, self._camera_box = svc, printer, camera_box

    @property
    def workers(self) -> list:
        return [self.app.service_worker, self.app.device_worker]

    @property
    def camera(self) -> FakeCamera:
        return self._camera_box["camera"]

    @property
    def sm(self):
        return self.app.root.ids.sm

    def screen(self, name: str | None = None):
        return self.sm.get_screen(name) if name else self.sm.current_screen

    def tap(self, widget) -> None:
        """Touch like a person: after the screen has settled (the kiosk ignores touches right after
        a screen change and while it waits for an answer)."""
        deadline = time.monotonic() + 20
        while not self.app.accepting_touches() and time.monotonic() < deadline:
            EventLoop.idle()
        super().tap(widget)

    def keys(self, keypad_id: str, keys, screen=None) -> None:
        """Press keypad keys one by one with real touches: each character of a string, or each
        key id of a list (["SPACE"], ["BACK"])."""
        keypad = (screen or self.screen()).ids[keypad_id]
        for name in keys:
            key = next(k for k in keypad.children if k.key == name)
            self.tap(key)

    def assert_touch_targets(self) -> None:
        """Every visible button is at least 15 mm in both directions."""
        small = [(getattr(b, "text", "")[:20], round(b.width), round(b.height)) for b in self.buttons()
                 if b.height < mm(15) - 0.5 or b.width < mm(15) - 0.5]
        assert not small, f"touch targets under 15 mm ({mm(15):.0f}px): {small}"


@pytest.fixture
def make_kiosk(svc):
    """Start the kiosk on the test service (or on `service`, e.g. a HubClient) with a fake printer
    and a fake camera; waits for the office's name unless `wait_office` is False."""
    started = []

    def start(size=PORTRAIT, service=None, wait_office: bool = True, guards: Guards | None = None,
              **settings) -> Kiosk:
        Window.size = size
        printer = FakePrinter()
        box = {}

        def camera_factory(on_scan, on_status, on_rejected):
            box["camera"] = FakeCamera(on_scan, on_status, on_rejected)
            return box["camera"]

        settings = KioskSettings(**{"touch_guard_s": 0.05, **settings})  # short: tests wait for it
        svc.set_kiosk_pin(KIOSK_PIN)
        port = service or OfficeGateway.embedded(svc, "kiosk", settings.name, guards)
        voice = RecordingVoice()
        app = KioskApp(port, settings, printer, camera_factory, clock=svc.clock, voice=voice)
        app._run_prepare()
        started.append(app)
        k = Kiosk(app, svc, printer, box)
        k.voice = voice
        if wait_office:
            k.until(lambda: app.office_name, what="office loaded")
        else:
            k.settle()
        return k

    yield start
    for app in started:
        close_app(app)
    EventLoop.idle()


@pytest.fixture
def kiosk(make_kiosk) -> Kiosk:
    return make_kiosk()
