"""A citizen's chip ID card scanned at the counter fills the reception form (DESIGN.md §3.10)."""
import time

from kivy_support import QueuedKeys, run_frames
from test_desk_keyboard import ENTER, focused, key, type_keys

CARD = ("001099012345|023456789|Nguyễn Thị Thanh Hương|15031990|Nữ|"
        "Số 12 ngõ 34 phố Hoàng Hoa Thám, Phường Thụy Khuê, Quận Tây Hồ, Hà Nội|20072021")


def test_a_card_scanned_from_any_screen_fills_the_applicant(desk):
    for w in desk.app.root.walk(restrict=True):  # the queue console, nothing focused
        if getattr(w, "focus", False):
            w.focus = False
    queued = QueuedKeys.install(desk.app)  # the scanner's keys come through the window's queue
    try:
        queued.type(CARD, time.monotonic() + 0.02)
        run_frames(0.9)
    finally:
        queued.uninstall(desk.app)
    desk.pump(3)
    receive = desk.screen("receive")
    assert desk.app.root.ids.sm.current == "receive"
    ids = receive.ids
    assert (receive.id_type, ids.id_number.text, ids.name.text) == ("CCCD", "001099012345", "Nguyễn Thị Thanh Hương")
    assert ids.address.text.startswith("Số 12 ngõ 34") and ids.address.text.endswith("Hà Nội")
    assert "sinh 15/03/1990, Nữ" in receive.notice and focused(desk) == ids.phone
    desk.shot("receive-id-card-filled")
    desk.resize((1920, 1080))
    desk.shot("receive-id-card-filled-1920x1080")
    desk.resize((1366, 768))


def test_a_card_scanned_into_a_focused_field_fills_the_form_and_leaves_the_field(desk):
    desk.key(ord("2"), modifiers=["ctrl"])
    receive = desk.screen("receive")
    receive.ids.name.focus = True
    type_keys(CARD)  # the scanner types into the field that has the focus
    key(ENTER)
    desk.pump(2)
    assert receive.ids.name.text == "Nguyễn Thị Thanh Hương" and receive.ids.id_number.text == "001099012345"


def test_a_damaged_card_changes_nothing_and_says_which_field(desk):
    desk.key(ord("2"), modifiers=["ctrl"])
    receive = desk.screen("receive")
    receive.ids.id_number.focus = True
    type_keys("001099012345|023456789|Nguyễn Văn A|31021990|Nam|Hà Nội|20072021")
    key(ENTER)
    desk.pump(2)
    assert "Không đọc được thẻ CCCD" in receive.notice and "ngày sinh" in receive.notice
    assert receive.ids.name.text == "" and receive.ids.id_number.text == ""
