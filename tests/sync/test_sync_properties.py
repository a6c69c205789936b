"""Property tests: applying any batch twice equals applying it once; any interleaving of push
and pull (with office and back-office changes in between) converges."""
from __future__ import annotations

import itertools
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from office_support import OFFICER, Clock, move
from sync_support import UTC_NOW, batch_body, client, enroll, events, office, receive

from central.server import CentralThread
from central.store import CentralStore
from office.model import Actor
from office.model import DossierStatus as S
from sync.client import SyncReport
from sync.protocol import ProtocolError, decode_batch

BACK = Actor("Lê Văn Cường", "Phó trưởng phòng", "Phòng Tư pháp")


def batches_of(evs, cuts):
    bounds = sorted({0, len(evs), *[c % (len(evs) + 1) for c in cuts]})
    return [(a, evs[a:b]) for a, b in zip(bounds, bounds[1:])]


def state(store: CentralStore) -> tuple:
    return store.events("o1"), store.office_state("o1")["hwm"], store.digests("o1")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 40), cuts=st.lists(st.integers(0, 40), max_size=8),
       order=st.lists(st.integers(0, 20), max_size=25))
def test_applying_any_batch_twice_equals_applying_it_once(n, cuts, order):
    evs = events("o1", n)
    batches = [decode_batch(batch_body("o1", a, b), "o1", UTC_NOW) for a, b in batches_of(evs, cuts)]
    with tempfile.TemporaryDirectory() as d:
        once, twice = CentralStore(str(Path(d) / "once.db")), CentralStore(str(Path(d) / "twice.db"))
        for s in (once, twice):
            s.enroll_office("o1")
        # any order, any repetition, then everything in order: the out-of-order ones are refused
        for i in order:
            try:
                twice.apply_batch(batches[i % len(batches)])
            except ProtocolError as e:
                assert e.code == "out_of_order"
        for b in batches:
            once.apply_batch(b)
            twice.apply_batch(b)
            again = twice.apply_batch(b)
            assert again.applied == 0 and again.duplicates == len(b.events)
        assert state(once) == state(twice)
        assert [e[0] for e in once.events("o1")] == list(range(1, n + 1))
        once.close(), twice.close()


_offices = itertools.count(1)


@pytest.fixture(scope="module")
def shared_central():
    with tempfile.TemporaryDirectory() as d:
        store = CentralStore(str(Path(d) / "central.db"))
        srv = CentralThread(store).start()
        yield store, srv
        srv.stop()
        store.close()


OPS = st.lists(st.sampled_from(["receive", "advance", "backoffice", "push", "pull"]), min_size=1, max_size=30)
OFFICE_NEXT = {S.RECEIVED: S.PROCESSING, S.PROCESSING: S.DONE, S.DONE: S.RETURNED}
BACK_NEXT = {S.RECEIVED: S.PROCESSING, S.PROCESSING: S.SUPPLEMENT_REQUESTED,
             S.SUPPLEMENT_REQUESTED: S.PROCESSING, S.DONE: S.RETURNED}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(ops=OPS, picks=st.lists(st.integers(0, 1000), min_size=30, max_size=30))
def test_any_interleaving_of_push_and_pull_converges(shared_central, ops, picks):
    store, srv = shared_central
    n = next(_offices)
    office_id = f"prop-{n}"
    token = enroll(store, office_id, agency=f"000.31.{n}.H56")  # its own agency: numbers 1–1000 are its block
    with tempfile.TemporaryDirectory() as d:
        svc = office(Path(d) / "o.db", office_id, clock=Clock(datetime(2026, 3, 2, 8, 0)),
                     agency=f"000.31.{n}.H56")
        sync = client(svc, srv.url, token)
        posted = []
        for op, pick in zip(ops, picks):
            svc.clock.advance(minutes=5)
            if op == "receive":
                receive(svc)
            elif op == "advance":
                codes = svc.store.dossier_codes(limit=100)
                if codes:
                    d_ = svc.dossier(codes[pick % len(codes)])
                    if d_.status in OFFICE_NEXT:
                        move(svc, d_.code, OFFICE_NEXT[d_.status], OFFICER, "Tại quầy")
            elif op == "backoffice":
                known = sorted(store.dossier_statuses(office_id).items())
                if known:
                    code, status = known[pick % len(known)]
                    if S(status) in BACK_NEXT:
                        posted.append(store.post_step(code, int(BACK_NEXT[S(status)]), BACK.name, BACK.role,
                                                      BACK.department, "Phòng xử lý", svc.clock.now)["update_id"])
            elif op == "push":
                sync.push(SyncReport())
            else:
                sync.pull(SyncReport())
        for _ in range(2):
            assert sync.run().ok
        assert store.events(office_id) == svc.store.event_rows(0, 10**9)
        office_status = {c: int(svc.dossier(c).status) for c in svc.store.dossier_codes(limit=1000)}
        assert store.dossier_statuses(office_id) == office_status
        outcomes = {u: svc.store.inbox_outcome(u) for u in posted}
        assert all(o in ("applied", "conflict") for o in outcomes.values())
        for u, o in outcomes.items():
            central_state = next(s["state"] for c in office_status for s in store.dossier(c)["steps"]
                                 if s["update_id"] == u)
            assert central_state == {"applied": "applied", "conflict": "rejected"}[o]
        svc.store.close()
