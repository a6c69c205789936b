"""Installing an office machine by role and running it all day: the systemd units pass
`systemd-analyze verify` and keep the rules of a long-running service; a role install in a clean
prefix has its role's libraries only, works, and a second run installs nothing."""
from __future__ import annotations

import configparser
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_UNITS = sorted((ROOT / "deploy" / "systemd").iterdir())
APP_UNIT = ROOT / "deploy" / "kiosk-session" / "motcua-app@.service"
ANALYZE = shutil.which("systemd-analyze")


def render(unit: Path, folder: Path, prefix: Path, name: str | None = None) -> Path:
    """The unit as `setup.sh --role` installs it: /opt/motcua replaced by the install prefix."""
    out = folder / (name or unit.name)
    out.write_text(unit.read_text(encoding="utf-8").replace("/opt/motcua", str(prefix)), encoding="utf-8")
    return out


@pytest.fixture
def prefix(tmp_path) -> Path:
    """An install prefix whose `bin/motcua` exists (verify checks every ExecStart)."""
    (tmp_path / "opt" / "bin").mkdir(parents=True)
    exe = tmp_path / "opt" / "bin" / "motcua"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    return tmp_path / "opt"


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze missing: `apt-get install systemd` (scripts/setup.sh does)")
def test_the_units_pass_systemd_analyze_verify(tmp_path, prefix):
    units = tmp_path / "units"
    units.mkdir()
    files = [render(u, units, prefix) for u in SYSTEM_UNITS]
    done = subprocess.run([ANALYZE, "verify", "--man=no", *map(str, files)], capture_output=True, text=True,
                          timeout=120, cwd=units)
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stdout + done.stderr
    instances = [render(APP_UNIT, units, prefix, f"motcua-app@{app}.service") for app in ("kiosk", "counter",
                                                                                         "display")]
    done = subprocess.run([ANALYZE, "--user", "verify", "--man=no", *map(str, instances)], capture_output=True,
                          text=True, timeout=120, cwd=units, env={**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)})
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stdout + done.stderr


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze missing")
def test_verify_does_catch_a_broken_unit(tmp_path, prefix):
    """Guards the test above: a typo'd timer is reported."""
    bad = render(ROOT / "deploy" / "systemd" / "motcua-sync.timer", tmp_path, prefix)
    bad.write_text(bad.read_text().replace("OnCalendar=*-*-* 02:00:00", "OnCalendar=every night"))
    render(ROOT / "deploy" / "systemd" / "motcua-sync.service", tmp_path, prefix)
    done = subprocess.run([ANALYZE, "verify", "--man=no", str(bad)], capture_output=True, text=True, timeout=60)
    assert "every night" in done.stdout + done.stderr


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser


@pytest.mark.parametrize("path", [*SYSTEM_UNITS, APP_UNIT], ids=lambda p: p.name)
def test_every_unit_runs_as_a_good_citizen(path):
    u = unit(path)
    if path.suffix == ".timer":
        assert u["Timer"]["Persistent"] == "true" and u["Install"]["WantedBy"] == "timers.target"
        assert (path.parent / path.name.replace(".timer", ".service")).exists()
        return
    service = u["Service"]
    assert service["UMask"] == "0077"  # stores, backups, forms: owner only
    command = service["ExecStart"]
    assert "--token " not in command  # a token on a command line is shown by `ps`
    if service["Type"] == "exec":  # runs all day: restarted after a crash, stopped by SIGTERM in time
        assert service["Restart"] == "on-failure" and int(service["TimeoutStopSec"]) >= 5
    if path.parent.name == "systemd":
        assert service["User"] == "motcua" and service["ProtectSystem"] == "strict"


def test_the_kiosk_session_script_is_valid_shell():
    assert subprocess.run(["sh", "-n", str(ROOT / "deploy" / "kiosk-session" / "xinitrc")]).returncode == 0


# ---- role installs (each downloads and installs its libraries: about a minute) -----------------

def setup(role: str, prefix: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--role", role, "--prefix", str(prefix)],
                          capture_output=True, text=True, timeout=1200, cwd=ROOT)


def site_packages(prefix: Path) -> set[str]:
    """The importable names installed in a prefix's environment (packages and extension modules)."""
    [lib] = (prefix / "venv" / "lib").iterdir()
    return {p.name.split(".")[0].lower() for p in (lib / "site-packages").iterdir()}


@pytest.mark.slow
def test_a_kiosk_install_has_the_kiosk_and_nothing_of_the_servers_or_the_tests(tmp_path):
    prefix = tmp_path / "kiosk"
    done = setup("kiosk", prefix)
    assert done.returncode == 0, done.stderr[-3000:]
    print(done.stdout.splitlines()[-1])  # the installed size
    assert "installed in" in done.stdout and " MB" in done.stdout
    packages = site_packages(prefix)
    assert {"kivy", "cv2", "zxingcpp", "escpos", "numpy"} <= packages
    assert not packages & {"psycopg", "pytest", "reportlab", "fastapi", "uvicorn", "hypothesis", "_pytest"}
    assert not (prefix / "app" / "tests").exists() and (prefix / "share" / "motcua" / "motcua-app@.service").exists()
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_WINDOW": "sdl2", "KIVY_HOME": str(tmp_path)}
    ran = subprocess.run([str(prefix / "bin" / "motcua"), "kiosk", "--db", str(tmp_path / "k.sqlite"),
                          "--exit-after-start"], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert "kiosk ready" in ran.stdout, ran.stderr[-2000:]
    began = time.monotonic()
    again = setup("kiosk", prefix)
    assert again.returncode == 0 and "installing" not in again.stdout and time.monotonic() - began < 10


@pytest.mark.slow
def test_a_hub_install_sets_up_and_serves_an_office(tmp_path):
    prefix = tmp_path / "hub"
    done = setup("hub", prefix)
    assert done.returncode == 0, done.stderr[-3000:]
    print(done.stdout.splitlines()[-1])
    packages = site_packages(prefix)
    assert {"fastapi", "uvicorn", "holidays", "sqlite_utils", "isal"} <= packages
    assert not packages & {"kivy", "cv2", "psycopg", "pytest", "reportlab", "numpy"}
    motcua, db = str(prefix / "bin" / "motcua"), str(tmp_path / "office.sqlite")
    init = subprocess.run([motcua, "office", "init", "--config", str(prefix / "app" / "assets" / "examples" /
                                                                     "office.toml"), "--db", db],
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    hub = subprocess.Popen([motcua, "hub", "serve", "--db", db, "--port", "0"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    try:
        url = hub.stdout.readline().split()[1]
        assert urllib.request.urlopen(url + "/health", timeout=10).read() == b'{"ok":true}'
    finally:
        hub.send_signal(signal.SIGTERM)
        assert hub.wait(10) == 0
    assert sys.executable not in (prefix / "bin" / "motcua").read_text()  # its own Python, not the dev .venv
