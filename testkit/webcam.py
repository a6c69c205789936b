"""A simulated kiosk webcam: a flat paper (or a phone screen) held in front of a pinhole camera.

`Shot` describes one exposure — where the paper is, how it is tilted and turned, and what spoils
it (motion blur, defocus, JPEG, uneven light, glare, low contrast, a crease, a finger, a phone
screen) — and `film(paper, shot, size)` renders it as the BGR frame a cheap webcam delivers.
Deterministic: every random choice comes from the Shot (made from a seeded rng by the corpus).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from devices import require

cv2 = require("cv2")  # OpenCV, loaded like every device library

SKIN = (120, 150, 205)  # BGR of a fingertip


@dataclass(frozen=True)
class Paper:
    """A printed page as a grayscale image, its resolution, and where its codes are (paper px)."""

    image: np.ndarray  # uint8 gray, 255 = white paper
    px_per_mm: float
    targets: dict[str, tuple[float, float, float]]  # "qr" / "code128" → (centre x, centre y, size px)


@dataclass(frozen=True)
class Shot:
    """One camera exposure of a paper. Distances in mm on the paper, angles in degrees, blur
    lengths in pixels of a 640-px-wide frame (scaled for larger frames)."""

    aim: tuple[float, float]  # the paper point (paper px) the camera looks at
    view_mm: float  # paper width seen across the frame
    offset: tuple[float, float] = (0.0, 0.0)  # where the aim lands, as a fraction of the frame from centre
    roll: float = 0.0  # in-plane rotation
    tilt: float = 0.0  # paper plane against the sensor plane
    tilt_axis: float = 0.0  # direction of the tilt axis on the paper
    motion: float = 0.0  # motion-blur length
    motion_angle: float = 0.0
    defocus: float = 0.0  # disk radius
    lens: float = 0.7  # the soft optics of a cheap webcam (Gaussian sigma)
    noise: float = 2.5  # sensor noise sigma (grey levels)
    jpeg: int = 88  # MJPG quality the webcam streams at
    ink: int = 28  # grey level of black print
    white: int = 236  # grey level of the paper
    light: tuple[float, float, float] = (0.0, 0.0, 0.0)  # light falloff: strength, direction, vignette
    glare: tuple[float, float, float, float] = ()  # (dx, dy from the code in mm, radius mm, strength)
    crease: tuple[float, float, float] = ()  # (angle, offset of the line from the aim in mm, shadow)
    finger: tuple[float, float, float] = ()  # (angle it comes from, reach over the code 0–1, width mm)
    screen: bool = False  # the paper is a phone screen (emissive, bezel, moiré)
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)  # white balance (B, G, R gains)
    seed: int = 0  # noise and clutter
    extras: dict = field(default_factory=dict)


def _homography(paper: Paper, shot: Shot, size: tuple[int, int], ss: int) -> np.ndarray:
    """Paper px → supersampled frame px: roll, tilt about an in-plane axis, pinhole projection."""
    w, h = size[0] * ss, size[1] * ss
    mm = 1.0 / paper.px_per_mm
    ax, ay = shot.aim
    to_mm = np.array([[mm, 0, -ax * mm], [0, mm, -ay * mm], [0, 0, 1]])
    r = math.radians(shot.roll)
    roll = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    # 3D: rotate the plane by `tilt` about the axis at `tilt_axis` in the paper plane.
    a, t = math.radians(shot.tilt_axis), math.radians(shot.tilt)
    k = np.array([math.cos(a), math.sin(a), 0.0])
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = np.eye(3) + math.sin(t) * kx + (1 - math.cos(t)) * kx @ kx
    distance = 0.8 * shot.view_mm  # a webcam's ~64° horizontal field of view
    focal = w * distance / shot.view_mm
    cx, cy = w / 2 + shot.offset[0] * w, h / 2 + shot.offset[1] * h
    camera = np.array([[focal, 0, cx], [0, focal, cy], [0, 0, 1]])
    plane = np.column_stack([rot[:, 0], rot[:, 1], [0, 0, distance]])
    return camera @ plane @ roll @ to_mm


def project(paper: Paper, shot: Shot, size: tuple[int, int], points: np.ndarray) -> np.ndarray:
    """Where paper points (N×2, paper px) land in the frame (frame px)."""
    hom = _homography(paper, shot, size, 1)
    return cv2.perspectiveTransform(np.asarray(points, np.float32).reshape(1, -1, 2), hom)[0]


def _disk(radius: float) -> np.ndarray:
    n = int(math.ceil(radius))
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1]
    k = np.clip(radius + 0.5 - np.hypot(xx, yy), 0, 1).astype(np.float32)
    return k / k.sum()


def _line(length: float, angle: float) -> np.ndarray:
    n = int(math.ceil(length)) | 1
    k = np.zeros((n, n), np.float32)
    c = (n - 1) / 2
    dx, dy = math.cos(math.radians(angle)) * length / 2, math.sin(math.radians(angle)) * length / 2
    cv2.line(k, (round(16 * (c - dx)), round(16 * (c - dy))), (round(16 * (c + dx)), round(16 * (c + dy))),
             1.0, 1, cv2.LINE_AA, shift=4)
    return k / max(k.sum(), 1e-6)


def _background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """What is behind the paper: a dim, uneven kiosk interior with a few shapes."""
    w, h = size
    small = rng.uniform(40, 150, (4, 5)).astype(np.float32)
    bg = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(4):
        x, y = int(rng.uniform(0, w)), int(rng.uniform(0, h))
        cv2.rectangle(bg, (x, y), (x + int(rng.uniform(20, w / 3)), y + int(rng.uniform(10, h / 4))),
                      float(rng.uniform(20, 200)), -1)
    return cv2.GaussianBlur(bg, (0, 0), 3)


def _screen_content(paper: Paper, rng: np.random.Generator) -> np.ndarray:
    """The paper as a phone shows it: a bright emissive screen in a black bezel, faint moiré."""
    img = paper.image.astype(np.float32)
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(3.0, 7.0)
    angle = rng.uniform(0, math.pi)
    moire = 1.0 + 0.06 * np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * 2 * math.pi / period)
    screen = (40 + img * 0.84) * moire  # emissive: black is never black, white is a bright 255
    return np.clip(screen, 0, 255)


def _scaled(paper: Paper, shot: Shot, size: tuple[int, int], ss: int) -> tuple[Paper, Shot]:
    """The paper shrunk by area-averaging to the scale it is rendered at (like a sensor, which
    integrates the light over each pixel; a finer image would alias in the warp)."""
    f = min(1.0, size[0] * ss / (shot.view_mm * paper.px_per_mm))
    if f > 0.9:
        return paper, shot
    image = cv2.resize(paper.image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    targets = {k: (x * f, y * f, s * f) for k, (x, y, s) in paper.targets.items()}
    aim = (shot.aim[0] * f, shot.aim[1] * f)
    return Paper(image, paper.px_per_mm * f, targets), replace(shot, aim=aim)


def _visible(paper: Paper, shot: Shot, size: tuple[int, int], ss: int) -> tuple[Paper, Shot]:
    """Only the part of the paper the camera can see (the rest costs time for nothing)."""
    inv = np.linalg.inv(_homography(paper, shot, size, ss))
    w, h = size[0] * ss, size[1] * ss
    corners = cv2.perspectiveTransform(np.array([[(0, 0), (w, 0), (w, h), (0, h)]], np.float32), inv)[0]
    margin = 10 * paper.px_per_mm
    ph, pw = paper.image.shape
    x0, y0 = (max(0, int(v - margin)) for v in corners.min(axis=0))
    x1, y1 = min(pw, int(corners[:, 0].max() + margin)), min(ph, int(corners[:, 1].max() + margin))
    if x1 - x0 < 2 or y1 - y0 < 2 or (x0 == 0 and y0 == 0 and x1 == pw and y1 == ph):
        return paper, shot
    targets = {k: (x - x0, y - y0, s) for k, (x, y, s) in paper.targets.items()}
    return Paper(paper.image[y0:y1, x0:x1], paper.px_per_mm, targets), replace(
        shot, aim=(shot.aim[0] - x0, shot.aim[1] - y0))


def film(paper: Paper, shot: Shot, size: tuple[int, int]) -> np.ndarray:
    """The BGR frame (uint8, size = (width, height)) a webcam takes of `paper` under `shot`."""
    w, h = size
    scale = w / 640.0  # blur lengths are given for a 640-px-wide frame
    rng = np.random.default_rng(shot.seed)
    ss = 2 if w <= 640 else 1  # small frames: render twice the size and average down (no aliasing)
    paper, shot = _scaled(paper, shot, size, ss)
    paper, shot = _visible(paper, shot, size, ss)
    hom = _homography(paper, shot, size, ss)
    if shot.screen:
        content = _screen_content(paper, rng)
    else:
        content = shot.ink + (shot.white - shot.ink) * (paper.image.astype(np.float32) / 255.0)
    if shot.crease:
        content = _crease(content, paper, shot)
    big = (w * ss, h * ss)
    layer = cv2.warpPerspective(content, hom, big, flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpPerspective(np.full(content.shape, 255, np.uint8), hom, big, flags=cv2.INTER_LINEAR)
    mask = mask.astype(np.float32) / 255
    if shot.screen:
        layer, mask = _phone_bezel(layer, mask, ss)
    finger = None
    if shot.finger:
        layer, mask, finger = _finger(layer, mask, paper, shot, hom, rng)
        finger = cv2.resize(finger, size, interpolation=cv2.INTER_AREA)
    layer = cv2.resize(layer, size, interpolation=cv2.INTER_AREA)
    mask = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
    # What moves or is out of focus is the paper (and the hand), not the kiosk behind it.
    layer = layer * mask
    if shot.defocus > 0.3:
        k = _disk(shot.defocus * scale)
        layer, mask = cv2.filter2D(layer, -1, k), cv2.filter2D(mask, -1, k)
    if shot.motion > 0.5:
        k = _line(shot.motion * scale, shot.motion_angle)
        layer, mask = cv2.filter2D(layer, -1, k), cv2.filter2D(mask, -1, k)
    frame = layer + _background(size, rng) * (1 - np.clip(mask, 0, 1))
    if shot.lens > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), shot.lens * scale)
    frame = _light(frame, shot, size)
    if shot.glare:
        frame = _glare(frame, paper, shot, hom, ss)
    bgr = np.stack([frame * g for g in shot.tint], axis=2)
    if finger is not None:  # skin: the same brightness, a warm colour
        skin = np.array(SKIN, np.float32) / (np.array(SKIN, np.float32) @ (0.114, 0.587, 0.299))
        bgr = bgr * (1 - finger[..., None]) + (frame[..., None] * skin) * finger[..., None]
    noise = rng.standard_normal(bgr.shape, dtype=np.float32) * (shot.noise * (0.6 + 0.8 * (1 - bgr / 255)))
    bgr = np.clip(bgr + noise, 0, 255).astype(np.uint8)
    _, jpg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(shot.jpeg)])
    return cv2.imdecode(jpg, cv2.IMREAD_COLOR)


def _crease(content: np.ndarray, paper: Paper, shot: Shot) -> np.ndarray:
    """A fold line near the aim: one side in shadow, a dark line, the far side shifted a little."""
    angle, offset_mm, shadow = shot.crease
    h, w = content.shape
    a = math.radians(angle)
    nx, ny = -math.sin(a), math.cos(a)  # normal of the fold line
    ax, ay = shot.aim
    d0 = offset_mm * paper.px_per_mm
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = (xx - ax) * nx + (yy - ay) * ny - d0
    shift = 0.25 * paper.px_per_mm  # the fold lifts the far side by a fraction of a millimetre
    m = np.float32([[1, 0, -shift * nx], [0, 1, -shift * ny]])
    moved = cv2.warpAffine(content, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    out = np.where(dist > 0, moved * shadow, content)
    line = np.exp(-(dist / (0.25 * paper.px_per_mm)) ** 2)
    return out * (1 - 0.45 * line)


def _phone_bezel(layer: np.ndarray, mask: np.ndarray, ss: int) -> tuple[np.ndarray, np.ndarray]:
    """The screen's black bezel: a dark rim around the shown content."""
    rim = cv2.dilate(mask, np.ones((9 * ss, 9 * ss), np.uint8)) - mask
    return layer + rim * 12.0, np.clip(mask + rim, 0, 1)


def _finger(layer, mask, paper: Paper, shot: Shot, hom, rng):
    """A fingertip in front of the paper whose end reaches `reach` of the way over the code from
    the side at `angle`; the finger runs from there off the paper. Returns the layer, the mask and
    the finger's own alpha (for its skin colour)."""
    angle, reach, width_mm = shot.finger
    tx, ty, tsize = _code(paper)
    out = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    across = np.array([-out[1], out[0]])
    half = width_mm * paper.px_per_mm / 2
    end = np.array([tx, ty]) + out * tsize * (0.5 - reach)  # the very end of the fingertip
    centre = end + out * half  # the rounded tip
    root = centre + out * 120 * paper.px_per_mm
    outline = [centre + half * (math.cos(t) * -out + math.sin(t) * across) for t in np.linspace(-math.pi / 2,
                                                                                                  math.pi / 2, 24)]
    outline += [root + half * 1.1 * across, root - half * 1.1 * across]
    pts = cv2.perspectiveTransform(np.array([outline], np.float32), hom)[0]
    finger = np.zeros(layer.shape, np.float32)
    cv2.fillPoly(finger, [np.round(pts * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
    size_px = float(np.linalg.norm(pts[0] - pts[23]))
    # Nearer the lens: out of focus; rounded: darker at its sides. Blurred at a quarter size (fast).
    small = cv2.resize(finger, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    soft = cv2.GaussianBlur(small, (0, 0), max(0.5, size_px / 48))
    shade = cv2.GaussianBlur(small, (0, 0), max(0.5, size_px / 20))
    finger = cv2.resize(soft, (layer.shape[1], layer.shape[0]), interpolation=cv2.INTER_LINEAR)
    shade = cv2.resize(shade, (layer.shape[1], layer.shape[0]), interpolation=cv2.INTER_LINEAR)
    skin = float(rng.uniform(125, 185)) * (0.55 + 0.45 * shade)
    layer = layer * (1 - finger) + skin * finger
    return layer, np.clip(mask + finger, 0, 1), finger


def _light(frame: np.ndarray, shot: Shot, size: tuple[int, int]) -> np.ndarray:
    """Uneven light: a falloff across the frame in one direction and a vignette."""
    strength, direction, vignette = shot.light
    if not (strength or vignette):
        return frame
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = (xx / w - 0.5), (yy / h - 0.5)
    a = math.radians(direction)
    along = u * math.cos(a) + v * math.sin(a) + 0.5  # 0 … 1 across the frame
    gain = (1 - strength * np.clip(along, 0, 1)) * (1 - vignette * (u * u + v * v) * 2)
    return frame * gain


def _glare(frame: np.ndarray, paper: Paper, shot: Shot, hom: np.ndarray, ss: int) -> np.ndarray:
    """A specular highlight near the code: a bright spot that burns out the print under it."""
    dx, dy, radius_mm, strength = shot.glare
    tx, ty, _ = _code(paper)
    centre = np.array([[[tx + dx * paper.px_per_mm, ty + dy * paper.px_per_mm],
                        [tx + (dx + radius_mm) * paper.px_per_mm, ty + dy * paper.px_per_mm]]], np.float32)
    (gx, gy), edge = cv2.perspectiveTransform(centre, hom)[0] / ss
    r = max(2.0, float(np.hypot(*(edge - (gx, gy)))))
    h, w = frame.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    spot = np.exp(-(((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r)) ** 1.5)
    return frame + spot * strength * 255


def _code(paper: Paper) -> tuple[float, float, float]:
    """The main code of the paper (its QR if it has one): centre and size in paper px."""
    return paper.targets.get("qr") or next(iter(paper.targets.values()))
