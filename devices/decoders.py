"""Barcode decoding of camera frames: zxing-cpp (default), pyzbar, OpenCV's QR detector.

A receipt carries the dossier code as Code128 and `code|secret` as QR (Mẫu 01); a queue ticket
carries its rating QR. `ScanPipeline` reads one frame in stages, most reads per CPU ms first, and
stops at the first stage that finds a code: the whole frame (zxing-cpp: a QR at any angle, a
Code128 across the rows); a zoom on where the code was last seen (the camera tracks it); a tilted
Code128 cut out and straightened, then with the lens's softness undone; a Code128 turned 90°
(across the columns); the most code-like place with its motion blur or defocus undone, then with
its contrast stretched locally (print under a glare or in a shadow), then with a QR's hidden
finder pattern (a fingertip) painted back; the second most code-like place deblurred; a second
decoder (pyzbar, which reads some QRs that a finger partly covers); and the straightened Code128
rectified.
Every text is validated by `validate` (one place: `office.rules.codes.parse_scan` and the
ticket's rating QR) and only a valid scan is ever returned. Rejected texts are counted but
never kept: a citizen may hold up an ID card whose QR carries personal data.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, Protocol

from devices import DeviceError, MissingLibrary, imaging, require
from devices.ticket_render import parse_rating_qr
from office.errors import IdentityCardScanned, InvalidInput
from office.rules.codes import parse_scan

QR = "qr"
CODE128 = "code128"
DECODERS = ("zxing", "pyzbar", "opencv")
log = logging.getLogger("devices.decoders")


@dataclass(frozen=True)
class Scan:
    """A validated scan: a receipt (dossier code and, from its QR, the lookup secret) or a queue
    ticket's rating QR (kind "ticket": `code` is the ticket number, `day` its day, `secret` its
    rating token) or a chip ID card's QR (kind "id_card": only the counter reads `card`; the kiosk
    refuses it unseen)."""

    code: str
    secret: str | None
    symbology: str  # "qr" | "code128" | "keyboard"
    kind: str = "dossier"  # "dossier" | "ticket" | "id_card"
    day: date | None = None
    card: str = field(default="", repr=False)  # kind "id_card": the card's QR text (never logged)


class Spot(NamedTuple):
    """Where a code is in a frame: centre and size (px)."""

    x: float
    y: float
    size: float


class Found(NamedTuple):
    """A code a decoder read: symbology, text and where it is (None when the decoder cannot say)."""

    symbology: str
    text: str
    spot: Spot | None = None


@dataclass(frozen=True)
class ReadResult:
    """What one frame gave: the best valid scan (or None), how many texts were rejected, where
    a code was seen, the blur measured on the way (for guidance) and the stage that read it."""

    scan: Any = None  # a Scan (whatever `accept` returns)
    rejected: int = 0
    spot: Spot | None = None
    blur: imaging.Blur | None = None
    stage: str = ""


class Decoder(Protocol):
    """Finds QR / Code128 texts in a grayscale frame."""

    name: str
    turns: bool  # whether `find` also reads a barcode turned 90° (its bars lying down)

    def find(self, gray, only: str | None = None) -> list[Found]:
        """Every QR / Code128 in the frame (`only`: QR or CODE128 alone), with where it is."""

    def decode(self, gray, only: str | None = None) -> list[tuple[str, str]]:
        """(symbology, text) of every code found."""


def _spot(points) -> Spot:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Spot(sum(xs) / len(xs), sum(ys) / len(ys), max(max(xs) - min(xs), max(ys) - min(ys)))


class _Pairs:
    def decode(self, gray, only: str | None = None) -> list[tuple[str, str]]:
        """(symbology, text) of every code found."""
        return [(f.symbology, f.text) for f in self.find(gray, only)]


class ZxingDecoder(_Pairs):
    """zxing-cpp restricted to QR + Code128 (fast and robust; the default). With `turns` (zxing-cpp's
    own default) it also scans the frame's columns for a barcode turned 90°, which costs 40–70 %
    more per frame: the pipeline leaves that out and has a stage of its own for it."""

    name = "zxing"

    def __init__(self, turns: bool = True):
        """Load zxing-cpp (MissingLibrary if absent)."""
        self._z = z = require("zxingcpp")
        self._formats = {None: z.BarcodeFormat.QRCode | z.BarcodeFormat.Code128, QR: z.BarcodeFormat.QRCode,
                         CODE128: z.BarcodeFormat.Code128}
        self.turns = turns

    def find(self, gray, only: str | None = None) -> list[Found]:
        """Every QR / Code128 in the frame (text as encoded: no GS1 or control-character markup)."""
        z = self._z
        found = z.read_barcodes(gray, formats=self._formats[only], try_rotate=self.turns,
                                try_downscale=gray.shape[1] > 800, text_mode=z.TextMode.Plain)
        return [Found(QR if r.format == z.BarcodeFormat.QRCode else CODE128, r.text,
                      _spot([(p.x, p.y) for p in (r.position.top_left, r.position.top_right,
                                                  r.position.bottom_right, r.position.bottom_left)]))
                for r in found if r.valid]


class PyzbarDecoder(_Pairs):
    """ZBar through pyzbar (needs the Debian package libzbar0)."""

    name = "pyzbar"
    turns = True  # ZBar scans rows and columns

    def __init__(self):
        """Load pyzbar (MissingLibrary if absent)."""
        self._p = p = require("pyzbar.pyzbar")
        self._symbols = {None: [p.ZBarSymbol.QRCODE, p.ZBarSymbol.CODE128], QR: [p.ZBarSymbol.QRCODE],
                         CODE128: [p.ZBarSymbol.CODE128]}

    def find(self, gray, only: str | None = None) -> list[Found]:
        """Every QR / Code128 in the frame. Only ASCII texts are kept: ZBar guesses a QR's
        character set and re-encodes it, so other texts may not be what was printed."""
        out = []
        for r in self._p.decode(gray, symbols=self._symbols[only]):
            if not r.data.isascii():
                continue
            spot = _spot(r.polygon) if r.polygon else None
            out.append(Found(QR if r.type == "QRCODE" else CODE128, r.data.decode("ascii"), spot))
        return out


class OpenCVQRDecoder(_Pairs):
    """OpenCV's QRCodeDetector (QR only; a comparison in the bench). OpenCV raises on QRs it
    cannot turn into text (bytes that are not UTF-8, Kanji or Hanzi mode): such a QR is skipped."""

    name = "opencv"
    turns = True  # a QR is read at any angle

    def __init__(self):
        """Load OpenCV (MissingLibrary if absent)."""
        self._cv2 = require("cv2")
        self._detector = self._cv2.QRCodeDetector()

    def find(self, gray, only: str | None = None) -> list[Found]:
        """The QR in the frame, if any."""
        if only == CODE128:
            return []
        try:
            text, points, _ = self._detector.detectAndDecode(gray)
        except (self._cv2.error, UnicodeDecodeError) as e:
            log.info("OpenCV could not turn a QR into text (%s)", type(e).__name__)
            return []
        if not text:
            return []
        return [Found(QR, text, _spot(points.reshape(-1, 2).tolist()) if points is not None else None)]


def make_decoder(name: str = "zxing") -> Decoder:
    """A decoder for a ScanPipeline by configured name: "zxing" (default; turned barcodes left to
    the pipeline), "pyzbar" or "opencv"."""
    kinds = {"zxing": lambda: ZxingDecoder(turns=False), "pyzbar": PyzbarDecoder, "opencv": OpenCVQRDecoder}
    if name not in kinds:
        raise DeviceError(f"unknown decoder {name!r}; use one of {', '.join(DECODERS)}")
    return kinds[name]()


def read_image(path) -> object | None:
    """An image file as a BGR array (OpenCV), or None if it cannot be read."""
    return require("cv2").imread(str(path), 1)


def validate(symbology: str, text: str, *, cards: bool = False) -> Scan | None:
    """A Scan if the text is a dossier code (Code128), a receipt QR (`code|secret` or the lookup
    URL) or a ticket's rating QR, else None. A chip ID card's QR is None too (a camera never keeps
    it) unless `cards`: the keyboard-wedge scanner, where the counter fills the form from it and
    the kiosk refuses it unseen (kind "id_card")."""
    try:
        code, secret = parse_scan(text)
        return Scan(code, secret, symbology)
    except IdentityCardScanned:
        return Scan("", None, symbology, kind="id_card", card=text) if cards else None
    except InvalidInput:
        pass
    try:
        number, day, token = parse_rating_qr(text)
    except InvalidInput:
        return None
    return Scan(number, token, symbology, kind="ticket", day=day)


def _best(scans: list) -> Any:
    """A QR with the secret wins over a Code128 of the same receipt."""
    with_secret = [s for s in scans if getattr(s, "secret", None) is not None]
    return (with_secret or scans)[0]


class ScanPipeline:
    """Decode a frame into at most one validated scan, in stages (see the module docstring)."""

    WORK_WIDTH = 800  # the second decoder works on frames at most this wide (halved if wider)
    PATCH = 256  # restoration patch at 640×480 (1.5× that on wider frames)
    LENS = 0.7  # a cheap webcam's softness: Gaussian sigma in px of a 640-px-wide frame
    BARS_ASPECT = 1.5  # a straightened region narrower than this × its height is no Code128 (ours: 6:1)
    BUDGET_MS = (13.0, 33.0)  # CPU per frame at 640 and 1280 px wide (in between: in proportion)

    def __init__(self, decoder: Decoder | None = None, fallback: Decoder | None | bool = True,
                 accept: Callable[[str, str], Any] = validate, restore: bool = True, tilt_retry: bool = True,
                 budget: bool = True):
        """`decoder`: zxing-cpp by default. `fallback`: True picks the other of zxing-cpp and pyzbar
        (skipped with a log line if it is not installed), False none. `accept` turns a text into a
        scan or None (a regression run on foreign photos accepts any text). With `budget`, a stage
        that would not fit in the frame's CPU budget (BUDGET_MS, from what each stage has cost so
        far on this machine) is skipped: a low-end kiosk keeps up with its camera."""
        self.decoder = decoder or make_decoder()
        self.fallback = self._fallback(fallback)
        self.accept, self.restore, self.tilt_retry, self.budget = accept, restore, tilt_retry, budget
        self._cost: dict[str, float] = {}  # running mean CPU seconds of each stage
        self._cv2 = require("cv2")

    def _fallback(self, choice) -> Decoder | None:
        if choice is not True:
            return choice or None
        try:
            return make_decoder("zxing" if self.decoder.name == "pyzbar" else "pyzbar")
        except MissingLibrary as e:
            log.warning("no fallback decoder: %s", e)
            return None

    def gray(self, frame):
        """The frame as an 8-bit grayscale array."""
        return imaging.gray(frame)

    def read(self, frame, near: Spot | None = None) -> ReadResult:
        """Decode one frame (BGR or gray numpy array); `near` is where a code was last seen.
        Nothing read: the result still says where the most code-like place is, and its blur."""
        img = imaging.gray(frame)
        measured: list = []
        return self._first(self._stages(img, near, measured), measured, self._budget(img))

    def quick(self, frame, near: Spot | None = None) -> ReadResult:
        """Only the cheap stages (the whole frame, the zoom on `near`): for frames that are not
        worth the full effort (a blurrier one among sharper ones)."""
        img = imaging.gray(frame)
        stages = [("frame", lambda: self.decoder.find(img))]
        if near is not None:
            stages.append(("zoom", lambda: self._zoom(img, near)))
        return self._first(stages, [], None)

    def _budget(self, img) -> float | None:
        """This frame's CPU budget in seconds (None: no limit)."""
        if not self.budget:
            return None
        low, high = self.BUDGET_MS
        share = min(max((img.shape[1] - 640) / 640, 0.0), 1.0)
        return (low + (high - low) * share) / 1000

    def _first(self, stages, measured: list, budget: float | None) -> ReadResult:
        """Run the stages until one finds a code; `measured` collects (blur, spot) on the way.
        Past the first stage, one that would overrun `budget` (CPU seconds) is skipped."""
        rejected, started = 0, time.thread_time()
        for stage, finder in stages:
            before = time.thread_time()
            if budget is not None and stage != "frame" and before - started + self._cost.get(stage, 0.0) > budget:
                continue
            found = finder()
            spent = time.thread_time() - before
            self._cost[stage] = spent if stage not in self._cost else 0.8 * self._cost[stage] + 0.2 * spent
            scans = []
            for f in found:
                scan = self.accept(f.symbology, f.text)
                if scan is None:
                    rejected += 1
                else:
                    scans.append((scan, f.spot))
            blur = measured[0][0] if measured else None
            if scans:
                best = _best([s for s, _ in scans])
                spot = next(sp for s, sp in scans if s is best)
                return ReadResult(best, rejected, spot, blur, stage)
            if found:  # something that is not ours is in view: nothing to restore
                return ReadResult(None, rejected, found[0].spot, blur, stage)
        return ReadResult(None, rejected, measured[0][1] if measured else None,
                          measured[0][0] if measured else None, "")

    def _stages(self, img, near: Spot | None, measured: list):
        """(name, finder) of each stage in order, most reads per CPU ms first; the restoration
        adds the blur it measures."""
        straight: list = []  # the straightened barcode, from "tilt" to "rectify"
        yield "frame", lambda: self.decoder.find(img)
        if near is not None:
            yield "zoom", lambda: self._zoom(img, near)
        if self.tilt_retry:
            yield "tilt", lambda: self._straightened(img, straight)
        if not self.decoder.turns:
            yield "turned", lambda: self._turned(img)
        if self.restore:
            size = self.PATCH if img.shape[1] <= self.WORK_WIDTH else self.PATCH * 3 // 2
            spots = [near] if near else []
            spots += [Spot(x, y, 0) for x, y, _ in imaging.code_spots(img, 2)]
            spots = [s for i, s in enumerate(spots)
                     if all(abs(s.x - t.x) + abs(s.y - t.y) > size / 3 for t in spots[:i])][:2]
            for i, spot in enumerate(spots):
                patch, x0, y0 = imaging.cut(img, (spot.x, spot.y), size)
                blur = imaging.estimate_blur(patch)
                measured.append((blur, spot))
                for kernel in self._kernels(blur):
                    yield "restore", lambda p=patch, k=kernel, x0=x0, y0=y0: self._placed(
                        self.decoder.find(imaging.deconvolve(p, k)), x0, y0)
                if i == 0:
                    yield "contrast", lambda spot=spot: self._stretched(img, spot, size * 3 // 2)
                    yield "finder", lambda spot=spot: self._repaired(img, spot, size * 3 // 2)
        work, scale = self._work(img)
        if self.fallback is not None:
            yield "fallback", lambda: self._placed(self.fallback.find(work), 0, 0, outer=1 / scale)
        if self.tilt_retry:
            yield "rectify", lambda: self._rectified(straight)

    @staticmethod
    def _kernels(blur: imaging.Blur) -> list:
        """The blur to undo: a streak when the edges are clearly weaker one way (as measured, then
        a little shorter: the length estimate errs long as often as not), else a disk."""
        if blur.streak > 1.5:
            return [imaging.motion_kernel(length, blur.angle) for length in (blur.length, 0.85 * blur.length)]
        return [imaging.disk_kernel(blur.radius)] if blur.radius >= 1.5 else []

    def _work(self, img):
        if img.shape[1] <= self.WORK_WIDTH:
            return img, 1.0
        scale = 0.5
        return self._cv2.resize(img, None, fx=scale, fy=scale, interpolation=self._cv2.INTER_AREA), scale

    def _zoom(self, img, near: Spot) -> list[Found]:
        """The tracked code cut out with room around it and enlarged to about 300 px."""
        side = int(max(160, 2.2 * near.size))
        patch, x0, y0 = imaging.cut(img, (near.x, near.y), side)
        factor = min(3.0, max(1.0, 300 / max(near.size, 1)))
        if factor > 1.2:
            patch = self._cv2.resize(patch, None, fx=factor, fy=factor, interpolation=self._cv2.INTER_CUBIC)
        return self._placed(self.decoder.find(patch), x0, y0, inner=1 / factor if factor > 1.2 else 1.0)

    def _stretched(self, img, spot: Spot, size: int) -> list[Found]:
        """The most code-like place with its contrast stretched locally: the print under a glare
        or in a shadow turns black on white again."""
        patch, x0, y0 = imaging.cut(img, (spot.x, spot.y), size)
        return self._placed(self.decoder.find(imaging.stretch_contrast(patch, img.shape[1] // 80)), x0, y0)

    def _repaired(self, img, spot: Spot, size: int) -> list[Found]:
        """A QR one of whose three finder patterns is hidden (a finger, a glare), read with the
        hidden one painted back where the two in view say it is; its error correction restores
        the modules still covered, and a wrong guess reads nothing."""
        patch, x0, y0 = imaging.cut(img, (spot.x, spot.y), size)
        finders = imaging.finder_patterns(patch)
        if len(finders) != 2 or not 0.7 < finders[0][2] / finders[1][2] < 1.4:
            return []
        h, w = patch.shape
        for centre, side, angle in imaging.hidden_finders(*finders, towards=(w / 2, h / 2)):
            if 0 <= centre[0] < w and 0 <= centre[1] < h:
                found = self.decoder.find(imaging.paint_finder(patch.copy(), centre, side, angle), only=QR)
                if found:
                    return self._placed(found, x0, y0)
        return []

    def _turned(self, img) -> list[Found]:
        """A Code128 turned 90°, read across the frame's columns (the frame transposed)."""
        return [f if f.spot is None else f._replace(spot=Spot(f.spot.y, f.spot.x, f.spot.size))
                for f in self.decoder.find(self._cv2.transpose(img), only=CODE128)]

    def _straightened(self, img, keep: list) -> list[Found]:
        """A tilted Code128 straightened (kept in `keep` for `_rectified`) and read across the
        middle of its bars (a third of their height: enough rows, a third of the work), as it is,
        then with the webcam lens's softness undone: a dense Code128's narrowest bars fade to grey."""
        patch = imaging.straightened_barcode(img)
        if patch is None or patch.shape[1] < self.BARS_ASPECT * patch.shape[0]:
            return []
        keep.append(patch)
        h = patch.shape[0]
        band = patch[h // 3:h - h // 3]
        found = self.decoder.find(band, only=CODE128)
        if not found:
            sigma = self.LENS * img.shape[1] / 640 * imaging.straightened_zoom(img.shape[1])
            found = self.decoder.find(imaging.deconvolve(band, imaging.lens_kernel(sigma), 0.01), only=CODE128)
        return [f._replace(spot=None) for f in found]

    def _rectified(self, straight: list) -> list[Found]:
        """The straightened Code128 with its perspective undone too, read by both decoders (ZBar
        copes better with the bars' widths left uneven by the warp)."""
        flat = imaging.rectified_barcode(straight[0]) if straight else None
        for decoder in () if flat is None else filter(None, (self.decoder, self.fallback)):
            found = decoder.find(flat, only=CODE128)
            if found:
                return [f._replace(spot=None) for f in found]
        return []

    @staticmethod
    def _placed(found: list[Found], x0: float, y0: float, inner: float = 1.0, outer: float = 1.0) -> list[Found]:
        """Spots found in a cut-out back in frame pixels: frame = (cut origin + spot × inner) × outer."""
        return [f if f.spot is None else f._replace(spot=Spot((x0 + f.spot.x * inner) * outer,
                                                             (y0 + f.spot.y * inner) * outer,
                                                             f.spot.size * inner * outer)) for f in found]


class Debouncer:
    """Accepts a key once, then ignores it for `seconds` (the same receipt held in front of the
    camera) — unless it comes back with a higher rank (the receipt's QR after its Code128)."""

    def __init__(self, seconds: float = 3.0, clock: Callable[[], float] = time.monotonic):
        """`clock` returns seconds (monotonic)."""
        self.seconds = seconds
        self.clock = clock
        self._seen: dict[str, tuple[float, int]] = {}

    def accept(self, key: str, rank: int = 0) -> bool:
        """True the first time `key` is seen, when it was last seen more than `seconds` ago, or
        when `rank` is higher than it was."""
        now = self.clock()
        self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.seconds}
        before = self._seen.get(key)
        if before is not None and before[1] >= rank:
            self._seen[key] = (now, before[1])
            return False
        self._seen[key] = (now, rank)
        return True

    def accept_scan(self, scan: Scan) -> bool:
        """A scan, keyed by what it identifies; a scan with the secret outranks one without."""
        return self.accept(f"{scan.kind}:{scan.code}", 1 if scan.secret is not None else 0)

    def reset(self) -> None:
        """Forget every key (the kiosk screen was cleared)."""
        self._seen.clear()
