"""The seeded scanning corpus: what citizens hold up to the kiosk camera, filmed by `testkit.webcam`.

Papers: our own Mẫu 01 receipts (a small seeded demo office, `forms.receipt` rasterised by
pdftoppm at 300 dpi), thermal queue tickets (`devices.ticket_render`, printed dots spread on
thermal paper) and foreign codes that must never be accepted (a CCCD's QR, VietQR, URLs, a
shipping label, near-miss dossier codes, non-UTF-8 and Hanzi-mode QRs). Every degradation of
`KINDS` is drawn per frame from a seeded rng at 640×480 and 1280×720; `clip` makes a 2–3 s video
of a receipt brought up by a hand, with motion and focus changing over time.
"""
from __future__ import annotations

import functools
import math
import random
import subprocess
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import barcode
import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

import forms
from demo.seed import demo_secret, seed_demo
from devices import require
from devices.ticket_render import TicketInfo, render_ticket
from office.catalogue import read_catalogue
from office.config import OfficeConfig
from office.rules.rating import TOKEN_ALPHABET, TOKEN_LENGTH
from office.service import OfficeService
from testkit.webcam import Paper, Shot, film, project

cv2 = require("cv2")  # OpenCV, loaded like every device library

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
KINDS = ("clean", "perspective", "rotation", "motion_blur", "defocus", "jpeg", "uneven_light", "glare",
         "low_contrast", "crease", "finger", "phone_screen", "combined")
SIZES = ((640, 480), (1280, 720))
DEMO_NOW = datetime(2026, 3, 6, 16, 0)  # a Friday afternoon: the seeded office's "now"


@dataclass(frozen=True)
class Expect:
    """What a frame carries: a dossier receipt (code, and the secret when its QR is in view) or a
    queue ticket (its number); `None` in place of an Expect means a foreign code."""

    kind: str  # "dossier" | "ticket"
    code: str
    secret: str | None = None


@dataclass(frozen=True)
class Printed:
    """A paper and what a correct scan of it gives."""

    paper: Paper
    expect: Expect | None
    source: str  # "receipt" | "ticket" | "foreign:<what>"


@dataclass(frozen=True)
class Sample:
    """One camera frame of the corpus."""

    frame: np.ndarray  # BGR uint8
    expect: Expect | None
    kind: str  # the degradation (KINDS)
    source: str  # "receipt" | "receipt_code128" | "ticket" | "foreign:<what>"
    size: tuple[int, int]
    shot: Shot | None = None  # how it was filmed (for diagnostics)
    paper: Paper | None = None


# ---- papers -------------------------------------------------------------------------------

def demo_office(folder: Path, dossiers: int = 40, seed: int = 16) -> OfficeService:
    """A small seeded demo office (long Vietnamese names, real procedures) to print receipts from."""
    svc = OfficeService.open(Path(folder) / "office.sqlite", OfficeConfig(), clock=lambda: DEMO_NOW)
    seed_demo(svc, dossiers=dossiers, tickets=0, days=6, seed=seed, now=DEMO_NOW, with_events=False)
    return svc


def _locate(page: np.ndarray) -> dict[str, tuple[float, float, float]]:
    """Where the QR and the Code128 are on a clean rendered page: centre and size (px)."""
    found, points = cv2.QRCodeDetector().detect(page)
    if not found:
        raise RuntimeError("the rendered receipt has no QR to aim at")
    pts = points.reshape(-1, 2)
    targets = {"qr": (*pts.mean(axis=0), float(np.ptp(pts[:, 0])))}
    # The Code128: the longest run of columns with bar edges in most rows of the densest band.
    edges = np.abs(np.diff(page.astype(np.int16), axis=1)) > 100
    top = int(pts[:, 1].max())
    rows = edges[:top].sum(axis=1)
    band = np.nonzero(rows > 0.6 * rows.max())[0]
    cols = np.nonzero(edges[band].sum(axis=0) > 0.5 * band.size)[0]
    cols = cols[cols < pts[:, 0].min()]
    if cols.size:
        runs = np.split(cols, np.nonzero(np.diff(cols) > 40)[0] + 1)
        bars = max(runs, key=len)
        targets["code128"] = ((bars[0] + bars[-1]) / 2, (band.min() + band.max()) / 2, float(bars[-1] - bars[0]))
    return targets


def receipts(svc: OfficeService, dossiers: list[tuple[str, str]], dpi: int = 300) -> list[Printed]:
    """Each dossier's Mẫu 01 as printed from its (code, lookup secret): the PDF from
    `forms.receipt`, rasterised in grey."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for i, (code, secret) in enumerate(dossiers):
            pdf = Path(tmp) / f"r{i}.pdf"
            pdf.write_bytes(forms.receipt(svc, code, secret))
            jobs.append(subprocess.Popen(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile",
                                          str(pdf), str(Path(tmp) / f"r{i}")]))
        for i, ((code, secret), job) in enumerate(zip(dossiers, jobs)):
            if job.wait(timeout=120) != 0:
                raise RuntimeError(f"pdftoppm failed on the receipt of {code}")
            page = cv2.imread(str(Path(tmp) / f"r{i}.png"), cv2.IMREAD_GRAYSCALE)
            paper = Paper(page, dpi / 25.4, _locate(page))
            out.append(Printed(paper, Expect("dossier", code, secret), "receipt"))
    return out


def tickets(count: int, seed: int = 16) -> list[Printed]:
    """Queue tickets as a thermal printer prints them (8 dots/mm, dots spreading a little)."""
    rng = random.Random(seed)
    catalogue = read_catalogue()
    services, counters = catalogue["services"], catalogue["counters"]
    out = []
    for _ in range(count):
        service = rng.choice(services)
        number = f"{service.prefix}{rng.randint(1, 250):03d}"
        issued = datetime(2026, 3, rng.randint(2, 27), rng.randint(7, 16), rng.randint(0, 59))
        at = tuple(c.name for c in counters if service.code in c.services)
        token = "".join(rng.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
        info = TicketInfo(OfficeConfig().office_name, number, service.name, at, issued, rng.randint(0, 30),
                          rng.randint(0, 90), rating_token=token)
        dots = np.array(render_ticket(info).convert("L"))
        margin = np.full((dots.shape[0], 64), 255, np.uint8)  # 80 mm paper, 64 mm printed
        dots = np.hstack([margin, dots, margin])
        thermal = cv2.resize(dots, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
        thermal = cv2.GaussianBlur(thermal, (0, 0), 1.0)  # dot gain
        paper = Paper(thermal, 24.0, _locate_qr_only(thermal))
        out.append(Printed(paper, Expect("ticket", number, token), "ticket"))
    return out


def _locate_qr_only(page: np.ndarray) -> dict[str, tuple[float, float, float]]:
    found, points = cv2.QRCodeDetector().detect(page)
    if not found:
        raise RuntimeError("the rendered ticket has no QR to aim at")
    pts = points.reshape(-1, 2)
    return {"qr": (*pts.mean(axis=0), float(np.ptp(pts[:, 0])))}


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf")), size)


def _qr(payload: str | bytes, module: int, mode: str | None = None) -> Image.Image:
    q = segno.make_qr(payload, mode=mode, error="m", boost_error=False)
    rows = [[0 if dark else 255 for dark in row] for row in q.matrix_iter(scale=module, border=4)]
    return Image.fromarray(np.array(rows, np.uint8))


def _code128(text: str, module: int, height: int) -> Image.Image:
    bits = barcode.get("code128", text).build()[0]
    img = Image.new("L", (len(bits) * module + 20 * module, height), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(bits):
        if bit == "1":
            draw.rectangle([(10 + i) * module, 0, (11 + i) * module - 1, height], fill=0)
    return img


def _vietqr(account: str, amount: int, note: str) -> str:
    """A VietQR (EMVCo merchant-presented) payload with its CRC-16/CCITT-FALSE."""
    def tlv(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"
    bank = tlv("00", "970436") + tlv("01", account)
    merchant = tlv("00", "A000000727") + tlv("01", bank) + tlv("02", "QRIBFTTA")
    body = (tlv("00", "01") + tlv("01", "12") + tlv("38", merchant) + tlv("53", "704") + tlv("54", str(amount))
            + tlv("58", "VN") + tlv("62", tlv("08", note)) + "6304")
    crc = 0xFFFF
    for byte in body.encode("ascii"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{body}{crc:04X}"


FOREIGN = {
    # A chip ID card's QR: ID number | old ID | name | birth date | sex | address | issue date.
    "cccd": ("qr", "079190001234|271234567|Nguyễn Thị Thu Hương|12051990|Nữ|"
                   "Thôn Đồng Tâm, xã Tân Phú, tỉnh Đồng Nai|01072021"),
    "vietqr": ("qr", _vietqr("0071000123456", 50000, "LE PHI HO TICH")),
    "url": ("qr", "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html"),
    "url_code_only": ("qr", "https://motcua.example.vn/tra-cuu#000.31.20.H56-260306-0007"),
    "url_short_secret": ("qr", "https://motcua.example.vn/tra-cuu#000.31.20.H56-260306-0007.70375"),
    "shipping_code128": ("code128", "SPXVN046832715927"),
    "vnpost_code128": ("code128", "EB123456789VN"),
    "shipping_qr": ("qr", '{"order":"GHN-5FXK2Q9","to":"Trần Văn Bình","phone":"0912345678"}'),
    "near_code128": ("code128", "000.31.20.H56-2603060007"),  # the dash dropped: not a dossier code
    "bad_date_qr": ("qr", "000.31.20.H56-261306-0007|703758"),  # month 13
    "near_secret_qr": ("qr", "000.31.20.H56-260306-0007|7037581"),  # a 7-digit secret
    "latin1_qr": ("qr", b"\xff\xfe000.31.20.H56-260306-0007|703758"),  # bytes that are not UTF-8
    "hanzi_qr": ("qr", "汉字编码二维码"),  # Hanzi mode: OpenCV's decoder raises on it
}

FOREIGN_TEXTS = tuple(payload for _, payload in FOREIGN.values() if isinstance(payload, str))


def label(name: str, symbology: str, payload: str | bytes, module: int = 8) -> Printed:
    """A printed label or card carrying one code (no expectation: foreign until said otherwise)."""
    if symbology == "qr":
        mode = "hanzi" if name == "hanzi_qr" else ("byte" if isinstance(payload, bytes) else None)
        code = _qr(payload, module=module, mode=mode)
    else:
        code = _code128(payload, module=module, height=200)
    page = Image.new("L", (code.width + 240, code.height + 320), 255)
    page.paste(code, (120, 120))
    draw = ImageDraw.Draw(page)
    draw.text((120, 30), {"cccd": "CĂN CƯỚC CÔNG DÂN"}.get(name, name.upper()), font=_font(48, True), fill=0)
    draw.text((120, code.height + 160), "Không phải giấy tiếp nhận hồ sơ", font=_font(40), fill=40)
    px_per_mm = 24.0  # 8 px modules ≈ 0.33 mm: a dense label
    target = (120 + code.width / 2, 120 + code.height / 2, float(code.width))
    return Printed(Paper(np.array(page), px_per_mm, {symbology: target}), None, f"foreign:{name}")


def foreign(seed: int = 16) -> list[Printed]:
    """One label or card per foreign code of FOREIGN, printed at a typical size."""
    rng = random.Random(seed)
    return [label(name, symbology, payload, module=rng.choice((7, 8, 9)))
            for name, (symbology, payload) in FOREIGN.items()]


@functools.cache
def papers(receipt_count: int = 4, ticket_count: int = 4, seed: int = 16) -> dict[str, list[Printed]]:
    """Receipts printed from a throwaway seeded demo office, and tickets (rendered once per process)."""
    with tempfile.TemporaryDirectory() as tmp:
        svc = demo_office(Path(tmp), seed=seed)
        try:
            codes = svc.store.dossier_codes(limit=receipt_count)
            printed = receipts(svc, [(code, demo_secret(seed, code)) for code in codes])
        finally:
            svc.store.close()
    return {"receipt": printed, "ticket": tickets(ticket_count, seed)}


# ---- shots --------------------------------------------------------------------------------

def _view_mm(source: str, size: tuple[int, int], rng: random.Random) -> float:
    """How much paper the frame spans (mm): a receipt held 15–30 cm from a ~64° webcam."""
    hd = size[0] > 640
    return {"receipt": rng.uniform(100, 200) if hd else rng.uniform(90, 170),
            "receipt_code128": rng.uniform(105, 140) if hd else rng.uniform(95, 115),
            "ticket": rng.uniform(80, 150) if hd else rng.uniform(70, 130),
            "phone": rng.uniform(90, 160) if hd else rng.uniform(80, 140)}.get(source, rng.uniform(80, 140))


def _box(paper: Paper, target: str) -> np.ndarray:
    """The corners of a code on the paper (a Code128 is about a fifth as tall as it is wide)."""
    x, y, size = paper.targets[target]
    hw, hh = size / 2, (size / 2 if target == "qr" else size / 10)
    return np.array([(x - hw, y - hh), (x + hw, y - hh), (x + hw, y + hh), (x - hw, y + hh)])


def in_view(paper: Paper, shot: Shot, size: tuple[int, int], target: str, margin: float = 0.03) -> bool:
    """Whether the whole code (and its quiet zone) is inside the frame."""
    corners = project(paper, shot, size, _box(paper, target))
    w, h = size
    return bool((corners[:, 0] > margin * w).all() and (corners[:, 0] < (1 - margin) * w).all()
                and (corners[:, 1] > margin * h).all() and (corners[:, 1] < (1 - margin) * h).all())


def _target(printed: Printed, source: str) -> str:
    return "code128" if source == "receipt_code128" else ("qr" if "qr" in printed.paper.targets else "code128")


def _base(printed: Printed, source: str, size: tuple[int, int], rng: random.Random) -> Shot:
    target = _target(printed, source)
    x, y, _ = printed.paper.targets[target]
    spread = 6 * printed.paper.px_per_mm  # aimed roughly, not exactly, at the code
    return Shot(aim=(x + rng.uniform(-spread, spread), y + rng.uniform(-spread, spread)),
                view_mm=_view_mm(source, size, rng), offset=(rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12)),
                roll=rng.uniform(-12, 12), tilt=rng.uniform(0, 8), tilt_axis=rng.uniform(0, 180),
                lens=rng.uniform(0.5, 0.9), noise=rng.uniform(1.5, 3.5), jpeg=rng.randint(80, 92),
                ink=rng.randint(15, 45), white=rng.randint(210, 245),
                light=(rng.uniform(0, 0.15), rng.uniform(0, 360), rng.uniform(0, 0.3)),
                tint=(rng.uniform(0.92, 1.05), 1.0, rng.uniform(0.95, 1.08)), seed=rng.randrange(1 << 30))


def _degrade(shot: Shot, kind: str, rng: random.Random, mild: bool = False) -> Shot:
    """The shot spoilt one way (severity from the issue's ranges; `mild` halves it for combinations)."""
    f = 0.6 if mild else 1.0

    def span(lo: float, hi: float) -> float:
        return rng.uniform(lo, lo + (hi - lo) * f)

    if kind == "perspective":
        return replace(shot, tilt=span(10, 35), tilt_axis=rng.uniform(0, 180))
    if kind == "rotation":
        return replace(shot, roll=rng.uniform(0, 360))
    if kind == "motion_blur":
        return replace(shot, motion=span(4, 14), motion_angle=rng.uniform(0, 180))
    if kind == "defocus":
        return replace(shot, defocus=span(1.5, 4.0))
    if kind == "jpeg":
        return replace(shot, jpeg=rng.randint(30, 70))
    if kind == "uneven_light":
        return replace(shot, light=(span(0.4, 0.7), rng.uniform(0, 360), span(0.2, 0.5)))
    if kind == "glare":
        return replace(shot, glare=(rng.uniform(-10, 10), rng.uniform(-10, 10), span(4, 10), span(0.5, 1.1)))
    if kind == "low_contrast":
        ink = rng.randint(100, 140)
        return replace(shot, ink=ink, white=min(250, ink + int(span(70, 40) if mild else rng.uniform(40, 70))))
    if kind == "crease":
        return replace(shot, crease=(rng.uniform(0, 180), rng.uniform(-8, 8), rng.uniform(0.7, 0.9)))
    if kind == "finger":
        return replace(shot, finger=(rng.uniform(0, 360), span(0.05, 0.3), rng.uniform(14, 18)))
    if kind == "phone_screen":
        return replace(shot, screen=True, glare=(rng.uniform(-15, 15), rng.uniform(-15, 15), rng.uniform(6, 14),
                                                 rng.uniform(0.15, 0.45)))
    return shot


SPOILERS = ("perspective", "motion_blur", "defocus", "jpeg", "uneven_light", "glare", "low_contrast", "crease",
            "finger")


def shot_for(printed: Printed, source: str, kind: str, size: tuple[int, int], rng: random.Random) -> Shot:
    """A seeded shot of `printed` spoilt by `kind` ("combined": two spoilers at milder severity),
    with the whole code in the frame (the citizen sees the camera picture on the kiosk screen)."""
    target = _target(printed, source)
    for _ in range(20):
        shot = _base(printed, source, size, rng)
        if kind == "combined":
            for spoiler in rng.sample(SPOILERS, 2):
                shot = _degrade(shot, spoiler, rng, mild=True)
        else:
            shot = _degrade(shot, kind, rng)
        if in_view(printed.paper, shot, size, target):
            return shot
    raise RuntimeError(f"no shot of {source} keeps its code in a {size} frame")


def phone_paper(printed: Printed) -> Printed:
    """The receipt as a photo on a phone: its QR block cropped and shown on a ~65 mm wide screen."""
    paper = printed.paper
    x, y, s = paper.targets["qr"]
    half = int(s * 0.9)
    crop = paper.image[max(0, int(y) - half):int(y) + half, max(0, int(x) - half):int(x) + half]
    screen_mm = 60.0
    ppm = crop.shape[1] / screen_mm
    return Printed(Paper(crop, ppm, {"qr": (crop.shape[1] / 2, crop.shape[0] / 2, s)}), printed.expect, "phone")


def corpus(size: tuple[int, int], papers: dict[str, list[Printed]], per_kind: int = 12, seed: int = 16,
           kinds: tuple[str, ...] = KINDS) -> list[Sample]:
    """`per_kind` frames of every degradation at one frame size: receipts (both codes in view),
    receipts with only the Code128 in view, and tickets, drawn by a seeded rng."""
    rng = random.Random(seed * 7919 + size[0])
    out = []
    for kind in kinds:
        for _ in range(per_kind):
            source = rng.choices(("receipt", "receipt_code128", "ticket"), (0.6, 0.15, 0.25))[0]
            if kind == "phone_screen":
                source = "receipt"
            printed = rng.choice(papers["ticket" if source == "ticket" else "receipt"])
            if kind == "phone_screen":
                printed = phone_paper(printed)
            expect = printed.expect
            if source == "receipt_code128":
                expect = replace(expect, secret=None)  # the QR is out of view: a code only
            shot = shot_for(printed, source, kind, size, rng)
            out.append(Sample(film(printed.paper, shot, size), expect, kind, source, size, shot, printed.paper))
    return out


def foreign_corpus(size: tuple[int, int], papers: list[Printed], per_paper: int = 2, seed: int = 16) -> list[Sample]:
    """Frames of foreign codes under random degradations: none may ever be accepted."""
    rng = random.Random(seed * 104729 + size[0])
    out = []
    for printed in papers:
        for _ in range(per_paper):
            kind = rng.choice(("clean", "perspective", "rotation", "jpeg", "uneven_light", "glare"))
            shot = replace(shot_for(printed, "foreign", kind, size, rng), view_mm=rng.uniform(60, 110))
            out.append(Sample(film(printed.paper, shot, size), None, kind, printed.source, size))
    return out


# ---- live clips ---------------------------------------------------------------------------

def clip(printed: Printed, size: tuple[int, int], rng: random.Random, fps: float = 30.0,
         seconds: float | None = None) -> list[np.ndarray]:
    """2–3 s of a hand bringing the receipt up: it slides in from an edge and comes closer, slows
    down, then shakes a little; motion blur follows its speed, focus hunts and settles."""
    seconds = seconds or rng.uniform(2.0, 3.0)
    base = _base(printed, "receipt", size, rng)
    n = int(round(seconds * fps))
    entry = rng.uniform(0.35, 0.7)  # seconds until the paper is roughly in place
    side = rng.uniform(0, 2 * math.pi)
    start = (0.55 * math.cos(side), 0.55 * math.sin(side))  # mostly out of the frame
    near = rng.uniform(1.3, 1.8)  # it starts farther away
    roll0, roll1 = base.roll + rng.uniform(-25, 25), base.roll
    focus_far, focus_near = rng.uniform(3.0, 5.5), rng.uniform(0.3, 2.0)
    settle = rng.uniform(0.3, 0.9)
    hunt = rng.uniform(2.5, 5.0)  # Hz: the autofocus over- and undershoots
    tremor_hz, tremor = rng.uniform(6, 11), rng.uniform(0.002, 0.008)
    drift = (rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03))
    glare = _degrade(base, "glare", rng, mild=True).glare if rng.random() < 0.2 else ()
    exposure = min(1 / fps, 1 / 30)
    frames, previous = [], None
    for i in range(n):
        t = i / fps
        e = 1 - (1 - min(1.0, t / entry)) ** 3  # ease out: fast first, then slowing down
        tremble = tremor * math.sin(2 * math.pi * tremor_hz * t + side)
        offset = (base.offset[0] * e + start[0] * (1 - e) + drift[0] * t + tremble,
                  base.offset[1] * e + start[1] * (1 - e) + drift[1] * t + tremble * 0.7)
        view = base.view_mm * (near * (1 - e) + e)
        roll = roll1 * e + roll0 * (1 - e)
        position = np.array([offset[0] * size[0], offset[1] * size[1]])
        speed = 0.0 if previous is None else float(np.linalg.norm(position - previous)) * fps
        angle = 0.0 if previous is None else math.degrees(math.atan2(*(position - previous)[::-1]))
        previous = position
        focus = focus_near + (focus_far - focus_near) * math.exp(-max(0.0, t - 0.1) / settle) * abs(
            math.cos(2 * math.pi * hunt * t))
        shot = replace(base, offset=offset, view_mm=view, roll=roll, motion=speed * exposure * 640 / size[0],
                       motion_angle=angle, defocus=focus, glare=glare, seed=base.seed + i)
        frames.append(film(printed.paper, shot, size))
    return frames


def write_clip(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    """Frames as an MJPG .avi, the way a USB webcam streams them."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def replay(path: Path, reader, fps: float | None = None) -> tuple[float | None, object | None]:
    """Play a clip to a `devices.live.LiveReader` as a live camera would on one core: frame i
    arrives at i/fps; reading a frame takes the CPU time it really took, and frames that arrive
    meanwhile are dropped (the camera keeps one). Returns (seconds to the first scan, the scan)
    or (None, None). The reader's clock must be `clock` of this replay (set below)."""
    cap = cv2.VideoCapture(str(path))
    fps = fps or cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    now = [0.0]
    reader.clock = lambda: now[0]
    i = 0
    while i < len(frames):
        now[0] = max(now[0], i / fps)
        started = time.thread_time()
        outcome = reader.feed(frames[i])
        now[0] += time.thread_time() - started
        if outcome.scan is not None:
            return now[0], outcome.scan
        i = max(i + 1, int(now[0] * fps))  # the newest frame when the reader is free again
    return None, None


def judge(scan, expect: Expect | None) -> str:
    """"read" (the right code, and the right secret if any), "wrong" (any other scan, or any
    scan at all of a foreign code) or "missed"."""
    if scan is None:
        return "missed"
    if expect is None:
        return "wrong"
    right = (scan.kind == expect.kind and scan.code == expect.code
             and (scan.secret is None or scan.secret == expect.secret))
    return "read" if right else "wrong"


def near_miss(code: str) -> list[str]:
    """Dossier codes one digit off `code` (each digit of its date and sequence, ±1)."""
    out = []
    for i, ch in enumerate(code):
        if ch.isdigit() and i > code.index("-"):
            for d in (1, 9):
                out.append(code[:i] + str((int(ch) + d) % 10) + code[i + 1:])
    return out

