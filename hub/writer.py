"""The hub's writer: one thread runs every write, in arrival order, and commits them in groups.

SQLite has one writer, and with synchronous=FULL each commit waits for the disk — a few
milliseconds on an office PC, which alone held a commit-per-write hub near 140 writes/s. So the
writer takes every write waiting in its queue (at most `max_group`), runs them one after another
inside one transaction, commits once, and only then answers them all: each answer still means
"on disk", busy mornings get many writes per commit, and a quiet hub commits each write alone,
as before.

Each write keeps its own atomicity: the store's `write()` inside a group is a savepoint, so a
write that fails leaves nothing and fails alone. If SQLite abandons the whole transaction (a full
or failing disk), the writes of the group run so far fail with StoreUnavailable — none of them is
stored — and the rest of the group is run afresh.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from office.errors import StoreUnavailable, Unavailable
from office.store import Store

MAX_GROUP = 64
Job = tuple[Callable[..., Any], tuple, Future]


class Abandoned(Exception):
    """SQLite rolled the group's transaction back under a write (its error is the cause)."""


class Writer:
    """One writer thread with group commit; `submit` returns a Future answered after the commit."""

    def __init__(self, store: Store, max_group: int = MAX_GROUP):
        """A writer to `store`; its thread, named hub-writer, starts with the first write."""
        self.store, self.max_group = store, max_group
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run `fn(*args)` on the writer thread; the Future has its result once it is committed."""
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="hub-writer", daemon=True)
                self._thread.start()
        future: Future = Future()
        self._queue.put((fn, args, future))
        return future

    def shutdown(self) -> None:
        """Finish the writes already submitted, then stop the thread."""
        with self._starting:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()

    def _loop(self) -> None:
        jobs: list[Job] = []
        stopping = False
        while jobs or not stopping:
            if not jobs:
                job = self._queue.get()
                if job is None:
                    break
                jobs.append(job)
            while len(jobs) < self.max_group and not stopping:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                else:
                    jobs.append(job)
            jobs = self._commit(jobs)
        self.store.close()

    def _commit(self, jobs: list[Job]) -> list[Job]:
        """Run `jobs` in one transaction and answer them; the jobs not run if SQLite gave up."""
        answers: list[tuple[Future, Any, BaseException | None]] = []
        try:
            with self.store.write() as db:
                for i, (fn, args, future) in enumerate(jobs):
                    if not future.set_running_or_notify_cancel():
                        continue
                    try:
                        answers.append((future, fn(*args), None))
                    except BaseException as error:  # the caller gets it; the group goes on
                        answers.append((future, None, error))
                    if not db.conn.in_transaction:
                        raise Abandoned(jobs[i + 1:])
        except Abandoned as abandoned:
            future, _, cause = answers.pop()
            lost = cause if isinstance(cause, Unavailable) else StoreUnavailable(
                f"{self.store.path}: the transaction was abandoned ({cause!r})")
            future.set_exception(cause or lost)
            for earlier, _, _ in answers:
                earlier.set_exception(lost)
            return abandoned.args[0]
        except BaseException as error:  # the commit failed: nothing of the group is stored
            for future, _, _ in answers:
                future.set_exception(error)
            return []
        for future, result, error in answers:
            _answer(future, result, error)
        return []


def _answer(future: Future, result: Any, error: BaseException | None) -> None:
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
