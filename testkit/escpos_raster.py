"""Read ESC/POS bytes back: the `GS v 0` raster images a job contains (tests, print-test).

Pure Python + Pillow. `GS v 0 m xL xH yL yH d1…dk`: k = (xL + 256·xH) · (yL + 256·yH) bytes,
one bit per dot, most significant bit first, 1 = black.
"""
from __future__ import annotations

from PIL import Image

GS_V0 = b"\x1dv0"
CUT_PREFIX = b"\x1dV"


def extract_rasters(data: bytes) -> list[Image.Image]:
    """Every `GS v 0` raster in `data`, in order, as 1-bit images (black = 0)."""
    images, pos = [], 0
    while (pos := data.find(GS_V0, pos)) != -1:
        head = data[pos + 3: pos + 8]
        if len(head) < 5:
            break
        width_bytes = head[1] + 256 * head[2]
        height = head[3] + 256 * head[4]
        start = pos + 8
        body = data[start: start + width_bytes * height]
        if len(body) < width_bytes * height or not width_bytes or not height:
            raise ValueError(f"truncated GS v 0 raster at byte {pos}")
        inverted = Image.frombytes("1", (width_bytes * 8, height), body)
        images.append(inverted.point(lambda v: 255 - v, mode="1"))
        pos = start + len(body)
    return images


def stack(images: list[Image.Image]) -> Image.Image:
    """Raster fragments of one print job stacked top to bottom (escpos splits tall images)."""
    width = max(i.width for i in images)
    out = Image.new("1", (width, sum(i.height for i in images)), 1)
    y = 0
    for img in images:
        out.paste(img, (0, y))
        y += img.height
    return out


def has_cut(data: bytes) -> bool:
    """Whether the job ends the ticket with a paper cut (`GS V`)."""
    return CUT_PREFIX in data
