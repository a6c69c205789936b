"""Home screen, language switch, status bar, touch targets, both orientations."""
from kiosk_helpers import LANDSCAPE


def test_home_vietnamese_first_then_english(kiosk):
    texts = kiosk.texts()
    for title in ("Tra cứu hồ sơ", "Lấy số thứ tự", "Đánh giá hài lòng", "Thủ tục hành chính"):
        assert title in kiosk.button(title).title
    assert "Trung tâm Phục vụ hành chính công" in kiosk.app.root.office_name
    kiosk.assert_touch_targets()
    kiosk.shot("home-vi-portrait")
    kiosk.tap(kiosk.app.root.ids.lang_button)
    assert kiosk.app.lang == "en"
    assert "Take a number" in kiosk.button("Take a number").title
    kiosk.shot("home-en-portrait")
    assert "Tra cứu" not in kiosk.texts()
    del texts


def test_home_landscape(make_kiosk):
    k = make_kiosk(size=LANDSCAPE)
    k.assert_touch_targets()
    k.shot("home-vi-landscape")
