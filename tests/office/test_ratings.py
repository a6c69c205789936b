"""Satisfaction ratings: scales, reasons, one per ticket/dossier, repeated presses, and only the
person served can rate (the ticket's printed token, the dossier's lookup secret)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from office_support import OFFICER, applicant

from office.errors import Conflict, InvalidInput, NotFound
from office.model import RatingReceipt, TicketState
from office.rules.rating import TOKEN_ALPHABET, TOKEN_LENGTH, check_rating, scale_levels

T = TicketState


def served_ticket(svc, clock, counter=1, service="HT", staff="bich"):
    """A ticket served to the end, with the rating token printed on it: (ticket, token)."""
    issued = svc.issue_ticket(service)
    t = issued.ticket
    svc.call_next(counter, staff=staff)
    svc.start_serving(t.id, counter)
    clock.advance(minutes=5)
    return svc.finish_ticket(t.id, counter), issued.rating_token


def stored(svc, kind, target):
    return svc.store.rating_for(kind, target)


def test_default_scale_has_three_levels(svc):
    levels = svc.rating_levels()
    assert [(lv.value, lv.label_vi, lv.needs_reason) for lv in levels] == [
        (3, "Rất hài lòng", False), (2, "Hài lòng", False), (1, "Không hài lòng", True)]


def test_five_level_scale_from_config(make_svc, clock):
    svc = make_svc(rating_scale=5)
    assert [lv.value for lv in svc.rating_levels()] == [5, 4, 3, 2, 1]
    assert [lv.value for lv in svc.rating_levels() if lv.needs_reason] == [2, 1]
    t, token = served_ticket(svc, clock)
    with pytest.raises(InvalidInput):
        svc.rate("ticket", t.number, token, 2)
    r = svc.rate("ticket", t.number, token, 4)
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
    t, token = served_ticket(svc, clock, counter=2, staff="bich")
    assert len(token) == TOKEN_LENGTH and set(token) <= set(TOKEN_ALPHABET)
    r = svc.rate("ticket", t.number.lower(), f" {token.lower()} ", 3, criteria={"thai_do": 3})
    # the answer says what was rated, never who served
    assert r == RatingReceipt("ticket", f"{t.number}@{t.day.isoformat()}", 3, 3, clock.now)
    kept = stored(svc, "ticket", r.target)
    assert (kept.reason, kept.criteria, kept.counter_id, kept.service_code, kept.staff) == (
        "", {"thai_do": 3}, 2, "HT", "bich")


def test_a_ticket_rating_needs_the_token_printed_on_that_ticket(svc, clock):
    t, token = served_ticket(svc, clock)
    other, other_token = served_ticket(svc, clock)
    for wrong in ("", "AAAAAAAA", other_token, token[:-1], token + "2", "ĐĐĐĐĐĐĐĐ"):
        with pytest.raises(NotFound) as e:
            svc.rate("ticket", t.number, wrong, 3)
        assert t.number not in e.value.message
    with pytest.raises(NotFound):  # an unknown ticket answers exactly like a wrong token
        svc.rate("ticket", "A999", token, 3)
    assert svc.store.counts()["ratings"] == 0
    assert svc.rate("ticket", t.number, token, 3).level == 3


def test_a_dossier_rating_needs_its_lookup_secret(svc, clock):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    wrong = f"{(int(d.secret) + 1) % 1_000_000:06d}"
    for bad in (wrong, "", "abcdef"):
        with pytest.raises(NotFound):
            svc.rate("dossier", d.code, bad, 3)
    assert svc.store.counts()["ratings"] == 0
    r = svc.rate("dossier", d.code, d.secret, 3)
    assert OFFICER.name not in repr(r)


def test_unsatisfied_needs_reason(svc, clock):
    t, token = served_ticket(svc, clock)
    with pytest.raises(InvalidInput):
        svc.rate("ticket", t.number, token, 1)
    assert svc.store.counts()["ratings"] == 0
    r = svc.rate("ticket", t.number, token, 1, reason="Thời gian chờ lâu")
    assert stored(svc, "ticket", r.target).reason == "Thời gian chờ lâu"


def test_one_rating_per_ticket_and_repeat_window(make_svc, clock):
    svc = make_svc(rating_repeat_seconds=10)
    t, token = served_ticket(svc, clock)
    first = svc.rate("ticket", t.number, token, 3)
    clock.advance(seconds=10)
    # a repeated press (even on another button) inside the window returns the first rating
    assert svc.rate("ticket", t.number, token, 2) == first
    clock.advance(seconds=1)
    with pytest.raises(Conflict):
        svc.rate("ticket", t.number, token, 2)
    assert svc.store.counts()["ratings"] == 1
    assert svc.store.counts()["ratings_by_level"] == {3: 1}


def test_unserved_tickets_cannot_be_rated(svc, clock):
    issued = svc.issue_ticket("HT")
    waiting, token = issued.ticket, issued.rating_token
    with pytest.raises(Conflict):
        svc.rate("ticket", waiting.number, token, 3)
    called = svc.call_next(1)
    with pytest.raises(Conflict):
        svc.rate("ticket", called.number, token, 3)
    svc.recall(called.id, 1), svc.recall(called.id, 1)
    svc.mark_no_show(called.id, 1)
    with pytest.raises(Conflict):
        svc.rate("ticket", called.number, token, 3)
    cancelled = svc.issue_ticket("HT")
    svc.cancel_ticket(cancelled.ticket.id, "Về")
    with pytest.raises(Conflict):
        svc.rate("ticket", cancelled.ticket.number, cancelled.rating_token, 3)
    assert svc.store.counts()["ratings"] == 0


def test_serving_ticket_can_be_rated(svc, clock):
    token = svc.issue_ticket("HT").rating_token
    t = svc.call_next(1)
    svc.start_serving(t.id, 1)
    assert svc.rate("ticket", t.number, token, 2).level == 2


def test_a_transferred_ticket_keeps_its_token(svc, clock):
    issued = svc.issue_ticket("HT")
    t = svc.call_next(1)
    svc.start_serving(t.id, 1)
    moved = svc.transfer_ticket(t.id, 1, "DD")
    assert svc.ticket_receipt(moved).rating_token == issued.rating_token
    assert svc.call_next(3).id == moved.id
    svc.start_serving(moved.id, 3)
    assert svc.rate("ticket", t.number, issued.rating_token, 3).level == 3


def test_rate_yesterdays_ticket_from_its_qr(svc, clock):
    """A ticket rated the next day (QR "A001@2026-03-02") must not hit today's A001."""
    t, token = served_ticket(svc, clock)
    clock.set(datetime(2026, 3, 3, 8, 0))
    today, today_token = served_ticket(svc, clock, staff="other")
    assert today.number == t.number
    with pytest.raises(NotFound):  # yesterday's token does not rate today's A001
        svc.rate("ticket", today.number, token, 3)
    r = svc.rate("ticket", f"{t.number}@{t.day.isoformat()}", token, 3)
    assert r.target == f"{t.number}@2026-03-02" and stored(svc, "ticket", r.target).staff == "bich"
    r2 = svc.rate("ticket", today.number, today_token, 2)
    assert r2.target == f"{today.number}@2026-03-03" and stored(svc, "ticket", r2.target).staff == "other"
    with pytest.raises(InvalidInput):
        svc.rate("ticket", "A001@yesterday", token, 3)


def test_rate_dossier(svc, clock):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    r = svc.rate("dossier", d.code.lower(), d.secret, 3)
    assert (r.target_kind, r.target) == ("dossier", d.code)
    assert stored(svc, "dossier", d.code).staff == OFFICER.name  # for the reports, never in the answer
    clock.advance(minutes=5)
    with pytest.raises(Conflict):
        svc.rate("dossier", d.code, d.secret, 1, reason="Trễ hẹn")
    with pytest.raises(NotFound):
        svc.rate("dossier", d.code[:-4] + "0999", d.secret, 3)
    with pytest.raises(InvalidInput):
        svc.rate("dossier", "not-a-code", d.secret, 3)
    with pytest.raises(InvalidInput):
        svc.rate("counter", "1", d.secret, 3)


def test_ticket_and_dossier_ratings_are_separate(svc, clock):
    t, token = served_ticket(svc, clock)
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    svc.rate("ticket", t.number, token, 3)
    svc.rate("dossier", d.code, d.secret, 2)
    assert svc.store.counts()["ratings_by_level"] == {3: 1, 2: 1}


def test_rating_event_has_no_personal_data(svc, clock):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    svc.rate("dossier", d.code, d.secret, 1, reason="Chờ lâu")
    ev = svc.store.events()[-1]
    assert (ev["entity"], ev["kind"]) == ("rating", "rated")
    text = str(ev["payload"])
    for private in ("Nguyễn Văn An", "001203004567", "0912345678"):
        assert private not in text
    assert timedelta(0) == clock.now - datetime.fromisoformat(ev["at"])
