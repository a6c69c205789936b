"""Roles and credentials: every role × endpoint pair, staff sessions, revocation, lockouts, hashes."""
from __future__ import annotations

import sqlite3

import pytest
from hub_support import DEVICES, STAFF, Office
from office_support import BACK_OFFICE, OFFICER, applicant

from hub import api
from hub.client import HubClient
from hub.server import start_hub_thread
from office.auth import Credentials, hash_pin, token_hash, verify_pin
from office.errors import Conflict, InvalidInput, NotFound, RateLimited, StaffLoginRequired, Unauthorized
from office.port import USE_CASES

CODE = "000.31.20.H56-260302-0001"
SAMPLES = {  # a valid input for every use case (the answer may still be 404/409: only auth matters)
    "procedure": {"code": "1.001193"}, "issue_ticket": {"service_code": "HT"},
    "ticket_receipt": {"ticket_id": 1}, "counter_ticket": {"counter_id": 1}, "call_next": {"counter_id": 1},
    "recall": {"ticket_id": 1, "counter_id": 1}, "start_serving": {"ticket_id": 1, "counter_id": 1},
    "finish_ticket": {"ticket_id": 1, "counter_id": 1}, "mark_no_show": {"ticket_id": 1, "counter_id": 1},
    "cancel_ticket": {"ticket_id": 1, "reason": "thử"},
    "transfer_ticket": {"ticket_id": 1, "counter_id": 1, "to_service": "DD"},
    "pause_counter": {"counter_id": 1, "reason": "thử"}, "resume_counter": {"counter_id": 1},
    "receive_dossier": {"procedure_code": "2.000908", "case_code": "GIO",
                        "applicant": {"name": "Nguyễn Văn An"}},
    "dossier": {"code": CODE}, "timeliness": {"code": CODE},
    "change_status": {"code": CODE, "status": 4, "content": "thử"},
    "extend_due": {"code": CODE, "new_due": "2026-03-20T08:00:00", "reason": "thử"},
    "kiosk_lookup": {"code": CODE, "secret": "000000"},
    "ticket_progress": {"day": "2026-03-02", "number": "A001", "token": "ABCDEFGH"},
    "rate": {"target_kind": "ticket", "target": "A001", "proof": "ABCDEFGH", "level": 3},
    "record_payment": {"code": CODE, "method": "cash", "receipt_number": "BL-1"},
    "set_calendar_day": {"day": "2026-12-31", "kind": "day_off", "reason": "thử"},
    "reports": {"day_from": "2026-03-01", "day_to": "2026-03-02"},
    "report_device_problem": {"problem": "no_paper", "message": "Hết giấy"},
    "missing_components": {"procedure_code": "1.001193", "case_code": "TH1", "components": []},
    "record_intake": {"kind": "refused", "procedure_code": "1.001193", "case_code": "TH1",
                      "applicant": {"name": "Nguyễn Văn An"}, "reason": "thử"},
    "intake": {"record_id": 1},
    "request_supplement": {"code": CODE, "missing": ["Giấy chứng sinh"]},
    "return_result": {"code": CODE, "collector": {
        "name": "Nguyễn Văn An", "id_type": "CCCD", "id_number": "001203004567", "relation": "applicant"}},
    "reveal_applicant": {"code": CODE, "purpose": "thử"}, "reissue_secret": {"code": CODE},
    "search_dossiers": {"text": "an"}, "register_rows": {"day_from": "2026-03-01", "day_to": "2026-03-02"},
    "accept_online": {"ref": "DVC-1"}, "refuse_online": {"ref": "DVC-1", "reason": "thử"},
    "unlock_kiosk_admin": {"pin": "000000"}, "remove_staff_member": {"username": "cuong.lv"},
    "save_staff_member": {"username": "dan.nv", "name": "Nguyễn Văn Dân", "title": "Chuyên viên",
                          "department": "Bộ phận Một cửa"},
    "set_staff_pin": {"username": "cuong.lv", "pin": "975310"}, "set_kiosk_pin": {"pin": "975310"},
    "set_service_open": {"code": "DD", "is_open": True}, "set_counter_open": {"counter_id": 3, "is_open": True},
    "set_ticket_hours": {"sessions": [["07:00", "11:00"]]}, "clear_calendar_day": {"day": "2026-09-03"},
}
# The rules, written out independently of office/port.py: "ok" allowed, "staff" allowed with a
# staff member logged in on the device, "admin" only with an office admin logged in (bich.tt is
# not one: refused with 403), absent: refused.
CATALOGUE = ("office", "procedures", "procedure", "fields", "services", "counters", "priority_categories",
             "rating_levels", "ticket_issuing_open", "waiting_counts", "calendar_days")
COUNTER_WORK = ("ticket_receipt", "counter_ticket", "call_next", "recall", "start_serving", "finish_ticket", "mark_no_show",
                "cancel_ticket", "transfer_ticket", "pause_counter", "resume_counter", "receive_dossier",
                "dossier", "change_status", "extend_due", "timeliness", "missing_components", "record_intake",
                "intake", "request_supplement", "return_result", "reveal_applicant", "search_dossiers",
                "late_dossiers", "reissue_secret", "expire_supplements", "record_payment", "set_calendar_day",
                "clear_calendar_day", "online_dossiers", "accept_online", "refuse_online", "waiting_tickets",
                "my_dossiers")
RULES = {
    **{name: {"kiosk": "ok", "display": "ok", "counter": "ok", "admin": "ok"} for name in CATALOGUE},
    "issue_ticket": {"kiosk": "ok", "counter": "staff", "admin": "staff"},
    "report_device_problem": {"kiosk": "ok", "counter": "staff", "admin": "staff"},
    **{name: {"counter": "staff", "admin": "staff"} for name in COUNTER_WORK},
    "kiosk_lookup": {"kiosk": "ok"}, "rate": {"kiosk": "ok"},
    "ticket_progress": {},  # only the citizen's phone, on the hub's /phieu page: no enrolled device
    "summary": {"counter": "staff", "admin": "ok"}, "reports": {"counter": "staff", "admin": "staff"},
    "dashboard": {"admin": "staff"},
    "register_rows": {"counter": "staff", "admin": "staff"}, "unlock_kiosk_admin": {"kiosk": "ok"},
    **{name: {"counter": "admin", "admin": "admin"} for name in (
        "staff_members", "save_staff_member", "remove_staff_member", "set_staff_pin", "set_service_open",
        "set_counter_open", "office_settings", "set_ticket_hours", "set_kiosk_pin")},
}
CALLERS = [("kiosk-1", False), ("bang-1", False), ("quay-1", False), ("quay-1", True),
           ("admin-1", False), ("admin-1", True)]


def send(hub: Office, name: str, device: str | None, session: str | None):
    params, method = SAMPLES.get(name, {}), api.method(name)
    kwargs = {"params": params} if method == "GET" else {"json": params}
    return hub.http(method, api.path(name), device, session, **kwargs)


def expected(rules: dict, device: str | None, with_session: bool) -> int | None:
    """401/403 when refused, None when the request must get past authorization."""
    role = DEVICES.get(device)
    if role is None:
        return 401
    if role not in rules:
        return 403
    if rules[role] in ("staff", "admin") and not with_session:
        return 401
    return 403 if rules[role] == "admin" else None


def test_every_role_on_every_use_case(hub: Office):
    sessions = {device: hub.session(device, "son.hv") for device in ("quay-1", "admin-1")}  # a leader
    revoked = Credentials(hub.svc.store).enroll("kiosk", "kiosk-9")
    Credentials(hub.svc.store).revoke("kiosk-9")
    assert set(RULES) == set(USE_CASES)
    checked = 0
    for name in USE_CASES:
        for device, with_session in [*CALLERS, (None, False), ("not-a-token", False), (revoked, False)]:
            response = send(hub, name, device, sessions[device] if with_session else None)
            want = expected(RULES[name], device, with_session)
            where = f"{name} as {device} (session={with_session}): {response.text[:200]}"
            if want is None:
                assert response.status_code not in (401, 403) and response.status_code < 500, where
            else:
                assert response.status_code == want, where
                assert response.json()["error"] in ("unknown_device", "staff_login_required", "forbidden"), where
            checked += 1
    assert checked == len(USE_CASES) * 9


@pytest.mark.parametrize("device, status", [("bang-1", 200), ("quay-1", 200), ("admin-1", 200),
                                            ("kiosk-1", 403), (None, 401)])
def test_feed_is_for_boards_counters_and_admin(hub: Office, device, status):
    with hub.http("GET", api.FEED_PATH, device, stream=True) as response:
        assert response.status_code == status


@pytest.mark.parametrize("device, status", [("quay-1", 200), ("admin-1", 200), ("kiosk-1", 403),
                                            ("bang-1", 403), (None, 401)])
def test_only_counters_and_admin_log_staff_in(hub: Office, device, status):
    response = hub.http("POST", api.SESSION_PATH, device, json={"username": "bich.tt", "pin": "246813",
                                                                     "counter_id": 1})
    assert response.status_code == status


def test_staff_session_rules(hub: Office, clock):
    counter = hub.client("quay-1", "bich.tt")
    assert counter.call_next(1) is None  # logged in: allowed (and nobody waits)
    with pytest.raises(StaffLoginRequired):  # a session works only on the device it was opened on
        HubClient(hub.url, hub.tokens["quay-2"], session_token=counter.session_token).call_next(2)
    with pytest.raises(TypeError):  # nobody acts under someone else's name: the port has no actor
        counter.receive_dossier("2.000908", "GIO", applicant(), actor=BACK_OFFICE)
    counter.logout()
    with pytest.raises(StaffLoginRequired):
        counter.call_next(1)
    with pytest.raises(Unauthorized, match="PIN"):
        hub.client("quay-1").login("bich.tt", "000000", 1)
    with pytest.raises(Unauthorized):
        hub.client("quay-1").login("nobody", "246813", 1)
    counter.login("bich.tt", "246813", 1)
    clock.advance(hours=13)  # sessions last a working day
    with pytest.raises(StaffLoginRequired):
        counter.call_next(1)


def test_new_pin_and_revocation_end_sessions(hub: Office):
    counter, admin = hub.client("quay-1", "bich.tt"), hub.client("admin-1", "cuong.lv")
    Credentials(hub.svc.store).set_pin("bich.tt", "737373")
    with pytest.raises(StaffLoginRequired):
        counter.call_next(1)
    assert counter.login("bich.tt", "737373", 1) == OFFICER
    assert Credentials(hub.svc.store).revoke("admin-1")
    with pytest.raises(Unauthorized):
        admin.summary()
    with pytest.raises(Unauthorized):
        admin.login("cuong.lv", STAFF["cuong.lv"][1])
    assert counter.call_next(1) is None


def test_lookup_limits_over_http_survive_a_hub_restart(make_hub, clock):
    hub = make_hub()
    counter, kiosk = hub.client("quay-1", "bich.tt"), hub.client("kiosk-1")
    d = counter.receive_dossier("2.000908", "GIO", applicant())
    wrong = f"{(int(d.secret) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(NotFound):
            kiosk.kiosk_lookup(d.code, wrong)
    with pytest.raises(RateLimited):  # the fifth wrong secret for this code locks it and says so
        kiosk.kiosk_lookup(d.code, wrong)
    for stop in hub.stops:  # the hub restarts: nothing is forgotten
        stop()
    hub.url, stop = start_hub_thread(hub.svc)
    hub.stops = [stop]
    raw = hub.http("POST", api.path("kiosk_lookup"), "kiosk-2", json={"code": d.code, "secret": d.secret})
    assert raw.status_code == 429 and raw.json()["error"] == "rate_limited"
    assert 23 * 3600 < int(raw.headers["Retry-After"]) <= 86400
    assert "quét mã QR" in raw.json()["message"]
    scanned = hub.http("POST", api.path("kiosk_lookup"), "kiosk-2",
                       json={"code": d.code, "secret": d.secret, "scanned": True})
    assert scanned.status_code == 200 and scanned.json()["code"] == d.code  # the receipt's QR still works


def test_pin_guessing_is_limited_per_device_and_per_user(hub: Office, clock):
    client = hub.client("quay-1")
    for pin in ("000001", "000002", "000003", "000004"):
        with pytest.raises(Unauthorized):
            client.login("bich.tt", pin, 1)
    with pytest.raises(RateLimited):  # the fifth failure in 15 minutes locks this device
        client.login("bich.tt", "000005", 1)
    with pytest.raises(RateLimited, match="Đăng nhập sai"):
        client.login("cuong.lv", STAFF["cuong.lv"][1], 1)  # every user waits on this device …
    assert hub.client("quay-2").login("bich.tt", "246813", 2) == OFFICER  # … not elsewhere
    clock.advance(minutes=15)
    assert client.login("cuong.lv", STAFF["cuong.lv"][1], 1) == BACK_OFFICE


def test_pin_hashes_are_slow_salted_and_never_the_pin(hub: Office):
    stored = [hub.svc.store.pin_hash(u) for u in STAFF]
    assert all(h.startswith("scrypt$16384$8$1$") for h in stored)
    assert len({h.split("$")[4] for h in stored}) == len(STAFF)  # one salt each
    assert verify_pin("246813", stored[0]) and not verify_pin("246814", stored[0])
    assert hash_pin("123456") != hash_pin("123456")
    assert not verify_pin("123456", "garbage")


def test_tokens_are_stored_hashed(hub: Office):
    session = hub.session("quay-1", "bich.tt")
    dump = "\n".join(sqlite3.connect(hub.svc.store.path).iterdump())
    for token in [*hub.tokens.values(), session]:
        assert token not in dump
    assert "246813" not in dump


def test_full_dossier_views_are_audit_logged(hub: Office, clock):
    counter = hub.client("quay-1", "bich.tt")
    d = counter.receive_dossier("2.000908", "GIO", applicant())
    assert hub.svc.store.audit_log(d.code) == []
    clock.advance(minutes=5)
    assert counter.dossier(d.code).applicant.id_number == "001203004567"
    [entry] = hub.svc.store.audit_log(d.code)
    assert (entry["username"], entry["action"], entry["at"]) == ("bich.tt", "dossier.view",
                                                                 clock.now.isoformat(timespec="seconds"))
    assert entry["device_id"] == hub.svc.store.device_by_token(token_hash(hub.tokens["quay-1"]))["id"]
    with pytest.raises(NotFound):
        counter.dossier("000.31.20.H56-260302-0099")
    assert len(hub.svc.store.audit_log()) == 1  # nothing shown, nothing logged


def test_enrol_validates_role_and_unique_active_names(hub: Office):
    credentials = Credentials(hub.svc.store)
    with pytest.raises(InvalidInput):
        credentials.enroll("boss", "x")
    with pytest.raises(Conflict):
        credentials.enroll("kiosk", "kiosk-1")
    assert credentials.revoke("kiosk-1") and not credentials.revoke("kiosk-1")
    assert credentials.enroll("kiosk", "kiosk-1") != hub.tokens["kiosk-1"]
