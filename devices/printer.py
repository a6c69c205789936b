"""ESC/POS ticket printer (python-escpos) chosen by a printer spec string, and its recording fake.

Specs: `tcp://HOST[:PORT]` (network printer, port 9100 by default), `file:/dev/usb/lp0`,
`usb:0x0416:0x5011` (vendor:product), `serial:/dev/ttyUSB0[:BAUD]`, `none` (no printer: the
kiosk shows the number on screen only). A job is rendered onto `escpos.printer.Dummy` and sent
to the device in one write; paper status is queried first where the connection can answer
(network, USB, serial).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlsplit

from PIL import Image

from devices import DeviceError, require
from devices.ticket_render import DEFAULT_WIDTH, TicketInfo, render_ticket

DEFAULT_PROFILE = "TM-T88V"  # 512 dots, 80 mm paper


class Paper(str, Enum):
    """Paper sensor state."""

    OK = "ok"
    LOW = "low"
    OUT = "out"
    UNKNOWN = "unknown"


class PrintFailure(DeviceError):
    """A job was not printed; `reason` is "offline", "no_paper" or "error"."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PrinterSpec:
    """A parsed printer spec."""

    kind: str  # "tcp" | "file" | "usb" | "serial" | "none"
    target: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0
    baudrate: int = 9600


def parse_printer_spec(spec: str) -> PrinterSpec:
    """Parse a printer spec (see the module docstring); DeviceError naming the expected forms."""
    forms = "tcp://HOST[:PORT], file:PATH, usb:0xVID:0xPID, serial:DEVICE[:BAUD] or none"
    s = spec.strip()
    try:
        if s in ("", "none"):
            return PrinterSpec("none")
        if s.startswith("tcp://"):
            url = urlsplit(s)
            if not url.hostname:
                raise ValueError
            return PrinterSpec("tcp", url.hostname, port=url.port or 9100)
        kind, _, rest = s.partition(":")
        if kind == "file" and rest:
            return PrinterSpec("file", rest)
        if kind == "usb":
            vid, pid = rest.split(":")
            return PrinterSpec("usb", vendor=int(vid, 16), product=int(pid, 16))
        if kind == "serial" and rest:
            device, _, baud = rest.partition(":")
            return PrinterSpec("serial", device, baudrate=int(baud) if baud else 9600)
    except ValueError:
        pass
    raise DeviceError(f"printer spec {spec!r} not understood; use {forms}")


class EscposPrinter:
    """A real ESC/POS printer. Thread-safe: one job at a time."""

    def __init__(self, spec: str, profile: str = DEFAULT_PROFILE, timeout: float = 5.0,
                 status_timeout: float = 1.0):
        """`spec` as in parse_printer_spec; `profile` a python-escpos profile with a known width."""
        self.spec = parse_printer_spec(spec)
        if self.spec.kind == "none":
            raise DeviceError("printer spec 'none' has no printer; use NoPrinter")
        self.profile = profile
        self.timeout = timeout
        self.status_timeout = status_timeout
        self._lock = threading.Lock()
        printer_mod = require("escpos.printer")
        self._exceptions = require("escpos.exceptions")
        self._printer_mod = printer_mod
        pixels = printer_mod.Dummy(profile=profile).profile.profile_data["media"]["width"]["pixels"]
        self.width = int(pixels) if str(pixels).isdigit() else DEFAULT_WIDTH

    def describe(self) -> str:
        """Human-readable target, for the admin screen and logs."""
        s = self.spec
        return {"tcp": f"{s.target}:{s.port}", "file": s.target, "serial": s.target,
                "usb": f"USB {s.vendor:04x}:{s.product:04x}"}[s.kind]

    def render(self, image: Image.Image) -> bytes:
        """The ESC/POS job for one ticket image: init, `GS v 0` raster, feed and cut."""
        if image.width > self.width:
            raise DeviceError(f"ticket is {image.width} dots wide; profile {self.profile} prints {self.width}")
        dummy = self._printer_mod.Dummy(profile=self.profile)
        dummy.hw("INIT")
        dummy.image(image, impl="bitImageRaster")
        dummy.cut()
        return dummy.output

    def _device(self):
        s, p = self.spec, self._printer_mod
        if s.kind == "tcp":
            return p.Network(s.target, port=s.port, timeout=self.timeout, profile=self.profile)
        if s.kind == "file":
            return p.File(s.target, profile=self.profile)
        if s.kind == "usb":
            require("usb")
            return p.Usb(s.vendor, s.product, timeout=int(self.timeout * 1000), profile=self.profile)
        require("serial")
        return p.Serial(s.target, baudrate=s.baudrate, timeout=self.status_timeout, profile=self.profile)

    def _open(self):
        device = self._device()
        try:
            device.open()
        except (self._exceptions.Error, OSError) as e:
            detail = " ".join(str(e).split())
            raise PrintFailure("offline", f"printer {self.describe()} is offline: {detail}") from None
        return device

    def _paper(self, device) -> Paper:
        if self.spec.kind == "file":
            return Paper.UNKNOWN
        sock = device.device if self.spec.kind == "tcp" else None
        try:
            if sock is not None:
                sock.settimeout(self.status_timeout)
            if not device.query_status(b"\x10\x04\x04"):
                return Paper.UNKNOWN
            return {2: Paper.OK, 1: Paper.LOW, 0: Paper.OUT}[device.paper_status()]
        except Exception:  # printers that do not answer status queries
            return Paper.UNKNOWN
        finally:
            if sock is not None:
                sock.settimeout(self.timeout)

    def status(self) -> Paper:
        """Paper status (UNKNOWN where the connection cannot answer); PrintFailure if offline."""
        with self._lock:
            device = self._open()
            try:
                return self._paper(device)
            finally:
                device.close()

    def print_image(self, image: Image.Image) -> Paper:
        """Print one ticket image; PrintFailure("no_paper" | "offline" | "error") if not printed.
        Returns the paper state seen before printing (LOW means: alert staff)."""
        job = self.render(image)
        with self._lock:
            device = self._open()
            try:
                paper = self._paper(device)
                if paper == Paper.OUT:
                    raise PrintFailure("no_paper", f"printer {self.describe()} is out of paper")
                try:
                    device._raw(job)
                except (OSError, self._exceptions.Error) as e:
                    detail = " ".join(str(e).split())
                    raise PrintFailure("offline", f"printer {self.describe()} stopped: {detail}") from None
                return paper
            finally:
                device.close()

    def print_ticket(self, info: TicketInfo) -> Paper:
        """Render and print a queue ticket."""
        return self.print_image(render_ticket(info, self.width))


class NoPrinter:
    """The `none` spec: every print fails as offline, so the kiosk shows the number on screen."""

    width = DEFAULT_WIDTH

    def describe(self) -> str:
        """Human-readable target."""
        return "không có máy in"

    def status(self) -> Paper:
        """Always offline."""
        raise PrintFailure("offline", "no printer configured")

    def print_ticket(self, info: TicketInfo) -> Paper:
        """Always offline."""
        raise PrintFailure("offline", "no printer configured")


@dataclass
class FakePrinter:
    """Recording fake: keeps every ticket printed; set `paper`/`online` to simulate faults."""

    paper: Paper = Paper.OK
    online: bool = True
    width: int = DEFAULT_WIDTH
    printed: list[TicketInfo] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)

    def describe(self) -> str:
        """Human-readable target."""
        return "fake printer"

    def status(self) -> Paper:
        """The simulated paper state; PrintFailure if offline."""
        if not self.online:
            raise PrintFailure("offline", "fake printer is offline")
        return self.paper

    def print_ticket(self, info: TicketInfo) -> Paper:
        """Record the ticket (and its rendered image) unless offline or out of paper."""
        paper = self.status()
        if paper == Paper.OUT:
            raise PrintFailure("no_paper", "fake printer is out of paper")
        self.printed.append(info)
        self.images.append(render_ticket(info, self.width))
        return paper


def make_printer(spec: str, profile: str = DEFAULT_PROFILE):
    """The printer adapter for a spec: EscposPrinter, or NoPrinter for `none`."""
    if parse_printer_spec(spec).kind == "none":
        return NoPrinter()
    return EscposPrinter(spec, profile)
