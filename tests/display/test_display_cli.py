"""`main.py display`: options, clear errors for a bad clip folder, a real start against a hub."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def display(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_WINDOW": "sdl2", "SDL_AUDIODRIVER": "dummy",
           "KIVY_NO_CONSOLELOG": "1"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "display", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout, env=env)


def test_help_and_required_options():
    out = display("--help").stdout
    for option in ("--hub", "--token", "--fullscreen", "--sounds", "--no-voice"):
        assert option in out
    missing = display("--hub", "http://127.0.0.1:9")
    assert missing.returncode == 2 and "--token" in missing.stderr


def test_a_bad_clip_folder_is_refused_before_the_window_opens(tmp_path):
    nowhere = display("--hub", "http://127.0.0.1:9", "--token", "t", "--sounds", tmp_path / "none")
    assert nowhere.returncode == 2 and "không có thư mục này" in nowhere.stderr
    (tmp_path / "digit_3.wav").write_bytes(b"garbage")
    broken = display("--hub", "http://127.0.0.1:9", "--token", "t", "--sounds", tmp_path)
    assert broken.returncode == 2
    assert "digit_3.wav không đọc được" in broken.stderr and "Traceback" not in broken.stderr


def test_the_board_starts_against_a_hub_and_exits(office):
    run = display("--hub", office.url, f"--token={office.tokens['bang-1']}", "--exit-after-start")  # may start with -
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
