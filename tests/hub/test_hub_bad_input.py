"""Bad requests get a clear 4xx with a machine-readable code, and write nothing."""
from __future__ import annotations

import pytest
from hub_support import Office
from office_support import OFFICER, applicant

from hub.app import MAX_BODY_BYTES

JSON = {"Content-Type": "application/json"}
BIG = "x" * (MAX_BODY_BYTES + 1)

# (case, method, path, device, body or query, extra request arguments, status, error code)
CASES = [
    ("malformed json", "POST", "/api/issue-ticket", "kiosk-1", None,
     {"data": b'{"service_code": "HT"', "headers": JSON}, 422, "invalid_input"),
    ("json array", "POST", "/api/issue-ticket", "kiosk-1", [1, 2], {}, 422, "invalid_input"),
    ("empty body", "POST", "/api/issue-ticket", "kiosk-1", None, {"headers": JSON}, 422, "invalid_input"),
    ("text body", "POST", "/api/issue-ticket", "kiosk-1", None,
     {"data": b"service_code=HT", "headers": {"Content-Type": "text/plain"}}, 422, "invalid_input"),
    ("unknown field", "POST", "/api/issue-ticket", "kiosk-1", {"service_code": "HT", "colour": "red"}, {},
     422, "invalid_input"),
    ("number as text", "POST", "/api/call-next", "quay-1", {"counter_id": "1"}, {}, 422, "invalid_input"),
    ("bool as number", "POST", "/api/rate", "kiosk-1", {"target_kind": "ticket", "target": "A001",
                                                         "level": True}, {}, 422, "invalid_input"),
    ("fraction", "POST", "/api/rate", "kiosk-1", {"target_kind": "ticket", "target": "A001", "level": 2.5},
     {}, 422, "invalid_input"),
    ("missing field", "POST", "/api/cancel-ticket", "quay-1", {"ticket_id": 1}, {}, 422, "invalid_input"),
    ("nested wrong type", "POST", "/api/receive-dossier", "quay-1",
     {"procedure_code": "2.000908", "case_code": "GIO", "applicant": {"name": 123}}, {},
     422, "invalid_input"),
    ("huge id", "POST", "/api/recall", "quay-1", {"ticket_id": 2 ** 70, "counter_id": 1}, {}, 422,
     "invalid_input"),
    ("lone surrogate", "POST", "/api/issue-ticket", "kiosk-1", None,
     {"data": b'{"service_code": "\\ud800"}', "headers": JSON}, 422, "invalid_input"),
    ("time zone", "POST", "/api/extend-due", "quay-1",
     {"code": "000.31.20.H56-260302-0001", "new_due": "2026-03-20T08:00:00+07:00", "reason": "x"}, {}, 422, "invalid_input"),
    ("year 9999", "GET", "/api/ticket-issuing-open", "kiosk-1", {"at": "9999-01-01T08:00:00"}, {}, 422,
     "invalid_input"),
    ("query text id", "GET", "/api/ticket-receipt", "quay-1", {"ticket_id": "abc"}, {}, 422, "invalid_input"),
    ("long text", "POST", "/api/pause-counter", "quay-1", {"counter_id": 1, "reason": "x" * 201}, {}, 422,
     "invalid_input"),
    ("bad idempotency key", "POST", "/api/issue-ticket", "kiosk-1", {"service_code": "HT"},
     {"headers": {"Idempotency-Key": "k" * 201}}, 422, "invalid_input"),
    ("oversized body", "POST", "/api/cancel-ticket", "quay-1", {"ticket_id": 1, "reason": BIG}, {}, 413,
     "payload_too_large"),
    ("oversized chunked body", "POST", "/api/cancel-ticket", "quay-1", None,
     {"data": (c for c in [b'{"ticket_id": 1, "reason": "', BIG.encode(), b'"}']), "headers": JSON}, 413,
     "payload_too_large"),
    ("unknown ticket", "POST", "/api/recall", "quay-1", {"ticket_id": 999, "counter_id": 1}, {}, 404,
     "not_found"),
    ("other counter", "POST", "/api/pause-counter", "quay-1", {"counter_id": 99, "reason": "x"}, {}, 403,
     "forbidden"),
    ("unknown dossier", "GET", "/api/dossier", "quay-1", {"code": "000.31.20.H56-260302-0099"}, {}, 404,
     "not_found"),
    ("bad dossier code", "GET", "/api/dossier", "quay-1", {"code": "DROP TABLE"}, {}, 422, "invalid_input"),
    ("unknown service", "POST", "/api/issue-ticket", "kiosk-1", {"service_code": "ZZ"}, {}, 404, "not_found"),
    ("transfer to a counter without the service", "POST", "/api/transfer-ticket", "quay-1",
     {"ticket_id": 1, "counter_id": 1, "to_service": "DD", "to_counter": 1}, {}, 422, "invalid_input"),
    ("unknown endpoint", "GET", "/api/nothing-here", "kiosk-1", {}, {}, 404, "no_such_endpoint"),
    ("wrong method", "GET", "/api/issue-ticket", "kiosk-1", {}, {}, 405, "method_not_allowed"),
]


@pytest.fixture
def busy(hub: Office) -> Office:
    """A hub with a called ticket A001 at counter 1 and a received dossier."""
    hub.svc.issue_ticket("HT")
    hub.svc.call_next(1, "bich.tt")
    hub.svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    return hub


@pytest.mark.parametrize("case, method, path, device, payload, extra, status, code", CASES,
                         ids=[c[0] for c in CASES])
def test_bad_request(busy: Office, case, method, path, device, payload, extra, status, code):
    session = busy.session(device, "bich.tt") if device.startswith("quay") else None
    before, last = busy.svc.store.counts(), busy.last_event()
    if payload is not None:
        extra = {**extra, ("params" if method == "GET" else "json"): payload}
    response = busy.http(method, path, device, session, **extra)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and body["message"], body
    assert busy.last_event() == last and busy.svc.store.counts() == before  # nothing written


def test_illegal_transition_leaves_the_dossier_as_it_was(busy: Office):
    code = busy.svc.store.dossier_codes()[0]
    before, last = busy.svc.dossier(code), busy.last_event()
    response = busy.http("POST", "/api/change-status", "quay-1", busy.session("quay-1", "bich.tt"),
                         json={"code": code, "status": 9, "content": "Có kết quả"})
    assert response.status_code == 409 and response.json()["error"] == "illegal_transition"
    assert "Được tiếp nhận" in response.json()["message"]
    assert busy.svc.dossier(code) == before and busy.last_event() == last


def test_an_idempotency_key_cannot_be_reused_for_another_request(busy: Office):
    session = busy.session("quay-1", "bich.tt")
    key = {"Idempotency-Key": "counter-1:req-42"}
    first = busy.http("POST", "/api/pause-counter", "quay-1", session, headers=dict(key),
                      json={"counter_id": 1, "reason": "Nghỉ trưa"})
    assert first.status_code == 200
    last = busy.last_event()
    other = busy.http("POST", "/api/pause-counter", "quay-1", session, headers=dict(key),
                      json={"counter_id": 1, "reason": "Họp"})
    assert other.status_code == 409 and other.json()["error"] == "conflict"
    other_op = busy.http("POST", "/api/resume-counter", "quay-1", session, headers=dict(key),
                         json={"counter_id": 1})
    assert other_op.status_code == 409
    assert busy.last_event() == last and busy.svc.counters()[0].paused_reason == "Nghỉ trưa"


def test_errors_are_documented_in_the_schema(make_hub):
    hub = make_hub(hub_options={"docs": True})
    schema = hub.http("GET", "/openapi.json").json()
    operation = schema["paths"]["/api/call-next"]["post"]
    assert {"401", "403", "404", "409", "413", "422", "429", "503"} <= set(operation["responses"])
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["error", "message"]
    assert {"HTTPBearer", "APIKeyHeader"} <= set(schema["components"]["securitySchemes"])
