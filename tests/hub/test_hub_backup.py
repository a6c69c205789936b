"""Backups taken by `main.py backup` while a real hub takes a storm of writes, and `restore`:
every copy is a consistent snapshot (whole transactions, the change log 1…N), a restore gives the
same rows and change-log hash, damaged or older copies are refused."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
from hub_support import make_office
from office_support import Clock

from hub.server import start_hub_thread
from office.backup import PUSH_CHECKPOINT, backup, inspect_store, restore
from office.errors import Conflict, InvalidInput
from sync.client import PUSH_CHECKPOINT as SYNC_PUSH_CHECKPOINT

ROOT = Path(__file__).resolve().parents[2]


def main_py(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def first_events_hash(db: Path, n: int) -> str:
    digest = hashlib.sha256()
    with sqlite3.connect(db) as con:
        for seq, event_id in con.execute("SELECT seq, id FROM events WHERE seq <= ? ORDER BY seq", [n]):
            digest.update(f"{seq}|{event_id}\n".encode())
    return digest.hexdigest()


def test_backups_during_a_write_storm_are_consistent_and_restore_exactly(tmp_path):
    office = make_office(tmp_path / "office.sqlite", Clock())
    url, stop = start_hub_thread(office.svc)
    stopping, errors, issued = threading.Event(), [], []

    def storm(device: str) -> None:
        client = office.client(device)
        while not stopping.is_set():
            try:
                issued.append(client.issue_ticket("HT" if len(issued) % 3 else "DD").ticket.id)
            except Exception as e:  # noqa: BLE001 — any failure fails the test below
                errors.append(e)
                return

    office.url = url
    writers = [threading.Thread(target=storm, args=(d,)) for d in ("kiosk-1", "kiosk-2", "kiosk-1", "kiosk-2")]
    for w in writers:
        w.start()
    folder = tmp_path / "backups"
    try:
        copies = []
        while len(copies) < 3:
            done = main_py("backup", "--db", tmp_path / "office.sqlite", "--to", folder, "--keep", 10)
            assert done.returncode == 0, done.stderr
            copies.append(Path(done.stdout.split()[1].rstrip(":")))
    finally:
        stopping.set()
        for w in writers:
            w.join(30)
        stop()
    assert not errors and len(issued) > 100
    live = tmp_path / "office.sqlite"
    for copy in copies:
        facts = inspect_store(copy)  # integrity_check ok, change log numbered 1…N without a gap
        assert facts.rows["tickets"] == sum(1 for _ in sqlite3.connect(copy).execute(
            "SELECT 1 FROM events WHERE entity = 'ticket' AND kind = 'issued'"))  # whole transactions only
        assert facts.changelog_hash == first_events_hash(live, facts.last_seq)  # a prefix of the live log
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert inspect_store(copies[-1]).rows["tickets"] > inspect_store(copies[0]).rows["tickets"]  # taken mid-storm

    final = main_py("backup", "--db", live, "--to", folder)
    assert final.returncode == 0, final.stderr
    restored = tmp_path / "restored.sqlite"
    done = main_py("restore", "--db", restored, "--from", final.stdout.split()[1].rstrip(":"))
    assert done.returncode == 0, done.stderr
    before, after = inspect_store(live), inspect_store(restored)
    assert after.rows == before.rows and after.changelog_hash == before.changelog_hash
    assert before.rows["tickets"] == len(issued)

    older = main_py("restore", "--db", live, "--from", copies[0])  # would lose the newer events
    assert older.returncode == 1 and "--force" in older.stderr
    assert inspect_store(live).changelog_hash == before.changelog_hash
    forced = main_py("restore", "--db", live, "--from", copies[0], "--force")
    assert forced.returncode == 0 and "before-restore" in forced.stdout
    aside = next(tmp_path.glob("office.sqlite.before-restore-*"))
    assert inspect_store(aside).changelog_hash == before.changelog_hash  # nothing lost: kept aside
    assert inspect_store(live).changelog_hash == inspect_store(copies[0]).changelog_hash


def test_restore_refuses_a_damaged_copy_or_another_office(tmp_path):
    office = make_office(tmp_path / "office.sqlite", Clock())
    office.svc.issue_ticket("HT")
    office.svc.store.close()
    copy = Path(backup(tmp_path / "office.sqlite", tmp_path / "b").path)
    damaged = tmp_path / "damaged.sqlite"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2:len(data) // 2 + 4096] = os.urandom(4096)
    damaged.write_bytes(bytes(data))
    with pytest.raises(InvalidInput):
        restore(damaged, tmp_path / "office.sqlite")
    other = make_office(tmp_path / "other.sqlite", Clock(), office_id="xa-khac")
    other.svc.store.close()
    with pytest.raises(Conflict, match="xa-khac"):
        restore(copy, tmp_path / "other.sqlite")
    with pytest.raises(InvalidInput, match="không phải kho"):
        sqlite3.connect(tmp_path / "empty.sqlite").execute("CREATE TABLE x (y)").connection.commit()
        restore(tmp_path / "empty.sqlite", tmp_path / "office.sqlite")


def test_only_the_newest_copies_are_kept(tmp_path):
    office = make_office(tmp_path / "office.sqlite", Clock())
    office.svc.store.close()
    for minute in range(4):
        backup(tmp_path / "office.sqlite", tmp_path / "b", keep=2, now=datetime(2026, 3, 2, 22, minute))
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["office-20260302-220200.sqlite",
                                                                   "office-20260302-220300.sqlite",
                                                                   "office.sqlite.key"]  # its lookup key
    key = tmp_path / "b" / "office.sqlite.key"
    assert key.read_bytes() == (tmp_path / "office.sqlite.key").read_bytes() and key.stat().st_mode & 0o777 == 0o600
    assert PUSH_CHECKPOINT == SYNC_PUSH_CHECKPOINT  # restore reads the sync checkpoint under its own name
