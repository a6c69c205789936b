"""The announcement queue: every call is spoken, in order, one announcement at a time.

`say()` only queues (it never blocks the board); a single player thread plays the chime, then
the announcement assembled into one WAV, to the end before taking the next, so two announcements
never overlap and no call is dropped. The backlog policy keeps the voice close to the screen
(`main.py bench` measures it):

- a call is said once, right after the chime (about 5 s in all); it is said again (`repeats` in
  all) only while no other call is waiting, so a repetition delays nobody by more than itself;
- calls waiting together, or arriving during the chime, are said in one announcement, the
  template's opening words once ("xin mời số thứ tự A 1 0 2 đến quầy số 5, B 0 0 3 đến quầy số 3");
- a ticket called again before its turn came (a recall) is said once, at the place of its latest
  call; a call whose ticket the counter has finished meanwhile (`still_wanted` says no, e.g.
  calls replayed after a long network drop) is not called into the hall.

A clip or speaker problem is reported through `on_error` and the queue goes on.
"""
from __future__ import annotations

import logging
import queue
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devices.speaker import Player, PlayerError
from display.voice import CHIME_GAP_S, REPEAT_GAP_S, Speech, Voice, VoiceError

log = logging.getLogger("display.announcer")
HISTORY = 1000  # spoken and skipped calls kept for inspection


@dataclass(frozen=True)
class Announcement:
    """What to say: ticket `number` (e.g. "A102") at the counter numbered `counter` (e.g. "5")."""

    number: str
    counter: str
    ticket_id: int = 0
    calls: int = 1


@dataclass(frozen=True)
class Spoken:
    """One saying of a call: when the call was queued and when its words began (the announcer's
    clock, seconds); the announcement it was in: its length and how many calls it said; whether
    it was a repetition."""

    announcement: Announcement
    queued: float
    started: float
    seconds: float
    calls: int
    repeat: bool

    @property
    def waited(self) -> float:
        """Seconds from reaching the board to its words being heard."""
        return self.started - self.queued


class Announcer:
    """A queue of announcements and the one thread that plays them."""

    def __init__(self, voice: Voice, player: Player,
                 on_error: Callable[[str], None] | None = None, workdir: Path | None = None,
                 still_wanted: Callable[[Announcement], bool] = lambda announcement: True,
                 clock: Callable[[], float] = time.monotonic):
        """Speak with `voice` on `player`; problems go to `on_error` (default: the log). `clock`
        stamps the history (`spoken`), in seconds."""
        self.voice, self.player, self.still_wanted, self.clock = voice, player, still_wanted, clock
        self.spoken: deque[Spoken] = deque(maxlen=HISTORY)
        self.skipped: deque[Announcement] = deque(maxlen=HISTORY)  # no longer stood when their turn came
        self.on_error = on_error or (lambda message: log.warning("%s", message))
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="board-voice-")
        self.workdir = Path(workdir or self._tmp.name)
        self._queue: queue.Queue[tuple[Announcement, float] | None] = queue.Queue()
        self._count = 0
        self._pending = 0  # queued or playing
        self._closing = False  # close() was called and its marker taken from the queue
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
        self._queue.put((announcement, self.clock()))

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
        while not self._closing:
            first = self._queue.get()
            if first is None:
                return
            waiting = [first]
            try:
                self._announce(waiting)
            except Exception as e:  # a bad clip or a bug must not silence the hall for the rest of the day
                log.exception("announcement failed")
                self.on_error(f"Không đọc được số {', '.join(a.number for a, _ in waiting)}: {e}")
            finally:
                with self._done:
                    self._pending -= len(waiting)
                    self._done.notify_all()

    def _announce(self, waiting: list) -> None:
        """The chime, then the calls of `waiting` with those queued meanwhile (added to it)."""
        voice = self.voice
        chime = voice.chime()  # played first: calls arriving meanwhile join this announcement
        chimed = self._stands(voice, waiting[0][0]) and self._play(chime, "chime", "tiếng chuông") is not None
        self._gather(waiting)
        batch = self._batch(voice, waiting)
        if batch and not chimed:  # the first call fell away, others stand
            chimed = self._play(chime, "chime", "tiếng chuông") is not None
        for saying in range(voice.repeats if batch else 0):
            if saying and (self._closing or not self._queue.empty()):
                break  # a repetition only while nobody else is waiting
            self._say(voice, batch, repeat=saying > 0, lead=chime.seconds if chimed and not saying else 0.0)

    def _gather(self, waiting: list) -> None:
        """Add everything queued now to `waiting` (noting when the announcer is being closed)."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is None:
                self._closing = True
                return
            waiting.append(item)

    def _stands(self, voice: Voice, item: Announcement) -> bool:
        """Whether a call is still to be said and can be."""
        try:
            voice.clip_names(item.number, item.counter)
        except VoiceError:
            return False
        return self.still_wanted(item)

    def _batch(self, voice: Voice, waiting: list[tuple[Announcement, float]]) -> list[tuple[Announcement, float]]:
        """The calls to say, with the time each was queued: still standing, sayable, and one per
        ticket (a ticket called again while waiting is said once, at the place of its latest call)."""
        latest = {(a.ticket_id or -i - 1): i for i, (a, _) in enumerate(waiting)}
        batch = []
        for i, (item, queued) in enumerate(waiting):
            if latest[item.ticket_id or -i - 1] != i:
                continue
            try:
                voice.clip_names(item.number, item.counter)
            except VoiceError as e:
                self.on_error(f"Không đọc được số {item.number}: {e}")
                continue
            if not self.still_wanted(item):
                self.skipped.append(item)
                continue
            batch.append((item, queued))
        return batch

    def _say(self, voice: Voice, batch: list[tuple[Announcement, float]], repeat: bool, lead: float) -> None:
        """Say the calls of `batch` once (a repetition after a pause); `lead`: the chime's length."""
        names = "+".join(f"{a.number}-{a.counter}" for a, _ in batch)
        speech = voice.announcement([(a.number, a.counter) for a, _ in batch], REPEAT_GAP_S if repeat else CHIME_GAP_S)
        started = self._play(speech, names, f"số {names}")
        if started is not None:
            self.spoken.extend(Spoken(a, queued, started + mark, lead + speech.seconds, len(batch), repeat)
                               for (a, queued), mark in zip(batch, speech.marks))

    def _play(self, speech: Speech, name: str, what: str) -> float | None:
        """Play `speech` (saved as `name`) to the end; the clock when it began, or None if it could
        not be played (reported through on_error as `what` could not be said)."""
        self._count += 1
        wav = self.workdir / f"{self._count:06d}-{name}.wav"
        try:
            speech.write(wav)
            started = self.clock()
            self.player.play(wav)
            return started
        except PlayerError as e:
            self.on_error(f"Không phát được {what}: {e}")
        except Exception as e:  # a speaker driver bug must not stop the calls after it
            log.exception("announcement failed")
            self.on_error(f"Không phát được {what}: {e}")
        finally:
            wav.unlink(missing_ok=True)
        return None
