"""The speaker port (one contract for the recording fake and the real SDL2 player) and the
announcement queue: a burst of 20 calls from a real hub is spoken in order, never two at once."""
from __future__ import annotations

import time

import pytest
from display_helpers import counter_client, issue, wait_for

from devices.speaker import PlayerError, RecordingPlayer, SdlPlayer, wav_seconds
from display.announcer import Announcement, Announcer
from display.board import BoardFeed
from display.voice import DEFAULT_CLIPS, ClipSet, Voice
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
        called.append(f"{ticket.number}-{counter_id}")
        port.start_serving(ticket.id, counter_id)
        port.finish_ticket(ticket.id, counter_id)
    wait_for(lambda: len(player.played) == 20, timeout=30, what="20 announcements")
    assert announcer.wait_idle(5)
    assert [p.name.split("-", 1)[1].removesuffix(".wav") for p in player.played] == called
    assert player.most_at_once == 1
    for before, after in zip(player.played, player.played[1:]):
        assert after.start >= before.end
    speech = Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 2).speech("A001", "1")
    assert player.played[0].seconds == pytest.approx(speech.seconds)
    assert not list(tmp_path.glob("*.wav"))  # each WAV is removed once played
    board.stop()
    announcer.close()


def test_a_recall_is_announced_again_and_errors_do_not_stop_the_queue(tmp_path):
    player = RecordingPlayer(time_scale=0.01)
    problems = []
    announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 1), player, problems.append, tmp_path)
    announcer.say(Announcement("A7", "1", 7, 1))
    announcer.say(Announcement("A-7", "1", 8, 1))  # cannot be spoken: reported, queue goes on
    announcer.say(Announcement("A7", "1", 7, 2))
    assert announcer.wait_idle(10)
    assert [p.name for p in player.played] == ["000001-A7-1.wav", "000003-A7-1.wav"]
    assert problems == ["Không đọc được số A-7: Không đọc được số thứ tự 'A-7'"]
    announcer.configure("xin_moi {number} nonexistent_clip", 1)
    assert "nonexistent_clip.wav" in problems[-1]
    announcer.configure("xin_moi {number} den_quay {counter}", 3)
    announcer.say(Announcement("B2", "3"))
    assert announcer.wait_idle(10)
    assert player.played[-1].seconds == pytest.approx(
        Voice(ClipSet(), "xin_moi {number} den_quay {counter}", 3).speech("B2", "3").seconds)
    announcer.close()


def test_a_call_that_no_longer_stands_when_its_turn_comes_is_not_spoken(tmp_path):
    player = RecordingPlayer(time_scale=0.01)
    finished = {8}
    announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 1), player, workdir=tmp_path,
                          still_wanted=lambda a: a.ticket_id not in finished)
    for ticket_id, number in ((7, "A7"), (8, "A8"), (9, "A9")):
        announcer.say(Announcement(number, "1", ticket_id, 1))
    assert announcer.wait_idle(10)
    assert [p.name for p in player.played] == ["000001-A7-1.wav", "000002-A9-1.wav"]
    assert [a.number for a in announcer.skipped] == ["A8"]
    announcer.close()
