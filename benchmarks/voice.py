"""Voice benchmark: how long a call takes to say and how long calls wait for the hall's voice.

Calls arrive at random (Poisson) at 60 and 120 calls an hour for a simulated hour, and at opening
time (six counters calling within 20 s, and all six in the same second); each is said by the real
announcer (display/announcer.py: its backlog policy) from the real clip set onto the recording
speaker, which takes each WAV's real duration — compressed SCALE times so an hour runs in 36 s.
Alone: `.venv/bin/python -m benchmarks.voice`.
`wait` is from the call reaching the board to its words being heard; `voice s/call` is the
speaker's time per call including repetitions made while nobody waited."""
from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from benchmarks import print_table
from devices.speaker import RecordingPlayer
from display.announcer import Announcement, Announcer
from display.voice import ClipSet, Voice
from office.config import DEFAULT_VOICE_TEMPLATE

SCALE = 0.01  # wall seconds per simulated second
SERVICES = "ABCDR"  # the demo office's prefixes
COUNTERS = 6


def main(args) -> int:
    """Print the voice table; 1 if any call was lost or said out of order."""
    rng = random.Random(2026)
    scenarios = [(f"{rate} calls/h, 1 h", poisson(rate, 3600, rng)) for rate in (60, 120)]
    scenarios += [("opening: 6 in 20 s", sorted(rng.uniform(0, 20) for _ in range(COUNTERS))),
                  ("6 in the same second", [i * 0.1 for i in range(COUNTERS)])]
    rows, ok = [], True
    for name, arrivals in scenarios:
        row, good = run(arrivals, rng)
        rows.append([name, *row])
        ok &= good
    print_table("Voice: calls said by the board (real clips, recording speaker, template "
                f"{DEFAULT_VOICE_TEMPLATE!r}, {Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE).repeats}× when nobody waits)",
                ["arrivals", "calls", "said alone s", "max", "in a batch s", "repeated", "voice s/call",
                 "wait p50 s", "p95", "max"], rows)
    return 0 if ok else 1


def poisson(per_hour: float, seconds: float, rng: random.Random) -> list[float]:
    """Arrival times (s) of a Poisson stream of `per_hour` calls an hour over `seconds`."""
    times, t = [], rng.expovariate(per_hour / 3600)
    while t < seconds:
        times.append(t)
        t += rng.expovariate(per_hour / 3600)
    return times


def run(arrivals: list[float], rng: random.Random) -> tuple[list, bool]:
    """Feed the calls to an announcer at their (compressed) times; the table row and whether every
    call was said once, in order."""
    player = RecordingPlayer(time_scale=SCALE)
    calls = [Announcement(f"{rng.choice(SERVICES)}{100 + i % 900}", str(rng.randint(1, COUNTERS)), i + 1)
             for i in range(len(arrivals))]
    with tempfile.TemporaryDirectory() as tmp:
        announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE), player, workdir=Path(tmp),
                              clock=lambda: time.monotonic() / SCALE)
        start = time.monotonic()
        for at, call in zip(arrivals, calls):
            time.sleep(max(0.0, start + at * SCALE - time.monotonic()))
            announcer.say(call)
        announcer.wait_idle()
        announcer.close()
    first = [s for s in announcer.spoken if not s.repeat]
    alone = [s.seconds for s in first if s.calls == 1]
    batched = [s.seconds / s.calls for s in first if s.calls > 1]
    waits = sorted(s.waited for s in first)
    pick = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))]  # noqa: E731
    voice = sum(p.seconds for p in player.played) / len(calls)
    row = [len(calls), mean(alone), max(alone, default="–"), mean(batched),
           f"{(len(announcer.spoken) - len(first)) / len(first):.0%}", voice, pick(0.5), pick(0.95), waits[-1]]
    return row, [s.announcement for s in first] == calls and player.most_at_once == 1


def mean(values: list[float]) -> float | str:
    return sum(values) / len(values) if values else "–"


if __name__ == "__main__":
    raise SystemExit(main(None))
