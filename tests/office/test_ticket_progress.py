"""Where a ticket stands for the citizen holding it (`ticket_progress`, role "web"): the same
position rule as the printed ticket, only with the ticket's printed token, guesses limited per
client; the web role can never be enrolled."""
from __future__ import annotations

import pytest
from office_support import desk

from office.auth import Credentials
from office.errors import Forbidden, InvalidInput, NotFound, RateLimited
from office.model import TicketState


def test_progress_follows_the_ticket_with_the_printed_rule(svc, clock):
    kiosk, web = desk(svc, "kiosk", "kiosk-1", None), desk(svc, "web", "web:192.168.1.23", None)
    first = kiosk.issue_ticket("HT")
    mine = kiosk.issue_ticket("HT")
    day, number, token = mine.ticket.day, mine.ticket.number, mine.rating_token
    waiting = web.ticket_progress(day, number, token)
    assert mine.people_ahead == 1 and mine.estimated_wait_minutes > 0
    assert (waiting.state, waiting.people_ahead, waiting.estimated_wait_minutes) == (
        TicketState.WAITING, mine.people_ahead, mine.estimated_wait_minutes)
    counter = desk(svc, "admin", "admin-1")
    assert counter.call_next(1).id == first.ticket.id
    assert web.ticket_progress(day, number, token.lower()).people_ahead == 0
    counter.start_serving(first.ticket.id, 1)
    assert counter.call_next(1).id == mine.ticket.id
    called = web.ticket_progress(day, number, token)
    assert (called.state, called.counter_name, called.people_ahead, called.rated) == (
        TicketState.CALLED, "Quầy 1", 0, False)
    counter.start_serving(mine.ticket.id, 1)
    web.rate("ticket", f"{number}@{day}", token, 3)
    assert web.ticket_progress(day, number, token).rated
    with pytest.raises(Forbidden):  # the kiosk has no business reading a ticket's progress
        kiosk.ticket_progress(day, number, token)


def test_a_wrong_token_is_not_found_and_guesses_are_limited_per_client(svc, clock):
    mine = desk(svc, "kiosk", "kiosk-1", None).issue_ticket("HT")
    phone = desk(svc, "web", "web:10.0.0.9", None)
    day, number = mine.ticket.day, mine.ticket.number
    for _ in range(4):
        with pytest.raises(NotFound, match="Không tìm thấy phiếu"):
            phone.ticket_progress(day, number, "AAAAAAAA")
    with pytest.raises(RateLimited):  # the 5th wrong token on this ticket says so at once
        phone.ticket_progress(day, number, "AAAAAAAA")
    with pytest.raises(RateLimited):
        phone.ticket_progress(day, number, mine.rating_token)


def test_the_web_role_is_never_enrolled(svc):
    with pytest.raises(InvalidInput):
        Credentials(svc.store).enroll("web", "web:1.2.3.4")
