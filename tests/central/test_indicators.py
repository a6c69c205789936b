"""The province's QĐ 766 counts (central.indicators, in SQL over the dossier facts) agree with the
office's own counting (office.rules.qd766.tally) on the same dossiers, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from central.indicators import ALL, month_bounds
from central.projection import FACT_COLUMNS
from office.rules import qd766

NOW = datetime(2026, 11, 20, 10, 0)
OFFICES = ("xa-tan-phu", "phuong-an-binh")
FIELDS = ("TP", "DD")


def random_facts(n: int, seed: int = 3) -> list[dict]:
    """Dossiers of two offices and two fields over three months, in every status, some paused,
    some with more than one supplement request, charged or not, paid online or not."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        received = datetime(2026, 9, 1, 8) + timedelta(hours=rng.randrange(0, 80 * 24))
        due = received + timedelta(days=rng.choice((1, 3, 7, 15)))
        status = rng.choice((2, 3, 4, 5, 6, 7, 8, 9, 10, 4, 9, 10))
        finished = (received + timedelta(hours=rng.randrange(2, 30 * 24))) if status in qd766.ENDED else None
        if finished and finished > NOW:
            finished = NOW - timedelta(hours=1)
        paused = received + timedelta(days=1) if status == 5 else None
        rows.append({"code": f"000.31.20.H56-{received:%y%m%d}-{i:04d}", "office_id": OFFICES[i % 2],
                     "field_code": FIELDS[(i // 2) % 2], "procedure_code": f"1.00{i % 3}", "status": status,
                     "channel": rng.choice((1, 1, 2, 3)), "received_at": received.isoformat(),
                     "due_at": due.isoformat(), "finished_at": finished.isoformat() if finished else None,
                     "paused_at": paused.isoformat() if paused else None, "supplements": rng.choice((0, 0, 1, 2)),
                     "charged": rng.choice((0, 1)), "paid_online": rng.choice((0, 1)),
                     "e_result": rng.choice((0, 1)), "digitized": rng.choice((0, 1)), "reused": rng.choice((0, 1)),
                     "portal_sent": rng.choice((0, 1))})
    return rows


def as_office_row(f: dict, unhappy: set[str]) -> dict:
    """The same dossier as office.rules.qd766 reads it from an office store."""
    return {**f, "procedure_name": f["procedure_code"], "fee": 10_000 * f["charged"],
            "paid_online": f["charged"] and f["paid_online"], "supplement_count": f["supplements"],
            "synced": f["portal_sent"], "rating_level": 1 if f["code"] in unhappy else None, "rating_scale": 3}


def test_sql_counts_equal_the_office_rules(central):
    facts = random_facts(600)
    unhappy = {f["code"] for f in facts[::9]}
    columns = (*FACT_COLUMNS, "portal_sent")
    with central.tx() as x:
        x.many(f"INSERT INTO dossier_facts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
               [[f[c] for c in columns] for f in facts])
        for i, code in enumerate(sorted(unhappy) + ["000.31.20.H56-261101-9999"]):
            x.run("INSERT INTO events (id, office_id, seq, entity, entity_id, kind, payload, at, schema)"
                  " VALUES (?, ?, ?, 'rating', ?, 'rated', ?, ?, 1)",
                  [f"r{i}", OFFICES[0], i + 1, str(i), json.dumps({"target_kind": "dossier", "target": code,
                                                                    "level": 1, "scale": 3}),
                   "2026-11-02T09:00:00"])
        x.run("INSERT INTO events (id, office_id, seq, entity, entity_id, kind, payload, at, schema)"
              " VALUES ('r-happy', ?, 999, 'rating', 'h', 'rated', ?, '2026-11-03T09:00:00', 1)",
              [OFFICES[0], json.dumps({"target_kind": "ticket", "target": "A001@2026-11-03", "level": 3,
                                       "scale": 3})])
    central.refresh_indicators(NOW)
    rows = [as_office_row(f, unhappy) for f in facts]
    for month in ("2026-09", "2026-10", "2026-11"):
        start, end = month_bounds(month)
        end = min(end, NOW)
        stored = central.month_tallies(month)
        for office in OFFICES:
            for field in FIELDS:
                mine = [r for r in rows if r["office_id"] == office and r["field_code"] == field]
                expected = qd766.tally(mine, start, end, lambda a, b: 1.0)
                got = stored.get((office, field), {})
                for key, value in expected.items():
                    if key != "resolution_days":
                        assert got.get(key, 0) == value, (month, office, field, key)
    november = central.month_tallies("2026-11")[OFFICES[0], ALL]
    assert november["ratings"] == len(unhappy) + 2 and november["ratings_satisfied"] == 1
    assert november["ratings_unhappy"] == len(unhappy) + 1
    indices = {i["code"]: i for i in qd766.from_tally(
        central.months_of(ALL, ["2026-10"])["2026-10"])}
    assert indices["2.1"]["value"] is not None and indices["2.2"]["value"] is None
