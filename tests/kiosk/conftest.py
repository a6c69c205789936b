"""Headless Kivy (offscreen SDL2) harness for the kiosk: a real window, real touches, screenshots.

The environment variables must be set before kivy is imported anywhere in the process.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

_KIVY_HOME = tempfile.mkdtemp(prefix="kivy-home-")
os.environ["SDL_VIDEODRIVER"] = "offscreen"
os.environ["KIVY_WINDOW"] = "sdl2"
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_HOME"] = _KIVY_HOME
os.environ["KIVY_LOG_MODE"] = "MIXED"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"

from kiosk.boot import prepare  # noqa: E402

prepare(size=(1080, 1920))

import pytest  # noqa: E402
from kivy.app import App  # noqa: E402
from kivy.base import EventLoop  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.metrics import mm  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402
from kivy.uix.button import Button  # noqa: E402
from kivy.uix.label import Label  # noqa: E402

from kiosk.app import KioskApp  # noqa: E402
from kiosk.settings import KioskSettings  # noqa: E402
from office.devices.camera import FakeCamera  # noqa: E402
from office.devices.printer import FakePrinter  # noqa: E402

from kiosk_helpers import PORTRAIT  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "kiosk"
EventLoop.ensure_window()


def visible(widget) -> bool:
    """Shown on the window: attached, not transparent, not collapsed, on the current screen."""
    from kivy.uix.screenmanager import Screen, ScreenManager

    w = widget
    while w is not None and w is not Window:
        if w.opacity == 0 or w.width < 2 or w.height < 2:
            return False
        parent = w.parent
        if isinstance(w, Screen) and isinstance(parent, ScreenManager) and parent.current_screen is not w:
            return False
        w = parent
    return w is Window


class Kiosk:
    """Drives a running KioskApp."""

    def __init__(self, app: KioskApp, svc, printer: FakePrinter, camera_box: dict):
        self.app, self.svc, self.printer, self._camera_box = app, svc, printer, camera_box

    @property
    def camera(self) -> FakeCamera:
        return self._camera_box["camera"]

    @property
    def sm(self):
        return self.app.root.ids.sm

    def screen(self, name: str | None = None):
        return self.sm.get_screen(name) if name else self.sm.current_screen

    def pump(self, frames: int = 3) -> None:
        for _ in range(frames):
            EventLoop.idle()

    def until(self, predicate, timeout: float = 8.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            EventLoop.idle()
            if predicate() and self.app.service_worker.idle and self.app.device_worker.idle:
                self.pump(2)
                return
        raise AssertionError(f"timed out waiting for {what or predicate}")

    def settle(self) -> None:
        self.until(lambda: True, what="workers to finish")
        self.pump(4)

    def tap(self, widget) -> None:
        assert visible(widget), f"{widget!r} ({getattr(widget, 'text', '')!r}) is not visible"
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pump(2)

    def buttons(self, root=None) -> list:
        from kivy.uix.behaviors import ButtonBehavior

        root = root or self.app.root
        return [w for w in root.walk(restrict=True) if isinstance(w, ButtonBehavior) and visible(w)]

    def button(self, text: str, root=None):
        """The visible button whose text (or title) contains `text`."""
        for b in self.buttons(root):
            label = getattr(b, "title", "") or getattr(b, "text", "")
            if text in label:
                return b
        raise AssertionError(f"no visible button with {text!r}; have {[getattr(b, 'text', '') for b in self.buttons(root)]}")

    def tap_text(self, text: str) -> None:
        self.tap(self.button(text))

    def keys(self, keypad_id: str, text: str, screen=None) -> None:
        """Press keypad keys one by one with real touches."""
        keypad = (screen or self.screen()).ids[keypad_id]
        for char in text:
            key = next(k for k in keypad.children if k.key == char)
            self.tap(key)

    def texts(self, root=None) -> str:
        root = root or self.app.root
        return "\n".join(w.text for w in root.walk(restrict=True) if isinstance(w, Label) and visible(w))

    def shot(self, name: str) -> Path:
        self.pump(3)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.app.root.export_to_png(str(path))
        return path

    def assert_touch_targets(self) -> None:
        """Every visible button is at least 15 mm in both directions."""
        small = [(getattr(b, "text", "")[:20], round(b.width), round(b.height)) for b in self.buttons()
                 if b.height < mm(15) - 0.5 or b.width < mm(15) - 0.5]
        assert not small, f"touch targets under 15 mm ({mm(15):.0f}px): {small}"

    def resize(self, size) -> None:
        Window.size = size
        self.pump(6)


@pytest.fixture
def make_kiosk(svc):
    """Start the kiosk on the test service with a fake printer and a fake camera."""
    started = []

    def start(size=PORTRAIT, **settings) -> Kiosk:
        Window.size = size
        printer = FakePrinter()
        box = {}

        def camera_factory(on_scan, on_status, on_rejected):
            box["camera"] = FakeCamera(on_scan, on_status, on_rejected)
            return box["camera"]

        app = KioskApp(svc, KioskSettings(**settings), printer, camera_factory, clock=svc.clock)
        app._run_prepare()
        started.append(app)
        k = Kiosk(app, svc, printer, box)
        k.until(lambda: app.office_name, what="office loaded")
        return k

    yield start
    for app in started:
        app.dispatch("on_stop")
        for child in list(Window.children):
            Window.remove_widget(child)
        App._running_app = None
    EventLoop.idle()


@pytest.fixture
def kiosk(make_kiosk) -> Kiosk:
    return make_kiosk()
