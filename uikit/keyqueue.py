"""When keys were pressed, as the window system's event queue tells it — not when a busy app got
round to handling them.

A keyboard-wedge scanner types a code as a burst (a key every few ms). If the app is busy (a PDF
being drawn, a slow frame), the rest of the burst waits in the window system's queue and is handled
hundreds of ms late; stamping keys at handling time then splits one scan into "typed" fragments.
SDL2 on X11 stamps events only when it pumps them, so the queue itself is the clock: `KeyQueue`
wraps the SDL2 window's event source and leaves out of the key clock every stretch between "queue
seen empty" and "next key taken" (when in that stretch the key was pressed is unknown). Stretches
in which the queue was seen empty again and again are known key-free and count in full, so a
person's pauses still read as pauses.
"""
from __future__ import annotations

import time
from collections.abc import Callable


class KeyQueue:
    """The key clock of one window: wraps its event source (an object with `poll()`)."""

    def __init__(self, source, now: Callable[[], float] = time.monotonic):
        self._source, self._now = source, now
        self._unknown = 0.0  # total of the stretches in which keys may have waited unseen
        self._empty_at: float | None = None  # when the queue was last seen empty
        self._taken: float | None = None  # key clock of the key just taken from the queue
        self._last_queued = False  # whether the last key handled came through the queue

    def __getattr__(self, name):
        return getattr(self._source, name)

    def poll(self):
        """The next event of the window system (False when its queue is empty), noting the times."""
        event = self._source.poll()
        now = self._now()
        if event is False:
            self._empty_at = now
        elif event and event[0] == "keydown":
            if self._empty_at is not None:
                self._unknown += now - self._empty_at
                self._empty_at = None
            self._taken = now - self._unknown
        return event

    def key_time(self) -> float:
        """The time of the key being handled: its place in the queue, or now for a key that did
        not come through the queue (dispatched by the app itself)."""
        taken, self._taken = self._taken, None
        self._last_queued = taken is not None
        return taken if taken is not None else self._now() - self._unknown

    def quiet_until(self) -> float:
        """Up to when no key is known to be waiting: the last time the queue was seen empty."""
        if not self._last_queued:
            return self._now() - self._unknown
        return (self._empty_at if self._empty_at is not None else float("-inf")) - self._unknown


def watch(window) -> KeyQueue | None:
    """The key clock of a Kivy SDL2 window (installed once per window), or None for other windows."""
    source = getattr(window, "_win", None)
    if source is None or not hasattr(source, "poll"):
        return None
    if not isinstance(source, KeyQueue):
        window._win = source = KeyQueue(source)
    return source
