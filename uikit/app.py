"""The App shell of the kiosk and the counter: kv files, screens, workers, texts, clock, notice,
service calls with the hub's health, keyboard-wedge scanner input. Each app adds only its own
wiring (devices, staff session, …); state stays in the screens.

The hub's health is decided by the class of what a call raised, never by a code string:
`Unavailable` → the hub (or the disk) could not answer; `UnknownDevice` → the hub refuses this
device's token (revoked or wrong); any other `DomainError` → the hub answered (a rule said no);
anything else is a bug (logged with its traceback). People see a translated sentence chosen by
the same classes (`error_text`), never an exception text, a URL or a translation key.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.screenmanager import NoTransition

from devices.decoders import Scan, validate
from devices.wedge import WedgeDetector
from office.errors import DomainError, Unavailable, UnknownDevice
from office.text import moment
from uikit import keyqueue
from uikit.i18n import Texts
from uikit.worker import Worker

ESCAPE = 27
ENTER_KEYS = (13, 271)
WEDGE_POLL_S = 0.05
PROBE_SECONDS = 2.0
PRINT_FINISH_S = 3.0  # how long a stopping app waits for the print in hand
# What the last answer (or its absence) says about the hub: "" it answered; "unavailable" it could
# not be reached; "denied" it refuses this device's credentials; "error" a call failed on a bug.
UNAVAILABLE, DENIED, BUG = "unavailable", "denied", "error"
log = logging.getLogger("uikit.app")


WINDOW_RUN = False  # set once an app window has run to its end in this process (see main.py)


def run_app(app: App) -> None:
    """Run a Kivy app until its window closes, SIGTERM (systemd's stop) or SIGINT (Ctrl-C): a signal
    stops it exactly as its own exit does (on_stop: timers, feeds, devices; workers finish the job
    in hand, e.g. the ticket being printed), then this returns. Handlers are restored afterwards."""
    global WINDOW_RUN

    def stop(signum, frame):
        log.info("%s: stopping", signal.Signals(signum).name)
        Clock.schedule_once(lambda dt: app.stop())

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    Clock.schedule_once(lambda dt: log.info("%s: window open", app.title), 0.5)
    try:
        app.run()
    finally:
        WINDOW_RUN = True
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class OfficeApp(App):
    """One App of the office: subclasses set the class attributes and add their own wiring."""

    lang = StringProperty("vi")
    kv_folder: Path
    kv_files: tuple[str, ...] = ()
    screen_classes: ClassVar[dict] = {}  # name → Screen class
    text_prefix = ""  # assets/i18n/<prefix><lang>.json
    invalid_scan_key = "scan.invalid"
    notice_seconds = 4.0

    def __init__(self, service, *, clock: Callable[[], datetime] = datetime.now, worker_prefix: str = "app",
                 wedge_max_gap: float | None = None, **kw):
        """`service` has the OfficeService port (an OfficeService or a HubClient); `clock` gives
        local time; `worker_prefix` names the worker threads."""
        super().__init__(**kw)
        self.service = service
        self.clock = clock
        self.texts = Texts(prefix=self.text_prefix)
        self.office_name = ""
        self.office: dict = {}  # the office's identity (OfficePort.office) once loaded
        self.hub_ok_state = "ok"  # the light when the hub answers
        self.service_worker = Worker(f"{worker_prefix}-service")
        self.device_worker = Worker(f"{worker_prefix}-device")
        self.probe_worker = Worker(f"{worker_prefix}-probe")
        self.wedge = WedgeDetector() if wedge_max_gap is None else WedgeDetector(max_gap=wedge_max_gap)
        self.keys: keyqueue.KeyQueue | None = None  # the window's key clock (SDL2 windows)
        self._events: list = []
        self._notice_event = None
        self._probing = False

    # ---- wiring --------------------------------------------------------------------------------

    def build(self):
        """Load the kv files and create the screens."""
        for name in self.kv_files:
            Builder.unload_file(str(self.kv_folder / name))  # a second App in one process must not add rules twice
            Builder.load_file(str(self.kv_folder / name))
        root = self.make_root()
        sm = root.ids.sm
        sm.transition = NoTransition()  # instant: fewer frames between an action and its result
        for name, cls in self.screen_classes.items():
            sm.add_widget(cls(name=name))
        return root

    def make_root(self):
        """The root widget (a ShellRoot with a ScreenManager `sm` in its ids)."""
        raise NotImplementedError

    def on_start(self):
        """Keyboard, clock, scanner polling, hub probe; then the office's identity."""
        Window.bind(on_key_down=self._on_key_down)
        self.keys = keyqueue.watch(Window)
        self.root.hub_state = self.hub_ok_state
        self.every(1.0, self.tick)
        self.every(WEDGE_POLL_S, lambda dt: self._wedge_events(self.wedge.poll(self._quiet_until())))
        self.every(PROBE_SECONDS, lambda dt: self._probe())
        self.tick(0)
        self.call_service(self.service.office, self.office_loaded, lambda e: None)

    def every(self, seconds: float, callback) -> None:
        """Call `callback(dt)` every `seconds` until the app stops."""
        self._events.append(Clock.schedule_interval(callback, seconds))

    def on_stop(self):
        """Stop the timers and the workers (the print in hand finishes); screens cancel theirs."""
        Window.unbind(on_key_down=self._on_key_down)
        for event in self._events + [self._notice_event]:
            if event is not None:
                event.cancel()
        if self.root is not None:
            for screen in self.root.ids.sm.screens:
                screen.cancel_timers()  # no property changes here: kv's app proxy is being reset
        self.service_worker.shutdown()
        self.probe_worker.shutdown()
        self.device_worker.shutdown(wait=PRINT_FINISH_S)  # the ticket or form being printed comes out

    def office_loaded(self, office: dict) -> None:
        """The office's identity for the header (and the rest of it for the screens)."""
        self.office = office
        self.office_name = self.root.office_name = office["name"]

    # ---- texts, navigation, clock, notice ------------------------------------------------------

    def t(self, key: str, _lang: str | None = None, **values) -> str:
        """A text in the current language (`_lang` only makes kv re-evaluate on a switch)."""
        return self.texts.get(key, self.lang, **values)

    def go(self, name: str) -> None:
        """Show a screen."""
        self.root.ids.sm.current = name

    def screen(self, name: str | None = None):
        """A screen by name, or the one shown."""
        sm = self.root.ids.sm
        return sm.get_screen(name) if name else sm.current_screen

    def today(self) -> date:
        """The app's current date."""
        return self.clock().date()

    def tick(self, dt) -> None:
        """Every second: the header clock."""
        self.root.clock_text = f"{moment(self.clock())}"

    def show_notice(self, text: str, seconds: float | None = None) -> None:
        """A short message over the screens, cleared after `seconds`."""
        self.root.notice = text
        if self._notice_event is not None:
            self._notice_event.cancel()
        self._notice_event = Clock.schedule_once(lambda dt: setattr(self.root, "notice", ""),
                                                 seconds or self.notice_seconds)

    # ---- service calls and the hub's health ----------------------------------------------------

    def call_service(self, fn, on_done, on_error) -> None:
        """Run a service call on the service worker; its outcome sets the hub light."""
        def done(result):
            self.set_hub("")
            on_done(result)

        def failed(error):
            self.hub_failed(error)
            on_error(error)

        self.service_worker.run(fn, done, failed)

    def hub_failed(self, error: BaseException) -> None:
        """Set the light from the class of a failed call's error."""
        if isinstance(error, Unavailable):
            log.warning("hub unavailable: %s", error)
            self.set_hub(UNAVAILABLE)
        elif isinstance(error, UnknownDevice):
            log.error("the hub refuses this device's credentials: %s", error)
            self.set_hub(DENIED)
        elif isinstance(error, DomainError):
            self.set_hub("")  # the hub answered: a rule said no
        else:
            log.error("service call failed", exc_info=error)
            self.set_hub(BUG)

    def set_hub(self, problem: str) -> None:
        """Record the hub's health ("" when it answered) and show it."""
        root = self.root
        was = root.hub_problem
        root.hub_problem = problem
        root.hub_state = "bad" if problem else self.hub_ok_state
        if was and not problem:
            self.hub_back()
        if was != problem:
            self.hub_changed()

    def hub_back(self) -> None:
        """The hub answers again (after being unavailable, refusing or failing)."""
        if not self.office_name:
            self.call_service(self.service.office, self.office_loaded, lambda e: None)

    def hub_changed(self) -> None:
        """The hub's health changed (root.hub_state / root.hub_problem)."""

    def _probe(self) -> None:
        """While the hub cannot be reached, ask it every few seconds whether it is back (on its own
        worker, so a queued call does not delay the answer)."""
        if self.root.hub_problem not in (UNAVAILABLE, BUG) or self._probing:
            return
        self._probing = True

        def done(office):
            self._probing = False
            if not self.office_name:
                self.office_loaded(office)
            self.set_hub("")

        def failed(_):
            self._probing = False

        self.probe_worker.run(self.service.office, done, failed)

    def error_text(self, error: BaseException) -> str:
        """What to tell the person about a failed call, chosen by the error's class."""
        if isinstance(error, Unavailable):
            return self.t("error.unavailable")
        if isinstance(error, UnknownDevice):
            return self.t("error.device_denied")
        if isinstance(error, DomainError):
            return self.domain_text(error)
        return self.t("error.internal")

    def domain_text(self, error: DomainError) -> str:
        """A rule's refusal: its own (Vietnamese) message, or in another language the sentence for
        the nearest class that has one."""
        if self.lang == "vi" and error.message:
            return error.message
        for cls in type(error).__mro__:
            key = f"error.{cls.__dict__.get('code', '')}"
            if self.texts.has(key, self.lang):
                return self.t(key)
        return self.t("error.domain_error")

    # ---- keyboard and keyboard-wedge scanner ---------------------------------------------------

    def _key_time(self) -> float:
        """When the key being handled was pressed, by the window's event queue (see keyqueue)."""
        return self.keys.key_time() if self.keys is not None else time.monotonic()

    def _quiet_until(self) -> float:
        return self.keys.quiet_until() if self.keys is not None else time.monotonic()

    def _on_key_down(self, window, key, scancode, codepoint, modifiers) -> bool:
        pressed = self._key_time()
        self.on_activity()
        if key == ESCAPE:  # Escape never closes the app
            return True
        if self.on_key(key, codepoint, modifiers):
            return True
        if self.wedge_listening():
            char = "\r" if key in ENTER_KEYS else codepoint
            if char:
                events = self.wedge.feed(char, pressed)
                self._wedge_events(events)
                return any(kind == "scan" for kind, _ in events)  # a scan's Enter is the scanner's
        return False

    def on_activity(self) -> None:
        """A key was pressed."""

    def on_key(self, key: int, codepoint: str | None, modifiers: list) -> bool:
        """An app's own shortcut keys; True when the key was used."""
        return False

    def wedge_listening(self) -> bool:
        """Whether key presses go to the scanner detector now."""
        return True

    def _wedge_events(self, events) -> None:
        for kind, text in events:
            if kind == "scan":
                scan = validate("keyboard", text, cards=True)
                if scan is None:
                    self.show_notice(self.t(self.invalid_scan_key))
                else:
                    self.handle_scan(scan)
            elif kind == "typed":
                self.screen().on_typed(text)
            else:
                self.screen().on_enter_key()

    def handle_scan(self, scan: Scan) -> None:
        """A validated scan (from the keyboard-wedge scanner, or the app's camera)."""
