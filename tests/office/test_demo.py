"""The demo office: deterministic, consistent with the domain rules."""
import sqlite3
from datetime import datetime

from demo.seed import seed_demo
from office.config import OfficeConfig
from office.model import TRANSITIONS, DossierStatus
from office.service import OfficeService

NOW = datetime(2026, 11, 20, 15, 0)


def make(path, **kw):
    svc = OfficeService.open(path, OfficeConfig())
    seed_demo(svc, now=NOW, **{"dossiers": 400, "tickets": 300, "days": 25, **kw})
    return svc


def dump(path):
    con = sqlite3.connect(path)
    # every store has its own lookup key, so the hashes of the (same) secrets differ
    return ([(r[0], *r[2:]) for r in con.execute("SELECT * FROM dossiers ORDER BY code")],
            con.execute("SELECT number, state, issued_at, counter_id FROM tickets ORDER BY id").fetchall(),
            con.execute("SELECT level, target FROM ratings ORDER BY id").fetchall())


def test_same_seed_same_office(tmp_path):
    make(tmp_path / "a.sqlite")
    make(tmp_path / "b.sqlite")
    assert dump(tmp_path / "a.sqlite") == dump(tmp_path / "b.sqlite")
    make(tmp_path / "c.sqlite", seed=7)
    assert dump(tmp_path / "a.sqlite")[0] != dump(tmp_path / "c.sqlite")[0]


def test_every_status_present_and_histories_follow_the_rules(tmp_path):
    svc = make(tmp_path / "a.sqlite", dossiers=3000, tickets=0)
    counts = svc.store.counts()["dossiers_by_status"]
    assert set(counts) == {s.value for s in DossierStatus}
    for status in DossierStatus:
        for code in svc.store.dossier_codes(status, limit=30):
            d = svc.store.dossier(code)
            assert d.steps[-1].status == d.status
            assert d.received_at <= NOW and all(s.at <= NOW for s in d.steps)
            for a, b in zip(d.steps, d.steps[1:]):
                assert b.status in TRANSITIONS[a.status] or b.status == a.status, (code, a, b)
                assert a.at <= b.at
            assert svc.calendar.is_working_day(d.received_at.date())


def test_new_dossiers_continue_the_seeded_numbering(tmp_path):
    from office.model import Actor, Applicant

    svc = make(tmp_path / "a.sqlite", tickets=0)
    last_today = max(c for c in svc.store.dossier_codes(limit=10_000) if "-261120-" in c)
    later = OfficeService(svc.store, svc.config, svc.calendar, clock=lambda: NOW)
    p = later.procedures()[0]
    d = later.receive_dossier(p.code, p.cases[0].code, Applicant("Nguyễn Văn An"),
                              Actor("Trần Thị Hoa", "Công chức tiếp nhận", "Trung tâm"))
    assert int(d.code.rsplit("-", 1)[1]) == int(last_today.rsplit("-", 1)[1]) + 1


def test_queue_history_is_consistent(tmp_path):
    svc = make(tmp_path / "a.sqlite", dossiers=0, tickets=600)
    for day in {t.day for t in svc.store.tickets(NOW.date())} | {NOW.date()}:
        tickets = svc.store.tickets(day)
        numbers = [(t.service_code, t.number) for t in tickets if t.transferred_from is None]
        assert len(numbers) == len(set(numbers))
    counts = svc.store.counts()
    assert counts["tickets_by_state"].get("done", 0) > 300
    assert counts["ratings"] > 50


def test_dossiers_received_at_the_counter_have_their_checklist(tmp_path):
    svc = make(tmp_path / "a.sqlite", tickets=0)
    codes = [c for c in svc.store.dossier_codes(limit=10_000, newest_first=False)
             if svc.dossier(c).channel == 1 and svc.dossier(c).status != DossierStatus.NEW][:60]
    assert len(codes) == 60
    for code in codes:
        d = svc.dossier(code)
        required = [c.name for c in svc.store.procedure(d.procedure_code, d.procedure_version).components
                    if c.required]
        assert required and [c.name for c in d.components] == required, code
