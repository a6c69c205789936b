"""Provincial leaders: accounts made by `main.py central leader` (password from stdin, never the
command line), scrypt hashes, sessions, and the staff-login limits on failures."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from central.store import CentralStore
from office.errors import RateLimited, Unauthorized

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Sơn-Tân-Phú-2026"


def central_cli(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", "central", *args, "--db", str(db)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_cli_adds_lists_and_removes_leaders(tmp_path):
    db = tmp_path / "central.db"
    added = central_cli(db, "leader", "add", "--username", "son.hv", "--name", "Hoàng Văn Sơn", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "son.hv  Hoàng Văn Sơn" in central_cli(db, "leader", "list").stdout
    short = central_cli(db, "leader", "add", "--username", "lan.nt", stdin="ngan\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    store = CentralStore(str(db))
    stored = store._read("SELECT password FROM leaders WHERE username = 'son.hv'")[0][0]
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    token = store.log_in("son.hv", PASSWORD, "127.0.0.1")
    assert store.session_leader(token) == ("son.hv", "Hoàng Văn Sơn")
    assert central_cli(db, "leader", "remove", "--username", "son.hv").returncode == 0
    assert store.session_leader(token) is None and store.leaders() == []


def test_wrong_passwords_lock_the_client_out_then_it_recovers(central):
    central.add_leader("son.hv", "Hoàng Văn Sơn", PASSWORD)
    now = datetime(2026, 12, 2, 9, 0)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            central.log_in("son.hv", "sai-mat-khau-roi", "10.0.0.7", now)
    with pytest.raises(RateLimited) as locked:
        central.log_in("son.hv", PASSWORD, "10.0.0.7", now)
    assert "phút" in locked.value.message
    with pytest.raises(Unauthorized):
        central.log_in("khong-co", PASSWORD, "10.0.0.8", now)
    token = central.log_in("son.hv", PASSWORD, "10.0.0.7", now + timedelta(minutes=16))
    assert central.session_leader(token)[0] == "son.hv"
    central.log_out(token)
    assert central.session_leader(token) is None
