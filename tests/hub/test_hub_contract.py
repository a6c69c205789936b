"""One contract suite for the office port, run embedded (OfficeGateway on the store) and over
HTTP (HubClient through a real hub): the parity suite.

Each test runs twice (`mode` = embedded | http): the same answers, the same errors, the same
audit rows, lockouts, idempotent retries and actor rules. `test_embedded_and_http_give_identical_
results` runs the same office day both ways on two stores and requires identical results, field
for field. The first tests check that the port, the service, the hub's input models and both
adapters agree on every use case.
"""
from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hub_support import Ports, ports_for
from office_support import BACK_OFFICE, MONDAY, OFFICER, applicant

from hub.client import HubClient
from hub.inputs import INPUTS, NoInput
from office.auth import Credentials
from office.errors import (
    Conflict,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    OutsideHours,
    RateLimited,
    SequenceExhausted,
    StaffLoginRequired,
    Unauthorized,
)
from office.gateway import OfficeGateway
from office.model import Collector, DossierStatus, TicketState, Timeliness
from office.policy import TYPED_LOOKUPS, Guards, Limit
from office.port import USE_CASES, signature
from office.service import OfficeService

S, T = DossierStatus, TicketState


CALLER = {"actor", "staff", "device"}  # what the gateway supplies from who calls
LOCAL_ONLY = {"apply_central_step", "apply_setup"}  # run on the hub machine (its sync, `office init|apply`), never by a LAN device
CHECKS = {"rating_subject"}  # checks the gateway runs before a use case (guesses counted apart)


def test_every_service_use_case_is_in_the_port():
    public = {name for name, _ in inspect.getmembers(OfficeService, inspect.isfunction) if not name.startswith("_")}
    assert public - LOCAL_ONLY - CHECKS == set(USE_CASES)


@pytest.mark.parametrize("name", sorted(USE_CASES))
def test_port_service_hub_inputs_and_adapters_agree(name):
    port = signature(name)
    wanted = {p.name: p for p in port.parameters.values() if p.name not in ("self", "idempotency_key")}
    assert ("idempotency_key" in port.parameters) == USE_CASES[name].writes
    assert inspect.signature(getattr(HubClient, name)) == port
    assert inspect.signature(getattr(OfficeGateway, name)) == port
    model = INPUTS.get(name, NoInput)
    assert set(model.model_fields) == set(wanted), f"hub input model of {name}"
    for field, info in model.model_fields.items():
        default = wanted[field].default
        if default is inspect.Parameter.empty:
            assert info.is_required(), f"{name}.{field} is required in the port"
        else:
            json_default = list(default) if isinstance(default, tuple) else default  # JSON has no tuples
            assert not info.is_required() and info.get_default() == json_default, f"{name}.{field} default"
    special = getattr(OfficeGateway, "_" + name, None)
    if special is None:  # the gateway hands the port's arguments (plus who calls) to the service
        service = inspect.signature(getattr(OfficeService, name)).parameters
        assert set(wanted) <= set(service), f"OfficeService.{name} lacks {set(wanted) - set(service)}"
        missing = {p for p, v in service.items() if p not in wanted and p not in CALLER | {"self", "idempotency_key"}
                   and v.default is inspect.Parameter.empty}
        assert not missing, f"OfficeService.{name} needs {missing} that the port does not give"


def test_catalogue(ports: Ports):
    svc = ports.office.svc
    for port in (ports.kiosk, ports.counter):
        assert port.office() == svc.office()
        assert port.procedures() == svc.procedures() and len(port.procedures()) == 3
        assert port.procedure("1.001193") == svc.procedure("1.001193")
        assert port.fields() == svc.fields()
        assert port.services() == svc.services()
        assert port.counters() == svc.counters()
        assert port.priority_categories() == svc.priority_categories()
        assert port.rating_levels() == svc.rating_levels()
        assert port.ticket_issuing_open() is True
        assert port.ticket_issuing_open(datetime(2026, 3, 7, 9, 0)) is False  # a Saturday
        assert port.waiting_counts() == {}


def queue_day(p: Ports, clock) -> list:
    """A morning at counters 1 and 2 (each officer logged in at their own): numbering, priority,
    recall, no-show, transfer, pause."""
    out = [p.kiosk.issue_ticket("HT"), p.kiosk.issue_ticket("HT", "elderly"), p.kiosk.issue_ticket("DD")]
    clock.advance(minutes=3)
    first = p.counter.call_next(1)
    out.append(first)
    for _ in range(2):
        clock.advance(minutes=1)
        out.append(p.counter.recall(first.id, 1))
    out.append(p.counter.mark_no_show(first.id, 1))
    second = p.counter.call_next(1)
    out += [second, p.counter.start_serving(second.id, 1)]
    clock.advance(minutes=6)
    out.append(p.counter.transfer_ticket(second.id, 1, "DD", 3, "Sai lĩnh vực"))
    out.append(p.counter.waiting_counts())
    p.backoffice.pause_counter(2, "Nghỉ giải lao")
    out.append(p.counter.counters())
    p.backoffice.resume_counter(2)
    third = p.backoffice.call_next(2)
    out += [third, p.backoffice.ticket_receipt(third.id), p.backoffice.finish_ticket(third.id, 2, "Hướng dẫn")]
    out.append(p.kiosk.rate("ticket", third.number, out[2].rating_token, 3))  # the token on B001's ticket
    late = p.kiosk.issue_ticket("HT")
    out.append(p.counter.cancel_ticket(late.ticket.id, "Công dân về trước"))
    return out


def test_queue_day(ports: Ports, clock):
    out = queue_day(ports, clock)
    a1, a2, b1 = (r.ticket for r in out[:3])
    assert [a1.number, a2.number, b1.number] == ["A001", "A002", "B001"]
    assert out[1].people_ahead == 1 and out[1].counters == ("Quầy 1", "Quầy 2")
    first, recall2, recall3, no_show, second, serving = out[3:9]
    assert first.id == a1.id and first.state == T.CALLED and first.staff == "bich.tt"
    assert (recall2.calls, recall3.calls, no_show.state) == (2, 3, T.NO_SHOW)
    assert second.id == a2.id and serving.state == T.SERVING
    moved, waiting, paused = out[9:12]
    assert (moved.number, moved.service_code, moved.target_counter_id) == ("A002", "DD", 3)
    assert waiting == {"DD": 2}
    assert [c.paused_reason for c in paused] == [None, "Nghỉ giải lao", None]
    third, receipt, done, rating, cancelled = out[12:]
    assert third.number == "B001" and receipt.ticket == third and done.reason == "Hướng dẫn"
    assert (rating.target, rating.level) == ("B001@2026-03-02", 3)
    kept = ports.office.svc.store.rating_for("ticket", rating.target)
    assert (kept.counter_id, kept.staff) == (2, "cuong.lv")  # for reports, never in the kiosk's answer
    assert cancelled.state == T.CANCELLED
    assert [t.state for t in ports.office.svc.store.tickets(MONDAY.date())] == [
        T.NO_SHOW, T.TRANSFERRED, T.DONE, T.WAITING, T.CANCELLED]


def dossier_life(p: Ports, clock) -> list:
    """Reception, back-office processing with a supplement pause, extension, result, lookup, rating."""
    d = p.counter.receive_dossier("1.001193", "TH5", applicant(), "Khai sinh cho con")
    out = [d, p.counter.dossier(d.code), p.kiosk.kiosk_lookup(d.code, d.secret)]
    clock.advance(hours=1)
    out.append(p.backoffice.change_status(d.code, S.PROCESSING, "Thụ lý"))
    clock.advance(hours=2)
    out.append(p.backoffice.request_supplement(d.code, ["Giấy chứng sinh"], "Thiếu giấy chứng sinh"))
    p.advance(days=1)
    out.append(p.counter.change_status(d.code, S.PROCESSING, "Đã nhận bổ sung"))
    new_due = out[-1].due_at + timedelta(days=2)
    out.append(p.backoffice.extend_due(d.code, new_due, "Cần xác minh thêm"))
    out.append(p.counter.timeliness(d.code))
    p.advance(days=1)
    out.append(p.backoffice.change_status(d.code, S.DONE, "Có kết quả"))
    out.append(p.counter.record_payment(d.code, "transfer", "BL-0000123"))
    out.append(p.counter.return_result(d.code, Collector("Nguyễn Văn An", "CCCD", "001203004567", "applicant")))
    out.append(p.kiosk.kiosk_lookup(d.code, d.secret))
    out.append(p.kiosk.rate("dossier", d.code, d.secret, 1, "Trả kết quả trễ hẹn"))
    out.append(p.counter.summary())
    out.append(p.counter.reports(MONDAY.date(), clock.now.date()))
    return out


def test_dossier_life(ports: Ports, clock):
    out = dossier_life(ports, clock)
    received, viewed, looked_up = out[:3]
    assert replace(received, secret="") == viewed  # the office keeps only the secret's hash
    assert received.status == S.RECEIVED and received.applicant == applicant()
    assert looked_up.masked_name == "Nguyễn V*** A*" and looked_up.status_label_vi == "Đã tiếp nhận"
    resumed, extended, timeliness = out[5:8]
    assert resumed.due_changes[0].kind == "supplement" and extended.due_changes[1].kind == "extension"
    assert timeliness == Timeliness.IN_TIME
    paid, returned, final_view, rating, summary, report = out[9:]
    assert (paid.fee, paid.paid, paid.fee_paid, paid.payments[0].receipt_number) == (8000, 8000, True, "BL-0000123")
    assert [s.status for s in returned.steps] == [S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED,
                                                  S.PROCESSING, S.PROCESSING, S.DONE, S.DONE, S.RETURNED]
    assert returned.supplement_count == 1 and [f.form for f in returned.forms] == ["01", "02", "04"]
    assert final_view.next_action_vi.startswith("Đã trả kết quả")
    assert (rating.target_kind, rating.level) == ("dossier", 1) and OFFICER.name not in repr(rating)
    assert summary["dossiers_by_status"] == {"10": 1} and summary["ratings_by_level"] == {"1": 1}
    assert report["dossiers"]["finished"] == 1 and report["ratings"]["satisfied_percent"] == 0.0
    assert report["fees"]["collected"] == 8000 and report["fees"]["by_method"]["transfer"]["payments"] == 1
    quality = {i["code"]: i for i in report["qd766"]}
    assert quality["2.1"]["value"] == 100.0 and quality["5.4"]["value"] == 0.0  # on time, but "Không hài lòng"


def _received(p: Ports) -> str:
    return p.counter.receive_dossier("2.000908", "GIO", applicant()).code


def _called(p: Ports) -> int:
    p.kiosk.issue_ticket("HT")
    return p.counter.call_next(1).id


ERROR_CASES = {  # name: (setup → value, failing call with that value, error)
    "ticket": (None, lambda p, _: p.counter.recall(999, 1), NotFound),
    "dossier": (None, lambda p, _: p.counter.dossier("000.31.20.H56-260302-0099"), NotFound),
    "procedure": (None, lambda p, _: p.kiosk.procedure("9.999999"), NotFound),
    "service": (None, lambda p, _: p.kiosk.issue_ticket("XX"), NotFound),
    "priority": (None, lambda p, _: p.kiosk.issue_ticket("HT", "vip"), InvalidInput),
    "code": (None, lambda p, _: p.kiosk.kiosk_lookup("not-a-code", "123456"), InvalidInput),
    "secret": (_received, lambda p, code: p.kiosk.kiosk_lookup(code, "12ab"), InvalidInput),
    "wrong secret": (_received, lambda p, code: p.kiosk.kiosk_lookup(code, "000000"), NotFound),
    "reason": (_called, lambda p, tid: p.counter.cancel_ticket(tid, "  "), InvalidInput),
    "level": (None, lambda p, _: p.kiosk.rate("ticket", "A001", "ABCDEFGH", 9), InvalidInput),
    "rating token": (lambda p: p.kiosk.issue_ticket("HT").ticket.number,
                     lambda p, number: p.kiosk.rate("ticket", number, "ABCDEFGH", 3), NotFound),
    "rating secret": (_received, lambda p, code: p.kiosk.rate("dossier", code, "000000", 3), NotFound),
    "bare return": (_received, lambda p, code: p.counter.change_status(code, S.RETURNED, "Trả"), IllegalTransition),
    "calendar by clerk": (None, lambda p, _: p.counter.set_calendar_day(date(2026, 12, 31), "day_off", "QĐ"),
                          Forbidden),
    "transition": (_received, lambda p, code: p.counter.change_status(code, S.DONE, "x"),
                   IllegalTransition),
    "paused": (lambda p: p.counter.pause_counter(1, "Họp"), lambda p, _: p.counter.call_next(1),
               Conflict),
    "no show": (_called, lambda p, tid: p.counter.mark_no_show(tid, 1), Conflict),
    "called twice": (_called, lambda p, _: p.counter.call_next(1), Conflict),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_errors_are_the_same_domain_errors(ports: Ports, case):
    setup, call, error = ERROR_CASES[case]
    value = setup(ports) if setup else None
    store = ports.office.svc.store
    before = (store.last_event_seq(), store.counts())
    with pytest.raises(error) as raised:
        call(ports, value)
    assert type(raised.value) is error and raised.value.message
    assert (store.last_event_seq(), store.counts()) == before  # the failed call wrote nothing


def test_outside_hours(ports: Ports, clock):
    clock.set(datetime(2026, 3, 2, 12, 0))
    with pytest.raises(OutsideHours, match="Ngoài giờ cấp số"):
        ports.kiosk.issue_ticket("HT")


def test_sequence_exhausted(make_hub, mode):
    p = ports_for(make_hub(start=mode == "http", sequence_last=1), mode)
    p.counter.receive_dossier("2.000908", "GIO", applicant())
    with pytest.raises(SequenceExhausted):
        p.counter.receive_dossier("2.000908", "GIO", applicant())
    assert p.office.svc.store.counts()["dossiers"] == 1


def test_idempotency_keys(ports: Ports):
    first = ports.kiosk.issue_ticket("HT", idempotency_key="kiosk-1:req-1")
    again = ports.kiosk.issue_ticket("HT", idempotency_key="kiosk-1:req-1")
    assert again.ticket == first.ticket
    d1 = ports.counter.receive_dossier("2.000908", "GIO", applicant(), idempotency_key="r-1")
    d2 = ports.counter.receive_dossier("2.000908", "GIO", applicant(), idempotency_key="r-1")
    assert d1 == d2
    counts = ports.office.svc.store.counts()
    assert (counts["tickets"], counts["dossiers"]) == (1, 1)


def _without_secrets(values: list) -> list:
    return [replace(v, secret="") if hasattr(v, "secret") else replace(v, rating_token="")
            if hasattr(v, "rating_token") else v for v in values]


def test_embedded_and_http_give_identical_results(tmp_path, clock, make_hub):
    transcripts = []
    for mode in ("embedded", "http"):
        clock.set(MONDAY)
        p = ports_for(make_hub(f"{mode}.db", start=mode == "http"), mode)
        transcripts.append(_without_secrets(queue_day(p, clock) + dossier_life(p, clock)))
    embedded, http = transcripts
    assert len(embedded) == len(http) == 32
    for a, b in zip(embedded, http):
        assert a == b


def test_reports_validate_their_range(ports: Ports):
    with pytest.raises(InvalidInput):
        ports.counter.reports(date(2026, 3, 5), date(2026, 3, 1))
    with pytest.raises(InvalidInput):
        ports.counter.reports(date(2025, 1, 1), date(2026, 3, 1))


# ---- the rules of who calls, the same embedded and over HTTP ------------------------------------

def test_every_view_of_personal_data_is_audited(ports: Ports):
    d = ports.counter.receive_dossier("2.000908", "GIO", applicant())
    store = ports.office.svc.store
    ports.counter.dossier(d.code)
    ports.backoffice.reveal_applicant(d.code, "Đối chiếu giấy tờ")
    rows = store.audit_log(d.code)
    quay1 = Credentials(store).device(ports.office.tokens["quay-1"])
    assert [(r["username"], r["device_id"], r["action"]) for r in reversed(rows)] == [
        ("bich.tt", quay1.id, "dossier.view"), (BACK_OFFICE.name, None, "applicant.reveal:Đối chiếu giấy tờ")]


def test_steps_and_calls_are_recorded_under_the_logged_in_staff_member(ports: Ports):
    d = ports.counter.receive_dossier("2.000908", "GIO", applicant())
    ports.backoffice.change_status(d.code, S.PROCESSING, "Thụ lý")
    ports.kiosk.issue_ticket("HT")
    called = ports.counter.call_next(1)
    steps = ports.office.svc.dossier(d.code).steps
    assert [(s.actor, s.role) for s in steps] == [(OFFICER.name, OFFICER.role), (BACK_OFFICE.name, BACK_OFFICE.role)]
    assert called.staff == "bich.tt"
    with pytest.raises(TypeError):  # there is no way to name another actor
        ports.counter.change_status(d.code, S.DONE, BACK_OFFICE, "Xong")


def test_roles_and_staff_login_are_checked(ports: Ports, mode):
    with pytest.raises(Forbidden):
        ports.kiosk.search_dossiers("Nguyễn")
    logged_out = ports.office.port(mode, "quay-2")
    with pytest.raises(StaffLoginRequired):
        logged_out.call_next(2)
    with pytest.raises(Unauthorized):
        logged_out.login("bich.tt", "000001", 2)


def test_lookup_guesses_are_limited(make_hub, mode):
    office = make_hub(start=mode == "http", guards=Guards(typed_lookups=replace(
        TYPED_LOOKUPS, limits={"device": (Limit(3, 60),)})))
    p = ports_for(office, mode)
    d = p.counter.receive_dossier("2.000908", "GIO", applicant())
    wrong = "000000" if d.secret != "000000" else "111111"
    for _ in range(2):
        with pytest.raises(NotFound):
            p.kiosk.kiosk_lookup(d.code, wrong)
    with pytest.raises(RateLimited):  # the guess that starts the lock says so
        p.kiosk.kiosk_lookup(d.code, wrong)
    with pytest.raises(RateLimited) as locked:
        p.kiosk.kiosk_lookup(d.code, d.secret)  # even the right secret, typed, waits out the lock
    assert 0 < locked.value.retry_after <= 60
    assert p.kiosk.kiosk_lookup(d.code, d.secret, scanned=True).code == d.code  # a receipt scan does not
    assert office.port(mode, "kiosk-2").kiosk_lookup(d.code, d.secret).code == d.code  # another kiosk is free


def test_rating_proofs_are_guessed_like_lookups_and_locked_out(make_hub, mode):
    office = make_hub(start=mode == "http", guards=Guards(typed_lookups=replace(
        TYPED_LOOKUPS, limits={"device": (Limit(3, 60),)})))
    p = ports_for(office, mode)
    d = p.counter.receive_dossier("2.000908", "GIO", applicant())
    wrong = "000000" if d.secret != "000000" else "111111"
    for _ in range(2):
        with pytest.raises(NotFound):
            p.kiosk.rate("dossier", d.code, wrong, 3)
    with pytest.raises(RateLimited):
        p.kiosk.rate("dossier", d.code, wrong, 3)
    with pytest.raises(RateLimited):  # the lock holds for lookups too
        p.kiosk.kiosk_lookup(d.code, d.secret)
    assert office.svc.store.counts()["ratings"] == 0
    assert office.port(mode, "kiosk-2").rate("dossier", d.code, d.secret, 3).level == 3


def test_an_idempotency_key_acts_once_and_only_for_one_request(ports: Ports):
    t = ports.kiosk.issue_ticket("HT")
    called = ports.counter.call_next(1, idempotency_key="call-1")
    assert ports.counter.call_next(1, idempotency_key="call-1") == called  # the retry's answer
    assert called.id == t.ticket.id
    with pytest.raises(Conflict, match="Khóa chống trùng"):
        ports.counter.pause_counter(1, "Họp", idempotency_key="call-1")  # same key, another request
    with pytest.raises(Conflict, match="Khóa chống trùng"):
        ports.counter.finish_ticket(called.id, 1, "khác", idempotency_key="call-1")
    assert ports.office.svc.store.ticket(t.ticket.id).state == T.CALLED


def test_a_request_that_changed_nothing_is_not_remembered(ports: Ports):
    """A call with nobody waiting writes nothing, not even its idempotency record: its retry runs
    again (and may then find someone)."""
    store = ports.office.svc.store
    remembered = lambda: store._one("SELECT COUNT(*) AS n FROM idempotency")["n"]  # noqa: E731
    kept = (store.counts(), remembered())
    assert ports.counter.call_next(1, idempotency_key="call-empty") is None
    assert (store.counts(), remembered()) == kept
    t = ports.kiosk.issue_ticket("HT")
    assert ports.counter.call_next(1, idempotency_key="call-empty").id == t.ticket.id
    assert ports.counter.call_next(1, idempotency_key="call-empty").id == t.ticket.id  # now remembered
