"""`main.py hub …` and the demo office's published credentials, through real subprocesses."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hub_support import make_office
from office_support import Clock

from hub.client import HubClient
from hub.server import start_hub_thread
from office.config import OfficeConfig
from office.errors import Unauthorized
from office.service import OfficeService

ROOT = Path(__file__).resolve().parents[2]


def main_py(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_enroll_serve_revoke_and_pins(tmp_path):
    db = tmp_path / "office.db"
    make_office(db, Clock()).svc.store.close()
    enrolled = main_py("hub", "enroll", "--db", db, "--role", "counter", "--name", "quay-9")
    token = enrolled.stdout.strip()
    assert enrolled.returncode == 0 and re.fullmatch(r"[\w-]{40,}", token) and "only once" in enrolled.stderr
    listing = main_py("hub", "devices", "--db", db).stdout
    assert "quay-9" in listing and "active" in listing and token not in listing
    assert main_py("hub", "set-pin", "--db", db, "--user", "bich.tt", stdin="918273\n").returncode == 0
    bad = main_py("hub", "set-pin", "--db", db, "--user", "bich.tt", stdin="12\n")
    assert bad.returncode == 1 and "6 đến 12 chữ số" in bad.stderr
    server = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "hub", "serve", "--db", str(db),
                               "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline()).group(0)
        client = HubClient(url, token)
        assert client.login("bich.tt", "918273", 1).name == "Trần Thị Bích"
        assert client.call_next(1) is None
        revoked = main_py("hub", "revoke", "--db", db, "--name", "quay-9")
        assert revoked.returncode == 0
        with pytest.raises(Unauthorized):
            client.call_next(1)
        assert main_py("hub", "revoke", "--db", db, "--name", "quay-9").returncode == 1
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(20) == 0


def test_hub_commands_need_an_existing_store(tmp_path):
    proc = main_py("hub", "devices", "--db", tmp_path / "missing.db")
    assert proc.returncode != 0 and "no such store" in proc.stderr


@pytest.mark.slow
def test_demo_prints_working_credentials(tmp_path):
    db = tmp_path / "demo.sqlite"
    out = main_py("demo", "--no-window", "--db", db, "--dossiers", 100, "--tickets", 40, "--days", 5).stdout
    assert "DEMO-ONLY" in out and "hoa.tt 110011" in out
    tokens = dict(re.findall(r"^\s+\w+\s+(\S+)\s+(demo-[0-9a-f]{24})$", out, re.M))
    assert set(tokens) >= {"kiosk-1", "quay-1", "bang-tin-1", "quan-tri"}
    svc = OfficeService.open(db, OfficeConfig())
    url, stop = start_hub_thread(svc)
    try:
        assert len(HubClient(url, tokens["kiosk-1"]).services()) == 5
        counter = HubClient(url, tokens["quay-1"])
        assert counter.login("hoa.tt", "110011", 1).name == "Trần Thị Hoa"
        assert HubClient(url, tokens["quan-tri"]).summary()["dossiers"] == 100
    finally:
        stop()
        svc.store.close()
