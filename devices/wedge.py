"""Keyboard-wedge USB scanner: a scanner that "types" the code as a fast burst ending in Enter.

`WedgeDetector` is pure and fed (character, timestamp) pairs by the UI's keyboard handler. A
burst of at least `min_length` characters, each within `max_gap` seconds of the previous one and
ended by Enter, is a scan. Anything slower is a person typing: those characters are released as
"typed" once no further key arrives within `max_gap` (call `poll` regularly), so a maintenance
keyboard still works and a person is never mistaken for a scanner.
"""
from __future__ import annotations

ENTER = ("\r", "\n")


class WedgeDetector:
    """Tells a scanner's keystroke burst apart from a person typing."""

    def __init__(self, max_gap: float = 0.03, min_length: int = 6):
        """Scanners type a character every 1–15 ms; people need 60 ms or more."""
        self.max_gap = max_gap
        self.min_length = min_length
        self._buffer: list[str] = []
        self._last = 0.0
        self.scans: list[str] = []  # every scan recognised, in order (for diagnostics and tests)

    def feed(self, char: str, t: float) -> list[tuple[str, str]]:
        """One key press at time `t` (seconds). Returns events: ("scan", text), ("typed", text),
        ("enter", "")."""
        events = []
        if self._buffer and t - self._last > self.max_gap:
            events += self._flush()
        if char in ENTER:
            if len(self._buffer) >= self.min_length:
                text = "".join(self._buffer)
                self._buffer = []
                self.scans.append(text)
                events.append(("scan", text))
            else:
                events += self._flush()
                events.append(("enter", ""))
        else:
            self._buffer.append(char)
        self._last = t
        return events

    def poll(self, t: float) -> list[tuple[str, str]]:
        """Release characters that are not followed quickly enough to be a scan."""
        if self._buffer and t - self._last > self.max_gap:
            return self._flush()
        return []

    def _flush(self) -> list[tuple[str, str]]:
        text, self._buffer = "".join(self._buffer), []
        return [("typed", text)] if text else []


def burst(text: str, start: float, gap: float = 0.004) -> list[tuple[str, float]]:
    """The (char, time) keystrokes a wedge scanner sends for `text` followed by Enter (fake input)."""
    keys = list(text) + ["\r"]
    return [(c, start + i * gap) for i, c in enumerate(keys)]
