"""M10 (office part): lookup secrets are kept only as keyed hashes, the key lives outside the store
file, and a reprinted receipt gets a new secret that invalidates the old one."""
from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest
from office_support import OFFICER, applicant, make_service

from office.auth import Credentials
from office.errors import NotFound, Unavailable
from office.gateway import OfficeGateway
from office.policy import Guards


def store_text(path) -> str:
    """Everything in the store file, as SQL text."""
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def test_the_store_keeps_no_secret_in_clear(svc, db_path):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    assert d.secret.isdigit() and len(d.secret) == 6
    dump = store_text(db_path)
    assert f"{d.code}|{d.secret}" not in dump and f"'{d.secret}'" not in dump
    stored = svc.store.db.execute("SELECT secret FROM dossiers WHERE code = ?", [d.code]).fetchone()[0]
    assert stored.startswith("hmac$") and len(stored) == 5 + 64
    event = svc.store.events()[-1]
    assert event["kind"] == "received" and event["payload"]["secret_hash"] == stored  # the change log: the hash
    assert svc.dossier(d.code).secret == ""
    assert svc.kiosk_lookup(d.code, d.secret).code == d.code


@pytest.fixture
def office_with_counter(svc):
    with svc.store.write():
        svc.store.save_staff("bich.tt", OFFICER.name, OFFICER.role, OFFICER.department)
    Credentials(svc.store).set_pin("bich.tt", "123456")
    gateway = OfficeGateway.embedded(svc, "counter", "quay-1", Guards())
    gateway.login("bich.tt", "123456", 1)
    return svc, gateway


def test_an_idempotent_retry_gives_the_secret_back_without_storing_it(office_with_counter):
    svc, gateway = office_with_counter
    first = gateway.receive_dossier("1.001193", "TH1", applicant(), idempotency_key="req-1")
    retry = gateway.receive_dossier("1.001193", "TH1", applicant(), idempotency_key="req-1")
    assert retry == first and retry.secret == first.secret  # the retry can print the receipt
    kept = svc.store.db.execute("SELECT result FROM idempotency").fetchone()[0]
    assert json.loads(kept)["body"]["code"] == first.code
    assert json.loads(kept)["body"]["secret"] != first.secret  # sealed, not in clear
    assert svc.kiosk_lookup(first.code, first.secret).code == first.code


def test_a_reprint_issues_a_new_secret_and_the_old_one_stops_working(office_with_counter):
    svc, gateway = office_with_counter
    d = gateway.receive_dossier("1.001193", "TH1", applicant())
    reprinted = gateway.reissue_secret(d.code)
    assert reprinted.code == d.code and reprinted.secret != d.secret and len(reprinted.secret) == 6
    with pytest.raises(NotFound):
        svc.kiosk_lookup(d.code, d.secret)  # the lost receipt no longer opens the dossier
    assert svc.kiosk_lookup(d.code, reprinted.secret).code == d.code
    [audit] = svc.store.audit_log(d.code)
    assert (audit["action"], audit["username"]) == ("secret.reissue", OFFICER.name)
    assert svc.store.events()[-1]["kind"] == "secret_reissued"
    assert reprinted.secret not in json.dumps(svc.store.events()[-1]["payload"])


def test_the_key_file_is_private_and_must_stay_with_the_store(svc, db_path, clock):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    key = svc.store.key_path
    assert key == db_path.with_name(db_path.name + ".key")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    svc.store.close()
    saved = key.read_bytes()
    key.unlink()
    with pytest.raises(Unavailable, match="missing: restore it"):
        make_service(db_path, clock)
    assert not key.exists()  # no new key was made up: that would silently void every receipt
    key.write_text(os.urandom(32).hex())
    with pytest.raises(Unavailable, match="is not the lookup key"):
        make_service(db_path, clock)
    key.write_bytes(saved)
    again = make_service(db_path, clock)
    assert again.kiosk_lookup(d.code, d.secret).code == d.code
    again.store.close()


def test_an_older_store_with_secrets_in_clear_is_converted(svc, db_path, clock):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    with svc.store.write():  # as a store written before m012 kept it
        svc.store.db.execute("UPDATE dossiers SET secret = '246810' WHERE code = ?", [d.code])
        svc.store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_secret_hashes'")
    svc.store.close()
    again = make_service(db_path, clock)
    assert "'246810'" not in store_text(db_path)
    assert again.kiosk_lookup(d.code, "246810").code == d.code
    again.store.close()
