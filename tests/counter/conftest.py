"""Counter test harness: the shared headless Kivy driver (tests/kivy_support.py) on a real test
office — embedded (OfficeGateway on the store) or through a real hub on 127.0.0.1 — with a
recording A4 printer. Screenshots at 1366×768 land in test-artifacts/counter/."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest  # noqa: E402
from kivy.base import EventLoop  # noqa: E402
from kivy.config import Config  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy_support import Driver, close_app, dead_hub_url, press  # noqa: F401  (sets the headless environment first)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub"))  # the hub tests' office helpers
from hub_support import STAFF, make_office  # noqa: E402

from counter.app import CounterApp  # noqa: E402
from devices.a4printer import RecordingA4Printer  # noqa: E402
from hub.client import HubClient  # noqa: E402
from hub.server import start_hub_thread  # noqa: E402

Config.set("kivy", "exit_on_escape", "0")
EventLoop.ensure_window()
DESK = (1366, 768)
USER, PIN = "bich.tt", STAFF["bich.tt"][1]


class Desk(Driver):
    """Drives a running CounterApp at a desk: touches, keys, typed fields."""

    area = "counter"

    def __init__(self, app: CounterApp, office, printer):
        super().__init__(app)
        self.office, self.svc, self.printer = office, office.svc, printer

    @property
    def workers(self) -> list:
        return [self.app.service_worker, self.app.device_worker]

    def screen(self, name: str | None = None):
        return self.app.screen(name)

    def field(self, name: str, screen: str | None = None):
        return self.screen(screen).ids[name]

    def type(self, name: str, text: str, screen: str | None = None) -> None:
        """Focus a field and type into it (as the keyboard's text input does)."""
        field = self.field(name, screen)
        field.focus = True
        field.text = ""
        field.insert_text(text)
        self.pump(1)

    def enter(self, name: str, screen: str | None = None) -> None:
        """Enter in a single-line field."""
        field = self.field(name, screen)
        field.dispatch("on_text_validate")
        self.pump(1)

    def key(self, key: int, modifiers=()) -> None:
        """A key press with no text field focused (shortcuts)."""
        for w in self.app.root.walk(restrict=True):
            if getattr(w, "focus", False):
                w.focus = False
        press(key=key, modifiers=modifiers)
        self.pump(2)

    def login(self, username: str = USER, pin: str = PIN, counter: str = "Quầy 1") -> None:
        login = self.screen("login")
        self.until(lambda: login.counter_names, what="counters loaded")
        self.type("username", username, "login")
        self.type("pin", pin, "login")
        login.counter_choice = counter
        self.tap(self.field("login_button", "login"))
        self.until(lambda: self.app.actor is not None or login.notice, what="login answer")


@pytest.fixture
def make_desk(tmp_path, clock):
    """Start the counter app on a fresh test office: embedded, on a real hub ("hub"), or with a
    HubClient pointed at an address where no hub listens ("dead": no login, the red banner)."""

    started: list[tuple] = []

    def start(mode: str = "embedded", office=None, printer=None, login: bool = True) -> Desk:
        Window.size = DESK
        office = office or make_office(tmp_path / f"office-{len(started)}.db", clock)
        printer = printer if printer is not None else RecordingA4Printer()
        if mode in ("hub", "dead"):
            if mode == "hub":
                office.url, stop = start_hub_thread(office.svc)
                office.stops.append(stop)
            else:
                office.url, login = dead_hub_url(), False
            service = HubClient(office.url, office.tokens["quay-1"], retries=0)
            app = CounterApp(service, printer, live_feed=True, clock=clock,
                             export_dir=tmp_path / "exports")
        else:
            service = office.gateway("quay-1")
            app = CounterApp(service, printer, clock=clock, export_dir=tmp_path / "exports")
        app._run_prepare()
        started.append((app, office))
        desk = Desk(app, office, printer)
        if mode == "dead":
            desk.until(lambda: app.root.banner, what="the hub seen down")
        else:
            desk.until(lambda: app.root.office_name and app.counters, what="office loaded")
        if login:
            desk.login()
            assert app.actor is not None, desk.screen("login").notice
        return desk

    yield start
    for app, office in started:
        close_app(app)
        for stop in office.stops:
            stop()
        office.svc.store.close()
    EventLoop.idle()


@pytest.fixture
def desk(make_desk) -> Desk:
    return make_desk()
