"""Synthetic photos of dossier receipts (Mẫu 01) for the decode bench, the camera tests and demos.

Pillow + numpy + qrcode + python-barcode only (no device library): a receipt with the dossier
code as Code128 and `code|secret` as QR is rendered, then "photographed" into a 640×480 or
1280×720 frame with rotation, perspective, blur, noise, low contrast or a small code.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import barcode
import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from office.rules.codes import format_dossier_code, receipt_qr_payload

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
KINDS = ("clean", "rotation", "blur", "noise", "perspective", "low_contrast", "small", "code128_tilt")
SIZES = ((640, 480), (1280, 720))


@dataclass(frozen=True)
class Sample:
    """One generated camera frame and what it carries."""

    frame: np.ndarray  # BGR uint8, like a camera frame
    code: str
    secret: str
    kind: str


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf")), size)


def code128_strip(code: str, module: int = 2, height: int = 90) -> Image.Image:
    """The Code128 of `code` (quiet zones included) with the code printed below."""
    modules = barcode.get("code128", code).build()[0]
    quiet = 12 * module
    img = Image.new("L", (len(modules) * module + 2 * quiet, height + 34), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(modules):
        if bit == "1":
            draw.rectangle([quiet + i * module, 0, quiet + (i + 1) * module - 1, height], fill=0)
    draw.text((img.width // 2, height + 4), code, font=_font(24), fill=0, anchor="ma")
    return img


def qr_image(payload: str, module: int = 8) -> Image.Image:
    """A QR (error correction M, 4-module quiet zone) as a grayscale image."""
    q = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    q.add_data(payload)
    q.make(fit=True)
    m = np.array(q.get_matrix(), dtype=np.uint8)
    return Image.fromarray(((1 - m) * 255).astype(np.uint8)).resize(
        (m.shape[1] * module, m.shape[0] * module), Image.NEAREST)


def receipt(code: str, secret: str) -> Image.Image:
    """A paper receipt (grayscale, 800 px wide) with header text, Code128, QR and the secret."""
    img = Image.new("L", (800, 760), 250)
    draw = ImageDraw.Draw(img)
    draw.text((400, 30), "UBND XÃ TÂN PHÚ", font=_font(26, True), fill=20, anchor="ma")
    draw.text((400, 70), "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", font=_font(28, True), fill=20, anchor="ma")
    strip = code128_strip(code)
    img.paste(strip, ((800 - strip.width) // 2, 120))
    qr = qr_image(receipt_qr_payload(code, secret))
    img.paste(qr, (800 - qr.width - 30, 270))
    lines = ["Mã hồ sơ:", code, f"Mã tra cứu: {secret}", "Thủ tục: Đăng ký khai sinh",
             "Ngày hẹn trả: 15:00 05/03/2026", "Nơi nhận kết quả: Quầy 1"]
    for i, line in enumerate(lines):
        draw.text((40, 290 + 44 * i), line, font=_font(26, i == 2), fill=30)
    for i in range(4):
        draw.line([(40, 600 + 36 * i), (760, 600 + 36 * i)], fill=150, width=2)
    return img


def _coeffs(out_quad, in_quad) -> list[float]:
    """PIL PERSPECTIVE coefficients mapping output points to input points."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(out_quad, in_quad):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return list(np.linalg.solve(np.array(rows, float), np.array(rhs, float)))


def photograph(paper: Image.Image, size: tuple[int, int], rng: random.Random, *, fill: float,
               angle: float, skew: float = 0.0, blur: float = 0.6, noise: float = 3.0,
               contrast: float = 1.0) -> np.ndarray:
    """`paper` held in front of a camera: scaled to `fill` of the frame, rotated, skewed, blurred,
    noisy and contrast-reduced; returns a BGR frame."""
    w, h = size
    scale = fill * min(w / paper.width, h / paper.height)
    pw, ph = paper.width * scale, paper.height * scale
    cx = w / 2 + rng.uniform(-0.08, 0.08) * w
    cy = h / 2 + rng.uniform(-0.08, 0.08) * h
    a = np.radians(angle)
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = sx * pw / 2, sy * ph / 2
        x += rng.uniform(-skew, skew) * pw
        y += rng.uniform(-skew, skew) * ph
        corners.append((cx + x * np.cos(a) - y * np.sin(a), cy + x * np.sin(a) + y * np.cos(a)))
    src = [(0, 0), (paper.width, 0), (paper.width, paper.height), (0, paper.height)]
    coeffs = _coeffs(corners, src)
    warped = paper.transform(size, Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    mask = Image.new("L", paper.size, 255).transform(size, Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    yy, xx = np.mgrid[0:h, 0:w]
    background = (90 + 40 * xx / w + 20 * yy / h).astype(np.uint8)
    frame = Image.composite(warped, Image.fromarray(background), mask)
    if blur:
        frame = frame.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(frame, dtype=np.float32)
    light = 0.85 + 0.15 * (xx / w)  # uneven lighting
    arr = arr * light
    if contrast != 1.0:
        arr = arr.mean() + (arr - arr.mean()) * contrast
    if noise:
        arr = arr + np.random.default_rng(rng.randrange(1 << 30)).normal(0, noise, arr.shape)
    gray = np.clip(arr, 0, 255).astype(np.uint8)
    return np.repeat(gray[:, :, None], 3, axis=2)


def sample(kind: str, size: tuple[int, int], rng: random.Random, code: str, secret: str) -> Sample:
    """One frame of the given kind (see KINDS)."""
    paper = receipt(code, secret)
    base = dict(fill=rng.uniform(0.75, 0.95), angle=rng.uniform(-4, 4))
    params = {
        "clean": {},
        "rotation": dict(angle=rng.choice((-1, 1)) * rng.uniform(10, 45)),
        "blur": dict(blur=rng.uniform(1.2, 2.0)),
        "noise": dict(noise=rng.uniform(10, 18)),
        "perspective": dict(skew=rng.uniform(0.06, 0.12)),
        "low_contrast": dict(contrast=rng.uniform(0.25, 0.4)),
        "small": dict(fill=rng.uniform(0.45, 0.55)),
        "code128_tilt": dict(angle=rng.choice((-1, 1)) * rng.uniform(8, 28), fill=rng.uniform(0.85, 0.95)),
    }[kind]
    if kind == "code128_tilt":  # the barcode held close, the QR out of the picture
        paper = paper.crop((0, 110, 800, 260))
    frame = photograph(paper, size, rng, **{**base, **params})
    return Sample(frame, code, secret, kind)


def corpus(size: tuple[int, int], per_kind: int = 12, seed: int = 7,
           agency: str = "000.31.20.H56") -> list[Sample]:
    """`per_kind` frames of every kind at one frame size, each with its own code and secret."""
    rng = random.Random(seed * 1000 + size[0])
    out = []
    for kind in KINDS:
        for _ in range(per_kind):
            day = date(2026, rng.randint(1, 12), rng.randint(1, 28))
            code = format_dossier_code(agency, day, rng.randint(1, 9999))
            out.append(sample(kind, size, rng, code, f"{rng.randrange(1_000_000):06d}"))
    return out
