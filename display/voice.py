"""Offline Vietnamese voice calls: one WAV per announcement, assembled from a clip set.

A clip set is a folder of WAV files named after what they say (`chime.wav`,
`xin_moi_so_thu_tu.wav`, `den_quay_so.wav`, `digit_0.wav` … `digit_9.wav`, `letter_a.wav` …
`letter_z.wav`). The default set in `assets/sounds/vi/` is generated with espeak-ng by
`python -m display.make_clips`; an office can put recorded clips with the same names in a folder
of its own (`main.py display --sounds DIR`): those win, the default set fills the gaps. Every
clip is brought to one sample format (16 kHz, mono, 16-bit), so recordings in any PCM WAV format
can be dropped in.

Nothing here imports Kivy: it is plain `wave` plus numpy for format conversion.
"""
from __future__ import annotations

import io
import re
import threading
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLIPS = ROOT / "assets" / "sounds" / "vi"
RATE = 16_000  # samples per second of every clip and announcement
SAMPLE_WIDTH = 2  # bytes: 16-bit signed PCM
CHANNELS = 1
GAP_S = 0.08  # silence between two clips
CHIME_GAP_S = 0.15  # after the chime
CALL_GAP_S = 0.3  # between two calls said in one announcement
REPEAT_GAP_S = 0.45  # before a repetition
CHIME = "chime"
DIGITS = tuple(f"digit_{d}" for d in range(10))
LETTERS = tuple(f"letter_{c}" for c in "abcdefghijklmnopqrstuvwxyz")


class VoiceError(Exception):
    """A clip is missing or unreadable, or a number cannot be spoken; the message is Vietnamese."""


def frames_for(seconds: float) -> int:
    """Number of sample frames in `seconds` of audio."""
    return round(seconds * RATE)


def resample(samples: np.ndarray, rate_in: int, rate_out: int = RATE) -> np.ndarray:
    """Band-limited resampling (FFT: the spectrum is cut at the lower Nyquist frequency)."""
    if rate_in == rate_out or len(samples) == 0:
        return samples.astype(np.float64)
    n_out = max(1, round(len(samples) * rate_out / rate_in))
    spectrum = np.fft.rfft(samples.astype(np.float64))
    keep = min(len(spectrum), n_out // 2 + 1)
    out = np.zeros(n_out // 2 + 1, dtype=complex)
    out[:keep] = spectrum[:keep]
    return np.fft.irfft(out, n_out) * (n_out / len(samples))


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in 16-bit units → little-endian 16-bit PCM bytes (clipped)."""
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def read_wav(source: Path | bytes) -> bytes:
    """A PCM WAV file (any rate, channels, 8/16/24/32-bit) as 16 kHz mono 16-bit sample bytes."""
    name = source.name if isinstance(source, Path) else "WAV"
    try:
        with wave.open(str(source) if isinstance(source, Path) else io.BytesIO(source), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            raw = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise VoiceError(f"Thiếu tệp âm thanh {name}") from None
    except (wave.Error, EOFError, OSError) as e:
        raise VoiceError(f"Tệp âm thanh {name} không đọc được (cần WAV PCM): {e}") from None
    if (rate, channels, width) == (RATE, CHANNELS, SAMPLE_WIDTH):
        return raw
    if width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128) * 256
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((b[:, 0] | b[:, 1] << 8 | b[:, 2] << 16) << 8 >> 8).astype(np.float64) / 256
    elif width in (2, 4):
        samples = np.frombuffer(raw, f"<i{width}").astype(np.float64) / (1 << (8 * (width - 2)))
    else:
        raise VoiceError(f"Tệp âm thanh {name}: độ sâu {8 * width} bit không được hỗ trợ")
    samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1)
    return to_pcm16(resample(samples, rate))


def write_wav(path: Path, pcm: bytes) -> None:
    """Write 16 kHz mono 16-bit sample bytes as a WAV file."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(CHANNELS)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(RATE)
        w.writeframes(pcm)


class ClipSet:
    """Clips by name from one or more folders; the first folder holding a clip wins."""

    def __init__(self, *folders: Path):
        """Look in `folders` in order (e.g. the office's recordings, then the default set)."""
        self.folders = tuple(Path(f) for f in folders) or (DEFAULT_CLIPS,)
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        """The file a clip is read from; VoiceError naming the folders when there is none."""
        for folder in self.folders:
            candidate = folder / f"{name}.wav"
            if candidate.is_file():
                return candidate
        raise VoiceError(f"Thiếu tệp âm thanh {name}.wav (đã tìm trong: "
                         f"{', '.join(str(f) for f in self.folders)})")

    def pcm(self, name: str) -> bytes:
        """A clip's samples (16 kHz mono 16-bit), read once."""
        with self._lock:
            if name not in self._cache:
                self._cache[name] = read_wav(self.path(name))
            return self._cache[name]

    def check(self, names: tuple[str, ...]) -> None:
        """Read every clip in `names` now; VoiceError listing all the missing or bad ones."""
        problems = []
        for name in names:
            try:
                self.pcm(name)
            except VoiceError as e:
                problems.append(str(e))
        if problems:
            raise VoiceError("; ".join(problems))


def spell_number(number: str) -> list[str]:
    """Clip names reading a ticket number one character at a time: "A102" → A, 1, 0, 2."""
    plain = number.strip().replace("Đ", "D").replace("đ", "d")  # no base letter under NFD
    text = unicodedata.normalize("NFD", plain).encode("ascii", "ignore").decode().lower()
    if not text or not text.isalnum() or len(text) > 12:
        raise VoiceError(f"Không đọc được số thứ tự {number!r}")
    return [f"digit_{c}" if c.isdigit() else f"letter_{c}" for c in text]


def counter_number(name: str, counter_id: int) -> str:
    """What to say for a counter: the last number in its name ("Quầy 5" → "5"), else its id."""
    found = re.findall(r"\d+", name or "")
    return found[-1] if found else str(counter_id)


@dataclass(frozen=True)
class Speech:
    """One assembled announcement: the clip names in order, the samples, and where each call's
    words begin (seconds from the start)."""

    clips: tuple[str, ...]
    pcm: bytes
    marks: tuple[float, ...] = ()

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return len(self.pcm) / (RATE * SAMPLE_WIDTH * CHANNELS)

    def write(self, path: Path) -> Path:
        """Save as a WAV file; returns the path."""
        write_wav(path, self.pcm)
        return path


class Voice:
    """Turns calls ("ticket at counter") into speech from the template, each call said once per
    announcement; `repeats` is how many times a call is said in all when nobody else is waiting
    (the announcer plays the chime, then the announcement, then the repetitions one at a time:
    see display/announcer.py)."""

    def __init__(self, clips: ClipSet, template: str, repeats: int = 2):
        """`template`: clip names and the placeholders {number} and {counter}, space-separated."""
        if repeats < 1:
            raise VoiceError("Số lần đọc phải từ 1 trở lên")
        self.clips, self.template, self.repeats = clips, template.split(), repeats
        first = next((i for i, t in enumerate(self.template) if t.startswith("{")), 0)
        # several calls in one announcement share the opening words when the number comes first:
        # "xin mời số thứ tự A 1 đến quầy số 2, B 3 đến quầy số 4"
        self.shared = first if self.template[first] == "{number}" else 0

    def clip_names(self, number: str, counter: str, tokens: list[str] | None = None) -> list[str]:
        """The template (or `tokens` of it) for one call, as clip names."""
        names = []
        for token in self.template if tokens is None else tokens:
            if token == "{number}":
                names += spell_number(number)
            elif token == "{counter}":
                names += spell_number(counter)
            else:
                names.append(token)
        return names

    def check(self, prefixes: tuple[str, ...] = ()) -> None:
        """Fail now (VoiceError) if a clip is missing or bad that the template, any digit or a
        ticket prefix in `prefixes` (e.g. the services' "A", "B") needs."""
        fixed = [t for t in self.template if not t.startswith("{")]
        letters = [n for p in prefixes for n in spell_number(p)]
        self.clips.check(tuple(dict.fromkeys([CHIME, *fixed, *DIGITS, *letters])))

    def chime(self) -> Speech:
        """The chime that opens an announcement."""
        return Speech((CHIME,), self.clips.pcm(CHIME))

    def announcement(self, calls: list[tuple[str, str]], pause: float = CHIME_GAP_S) -> Speech:
        """The calls (number, counter) said once each after `pause` seconds: the whole template
        for the first, the others without the opening words they share."""
        order: list[str] = []
        parts = [silence(pause)]
        marks = []
        for i, (number, counter) in enumerate(calls):
            if i:
                parts.append(silence(CALL_GAP_S))
            marks.append(sum(map(len, parts)) / (RATE * SAMPLE_WIDTH))
            for j, name in enumerate(self.clip_names(number, counter, self.template[self.shared * bool(i):])):
                if j:
                    parts.append(silence(GAP_S))
                parts.append(self.clips.pcm(name))
                order.append(name)
        return Speech(tuple(order), b"".join(parts), tuple(marks))


def silence(seconds: float) -> bytes:
    """`seconds` of silence as samples."""
    return bytes(frames_for(seconds) * SAMPLE_WIDTH)
