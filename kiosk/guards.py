"""Pure kiosk guards: lookup rate limiting and the hidden admin gesture."""
from __future__ import annotations


class LookupLimiter:
    """After `max_failures` wrong code/secret pairs within `window_s`, refuse lookups for `lockout_s`."""

    def __init__(self, max_failures: int = 5, window_s: float = 300, lockout_s: float = 60):
        """Limits of one kiosk (the public can try any number of codes otherwise)."""
        self.max_failures, self.window_s, self.lockout_s = max_failures, window_s, lockout_s
        self._failures: list[float] = []
        self._locked_until = 0.0

    def locked_for(self, now: float) -> int:
        """Seconds left of a lockout (0 when lookups are allowed)."""
        return max(0, int(self._locked_until - now + 0.999))

    def failed(self, now: float) -> None:
        """Record a wrong code/secret; may start a lockout."""
        self._failures = [t for t in self._failures if now - t < self.window_s] + [now]
        if len(self._failures) >= self.max_failures:
            self._locked_until = now + self.lockout_s
            self._failures = []

    def succeeded(self) -> None:
        """A correct lookup clears the failure count."""
        self._failures = []


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
