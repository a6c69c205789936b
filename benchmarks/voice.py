"""Voice benchmark: how long a call takes to say and how long calls wait for the hall's voice.

Calls arrive at random (Poisson) at 60 and 120 calls an hour for a simulated hour, and at opening
time (six counters calling within 20 s, and all six in the same second); each is said by the real
announcer (display/announcer.py: its backlog policy) from the real clip set onto the recording
speaker, which takes each WAV's real duration — of simulated time (SimulatedSpeaker), so an hour
runs in seconds and the figures do not depend on the machine's load.
Alone: `.venv/bin/python -m benchmarks.voice ['TEMPLATE']` (`main.py bench --voice-template`: another
template, e.g. 'xin_moi so {number} den_quay {counter}', the words of the screen's spotlight).
`wait` is from the call reaching the board to its words being heard; `voice s/call` is the
speaker's time per call including repetitions made while nobody waited."""
from __future__ import annotations

import math
import random
import sys
import tempfile
import threading
from argparse import Namespace
from pathlib import Path

from benchmarks import print_table
from devices.speaker import Played, wav_seconds
from display.announcer import Announcement, Announcer
from display.voice import ClipSet, Voice, VoiceError
from office.config import DEFAULT_VOICE_TEMPLATE

SERVICES = "ABCDR"  # the demo office's prefixes
COUNTERS = 6


def main(args) -> int:
    """Print the voice table; 1 if any call was lost or said out of order."""
    template = getattr(args, "voice_template", None) or DEFAULT_VOICE_TEMPLATE
    try:
        Voice(ClipSet(), template).check(tuple(SERVICES))
    except VoiceError as e:
        print(f"voice bench: template {template!r}: {e}", file=sys.stderr)
        return 2
    rng = random.Random(2026)
    scenarios = [(f"{rate} calls/h, 1 h", poisson(rate, 3600, rng)) for rate in (60, 120)]
    scenarios += [("opening: 6 in 20 s", sorted(rng.uniform(0, 20) for _ in range(COUNTERS))),
                  ("6 in the same second", [i * 0.1 for i in range(COUNTERS)])]
    rows, ok = [], True
    for name, arrivals in scenarios:
        row, good = run(arrivals, rng, template)
        rows.append([name, *row])
        ok &= good
    print_table("Voice: calls said by the board (real clips, recording speaker, template "
                f"{template!r}, {Voice(ClipSet(), template).repeats}× when nobody waits)",
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


def run(arrivals: list[float], rng: random.Random, template: str) -> tuple[list, bool]:
    """Feed the calls to an announcer at their simulated times; the table row and whether every
    call was said once, in order, one announcement at a time."""
    speaker = SimulatedSpeaker()
    calls = [Announcement(f"{rng.choice(SERVICES)}{100 + i % 900}", str(rng.randint(1, COUNTERS)), i + 1)
             for i in range(len(arrivals))]
    with tempfile.TemporaryDirectory() as tmp:
        announcer = Announcer(Voice(ClipSet(), template), speaker, workdir=Path(tmp), clock=speaker.clock)
        for at, call in zip(arrivals, calls):
            speaker.advance(announcer, at)
            announcer.say(call)
        speaker.advance(announcer, math.inf)
        announcer.close()
    first = [s for s in announcer.spoken if not s.repeat]
    alone = [s.seconds for s in first if s.calls == 1]
    batched = [s.seconds / s.calls for s in first if s.calls > 1]
    waits = sorted(s.waited for s in first)
    pick = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))]  # noqa: E731
    voice = sum(p.seconds for p in speaker.played) / len(calls)
    row = [len(calls), mean(alone), max(alone, default="–"), mean(batched),
           f"{(len(announcer.spoken) - len(first)) / len(first):.0%}", voice, pick(0.5), pick(0.95), waits[-1]]
    return row, [s.announcement for s in first] == calls and speaker.most_at_once == 1


class SimulatedSpeaker:
    """The recording speaker on simulated time: each WAV plays for its real length of simulated
    seconds, while `advance` brings the calls in at theirs. Nothing sleeps, so the figures are
    the same on a busy machine as on an idle one."""

    def __init__(self):
        self.now = 0.0
        self.played: list[Played] = []
        self.most_at_once = 0
        self._busy = 0
        self._end = 0.0  # when the WAV playing now ends
        self._cv = threading.Condition()

    def clock(self) -> float:
        """The simulated time, in seconds."""
        return self.now

    def play(self, wav: Path) -> None:
        """Record the playback and return once its length of simulated time has passed."""
        seconds = wav_seconds(wav)
        with self._cv:
            self._busy += 1
            self.most_at_once = max(self.most_at_once, self._busy)
            start, self._end = self.now, self.now + seconds
            self._cv.notify_all()
            self._cv.wait_for(lambda: self.now >= self._end)
            self._busy -= 1
            self.played.append(Played(wav.name, seconds, start, self.now))
            self._cv.notify_all()

    def advance(self, announcer: Announcer, until: float) -> None:
        """Let simulated time run to `until` (or until the announcer has nothing left to say)."""
        with self._cv:
            while True:
                self._cv.wait_for(lambda: self._busy or announcer.wait_idle(0), timeout=0.002)
                if self._busy and self._end <= until:
                    self.now = self._end  # the WAV playing now ends; wait for what comes next
                    self._cv.notify_all()
                    self._cv.wait_for(lambda: not self._busy or self._end > self.now)
                elif self._busy or announcer.wait_idle(0):
                    self.now = max(self.now, until) if until < math.inf else self.now
                    return


def mean(values: list[float]) -> float | str:
    return sum(values) / len(values) if values else "–"


if __name__ == "__main__":
    raise SystemExit(main(Namespace(voice_template=(sys.argv[1:] or [None])[0])))
