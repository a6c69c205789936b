"""`main.py office …` as the commune's IT person runs it (real subprocesses), and `hub serve`
refusing a store that still accepts a public demo credential."""
from __future__ import annotations

import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from demo.seed import demo_token
from office.auth import Credentials, verify_pin
from office.store import Store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "assets" / "examples" / "office.toml"


def main_py(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def events(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT COUNT(*) FROM events").fetchone()[0]


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A store made by `office init` from the example, and the PINs it printed once."""
    db = tmp_path_factory.mktemp("office") / "data" / "office.sqlite"
    done = main_py("office", "init", "--config", EXAMPLE, "--db", db)
    assert done.returncode == 0, done.stderr
    pins = dict(re.findall(r"^  (\S+(?: panel)?)\s+(\d{6})\s", done.stdout, re.M))
    return db, pins


def test_init_prints_each_first_pin_once_and_creates_a_private_store(office):
    db, pins = office
    assert set(pins) == {"huong.ltt", "thao.npt", "khoa.tvd", "ngoc.hb", "phuc.dh", "yen.vth", "kiosk panel"}
    store = Store(db)
    assert all(verify_pin(pin, store.pin_hash(user)) for user, pin in pins.items() if user != "kiosk panel")
    assert stat.S_IMODE(db.stat().st_mode) == 0o600 and stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert not any(pin in dump for pin in pins.values())  # hashes only
    again = main_py("office", "init", "--config", EXAMPLE, "--db", db)
    assert again.returncode == 1 and "office apply" in again.stderr


def test_a_bad_office_file_stops_init_with_one_line_and_leaves_nothing(tmp_path):
    bad = tmp_path / "office.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace('services = ["xahoi"]', 'services = ["xa-hoi"]')
                   .replace('"../demo/catalogue.toml"', f'"{ROOT / "assets" / "demo" / "catalogue.toml"}"'),
                   encoding="utf-8")
    done = main_py("office", "init", "--config", bad, "--db", tmp_path / "x.sqlite")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("config error: ") and "counter[5].services: unknown service 'xa-hoi'" in done.stderr
    assert not (tmp_path / "x.sqlite").exists()
    assert "needs --config" in main_py("office", "init", "--db", tmp_path / "x.sqlite").stderr


def test_the_store_keeps_its_configuration(office):
    db, _ = office
    info = main_py("info", "--db", db)
    assert info.returncode == 0 and "Phú Hòa" in info.stdout
    other = main_py("info", "--db", db, "--config", ROOT / "config.example.toml")
    assert other.returncode == 2 and "office apply" in other.stderr and other.stderr.count("\n") == 1


def test_apply_and_its_dry_run(office, tmp_path):
    db, _ = office
    assert "nothing to change" in main_py("office", "apply", "--config", EXAMPLE, "--db", db).stdout
    changed = tmp_path / "office.toml"
    changed.write_text(EXAMPLE.read_text(encoding="utf-8").replace('name = "Quầy 6"', 'name = "Quầy 6 – Trả kết quả"')
                       .replace('"../demo/catalogue.toml"', f'"{ROOT / "assets" / "demo" / "catalogue.toml"}"'),
                       encoding="utf-8")
    before = events(db)
    dry = main_py("office", "apply", "--dry-run", "--config", changed, "--db", db)
    assert dry.returncode == 0 and "dry run" in dry.stdout and "counter:6: saved" in dry.stdout
    assert events(db) == before
    real = main_py("office", "apply", "--config", changed, "--db", db)
    assert real.stdout.strip() == "counter:6: saved" and events(db) == before + 1
    assert main_py("office", "apply", "--config", EXAMPLE, "--db", db).returncode == 0  # back as it was


def test_administration_without_sql(office):
    db, _ = office
    add = main_py("office", "staff", "add", "--db", db, "--user", "tam.lm", "--name", "Lý Minh Tâm",
                  "--title", "Công chức tiếp nhận")
    assert add.returncode == 0 and "office staff pin" in add.stderr
    weak = main_py("office", "staff", "pin", "--db", db, "--user", "tam.lm", stdin="111111\n")
    assert weak.returncode == 1 and "lặp lại" in weak.stderr
    assert main_py("office", "staff", "pin", "--db", db, "--user", "tam.lm", stdin="592604\n").returncode == 0
    assert verify_pin("592604", Store(db).pin_hash("tam.lm"))
    assert main_py("office", "service", "close", "xahoi", "--db", db).returncode == 0
    assert main_py("office", "counter", "close", "5", "--db", db).returncode == 0
    assert main_py("office", "hours", "--db", db, "07:30-11:00", "13:30-16:30").returncode == 0
    assert main_py("office", "day", "off", "--db", db, "--day", "2026-12-31", "--reason", "QĐ 1/QĐ-UBND").returncode == 0
    bad_day = main_py("office", "day", "off", "--db", db, "--day", "31/12/2026", "--reason", "x")
    assert bad_day.returncode != 0 and "YYYY-MM-DD" in bad_day.stderr
    assert main_py("office", "kiosk-pin", "--db", db, stdin="730418\n").returncode == 0
    assert main_py("office", "staff", "remove", "--db", db, "--user", "tam.lm").returncode == 0
    shown = main_py("office", "show", "--db", db).stdout
    assert "ĐÃ ĐÓNG" in shown and "07:30–11:00, 13:30–16:30" in shown and "2026-12-31" in shown
    assert re.search(r"tam\.lm .* đã nghỉ", shown) and "592604" not in shown and "730418" not in shown
    for reopen in (("service", "open", "xahoi"), ("counter", "open", "5")):
        assert main_py("office", *reopen, "--db", db).returncode == 0
    missing = main_py("office", "service", "close", "nope", "--db", db)
    assert missing.returncode == 1 and missing.stderr.startswith("error [not_found]")


def test_hub_serve_refuses_a_real_office_store_holding_demo_credentials(tmp_path):
    db = tmp_path / "legacy.sqlite"  # as the old `demo --config office.toml` left a real office
    store = Store(db, "xa-cu", "000.00.25.H19")
    with store.write():
        store.save_staff("hoa.tt", "Trần Thị Hoa", "Công chức", "Một cửa")
    credentials = Credentials(store)
    credentials.enroll("kiosk", "kiosk-1", token=demo_token(2026, "kiosk-1"))
    credentials.set_pin("hoa.tt", "110011")
    store.close()
    refused = main_py("hub", "serve", "--db", db, "--port", "0")
    assert refused.returncode == 2 and "token of kiosk-1" in refused.stderr and "PIN of hoa.tt" in refused.stderr


def test_a_token_comes_from_a_private_file_or_the_environment(tmp_path, monkeypatch, capsys):
    import argparse

    from office.cli import TOKEN_ENV, token

    def args(**kw):
        return argparse.Namespace(**{"token": None, "token_file": None, **kw})

    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert token(args()) is None
    monkeypatch.setenv(TOKEN_ENV, "from-the-environment")
    assert token(args()) == "from-the-environment"
    file = tmp_path / "kiosk.token"
    file.write_text("from-a-file\n")
    file.chmod(0o600)
    assert token(args(token_file=file)) == "from-a-file" and capsys.readouterr().err == ""
    file.chmod(0o644)
    assert token(args(token_file=file)) == "from-a-file" and "chmod 600" in capsys.readouterr().err
    assert token(args(token="on-the-command-line", token_file=file)) == "on-the-command-line"
    file.write_text("")
    with pytest.raises(SystemExit, match="empty"):
        token(args(token_file=file))
    with pytest.raises(SystemExit, match="No such file"):
        token(args(token_file=tmp_path / "missing"))


def test_hub_serve_warns_loudly_on_the_demo_office(tmp_path):
    from demo.seed import seed_demo
    from office.config import OfficeConfig
    from office.service import OfficeService

    svc = OfficeService.open(tmp_path / "demo.sqlite", OfficeConfig())
    seed_demo(svc, dossiers=0, tickets=0, days=0)
    svc.store.close()
    hub = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "hub", "serve", "--db", str(tmp_path / "demo.sqlite"),
                            "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert hub.stdout.readline().startswith("hub: http://127.0.0.1:")
    finally:
        hub.terminate()
        assert hub.wait(20) == 0
    assert "WARNING: this is the DEMO office" in hub.stderr.read()
