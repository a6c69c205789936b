"""The announcement queue: every call is spoken, in order, one at a time.

`say()` only queues (it never blocks the board); a single player thread assembles each
announcement into one WAV and plays it to the end before taking the next one, so two
announcements never overlap and none is dropped. Just before speaking, `still_wanted` is asked
whether the call still stands: a number the counter has finished or moved on from (e.g. calls
replayed after a long network drop) is not called into the hall. A clip or speaker problem is reported through
`on_error` and the queue goes on with the next call.
"""
from __future__ import annotations

import logging
import queue
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devices.speaker import Player, PlayerError
from display.voice import Voice, VoiceError

log = logging.getLogger("display.announcer")


@dataclass(frozen=True)
class Announcement:
    """What to say: ticket `number` (e.g. "A102") at the counter numbered `counter` (e.g. "5")."""

    number: str
    counter: str
    ticket_id: int = 0
    calls: int = 1


class Announcer:
    """A queue of announcements and the one thread that plays them."""

    def __init__(self, voice: Voice, player: Player,
                 on_error: Callable[[str], None] | None = None, workdir: Path | None = None,
                 still_wanted: Callable[[Announcement], bool] = lambda announcement: True):
        """Speak with `voice` on `player`; problems go to `on_error` (default: the log)."""
        self.voice, self.player, self.still_wanted = voice, player, still_wanted
        self.skipped: list[Announcement] = []  # calls that no longer stood when their turn came
        self.on_error = on_error or (lambda message: log.warning("%s", message))
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="board-voice-")
        self.workdir = Path(workdir or self._tmp.name)
        self._queue: queue.Queue[Announcement | None] = queue.Queue()
        self._count = 0
        self._pending = 0  # queued or playing
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True, name="board-voice")
        self._thread.start()

    def configure(self, template: str, repeats: int, prefixes: tuple[str, ...] = ()) -> None:
        """Speak from now on with this template and repeat count; a template whose clips are
        missing is refused (reported through `on_error`) and the current one kept."""
        voice = Voice(self.voice.clips, template, repeats)
        try:
            voice.check(prefixes)
        except VoiceError as e:
            self.on_error(f"Không dùng được mẫu câu gọi số {template!r}: {e}")
            return
        self.voice = voice

    def say(self, announcement: Announcement) -> None:
        """Queue an announcement (returns at once)."""
        with self._done:
            self._pending += 1
        self._queue.put(announcement)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until everything queued has been played; False on timeout."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 30) -> None:
        """Play what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout)
        if self._tmp:
            self._tmp.cleanup()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if not self.still_wanted(item):
                self.skipped.append(item)
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()
                continue
            self._count += 1
            wav = self.workdir / f"{self._count:06d}-{item.number}-{item.counter}.wav"
            try:
                self.voice.speech(item.number, item.counter).write(wav)
                self.player.play(wav)
            except (VoiceError, PlayerError) as e:
                self.on_error(f"Không đọc được số {item.number}: {e}")
            except Exception as e:  # a speaker driver bug must not stop the calls after it
                log.exception("announcement failed")
                self.on_error(f"Không đọc được số {item.number}: {e}")
            finally:
                wav.unlink(missing_ok=True)
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()
