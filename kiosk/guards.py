"""The hidden admin gesture of the kiosk (pure)."""
from __future__ import annotations


class TapGesture:
    """`taps` taps within `window_s` seconds (on the hidden corner) opens the admin PIN screen."""

    def __init__(self, taps: int = 5, window_s: float = 3.0):
        """The gesture's size and speed."""
        self.taps, self.window_s = taps, window_s
        self._times: list[float] = []

    def tap(self, now: float) -> bool:
        """Record a tap; True when it completes the gesture."""
        self._times = [t for t in self._times if now - t < self.window_s] + [now]
        if len(self._times) >= self.taps:
            self._times = []
            return True
        return False
