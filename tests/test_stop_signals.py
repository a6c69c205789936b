"""Every app and server stops cleanly on SIGTERM (systemd's stop) and SIGINT (Ctrl-C): exit code 0
within 5 s, its store intact. Each runs as a real process, as systemd starts it; the Kivy apps draw
offscreen."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hub"))
from hub_support import make_office  # noqa: E402
from office_support import Clock  # noqa: E402

from hub.server import start_hub_thread  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STOP_S = 5.0


def start(args: list, ready: str, tmp_path: Path, *, gui: bool = False, env: dict | None = None,
          timeout: float = 60) -> subprocess.Popen:
    """Start `main.py ARGS` and wait for the line saying it is up (stdout or stderr)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    if gui:
        environ.update(SDL_VIDEODRIVER="offscreen", KIVY_WINDOW="sdl2", KIVY_HOME=str(tmp_path / "kivy"))
    environ.update(env or {})
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=ROOT, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen.append(line)
        if ready in line:
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"{args[0]} never said {ready!r}:\n{''.join(seen)[-3000:]}")


def stop(proc: subprocess.Popen, sig: signal.Signals = signal.SIGTERM) -> float:
    """Send `sig`; the seconds until the process exited (code 0 required)."""
    began = time.monotonic()
    proc.send_signal(sig)
    try:
        code = proc.wait(STOP_S + 10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"still running {STOP_S + 10} s after {sig.name}") from None
    took = time.monotonic() - began
    rest = proc.stdout.read()
    assert code == 0, f"exit code {code} after {sig.name}:\n{rest[-2000:]}"
    assert took <= STOP_S, f"took {took:.1f} s to stop after {sig.name}"
    print(f"{sig.name}: stopped in {took:.2f} s")
    return took


def intact(db: Path) -> None:
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        seqs = [r[0] for r in con.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path / "office.sqlite", Clock())
    made.svc.issue_ticket("HT")
    yield made
    made.svc.store.close()


@pytest.mark.parametrize("app, sig", [("kiosk", signal.SIGTERM), ("kiosk", signal.SIGINT),
                                      ("counter", signal.SIGTERM)], ids=["kiosk-TERM", "kiosk-INT", "counter-TERM"])
def test_the_apps_on_a_store(app, sig, office, tmp_path):
    args = [app, "--db", office.svc.store.path] + (["--printer", f"file:{tmp_path / 'forms'}"] if app == "counter"
                                                  else [])
    stop(start(args, "window open", tmp_path, gui=True), sig)
    intact(Path(office.svc.store.path))


def test_the_board_on_a_hub(office, tmp_path):
    url, stop_hub = start_hub_thread(office.svc)
    try:
        board = start(["display", "--hub", url, "--no-voice"], "window open", tmp_path, gui=True,
                      env={"MOTCUA_TOKEN": office.tokens["bang-1"]})
        stop(board)
    finally:
        stop_hub()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_the_hub(sig, office, tmp_path):
    office.svc.store.close()
    hub = start(["hub", "serve", "--db", office.svc.store.path, "--port", 0], "hub: http", tmp_path)
    stop(hub, sig)
    intact(Path(office.svc.store.path))


def test_the_central_server(tmp_path):
    stop(start(["central", "serve", "--db", tmp_path / "central.sqlite", "--port", 0], "central: serving", tmp_path))


def test_the_demo_without_a_screen_keeps_serving_until_stopped(tmp_path):
    db = tmp_path / "demo.sqlite"
    demo = start(["demo", "--db", db, "--dossiers", 60, "--tickets", 30, "--days", 3, "--hub-port", 0],
                 "Ctrl-C to stop", tmp_path)
    stop(demo)
    intact(db)


def test_a_nightly_sync_waiting_for_its_hour(office, tmp_path):
    office.svc.store.close()
    sync = start(["sync", "--db", office.svc.store.path, "--central", "http://127.0.0.1:9", "--at", "02:00"],
                 "next sync at", tmp_path, env={"MOTCUA_TOKEN": "an-office-token"})
    stop(sync)


def test_a_stopping_app_lets_the_print_in_hand_finish_and_drops_the_queued_ones():
    import kivy_support  # noqa: F401  (headless Kivy before the worker's Clock)

    from uikit.worker import Worker

    printed, worker = [], Worker("printer")
    worker.run(lambda: (time.sleep(0.5), printed.append("A102")), lambda _: None, lambda _: None)
    worker.run(lambda: printed.append("A103"), lambda _: None, lambda _: None)
    time.sleep(0.1)
    worker.shutdown(wait=3.0)  # what the App shell's on_stop does with the device worker
    assert printed == ["A102"]


@pytest.mark.slow
def test_the_whole_office_on_one_pc_opens_three_windows_and_stops_them_all(tmp_path):
    db = tmp_path / "demo.sqlite"
    demo = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "demo", "--all", "--db", str(db), "--dossiers",
                             "60", "--tickets", "30", "--days", "3", "--hub-port", "0"], cwd=ROOT,
                            env={**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_WINDOW": "sdl2",
                                 "KIVY_HOME": str(tmp_path / "kivy")},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    opened, deadline = set(), time.monotonic() + 90
    while len(opened) < 3 and time.monotonic() < deadline:
        line = demo.stdout.readline()
        for title in ("Kiosk", "Quầy", "Bảng"):
            if "window open" in line and title in line:
                opened.add(title)
    assert len(opened) == 3, opened
    stop(demo)
    intact(db)
