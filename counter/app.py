"""The counter App: wires the office service, the staff login and the A4 printer to the screens.

State lives in the screens; the App holds who is logged in at which counter, the hub's health
(a red banner while it is unreachable, with actions waiting to be re-sent with their idempotency
keys) and the keyboard: F1–F7 for queue actions, Ctrl+1…6 for the screens, Ctrl+Enter submits,
a keyboard-wedge scanner burst opens a receipt. Service calls, PDF rendering and printing run on
workers; results come back through Clock.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition
from kivy.uix.textinput import TextInput

from counter.screens.late import LateScreen
from counter.screens.login import LoginScreen
from counter.screens.process import ProcessScreen
from counter.screens.queue import QueueScreen
from counter.screens.receive import ReceiveScreen
from counter.screens.reports import ReportsScreen
from counter.screens.returns import ReturnScreen
from counter.widgets import CButton, ItemButton  # noqa: F401  (kv rules name them)
from hub.client import HubUnavailable
from devices.decoders import validate
from devices.wedge import WedgeDetector
from office.model import Actor, Counter
from office.errors import DomainError
from uikit.i18n import Texts
from uikit.worker import Worker

KV = Path(__file__).resolve().parent.parent / "assets" / "kv" / "counter"
KV_FILES = ("widgets.kv", "login.kv", "queue.kv", "receive.kv", "process.kv", "late.kv", "returns.kv",
            "reports.kv", "root.kv")
SCREENS = {"login": LoginScreen, "queue": QueueScreen, "receive": ReceiveScreen, "process": ProcessScreen,
           "late": LateScreen, "return": ReturnScreen, "reports": ReportsScreen}
NAV = ("queue", "receive", "process", "late", "return", "reports")  # Ctrl+1 … Ctrl+6
QUEUE_KEYS = {282: "call_next", 283: "recall", 284: "serve", 285: "finish", 286: "no_show",
              287: "transfer", 288: "toggle_pause"}  # F1 … F7
ENTER_KEYS = (13, 271)
PROBE_SECONDS = 2.0
log = logging.getLogger("counter")


class CounterRoot(BoxLayout):
    """Header (office, counter, staff, services, pause, hub), banner, navigation, screens (root.kv)."""

    office_name = StringProperty("")
    clock_text = StringProperty("")
    hub_state = StringProperty("ok")  # ok | local | bad
    logged_in = BooleanProperty(False)
    banner = StringProperty("")
    notice = StringProperty("")


class CounterApp(App):
    """The counter staff app."""

    lang = StringProperty("vi")
    actor = ObjectProperty(None, allownone=True)
    counter = ObjectProperty(None, allownone=True)
    waiting = DictProperty({})
    title = "Một cửa – Quầy"

    def __init__(self, service, login: Callable[[str, str], Actor], printer, *, counter_id: int | None = None,
                 live_feed: bool = False, clock: Callable[[], datetime] = datetime.now,
                 export_dir: Path | None = None, poll_seconds: float = 3.0, **kw):
        """`service`: OfficeService or HubClient; `login(username, pin)` → Actor (HubClient.login or
        LocalStaffLogin); `printer`: the A4 printer port; `live_feed`: follow the hub's feed."""
        super().__init__(**kw)
        self.service = service
        self.login_fn = login
        self.printer = printer
        self.preset_counter = counter_id
        self.live_feed = live_feed
        self.clock = clock
        self.export_dir = export_dir or Path.cwd() / "reports"
        self.poll_seconds = poll_seconds
        self.texts = Texts(prefix="counter-")
        self.username = ""
        self.services: dict = {}
        self.counters: list[Counter] = []
        self.service_worker = Worker("counter-service")
        self.device_worker = Worker("counter-device")
        self.probe_worker = Worker("counter-probe")
        self.wedge = WedgeDetector()
        self.pending: dict[str, tuple[str, Callable[[], None]]] = {}
        self._probing = False
        self._counting = False
        self._events: list = []
        self._feed_stop = threading.Event()
        self._notice_event = None

    # ---- wiring --------------------------------------------------------------------------------

    def build(self):
        """Load the kv files and create the screens."""
        for name in KV_FILES:
            Builder.unload_file(str(KV / name))
            Builder.load_file(str(KV / name))
        root = CounterRoot()
        sm = root.ids.sm
        sm.transition = NoTransition()
        for name, cls in SCREENS.items():
            sm.add_widget(cls(name=name))
        sm.current = "login"
        return root

    def on_start(self):
        """Office identity and counters, clock, keyboard, live waiting counts."""
        Window.bind(on_key_down=self._on_key_down)
        self.root.hub_state = "ok" if self.live_feed else "local"
        self.call_service(self.service.office, lambda o: setattr(self.root, "office_name", o["name"]),
                          lambda e: None)
        self.call_service(self.service.counters, self._counters_loaded, lambda e: None)
        self.call_service(self.service.services, lambda s: setattr(self, "services", {x.code: x for x in s}),
                          lambda e: None)
        self._events = [Clock.schedule_interval(self._tick, 1.0),
                        Clock.schedule_interval(lambda dt: self._poll_wedge(), 0.05),
                        Clock.schedule_interval(lambda dt: self.refresh_waiting(),
                                                self.poll_seconds if not self.live_feed else 15.0),
                        Clock.schedule_interval(lambda dt: self._probe(), PROBE_SECONDS)]
        self._tick(0)
        if self.live_feed:
            threading.Thread(target=self._follow_feed, daemon=True, name="counter-feed").start()

    def on_stop(self):
        """Stop timers, the feed thread and the workers."""
        Window.unbind(on_key_down=self._on_key_down)
        self._feed_stop.set()
        for event in self._events:
            event.cancel()
        for worker in (self.service_worker, self.device_worker, self.probe_worker):
            worker.shutdown()

    def _counters_loaded(self, counters) -> None:
        self.counters = list(counters)
        self.root.ids.sm.get_screen("login").set_counters(self.counters, self.preset_counter)

    # ---- texts, navigation ---------------------------------------------------------------------

    def t(self, key: str, _lang: str | None = None, **values) -> str:
        """A text in the current language (`_lang` only makes kv re-evaluate on a switch)."""
        return self.texts.get(key, self.lang, **values)

    def toggle_lang(self) -> None:
        """Switch between Vietnamese and English."""
        self.lang = "en" if self.lang == "vi" else "vi"

    def go(self, name: str) -> None:
        """Show a screen (only the login screen until someone is logged in)."""
        if self.actor is None and name != "login":
            return
        self.root.ids.sm.current = name

    def screen(self, name: str | None = None):
        """A screen by name, or the one shown."""
        sm = self.root.ids.sm
        return sm.get_screen(name) if name else sm.current_screen

    def today(self) -> date:
        """The counter's current date."""
        return self.clock().date()

    def _tick(self, dt) -> None:
        self.root.clock_text = f"{self.clock():%H:%M  %d/%m/%Y}"

    def show_notice(self, text: str, seconds: float = 5.0) -> None:
        """A short message under the header."""
        self.root.notice = text
        if self._notice_event is not None:
            self._notice_event.cancel()
        self._notice_event = Clock.schedule_once(lambda dt: setattr(self.root, "notice", ""), seconds)

    # ---- staff session -------------------------------------------------------------------------

    def logged_in(self, username: str, actor: Actor, counter: Counter) -> None:
        """A staff member logged in at a counter: open the queue console."""
        self.username, self.actor, self.counter = username, actor, counter
        self.root.logged_in = True
        self.refresh_waiting()
        self.go("queue")
        self.screen("queue").pick_up_current()

    def logout(self) -> None:
        """End the staff session (on the hub too) and go back to the login screen."""
        logout = getattr(self.service, "logout", None)
        if logout is not None:
            self.call_service(logout, lambda _: None, lambda e: None)
        for screen in self.root.ids.sm.screens:
            screen.clear()
        self.actor = self.counter = None
        self.username = ""
        self.root.logged_in = False
        self.root.ids.sm.current = "login"

    def reload_counter(self) -> None:
        """Read this counter's pause state again."""
        if self.counter is None:
            return
        counter_id = self.counter.id

        def loaded(counters):
            self.counters = list(counters)
            self.counter = next((c for c in counters if c.id == counter_id), self.counter)

        self.call_service(self.service.counters, loaded, lambda e: None)

    def refresh_waiting(self) -> None:
        """Waiting tickets per service (the feed or the poll timer calls this)."""
        if self.actor is None or self._counting:
            return
        self._counting = True

        def counted(counts):
            self._counting = False
            self.waiting = counts

        def failed(_):
            self._counting = False

        self.call_service(self.service.waiting_counts, counted, failed)

    def _follow_feed(self) -> None:
        """Hub mode: every queue or counter event refreshes the waiting counts at once."""
        try:
            for event in self.service.feed(stop=self._feed_stop):
                if event.kind.startswith(("ticket", "counter", "waiting")):
                    Clock.schedule_once(lambda dt: self.refresh_waiting())
                elif event.kind.startswith("device"):
                    data = event.data if isinstance(event.data, dict) else {}
                    text = f"{data.get('device', '')}: {data.get('message') or data.get('problem', '')}"
                    Clock.schedule_once(lambda dt, text=text: self.show_notice(text, 15.0))
        except DomainError as e:  # refused credentials: the feed stops, polling goes on
            log.error("hub feed refused: %s", e)

    # ---- service calls, hub health, pending retries --------------------------------------------

    def call_service(self, fn, on_done, on_error) -> None:
        """Run a service call on the service worker; an unreachable hub shows the red banner."""
        def done(result):
            if self.root.hub_state == "bad":
                self._hub_back()
            on_done(result)

        def failed(error):
            if isinstance(error, HubUnavailable):
                self._hub_lost()
            elif not isinstance(error, DomainError):
                log.error("service call failed: %r", error)
            on_error(error)

        self.service_worker.run(fn, done, failed)

    def retry_when_back(self, key: str, label: str, action: Callable[[], None]) -> None:
        """Re-run `action` (which re-sends its idempotency key) once the hub answers again."""
        self.pending[key] = (label, action)
        self._update_banner()

    def forget_pending(self, key: str) -> None:
        """The action went through (or the user changed it): nothing to re-send."""
        self.pending.pop(key, None)
        self._update_banner()

    def _hub_lost(self) -> None:
        self.root.hub_state = "bad"
        self._update_banner()

    def _hub_back(self) -> None:
        self.root.hub_state = "ok" if self.live_feed else "local"
        pending, self.pending = self.pending, {}
        for _, action in pending.values():
            action()
        self._update_banner()

    def _update_banner(self) -> None:
        if self.root.hub_state != "bad":
            self.root.banner = ""
            return
        waiting = ", ".join(label for label, _ in self.pending.values())
        self.root.banner = self.t("banner.hub_down") + (self.t("banner.pending", what=waiting) if waiting else "")

    def _probe(self) -> None:
        """While the hub is unreachable, ask it every few seconds whether it is back."""
        if self.root.hub_state != "bad" or self._probing:
            return
        self._probing = True

        def done(_):
            self._probing = False
            self._hub_back()

        def failed(_):
            self._probing = False

        self.probe_worker.run(self.service.office, done, failed)

    # ---- printing ------------------------------------------------------------------------------

    def print_forms(self, forms: list[tuple[str, Callable[[], bytes]]], on_done, on_error) -> None:
        """Render each (title, make_pdf) and send it to the A4 printer, on the device worker;
        `on_done(places)` gets where each went."""
        def job():
            return [self.printer.print_pdf(make_pdf(), title) for title, make_pdf in forms]

        self.device_worker.run(job, on_done, on_error)

    # ---- keyboard and scanner ------------------------------------------------------------------

    def _typing_in_field(self) -> bool:
        return any(isinstance(w, TextInput) and w.focus for w in self.root.walk(restrict=True))

    def _on_key_down(self, window, key, scancode, codepoint, modifiers) -> bool:
        if key == 27:  # Escape never closes the app
            return True
        if self.actor is None:
            return False
        if "ctrl" in modifiers and ord("1") <= key < ord("1") + len(NAV):
            self.go(NAV[key - ord("1")])
            return True
        if "ctrl" in modifiers and key in ENTER_KEYS:
            self.screen().submit()
            return True
        if key in QUEUE_KEYS:
            self.go("queue")
            self.screen("queue").action(QUEUE_KEYS[key])
            return True
        if not self._typing_in_field():
            char = "\r" if key in ENTER_KEYS else codepoint
            if char:
                self._wedge_events(self.wedge.feed(char, time.monotonic()))
        return False

    def _poll_wedge(self) -> None:
        self._wedge_events(self.wedge.poll(time.monotonic()))

    def _wedge_events(self, events) -> None:
        for kind, text in events:
            if kind != "scan":
                continue
            scan = validate("keyboard", text)
            if scan is None or scan.kind != "dossier":
                self.show_notice(self.t("process.none"))
            elif not self.screen().on_scan(scan):
                self.go("process")
                self.screen("process").on_scan(scan)


def run_counter(service, login, printer, counter_id: int | None, live_feed: bool,
                exit_after_start: bool = False) -> None:
    """Open the counter window (blocks until it is closed). `exit_after_start` stops after the
    first frames with the office loaded (a smoke check)."""
    app = CounterApp(service, login, printer, counter_id=counter_id, live_feed=live_feed)
    if exit_after_start:
        def check(dt):
            if app.root is not None and app.root.office_name:
                print("counter ready", flush=True)
                app.stop()
                return False

        Clock.schedule_interval(check, 0.1)
    app.run()
