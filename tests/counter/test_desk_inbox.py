"""The counter's "my dossiers" inbox (on the due-soon screen): the logged-in officer's open dossiers."""
from office_support import OFFICER, applicant

from office.model import Actor

OTHER = Actor("Phạm Thị Quyên", "Chuyên viên", "Bộ phận Một cửa")


def test_my_dossiers_lists_mine_most_urgent_first(desk):
    svc = desk.svc
    slow = svc.receive_dossier("1.004227", "LICH", applicant(), OFFICER)  # 10 calendar days
    soon = svc.receive_dossier("2.000908", "GIO", applicant("Lê Thị Hồng"), OFFICER)  # due today
    svc.receive_dossier("1.001193", "TH1", applicant("Đỗ Văn Hải"), OTHER)  # a colleague's
    desk.key(ord("4"), modifiers=["ctrl"])
    late = desk.screen("late")
    desk.until(lambda: late.rows, what="late list")
    desk.tap(late.ids.mine_button)
    desk.until(lambda: late.mine and len(late.rows) == 2, what="my dossiers")
    assert [r.code for r in late.rows] == [soon.code, slow.code]
    assert "Hồ sơ của tôi" in desk.texts(late) and "Đỗ Văn Hải" not in desk.texts(late)
    buttons = list(reversed(late.ids.late_rows.children))
    assert [b.tone for b in buttons] == ["warn", "ghost"]  # due soon stands out
    desk.shot("late-3-my-dossiers")
    desk.resize((1920, 1080))
    desk.shot("late-3-my-dossiers-1920x1080")
    desk.resize((1366, 768))
    desk.tap(late.ids.mine_button)
    desk.settle()
    codes = [r.code for r in late.rows]  # every urgent dossier, the colleague's too; not the slow one
    assert not late.mine and soon.code in codes and len(codes) == 2 and slow.code not in codes
