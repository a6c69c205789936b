"""Blocking work (office service, printer) off the Kivy main thread; results come back on it."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kivy.clock import Clock


class Worker:
    """One background thread; `run` hands the result or the exception back through Clock."""

    def __init__(self, name: str):
        """A named single-thread pool (service calls keep their SQLite connection on it)."""
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._pending = 0
        self._lock = threading.Lock()

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
        self._pool.submit(fn).add_done_callback(
            lambda f: Clock.schedule_once(lambda dt: self._deliver(f, on_done, on_error)))

    def _deliver(self, future: Future, on_done, on_error) -> None:
        try:
            error = future.exception()
            if error is None:
                on_done(future.result())
            else:
                on_error(error)
        finally:
            with self._lock:
                self._pending -= 1

    def shutdown(self) -> None:
        """Stop accepting work; running work finishes in the background."""
        self._pool.shutdown(wait=False, cancel_futures=True)
