"""Checks of what a kiosk screen shows, from the live widget tree and the rendered pixels:
contrast of every text against the background it is actually drawn on (WCAG 2.x), texts that fit
their boxes, boxes that do not overlap, and no translation key or untranslated text on screen."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from kivy.core.window import Window
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy_support import visible

I18N = Path(__file__).resolve().parents[2] / "assets" / "i18n"
TABLES = {lang: json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8")) for lang in ("vi", "en")}
KEY_LIKE = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
TOLERANCE = 1.5  # px


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour with 0–1 channels."""
    def lin(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def texts_on_screen(root) -> list[Label]:
    """The visible labels (buttons included) that show some text."""
    return [w for w in root.walk(restrict=True)
            if isinstance(w, Label) and w.text.strip() and visible(w) and _alpha(w) > 0.5]


def _alpha(w) -> float:
    a = 1.0
    while w is not None and w is not Window:
        a *= w.opacity
        w = w.parent
    return a


def _box(w):
    x, y = w.to_window(w.x, w.y)
    return x, y, x + w.width, y + w.height


def _clip(w, box):
    """`box` cut to the scroll views around `w` (None when scrolled out of sight)."""
    x0, y0, x1, y1 = box
    p = w.parent
    while p is not None and p is not Window:
        if isinstance(p, ScrollView):
            a, b, c, d = _box(p)
            x0, y0, x1, y1 = max(x0, a), max(y0, b), min(x1, c), min(y1, d)
        p = p.parent
    return (x0, y0, x1, y1) if x1 - x0 > 2 and y1 - y0 > 2 else None


class Pixels:
    """The window's rendered pixels, addressed like widget coordinates (origin bottom-left)."""

    def __init__(self, root):
        self.image = root.export_as_image()
        texture = self.image.texture
        w, h = texture.size
        rows = np.frombuffer(texture.pixels, np.uint8).reshape(h, w, 4)[:, :, :3]
        self.rgb = rows[::-1]  # the exported image's rows run top-down

    def background(self, box) -> tuple:
        """The commonest colour inside `box` (the text's background: glyphs cover less)."""
        h, w = self.rgb.shape[:2]
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 <= x0 or y1 <= y0:
            return (1.0, 1.0, 1.0)
        patch = self.rgb[y0:y1:max(1, (y1 - y0) // 30), x0:x1:max(1, (x1 - x0) // 60)].reshape(-1, 3) // 4
        colours, counts = np.unique(patch, axis=0, return_counts=True)
        return tuple(c * 4 / 255 for c in colours[counts.argmax()])

    def save(self, path) -> None:
        """The same pixels as a PNG screenshot (Kivy's save fails silently without the folder)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.image.save(str(path))


def contrast_problems(root, pixels: Pixels, overlays=(), minimum: float = 4.5) -> list[str]:
    """Texts whose colour is below `minimum` contrast with the background drawn behind them in
    `pixels` (texts hidden under a shown overlay are not read)."""
    covers = [_box(o) for o in overlays if _alpha(o) > 0.5]
    out = []
    for label in texts_on_screen(root):
        box = _clip(label, _box(label))
        if box is None or (not any(o in _ancestors(label) for o in overlays) and any(_overlap(box, c) for c in covers)):
            continue
        tw, th = label.texture_size
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        text_box = (max(box[0], cx - tw / 2), max(box[1], cy - th / 2),
                    min(box[2], cx + tw / 2), min(box[3], cy + th / 2))
        colour = label.disabled_color if label.disabled else label.color
        ratio = contrast(colour, pixels.background(text_box))
        if ratio < minimum:
            out.append(f"{label.text[:40]!r}: {ratio:.2f}:1")
    return out


def layout_problems(root, overlays=()) -> list[str]:
    """Texts larger than their boxes, and text boxes that overlap (overlays excepted)."""
    out = []
    labels = [w for w in texts_on_screen(root) if not any(o in _ancestors(w) for o in overlays)]
    boxes = []
    for w in labels:
        tw, th = w.texture_size
        if (w.text_size[0] is not None and tw > w.width + TOLERANCE) or th > w.height + TOLERANCE:
            out.append(f"{w.text[:40]!r} is {tw:.0f}×{th:.0f} in a {w.width:.0f}×{w.height:.0f} box")
        box = _clip(w, _box(w))
        if box is not None:
            boxes.append((w, box))
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            if a in _ancestors(b) or b in _ancestors(a):
                continue
            dx = min(ba[2], bb[2]) - max(ba[0], bb[0])
            dy = min(ba[3], bb[3]) - max(ba[1], bb[1])
            if dx > TOLERANCE and dy > TOLERANCE:
                out.append(f"{a.text[:30]!r} overlaps {b.text[:30]!r}")
    return out


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > TOLERANCE and min(a[3], b[3]) - max(a[1], b[1]) > TOLERANCE


def _ancestors(w) -> list:
    out = []
    while w is not None and w is not Window:
        out.append(w)
        w = w.parent
    return out


def translation_problems(texts: list[str], lang: str) -> list[str]:
    """Translation keys shown as such; in English, Vietnamese texts that have a translation."""
    out = [f"key on screen: {t!r}" for t in texts if KEY_LIKE.match(t.strip()) or t.strip() in TABLES["vi"]]
    if lang == "en":
        for key, vi in TABLES["vi"].items():
            if TABLES["en"].get(key, vi) == vi:
                continue
            static = max(re.split(r"\{[^}]*\}", vi), key=len).strip()
            lines = [line.strip() for t in texts for line in t.split("\n")]
            if vi in lines or (static != vi and len(static) >= 12 and any(static in t for t in lines)):
                out.append(f"Vietnamese left on an English screen ({key}): {static!r}")
    return out
