"""The kiosk App: wires settings → device adapters → screens on the shared App shell
(uikit.app: kv, screens, workers, texts, notice, hub light, keyboard-wedge scanner). State lives
in the screens.

The office service is passed in (an OfficeService, or the hub's HTTP client with the same
methods); the kiosk calls only its public port. Service calls and printing run on workers, the
camera on its own thread; results come back through Clock.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import Metrics
from kivy.properties import NumericProperty, StringProperty

from devices import DeviceError
from devices.decoders import Scan
from devices.printer import NoPrinter, Paper, PrintFailure, make_printer
from devices.ticket_render import TicketInfo
from kiosk.guards import TapGesture
from kiosk.screens.admin import AdminScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.lookup import LookupScreen
from kiosk.screens.procedures import ProceduresScreen
from kiosk.screens.rate import RateScreen
from kiosk.screens.ticket import TicketScreen
from kiosk.settings import KioskSettings
from kiosk.voice import KioskVoice
from kiosk.widgets import KioskRoot
from uikit.app import OfficeApp, run_app

KV = Path(__file__).resolve().parent.parent / "assets" / "kv" / "kiosk"
KV_FILES = ("widgets.kv", "home.kv", "lookup.kv", "ticket.kv", "rate.kv", "procedures.kv", "admin.kv",
            "root.kv")
SCREENS = {"home": HomeScreen, "lookup": LookupScreen, "ticket": TicketScreen, "rate": RateScreen,
           "procedures": ProceduresScreen, "admin": AdminScreen}
WARN_S = 10  # the countdown before the inactivity reset is shown for these last seconds
LARGE_TEXT = 1.3  # the text scale of the large-text mode
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


class KioskApp(OfficeApp):
    """The citizen kiosk."""

    title = "Một cửa – Kiosk"
    scan_guide = StringProperty("")  # the camera's advice: "" or a devices.live.GUIDANCE key
    kv_folder, kv_files, screen_classes = KV, KV_FILES, SCREENS
    text_scale = NumericProperty(1.0)  # 1, or LARGE_TEXT in the large-text mode (scales every sp size)

    def __init__(self, service, settings: KioskSettings | None = None, printer=None,
                 camera_factory: Callable | None = None, clock: Callable[[], datetime] = datetime.now,
                 problems: tuple[str, ...] = (), voice=None, **kw):
        """`service` has the OfficeService port; `camera_factory(on_scan, on_status, on_rejected)`
        makes a camera (CameraScanner or FakeCamera); `clock` gives local time; `voice` speaks the
        guidance clips (KioskVoice, or a fake; none when the settings turn the voice off)."""
        self.settings = settings or KioskSettings()
        super().__init__(service, clock=clock, worker_prefix="kiosk", wedge_max_gap=self.settings.wedge_max_gap_s, **kw)
        self.printer = printer or NoPrinter()
        self.camera_factory = camera_factory
        self.camera = None
        self.lang = self.settings.language
        self.alerts: list = list(problems)  # set-up problems (text), then (time, text key, values)
        self.code_prefix = ""
        self.gesture = TapGesture()
        self.last_activity = time.monotonic()
        self.voice = voice or (KioskVoice() if self.settings.voice == "on" else None)
        self.quiet_until = 0.0  # touches before this (monotonic) time are ignored: no tap-through
        self.office_info: dict = {}
        self._fontscale = Metrics.fontscale

    # ---- wiring ------------------------------------------------------------------------------

    def make_root(self):
        """The status bar over the screens (root.kv)."""
        return KioskRoot()

    def on_start(self):
        """Devices, inactivity watch, a window that cannot be closed, then the shell."""
        Window.bind(on_touch_down=self._on_touch, on_request_close=self._refuse_close)
        # off: none configured; bad: configured but could not be set up (build_devices)
        no_printer = isinstance(self.printer, NoPrinter)
        self.root.printer_state = "ok" if not no_printer else "off" if self.settings.printer == "none" else "bad"
        self.root.camera_state = ("ok" if self.camera_factory is not None
                                  else "off" if self.settings.camera == "none" else "bad")
        self._printer_changed()
        self.root.ids.sm.bind(current=lambda *_: self.screen_changed())
        self.root.bind(printer_state=lambda *_: self._printer_changed())
        if self.camera_factory is not None:
            self.camera = self.camera_factory(self._camera_scan, self._camera_status, self._camera_rejected)
            self.camera.on_guidance, self.camera.on_error = self._camera_guidance, self._camera_error
            self.camera.start()
        super().on_start()
        self.every(60.0, lambda dt: self.check_printer())
        self.check_printer()
        for problem in self.alerts:
            log.warning("device problem: %s", problem)

    def on_stop(self):
        """Release the camera, then the shell's timers and workers."""
        Window.unbind(on_touch_down=self._on_touch, on_request_close=self._refuse_close)
        super().on_stop()
        if self.camera is not None:
            self.camera.stop()
        if self.voice is not None:
            self.voice.stop()
        Metrics.fontscale = self._fontscale

    @staticmethod
    def _refuse_close(*args, **kwargs) -> bool:
        return True  # the public cannot close the kiosk window

    def office_loaded(self, office: dict) -> None:
        """Office name in the status bar; the agency code completes typed dossier codes."""
        super().office_loaded(office)
        self.office_info = office
        self.code_prefix = f"{office['agency_code']}-"

    # ---- language, inactivity, admin gesture -------------------------------------------------

    def set_lang(self, lang: str) -> None:
        """Switch the language of every screen."""
        self.lang = lang
        self.root.notice = ""  # a passing notice was in the other language
        for screen in self.root.ids.sm.screens:
            screen.retell()
            screen.refresh()

    def toggle_large_text(self) -> None:
        """The large-text mode on or off."""
        self.text_scale = 1.0 if self.text_scale > 1 else LARGE_TEXT

    def on_text_scale(self, _, scale: float) -> None:
        """Every text size given in sp follows (kv re-evaluates them when Metrics change)."""
        Metrics.fontscale = self._fontscale * scale

    # ---- screen changes: guidance and no tap-through -----------------------------------------

    def screen_changed(self) -> None:
        """A screen or a step appeared: ignore touches for a moment (a second tap meant for the
        previous screen must not land on this one) and speak its guidance."""
        self.hold_touches()
        if self.root is not None:
            self.guide(self.screen().guide_name())

    def hold_touches(self) -> None:
        """Ignore touches for `touch_guard_s` (what is under the finger has just changed)."""
        self.quiet_until = time.monotonic() + self.settings.touch_guard_s

    def guide(self, step: str | None) -> None:
        """Speak the guidance clip of `step` (if the voice is on and there is a clip)."""
        if step and self.voice is not None:
            self.voice.say(step, self.lang)

    def accepting_touches(self) -> bool:
        """Whether a touch may act now: not just after a screen change, nor while the screen waits
        for an answer."""
        return time.monotonic() >= self.quiet_until and not self.screen().busy

    def go_home(self) -> None:
        """Back to the home screen, clearing everything shown."""
        for screen in self.root.ids.sm.screens:
            screen.clear()
        if self.camera is not None:
            self.camera.reset()
        self.go("home")

    def tick(self, dt) -> None:
        """The clock; in the last WARN_S seconds of `inactivity_s` without a touch a countdown
        ("touch to continue"), then home in the kiosk's language and normal text size."""
        super().tick(dt)
        left = self.settings.inactivity_s - (time.monotonic() - self.last_activity)
        away = (self.root.ids.sm.current != "home" or self.lang != self.settings.language
                or self.text_scale != 1.0)
        if not away or left > WARN_S:
            self.root.countdown = 0
        elif left > 0:
            if not self.root.countdown:
                self.guide("idle_warning")
            self.root.countdown = math.ceil(left)
        else:
            self.root.countdown = 0
            self.go_home()
            self.set_lang(self.settings.language)
            self.text_scale = 1.0

    def on_activity(self) -> None:
        """A key press keeps the session alive."""
        self.last_activity = time.monotonic()

    def _on_touch(self, window, touch) -> bool:
        """Every touch keeps the session; one on the countdown only dismisses it; touches right
        after a screen change or while the screen is busy are swallowed."""
        self.last_activity = time.monotonic()
        if self.root.countdown:
            self.root.countdown = 0
            return True
        return not self.accepting_touches()

    def secret_tap(self) -> None:
        """A tap on the office name; five quick taps open the admin PIN screen."""
        if self.gesture.tap(time.monotonic()):
            self.root.ids.sm.get_screen("admin").clear()
            self.go("admin")

    # ---- printer -----------------------------------------------------------------------------

    def print_ticket(self, info: TicketInfo, on_done, on_error) -> None:
        """Print on the device worker; failures and low paper alert staff."""
        def done(paper: Paper):
            self.root.printer_state = "warn" if paper == Paper.LOW else "ok"
            if paper == Paper.LOW:
                self.alert("paper_low", "alert.paper_low")
            on_done(paper)

        def failed(error):
            reason = error.reason if isinstance(error, PrintFailure) else "error"
            if not isinstance(self.printer, NoPrinter):
                self.root.printer_state = "bad"
                self.alert(f"print_{reason}", f"alert.print_{reason}", number=info.number)
            on_error(error)

        self.device_worker.run(lambda: self.printer.print_ticket(info), done, failed)

    def print_sample(self, on_done, on_error) -> None:
        """Print a sample ticket (admin screen); no number is issued."""
        info = TicketInfo(self.office_name or "Một cửa", "A000", "In thử / Test print", (), self.clock(), 0, 0)
        self.print_ticket(info, on_done, on_error)

    def check_printer(self) -> None:
        """Refresh the printer light on the device worker; a printer that stops (out of paper,
        offline) alerts staff once, and the kiosk stops issuing tickets until it is back."""
        if isinstance(self.printer, NoPrinter):
            return

        def state(new: str) -> None:
            if new == "bad" and self.root.printer_state != "bad":
                self.alert("printer_out", "alert.printer_out")
            self.root.printer_state = new

        self.device_worker.run(self.printer.status,
                               lambda paper: state({Paper.LOW: "warn", Paper.OUT: "bad"}.get(paper, "ok")),
                               lambda error: state("bad"))

    def _printer_changed(self) -> None:
        self.screen("home").ticket_stopped = self.printer_stopped()
        self.screen("ticket").printer_changed()

    def printer_stopped(self) -> bool:
        """A printer is configured but cannot print (out of paper, offline, not set up): no tickets
        now."""
        return self.root.printer_state == "bad"

    def alert_lines(self) -> list[str]:
        """The staff alerts so far, in the current language (admin screen)."""
        return [a if isinstance(a, str) else f"{a[0]} {self.t(a[1], **a[2])}" for a in self.alerts]

    def alert(self, problem: str, key: str, **values) -> None:
        """Alert staff (in Vietnamese, whatever the citizen's language): sent to the office
        (counters see it on the hub feed), logged, and listed on the admin screen."""
        text = self.texts.get(key, "vi", **values)
        self.alerts.append((f"{self.clock():%H:%M}", key, values))
        log.warning("staff alert: %s", text)
        self.service_worker.run(
            lambda: self.service.report_device_problem(problem, text),
            lambda _: None, lambda error: log.error("staff alert not delivered: %r", error))

    # ---- scans -------------------------------------------------------------------------------

    def _camera_scan(self, scan: Scan) -> None:
        def scanned(dt):
            if self.root.camera_state == "warn":  # reading again after a decoder failure
                self.root.camera_state = "ok"
            self.handle_scan(scan)
        Clock.schedule_once(scanned)

    def _camera_status(self, available: bool) -> None:
        Clock.schedule_once(lambda dt: setattr(self.root, "camera_state", "ok" if available else "bad"))

    def _camera_rejected(self) -> None:
        Clock.schedule_once(lambda dt: self.show_notice(self.t("scan.invalid")))

    def _camera_guidance(self, key: str | None) -> None:
        Clock.schedule_once(lambda dt: setattr(self, "scan_guide", key or ""))

    def _camera_error(self, error: Exception) -> None:
        """A frame the decoders failed on: the camera goes on; the light says so, the log has it."""
        log.error("camera decoder failure: %r", error)
        Clock.schedule_once(lambda dt: setattr(self.root, "camera_state", "warn"))

    def handle_scan(self, scan: Scan) -> None:
        """A validated scan from the camera or the USB scanner goes to the screen shown."""
        self.last_activity = time.monotonic()
        sm = self.root.ids.sm
        screen = sm.current_screen
        if screen.busy or sm.current in ("ticket", "admin"):
            return
        if scan.kind == "id_card":  # never a lookup, never shown
            self.show_notice(self.t("scan.id_card"))
            return
        if not screen.on_scan(scan):
            sm.get_screen("home").on_scan(scan)


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
    run_app(app)
