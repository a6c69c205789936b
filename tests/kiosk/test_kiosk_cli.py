"""`main.py kiosk` as a real subprocess: bad options are one clear line, before any window; the
window opens (offscreen) on a store and exits."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "kiosk", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env=env)


def test_hub_needs_a_token(tmp_path):
    r = run("--hub", "http://127.0.0.1:9", "--db", tmp_path / "x.db")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "--hub needs this kiosk's token" in r.stderr and not (tmp_path / "x.db").exists()


def test_bad_decoder_is_refused_by_the_parser():
    r = run("--decoder", "laser")
    assert r.returncode == 2 and "invalid choice: 'laser'" in r.stderr


def test_window_opens_on_a_store_and_exits(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_WINDOW": "sdl2", "KIVY_HOME": str(tmp_path),
           "KIVY_NO_CONSOLELOG": "1"}
    r = run("--db", tmp_path / "office.db", "--printer", "none", "--camera", "none", "--exit-after-start", env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "kiosk ready" in r.stdout
