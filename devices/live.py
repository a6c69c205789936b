"""Reading a live camera, frame after frame, and telling the citizen what to do.

`LiveReader.feed(frame)` gets each camera frame and says what to report:
- effort where it pays: every frame gets the cheap stages of the pipeline; the full cascade
  (restoration, second decoder, straightened barcode) runs on the sharpest frames of the last
  few, so a moving hand does not spend the CPU on its blurriest frames;
- region of interest: where a code was seen (read, rejected, or the most code-like place) is
  tracked for a second and zoomed into in the next frames;
- a Code128-only read waits a few frames for the receipt's QR, which also carries the secret;
- guidance from the frame itself when nothing is read: "glare" (burnt-out light), "closer" (the
  code is small), "hold_still" (motion blur or defocus) — the same advice two frames running
  before it is shown, so it does not flicker.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from devices import imaging
from devices.decoders import ReadResult, ScanPipeline, Spot

GUIDANCE = ("closer", "hold_still", "glare")


@dataclass(frozen=True)
class Outcome:
    """What one frame changed: a scan to report, texts rejected, and the advice to show
    (`guidance` is None for no advice; `changed` says whether it differs from the last one)."""

    scan: object | None = None
    rejected: int = 0
    guidance: str | None = None
    changed: bool = False


def advise(img, result: ReadResult) -> str | None:
    """Advice for a frame that was not read (None when nothing is held up): burnt-out light; a
    code too small (a decoder saw it) or a sharp frame that still cannot be read: closer; motion
    blur or defocus: hold still."""
    if not imaging.paper_in_view(img):
        return None
    if imaging.glare(img) > 0.004:
        return "glare"
    if result.spot is not None and 0 < result.spot.size < 0.18 * img.shape[1]:
        return "closer"
    blur, scale = result.blur, 640 / img.shape[1]
    if blur is not None and (blur.streak > 2.0 and blur.length * scale > 4 or 2.5 <= blur.radius * scale <= 8):
        return "hold_still"
    return "closer"


class LiveReader:
    """Multi-frame reading of one camera (see the module docstring). Not thread-safe: one
    camera thread feeds it."""

    def __init__(self, pipeline: ScanPipeline, clock: Callable[[], float] = time.monotonic,
                 window: int = 4, track_s: float = 1.0, qr_wait_s: float = 0.4):
        """`window`: frames among which the sharpest gets the full effort; `track_s`: how long a
        seen code is zoomed into; `qr_wait_s`: how long a Code128 read waits for the QR."""
        self.pipeline, self.clock = pipeline, clock
        self.window, self.track_s, self.qr_wait_s = window, track_s, qr_wait_s
        self.reset()

    def reset(self) -> None:
        """Forget what was seen (a new citizen)."""
        self._focus: deque[float] = deque(maxlen=self.window)
        self._skipped = 0
        self._spot: Spot | None = None
        self._spot_at = 0.0
        self._pending = None
        self._pending_at = 0.0
        self._advice: str | None = None
        self._candidate: str | None = None
        self.full_reads = 0

    def feed(self, frame) -> Outcome:
        """Read one frame and say what to report."""
        now = self.clock()
        img = imaging.gray(frame)
        near = self._spot if self._spot is not None and now - self._spot_at <= self.track_s else None
        focus = imaging.focus(img)
        sharpest = not self._focus or focus >= 0.9 * max(self._focus) or self._skipped >= self.window - 1
        self._focus.append(focus)
        if sharpest:
            self._skipped = 0
            self.full_reads += 1
            result = self.pipeline.read(img, near)
        else:
            self._skipped += 1
            result = self.pipeline.quick(img, near)
        if result.spot is not None:
            self._spot, self._spot_at = result.spot, now
        scan = self._hold_code128(result.scan, now)
        if scan is not None or result.scan is not None:
            return self._outcome(scan, result.rejected, None)
        advice = advise(img, result) if sharpest else self._advice
        return self._outcome(None, result.rejected, advice)

    def _hold_code128(self, scan, now: float):
        """A receipt's Code128 (no secret) waits up to `qr_wait_s` for its QR; a pending one is
        given up when that time is over."""
        pending = self._pending
        if scan is not None and getattr(scan, "kind", "") == "dossier" and scan.secret is None:
            if pending is None or pending.code != scan.code:
                self._pending, self._pending_at = scan, now
            scan = None
        elif scan is not None:
            self._pending = None
            return scan
        if self._pending is not None and now - self._pending_at >= self.qr_wait_s:
            scan, self._pending = self._pending, None
            return scan
        return scan

    def _outcome(self, scan, rejected: int, advice: str | None) -> Outcome:
        """A read clears the advice; other advice is shown once two frames running agree on it."""
        if scan is not None:
            self._candidate, shown = None, None
        else:
            shown = advice if advice == self._candidate else self._advice
            self._candidate = advice
        changed = shown != self._advice
        self._advice = shown
        return Outcome(scan, rejected, shown, changed)
