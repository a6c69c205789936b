"""Generate the kiosk's guidance clips (kiosk/voice.py GUIDANCE) with the board's generator
(display/make_clips.py: espeak-ng, 16 kHz mono 16-bit, silence trimmed).

    python scripts/make_kiosk_clips.py [--out assets/sounds/kiosk] [--speed 150]

Needs the Debian package `espeak-ng`. Recorded clips with the same names may replace them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from display.make_clips import speak  # noqa: E402
from display.voice import write_wav  # noqa: E402
from kiosk.voice import CLIPS, GUIDANCE  # noqa: E402

VOICES = {"vi": "vi", "en": "en"}


def main(argv: list[str] | None = None) -> int:
    """Write one clip per step and language; print what was written."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=CLIPS)
    p.add_argument("--speed", type=int, default=150, help="words per minute (default 150)")
    args = p.parse_args(argv)
    total = 0
    for lang, steps in GUIDANCE.items():
        (args.out / lang).mkdir(parents=True, exist_ok=True)
        for step, text in steps.items():
            path = args.out / lang / f"{step}.wav"
            write_wav(path, speak(text, VOICES[lang], args.speed))
            total += path.stat().st_size
    print(f"{sum(map(len, GUIDANCE.values()))} clips written to {args.out} ({total // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
