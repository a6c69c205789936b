"""Headless Kivy (offscreen SDL2) harness shared by the app tests: a real window, real touches,
key presses and screenshots. Importing it sets the environment, so import it before kivy.

Imported as `kivy_support` (not from `conftest`: several conftest.py files share that name)."""
from __future__ import annotations

import os
import socket
import tempfile
import time
from collections import deque
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "offscreen"
os.environ["KIVY_WINDOW"] = "sdl2"
os.environ["KIVY_NO_ARGS"] = "1"
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ["KIVY_LOG_MODE"] = "MIXED"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"

from kivy.base import EventLoop  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402
from kivy.uix.label import Label  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def dead_hub_url() -> str:
    """An address on 127.0.0.1 where nothing listens (a port bound, then closed): a hub that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def assert_no_leak(texts: str, url: str) -> None:
    """Nothing of a failure's insides is on screen: no address, exception text or translation key."""
    from urllib.parse import urlparse

    for leak in ("http", "127.0.0.1", f":{urlparse(url).port}", "error.", "Error", "Traceback", "hub_"):
        assert leak not in texts, f"{leak!r} is on screen:\n{texts}"


def close_app(app) -> None:
    """Stop an app started with `_run_prepare()` and clear the shared window for the next test."""
    from kivy.app import App

    app.dispatch("on_stop")
    for child in list(Window.children):
        Window.remove_widget(child)
    App._running_app = None


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


class Driver:
    """Drives a running Kivy app: frames, waiting for its workers, touches, texts, screenshots.

    Subclasses say which workers to wait for (`workers`) and where screenshots go (`area`)."""

    area = "app"

    def __init__(self, app):
        self.app = app

    @property
    def workers(self) -> list:
        """The app's background workers (`until` waits for them to be idle)."""
        return []

    def pump(self, frames: int = 3) -> None:
        for _ in range(frames):
            EventLoop.idle()

    def until(self, predicate, timeout: float = 8.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            EventLoop.idle()
            if predicate() and all(w.idle for w in self.workers):
                self.pump(2)
                return
        raise AssertionError(f"timed out waiting for {what or predicate}")

    def settle(self) -> None:
        self.until(lambda: True, what="workers to finish")
        self.pump(4)

    def tap(self, widget, times: int = 1) -> None:
        """Touch `widget` (`times` touches in the same frame: a double click that nothing the
        first one started can answer in between)."""
        assert visible(widget), f"{widget!r} ({getattr(widget, 'text', '')!r}) is not visible"
        x, y = widget.to_window(*widget.center)
        for _ in range(times):
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
        have = [getattr(b, "text", "") for b in self.buttons(root)]
        raise AssertionError(f"no visible button with {text!r}; have {have}")

    def tap_text(self, text: str) -> None:
        self.tap(self.button(text))

    def texts(self, root=None) -> str:
        root = root or self.app.root
        return "\n".join(w.text for w in root.walk(restrict=True) if isinstance(w, Label) and visible(w))

    def shot(self, name: str) -> Path:
        self.pump(3)
        folder = ARTIFACTS / self.area
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        self.app.root.export_to_png(str(path))
        return path

    def resize(self, size) -> None:
        Window.size = size
        self.pump(6)


def press(key: int | None = None, char: str | None = None, modifiers=()) -> None:
    """A key press on the window, as a keyboard (or a keyboard-wedge scanner) sends it."""
    Window.dispatch("on_key_down", key or ord(char), 0, char, list(modifiers))
    Window.dispatch("on_key_up", key or ord(char), 0)


class QueuedKeys:
    """Key presses waiting in the window system's queue, each with the moment it was pressed (a
    wedge scanner's burst): the SDL2 window takes them when it drains its queue, exactly as it
    takes real key presses, so an app that is busy handles them late. Wrap the window's event
    source (under the app's key clock) with `QueuedKeys.install(app)`."""

    def __init__(self, source):
        self.source = source
        self.waiting: deque = deque()
        self.taken = 0  # key presses taken by the window so far
        self.busy_after: tuple[int, float] | None = None

    def busy(self, after_keys: int, seconds: float) -> None:
        """Make the app busy for `seconds` (a slow frame) once the window has taken `after_keys` keys."""
        self.busy_after = (after_keys, seconds)

    @classmethod
    def install(cls, app) -> QueuedKeys:
        queue = cls(app.keys._source)
        app.keys._source = queue
        return queue

    def uninstall(self, app) -> None:
        app.keys._source = self.source

    def __getattr__(self, name):
        return getattr(self.source, name)

    def type(self, text: str, start: float, gap: float = 0.004) -> None:
        """`text` then Enter, a key every `gap` seconds from `start` (time.monotonic())."""
        for i, char in enumerate(list(text) + ["\r"]):
            key = 13 if char == "\r" else ord(char)
            self.waiting.append((start + i * gap, ("keydown", 0, key, 0, char)))
            self.waiting.append((start + i * gap + gap / 2, ("keyup", 0, key, 0, char)))

    def poll(self):
        if self.waiting and self.waiting[0][0] <= time.monotonic():
            event = self.waiting.popleft()[1]
            self.taken += event[0] == "keydown"
            if self.busy_after and self.taken == self.busy_after[0]:
                Clock.schedule_once(lambda dt, s=self.busy_after[1]: time.sleep(s))
                self.busy_after = None
            return event
        return self.source.poll()


def run_frames(seconds: float) -> None:
    """The app's main loop for `seconds`: a frame (clock, input, drawing), then the window's queue
    drained, again and again — as App.run() does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        EventLoop.idle()
        Window.mainloop()
