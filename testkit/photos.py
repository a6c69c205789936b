"""zxing-cpp's own sample photos of QR codes and Code128 (Apache-2.0, from the zxing-cpp
repository's test/samples): a regression set that nobody here made.

A copy is committed in tests/data/zxing-cpp-samples/ (qrcode-*/, code128-*/, their LICENSE and
where they come from); $MOTCUA_SCAN_SAMPLES points elsewhere (a folder laid out the same way)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devices import require

cv2 = require("cv2")  # OpenCV, loaded like every device library

_ROOT = Path(__file__).resolve().parent.parent
PLACES = tuple(p for p in (os.environ.get("MOTCUA_SCAN_SAMPLES"), _ROOT / "tests" / "data" / "zxing-cpp-samples") if p)
ROTATIONS = (0, 90, 180, 270)
# Photos with a second code beside the one their .txt names ("double QR": an inner and an outer
# symbol; zxing-cpp's own test runner notes it). Reading the other one is a read, not a misread.
OTHER_SYMBOLS = {"qrcode-2/16.webp": ("[外側QRコード]\r\n \r\n*ﾀﾞﾌﾞﾙQR*\r\nhttp://d-qr.net/ex/",)}
_TURN = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass(frozen=True)
class Photo:
    """One sample photo (grey) and the text its code carries."""

    path: Path
    image: np.ndarray
    text: str
    symbology: str  # "qr" | "code128"
    others: tuple[str, ...] = ()  # texts of other codes in the same photo

    def judge(self, text: str | None) -> str:
        """"read" (its code, or another code that is really in the photo), "wrong" or "missed"."""
        if text is None:
            return "missed"
        return "read" if text == self.text or text in self.others else "wrong"


def samples() -> Path | None:
    """The first folder of PLACES that holds the sample photos, or None."""
    return next((Path(p) for p in PLACES if (Path(p) / "qrcode-1").is_dir()), None)


def photos() -> list[Photo]:
    """Every QR and Code128 sample photo with its expected text (the .txt beside it); [] when the
    photos are nowhere to be found."""
    out = []
    folders = samples()
    for folder in sorted(folders.iterdir()) if folders else ():
        if not folder.is_dir():
            continue
        for image in sorted(folder.iterdir()):
            if image.suffix not in (".png", ".jpg", ".webp"):
                continue
            text = image.with_suffix(".txt").read_bytes().decode("utf-8")
            gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
            out.append(Photo(image, gray, text, "qr" if folder.name.startswith("qr") else "code128",
                             OTHER_SYMBOLS.get(f"{folder.name}/{image.name}", ())))
    return out


def rotated(image: np.ndarray, angle: int) -> np.ndarray:
    """The image turned by 0, 90, 180 or 270 degrees (clockwise)."""
    return image if angle == 0 else cv2.rotate(image, _TURN[angle])
