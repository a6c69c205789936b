"""Blocking work (office service, printer) off the Kivy main thread; results come back on it."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock


class Worker:
    """One background thread; `run` hands the result or the exception back through Clock.

    The thread is a daemon: a call still waiting on a hub that does not answer never holds up
    the app's exit; `shutdown(wait=…)` lets the job in hand (a ticket being printed) finish."""

    def __init__(self, name: str):
        """A named thread (service calls keep their SQLite connection on it)."""
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    @property
    def idle(self) -> bool:
        """True when nothing is queued, running or waiting to be delivered."""
        with self._lock:
            return self._pending == 0

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> None:
        """Run `fn` on the worker; call `on_done(result)` or `on_error(exc)` on the main thread."""
        with self._lock:
            self._pending += 1
        self._jobs.put((fn, on_done, on_error))

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, on_done, on_error = job
            try:
                outcome = (on_done, fn())
            except BaseException as error:  # handed to on_error on the main thread
                outcome = (on_error, error)
            Clock.schedule_once(lambda dt, outcome=outcome: self._deliver(*outcome))

    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        try:
            callback(value)
        finally:
            with self._lock:
                self._pending -= 1

    def shutdown(self, wait: float = 0.0) -> None:
        """Stop taking work: queued jobs are dropped; the one running finishes, and this waits up
        to `wait` seconds for it (e.g. the ticket being printed)."""
        dropped = 0
        while True:
            try:
                if self._jobs.get_nowait() is not None:
                    dropped += 1
            except queue.Empty:
                break
        with self._lock:
            self._pending -= dropped
        self._jobs.put(None)
        if wait:
            self._thread.join(wait)
