"""Counter reports on a seeded demo office, every figure recomputed from the raw rows with plain
sqlite3: on-time statistics, queue statistics per service and counter, the register (Mẫu 07)."""
from __future__ import annotations

import math
import sqlite3
from datetime import date, datetime

import pytest

from office.config import OfficeConfig
from demo.seed import seed_demo
from office.errors import InvalidInput
from office.service import OfficeService

NOW = datetime(2026, 11, 20, 15, 0)
FROM, TO = date(2026, 10, 26), date(2026, 11, 20)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("reports") / "demo.sqlite"
    svc = OfficeService.open(path, OfficeConfig(), clock=lambda: NOW)
    seed_demo(svc, dossiers=400, tickets=400, days=20, now=NOW)
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    yield svc, con
    con.close()
    svc.store.close()


def test_on_time_statistics_match_the_raw_rows(seeded):
    svc, con = seeded
    report = svc.reports(FROM, TO)["dossiers"]
    expected = {"truoc_han": 0, "dung_han": 0, "tre_han": 0}
    for r in con.execute("SELECT due_at, finished_at FROM dossiers WHERE finished_at >= ? AND finished_at < ?",
                         ("2026-10-26", "2026-11-21")):
        due, end = datetime.fromisoformat(r["due_at"]), datetime.fromisoformat(r["finished_at"])
        expected["truoc_han" if end.date() < due.date() else "dung_han" if end <= due else "tre_han"] += 1
    assert report["by_timeliness"] == expected
    assert sum(expected.values()) == report["finished"] > 50
    assert expected["truoc_han"] + expected["dung_han"] == report["finished_on_time"]
    assert expected["tre_han"] > 0 and expected["truoc_han"] > 0


def stats(rows):
    def minutes(a, b):
        return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 60

    def p90(values):
        return round(sorted(values)[math.ceil(len(values) * 0.9) - 1], 1) if values else None

    waits = [minutes(r["issued_at"], r["called_at"]) for r in rows
             if r["transferred_from"] is None and r["called_at"]]
    serves = [minutes(r["served_at"], r["finished_at"]) for r in rows if r["state"] == "done" and r["served_at"]]
    return {"tickets": len(rows), "issued": sum(r["transferred_from"] is None for r in rows),
            "served": sum(r["state"] == "done" for r in rows),
            "no_shows": sum(r["state"] == "no_show" for r in rows),
            "transferred": sum(r["state"] == "transferred" for r in rows),
            "mean_wait_minutes": round(sum(waits) / len(waits), 1) if waits else None,
            "p90_wait_minutes": p90(waits),
            "mean_service_minutes": round(sum(serves) / len(serves), 1) if serves else None,
            "p90_service_minutes": p90(serves)}


def test_queue_statistics_per_service_and_counter_match_the_raw_rows(seeded):
    svc, con = seeded
    tickets = svc.reports(FROM, TO)["tickets"]
    raw = con.execute("SELECT * FROM tickets WHERE day BETWEEN ? AND ?", (FROM.isoformat(), TO.isoformat())).fetchall()
    assert len(raw) > 300
    services = sorted({r["service_code"] for r in raw})
    assert list(tickets["per_service"]) == services
    for code in services:
        assert tickets["per_service"][code] == stats([r for r in raw if r["service_code"] == code]), code
    counters = sorted({r["counter_id"] for r in raw if r["counter_id"] is not None})
    assert list(tickets["per_counter"]) == [str(c) for c in counters]
    for c in counters:
        assert tickets["per_counter"][str(c)] == stats([r for r in raw if r["counter_id"] == c]), c
    assert sum(s["issued"] for s in tickets["per_service"].values()) == tickets["issued"]
    assert sum(s["no_shows"] for s in tickets["per_service"].values()) == tickets["by_state"].get("no_show", 0) > 0


def test_register_rows_match_the_raw_rows(seeded):
    svc, con = seeded
    day = date(2026, 11, 16)
    register = svc.register_rows(day, day)
    raw = con.execute("SELECT d.*, p.name FROM dossiers d JOIN procedures p ON p.code = d.procedure_code"
                      " AND p.version = d.procedure_version WHERE substr(received_at, 1, 10) = ?"
                      " ORDER BY received_at, code", (day.isoformat(),)).fetchall()
    assert len(register) == len(raw) > 5
    for n, (row, r) in enumerate(zip(register, raw), 1):
        assert (row["stt"], row["code"], row["applicant_name"], row["procedure_name"], row["received_at"],
                row["due_at"], row["finished_at"], row["status"]) == \
            (n, r["code"], r["applicant_name"], r["name"], r["received_at"], r["due_at"], r["finished_at"],
             r["status"])
        assert bool(row["result"]) == bool(r["finished_at"])
    assert {row["result"] for row in register} <= {"", "Trước hạn", "Đúng hạn", "Quá hạn"}
    processed = [row for row in register if row["department"]]
    assert processed and all(row["department"] != "Bộ phận Một cửa" for row in processed)
    with pytest.raises(InvalidInput):
        svc.register_rows(day, date(2026, 11, 1))


def test_demo_dossiers_received_at_the_counter_have_their_checklist(seeded):
    svc, con = seeded
    codes = [r["code"] for r in con.execute("SELECT code FROM dossiers WHERE channel = 1 AND status != 1"
                                            " ORDER BY code LIMIT 60")]
    assert len(codes) == 60
    for code in codes:
        d = svc.dossier(code)
        assert d.components and svc.store.procedure(d.procedure_code, d.procedure_version).components
        required = [c.name for c in svc.store.procedure(d.procedure_code, d.procedure_version).components
                    if c.required]
        assert [c.name for c in d.components] == required, code
