"""`main.py counter` as a real subprocess: bad options are one clear line; the window opens
(offscreen), loads the office and exits."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "counter", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)


def test_bad_options_are_one_clear_line(tmp_path):
    proc = run("--hub", "http://127.0.0.1:9", "--db", tmp_path / "x.db")
    assert proc.returncode == 2 and "--hub needs this counter's token" in proc.stderr
    proc = run("--printer", "laser", "--db", tmp_path / "x.db")
    assert proc.returncode == 2 and "máy in A4 'laser' không hợp lệ" in proc.stderr


def test_window_opens_on_a_store_and_exits(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_WINDOW": "sdl2", "KIVY_HOME": str(tmp_path),
           "KIVY_NO_CONSOLELOG": "1"}
    proc = run("--db", tmp_path / "office.db", "--printer", f"file:{tmp_path / 'pdf'}", "--exit-after-start",
               env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "counter ready" in proc.stdout
