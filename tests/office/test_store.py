"""The SQLite store: pragmas, migrations, connections per thread, transactions."""
from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime

import pytest
from office_support import AGENCY, FIELDS, PROCEDURES, SERVICES, desk, seed_catalogue

from office.errors import Conflict, NotFound, SequenceExhausted
from office.store import Store


@pytest.fixture
def store(db_path):
    s = Store(db_path, "office-1", AGENCY)
    yield s
    s.close()


def pragma(store, name):
    return store.db.execute(f"PRAGMA {name}").fetchone()[0]


def test_pragmas(store):
    assert pragma(store, "journal_mode") == "wal"
    assert pragma(store, "synchronous") == 2  # FULL
    assert pragma(store, "foreign_keys") == 1
    assert pragma(store, "busy_timeout") >= 5000


def test_pragmas_in_other_threads_too(store):
    seen = {}

    def work():
        seen["values"] = (pragma(store, "journal_mode"), pragma(store, "synchronous"),
                          pragma(store, "foreign_keys"))
        store.close()

    th = threading.Thread(target=work)
    th.start()
    th.join()
    assert seen["values"] == ("wal", 2, 1)


def test_meta_and_reopen_is_idempotent(db_path):
    s1 = Store(db_path, "office-1", AGENCY)
    seed_catalogue(s1)
    applied = list(s1.db.query("SELECT migration_set, name FROM _sqlite_migrations"))
    schema = list(s1.db.query("SELECT type, name, sql FROM sqlite_master ORDER BY name"))
    meta = s1.meta()
    assert (meta["office_id"], meta["agency_code"]) == ("office-1", AGENCY)
    s1.close()
    for _ in range(2):
        s2 = Store(db_path, "another-office", "999.99.H99")
        assert list(s2.db.query("SELECT migration_set, name FROM _sqlite_migrations")) == applied
        assert list(s2.db.query("SELECT type, name, sql FROM sqlite_master ORDER BY name")) == schema
        # identity is fixed at creation; reopening does not rewrite it
        assert s2.meta() == meta and (s2.office_id, s2.agency_code) == ("office-1", AGENCY)
        assert s2.fields() == sorted(FIELDS, key=lambda f: f.code)
        s2.close()


def test_second_thread_gets_its_own_connection(store):
    main_conn = store.db.conn
    assert store.db is store.db  # one connection per thread, reused
    result = {}

    def work():
        conn = store.db.conn
        result["same"] = conn is main_conn
        with store.write():
            store.save_field(FIELDS[0])
        result["fields"] = store.fields()
        store.close()

    th = threading.Thread(target=work)
    th.start()
    th.join()
    assert result == {"same": False, "fields": [FIELDS[0]]}
    assert store.fields() == [FIELDS[0]]  # committed, visible to the main thread's connection
    assert store.db.conn is main_conn


def test_connection_is_bound_to_its_thread(store):
    conn = store.db.conn
    errors = []

    def work():
        try:
            conn.execute("SELECT 1")
        except sqlite3.ProgrammingError as e:
            errors.append(e)

    th = threading.Thread(target=work)
    th.start()
    th.join()
    assert errors


def test_write_rolls_back_on_error(store):
    with pytest.raises(RuntimeError):
        with store.write():
            store.save_field(FIELDS[0])
            raise RuntimeError("boom")
    assert store.fields() == []
    assert not store.db.conn.in_transaction


def test_nested_write_is_a_savepoint(store):
    with store.write():
        store.save_field(FIELDS[0])
        with pytest.raises(RuntimeError):
            with store.write():
                store.save_field(FIELDS[1])
                raise RuntimeError("inner")
        assert store.fields() == [FIELDS[0]]
    assert store.fields() == [FIELDS[0]]


def test_write_keeps_the_original_error_when_sqlite_rolled_back(store):
    """An error that makes SQLite roll back by itself must surface, not 'cannot rollback'."""
    store.db.execute("CREATE TRIGGER no_fields BEFORE INSERT ON fields"
                     " BEGIN SELECT RAISE(ROLLBACK, 'rolled back by trigger'); END")
    with pytest.raises(sqlite3.IntegrityError, match="rolled back by trigger"):
        with store.write():
            store.save_field(FIELDS[0])
    assert not store.db.conn.in_transaction
    with pytest.raises(sqlite3.IntegrityError, match="rolled back by trigger"):
        with store.write():
            with store.write():
                store.save_field(FIELDS[0])
    assert not store.db.conn.in_transaction
    store.db.execute("DROP TRIGGER no_fields")
    with store.write():
        store.save_field(FIELDS[0])
    assert store.fields() == [FIELDS[0]]


def test_write_takes_the_lock_immediately(db_path, store):
    other = sqlite3.connect(db_path, timeout=0.1, isolation_level=None)
    with store.write():
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_foreign_keys_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        with store.write():
            store.save_procedure(PROCEDURES[0])  # its field does not exist


def test_catalogue_round_trip(store):
    seed_catalogue(store)
    assert store.procedure("1.001193", 1) == PROCEDURES[0]
    assert store.procedure("1.001193", on=date(2026, 3, 2)) == PROCEDURES[0]
    with pytest.raises(NotFound):
        store.procedure("1.001193", on=date(2025, 1, 1))
    assert store.services() == list(SERVICES)
    assert store.service("DD") == SERVICES[1]
    with pytest.raises(NotFound):
        store.service("XX")
    with pytest.raises(NotFound):
        store.counter(42)
    assert store.procedures(on=date(2026, 3, 2)) == sorted(PROCEDURES, key=lambda p: p.code)


def test_dossier_sequence_is_atomic_counter(store):
    day = date(2026, 3, 2)
    with store.write():
        assert [store.next_dossier_sequence(AGENCY, day, 1, 3) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(SequenceExhausted):
        with store.write():
            store.next_dossier_sequence(AGENCY, day, 1, 3)
    with store.write():
        assert store.next_dossier_sequence(AGENCY, date(2026, 3, 3), 1, 3) == 1
        assert store.next_dossier_sequence("000.00.00.X01", day, 1, 3) == 1
    assert store.db.execute("SELECT last FROM dossier_seq WHERE day = '2026-03-02' AND agency = ?",
                            [AGENCY]).fetchone()[0] == 3


def test_idempotency_keys(store):
    with store.write():
        store.remember_result("k", "issue_ticket", {"ticket_id": 7}, datetime(2026, 3, 2, 8))
    assert store.idempotent_result("k", "issue_ticket") == {"ticket_id": 7}
    assert store.idempotent_result("other", "issue_ticket") is None
    with pytest.raises(Conflict):
        store.idempotent_result("k", "receive_dossier")


def test_update_dossier_refuses_other_columns(store):
    with pytest.raises(ValueError):
        store.update_dossier("x", secret="000000")
    with pytest.raises(ValueError):
        store.update_dossier("x")


def test_events_are_appended_with_identity(store):
    at = datetime(2026, 3, 2, 8, 0)
    with store.write():
        a = store.append_event("ticket", "1", "issued", {"n": "Nguyễn"}, at)
        b = store.append_event("ticket", "1", "called", {"when": at}, at)
    events = store.events()
    assert [e["id"] for e in events] == [a, b]
    assert events[0]["payload"] == {"n": "Nguyễn"} and events[1]["payload"] == {"when": at.isoformat(" ")}
    assert events[0]["office_id"] == "office-1" and events[0]["schema"] == 1
    assert events[1]["seq"] > events[0]["seq"]
    assert store.events(after_seq=events[0]["seq"]) == events[1:]
    assert store.events(limit=1) == events[:1]


def test_failed_commit_leaves_no_open_transaction(store):
    """A COMMIT that fails (here: a deferred foreign-key violation) must not leave the
    connection inside a transaction, or every later write would silently become a savepoint."""
    with pytest.raises(sqlite3.IntegrityError):
        with store.write():
            store.db.execute("PRAGMA defer_foreign_keys = ON")
            store.save_procedure(PROCEDURES[0])  # its field does not exist: fails at COMMIT
    assert not store.db.conn.in_transaction
    with store.write():
        store.save_field(FIELDS[0])
    other = Store(store.path)
    assert other.fields() == [FIELDS[0]]
    assert other.procedures() == []
    other.close()


# ---- change log (sync outbox) -------------------------------------------------------------

import uuid  # noqa: E402
from datetime import timedelta  # noqa: E402

from office_support import BACK_OFFICE, LEADER, OFFICER, applicant  # noqa: E402

from office.errors import Forbidden, IllegalTransition, OutsideHours  # noqa: E402
from office.model import DossierStatus, TicketState  # noqa: E402

S = DossierStatus


def _token(svc, ticket):
    return svc.store.rating_token(ticket.day, ticket.number)


def _issued(svc, clock):
    return svc.issue_ticket("HT").ticket


def _called(svc, clock):
    _issued(svc, clock)
    return svc.call_next(1)


def _serving(svc, clock):
    t = _called(svc, clock)
    return svc.start_serving(t.id, 1)


def _dossier(svc, clock):
    return svc.receive_dossier("1.001193", "TH5", applicant(), OFFICER)


def _processing(svc, clock):
    d = _dossier(svc, clock)
    return svc.change_status(d.code, S.PROCESSING, BACK_OFFICE, "Chuyển xử lý")


def _three_calls(svc, clock):
    t = _called(svc, clock)
    svc.recall(t.id, 1)
    return svc.recall(t.id, 1)


def _serving_plus_waiting(svc, clock):
    t = _serving(svc, clock)
    _issued(svc, clock)
    return t


MUTATIONS = {
    "issue": (None, lambda s, c, x: s.issue_ticket("HT"), [("ticket", "issued")]),
    "issue_priority": (None, lambda s, c, x: s.issue_ticket("DD", priority="elderly"),
                       [("ticket", "issued")]),
    "call_next": (_issued, lambda s, c, x: s.call_next(1), [("ticket", "called")]),
    "call_next_empty": (None, lambda s, c, x: s.call_next(1), []),
    "call_next_after_serving": (_serving_plus_waiting, lambda s, c, x: s.call_next(1),
                                [("ticket", "done"), ("ticket", "called")]),
    "recall": (_called, lambda s, c, x: s.recall(x.id, 1), [("ticket", "recalled")]),
    "start_serving": (_called, lambda s, c, x: s.start_serving(x.id, 1), [("ticket", "serving")]),
    "finish": (_serving, lambda s, c, x: s.finish_ticket(x.id, 1), [("ticket", "done")]),
    "no_show": (_three_calls, lambda s, c, x: s.mark_no_show(x.id, 1), [("ticket", "no_show")]),
    "cancel": (_issued, lambda s, c, x: s.cancel_ticket(x.id, "Về"), [("ticket", "cancelled")]),
    "transfer": (_serving, lambda s, c, x: s.transfer_ticket(x.id, 1, "DD"),
                 [("ticket", "transferred"), ("ticket", "issued")]),
    "pause": (None, lambda s, c, x: s.pause_counter(1, "Họp"), [("counter", "paused")]),
    "resume": (None, lambda s, c, x: s.resume_counter(1), [("counter", "resumed")]),
    "receive": (None, lambda s, c, x: _dossier(s, c), [("dossier", "received")]),
    "change_status": (_processing, lambda s, c, x: s.change_status(x.code, S.DONE, BACK_OFFICE, "Xong"),
                      [("dossier", "status")]),
    "supplement": (_processing, lambda s, c, x: s.request_supplement(x.code, ["Giấy chứng sinh"], OFFICER, "Thiếu"),
                   [("dossier", "status")]),
    "supplement_expired": (
        lambda s, c: (d := s.request_supplement(_processing(s, c).code, ["Giấy chứng sinh"], OFFICER),
                      c.set(d.supplement_due))[0],
        lambda s, c, x: s.expire_supplements(), [("dossier", "status")]),
    "payment": (_dossier, lambda s, c, x: s.record_payment(x.code, "cash", "BL-1", OFFICER),
                [("dossier", "payment")]),
    "calendar_day": (None, lambda s, c, x: s.set_calendar_day(date(2026, 12, 31), "day_off", "QĐ 1/UBND",
                                                              LEADER), [("calendar", "day_set")]),
    "supplement_resume": (
        lambda s, c: s.request_supplement(_processing(s, c).code, ["Giấy chứng sinh"], OFFICER, "Bổ sung"),
        lambda s, c, x: s.change_status(x.code, S.PROCESSING, OFFICER, "Đã bổ sung"),
        [("dossier", "status")]),
    "extend_due": (_processing, lambda s, c, x: s.extend_due(x.code, x.due_at + timedelta(days=1),
                                                             "Xác minh", BACK_OFFICE),
                   [("dossier", "extended")]),
    "rate_ticket": (lambda s, c: s.finish_ticket(_serving(s, c).id, 1),
                    lambda s, c, x: s.rate("ticket", x.number, _token(s, x), 3), [("rating", "rated")]),
    "rate_dossier": (_dossier, lambda s, c, x: s.rate("dossier", x.code, x.secret, 2), [("rating", "rated")]),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_mutation_appends_exactly_its_events(svc, clock, name):
    setup, action, expected = MUTATIONS[name]
    x = setup(svc, clock) if setup else None
    before = svc.store.events()
    clock.advance(minutes=1)
    action(svc, clock, x)
    new = svc.store.events(after_seq=before[-1]["seq"] if before else 0)
    assert [(e["entity"], e["kind"]) for e in new] == expected
    for e in new:
        assert e["at"] == clock.now.isoformat(timespec="seconds")
        assert e["office_id"] == "test-office"


FAILURES = {
    "issue_outside_hours": (lambda s, c: c.set(c.now.replace(hour=12)),
                            lambda s, c, x: s.issue_ticket("HT"), OutsideHours),
    "call_paused": (lambda s, c: (_issued(s, c), s.pause_counter(1, "Họp")),
                    lambda s, c, x: s.call_next(1), Conflict),
    "call_while_called": (_called, lambda s, c, x: s.call_next(1), Conflict),
    "recall_too_often": (_three_calls, lambda s, c, x: s.recall(x.id, 1), Conflict),
    "no_show_too_early": (_called, lambda s, c, x: s.mark_no_show(x.id, 1), Conflict),
    "illegal_transition": (_dossier, lambda s, c, x: s.change_status(x.code, S.DONE, OFFICER, "x"),
                           IllegalTransition),
    "extend_after_due": (lambda s, c: (d := _processing(s, c), c.set(d.due_at + timedelta(hours=1)))[0],
                         lambda s, c, x: s.extend_due(x.code, x.due_at + timedelta(days=3), "x", OFFICER),
                         Conflict),
    "rate_unserved": (_issued, lambda s, c, x: s.rate("ticket", x.number, _token(s, x), 3), Conflict),
    "rate_wrong_token": (lambda s, c: s.finish_ticket(_serving(s, c).id, 1),
                         lambda s, c, x: s.rate("ticket", x.number, "ABCDEFGH", 3), NotFound),
    "rate_twice": (lambda s, c: (d := _dossier(s, c), s.rate("dossier", d.code, d.secret, 3),
                                 c.advance(hours=1))[0],
                   lambda s, c, x: s.rate("dossier", x.code, x.secret, 3), Conflict),
    "refund_not_withdrawn": (lambda s, c: s.record_payment(_dossier(s, c).code, "cash", "BL-1", OFFICER),
                             lambda s, c, x: s.record_payment(x.code, "cash", "BL-2", OFFICER, refund=True),
                             Conflict),
    "calendar_by_clerk": (lambda s, c: None,
                          lambda s, c, x: s.set_calendar_day(date(2026, 12, 31), "day_off", "x", OFFICER),
                          Forbidden),
}


@pytest.mark.parametrize("name", list(FAILURES))
def test_failing_mutation_appends_nothing(svc, clock, name):
    setup, action, error = FAILURES[name]
    x = setup(svc, clock)
    before = svc.store.events()
    with pytest.raises(error):
        action(svc, clock, x)
    assert svc.store.events() == before


def test_repeats_append_nothing(svc, clock):
    kiosk = desk(svc, "kiosk", "kiosk-1", None)
    kiosk.issue_ticket("HT", idempotency_key="k")
    d = _dossier(svc, clock)
    svc.rate("dossier", d.code, d.secret, 3)
    before = svc.store.events()
    kiosk.issue_ticket("HT", idempotency_key="k")
    svc.rate("dossier", d.code, d.secret, 3)
    assert svc.store.events() == before


def _fail_events(svc, kind):
    svc.store.db.execute(f"CREATE TRIGGER fail_{kind} BEFORE INSERT ON events WHEN NEW.kind = '{kind}'"
                         " BEGIN SELECT RAISE(ABORT, 'outbox refused'); END")


def test_event_failure_rolls_back_the_mutation(svc, clock):
    """The change and its event are one transaction: no event, no change."""
    t = _serving(svc, clock)
    d = _processing(svc, clock)
    tickets_before = svc.store.tickets(clock.now.date())
    events_before = svc.store.events()
    _fail_events(svc, "issued")
    _fail_events(svc, "status")
    _fail_events(svc, "received")
    with pytest.raises(sqlite3.IntegrityError, match="outbox refused"):
        svc.issue_ticket("HT")
    with pytest.raises(sqlite3.IntegrityError):  # "transferred" is written, then "issued" fails
        svc.transfer_ticket(t.id, 1, "DD")
    with pytest.raises(sqlite3.IntegrityError):
        svc.change_status(d.code, S.DONE, BACK_OFFICE, "Xong")
    with pytest.raises(sqlite3.IntegrityError):
        _dossier(svc, clock)
    assert svc.store.tickets(clock.now.date()) == tickets_before
    assert svc.store.ticket(t.id).state == TicketState.SERVING
    assert svc.store.dossier(d.code) == d
    assert svc.store.counts()["dossiers"] == 1
    assert svc.store.events() == events_before
    for kind in ("issued", "status", "received"):
        svc.store.db.execute(f"DROP TRIGGER fail_{kind}")
    # nothing was consumed: the numbers continue without gaps
    assert svc.issue_ticket("HT").ticket.number == "A002"
    assert _dossier(svc, clock).code.endswith("-0002")


def test_event_ids_are_unique_uuids_and_seq_increases(svc, clock):
    for i in range(5):
        svc.issue_ticket("HT" if i % 2 else "DD")
        _dossier(svc, clock)
    t = svc.call_next(2)
    svc.start_serving(t.id, 2)
    svc.finish_ticket(t.id, 2)
    events = svc.store.events()
    assert len(events) == 13
    ids = [e["id"] for e in events]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    received = [e for e in events if e["kind"] == "received"][0]
    assert received["entity_id"] == received["payload"]["code"]
    assert received["payload"]["status"] == 2 and received["payload"]["steps"][0]["status"] == 2
