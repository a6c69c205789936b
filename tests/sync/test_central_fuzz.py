"""Fuzzing the central API over HTTP: thousands of generated requests across every endpoint and
kind of token (tests/sync/central_fuzz.py), never a 5xx, and the central system still syncs,
answers departments and exports afterwards. CI runs the 10,000-request SQLite round and a
3,000-request PostgreSQL round (marked slow); the quick round runs everywhere."""
from __future__ import annotations

import random
import time
from collections import Counter

import pytest
import requests
from central_fuzz import Fuzzer
from office_support import OFFICER
from sync_support import client, department, enroll, office, publish_test_catalogue, receive

from central.portal import export
from central.server import CentralThread
from central.store import CentralStore
from office.model import DossierStatus as S
from sync.transport import Transport
from testkit.dvcqg import FakePortal


def fuzz(url: str, tmp_path, requests_total: int, seed: int) -> Counter:
    store = CentralStore(url)
    srv = CentralThread(store).start()
    try:
        publish_test_catalogue(store)
        token = enroll(store)
        svc = office(tmp_path / "o.db", "office-a")
        codes = receive(svc, 3)
        svc.change_status(codes[0], S.PROCESSING, OFFICER, "Thụ lý")
        assert client(svc, srv.url, token).run().ok
        # the fuzzed office is office-b (another agency); office-a stays a real office that must still sync
        tokens = {"office": enroll(store, "office-b", agency="000.31.21.H56"), "other": token,
                  "department": department(store, offices=("office-a", "office-b")),
                  "inspector": department(store, "Thanh tra", everything=True),
                  "portal": store.enroll_portal("Cổng DVC tỉnh"), "revoked": store.enroll_portal("cũ")}
        store.revoke("cũ", "portal")
        f = Fuzzer(random.Random(seed), tokens, "office-b", 0)
        statuses, failures = Counter(), []
        session = requests.Session()
        started = time.monotonic()
        for i in range(requests_total):
            method, path, kwargs = f.request()
            try:
                r = session.request(method, srv.url + path, timeout=20, **kwargs)
            except requests.RequestException as e:  # the server must answer, not drop the connection
                failures.append((i, method, path, f"{type(e).__name__}: {e}"))
                session = requests.Session()
                continue
            statuses[r.status_code] += 1
            f.observe(method, path, r.status_code, r.content)
            if r.status_code >= 500:
                failures.append((i, method, path, r.status_code, r.text[:300]))
        seconds = time.monotonic() - started
        print(f"\ncentral fuzz ({'PostgreSQL' if store.pg else 'SQLite'}): {requests_total} requests in "
              f"{seconds:.0f} s, statuses {dict(sorted(statuses.items()))}, quarantined {len(store.quarantined())}")
        assert not failures, failures[:5]
        # still sound: a real office syncs, a department reads and moves a dossier, the export validates
        receive(svc, 1)
        assert client(svc, srv.url, token).run().ok
        dept = {"Authorization": f"Bearer {tokens['department']}"}
        assert requests.get(f"{srv.url}/v1/dossiers/{codes[1]}", headers=dept, timeout=10).status_code == 200
        portal = FakePortal().start()
        try:
            export(store, Transport(portal.url))
        finally:
            portal.stop()
        assert not portal.rejected, portal.rejected[:1]
        return statuses
    finally:
        srv.stop()
        store.close()


def test_a_quick_fuzz_round_never_gets_a_5xx(tmp_path):
    statuses = fuzz(str(tmp_path / "central.db"), tmp_path, 600, seed=1)
    assert sum(statuses.values()) == 600 and len(statuses) >= 5


@pytest.mark.slow
def test_ten_thousand_fuzzed_requests_never_get_a_5xx_on_sqlite(tmp_path):
    assert sum(fuzz(str(tmp_path / "central.db"), tmp_path, 10_000, seed=13).values()) == 10_000


@pytest.mark.slow
def test_fuzzed_requests_never_get_a_5xx_on_postgresql(tmp_path, postgres):
    assert sum(fuzz(postgres.create_database("fuzz"), tmp_path, 3_000, seed=29).values()) == 3_000
