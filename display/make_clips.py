"""Generate the default Vietnamese clip set with espeak-ng (voice "vi"), 16 kHz mono 16-bit.

    python -m display.make_clips [--out assets/sounds/vi] [--voice vi] [--speed 170] [--only NAME ...]

Needs the Debian package `espeak-ng`. The chime is synthesised (three soft bell tones). To use
recorded clips instead, record WAV files with the same names (any PCM format) and put them in
the board's `--sounds` folder; see README.md.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from display.voice import DEFAULT_CLIPS, RATE, VoiceError, read_wav, to_pcm16, write_wav

PHRASES = {
    "xin_moi_so_thu_tu": "xin mời số thứ tự",
    "den_quay_so": "đến quầy số",
    "xin_moi": "xin mời",
    "so": "số",
    "den_quay": "đến quầy",
    "quay_so": "quầy số",
}
DIGIT_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
LETTER_WORDS = {
    "a": "a", "b": "bê", "c": "xê", "d": "dê", "e": "e", "f": "ép", "g": "giê", "h": "hát",
    "i": "i", "j": "gi", "k": "ca", "l": "e lờ", "m": "em mờ", "n": "en nờ", "o": "o", "p": "pê",
    "q": "quy", "r": "e rờ", "s": "ét xì", "t": "tê", "u": "u", "v": "vê", "w": "vê kép",
    "x": "ích xì", "y": "i dài", "z": "dét",
}
TEXTS = {**PHRASES, **{f"digit_{d}": w for d, w in enumerate(DIGIT_WORDS)},
         **{f"letter_{c}": w for c, w in LETTER_WORDS.items()}}
SPEED = 170  # words (Vietnamese: syllables) per minute; espeak-ng's own default is 175
SILENCE_LEVEL = 300  # |sample| below this (16-bit units) counts as silence when trimming
EDGE_S = 0.03  # silence kept at each end of a trimmed clip


def chime() -> bytes:
    """A two-tone bell chime ("ding-dong": E5 then C5), 0.8 s."""
    parts = []
    for freq, length, decay in ((659.3, 0.26, 7.0), (523.3, 0.54, 6.0)):
        t = np.arange(int(length * RATE)) / RATE
        tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t)
        envelope = np.exp(-t * decay) * np.minimum(1, t / 0.005) * np.minimum(1, (length - t) / 0.03)
        parts.append(tone * envelope * 10000)
    return to_pcm16(np.concatenate(parts))


def trim(pcm: bytes) -> bytes:
    """Cut leading and trailing silence, keeping a few milliseconds at each end."""
    samples = np.frombuffer(pcm, "<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL)
    if len(loud) == 0:
        return pcm
    edge = int(EDGE_S * RATE)
    return samples[max(0, loud[0] - edge): loud[-1] + edge].tobytes()


def speak(text: str, voice: str, speed: int) -> bytes:
    """`text` spoken by espeak-ng, as 16 kHz mono 16-bit samples with the silence trimmed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clip.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text],
                       check=True, capture_output=True, timeout=60)
        return trim(read_wav(out))


def make_clips(out: Path, voice: str = "vi", speed: int = SPEED, only: tuple[str, ...] = ()) -> list[Path]:
    """Write the clip set (or the clips named in `only`) into `out`; returns the files written."""
    if shutil.which("espeak-ng") is None:
        raise VoiceError("Chưa cài espeak-ng: chạy `apt-get install -y espeak-ng`")
    unknown = set(only) - set(TEXTS) - {"chime"}
    if unknown:
        raise VoiceError(f"Không có đoạn âm thanh tên {', '.join(sorted(unknown))}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("chime", *TEXTS):
        if only and name not in only:
            continue
        pcm = chime() if name == "chime" else speak(TEXTS[name], voice, speed)
        write_wav(out / f"{name}.wav", pcm)
        written.append(out / f"{name}.wav")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the clips and print what was written."""
    p = argparse.ArgumentParser(prog="python -m display.make_clips", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_CLIPS, help=f"folder (default {DEFAULT_CLIPS})")
    p.add_argument("--voice", default="vi", help="espeak-ng voice (default vi; vi-vn-x-south, vi-vn-x-central)")
    p.add_argument("--speed", type=int, default=SPEED, help=f"words per minute (default {SPEED})")
    p.add_argument("--only", nargs="*", default=(), help="only these clip names")
    args = p.parse_args(argv)
    try:
        written = make_clips(args.out, args.voice, args.speed, tuple(args.only))
    except (VoiceError, subprocess.SubprocessError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    total = sum(f.stat().st_size for f in written)
    print(f"{len(written)} clips written to {args.out} ({total // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
