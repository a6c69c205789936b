"""A staff member's inbox: open dossiers with a step of theirs, most urgent first, due soon flagged."""
from office_support import BACK_OFFICE, OFFICER, applicant

from office.model import Actor
from office.model import DossierStatus as S
from office.model import Timeliness as T

OTHER = Actor("Phạm Thị Quyên", "Chuyên viên", "Bộ phận Một cửa")


def test_my_dossiers_are_mine_open_and_most_urgent_first(svc, clock):
    slow = svc.receive_dossier("1.004227", "LICH", applicant(), OFFICER).code  # due in 10 days
    quick = svc.receive_dossier("1.001193", "TH1", applicant("Lê Thị Hồng"), OFFICER).code  # 1 working day
    svc.receive_dossier("1.001193", "TH1", applicant(), OTHER)  # someone else's
    done = svc.receive_dossier("1.001193", "TH5", applicant(), OFFICER).code
    svc.change_status(done, S.PROCESSING, BACK_OFFICE, "Thẩm định")
    svc.change_status(done, S.DONE, BACK_OFFICE, "Xong")  # finished: out of the inbox
    mine = svc.my_dossiers(OFFICER)
    assert [r.code for r in mine] == [quick, slow]
    assert [r.timeliness for r in mine] == [T.DUE_SOON, T.IN_TIME]
    clock.advance(days=3)
    assert svc.my_dossiers(OFFICER)[0].timeliness == T.OVERDUE
    # the back office's inbox: what it handled and is still open
    svc.change_status(slow, S.PROCESSING, BACK_OFFICE, "Thẩm định")
    assert [r.code for r in svc.my_dossiers(BACK_OFFICE)] == [slow]
    assert svc.my_dossiers(Actor("Người mới", "", "")) == []
