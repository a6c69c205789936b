"""The sync commands as an operator runs them: central serve/enroll/revoke/catalogue, sync, reconcile."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from office_support import Clock
from sync_support import office, receive

from sync.client import next_run

ROOT = Path(__file__).resolve().parents[2]


def run(*args, ok=True):
    r = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


@pytest.mark.slow
def test_operator_workflow(tmp_path):
    central_db = str(tmp_path / "central.db")
    svc = office(tmp_path / "office.db", "office-a", clock=Clock())
    receive(svc, 3)
    svc.store.close()
    out = run("central", "enroll", "--db", central_db, "--office", "office-a", "--agency", "000.31.20.H56",
              "--valid-from", "2026-01-01").stdout
    token = out.splitlines()[1]
    assert token.startswith("mco_") and "dossier numbers 1–1000 of agency 000.31.20.H56" in out
    assert "7 fields" in run("central", "catalogue", "--db", central_db).stdout
    assert run("central", "enroll", "--db", central_db, ok=False).returncode == 2
    server = subprocess.Popen([sys.executable, "main.py", "central", "serve", "--db", central_db, "--port", "0"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = server.stdout.readline().split(" on ")[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        common = ["--db", str(tmp_path / "office.db"), "--central", url, "--token", token]
        r = run("sync", *common)
        assert "sync office=office-a pushed=" in r.stderr and " OK" in r.stderr and "quarantined=0" in r.stderr
        r = run("reconcile", *common)
        assert "0 mismatch(es)" in r.stdout
        svc = office(tmp_path / "office.db", "office-a", clock=Clock(), catalogue=False)
        assert svc.office()["public_url"] == url  # receipts' QR: the status page on the central server
        case = svc.store.procedure("1.001193").cases[0].code  # the catalogue came down from central
        [code] = receive(svc, case=case)  # received after the sync: the next reconcile must see it
        assert code.endswith("-0004")  # inside the leased block 1–1000, after today's numbers
        svc.store.close()
        r = run("reconcile", *common, ok=False)
        assert r.returncode == 1 and "MISMATCH" in r.stdout
        run("sync", *common)
        assert run("reconcile", *common).returncode == 0
        assert run("central", "revoke", "--db", central_db, "--office", "office-a").returncode == 0
        r = run("sync", *common, ok=False)
        assert r.returncode == 2 and "revoked" in r.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)


def test_central_jobs_on_a_department(tmp_path):
    """The store-only central jobs (no server): a department's scoped token, its revocation, one-of checks."""
    central_db = str(tmp_path / "central.db")
    unscoped = run("central", "enroll", "--db", central_db, "--department", "Phòng Tư pháp", ok=False)
    assert unscoped.returncode == 2 and unscoped.stderr.startswith("error: a department needs a scope")
    out = run("central", "enroll", "--db", central_db, "--department", "Phòng Tư pháp", "--fields", "TP, HT",
              "--offices", "xa-tan-phu").stdout
    assert out.startswith("department 'Phòng Tư pháp' enrolled for offices xa-tan-phu; fields TP, HT.")
    assert len(out.splitlines()) == 2 and out.splitlines()[1].startswith("mcd_")
    both = run("central", "revoke", "--db", central_db, "--office", "x", "--department", "y", ok=False)
    assert both.returncode == 2 and both.stderr == "error: give exactly one of --office, --department or --portal\n"
    assert run("central", "revoke", "--db", central_db, "--department", "Phòng Tư pháp").stdout == \
        "1 token(s) of department 'Phòng Tư pháp' revoked\n"
    assert run("central", "revoke", "--db", central_db, "--department", "Phòng Tư pháp", ok=False).returncode == 1


def test_next_run_is_the_next_occurrence_of_the_time():
    from datetime import datetime

    assert next_run(datetime(2026, 3, 2, 1, 0), "02:30") == datetime(2026, 3, 2, 2, 30)
    assert next_run(datetime(2026, 3, 2, 2, 30), "02:30") == datetime(2026, 3, 3, 2, 30)
    with pytest.raises(ValueError):
        next_run(datetime(2026, 3, 2), "25:00")
