"""Queue tickets: numbering, hours, calling order, counters, recall/no-show, transfer, waits."""
from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from office_support import COUNTERS, MONDAY, SERVICES, Clock, desk, make_service, seed_catalogue

from office.errors import Conflict, InvalidInput, NotFound, OutsideHours
from office.model import TicketState

T = TicketState
DAY1 = MONDAY.date()


def issue(svc, service="HT", **kw):
    return svc.issue_ticket(service, **kw).ticket


def serve_and_finish(svc, clock, counter, minutes):
    """Call the next ticket at a counter, serve it for `minutes`, finish it."""
    t = svc.call_next(counter)
    svc.start_serving(t.id, counter)
    clock.advance(minutes=minutes)
    return svc.finish_ticket(t.id, counter)


# ---- numbering ----------------------------------------------------------------------------

def test_daily_numbering_per_service(svc, clock):
    assert [issue(svc, "HT").number for _ in range(3)] == ["A001", "A002", "A003"]
    assert issue(svc, "DD").number == "B001"
    assert issue(svc, "HT").number == "A004"
    t = svc.store.tickets(DAY1)[0]
    assert (t.state, t.day, t.issued_at, t.service_code, t.counter_id) == (
        T.WAITING, DAY1, MONDAY, "HT", None)


def test_new_day_restarts_numbering_and_keeps_history(svc, clock):
    first = [issue(svc).id for _ in range(2)]
    clock.set(datetime(2026, 3, 3, 7, 30))
    assert issue(svc).number == "A001"
    assert issue(svc, "DD").number == "B001"
    assert [t.id for t in svc.store.tickets(DAY1)] == first
    assert len(svc.store.tickets(clock.now.date())) == 2
    # the first day's numbers are never reused, even if that day comes back
    clock.set(datetime(2026, 3, 2, 15, 0))
    assert issue(svc).number == "A003"
    assert svc.store.ticket_by_number(DAY1, "A001").id == first[0]


def test_idempotency_key_returns_same_ticket(svc, clock):
    kiosk = desk(svc, "kiosk", "kiosk-1", None)
    r1 = kiosk.issue_ticket("HT", idempotency_key="req-7")
    clock.advance(minutes=1)
    r2 = kiosk.issue_ticket("HT", idempotency_key="req-7")
    assert r2 == r1  # the same receipt: a reprint prints what was printed
    clock.set(datetime(2026, 3, 2, 12, 0))  # a reprint outside hours still gets the same ticket
    assert kiosk.issue_ticket("HT", idempotency_key="req-7").ticket == r1.ticket
    clock.set(datetime(2026, 3, 2, 14, 0))
    assert issue(svc).number == "A002"
    assert len(svc.store.tickets(DAY1)) == 2


@pytest.mark.parametrize("at", [
    datetime(2026, 3, 2, 6, 59), datetime(2026, 3, 2, 11, 15), datetime(2026, 3, 2, 12, 0),
    datetime(2026, 3, 2, 16, 45), datetime(2026, 3, 2, 19, 0),
    datetime(2026, 3, 1, 9, 0),   # Sunday
    datetime(2026, 3, 7, 9, 0),   # Saturday
    datetime(2026, 4, 30, 9, 0),  # national holiday (Thursday)
])
def test_outside_ticket_hours(svc, clock, at):
    clock.set(at)
    assert not svc.ticket_issuing_open()
    with pytest.raises(OutsideHours) as e:
        svc.issue_ticket("HT")
    assert "07:00–11:15" in e.value.message
    assert svc.store.counts()["tickets"] == 0
    assert svc.store.events() == []
    clock.set(datetime(2026, 3, 2, 9, 0))
    assert issue(svc).number == "A001"


@pytest.mark.parametrize("at", [time(7, 0), time(11, 14, 59), time(13, 30), time(16, 44)])
def test_inside_ticket_hours(svc, clock, at):
    clock.set(datetime.combine(DAY1, at))
    assert svc.ticket_issuing_open()
    assert issue(svc).number == "A001"


def test_bad_service_or_priority(svc, clock):
    with pytest.raises(NotFound):
        svc.issue_ticket("NOPE")
    with pytest.raises(InvalidInput):
        svc.issue_ticket("HT", priority="vip")
    t = issue(svc, priority="elderly")
    assert (t.priority, t.priority_granted_by) == ("elderly", "kiosk")


# ---- calling ------------------------------------------------------------------------------

def test_call_next_fifo_within_class(svc, clock):
    ids = []
    for _ in range(4):
        ids.append(issue(svc).id)
        clock.advance(minutes=1)
    called = []
    for _ in range(4):
        t = svc.call_next(1, staff="bich")
        assert (t.state, t.counter_id, t.calls, t.called_at, t.staff) == (T.CALLED, 1, 1, clock.now, "bich")
        called.append(t.id)
        svc.finish_ticket(t.id, 1)
    assert called == ids
    assert svc.call_next(1) is None


def test_counter_ticket_follows_what_the_counter_is_doing(svc, clock):
    assert svc.counter_ticket(1) is None
    t = issue(svc)
    assert svc.counter_ticket(1) is None  # waiting is not at a counter yet
    svc.call_next(1)
    assert svc.counter_ticket(1).id == t.id and svc.counter_ticket(2) is None
    svc.start_serving(t.id, 1)
    assert svc.counter_ticket(1).state == T.SERVING
    svc.finish_ticket(t.id, 1)
    assert svc.counter_ticket(1) is None
    with pytest.raises(NotFound):
        svc.counter_ticket(99)


def test_priority_ratio_three(make_svc, clock):
    svc = make_svc(priority_ratio=3)
    for _ in range(9):
        issue(svc)
        clock.advance(seconds=10)
    for cat in ("elderly", "disabled", "pregnant"):
        issue(svc, priority=cat)
        clock.advance(seconds=10)
    classes, priorities = [], []
    while (t := svc.call_next(1)) is not None:
        pri_waiting_before = any(x.priority for x in svc.store.tickets(DAY1, [T.WAITING])) or t.priority
        classes.append(("P" if t.priority else "N", bool(pri_waiting_before)))
        if t.priority:
            priorities.append(t.priority)
        svc.finish_ticket(t.id, 1)
    seq = "".join(c for c, _ in classes)
    assert sorted(seq) == sorted("N" * 9 + "P" * 3)
    # while priority tickets wait, never three normal calls in a row
    run = 0
    for c, pri_waiting in classes:
        run = run + 1 if c == "N" and pri_waiting else 0
        assert run < 3, seq
    assert seq.index("P") <= 2
    # priority tickets are themselves served first-come first-served
    assert priorities == ["elderly", "disabled", "pregnant"]


def test_priority_ratio_one_serves_priority_first(make_svc, clock):
    svc = make_svc(priority_ratio=1)
    n1, n2 = issue(svc), issue(svc)
    clock.advance(minutes=5)
    p1, p2 = issue(svc, priority="elderly"), issue(svc, priority="merit")
    order = []
    while (t := svc.call_next(2)) is not None:
        order.append(t.id)
        svc.finish_ticket(t.id, 2)
    assert order == [p1.id, p2.id, n1.id, n2.id]


def test_priority_ratio_two(make_svc, clock):
    svc = make_svc(priority_ratio=2)
    for _ in range(4):
        issue(svc)
    p = issue(svc, priority="other")
    t1 = svc.call_next(1)
    assert t1.priority is None
    svc.finish_ticket(t1.id, 1)
    t2 = svc.call_next(1)  # second call at counter 1: the priority ticket
    assert t2.id == p.id


def test_counters_only_get_their_services(svc, clock):
    b = issue(svc, "DD")
    assert svc.call_next(1) is None  # counter 1 serves HT only
    a = issue(svc, "HT")
    assert svc.call_next(3).id == b.id
    assert svc.call_next(1).id == a.id
    assert svc.call_next(2) is None


def test_paused_counter_cannot_call(svc, clock):
    issue(svc)
    with pytest.raises(InvalidInput):
        svc.pause_counter(1, "  ")
    svc.pause_counter(1, "Nghỉ giữa giờ")
    assert svc.store.counter(1).paused_reason == "Nghỉ giữa giờ"
    with pytest.raises(Conflict):
        svc.call_next(1)
    assert svc.store.tickets(DAY1)[0].state == T.WAITING
    svc.resume_counter(1)
    assert svc.store.counter(1).paused_reason is None
    assert svc.call_next(1).number == "A001"
    with pytest.raises(NotFound):
        svc.pause_counter(99, "x")


def test_call_next_while_a_ticket_is_called_conflicts(svc, clock):
    issue(svc), issue(svc)
    t = svc.call_next(1)
    with pytest.raises(Conflict):
        svc.call_next(1)
    assert svc.store.ticket(t.id).state == T.CALLED


def test_call_next_finishes_the_ticket_being_served(svc, clock):
    issue(svc), issue(svc)
    t = svc.call_next(1)
    svc.start_serving(t.id, 1)
    clock.advance(minutes=7)
    t2 = svc.call_next(1)
    done = svc.store.ticket(t.id)
    assert done.state == T.DONE and done.finished_at == clock.now
    assert t2.state == T.CALLED and t2.id != t.id


def test_yesterdays_tickets_are_not_called(svc, clock):
    issue(svc)
    clock.set(datetime(2026, 3, 3, 8, 0))
    assert svc.call_next(1) is None
    assert svc.waiting_counts() == {}


def test_recall_counts_and_no_show_after_n_calls(make_svc, clock):
    svc = make_svc(no_show_after_calls=3)
    issue(svc)
    t = svc.call_next(1)
    with pytest.raises(Conflict):
        svc.mark_no_show(t.id, 1)
    for expected in (2, 3):
        clock.advance(minutes=1)
        t = svc.recall(t.id, 1)
        assert t.calls == expected and t.called_at == clock.now and t.state == T.CALLED
    with pytest.raises(Conflict):
        svc.recall(t.id, 1)
    with pytest.raises(Conflict):  # another counter cannot touch it
        svc.mark_no_show(t.id, 2)
    t = svc.mark_no_show(t.id, 1)
    assert t.state == T.NO_SHOW and t.finished_at == clock.now and t.calls == 3
    with pytest.raises(Conflict):
        svc.recall(t.id, 1)


def test_serve_and_finish_rules(svc, clock):
    issue(svc)
    t = svc.call_next(1)
    with pytest.raises(Conflict):
        svc.start_serving(t.id, 2)
    t = svc.start_serving(t.id, 1)
    assert t.state == T.SERVING and t.served_at == clock.now
    with pytest.raises(Conflict):
        svc.start_serving(t.id, 1)
    with pytest.raises(Conflict):
        svc.recall(t.id, 1)
    t = svc.finish_ticket(t.id, 1, reason="Hướng dẫn")
    assert (t.state, t.reason) == (T.DONE, "Hướng dẫn")
    with pytest.raises(Conflict):
        svc.finish_ticket(t.id, 1)


def test_transfer_keeps_number_and_place(svc, clock):
    a = issue(svc, "HT")                # 08:00
    clock.advance(minutes=5)
    issue(svc, "DD")                    # 08:05
    clock.advance(minutes=5)
    called = svc.call_next(2)
    assert called.id == a.id
    svc.start_serving(a.id, 2)
    clock.advance(minutes=2)
    with pytest.raises(InvalidInput):
        svc.transfer_ticket(a.id, 2, "DD", to_counter=1)  # counter 1 does not serve DD
    moved = svc.transfer_ticket(a.id, 2, "DD", reason="Hồ sơ đất đai")
    old = svc.store.ticket(a.id)
    assert (old.state, old.reason, old.finished_at) == (T.TRANSFERRED, "Hồ sơ đất đai", clock.now)
    assert (moved.number, moved.issued_at, moved.service_code, moved.state, moved.transferred_from,
            moved.calls, moved.counter_id) == ("A001", a.issued_at, "DD", T.WAITING, a.id, 0, None)
    assert svc.store.ticket_by_number(DAY1, "A001").id == moved.id
    # it keeps its place: called before B001, which was issued after it
    assert svc.call_next(3).id == moved.id
    with pytest.raises(Conflict):
        svc.transfer_ticket(a.id, 2, "HT")  # the old row is closed


def test_transfer_to_a_given_counter(svc, clock):
    issue(svc, "HT")
    t = svc.call_next(1)
    moved = svc.transfer_ticket(t.id, 1, "DD", to_counter=3)
    assert moved.target_counter_id == 3
    assert svc.call_next(2) is None     # counter 2 serves DD but the ticket is for counter 3
    assert svc.call_next(3).id == moved.id


def test_cancel(svc, clock):
    w = issue(svc)
    with pytest.raises(InvalidInput):
        svc.cancel_ticket(w.id, " ")
    t = svc.cancel_ticket(w.id, "Công dân về trước")
    assert (t.state, t.reason, t.finished_at) == (T.CANCELLED, "Công dân về trước", clock.now)
    with pytest.raises(Conflict):
        svc.cancel_ticket(w.id, "again")
    assert svc.call_next(1) is None
    issue(svc)
    c = svc.call_next(1)
    assert svc.cancel_ticket(c.id, "Nhầm dịch vụ").state == T.CANCELLED
    assert svc.call_next(1) is None  # the counter is free again


def test_receipt_and_estimated_wait(svc, clock):
    r = svc.issue_ticket("HT")
    assert r.service_name == "Hộ tịch – Chứng thực" and r.counters == ("Quầy 1", "Quầy 2")
    assert (r.people_ahead, r.estimated_wait_minutes) == (0, 0)
    r = svc.issue_ticket("HT")
    r3 = svc.issue_ticket("HT")
    # no history yet: the configured default (8 min) shared by 2 open counters
    assert (r3.people_ahead, r3.estimated_wait_minutes) == (2, 8)
    assert svc.issue_ticket("DD").people_ahead == 0
    # observed service times: 10 and 20 minutes → mean 15
    serve_and_finish(svc, clock, 1, 10)
    serve_and_finish(svc, clock, 1, 20)
    for _ in range(3):
        last = svc.issue_ticket("HT")
    assert last.people_ahead == 3  # A003 and the two just before it
    assert last.estimated_wait_minutes == 23  # ceil(3 * 15 / 2)
    svc.pause_counter(2, "Họp")
    again = svc.ticket_receipt(last.ticket)
    assert again.estimated_wait_minutes == 45  # one open counter left


def test_waiting_counts(svc, clock):
    issue(svc), issue(svc), issue(svc, "DD")
    assert svc.waiting_counts() == {"HT": 2, "DD": 1}
    svc.call_next(1)
    assert svc.waiting_counts() == {"HT": 1, "DD": 1}


# ---- state machine ------------------------------------------------------------------------

SERVICE_CODES = [s.code for s in SERVICES]
COUNTER_IDS = [c.id for c in COUNTERS]
COUNTER_SERVICES = {c.id: set(c.services) for c in COUNTERS}
PREFIX = {s.code: s.prefix for s in SERVICES}


class QueueMachine(RuleBasedStateMachine):
    """Random issue/call/serve/finish/recall/no-show/cancel/transfer/pause against a model."""

    @initialize()
    def open_store(self):
        self.dir = tempfile.mkdtemp(prefix="queue-sm-")
        self.clock = Clock(datetime(2026, 3, 2, 7, 0))
        self.svc = make_service(Path(self.dir) / "q.db", self.clock)
        seed_catalogue(self.svc.store)
        self.n = self.svc.config.no_show_after_calls
        self.model: dict[int, dict] = {}
        self.paused: set[int] = set()

    def teardown(self):
        if hasattr(self, "svc"):
            self.svc.store.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # helpers
    def today(self):
        return self.clock.now.date()

    def active(self, counter):
        found = [i for i, m in self.model.items() if m["counter"] == counter and m["day"] == self.today()
                 and m["state"] in (T.CALLED, T.SERVING)]
        assert len(found) <= 1
        return found[0] if found else None

    def eligible(self, counter):
        return [i for i, m in self.model.items() if m["state"] == T.WAITING and m["day"] == self.today()
                and m["service"] in COUNTER_SERVICES[counter] and m["target"] in (None, counter)]

    def hours_open(self):
        now = self.clock.now
        return self.svc.calendar.is_working_day(now.date()) and any(
            a <= now.time() < b for a, b in self.svc.config.ticket_sessions)

    # rules
    @rule(minutes=st.integers(1, 45))
    def wait(self, minutes):
        self.clock.advance(minutes=minutes)

    @rule()
    def next_day(self):
        d = self.today() + timedelta(days=1)
        while not self.svc.calendar.is_working_day(d):
            d += timedelta(days=1)
        self.clock.set(datetime.combine(d, time(7, 0)))

    @rule(service=st.sampled_from(SERVICE_CODES),
          priority=st.sampled_from([None, None, "elderly", "disabled"]))
    def issue(self, service, priority):
        if not self.hours_open():
            with pytest.raises(OutsideHours):
                self.svc.issue_ticket(service, priority=priority)
            return
        t = self.svc.issue_ticket(service, priority=priority).ticket
        same = [m for m in self.model.values() if m["day"] == self.today() and m["origin"]
                and m["service"] == service]
        assert t.number == f"{PREFIX[service]}{len(same) + 1:03d}"
        assert t.id not in self.model
        self.model[t.id] = dict(state=T.WAITING, counter=None, service=service, priority=priority,
                                day=self.today(), issued=t.issued_at, number=t.number, calls=0,
                                target=None, origin=True)

    @rule(counter=st.sampled_from(COUNTER_IDS))
    def call(self, counter):
        active = self.active(counter)
        if counter in self.paused or (active and self.model[active]["state"] == T.CALLED):
            with pytest.raises(Conflict):
                self.svc.call_next(counter)
            return
        eligible = self.eligible(counter)
        t = self.svc.call_next(counter)
        if active:
            self.model[active]["state"] = T.DONE
        if t is None:
            assert eligible == []
            return
        assert t.id in eligible
        same_class = [i for i in eligible if (self.model[i]["priority"] is None) == (t.priority is None)]
        assert t.id == min(same_class, key=lambda i: (self.model[i]["issued"], i))
        m = self.model[t.id]
        m.update(state=T.CALLED, counter=counter, calls=1)

    @rule(counter=st.sampled_from(COUNTER_IDS))
    def serve(self, counter):
        active = self.active(counter)
        if active is None:
            return
        if self.model[active]["state"] == T.CALLED:
            assert self.svc.start_serving(active, counter).state == T.SERVING
            self.model[active]["state"] = T.SERVING
        else:
            with pytest.raises(Conflict):
                self.svc.start_serving(active, counter)

    @rule(counter=st.sampled_from(COUNTER_IDS))
    def finish(self, counter):
        active = self.active(counter)
        if active is not None:
            self.svc.finish_ticket(active, counter)
            self.model[active]["state"] = T.DONE

    @rule(counter=st.sampled_from(COUNTER_IDS))
    def recall_or_no_show(self, counter):
        active = self.active(counter)
        if active is None or self.model[active]["state"] != T.CALLED:
            return
        m = self.model[active]
        if m["calls"] < self.n:
            with pytest.raises(Conflict):
                self.svc.mark_no_show(active, counter)
            assert self.svc.recall(active, counter).calls == m["calls"] + 1
            m["calls"] += 1
        else:
            with pytest.raises(Conflict):
                self.svc.recall(active, counter)
            assert self.svc.mark_no_show(active, counter).state == T.NO_SHOW
            m["state"] = T.NO_SHOW

    @rule(data=st.data())
    def cancel(self, data):
        open_ = sorted(i for i, m in self.model.items() if m["state"] in (T.WAITING, T.CALLED))
        if not open_:
            return
        i = data.draw(st.sampled_from(open_))
        assert self.svc.cancel_ticket(i, "Công dân về").state == T.CANCELLED
        self.model[i]["state"] = T.CANCELLED

    @rule(counter=st.sampled_from(COUNTER_IDS), to=st.sampled_from(SERVICE_CODES))
    def transfer(self, counter, to):
        active = self.active(counter)
        if active is None:
            return
        moved = self.svc.transfer_ticket(active, counter, to)
        old = self.model[active]
        old["state"] = T.TRANSFERRED
        assert moved.number == old["number"] and moved.issued_at == old["issued"]
        self.model[moved.id] = dict(old, state=T.WAITING, counter=None, service=to, calls=0,
                                    origin=False)

    @rule(counter=st.sampled_from(COUNTER_IDS))
    def toggle_pause(self, counter):
        if counter in self.paused:
            self.svc.resume_counter(counter)
            self.paused.discard(counter)
        else:
            self.svc.pause_counter(counter, "Nghỉ")
            self.paused.add(counter)

    # invariants
    @invariant()
    def matches_model(self):
        if not hasattr(self, "svc"):
            return
        rows = {r["id"]: r for r in self.svc.store.db.query("SELECT * FROM tickets")}
        assert set(rows) == set(self.model)
        for i, m in self.model.items():
            r = rows[i]
            assert r["state"] == m["state"].value  # exactly one state, the expected one
            if m["state"] in (T.CALLED, T.SERVING):
                assert r["counter_id"] == m["counter"]
        by_day_counter = defaultdict(int)
        for r in rows.values():
            if r["state"] in ("called", "serving"):
                by_day_counter[(r["day"], r["counter_id"])] += 1
        assert all(n == 1 for n in by_day_counter.values())

    @invariant()
    def numbers_never_reused(self):
        if not hasattr(self, "svc"):
            return
        rows = list(self.svc.store.db.query("SELECT * FROM tickets ORDER BY id"))
        originals = [(r["day"], r["number"]) for r in rows if r["transferred_from"] is None]
        assert len(originals) == len(set(originals))
        by_id = {r["id"]: r for r in rows}
        for r in rows:
            if r["transferred_from"] is not None:
                src = by_id[r["transferred_from"]]
                assert (src["number"], src["day"], src["issued_at"], src["state"]) == (
                    r["number"], r["day"], r["issued_at"], "transferred")

    @invariant()
    def never_called_by_two_counters(self):
        if not hasattr(self, "svc"):
            return
        callers = defaultdict(set)
        for e in self.svc.store.events():
            if e["entity"] == "ticket" and e["kind"] in ("called", "recalled", "serving"):
                callers[e["entity_id"]].add(e["payload"]["counter_id"])
        assert all(len(c) == 1 for c in callers.values())


QueueMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=35, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestQueueMachine = QueueMachine.TestCase
