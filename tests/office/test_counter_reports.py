"""The counter's office report and register (Mẫu 07) on a small office whose two days are written
out below, every expected figure computed by hand in the comments (not by re-running the code
under test); and the invariants of a report on a seeded demo office."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from office_support import BACK_OFFICE, OFFICER, applicant

from demo.seed import seed_demo
from office.config import OfficeConfig
from office.errors import InvalidInput
from office.model import DossierStatus
from office.service import OfficeService

S = DossierStatus
MON, TUE = date(2026, 3, 2), date(2026, 3, 3)
BICH, HA, QUAN = OFFICER.name, "Phạm Thu Hà", "Đỗ Minh Quân"  # staff at counters 1, 2 and 3


def at(clock, hh_mm: str, day: date = MON) -> None:
    clock.set(datetime.combine(day, datetime.strptime(hh_mm, "%H:%M").time()))


@pytest.fixture
def office(make_svc, clock):
    """Monday 2 and Tuesday 3 March 2026 at a small office (catalogue of `office_support`:
    service HT "A" at counters 1 and 2, service DD "B" at counters 2 and 3; a no-show after one
    call). Returns the service and the codes of the dossiers D1–D4.

    Tickets (Monday), as rows of the tickets table:
        r1 A001 HT  counter 1  issued 08:00  called 08:10  served 08:10–08:18  done
        r2 A002 HT  counter 2  issued 08:04  called 08:12  served 08:12–08:20  transferred to DD
        r3 B001 DD  counter 3  issued 08:06  called 08:15  no-show 08:16
        r4 A003 HT  counter 1  issued 08:09  called 08:22  served 08:22–08:30  done
        r5 A002 DD  counter 3  (the transfer: keeps issue time 08:04) called 08:21,
                               served 08:21–08:35  done
    Ratings (3-level scale): A001 → 3 (counter 1, HT, Bích), A002 → 1 (its latest row: counter 3,
    DD, Quân), A003 → 2 (counter 1, HT, Bích) on Monday; dossier D1 → 2 on Tuesday (staff: the
    actor of its last step, Lê Văn Cường).
    Dossiers (1.001193 TH1: one working day, i.e. 480 working minutes of 07:00–11:30, 13:30–17:00):
        D1 received Mon 08:40 → due Tue 08:40 (170 + 210 min on Monday, 100 on Tuesday);
           processing Mon 15:00, done Mon 15:30
        D2 received Mon 08:50 → due Tue 08:50; processing Tue 08:10, done Tue 08:45
        D3 received Mon 09:00 → due Tue 09:00; processing Tue 09:05, done Tue 10:00
        D4 received Tue 08:00 → due Wed 08:00; still received (status 2)
    """
    svc = make_svc(no_show_after_calls=1)
    issue = lambda service: svc.issue_ticket(service).ticket  # noqa: E731
    at(clock, "08:00"); a1 = issue("HT")
    at(clock, "08:04"); a2 = issue("HT")
    at(clock, "08:06"); b1 = issue("DD")
    at(clock, "08:09"); a3 = issue("HT")
    at(clock, "08:10"); assert svc.call_next(1, BICH).id == a1.id; svc.start_serving(a1.id, 1)
    at(clock, "08:12"); assert svc.call_next(2, HA).id == a2.id; svc.start_serving(a2.id, 2)
    at(clock, "08:15"); assert svc.call_next(3, QUAN).id == b1.id
    at(clock, "08:16"); svc.mark_no_show(b1.id, 3)
    at(clock, "08:18"); svc.finish_ticket(a1.id, 1)
    at(clock, "08:20"); moved = svc.transfer_ticket(a2.id, 2, "DD")
    at(clock, "08:21"); assert svc.call_next(3, QUAN).id == moved.id; svc.start_serving(moved.id, 3)
    at(clock, "08:22"); assert svc.call_next(1, BICH).id == a3.id; svc.start_serving(a3.id, 1)
    at(clock, "08:30"); svc.finish_ticket(a3.id, 1)
    at(clock, "08:35"); svc.finish_ticket(moved.id, 3)
    token = lambda number: svc.store.rating_token(MON, number)  # noqa: E731  (printed on the ticket)
    at(clock, "08:36"); svc.rate("ticket", "A001", token("A001"), 3)
    at(clock, "08:37"); svc.rate("ticket", "A002", token("A002"), 1, "Thời gian chờ lâu")
    at(clock, "08:38"); svc.rate("ticket", "A003", token("A003"), 2)

    secrets = {}

    def receive() -> str:
        d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
        secrets[d.code] = d.secret  # as printed on the receipt
        return d.code

    def step(code: str, status: DossierStatus) -> None:
        svc.change_status(code, status, BACK_OFFICE, "Xử lý")

    at(clock, "08:40"); d1 = receive()
    at(clock, "08:50"); d2 = receive()
    at(clock, "09:00"); d3 = receive()
    at(clock, "15:00"); step(d1, S.PROCESSING)
    at(clock, "15:30"); step(d1, S.DONE)
    at(clock, "08:00", TUE); d4 = receive()
    at(clock, "08:05", TUE); svc.rate("dossier", d1, secrets[d1], 2)
    at(clock, "08:10", TUE); step(d2, S.PROCESSING)
    at(clock, "08:45", TUE); step(d2, S.DONE)
    at(clock, "09:05", TUE); step(d3, S.PROCESSING)
    at(clock, "10:00", TUE); step(d3, S.DONE)
    return svc, (d1, d2, d3, d4)


def test_queue_figures(office):
    svc, _ = office
    tickets = svc.reports(MON, TUE)["tickets"]
    # issued: r1–r4 (r5 is the transfer of r2, not a new ticket); rows per state: r1, r4, r5 done
    assert tickets["issued"] == 4
    assert tickets["by_state"] == {"done": 3, "no_show": 1, "transferred": 1}
    assert tickets["by_service"] == {"HT": 3, "DD": 1}
    assert tickets["by_day"] == {"2026-03-02": 4}
    # waits of tickets as issued, issue → call: r1 10, r2 8, r3 9, r4 13 → 40 / 4 = 10.0
    # (the 17 minutes r5 waited after its transfer are not a new wait)
    # service times of tickets done: r1 8, r4 8, r5 14 → 30 / 3 = 10.0
    assert (tickets["mean_wait_minutes"], tickets["mean_service_minutes"]) == (10.0, 10.0)
    # 90th percentile, nearest rank = ceil(0.9 n): n = 3 → 3rd, n = 2 → 2nd, n = 1 → the value
    assert tickets["per_service"] == {
        # DD: r3, r5 — wait 9 (r3 only: r5 is a transfer); service 14 (r5)
        "DD": {"tickets": 2, "issued": 1, "served": 1, "no_shows": 1, "transferred": 0,
               "mean_wait_minutes": 9.0, "p90_wait_minutes": 9.0,
               "mean_service_minutes": 14.0, "p90_service_minutes": 14.0},
        # HT: r1, r2, r4 — waits 10, 8, 13 → 31 / 3 = 10.33 → 10.3, p90 13; services 8, 8
        "HT": {"tickets": 3, "issued": 3, "served": 2, "no_shows": 0, "transferred": 1,
               "mean_wait_minutes": 10.3, "p90_wait_minutes": 13.0,
               "mean_service_minutes": 8.0, "p90_service_minutes": 8.0},
    }
    assert list(tickets["per_service"]) == ["DD", "HT"]
    assert tickets["per_counter"] == {
        # counter 1: r1, r4 — waits 10, 13 → 11.5, p90 13; serves 8, 8
        "1": {"tickets": 2, "issued": 2, "served": 2, "no_shows": 0, "transferred": 0,
              "mean_wait_minutes": 11.5, "p90_wait_minutes": 13.0,
              "mean_service_minutes": 8.0, "p90_service_minutes": 8.0},
        # counter 2: r2 — wait 8; transferred, so no service time
        "2": {"tickets": 1, "issued": 1, "served": 0, "no_shows": 0, "transferred": 1,
              "mean_wait_minutes": 8.0, "p90_wait_minutes": 8.0,
              "mean_service_minutes": None, "p90_service_minutes": None},
        # counter 3: r3, r5 — wait 9 (r3); service 14 (r5)
        "3": {"tickets": 2, "issued": 1, "served": 1, "no_shows": 1, "transferred": 0,
              "mean_wait_minutes": 9.0, "p90_wait_minutes": 9.0,
              "mean_service_minutes": 14.0, "p90_service_minutes": 14.0},
    }


def test_satisfaction_figures(office):
    svc, _ = office
    ratings = svc.reports(MON, TUE)["ratings"]
    # satisfied = the top two levels of the 3-level scale (2 or 3): A001, A003, D1 → 3 of 4
    assert (ratings["count"], ratings["satisfied_percent"]) == (4, 75.0)
    assert ratings["by_level"] == {"3": 1, "2": 2, "1": 1}
    assert ratings["by_day"] == {"2026-03-02": {"count": 3, "satisfied_percent": 66.7},  # 2 / 3
                                 "2026-03-03": {"count": 1, "satisfied_percent": 100.0}}
    # a dossier rating has no counter and no service; it counts for the staff member
    assert ratings["by_counter"] == {"1": {"count": 2, "satisfied_percent": 100.0},
                                     "3": {"count": 1, "satisfied_percent": 0.0}}
    assert ratings["by_service"] == {"DD": {"count": 1, "satisfied_percent": 0.0},
                                     "HT": {"count": 2, "satisfied_percent": 100.0}}
    assert ratings["by_staff"] == {BACK_OFFICE.name: {"count": 1, "satisfied_percent": 100.0},
                                   QUAN: {"count": 1, "satisfied_percent": 0.0},
                                   BICH: {"count": 2, "satisfied_percent": 100.0}}
    # Monday alone: the three ticket ratings
    monday = svc.reports(MON, MON)["ratings"]
    assert (monday["count"], monday["satisfied_percent"], monday["by_level"]) == (3, 66.7, {"3": 1, "1": 1, "2": 1})


def test_dossier_figures(office):
    svc, _ = office
    dossiers = svc.reports(MON, TUE)["dossiers"]
    # D1 done on Monday, a day before its due date: early; D2 done at 08:45, due 08:50: on time;
    # D3 done at 10:00, due 09:00: late. On time = early or on time: 2 of 3 → 66.7 %
    assert dossiers == {"received": 4, "received_by_status": {"2": 1, "9": 3},
                        "finished": 3, "finished_on_time": 2, "on_time_percent": 66.7,
                        "by_timeliness": {"truoc_han": 1, "dung_han": 1, "tre_han": 1}}
    # Monday alone: D1–D3 received (status as of now), only D1 finished
    assert svc.reports(MON, MON)["dossiers"] == {
        "received": 3, "received_by_status": {"9": 3}, "finished": 1, "finished_on_time": 1,
        "on_time_percent": 100.0, "by_timeliness": {"truoc_han": 1, "dung_han": 0, "tre_han": 0}}


def test_an_empty_range_reports_zeros_and_no_percentages(office):
    svc, _ = office
    report = svc.reports(date(2026, 3, 9), date(2026, 3, 13))
    assert report["tickets"] == {"issued": 0, "by_state": {}, "by_service": {}, "by_day": {},
                                 "mean_wait_minutes": None, "mean_service_minutes": None,
                                 "per_service": {}, "per_counter": {}}
    assert (report["ratings"]["count"], report["ratings"]["satisfied_percent"]) == (0, None)
    assert report["dossiers"]["on_time_percent"] is None
    assert (report["day_from"], report["day_to"]) == ("2026-03-09", "2026-03-13")


def test_register(office):
    svc, (d1, d2, d3, d4) = office
    rows = svc.register_rows(MON, TUE)
    assert [(r["stt"], r["code"], r["status"], r["result"], r["department"]) for r in rows] == [
        (1, d1, 9, "Trước hạn", BACK_OFFICE.department),
        (2, d2, 9, "Đúng hạn", BACK_OFFICE.department),
        (3, d3, 9, "Quá hạn", BACK_OFFICE.department),
        (4, d4, 2, "", "")]  # not processed yet: no department, no result
    assert [(r["received_at"], r["due_at"], r["finished_at"]) for r in rows] == [
        ("2026-03-02T08:40:00", "2026-03-03T08:40:00", "2026-03-02T15:30:00"),
        ("2026-03-02T08:50:00", "2026-03-03T08:50:00", "2026-03-03T08:45:00"),
        ("2026-03-02T09:00:00", "2026-03-03T09:00:00", "2026-03-03T10:00:00"),
        ("2026-03-03T08:00:00", "2026-03-04T08:00:00", None)]
    first = rows[0]
    assert (first["procedure_name"], first["applicant_name"], first["status_label"], first["collector"],
            first["delivery"]) == ("Đăng ký khai sinh", "Nguyễn Văn An", "Đã xử lý xong", "",
                                   "Tại Bộ phận Một cửa")
    assert [r["code"] for r in svc.register_rows(TUE, TUE)] == [d4]


@pytest.mark.parametrize("day_from, day_to", [(date(2026, 3, 5), date(2026, 3, 1)),
                                              (date(2025, 2, 28), date(2026, 3, 1))])  # 367 days
def test_a_reversed_or_longer_than_366_days_range_is_refused(office, day_from, day_to):
    svc, _ = office
    with pytest.raises(InvalidInput):
        svc.reports(day_from, day_to)
    with pytest.raises(InvalidInput):
        svc.register_rows(day_from, day_to)


def test_a_seeded_office_report_adds_up(tmp_path):
    """On a seeded demo office: the parts of the report agree with its totals."""
    now = datetime(2026, 11, 20, 15, 0)
    svc = OfficeService.open(tmp_path / "demo.sqlite", OfficeConfig(), clock=lambda: now)
    seed_demo(svc, dossiers=300, tickets=300, days=15, now=now)
    report = svc.reports(date(2026, 10, 26), date(2026, 11, 20))
    tickets, ratings, dossiers = report["tickets"], report["ratings"], report["dossiers"]
    per_service, per_counter = tickets["per_service"].values(), tickets["per_counter"].values()
    assert tickets["issued"] == sum(s["issued"] for s in per_service) == sum(tickets["by_day"].values()) > 200
    assert sum(tickets["by_state"].values()) == sum(s["tickets"] for s in per_service)
    assert sum(s["no_shows"] for s in per_service) == tickets["by_state"]["no_show"] > 0
    assert sum(s["served"] for s in per_counter) == tickets["by_state"]["done"]
    assert list(tickets["per_counter"]) == sorted(tickets["per_counter"], key=int)
    assert ratings["count"] == sum(ratings["by_level"].values()) == sum(
        v["count"] for v in ratings["by_day"].values()) > 50
    assert sum(dossiers["by_timeliness"].values()) == dossiers["finished"] > 50
    assert dossiers["by_timeliness"]["truoc_han"] + dossiers["by_timeliness"]["dung_han"] == \
        dossiers["finished_on_time"]
    assert all(v > 0 for v in dossiers["by_timeliness"].values())
    svc.store.close()
