"""Image work for the scan pipeline: where a code probably is, how blurred the frame is, undoing
that blur, straightening a tilted barcode, and the measures the on-screen guidance uses.

Pure functions of numpy arrays; OpenCV and numpy are loaded lazily like every device library.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from devices import require


def _cv():
    return require("cv2"), require("numpy")


def gray(frame):
    """A camera frame (BGR or grey) as an 8-bit grey array."""
    cv2, _ = _cv()
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame


def code_spots(img, count: int = 2, width: int = 160) -> list[tuple[float, float, float]]:
    """Centre (px) and edge density (mean edge strength, grey levels per px) of the `count` most
    code-like places: dense edges in every direction, measured on a copy `width` px wide. A QR or
    barcode stays the densest place even when blurred. The centre is that of the dense region
    around the densest point (density ≥ 0.6 of its peak), not the peak itself: the peak may lie
    anywhere inside a large code, and a cut-out around it would miss part of the code."""
    cv2, np = _cv()
    f = img.shape[1] / width
    small = cv2.resize(img, (width, max(1, round(img.shape[0] / f))), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    energy = np.abs(cv2.Sobel(small, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(small, cv2.CV_32F, 0, 1))
    win = max(5, width // 11)
    density = cv2.boxFilter(energy, -1, (win, win))
    spots = []
    for _ in range(count):
        y, x = np.unravel_index(int(np.argmax(density)), density.shape)
        peak = float(density[y, x])
        _, labels, stats, _ = cv2.connectedComponentsWithStats((density >= 0.6 * peak).astype(np.uint8))
        bx, by, bw, bh = (int(v) for v in stats[labels[y, x], :4])
        spots.append(((bx + bw / 2) * f, (by + bh / 2) * f, peak / 8))
        cv2.rectangle(density, (min(x - win, bx), min(y - win, by)), (max(x + win, bx + bw), max(y + win, by + bh)),
                      0, -1)
    return spots


def focus(img, width: int = 160) -> float:
    """How sharp the frame is: the 95th percentile of edge strength on a copy `width` px wide
    (cheap: for choosing the sharpest of a few frames)."""
    cv2, np = _cv()
    f = img.shape[1] / width
    small = cv2.resize(img, (width, max(1, round(img.shape[0] / f))), interpolation=cv2.INTER_AREA)
    return float(np.percentile(np.abs(cv2.Laplacian(small, cv2.CV_16S)), 95))


def paper_in_view(img, width: int = 160) -> bool:
    """Whether something printed is held up: a bright area (paper, screen) over a fifth of the
    frame with print on it (edges). An empty kiosk view gets no advice."""
    cv2, np = _cv()
    f = img.shape[1] / width
    small = cv2.resize(img, (width, max(1, round(img.shape[0] / f))), interpolation=cv2.INTER_AREA)
    bright = np.count_nonzero(small >= 150) / small.size
    return bright > 0.2 and code_spots(img, 1, width)[0][2] > 6.0


def edge_width(img, centre: tuple[float, float], size: int) -> float:
    """How many pixels the steepest edges of the `size`×`size` patch around `centre` take to rise:
    at its steepest 1 % of pixels, the grey range nearby (9×9) over the gradient (median). About 2–3
    in focus at any distance, since the paper's edges and print stay crisp however small they get;
    wider under motion blur or defocus. Unlike the cepstrum's ring, it does not find a blur that is
    not there, and a blurred background next to the paper does not count (its edges are not steep)."""
    cv2, np = _cv()
    patch, _, _ = cut(img, centre, size)
    p = patch.astype(np.float32)
    steep = np.hypot(cv2.Sobel(p, cv2.CV_32F, 1, 0), cv2.Sobel(p, cv2.CV_32F, 0, 1)) / 8
    box = np.ones((9, 9), np.uint8)
    rise = cv2.dilate(p, box) - cv2.erode(p, box)
    top = steep >= max(float(np.percentile(steep, 99)), 1e-3)
    return float(np.median(rise[top] / steep[top])) if top.any() else 0.0


def glare(img) -> float:
    """The share of burnt-out pixels (≥ 250) in the frame: a reflection, or too much light."""
    _, np = _cv()
    return float(np.count_nonzero(img >= 250)) / max(1, img.size)


def stretch_contrast(img, window: int):
    """Each pixel placed between the darkest and the brightest grey around it (`window` px, both
    smoothed): ink that a glare has lifted close to white, or a shadow has darkened, is black again
    and the paper white. A nearly flat neighbourhood (range under 8 grey levels) is not stretched."""
    cv2, np = _cv()
    window = max(3, window)
    box = np.ones((window, window), np.uint8)
    high = cv2.blur(cv2.dilate(img, box), (window, window)).astype(np.float32)
    low = cv2.blur(cv2.erode(img, box), (window, window)).astype(np.float32)
    out = (img.astype(np.float32) - low) * (255.0 / np.maximum(high - low, 8.0))
    return np.clip(out, 0, 255).astype(np.uint8)


def finder_patterns(img) -> list[tuple[float, float, float]]:
    """Centre and side (px) of every QR finder pattern in view, largest first: after a local
    threshold, a squarish dark outline holding a light hole that holds another dark outline (the
    ring and its centre square, about 49:9 in area)."""
    cv2, np = _cv()
    block = max(15, (img.shape[1] // 24) | 1)
    ink = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 8)
    contours, tree = cv2.findContours(ink, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for i, outline in enumerate(contours if tree is not None else ()):
        hole = tree[0][i][2]
        inner = tree[0][hole][2] if hole >= 0 else -1
        if inner < 0:
            continue
        area, core = cv2.contourArea(outline), cv2.contourArea(contours[inner])
        x, y, w, h = cv2.boundingRect(outline)
        if area >= 150 and core > 0 and 2.5 < area / core < 12 and 0.6 < w / h < 1.6 and area >= 0.6 * w * h:
            m = cv2.moments(outline)
            found.append((m["m10"] / m["m00"], m["m01"] / m["m00"], math.sqrt(area)))
    kept: list = []
    for f in sorted(found, key=lambda f: -f[2]):  # a ring's own outlines count once
        if all(math.hypot(f[0] - k[0], f[1] - k[1]) > k[2] / 2 for k in kept):
            kept.append(f)
    return kept


def hidden_finders(a, b, towards: tuple[float, float]) -> list[tuple[tuple[float, float], float, float]]:
    """Where a QR's third finder pattern may be, given two visible ones (centre x, y, side) and a
    point inside the QR: (centre, side, angle in radians) of each guess, likeliest first. Two
    neighbouring finders: the third is beside either, on the side of `towards`; two opposite
    ones: on either side of the diagonal, turned 45°."""
    (ax, ay, a_side), (bx, by, b_side) = a, b
    px, py = ay - by, bx - ax  # a→b turned 90°
    if px * (towards[0] - (ax + bx) / 2) + py * (towards[1] - (ay + by) / 2) < 0:
        px, py = -px, -py
    side, angle = (a_side + b_side) / 2, math.atan2(by - ay, bx - ax)
    mid = ((ax + bx) / 2, (ay + by) / 2)
    return [((ax + px, ay + py), side, angle), ((bx + px, by + py), side, angle),
            ((mid[0] + px / 2, mid[1] + py / 2), side, angle + math.pi / 4),
            ((mid[0] - px / 2, mid[1] - py / 2), side, angle + math.pi / 4)]


def paint_finder(img, centre: tuple[float, float], side: float, angle: float):
    """`img` (changed in place, and returned) with a QR finder pattern `side` px wide, turned
    `angle` radians, painted at `centre` with its light separator: 9, 7, 5 and 3 modules squares."""
    cv2, np = _cv()
    c, s = math.cos(angle), math.sin(angle)
    dark, light = (int(v) for v in np.percentile(img, (5, 95)))
    for modules, grey in ((9, light), (7, dark), (5, light), (3, dark)):
        half = side / 7 * modules / 2
        corners = [(centre[0] + (dx * c - dy * s) * half, centre[1] + (dx * s + dy * c) * half)
                   for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        cv2.fillConvexPoly(img, np.round(np.array(corners) * 16).astype(np.int32), grey, cv2.LINE_AA, 4)
    return img


def cut(img, centre: tuple[float, float], size: int):
    """A `size`×`size` patch of `img` around `centre`, shifted to stay inside; (patch, x0, y0)."""
    h, w = img.shape[:2]
    size = min(size, w, h)
    x0 = int(min(max(centre[0] - size / 2, 0), w - size))
    y0 = int(min(max(centre[1] - size / 2, 0), h - size))
    return img[y0:y0 + size, x0:x0 + size], x0, y0


@dataclass(frozen=True)
class Blur:
    """How a patch is blurred: a motion streak (length px, angle°) and/or a defocus disk (radius px);
    `streak` is how much stronger the edges are across the motion than along it (1 = none)."""

    length: float
    angle: float
    radius: float
    streak: float


_GRIDS: dict[int, tuple] = {}


def _imaginary_slots(spectrum):
    """The imaginary slots of an even-sized CCS-packed spectrum (OpenCV's real DFT layout: pairs
    along the rows, and down the first and last columns) and the real slots next to them."""
    return ((spectrum[:, 2:-1:2], spectrum[:, 1:-1:2]), (spectrum[2:-1:2, 0], spectrum[1:-1:2, 0]),
            (spectrum[2:-1:2, -1], spectrum[1:-1:2, -1]))


def _grid(n: int):
    """The Hann window and the ring number of every cepstrum cell for n×n patches (cached)."""
    _, np = _cv()
    if n not in _GRIDS:
        mid = n // 2
        yy, xx = np.mgrid[-mid:n - mid, -mid:n - mid]
        rings = np.hypot(xx, yy).astype(np.int32).ravel()
        _GRIDS[n] = (np.outer(np.hanning(n), np.hanning(n)).astype(np.float32), rings,
                     np.maximum(np.bincount(rings), 1))
    return _GRIDS[n]


def estimate_blur(patch) -> Blur:
    """Estimate the blur of a square patch. The motion direction is where the edges are weakest
    (structure tensor); lengths and radius come from the cepstrum, where a blur of length L shows
    as a negative peak at distance L (a streak: a point; a disk: a ring)."""
    cv2, np = _cv()
    n = patch.shape[0]
    window, rings, ring_counts = _grid(n)
    p = patch.astype(np.float32)
    gx, gy = cv2.Sobel(p, cv2.CV_32F, 1, 0), cv2.Sobel(p, cv2.CV_32F, 0, 1)
    a, b, c = float((gx * gx).sum()), float((gx * gy).sum()), float((gy * gy).sum())
    root = math.sqrt(max(0.0, (a - c) ** 2 + 4 * b * b))
    streak = (a + c + root) / max(a + c - root, 1e-6)
    angle = (math.degrees(0.5 * math.atan2(2 * b, a - c)) + 90) % 180  # across the strongest edges
    spectrum = cv2.dft((p - float(p.mean())) * window)  # packed (CCS), like `deconvolve`
    log_power = np.log(cv2.mulSpectrums(spectrum, spectrum, 0, conjB=True) + 1e-2)
    for imaginary, _ in _imaginary_slots(log_power):
        imaginary[...] = 0  # log|F|² is real
    cep = np.fft.fftshift(cv2.dft(log_power, flags=cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT))
    mid = n // 2
    best = (0.0, 3.0)
    ds = np.arange(2.5, min(45, mid - 2), 0.5, dtype=np.float32)
    for da in (-4, 0, 4):
        t = math.radians(angle + da)
        line = cv2.remap(cep, (mid + ds * math.cos(t))[None, :], (mid + ds * math.sin(t))[None, :],
                         cv2.INTER_LINEAR)[0]
        i = int(np.argmin(line))
        best = min(best, (float(line[i]), float(ds[i])))
    profile = np.bincount(rings, cep.ravel()) / ring_counts
    ring = int(np.argmin(profile[3:min(25, mid)])) + 3
    # The cepstral minima sit about a pixel beyond the blur's true extent (lens softness).
    return Blur(max(1.0, best[1] - 1.0), angle, (ring + 1) / 2, streak)


def motion_kernel(length: float, angle: float):
    """A normalised straight streak of `length` px at `angle`°."""
    cv2, np = _cv()
    n = int(math.ceil(length)) | 1
    k = np.zeros((n + 2, n + 2), np.float32)
    c = (n + 1) / 2
    dx, dy = math.cos(math.radians(angle)) * length / 2, math.sin(math.radians(angle)) * length / 2
    cv2.line(k, (round((c - dx) * 16), round((c - dy) * 16)), (round((c + dx) * 16), round((c + dy) * 16)),
             1.0, 1, cv2.LINE_AA, 4)
    return k / max(float(k.sum()), 1e-6)


def disk_kernel(radius: float):
    """A normalised defocus disk of `radius` px."""
    _, np = _cv()
    n = int(math.ceil(radius))
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1]
    k = np.clip(radius + 0.5 - np.hypot(xx, yy), 0, 1).astype(np.float32)
    return k / float(k.sum())


def lens_kernel(sigma: float):
    """A normalised Gaussian of `sigma` px: the soft optics of a cheap webcam."""
    cv2, np = _cv()
    g = cv2.getGaussianKernel(2 * int(math.ceil(3 * sigma)) + 1, sigma, cv2.CV_32F)
    return g @ g.T


def deconvolve(patch, kernel, noise: float = 0.005):
    """Wiener deconvolution of a patch (edges padded so the wrap-around does not ring).

    Works on OpenCV's packed real spectra (CCS), four times cheaper than complex ones."""
    cv2, np = _cv()
    pad = kernel.shape[0]
    h, w = (cv2.getOptimalDFTSize(d + 2 * pad) for d in patch.shape)
    h, w = h + h % 2, w + w % 2
    p = cv2.copyMakeBorder(patch, pad, h - patch.shape[0] - pad, pad, w - patch.shape[1] - pad,
                           cv2.BORDER_REPLICATE).astype(np.float32) / 255.0
    k = np.zeros_like(p)
    kh, kw = kernel.shape
    k[:kh, :kw] = kernel
    k = np.roll(k, (-(kh // 2), -(kw // 2)), (0, 1))
    pf, kf = cv2.dft(p), cv2.dft(k)
    power = cv2.mulSpectrums(kf, kf, 0, conjB=True)
    for imaginary, real in _imaginary_slots(power):
        imaginary[...] = real  # divide both parts of each pair by |K|²
    out = cv2.dft(cv2.mulSpectrums(pf, kf, 0, conjB=True) / (power + noise),
                  flags=cv2.DFT_INVERSE | cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
    return np.clip(out[pad:pad + patch.shape[0], pad:pad + patch.shape[1]] * 255, 0, 255).astype(np.uint8)


def straightened_barcode(img):
    """The region of strongest parallel edges (a linear barcode), cut out so that its bars stand
    upright (enlarged 2× from frames up to 800 px wide); None when the frame has no such region.

    Works on a copy about 320 px wide: the bar direction is the peak of a magnitude-weighted
    histogram of gradient angles; the region is the largest blob of pixels whose gradient points
    that way. One affine warp then cuts, straightens and enlarges it.
    """
    cv2, np = _cv()
    f = max(1, img.shape[1] // 320)
    small = cv2.resize(img, (img.shape[1] // f, img.shape[0] // f), interpolation=cv2.INTER_AREA)
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
    zoom = straightened_zoom(img.shape[1])
    m = zoom * np.array([[c, s, -u0], [-s, c, -v0]], dtype=np.float64)
    return cv2.warpAffine(img, m, (int(zoom * width), int(zoom * height)), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def straightened_zoom(width: int) -> float:
    """How much `straightened_barcode` enlarges a frame `width` px wide."""
    return 2.0 if width <= 800 else 1.0


def rectified_barcode(patch):
    """A straightened barcode (`straightened_barcode`) with its perspective undone: the corners
    of the bars' block are mapped onto a rectangle, so bars far from the lens are as wide as
    near ones; a quiet zone is added on either side. None when the block has no four corners."""
    cv2, np = _cv()
    _, ink = cv2.threshold(patch, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    k = max(3, patch.shape[0] // 25)
    block = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, 2 * k + 1), np.uint8))  # bars → one block
    block = cv2.morphologyEx(block, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))  # without the text
    count, labels, stats, _ = cv2.connectedComponentsWithStats(block)
    if count < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    contours, _ = cv2.findContours((labels == best).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(contours[0])
    quad = next((q for q in (cv2.approxPolyDP(hull, e * cv2.arcLength(hull, True), True) for e in (0.02, 0.04, 0.07))
                 if len(q) == 4), None)
    if quad is None:
        return None
    quad = quad.reshape(4, 2).astype(np.float32)
    total, diff = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    tl, tr, br, bl = quad[np.argmin(total)], quad[np.argmin(diff)], quad[np.argmax(total)], quad[np.argmax(diff)]
    w = int((np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2)
    h = int((np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2)
    if w < 40 or h < 10:
        return None
    mx, my = w // 10, 10
    corners = np.float32([(mx, my), (mx + w, my), (mx + w, my + h), (mx, my + h)])
    warp = cv2.getPerspectiveTransform(np.float32([tl, tr, br, bl]), corners)
    return cv2.warpPerspective(patch, warp, (w + 2 * mx, h + 2 * my), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
