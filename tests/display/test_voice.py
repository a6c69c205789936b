"""The assembled announcement: which clips, in which order, how long (≤ 6 s a call with the
chime); calls said together; the committed clip set;
recorded clips dropped in by an office; clear errors for missing clips and bad settings."""
from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from display import make_clips
from display.voice import (
    CALL_GAP_S,
    CHIME,
    CHIME_GAP_S,
    DEFAULT_CLIPS,
    DIGITS,
    GAP_S,
    LETTERS,
    RATE,
    REPEAT_GAP_S,
    ClipSet,
    Voice,
    VoiceError,
    counter_number,
    frames_for,
    read_wav,
    spell_number,
)
from office.config import DEFAULT_VOICE_TEMPLATE, ConfigError, config_from_dict

SPOKEN = ["xin_moi", "so", "letter_a", "digit_1", "digit_0", "digit_2", "den_quay", "digit_5"]


def frames(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return w.getnframes()


def test_the_committed_clip_set_is_complete_small_and_in_one_format():
    names = {p.stem for p in DEFAULT_CLIPS.glob("*.wav")}
    assert {CHIME, "xin_moi_so_thu_tu", "den_quay_so", *DIGITS, *LETTERS} <= names
    total = 0
    for path in DEFAULT_CLIPS.glob("*.wav"):
        with wave.open(str(path), "rb") as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2), path.name
            assert 0.1 < w.getnframes() / RATE < 2.5, path.name
        samples = np.frombuffer(read_wav(path), "<i2")
        assert np.abs(samples).max() > 3000, f"{path.name} is (nearly) silent"
        total += path.stat().st_size
    assert total < 1_200_000


@pytest.mark.parametrize("number,counter,spoken", [
    ("A102", "5", SPOKEN),
    ("B007", "12", ["xin_moi", "so", "letter_b", "digit_0", "digit_0", "digit_7", "den_quay",
                    "digit_1", "digit_2"]),
])
def test_a_call_is_the_chime_then_the_sentence_once_in_under_six_seconds(tmp_path, number, counter, spoken):
    voice = Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, repeats=2)
    speech = voice.announcement([(number, counter)])
    assert list(speech.clips) == spoken
    assert speech.marks == (CHIME_GAP_S,)
    expected = (frames_for(CHIME_GAP_S) + sum(frames(DEFAULT_CLIPS / f"{n}.wav") for n in spoken)
                + (len(spoken) - 1) * frames_for(GAP_S))
    wav = speech.write(tmp_path / "call.wav")
    with wave.open(str(wav), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        assert w.getnframes() == expected
    assert voice.chime().pcm == read_wav(DEFAULT_CLIPS / "chime.wav")
    assert 3 < voice.chime().seconds + speech.seconds <= 6  # the target: ≤ 6 s a call
    longest = voice.chime().seconds + voice.announcement([("A1002", "12")]).seconds
    assert longest <= 6, f"{longest:.2f} s for A1002 at counter 12"


def test_calls_said_together_share_the_opening_words():
    voice = Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE)
    speech = voice.announcement([("A102", "5"), ("B3", "12")], pause=REPEAT_GAP_S)
    assert list(speech.clips) == SPOKEN + ["letter_b", "digit_3", "den_quay", "digit_1", "digit_2"]
    alone = voice.announcement([("A102", "5")], pause=REPEAT_GAP_S)
    assert speech.marks[0] == REPEAT_GAP_S and speech.marks[1] == pytest.approx(alone.seconds + CALL_GAP_S)
    assert speech.pcm.startswith(alone.pcm)
    counter_first = Voice(ClipSet(), "quay_so {counter} xin_moi {number}")  # nothing shared before {counter}
    assert list(counter_first.announcement([("A1", "2"), ("B3", "4")]).clips) == [
        "quay_so", "digit_2", "xin_moi", "letter_a", "digit_1", "quay_so", "digit_4", "xin_moi", "letter_b", "digit_3"]


def test_template_and_repeats_are_configurable():
    voice = Voice(ClipSet(), "xin_moi {number} den_quay {counter}", repeats=3)
    assert voice.repeats == 3
    assert list(voice.announcement([("C9", "2")]).clips) == ["xin_moi", "letter_c", "digit_9", "den_quay", "digit_2"]
    board = config_from_dict({"board": {"notice": "Nghỉ trưa 11:30–13:30", "voice_repeats": 1,
                                        "voice_template": "so {number} quay_so {counter}"}}).board
    assert (board.notice, board.voice_repeats) == ("Nghỉ trưa 11:30–13:30", 1)
    for bad in ({"voice_template": "xin mời {number}"}, {"voice_template": "den_quay_so {counter}"},
                {"voice_repeats": 0}, {"voice_repeats": "2"}, {"speed": 3}):
        with pytest.raises(ConfigError) as e:
            config_from_dict({"board": bad})
        assert "[board]" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(VoiceError):
        Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, repeats=0)


def test_recorded_clips_in_any_pcm_format_replace_the_generated_ones(tmp_path):
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    seconds = 0.5
    t = np.arange(int(44100 * seconds)) / 44100
    tone = (np.sin(2 * np.pi * 440 * t) * 2 ** 30).astype("<i4")
    with wave.open(str(recorded / "digit_5.wav"), "wb") as w:  # 44.1 kHz stereo 32-bit
        w.setnchannels(2)
        w.setsampwidth(4)
        w.setframerate(44100)
        w.writeframes(np.repeat(tone, 2).tobytes())
    clips = ClipSet(recorded, DEFAULT_CLIPS)
    assert clips.path("digit_5") == recorded / "digit_5.wav"
    assert clips.path("digit_1") == DEFAULT_CLIPS / "digit_1.wav"
    samples = np.frombuffer(clips.pcm("digit_5"), "<i2")
    assert len(samples) == seconds * RATE
    assert 15000 < np.abs(samples).max() < 16800  # 2**30 in 32-bit is 16384 in 16-bit
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * RATE / len(samples) - 440) < 3  # same pitch after resampling
    speech = Voice(clips, DEFAULT_VOICE_TEMPLATE, 1).announcement([("A1", "5")])
    assert speech.clips[-1] == "digit_5"
    assert speech.pcm.endswith(clips.pcm("digit_5"))


def test_missing_or_broken_clips_and_unreadable_numbers_give_clear_errors(tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(DEFAULT_CLIPS, partial)
    (partial / "digit_7.wav").unlink()
    (partial / "den_quay.wav").write_bytes(b"not a wav file")
    voice = Voice(ClipSet(partial), DEFAULT_VOICE_TEMPLATE)
    with pytest.raises(VoiceError) as e:
        voice.check()
    assert "Thiếu tệp âm thanh digit_7.wav" in str(e.value)
    assert "den_quay.wav không đọc được" in str(e.value)
    with pytest.raises(VoiceError, match="Thiếu tệp âm thanh letter_q.wav"):
        Voice(ClipSet(tmp_path), DEFAULT_VOICE_TEMPLATE).clips.pcm("letter_q")
    for bad in ("", "A-1", "   "):
        with pytest.raises(VoiceError, match="Không đọc được số thứ tự"):
            spell_number(bad)
    assert spell_number("Đ12") == ["letter_d", "digit_1", "digit_2"]
    assert (counter_number("Quầy 5", 9), counter_number("Quầy tiếp nhận", 9)) == ("5", "9")


def test_make_clips_generates_espeak_clips_in_the_board_format(tmp_path):
    assert make_clips.main(["--out", str(tmp_path), "--only", "digit_5", "chime", "den_quay_so"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chime.wav", "den_quay_so.wav", "digit_5.wav"]
    for path in tmp_path.iterdir():
        with wave.open(str(path), "rb") as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
    # the committed set is what the documented command makes (same espeak-ng voice and speed)
    assert abs(frames(tmp_path / "digit_5.wav") - frames(DEFAULT_CLIPS / "digit_5.wav")) < RATE * 0.05
    assert make_clips.main(["--out", str(tmp_path), "--only", "nope"]) == 1
