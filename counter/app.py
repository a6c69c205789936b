"""The counter App: wires the office service, the staff login and the A4 printer to the screens,
on the shared App shell (uikit.app: kv, screens, workers, texts, notice, hub light and probe,
keyboard-wedge scanner).

State lives in the screens; the App holds who is logged in at which counter, the actions waiting
to be re-sent with their idempotency keys while the hub is unreachable (a red banner), the live
feed, and the keyboard: F1–F7 for queue actions, Ctrl+1…7 for the screens (Ctrl+8: the admin
screen, for office admins), Ctrl+Enter submits, a keyboard-wedge scanner burst opens a receipt.
Service calls, PDF rendering and printing run on workers; results come back through Clock.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter as CountOf
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, DictProperty, ListProperty, ObjectProperty
from kivy.uix.behaviors import FocusBehavior

from counter.screens.admin import OfficeAdminScreen
from counter.screens.late import LateScreen
from counter.screens.login import LoginScreen
from counter.screens.online import OnlineScreen
from counter.screens.process import ProcessScreen
from counter.screens.queue import QueueScreen
from counter.screens.receive import ReceiveScreen
from counter.screens.reports import ReportsScreen
from counter.screens.returns import ReturnScreen
from counter.widgets import CButton, CounterRoot, ItemButton  # noqa: F401  (kv rules name them)
from devices.decoders import Scan
from office.errors import DomainError
from office.model import Actor, Counter
from office.port import OfficePort
from uikit.app import DENIED, ENTER_KEYS, UNAVAILABLE, OfficeApp, run_app

KV = Path(__file__).resolve().parent.parent / "assets" / "kv" / "counter"
KV_FILES = ("widgets.kv", "login.kv", "queue.kv", "receive.kv", "process.kv", "late.kv", "returns.kv",
            "reports.kv", "online.kv", "admin.kv", "root.kv")
SCREENS = {"login": LoginScreen, "queue": QueueScreen, "receive": ReceiveScreen, "process": ProcessScreen,
           "late": LateScreen, "return": ReturnScreen, "reports": ReportsScreen, "online": OnlineScreen,
           "admin": OfficeAdminScreen}
NAV = ("queue", "receive", "process", "late", "return", "reports", "online")  # Ctrl+1 … Ctrl+7
ADMIN_KEY = ord("8")  # Ctrl+8: the admin screen
QUEUE_KEYS = {282: "call_next", 283: "recall", 284: "serve", 285: "finish", 286: "no_show",
              287: "transfer", 288: "toggle_pause"}  # F1 … F7
BANNERS = {UNAVAILABLE: "banner.hub_down", DENIED: "banner.denied"}
LARGE_SCREEN, LARGE_TEXT = (1800, 1000), 1.25  # a full-HD desk screen: text a quarter larger
log = logging.getLogger("counter")


class CounterApp(OfficeApp):
    """The counter staff app."""

    actor = ObjectProperty(None, allownone=True)
    counter = ObjectProperty(None, allownone=True)
    waiting = DictProperty({})  # service code → people waiting
    waiting_list = ListProperty([])  # today's waiting tickets, in issue order
    is_admin = BooleanProperty(False)  # the staff member logged in administers the office
    title = "Một cửa – Quầy"
    kv_folder, kv_files, screen_classes = KV, KV_FILES, SCREENS
    text_prefix = "counter-"
    invalid_scan_key = "process.none"
    notice_seconds = 5.0

    def __init__(self, service: OfficePort, printer, *, counter_id: int | None = None,
                 live_feed: bool = False, clock: Callable[[], datetime] = datetime.now,
                 export_dir: Path | None = None, poll_seconds: float = 3.0, **kw):
        """`service`: the office port (an embedded OfficeGateway or a HubClient; staff log in
        through it); `printer`: the A4 printer port; `live_feed`: follow the hub's feed."""
        super().__init__(service, clock=clock, worker_prefix="counter", **kw)
        self.printer = printer
        self.preset_counter = counter_id
        self.live_feed = live_feed
        self.hub_ok_state = "ok" if live_feed else "local"
        self.export_dir = export_dir or Path.cwd() / "reports"
        self.poll_seconds = poll_seconds
        self.username = ""
        self.services: dict = {}
        self.counters: list[Counter] = []
        self.pending: dict[str, tuple[str, Callable[[], None]]] = {}
        self._counting = False
        self._feed_stop = threading.Event()
        self._fontscale = 1.0

    # ---- wiring --------------------------------------------------------------------------------

    def make_root(self):
        """Header, banner, navigation and the screens (root.kv)."""
        return CounterRoot()

    def on_start(self):
        """The shell (office identity, clock, keyboard, hub light), then counters, services and
        live waiting counts."""
        super().on_start()
        self._fontscale = Metrics.fontscale
        Window.bind(size=self._fit_text)
        self._fit_text(Window, Window.size)
        self._load_catalogue()
        self.every(self.poll_seconds if not self.live_feed else 15.0, lambda dt: self.refresh_waiting())
        if self.live_feed:
            threading.Thread(target=self._follow_feed, daemon=True, name="counter-feed").start()

    def on_stop(self):
        """Stop the feed thread, then the shell's timers and workers."""
        self._feed_stop.set()
        Window.unbind(size=self._fit_text)
        Metrics.fontscale = self._fontscale
        super().on_stop()

    def _fit_text(self, window, size) -> None:
        """Larger text on a full-HD screen (boxes keep their size; the kv sizes leave room)."""
        large = size[0] >= LARGE_SCREEN[0] and size[1] >= LARGE_SCREEN[1]
        Metrics.fontscale = self._fontscale * (LARGE_TEXT if large else 1.0)

    def _load_catalogue(self) -> None:
        """The office's counters (for the login screen) and services (for names)."""
        self.call_service(self.service.counters, self.counters_loaded, lambda e: None)
        self.call_service(self.service.services, lambda s: setattr(self, "services", {x.code: x for x in s}),
                          lambda e: None)

    def counters_loaded(self, counters) -> None:
        """The counters to log in at."""
        self.counters = list(counters)
        self.screen("login").set_counters(self.counters, self.preset_counter)

    # ---- language, navigation ------------------------------------------------------------------

    def toggle_lang(self) -> None:
        """Switch between Vietnamese and English."""
        self.lang = "en" if self.lang == "vi" else "vi"
        self._update_banner()

    def go(self, name: str) -> None:
        """Show a screen (only the login screen until someone is logged in; the admin screen only
        for an office admin)."""
        if (self.actor is None and name != "login") or (name == "admin" and not self.is_admin):
            return
        super().go(name)

    def domain_text(self, error: DomainError) -> str:
        """In English, the translated sentence followed by the office's own (Vietnamese) detail:
        staff need to know exactly which rule said no."""
        text = super().domain_text(error)
        return text if self.lang == "vi" or not error.message else f"{text} ({error.message})"

    # ---- staff session -------------------------------------------------------------------------

    def logged_in(self, username: str, actor: Actor, counter: Counter) -> None:
        """A staff member logged in at a counter: open the queue console."""
        self.username, self.actor, self.counter = username, actor, counter
        self.root.logged_in = True
        self.refresh_waiting()
        self.go("queue")
        self.screen("queue").pick_up_current()
        self.call_service(self.service.office_settings, lambda _: setattr(self, "is_admin", True),
                          lambda e: None)  # answered for an office admin only (else Forbidden)

    def logout(self) -> None:
        """End the staff session (on the hub too) and go back to the login screen."""
        self.call_service(self.service.logout, lambda _: None, lambda e: None)
        for screen in self.root.ids.sm.screens:
            screen.clear()
        self.actor = self.counter = None
        self.is_admin = False
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
        """Waiting tickets, listed and counted per service (the feed or the poll timer calls this)."""
        if self.actor is None or self._counting:
            return
        self._counting = True

        def listed(tickets):
            self._counting = False
            self.waiting_list = list(tickets)
            self.waiting = dict(CountOf(t.service_code for t in tickets))

        def failed(_):
            self._counting = False

        self.call_service(self.service.waiting_tickets, listed, failed)

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
            Clock.schedule_once(lambda dt, error=e: self.hub_failed(error))

    # ---- pending re-sends while the hub is unreachable -----------------------------------------

    def retry_when_back(self, key: str, label: str, action: Callable[[], None]) -> None:
        """Re-run `action` (which re-sends its idempotency key) once the hub answers again."""
        self.pending[key] = (label, action)
        self._update_banner()

    def forget_pending(self, key: str) -> None:
        """The action went through (or the user changed it): nothing to re-send."""
        self.pending.pop(key, None)
        self._update_banner()

    def hub_back(self) -> None:
        """The hub answers again: load what it could not give at the start, re-send what waits."""
        super().hub_back()
        if not self.counters or not self.services:
            self._load_catalogue()
        pending, self.pending = self.pending, {}
        for _, action in pending.values():
            action()

    def hub_changed(self) -> None:
        """The banner follows the hub's health."""
        self._update_banner()

    def _update_banner(self) -> None:
        key = BANNERS.get(self.root.hub_problem)
        if key is None:
            self.root.banner = ""
            return
        waiting = ", ".join(label for label, _ in self.pending.values())
        self.root.banner = self.t(key) + (self.t("banner.pending", what=waiting) if waiting else "")

    # ---- printing ------------------------------------------------------------------------------

    def print_forms(self, forms: list[tuple[str, Callable[[], bytes]]], on_done, on_error) -> None:
        """Render each (title, make_pdf) and send it to the A4 printer, on the device worker;
        `on_done(places)` gets where each went."""
        def job():
            return [self.printer.print_pdf(make_pdf(), title) for title, make_pdf in forms]

        self.device_worker.run(job, on_done, on_error)

    # ---- keyboard and scanner ------------------------------------------------------------------

    def on_key(self, key: int, codepoint: str | None, modifiers: list) -> bool:
        """Ctrl+1…7 screens, Ctrl+8 admin, Ctrl+Enter submits, F1–F7 queue actions (once someone is
        logged in)."""
        if self.actor is None:
            return False
        if "ctrl" in modifiers and key == ADMIN_KEY:
            self.go("admin")
            return True
        if "ctrl" in modifiers and ord("1") <= key < ord("1") + len(NAV):
            self.go(NAV[key - ord("1")])
            self.screen().focus_first()  # at once: the next key typed must land in it
            return True
        if "ctrl" in modifiers and key in ENTER_KEYS:
            self.screen().submit()
            return True
        if key in QUEUE_KEYS:
            self.go("queue")
            self.screen("queue").action(QUEUE_KEYS[key])
            return True
        return False

    def wedge_listening(self) -> bool:
        """Scanner bursts count once someone is logged in and nothing has the keyboard focus (a
        field, a dropdown, a checkbox)."""
        return self.actor is not None and not any(
            isinstance(w, FocusBehavior) and w.focus for w in self.root.walk(restrict=True))

    def handle_scan(self, scan: Scan) -> None:
        """A receipt opens on the screen shown if it takes it, else on the process screen; a
        citizen's chip ID card fills the reception form."""
        if scan.kind == "id_card":
            self.go("receive")
            self.screen("receive").fill_from_card(scan.card)
        elif scan.kind != "dossier":
            self.show_notice(self.t(self.invalid_scan_key))
        elif not self.screen().on_scan(scan):
            self.go("process")
            self.screen("process").on_scan(scan)


def run_counter(service: OfficePort, printer, counter_id: int | None, live_feed: bool,
                exit_after_start: bool = False) -> None:
    """Open the counter window (blocks until it is closed). `exit_after_start` stops after the
    first frames with the office loaded (a smoke check)."""
    app = CounterApp(service, printer, counter_id=counter_id, live_feed=live_feed)
    if exit_after_start:
        def check(dt):
            if app.root is not None and app.root.office_name:
                print("counter ready", flush=True)
                app.stop()
                return False

        Clock.schedule_interval(check, 0.1)
    run_app(app)
