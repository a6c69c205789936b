"""The speaker port: `play(wav)` plays one WAV file and returns when it has finished.

Adapters: `SdlPlayer` (Kivy's SDL2 audio, the board's real speaker) and `RecordingPlayer` (a
fake that records what was played and when, taking the file's duration times `time_scale`).
Both raise PlayerError (Vietnamese message) for a file they cannot play.
"""
from __future__ import annotations

import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from devices import DeviceError

END_MARGIN_S = 0.05  # after a sound's length, before the next one may start


class PlayerError(DeviceError):
    """The speaker could not play a file; the message is Vietnamese."""


class Player(Protocol):
    """Plays one WAV file to the end (blocking)."""

    def play(self, wav: Path) -> None:
        """Play `wav`; return when it has finished; PlayerError if it cannot be played."""


def wav_seconds(path: Path) -> float:
    """Duration of a WAV file in seconds."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def _duration(wav: Path) -> float:
    try:
        return wav_seconds(wav)
    except (OSError, EOFError, wave.Error) as e:
        raise PlayerError(f"Không phát được {wav.name}: {e}") from None


@dataclass(frozen=True)
class Played:
    """One playback seen by the recording fake: the file name, its length, when it ran."""

    name: str
    seconds: float
    start: float
    end: float


class RecordingPlayer:
    """A fake speaker: records each playback and takes `seconds × time_scale` of wall time."""

    def __init__(self, time_scale: float = 1.0):
        """`time_scale` < 1 speeds tests up while keeping the order and overlap behaviour real."""
        self.time_scale = time_scale
        self.played: list[Played] = []
        self.busy = 0  # plays running right now (a correct caller never gets this above 1)
        self.most_at_once = 0
        self._lock = threading.Lock()

    def play(self, wav: Path) -> None:
        """Record the playback and wait for its (scaled) duration."""
        seconds = _duration(wav)
        with self._lock:
            self.busy += 1
            self.most_at_once = max(self.most_at_once, self.busy)
        start = time.monotonic()
        time.sleep(seconds * self.time_scale)
        end = time.monotonic()
        with self._lock:
            self.busy -= 1
            self.played.append(Played(wav.name, seconds, start, end))


class SdlPlayer:
    """The real speaker through Kivy's SDL2 audio (SDL_AUDIODRIVER picks the device)."""

    def play(self, wav: Path) -> None:
        """Load, play for the sound's length, then unload."""
        from kivy.core.audio import SoundLoader

        seconds = _duration(wav)
        sound = SoundLoader.load(str(wav))
        if sound is None:
            raise PlayerError(f"Không phát được {wav.name}: thiết bị âm thanh không mở được")
        try:
            sound.play()
            time.sleep(seconds + END_MARGIN_S)
            sound.stop()
        finally:
            sound.unload()
