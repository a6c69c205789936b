"""Barcode decoding of camera frames: zxing-cpp (default), pyzbar, OpenCV's QR detector.

A receipt carries the dossier code as Code128 and `code|secret` as QR (Mẫu 01). The
`ScanPipeline` runs one decoder restricted to those two formats, retries a tilted Code128 on a
straightened, enlarged cut-out (Code128 fails past ~10° of tilt in every decoder), validates
every text with `office.rules.codes.parse_scan` (or as a queue ticket's rating QR) and never
returns any other text. Rejected texts are counted but never kept: a citizen may hold up an ID
card whose QR carries personal data.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from devices import DeviceError, require
from devices.ticket_render import parse_rating_qr
from office.errors import IdentityCardScanned, InvalidInput
from office.rules.codes import parse_scan

QR = "qr"
CODE128 = "code128"
DECODERS = ("zxing", "pyzbar", "opencv")


@dataclass(frozen=True)
class Scan:
    """A validated scan: a receipt (dossier code and, from its QR, the lookup secret) or a queue
    ticket's rating QR (kind "ticket": `code` is the ticket number, `day` its day) or a chip ID
    card's QR (kind "id_card": only the counter reads `card`; the kiosk refuses it unseen)."""

    code: str
    secret: str | None
    symbology: str  # "qr" | "code128" | "keyboard"
    kind: str = "dossier"  # "dossier" | "ticket" | "id_card"
    day: date | None = None
    card: str = field(default="", repr=False)  # kind "id_card": the card's QR text (never logged)


@dataclass(frozen=True)
class ReadResult:
    """What one frame gave: the best valid scan (or None) and how many texts were rejected."""

    scan: Scan | None
    rejected: int = 0


class Decoder(Protocol):
    """Finds QR / Code128 texts in a grayscale frame."""

    name: str

    def decode(self, gray, code128_only: bool = False) -> list[tuple[str, str]]:
        """(symbology, text) of every code found."""


class ZxingDecoder:
    """zxing-cpp restricted to QR + Code128 (fast and robust; the default)."""

    name = "zxing"

    def __init__(self):
        """Load zxing-cpp (MissingLibrary if absent)."""
        self._z = z = require("zxingcpp")
        self._both = z.BarcodeFormat.QRCode | z.BarcodeFormat.Code128
        self._linear = z.BarcodeFormat.Code128

    def decode(self, gray, code128_only: bool = False) -> list[tuple[str, str]]:
        """(symbology, text) of every QR / Code128 in the frame."""
        # No 90° retries (a QR reads at any angle; a tilted Code128 is straightened by the
        # pipeline) and no downscaled retries on small frames: both only cost time here.
        found = self._z.read_barcodes(gray, formats=self._linear if code128_only else self._both,
                                      try_rotate=False, try_downscale=gray.shape[1] > 1000)
        return [(QR if r.format == self._z.BarcodeFormat.QRCode else CODE128, r.text)
                for r in found if r.valid]


class PyzbarDecoder:
    """ZBar through pyzbar (needs the Debian package libzbar0)."""

    name = "pyzbar"

    def __init__(self):
        """Load pyzbar (MissingLibrary if absent)."""
        self._p = p = require("pyzbar.pyzbar")
        self._both = [p.ZBarSymbol.QRCODE, p.ZBarSymbol.CODE128]
        self._linear = [p.ZBarSymbol.CODE128]

    def decode(self, gray, code128_only: bool = False) -> list[tuple[str, str]]:
        """(symbology, text) of every QR / Code128 in the frame; non-UTF-8 payloads are dropped."""
        out = []
        for r in self._p.decode(gray, symbols=self._linear if code128_only else self._both):
            try:
                text = r.data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            out.append((QR if r.type == "QRCODE" else CODE128, text))
        return out


class OpenCVQRDecoder:
    """OpenCV's QRCodeDetector (QR only; used as a comparison in the bench)."""

    name = "opencv"

    def __init__(self):
        """Load OpenCV (MissingLibrary if absent)."""
        self._detector = require("cv2").QRCodeDetector()

    def decode(self, gray, code128_only: bool = False) -> list[tuple[str, str]]:
        """(symbology, text) of the QR in the frame, if any."""
        if code128_only:
            return []
        text, _, _ = self._detector.detectAndDecode(gray)
        return [(QR, text)] if text else []


def make_decoder(name: str = "zxing") -> Decoder:
    """A decoder by configured name: "zxing" (default), "pyzbar" or "opencv"."""
    kinds = {"zxing": ZxingDecoder, "pyzbar": PyzbarDecoder, "opencv": OpenCVQRDecoder}
    if name not in kinds:
        raise DeviceError(f"unknown decoder {name!r}; use one of {', '.join(DECODERS)}")
    return kinds[name]()


def read_image(path) -> object | None:
    """An image file as a BGR array (OpenCV), or None if it cannot be read."""
    return require("cv2").imread(str(path), 1)


def validate(symbology: str, text: str) -> Scan | None:
    """A Scan if the text is a dossier code (Code128), `code|secret` (receipt QR) or a ticket's
    rating QR, else None."""
    try:
        code, secret = parse_scan(text)
        return Scan(code, secret, symbology)
    except IdentityCardScanned:
        return Scan("", None, symbology, kind="id_card", card=text)
    except InvalidInput:
        pass
    try:
        number, day = parse_rating_qr(text)
    except InvalidInput:
        return None
    return Scan(number, None, symbology, kind="ticket", day=day)


class ScanPipeline:
    """Decode a frame into at most one validated receipt scan, retrying tilted Code128."""

    def __init__(self, decoder: Decoder | None = None, tilt_retry: bool = True):
        """Wrap a decoder (zxing-cpp by default). With `tilt_retry`, a frame where nothing valid
        was found is searched for a tilted barcode, which is cut out, straightened, enlarged 2×
        and decoded again as Code128."""
        self.decoder = decoder or ZxingDecoder()
        self.tilt_retry = tilt_retry
        self._cv2 = require("cv2")
        self._np = require("numpy")

    def gray(self, frame):
        """The frame as an 8-bit grayscale array."""
        if frame.ndim == 3:
            return self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2GRAY)
        return frame

    def read(self, frame) -> ReadResult:
        """Decode one frame (BGR or gray numpy array). A QR with the secret wins over Code128."""
        gray = self.gray(frame)
        result = self._best(self.decoder.decode(gray))
        if result.scan is not None or not self.tilt_retry:
            return result
        patch = self.straightened_barcode(gray)
        if patch is None:
            return result
        again = self._best(self.decoder.decode(patch, code128_only=True))
        return ReadResult(again.scan, result.rejected + again.rejected)

    @staticmethod
    def _best(found: list[tuple[str, str]]) -> ReadResult:
        scans, rejected = [], 0
        for symbology, text in found:
            scan = validate(symbology, text)
            if scan is None:
                rejected += 1
            else:
                scans.append(scan)
        if not scans:
            return ReadResult(None, rejected)
        with_secret = [s for s in scans if s.secret is not None]
        return ReadResult((with_secret or scans)[0], rejected)

    def straightened_barcode(self, gray):
        """The region of strongest parallel edges (a linear barcode), cut out so that its bars
        stand upright and enlarged 2×; None when the frame has no such region.

        Works on a copy about 320 px wide: the bar direction is the peak of a magnitude-weighted
        histogram of gradient angles; the region is the largest blob of pixels whose gradient
        points that way. One affine warp then cuts, straightens and enlarges it.
        """
        cv2, np = self._cv2, self._np
        f = max(1, gray.shape[1] // 320)
        small = cv2.resize(gray, (gray.shape[1] // f, gray.shape[0] // f), interpolation=cv2.INTER_AREA)
        gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
        mag, angle = cv2.cartToPolar(gx, gy, angleInDegrees=True)
        bins = angle.astype(np.int16)
        bins[bins >= 180] -= 180  # a bar edge and its opposite edge: same direction
        hist = np.bincount(bins.ravel(), weights=mag.ravel(), minlength=181)[:180]
        hist = np.convolve(np.r_[hist[-2:], hist, hist[:2]], np.ones(5) / 5, "valid")
        top = int(np.argmax(hist))
        peak = top + 0.5
        diff = np.abs(bins - top)
        diff = np.minimum(diff, 180 - diff)
        strong = (mag > max(40.0, float(mag.mean()) * 2)) & (diff < 12)
        mask = cv2.morphologyEx(strong.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
        if count < 2:
            return None
        best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        if stats[best, cv2.CC_STAT_AREA] < 200:
            return None
        ys, xs = np.nonzero(labels == best)
        t = np.radians(peak)
        c, s = float(np.cos(t)), float(np.sin(t))
        u = (xs * c + ys * s) * f  # across the bars, full-resolution pixels
        v = (-xs * s + ys * c) * f  # along the bars
        margin = 10 * f
        u0, v0 = float(u.min()) - margin, float(v.min()) - margin
        width, height = float(u.max()) + margin - u0, float(v.max()) + margin - v0
        m = 2.0 * np.array([[c, s, -u0], [-s, c, -v0]], dtype=np.float64)
        return cv2.warpAffine(gray, m, (int(2 * width), int(2 * height)), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)


class Debouncer:
    """Accepts a key once, then ignores it for `seconds` (the same receipt held in front of the camera)."""

    def __init__(self, seconds: float = 3.0, clock: Callable[[], float] = time.monotonic):
        """`clock` returns seconds (monotonic)."""
        self.seconds = seconds
        self.clock = clock
        self._seen: dict[str, float] = {}

    def accept(self, key: str) -> bool:
        """True the first time `key` is seen, or when it was last seen more than `seconds` ago."""
        now = self.clock()
        self._seen = {k: t for k, t in self._seen.items() if now - t < self.seconds}
        if key in self._seen:
            self._seen[key] = now
            return False
        self._seen[key] = now
        return True

    def reset(self) -> None:
        """Forget every key (the kiosk screen was cleared)."""
        self._seen.clear()
