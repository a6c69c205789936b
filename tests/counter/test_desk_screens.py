"""Every counter screen at the two desk sizes (1366×768, 1920×1080) with a working day's data:
screenshots under test-artifacts/counter/ (looked at), and no label text wider than the window."""
import pytest
from kivy.uix.label import Label
from kivy_support import visible
from office_support import BACK_OFFICE, OFFICER, applicant

from counter.app import NAV
from office.model import DossierStatus as S


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_every_screen_at_both_desk_sizes(desk, size):
    svc = desk.svc
    for i in range(7):
        svc.issue_ticket("HT" if i % 3 else "DD", priority="elderly" if i == 4 else None)
    for name in ("Nguyễn Thị Thanh Hương", "Tôn Nữ Hoàng Bảo Ngọc Khánh Linh", "Lê Văn Cường"):
        d = svc.receive_dossier("2.000908", "GIO", applicant(name), OFFICER)
    svc.change_status(d.code, S.PROCESSING, BACK_OFFICE, "Thẩm định hồ sơ")
    desk.resize(size)
    for i, name in enumerate(NAV):
        desk.key(ord("1") + i, modifiers=["ctrl"])
        desk.settle()
        assert desk.app.root.ids.sm.current == name
        for label in (w for w in desk.app.root.walk(restrict=True) if isinstance(w, Label) and visible(w)):
            x, _ = label.to_window(label.x, label.y)
            assert x >= -1 and x + label.width <= size[0] + 1, f"{label.text!r} leaves the window on {name}"
        desk.shot(f"screen-{i + 1}-{name}-{size[0]}x{size[1]}")
    desk.resize((1366, 768))
