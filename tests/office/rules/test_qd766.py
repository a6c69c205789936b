"""QĐ 766 indices on rows written out below, every figure computed by hand in the comments."""
from __future__ import annotations

from datetime import datetime

from office.rules.qd766 import indices, unsatisfied

START, END = datetime(2026, 3, 1), datetime(2026, 4, 1)  # March 2026


def row(code, status, received, due, finished=None, **kw):
    """A dossier row as the store gives it (ISO text), with quiet defaults."""
    base = {"code": code, "procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh", "status": status,
            "channel": 1, "fee": 0, "received_at": received, "due_at": due, "paused_at": None,
            "finished_at": finished, "supplement_count": 0, "e_result": 0, "digitized": 0, "reused": 0,
            "paid_online": 0, "synced": 0, "rating_level": None, "rating_scale": None}
    return {**base, **kw}


def by_code(rows, end=END):
    return {i["code"]: i for i in indices(rows, START, end, working_days)}


def working_days(a, b):  # the test's own calendar: 1 day = 24 h, enough for the arithmetic below
    return (b - a).total_seconds() / 86400


def test_one_on_time_and_one_open_overdue_is_50_percent():
    rows = [row("A", 10, "2026-03-02T08:00:00", "2026-03-05T17:00:00", "2026-03-04T10:00:00"),
            row("B", 4, "2026-03-02T08:00:00", "2026-03-10T17:00:00")]  # still open on 31/3, past due
    i = by_code(rows)["2.1"]
    assert i["value"] == 50.0
    assert i["inputs"] == {"Kết thúc đúng hoặc trước hạn": 1, "Kết thúc quá hạn": 0,
                           "— trong đó bổ sung quá 1 lần": 0, "Chưa kết thúc, đã quá hạn tại cuối kỳ": 1}
    assert "quá hạn tại cuối kỳ" in i["formula"] and i["unit"] == "%"


def test_more_than_one_supplement_counts_late_and_open_dossiers_not_yet_due_do_not_count():
    rows = [row("A", 9, "2026-03-02T08:00:00", "2026-03-20T17:00:00", "2026-03-10T10:00:00", supplement_count=2),
            row("B", 9, "2026-03-02T08:00:00", "2026-03-20T17:00:00", "2026-03-10T10:00:00", supplement_count=1),
            row("C", 3, "2026-03-02T08:00:00", "2026-03-03T17:00:00", "2026-03-04T08:00:00"),  # refused late
            row("D", 4, "2026-03-30T08:00:00", "2026-04-03T17:00:00"),   # open, due after the period: not judged
            row("E", 5, "2026-03-02T08:00:00", "2026-03-20T17:00:00", paused_at="2026-03-10T08:00:00"),
            #   paused before its due date: the clock stands still, not overdue
            row("F", 6, "2026-03-02T08:00:00", "2026-03-05T17:00:00", paused_at="2026-03-09T08:00:00"),
            #   paused after its due date: overdue
            row("G", 1, "2026-03-02T08:00:00", "2026-03-03T17:00:00")]    # online, not accepted: not judged
    i = by_code(rows)["2.1"]
    # on time: B; late: A (2 supplements), C (finished after due); open overdue: F → 1 / 4 = 25 %
    assert i["inputs"] == {"Kết thúc đúng hoặc trước hạn": 1, "Kết thúc quá hạn": 2,
                           "— trong đó bổ sung quá 1 lần": 1, "Chưa kết thúc, đã quá hạn tại cuối kỳ": 1}
    assert i["value"] == 25.0


def test_a_dossier_finished_after_the_period_but_overdue_at_its_end_counts_as_open_overdue():
    rows = [row("A", 10, "2026-03-02T08:00:00", "2026-03-20T17:00:00", "2026-04-02T10:00:00")]
    assert by_code(rows)["2.1"]["inputs"]["Chưa kết thúc, đã quá hạn tại cuối kỳ"] == 1
    assert by_code(rows)["2.1"]["value"] == 0.0


def test_resolution_time_channels_payments_digitisation_sync_and_satisfaction():
    rows = [
        # received 2/3 08:00, result 4/3 08:00: 2 days; online, fee paid online, e-result, digitised, synced
        row("A", 10, "2026-03-02T08:00:00", "2026-03-05T17:00:00", "2026-03-04T08:00:00", channel=2, fee=8000,
            paid_online=1, e_result=1, digitized=1, synced=1, rating_level=3, rating_scale=3),
        # result after 3 days; fee paid in cash; reused data; "Không hài lòng"
        row("B", 9, "2026-03-02T08:00:00", "2026-03-10T17:00:00", "2026-03-05T08:00:00", fee=8000, reused=1,
            synced=1, rating_level=1, rating_scale=3),
        # another procedure: result after 1 day, by post, fee 30.000 not online; digitised and reused
        row("C", 9, "2026-03-03T08:00:00", "2026-03-10T17:00:00", "2026-03-04T08:00:00", channel=3,
            procedure_code="1.004203", procedure_name="Đăng ký biến động", fee=30000, digitized=1, reused=1),
        # withdrawn: ended on time, no result
        row("D", 7, "2026-03-03T08:00:00", "2026-03-10T17:00:00", "2026-03-04T08:00:00"),
    ]
    got = by_code(rows)
    assert got["1.4"]["value"] == 50.0 and got["1.4"]["inputs"] == {"Hồ sơ tiếp nhận trong kỳ": 4, "Đã đồng bộ": 2}
    # 2.2: results A (2 d), B (3 d), C (1 d) → 6 / 3 = 2.0 days; per procedure 1.001193: 2.5, 1.004203: 1.0
    assert got["2.2"]["value"] == 2.0 and got["2.2"]["unit"] == "ngày làm việc"
    assert got["2.2"]["by_procedure"] == [["1.001193", "Đăng ký khai sinh", 2, 2.5],
                                         ["1.004203", "Đăng ký biến động", 1, 1.0]]
    # 3.3: 1 online of 4 → 25 %
    assert got["3.3"]["value"] == 25.0
    assert got["3.3"]["inputs"] == {"Hồ sơ tiếp nhận trong kỳ": 4, "Trực tiếp": 2, "Trực tuyến": 1,
                                    "Bưu chính công ích": 1}
    # 3.5: procedures with fees: 1.001193 (paid online by A), 1.004203 (not) → 50 %
    # 3.6: dossiers with fees A, B, C; online: A → 33.3 %
    assert (got["3.5"]["value"], got["3.6"]["value"]) == (50.0, 33.3)
    # 4.1: e-results 1 of 3 results; 4.2: digitised A, C of 4; 4.3: reused B, C of 4
    assert (got["4.1"]["value"], got["4.2"]["value"], got["4.3"]["value"]) == (33.3, 50.0, 50.0)
    # 5.4: all four ended on time (0 % overdue); B rated "Không hài lòng": 1 / 4 = 25 % → 100 − 25 = 75 %
    assert got["5.4"]["value"] == 75.0
    assert got["5.4"]["inputs"]["Tỷ lệ không hài lòng (%)"] == 25.0


def test_an_empty_period_gives_no_figures():
    got = by_code([])
    assert all(i["value"] is None for i in got.values())
    assert list(got) == ["1.4", "2.1", "2.2", "3.3", "3.5", "3.6", "4.1", "4.2", "4.3", "5.4"]
    assert all(i["formula"] and i["name"] and i["group"] for i in got.values())


def test_unsatisfied_levels():
    assert [lv for lv in (1, 2, 3) if unsatisfied(lv, 3)] == [1]
    assert [lv for lv in (1, 2, 3, 4, 5) if unsatisfied(lv, 5)] == [1, 2]
    assert not unsatisfied(None, None)
