"""Camera scanner: OpenCV capture in a worker thread, frames read into validated scans.

The source is a device index (`0`), a device path (`/dev/video0`) or a video file (`.avi` with
MJPG, `.mp4` with mp4v; a file is replayed from the start when it ends, and in real time it
behaves like a live camera: frames that went by while a frame was being read are skipped). The
capture keeps a buffer of one frame so a scan is of what is in front of the camera now. Frames go
through `devices.live.LiveReader` (sharpest frames, tracked code, QR preferred, guidance). The
same code is reported once per debounce window (the QR with the secret still gets through after
its Code128). A camera that is missing or unplugged is reported as unavailable and reopened every
`retry_s` seconds until it comes back. A frame that makes the decoders raise is logged and
reported through `on_error`, and the thread goes on with the next frame.

Callbacks run on the worker thread; a UI hands them to its own main thread.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from devices import require
from devices.decoders import Debouncer, Scan, ScanPipeline, validate
from devices.live import LiveReader

ScanCallback = Callable[[Scan], None]
StatusCallback = Callable[[bool], None]
log = logging.getLogger("devices.camera")


def parse_source(source: str | int) -> str | int:
    """`"0"` → device index 0; anything else (device path, video file) unchanged."""
    if isinstance(source, int):
        return source
    return int(source) if source.strip().isdigit() else source.strip()


class CameraScanner:
    """Reads frames from an OpenCV source on a worker thread and reports scans, availability,
    guidance (a GUIDANCE key or None) and decoder failures."""

    def __init__(self, source: str | int, pipeline: ScanPipeline | None = None,
                 on_scan: ScanCallback = lambda scan: None,
                 on_status: StatusCallback = lambda available: None,
                 on_rejected: Callable[[], None] = lambda: None,
                 debounce_s: float = 3.0, retry_s: float = 2.0, realtime: bool = True):
        """`realtime` paces a video file at its frame rate (a camera paces itself). Set
        `on_guidance(key | None)` and `on_error(exception)` to hear about those too."""
        self.source = parse_source(source)
        self.pipeline = pipeline or ScanPipeline()
        self.reader = LiveReader(self.pipeline)
        self.on_scan, self.on_status, self.on_rejected = on_scan, on_status, on_rejected
        self.on_guidance: Callable[[str | None], None] = lambda key: None
        self.on_error: Callable[[Exception], None] = lambda error: None
        self.debouncer = Debouncer(debounce_s)
        self._rejects = Debouncer(debounce_s)
        self._errors = Debouncer(10.0)
        self.retry_s = retry_s
        self.realtime = realtime
        self.available: bool | None = None  # the first state is always reported
        self.frames = 0
        self.errors = 0
        self._cv2 = require("cv2")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_file(self) -> bool:
        """Whether the source is a video file (not a camera device)."""
        return isinstance(self.source, str) and not self.source.startswith("/dev/")

    def start(self) -> None:
        """Start the worker thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker thread and release the camera."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def reset(self) -> None:
        """Forget debounced codes (the screen was cleared; the same receipt may be scanned again)."""
        self.debouncer.reset()

    def _set_available(self, available: bool) -> None:
        if available != self.available:
            self.available = available
            self.on_status(available)

    def _open(self):
        cv2 = self._cv2
        if self.is_file and not Path(self.source).is_file():
            return None
        cap = cv2.VideoCapture(self.source)
        if not cap.isOpened():
            cap.release()
            return None
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return cap

    def _run(self) -> None:
        cap = None
        fps, started, index = 0.0, 0.0, 0
        try:
            while not self._stop.is_set():
                if cap is None:
                    cap = self._open()
                    if cap is None:
                        self._set_available(False)
                        self._stop.wait(self.retry_s)
                        continue
                    fps = cap.get(self._cv2.CAP_PROP_FPS) if self.is_file and self.realtime else 0.0
                    started, index = time.monotonic(), 0
                    self._set_available(True)
                if fps > 0:  # a file played live: skip what went by, wait for what is not due yet
                    due = int((time.monotonic() - started) * fps)
                    while index < due and cap.grab():
                        index += 1
                    if index > due:
                        self._stop.wait((index - due) / fps)
                ok, frame = cap.read()
                index += 1
                if not ok or frame is None:
                    cap.release()
                    cap = None  # end of file: replay; unplugged camera: reopen (or report below)
                    if not self.is_file:
                        self._set_available(False)
                        self._stop.wait(self.retry_s)
                    continue
                self.frames += 1
                self._handle(frame)
        finally:
            if cap is not None:
                cap.release()

    def _handle(self, frame) -> None:
        try:
            outcome = self.reader.feed(frame)
        except Exception as e:  # a decoder bug must not stop the camera: report it, go on
            self.errors += 1
            if self._errors.accept(type(e).__name__):
                log.exception("camera frame could not be read")
                self.on_error(e)
            return
        if outcome.changed:
            self.on_guidance(outcome.guidance)
        if outcome.scan is not None:
            if self.debouncer.accept_scan(outcome.scan):
                self.on_scan(outcome.scan)
        elif outcome.rejected and self._rejects.accept("rejected"):
            self.on_rejected()


class FakeCamera:
    """Recording fake with the CameraScanner interface: `show(text)` is one frame with a barcode,
    `hold(text)` keeps it in front of the camera (seen again after start, plug and reset),
    `guide(key)` and `fail(error)` are what frames call for, `unplug()`/`plug()` simulate the
    cable. Validation and debouncing are the real ones."""

    def __init__(self, on_scan: ScanCallback = lambda scan: None,
                 on_status: StatusCallback = lambda available: None,
                 on_rejected: Callable[[], None] = lambda: None,
                 debounce_s: float = 3.0, clock: Callable[[], float] = time.monotonic):
        """Same callbacks as CameraScanner; `clock` drives the debouncer."""
        self.on_scan, self.on_status, self.on_rejected = on_scan, on_status, on_rejected
        self.debouncer = Debouncer(debounce_s, clock)
        self._rejects = Debouncer(debounce_s, clock)
        self.available: bool | None = None  # the first state is always reported
        self.plugged = True
        self.running = False
        self.held: str | None = None
        self._held_symbology = "qr"
        self.calls: list[str] = []
        self.on_guidance: Callable[[str | None], None] = lambda key: None
        self.on_error: Callable[[Exception], None] = lambda error: None

    def start(self) -> None:
        """Start 'capturing' (available if plugged)."""
        self.calls.append("start")
        self.running = True
        self._set_available(self.plugged)
        self._see_held()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop capturing."""
        self.calls.append("stop")
        self.running = False

    def reset(self) -> None:
        """Forget debounced codes."""
        self.calls.append("reset")
        self.debouncer.reset()
        self._see_held()

    def _set_available(self, available: bool) -> None:
        if available != self.available:
            self.available = available
            self.on_status(available)

    def show(self, text: str, symbology: str = "qr") -> None:
        """A frame whose barcode reads `text` (ignored while unplugged or stopped)."""
        self.calls.append(f"show {symbology}")
        if not (self.running and self.plugged):
            return
        scan = validate(symbology, text)
        if scan is None:
            if self._rejects.accept("rejected"):
                self.on_rejected()
        elif self.debouncer.accept_scan(scan):
            self.on_scan(scan)

    def guide(self, key: str | None) -> None:
        """The frames call for advice (a GUIDANCE key) or none."""
        self.calls.append(f"guide {key}")
        if self.running and self.plugged:
            self.on_guidance(key)

    def fail(self, error: Exception) -> None:
        """A frame made the decoders raise: reported, and the camera goes on."""
        self.calls.append("fail")
        if self.running and self.plugged:
            self.on_error(error)

    def unplug(self) -> None:
        """Pull the cable."""
        self.calls.append("unplug")
        self.plugged = False
        if self.running:
            self._set_available(False)

    def plug(self) -> None:
        """Plug the camera back in."""
        self.calls.append("plug")
        self.plugged = True
        if self.running:
            self._set_available(True)
            self._see_held()

    def hold(self, text: str | None, symbology: str = "qr") -> None:
        """Keep a barcode reading `text` in front of the camera (None: take it away)."""
        self.held, self._held_symbology = text, symbology
        self._see_held()

    def _see_held(self) -> None:
        if self.held is not None:
            self.show(self.held, self._held_symbology)
