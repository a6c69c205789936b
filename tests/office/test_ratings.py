"""Satisfaction ratings: scales, reasons, one per ticket/dossier, repeated presses."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from office_support import OFFICER, applicant

from office.errors import Conflict, InvalidInput, NotFound
from office.model import TicketState
from office.rules.rating import check_rating, scale_levels

T = TicketState


def served_ticket(svc, clock, counter=1, service="HT", staff="bich"):
    t = svc.issue_ticket(service).ticket
    svc.call_next(counter, staff=staff)
    svc.start_serving(t.id, counter)
    clock.advance(minutes=5)
    return svc.finish_ticket(t.id, counter)


def test_default_scale_has_three_levels(svc):
    levels = svc.rating_levels()
    assert [(lv.value, lv.label_vi, lv.needs_reason) for lv in levels] == [
        (3, "Rất hài lòng", False), (2, "Hài lòng", False), (1, "Không hài lòng", True)]


def test_five_level_scale_from_config(make_svc, clock):
    svc = make_svc(rating_scale=5)
    assert [lv.value for lv in svc.rating_levels()] == [5, 4, 3, 2, 1]
    assert [lv.value for lv in svc.rating_levels() if lv.needs_reason] == [2, 1]
    t = served_ticket(svc, clock)
    with pytest.raises(InvalidInput):
        svc.rate("ticket", t.number, 2)
    r = svc.rate("ticket", t.number, 4)
    assert (r.level, r.scale) == (4, 5)


def test_rating_rules_pure():
    assert check_rating(3, 1, "  Chờ   lâu ") == "Chờ lâu"
    assert check_rating(3, 3, "") == ""
    for scale, level, reason in [(3, 1, ""), (3, 1, "   "), (3, 4, ""), (3, 0, ""), (5, 6, ""),
                                 (5, 1, ""), (4, 1, "x"), (3, 3, "x" * 1001)]:
        with pytest.raises(InvalidInput):
            check_rating(scale, level, reason)
    with pytest.raises(InvalidInput):
        scale_levels(7)


def test_rate_served_ticket(svc, clock):
    t = served_ticket(svc, clock, counter=2, staff="bich")
    r = svc.rate("ticket", t.number.lower(), 3, criteria={"thai_do": 3})
    assert (r.target_kind, r.level, r.scale, r.reason, r.criteria) == ("ticket", 3, 3, "", {"thai_do": 3})
    assert (r.counter_id, r.service_code, r.staff) == (2, "HT", "bich")
    assert r.target == f"{t.number}@{t.day.isoformat()}"
    assert r.at == clock.now


def test_unsatisfied_needs_reason(svc, clock):
    t = served_ticket(svc, clock)
    with pytest.raises(InvalidInput):
        svc.rate("ticket", t.number, 1)
    assert svc.store.counts()["ratings"] == 0
    r = svc.rate("ticket", t.number, 1, reason="Thời gian chờ lâu")
    assert r.reason == "Thời gian chờ lâu"


def test_one_rating_per_ticket_and_repeat_window(make_svc, clock):
    svc = make_svc(rating_repeat_seconds=10)
    t = served_ticket(svc, clock)
    first = svc.rate("ticket", t.number, 3)
    clock.advance(seconds=10)
    # a repeated press (even on another button) inside the window returns the first rating
    assert svc.rate("ticket", t.number, 2) == first
    clock.advance(seconds=1)
    with pytest.raises(Conflict):
        svc.rate("ticket", t.number, 2)
    assert svc.store.counts()["ratings"] == 1
    assert svc.store.counts()["ratings_by_level"] == {3: 1}


def test_unserved_tickets_cannot_be_rated(svc, clock):
    waiting = svc.issue_ticket("HT").ticket
    with pytest.raises(Conflict):
        svc.rate("ticket", waiting.number, 3)
    called = svc.call_next(1)
    with pytest.raises(Conflict):
        svc.rate("ticket", called.number, 3)
    svc.recall(called.id, 1), svc.recall(called.id, 1)
    svc.mark_no_show(called.id, 1)
    with pytest.raises(Conflict):
        svc.rate("ticket", called.number, 3)
    cancelled = svc.issue_ticket("HT").ticket
    svc.cancel_ticket(cancelled.id, "Về")
    with pytest.raises(Conflict):
        svc.rate("ticket", cancelled.number, 3)
    with pytest.raises(NotFound):
        svc.rate("ticket", "A999", 3)
    assert svc.store.counts()["ratings"] == 0


def test_serving_ticket_can_be_rated(svc, clock):
    svc.issue_ticket("HT")
    t = svc.call_next(1)
    svc.start_serving(t.id, 1)
    assert svc.rate("ticket", t.number, 2).level == 2


def test_rate_yesterdays_ticket_from_its_qr(svc, clock):
    """A ticket rated the next day (QR "A001@2026-03-02") must not hit today's A001."""
    t = served_ticket(svc, clock)
    clock.set(datetime(2026, 3, 3, 8, 0))
    today = served_ticket(svc, clock, staff="other")
    assert today.number == t.number
    r = svc.rate("ticket", f"{t.number}@{t.day.isoformat()}", 3)
    assert r.target == f"{t.number}@2026-03-02" and r.staff == "bich"
    r2 = svc.rate("ticket", today.number, 2)
    assert r2.target == f"{today.number}@2026-03-03" and r2.staff == "other"
    with pytest.raises(InvalidInput):
        svc.rate("ticket", "A001@yesterday", 3)


def test_rate_dossier(svc, clock):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    r = svc.rate("dossier", d.code.lower(), 3)
    assert (r.target_kind, r.target, r.staff) == ("dossier", d.code, OFFICER.name)
    clock.advance(minutes=5)
    with pytest.raises(Conflict):
        svc.rate("dossier", d.code, 1, reason="Trễ hẹn")
    with pytest.raises(NotFound):
        svc.rate("dossier", d.code[:-4] + "0999", 3)
    with pytest.raises(InvalidInput):
        svc.rate("dossier", "not-a-code", 3)
    with pytest.raises(InvalidInput):
        svc.rate("counter", "1", 3)


def test_ticket_and_dossier_ratings_are_separate(svc, clock):
    t = served_ticket(svc, clock)
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    svc.rate("ticket", t.number, 3)
    svc.rate("dossier", d.code, 2)
    assert svc.store.counts()["ratings_by_level"] == {3: 1, 2: 1}


def test_rating_event_has_no_personal_data(svc, clock):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    svc.rate("dossier", d.code, 1, reason="Chờ lâu")
    ev = svc.store.events()[-1]
    assert (ev["entity"], ev["kind"]) == ("rating", "rated")
    text = str(ev["payload"])
    for private in ("Nguyễn Văn An", "001203004567", "0912345678"):
        assert private not in text
    assert timedelta(0) == clock.now - datetime.fromisoformat(ev["at"])
