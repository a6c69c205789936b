"""M6: staff search through indexes (office/store/search.py), never a scan of the store: names in
FTS5 without accents, code prefixes, exact ID numbers and phones; newest first, paginated."""
from __future__ import annotations

import re

import pytest
from office_support import OFFICER, applicant, make_service

from office.errors import InvalidInput
from office.model import DossierStatus as S

FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Đặng"]


@pytest.fixture
def office(svc, clock):
    """60 dossiers, a minute apart: Nguyễn Văn An 0…, Trần Thị Bình 1…, one Đặng Đức Định."""
    made = []
    for i in range(60):
        family = FAMILIES[i % 4]
        name = f"{family} {'Văn' if i % 2 else 'Thị'} {['An', 'Bình', 'Cường', 'Dung'][i % 4]} {i}"
        if i == 30:
            name = "Đặng Đức Định"
        clock.advance(minutes=1)
        phone = f"09{i:08d}"
        made.append(svc.receive_dossier("2.000908", "GIO", applicant(name, id_number=f"0010990{i:05d}", phone=phone),
                                        OFFICER))
    return svc, made


def codes(rows):
    return [r.code for r in rows]


def test_name_words_are_prefixes_without_accents(office):
    svc, made = office
    assert codes(svc.search_dossiers("dang duc dinh")) == [made[30].code]
    assert codes(svc.search_dossiers("ĐẶNG ĐỨC")) == [made[30].code]
    assert codes(svc.search_dossiers("dinh dang")) == [made[30].code]  # any order
    assert codes(svc.search_dossiers("đă đư")) == [made[30].code]  # beginnings of words
    assert svc.search_dossiers("ang uc") == []  # not the middle of a word
    nguyen = svc.search_dossiers("nguyen", limit=100)
    assert len(nguyen) == 15 and all(r.applicant_name.startswith("Nguyễn") for r in nguyen)
    assert [r.received_at for r in nguyen] == sorted((r.received_at for r in nguyen), reverse=True)


def test_pages_follow_each_other_newest_first(office):
    svc, made = office
    everyone = [d.code for d in reversed(made)]
    pages = [codes(svc.search_dossiers(limit=25, offset=o)) for o in (0, 25, 50)]
    assert pages[0] + pages[1] + pages[2] == everyone and len(pages[2]) == 10
    tran = [d.code for d in reversed(made) if d.applicant.name.startswith("Trần")]
    assert codes(svc.search_dossiers("tran", limit=5)) + codes(svc.search_dossiers("tran", limit=5, offset=5)) \
        == tran[:10]
    prefix = made[0].code[:-2]  # the day's codes …00 to …09 share it
    assert codes(svc.search_dossiers(prefix, limit=4, offset=2)) == [c for c in everyone if c.startswith(prefix)][2:6]
    svc.change_status(made[5].code, S.PROCESSING, OFFICER, "Thụ lý")
    svc.change_status(made[7].code, S.PROCESSING, OFFICER, "Thụ lý")
    assert codes(svc.search_dossiers(status=S.PROCESSING)) == [made[7].code, made[5].code]
    assert codes(svc.search_dossiers(status=S.PROCESSING, offset=1)) == [made[5].code]
    with pytest.raises(InvalidInput):
        svc.search_dossiers(offset=10_001)


def test_exact_id_number_and_phone_in_any_writing(office):
    svc, made = office
    assert codes(svc.search_dossiers("0010 9900 0017")) == [made[17].code]
    assert codes(svc.search_dossiers("+84 900 000 017")) == [made[17].code]
    assert codes(svc.search_dossiers("0900.000.017")) == [made[17].code]


def test_every_kind_of_search_goes_through_an_index(office):
    """The query plans: `dossiers` is only searched by key or walked in index order (stopping at
    the page's end), never scanned whole; only one person's dossiers (exact ID or phone) are sorted."""
    svc, made = office
    store, plans = svc.store, []
    original = store._rows

    def recording(sql, params=()):
        if sql.lstrip().startswith("SELECT d.code"):
            plans.append(" | ".join(r[3] for r in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql, tuple(params))))
        return original(sql, params)

    store._rows = recording
    for text, status in [("", None), ("", S.RECEIVED), ("nguyen van", None), ("nguyen", S.RECEIVED),
                         (made[3].code[:16], None), ("001099000017", None), ("0900000017", S.RECEIVED)]:
        svc.search_dossiers(text, status)
    assert len(plans) >= 7
    for plan in plans:
        assert not re.search(r"\bSCAN d\b(?! USING)", plan), plan
        if "TEMP B-TREE FOR ORDER BY" in plan:  # sorting only one person's dossiers
            assert "(applicant_id_number=?)" in plan and "(applicant_phone=?)" in plan, plan


def test_dossiers_of_an_older_store_are_indexed_when_it_opens(svc, db_path, clock):
    d = svc.receive_dossier("2.000908", "GIO", applicant("Hoàng Thị Én"), OFFICER)
    with svc.store.write():  # as a store written before m013 was
        db = svc.store.db
        db.executescript("DROP TRIGGER dossier_names_insert; DROP TABLE dossier_names;"
                         " DROP INDEX dossiers_status_received;"
                         " CREATE INDEX dossiers_status ON dossiers(status);")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_search'")
    svc.store.close()
    again = make_service(db_path, clock)
    assert codes(again.search_dossiers("hoang en")) == [d.code]
    again.store.close()
