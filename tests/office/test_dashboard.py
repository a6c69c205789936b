"""The office dashboard's figures (one read for the web page) and who may read them from a browser."""
import pytest
from office_support import BACK_OFFICE, LEADER, OFFICER, applicant

from office.auth import Credentials, Device
from office.errors import Forbidden, InvalidInput, StaffLoginRequired
from office.gateway import OfficeGateway
from office.model import DossierStatus as S
from office.rules.dashboard import live_counters, live_services
from office.rules.reports import queue_stats


def test_a_new_day_starts_an_empty_queue_and_keeps_late_dossiers(svc, clock):
    svc.issue_ticket("HT")
    svc.report_device_problem("kiosk-1", "Hết giấy in", "Máy in kiosk sảnh hết giấy")
    late = svc.receive_dossier("1.001193", "TH1", applicant("Nguyễn Văn Bảo"), OFFICER).code
    clock.advance(days=3)
    svc.issue_ticket("HT")
    board = svc.dashboard()
    assert {s["code"]: s["waiting"] for s in board["services"]} == {"HT": 1, "DD": 0}
    assert board["alerts"] == [] and board["waits"]["issued"] == 1  # today's only
    assert board["late"]["overdue"] == 1 and board["late"]["due_soon"] == 0
    row = board["late"]["rows"][0]
    assert row["code"] == late and row["applicant"] == "Nguyễn V*** B*" and row["timeliness"] == "qua_han"
    assert "Bảo" not in str(board)  # no full name anywhere


def test_today_at_the_counters(svc, clock):
    first = svc.issue_ticket("HT")
    svc.issue_ticket("HT")
    svc.issue_ticket("DD")
    clock.advance(minutes=12)
    called = svc.call_next(1, staff="bich.tt")
    clock.advance(minutes=3)
    svc.start_serving(called.id, 1)
    gone = svc.call_next(3)
    svc.recall(gone.id, 3)
    svc.recall(gone.id, 3)
    svc.mark_no_show(gone.id, 3)
    svc.pause_counter(2, "Nghỉ giữa giờ")
    svc.report_device_problem("kiosk-1", "Hết giấy in", "Máy in kiosk sảnh hết giấy")
    board = svc.dashboard()

    services = {s["code"]: s for s in board["services"]}
    assert services["HT"] == {"code": "HT", "name": "Hộ tịch – Chứng thực", "prefix": "A", "waiting": 1,
                              "called": 0, "serving": 1, "at_counters": [first.ticket.number],
                              "longest_wait_minutes": 15}
    assert services["DD"]["waiting"] == 0 and services["DD"]["longest_wait_minutes"] is None
    counters = {c["id"]: c for c in board["counters"]}
    assert counters[1] | {"services": None} == {
        "id": 1, "name": "Quầy 1", "services": None, "state": "serving", "paused_reason": None,
        "number": first.ticket.number, "minutes": 0, "staff": "bich.tt", "served": 0, "no_shows": 0}
    assert counters[2]["state"] == "paused" and counters[2]["paused_reason"] == "Nghỉ giữa giờ"
    assert counters[3]["state"] == "free" and counters[3]["no_shows"] == 1
    expected = queue_stats(svc.store.ticket_times(clock().date(), clock().date()))
    assert board["waits"]["mean_wait_minutes"] == expected["mean_wait_minutes"] == 13.5
    assert board["waits"]["no_shows"] == 1 and board["waits"]["per_service"]["HT"]["p90_wait_minutes"] == 12.0
    assert board["alerts"] == [{"at": clock().isoformat(), "device": "kiosk-1", "problem": "Hết giấy in",
                                "message": "Máy in kiosk sảnh hết giấy"}]


def test_quality_figures_are_the_reports_own(svc, clock):
    on_time = svc.receive_dossier("1.001193", "TH5", applicant(), OFFICER).code
    svc.change_status(on_time, S.PROCESSING, BACK_OFFICE, "Thẩm định")
    svc.change_status(on_time, S.DONE, BACK_OFFICE, "Xong")
    svc.receive_dossier("1.001193", "TH1", applicant("Lê Thị Hồng"), OFFICER)  # due tomorrow
    clock.advance(days=2)  # Wednesday: the second one is overdue
    board = svc.dashboard()
    today, first = clock().date(), clock().date().replace(day=1)
    month = svc.reports(first, today)["qd766"]
    assert board["qd766"] == month
    assert board["month"]["on_time"] == next(i for i in month if i["code"] == "2.1")
    assert board["month"]["on_time"]["value"] == 50.0
    assert board["today"]["on_time"] == next(i for i in svc.reports(today, today)["qd766"] if i["code"] == "2.1")
    assert board["month"]["ratings"] == {"count": 0, "satisfied_percent": None, "by_level": {}}
    assert [r["applicant"] for r in board["late"]["rows"]] == ["Lê T*** H*"]
    svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)  # due tomorrow: due soon
    board, late = svc.dashboard()["late"], svc.late_dossiers(1)
    assert (board["overdue"], board["due_soon"]) == (1, 1)
    assert [r["code"] for r in board["rows"]] == [r.code for r in late]


def test_live_rules_on_plain_rows(svc, clock):
    t = svc.issue_ticket("DD").ticket
    clock.advance(minutes=7, seconds=59)
    assert live_services([t], svc.store.services(), clock())[1]["longest_wait_minutes"] == 7
    assert live_counters([], svc.store.counters(), {}, clock())[0]["state"] == "free"


@pytest.fixture
def staffed(svc, clock):
    credentials = Credentials(svc.store, clock)
    with svc.store.write():
        svc.store.save_staff("son.hv", LEADER.name, LEADER.role, LEADER.department, leader=True)
        svc.store.save_staff("bich.tt", OFFICER.name, OFFICER.role, OFFICER.department)
    credentials.set_pin("son.hv", "246810")
    credentials.set_pin("bich.tt", "246813")
    return credentials


def web(svc, ip="192.168.1.20"):
    return OfficeGateway(svc, Device(None, f"web:{ip}", "web"))


def test_only_leaders_and_admins_use_the_dashboard_in_a_browser(svc, clock, staffed):
    with pytest.raises(InvalidInput):  # a browser is no device: nobody enrols one
        staffed.enroll("web", "trinh-duyet-1")
    with pytest.raises(Forbidden, match="lãnh đạo"):
        web(svc).open_session("bich.tt", "246813")
    token, session = web(svc).open_session("son.hv", "246810")
    browser = web(svc, "192.168.1.21")  # the same browser after a DHCP renewal
    found = staffed.session(browser.device, token)
    assert found.username == "son.hv"
    browser.session = found
    assert browser.dashboard()["counters"]
    with pytest.raises(Forbidden):  # a browser reads the dashboard and nothing else
        browser.search_dossiers("Nguyễn")
    with pytest.raises(StaffLoginRequired):
        web(svc).dashboard()
    # the session of a browser is no device's, and a device's is no browser's
    counter = Device(staffed.store.add_device("quay-1", "counter", "x" * 64, clock()), "quay-1", "counter")
    assert staffed.session(counter, token) is None
    with svc.store.write():  # no longer a leader: the open session stops at once
        svc.store.save_staff("son.hv", LEADER.name, LEADER.role, LEADER.department, leader=False)
    with pytest.raises(Forbidden):
        browser.dashboard()
    staffed.logout(browser.device, token)
    assert staffed.session(browser.device, token) is None


def test_web_pin_guesses_are_limited_per_browser(svc, clock, staffed):
    from office.errors import RateLimited, Unauthorized
    for _ in range(4):
        with pytest.raises(Unauthorized):
            web(svc).open_session("son.hv", "000001")
    with pytest.raises(RateLimited):  # the fifth wrong PIN from one browser locks it
        web(svc).open_session("son.hv", "000001")
    with pytest.raises(RateLimited):
        web(svc).open_session("son.hv", "246810")
    assert web(svc, "192.168.1.99").open_session("son.hv", "246810")[1].username == "son.hv"
