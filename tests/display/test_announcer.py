"""The speaker port (one contract for the recording fake and the real SDL2 player) and the
announcement queue: a burst of 20 calls from a real hub is spoken in order, never two at once; the
backlog policy (calls said together, repetitions only while nobody waits, recalls merged, finished
tickets skipped)."""
from __future__ import annotations

import random
import threading
import time

import pytest
from display_helpers import counter_client, issue, wait_for

from benchmarks import voice as voice_bench
from devices.speaker import PlayerError, RecordingPlayer, SdlPlayer, wav_seconds
from display.announcer import Announcement, Announcer, Spoken
from display.board import BoardFeed
from display.voice import DEFAULT_CLIPS, REPEAT_GAP_S, ClipSet, Voice
from office.config import DEFAULT_VOICE_TEMPLATE


@pytest.fixture(params=["fake", "sdl2"])
def player(request):
    """Each adapter of the speaker port: the recording fake (real time) and Kivy's SDL2 audio."""
    return RecordingPlayer() if request.param == "fake" else SdlPlayer()


def test_player_contract_plays_to_the_end_then_returns(player, tmp_path):
    clip = DEFAULT_CLIPS / "digit_5.wav"
    seconds = wav_seconds(clip)
    start = time.monotonic()
    player.play(clip)
    player.play(DEFAULT_CLIPS / "digit_2.wav")
    took = time.monotonic() - start
    both = seconds + wav_seconds(DEFAULT_CLIPS / "digit_2.wav")
    assert both - 0.01 <= took < both + 0.5
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF nonsense")
    for broken in (bad, tmp_path / "missing.wav"):
        with pytest.raises(PlayerError, match="Không phát được"):
            player.play(broken)


def test_recording_player_records_start_and_end():
    player = RecordingPlayer(time_scale=0.5)
    player.play(DEFAULT_CLIPS / "chime.wav")
    [played] = player.played
    assert played.name == "chime.wav" and played.seconds == wav_seconds(DEFAULT_CLIPS / "chime.wav")
    assert played.end - played.start == pytest.approx(played.seconds * 0.5, abs=0.05)


def test_a_burst_of_twenty_calls_is_spoken_in_order_one_at_a_time(office, tmp_path):
    issue(office, *["HT", "DD"] * 10)
    player = RecordingPlayer(time_scale=0.01)
    announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 2), player, workdir=tmp_path)
    board = BoardFeed(office.client("bang-1"),
                      lambda c: announcer.say(Announcement(c.number, c.counter_number, c.ticket_id, c.calls)),
                      max_backoff=0.5).start()
    wait_for(lambda: board.view().connected, what="board connected")
    counters = {1: counter_client(office, "quay-1"), 3: counter_client(office, "quay-2")}
    called = []
    for i in range(20):
        counter_id = 1 if i % 2 == 0 else 3
        port = counters[counter_id]
        ticket = port.call_next(counter_id)
        called.append((ticket.number, str(counter_id)))
        port.start_serving(ticket.id, counter_id)
        port.finish_ticket(ticket.id, counter_id)
    wait_for(lambda: len(said(announcer)) == 20, timeout=30, what="20 announcements")
    assert announcer.wait_idle(5)
    assert [(s.announcement.number, s.announcement.counter) for s in said(announcer)] == called
    assert player.most_at_once == 1
    for before, after in zip(player.played, player.played[1:]):
        assert after.start >= before.end
    assert player.played[0].name == "000001-chime.wav"
    assert not list(tmp_path.glob("*.wav"))  # each WAV is removed once played
    board.stop()
    announcer.close()


def said(announcer: Announcer) -> list[Spoken]:
    """Each call's first saying (repetitions left out), in the order heard."""
    return [s for s in announcer.spoken if not s.repeat]


class StepPlayer(RecordingPlayer):
    """A recording speaker the test moves on by hand: each play waits for `step()`."""

    def __init__(self):
        super().__init__(time_scale=0)
        self.playing: list[str] = []
        self._go = threading.Semaphore(0)

    def play(self, wav):
        self.playing.append(wav.name)
        self._go.acquire()
        super().play(wav)

    def step(self, name: str) -> None:
        """Wait until `name` is playing, then let it finish."""
        done = len(self.played)
        wait_for(lambda: len(self.playing) > done and self.playing[done].endswith(name),
                 what=f"{name} playing (have {self.playing})")
        self._go.release()
        wait_for(lambda: len(self.played) > done, what=f"{name} played")


def test_backlog_calls_are_said_together_once_and_repeated_only_when_nobody_waits(tmp_path):
    player = StepPlayer()
    announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 2), player, workdir=tmp_path)
    announcer.say(Announcement("A1", "1", 1))
    player.step("chime.wav")
    announcer.say(Announcement("B2", "2", 2))  # after the chime: waits for the next announcement
    player.step("A1-1.wav")
    announcer.say(Announcement("C3", "3", 3))
    announcer.say(Announcement("C3", "3", 3, calls=2))  # recalled before its turn: said once
    player.step("chime.wav")  # A1 is not repeated: others are waiting
    player.step("B2-2+C3-3.wav")
    player.step("B2-2+C3-3.wav")  # nobody waits now: the repetition
    assert announcer.wait_idle(5)
    assert [p.name.split("-", 1)[1] for p in player.played] == [
        "chime.wav", "A1-1.wav", "chime.wav", "B2-2+C3-3.wav", "B2-2+C3-3.wav"]
    assert [(s.announcement.number, s.announcement.calls, s.calls, s.repeat) for s in announcer.spoken] == [
        ("A1", 1, 1, False), ("B2", 1, 2, False), ("C3", 2, 2, False), ("B2", 1, 2, True), ("C3", 2, 2, True)]
    first, b2 = announcer.spoken[0], announcer.spoken[1]
    voice = Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE)
    assert first.seconds == pytest.approx(voice.chime().seconds + voice.announcement([("A1", "1")]).seconds)
    assert 0 < b2.queued < b2.started  # stamped by the announcer's clock
    announcer.close()


def test_calls_arriving_during_the_chime_join_its_announcement(tmp_path):
    player = StepPlayer()
    announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 1), player, workdir=tmp_path)
    announcer.say(Announcement("A1", "1", 1))
    wait_for(lambda: player.playing, what="the chime")
    for n in range(2, 7):  # six counters call within the same second
        announcer.say(Announcement(f"A{n}", str(n), n))
    player.step("chime.wav")
    player.step("A6-6.wav")
    assert announcer.wait_idle(5)
    assert [p.name.split("-", 1)[1] for p in player.played] == [
        "chime.wav", "+".join(f"A{n}-{n}" for n in range(1, 7)) + ".wav"]
    announcer.close()


def test_a_recall_after_the_call_was_said_is_said_again_and_errors_do_not_stop_the_queue(tmp_path):
    player = RecordingPlayer(time_scale=0.01)
    problems = []
    announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 1), player, problems.append, tmp_path)
    announcer.say(Announcement("A7", "1", 7, 1))
    assert announcer.wait_idle(10)
    announcer.say(Announcement("A-7", "1", 8, 1))  # cannot be spoken: reported, queue goes on
    announcer.say(Announcement("A7", "1", 7, 2))
    assert announcer.wait_idle(10)
    assert [p.name.split("-", 1)[1] for p in player.played if "chime" not in p.name] == ["A7-1.wav", "A7-1.wav"]
    assert problems == ["Không đọc được số A-7: Không đọc được số thứ tự 'A-7'"]
    announcer.configure("xin_moi {number} nonexistent_clip", 1)
    assert "nonexistent_clip.wav" in problems[-1]
    announcer.configure("xin_moi {number} den_quay {counter}", 3)
    announcer.say(Announcement("B2", "3"))
    assert announcer.wait_idle(10)
    words = Voice(ClipSet(), "xin_moi {number} den_quay {counter}", 3).announcement([("B2", "3")], REPEAT_GAP_S)
    assert player.played[-1].seconds == pytest.approx(words.seconds)  # the third saying
    assert [s.repeat for s in announcer.spoken][-3:] == [False, True, True]
    announcer.close()


def test_a_clip_broken_after_the_start_costs_its_call_only(tmp_path):
    """A recorded clip found broken only when first needed (the letter of a service added after
    the start-up check): its call is reported, the calls after it are still said (the voice never
    falls silent for the rest of the day)."""
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    (recorded / "letter_k.wav").write_bytes(b"RIFF not a wav")
    player, problems = RecordingPlayer(time_scale=0.01), []
    announcer = Announcer(Voice(ClipSet(recorded, DEFAULT_CLIPS), DEFAULT_VOICE_TEMPLATE, 1), player,
                          problems.append, tmp_path)
    announcer.say(Announcement("K7", "1", 7))
    assert announcer.wait_idle(10)
    announcer.say(Announcement("A2", "1", 2))
    assert announcer.wait_idle(10)
    assert len(problems) == 1 and problems[0].startswith("Không đọc được số K7: Tệp âm thanh letter_k.wav")
    assert [s.announcement.number for s in announcer.spoken] == ["A2"]
    announcer.close()


def test_a_call_that_no_longer_stands_when_its_turn_comes_is_not_spoken(tmp_path):
    player = RecordingPlayer(time_scale=0.01)
    finished = {8}
    announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 1), player, workdir=tmp_path,
                          still_wanted=lambda a: a.ticket_id not in finished)
    announcer.say(Announcement("A8", "1", 8, 1))  # finished before its turn: no chime either
    assert announcer.wait_idle(10)
    for ticket_id, number in ((7, "A7"), (8, "A8"), (9, "A9")):
        announcer.say(Announcement(number, "1", ticket_id, 1))
    assert announcer.wait_idle(10)
    assert [p.name.split("-", 1)[1] for p in player.played] == ["chime.wav", "A7-1+A9-1.wav"]
    announcer.say(Announcement("A8", "1", 8, 1))
    announcer.say(Announcement("A10", "1", 10, 1))  # the first fell away: the chime still comes
    assert announcer.wait_idle(10)
    assert [p.name.split("-", 1)[1] for p in player.played][2:] == ["chime.wav", "A10-1.wav"]
    assert [a.number for a in announcer.skipped] == ["A8", "A8", "A8"]
    announcer.close()


@pytest.mark.parametrize("per_hour", [60, 120])
def test_the_voice_keeps_up_with_a_busy_hall(per_hour):
    """The voice benchmark's own run (real clips, announcer and backlog policy, simulated time):
    a call alone takes ≤ 6 s with its chime, and at 60 or 120 calls an hour, or six counters
    opening within 20 s, no call waits more than 15 s to be heard."""
    rng = random.Random(per_hour)
    for arrivals in (voice_bench.poisson(per_hour, 3600, rng), sorted(rng.uniform(0, 20) for _ in range(6))):
        (calls, _, longest, *_, worst), in_order = voice_bench.run(arrivals, rng, DEFAULT_VOICE_TEMPLATE)
        assert in_order and calls == len(arrivals)
        assert longest <= 6 and worst <= 15, f"{calls} calls: alone up to {longest:.1f} s, waited up to {worst:.1f} s"
