"""The kiosk App: wires settings → device adapters → screens. State lives in the screens.

The office service is passed in (an OfficeService, or later the hub's HTTP client with the same
methods); the kiosk calls only its public port. Service calls and printing run on workers, the
camera on its own thread; results come back through Clock.
"""
from __future__ import annotations

import logging
import time
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.screenmanager import NoTransition

from kiosk.guards import TapGesture
from uikit.i18n import Texts
from kiosk.screens.admin import AdminScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.lookup import LookupScreen
from kiosk.screens.procedures import ProceduresScreen
from kiosk.screens.rate import RateScreen
from kiosk.screens.ticket import TicketScreen
from kiosk.settings import KioskSettings
from kiosk.widgets import KioskRoot
from uikit.worker import Worker
from devices import DeviceError
from devices.decoders import Scan, validate
from devices.printer import NoPrinter, Paper, PrintFailure, make_printer
from devices.ticket_render import TicketInfo
from devices.wedge import WedgeDetector
from office.errors import DomainError

KV = Path(__file__).resolve().parent.parent / "assets" / "kv" / "kiosk"
KV_FILES = ("widgets.kv", "home.kv", "lookup.kv", "ticket.kv", "rate.kv", "procedures.kv", "admin.kv",
            "root.kv")
SCREENS = {"home": HomeScreen, "lookup": LookupScreen, "ticket": TicketScreen, "rate": RateScreen,
           "procedures": ProceduresScreen, "admin": AdminScreen}
ENTER_KEYS = (13, 271)
log = logging.getLogger("kiosk")


def build_devices(settings: KioskSettings):
    """(printer, camera factory or None, problems) from the settings; a device that cannot be
    set up is replaced by its absence and reported, never a crash."""
    problems = []
    try:
        printer = make_printer(settings.printer, settings.printer_profile)
    except DeviceError as e:
        printer, problems = NoPrinter(), problems + [f"printer: {e}"]
    camera_factory = None
    if settings.camera != "none":
        try:
            from devices.camera import CameraScanner
            from devices.decoders import ScanPipeline, make_decoder

            pipeline = ScanPipeline(make_decoder(settings.decoder))

            def camera_factory(on_scan, on_status, on_rejected):
                return CameraScanner(settings.camera, pipeline, on_scan, on_status, on_rejected,
                                     debounce_s=settings.scan_debounce_s)
        except DeviceError as e:
            problems.append(f"camera: {e}")
    return printer, camera_factory, problems


class KioskApp(App):
    """The citizen kiosk."""

    lang = StringProperty("vi")
    title = "Một cửa – Kiosk"

    def __init__(self, service, settings: KioskSettings | None = None, printer=None,
                 camera_factory: Callable | None = None, clock: Callable[[], datetime] = datetime.now,
                 problems: tuple[str, ...] = (), **kw):
        """`service` has the OfficeService port; `camera_factory(on_scan, on_status, on_rejected)`
        makes a camera (CameraScanner or FakeCamera); `clock` gives local time."""
        super().__init__(**kw)
        self.service = service
        self.settings = settings or KioskSettings()
        self.printer = printer or NoPrinter()
        self.camera_factory = camera_factory
        self.camera = None
        self.clock = clock
        self.texts = Texts()
        self.lang = self.settings.language
        self.alerts: list[str] = list(problems)
        self.office_name = ""
        self.code_prefix = ""
        self.service_worker = Worker("kiosk-service")
        self.device_worker = Worker("kiosk-device")
        self.wedge = WedgeDetector(max_gap=self.settings.wedge_max_gap_s)
        self.gesture = TapGesture()
        self.last_activity = time.monotonic()
        self._events = []
        self._notice_event = None

    # ---- wiring ------------------------------------------------------------------------------

    def build(self):
        """Load the kv files and create the screens."""
        for name in KV_FILES:
            Builder.unload_file(str(KV / name))  # a second App in one process must not add rules twice
            Builder.load_file(str(KV / name))
        root = KioskRoot()
        sm = root.ids.sm
        sm.transition = NoTransition()  # instant: fewer frames between a scan and its result
        for name, cls in SCREENS.items():
            sm.add_widget(cls(name=name))
        return root

    def on_start(self):
        """Office identity, devices, clock, inactivity watch, keyboard-wedge input."""
        Window.bind(on_key_down=self._on_key_down, on_touch_down=self._on_touch,
                    on_request_close=lambda *a, **k: True)
        self.root.printer_state = "off" if isinstance(self.printer, NoPrinter) else "ok"
        self.call_service(self.service.office, self._office_loaded, lambda e: None)
        if self.camera_factory is not None:
            self.camera = self.camera_factory(self._camera_scan, self._camera_status, self._camera_rejected)
            self.camera.start()
        self._events = [Clock.schedule_interval(self._tick, 1.0),
                        Clock.schedule_interval(self._poll_wedge, 0.05),
                        Clock.schedule_interval(lambda dt: self.check_printer(), 60.0)]
        self._tick(0)
        self.check_printer()
        for problem in self.alerts:
            log.warning("device problem: %s", problem)

    def on_stop(self):
        """Release the camera and the workers; screens cancel their timers."""
        Window.unbind(on_key_down=self._on_key_down, on_touch_down=self._on_touch)
        for event in self._events:
            event.cancel()
        for screen in self.root.ids.sm.screens:
            screen.cancel_timers()  # no property changes here: kv's app proxy is being reset
        if self.camera is not None:
            self.camera.stop()
        self.service_worker.shutdown()
        self.device_worker.shutdown()

    def _office_loaded(self, office: dict) -> None:
        self.office_name = office["name"]
        self.root.office_name = office["name"]
        self.code_prefix = f"{office['agency_code']}-"

    # ---- navigation, language, inactivity ----------------------------------------------------

    def t(self, key: str, _lang: str | None = None, **values) -> str:
        """A text in the current language (`_lang` only makes kv re-evaluate on a switch)."""
        return self.texts.get(key, self.lang, **values)

    def set_lang(self, lang: str) -> None:
        """Switch the language of every screen."""
        self.lang = lang
        for screen in self.root.ids.sm.screens:
            screen.refresh()

    def go(self, name: str) -> None:
        """Show a screen."""
        self.root.ids.sm.current = name

    def go_home(self) -> None:
        """Back to the home screen, clearing everything shown."""
        for screen in self.root.ids.sm.screens:
            screen.clear()
        if self.camera is not None:
            self.camera.reset()
        self.go("home")

    def today(self) -> date:
        """The kiosk's current date."""
        return self.clock().date()

    def _tick(self, dt) -> None:
        self.root.clock_text = f"{self.clock():%H:%M  %d/%m/%Y}"
        idle = time.monotonic() - self.last_activity
        if idle >= self.settings.inactivity_s and (self.root.ids.sm.current != "home"
                                                    or self.lang != self.settings.language):
            self.go_home()
            self.set_lang(self.settings.language)

    def _on_touch(self, window, touch) -> bool:
        self.last_activity = time.monotonic()
        return False

    def secret_tap(self) -> None:
        """A tap on the office name; five quick taps open the admin PIN screen."""
        if self.gesture.tap(time.monotonic()):
            self.root.ids.sm.get_screen("admin").clear()
            self.go("admin")

    # ---- service and devices -----------------------------------------------------------------

    def call_service(self, fn, on_done, on_error) -> None:
        """Run a service call on the service worker; a non-domain failure marks the hub as down."""
        def done(result):
            self.root.hub_state = "ok"
            on_done(result)

        def failed(error):
            self.root.hub_state = "ok" if isinstance(error, DomainError) else "bad"
            if not isinstance(error, DomainError):
                log.error("service call failed: %r", error)
            on_error(error)

        self.service_worker.run(fn, done, failed)

    def print_ticket(self, info: TicketInfo, on_done, on_error) -> None:
        """Print on the device worker; failures and low paper alert staff."""
        def done(paper: Paper):
            self.root.printer_state = "warn" if paper == Paper.LOW else "ok"
            if paper == Paper.LOW:
                self.alert("paper_low", self.t("alert.paper_low"))
            on_done(paper)

        def failed(error):
            reason = error.reason if isinstance(error, PrintFailure) else "error"
            self.root.printer_state = "bad" if not isinstance(self.printer, NoPrinter) else "off"
            if not isinstance(self.printer, NoPrinter):
                self.alert(f"print_{reason}", self.t(f"alert.print_{reason}", number=info.number))
            on_error(error)

        self.device_worker.run(lambda: self.printer.print_ticket(info), done, failed)

    def print_sample(self, on_done, on_error) -> None:
        """Print a sample ticket (admin screen); no number is issued."""
        info = TicketInfo(self.office_name or "Một cửa", "A000", "In thử / Test print", (), self.clock(), 0, 0)
        self.print_ticket(info, on_done, on_error)

    def check_printer(self) -> None:
        """Refresh the printer health chip on the device worker."""
        if isinstance(self.printer, NoPrinter):
            return

        def done(paper: Paper):
            self.root.printer_state = {Paper.LOW: "warn", Paper.OUT: "bad"}.get(paper, "ok")

        self.device_worker.run(self.printer.status, done, lambda e: setattr(self.root, "printer_state", "bad"))

    def alert(self, problem: str, text: str) -> None:
        """Alert staff: sent to the office (counters see it on the hub feed), logged, and listed
        on the admin screen."""
        stamp = f"{self.clock():%H:%M} {text}"
        self.alerts.append(stamp)
        log.warning("staff alert: %s", text)
        self.service_worker.run(
            lambda: self.service.report_device_problem(problem, text),
            lambda _: None, lambda error: log.error("staff alert not delivered: %r", error))

    # ---- scans -------------------------------------------------------------------------------

    def _camera_scan(self, scan: Scan) -> None:
        Clock.schedule_once(lambda dt: self.handle_scan(scan))

    def _camera_status(self, available: bool) -> None:
        Clock.schedule_once(lambda dt: setattr(self.root, "camera_state", "ok" if available else "bad"))

    def _camera_rejected(self) -> None:
        Clock.schedule_once(lambda dt: self.show_notice("scan.invalid"))

    def handle_scan(self, scan: Scan) -> None:
        """A validated scan from the camera or the USB scanner goes to the screen shown."""
        self.last_activity = time.monotonic()
        sm = self.root.ids.sm
        screen = sm.current_screen
        if screen.busy or sm.current in ("ticket", "admin"):
            return
        if not screen.on_scan(scan):
            sm.get_screen("home").on_scan(scan)

    def show_notice(self, key: str, seconds: float = 4.0) -> None:
        """A short message over every screen."""
        self.root.notice = self.t(key)
        if self._notice_event is not None:
            self._notice_event.cancel()
        self._notice_event = Clock.schedule_once(lambda dt: setattr(self.root, "notice", ""), seconds)

    def _on_key_down(self, window, key, scancode, codepoint, modifiers) -> bool:
        self.last_activity = time.monotonic()
        if key == 27:  # Escape: the public cannot leave the kiosk
            return True
        char = "\r" if key in ENTER_KEYS else codepoint
        if char:
            self._wedge_events(self.wedge.feed(char, time.monotonic()))
        return False

    def _poll_wedge(self, dt) -> None:
        self._wedge_events(self.wedge.poll(time.monotonic()))

    def _wedge_events(self, events) -> None:
        screen = self.root.ids.sm.current_screen
        for kind, text in events:
            if kind == "scan":
                scan = validate("keyboard", text)
                if scan is None:
                    self.show_notice("scan.invalid")
                else:
                    self.handle_scan(scan)
            elif kind == "typed":
                screen.on_typed(text)
            else:
                screen.on_enter_key()


def run_kiosk(service, settings: KioskSettings, exit_after_start: bool = False) -> None:
    """Open the kiosk window with real devices from the settings (blocks until exit).

    `exit_after_start` prints "kiosk ready" once the office is loaded and a frame is drawn, then
    exits (the cold-start benchmark)."""
    printer, camera_factory, problems = build_devices(settings)
    app = KioskApp(service, settings, printer, camera_factory, problems=tuple(problems))
    if exit_after_start:
        frames = []

        def check(dt):
            frames.append(dt)
            if app.office_name and len(frames) >= 2:
                print("kiosk ready", flush=True)
                app.stop()
                return False

        Clock.schedule_interval(check, 0)
    app.run()
