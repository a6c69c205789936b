"""A whole reception with the keyboard only — login, wrong PIN, Ctrl+2, procedure search with
arrows + Enter, case dropdown, ID type, fields by Tab, checkboxes by Space, Ctrl+Enter, printed
receipt — every key sent through the Window as the keyboard sends it (key down, text, key up)."""
from hub_support import STAFF
from kivy.core.window import Window

from office.model import DossierStatus as S

TAB, ENTER, SPACE, UP, DOWN = 9, 13, 32, 273, 274
PIN = STAFF["bich.tt"][1]


def key(code: int, modifiers=(), char=None) -> None:
    Window.dispatch("on_key_down", code, 0, char, list(modifiers))
    if char and not modifiers:
        Window.dispatch("on_textinput", char)
    Window.dispatch("on_key_up", code, 0)


def type_keys(text: str) -> None:
    for char in text:
        key(ord(char), char=char)


def focused(desk):
    found = [w for w in desk.app.root.walk(restrict=True) if getattr(w, "focus", False)]
    assert len(found) == 1, f"focus on {found}"
    return found[0]


def test_a_whole_reception_with_keys_only(make_desk):
    desk = make_desk(login=False)
    login, receive = desk.screen("login"), desk.screen("receive")
    desk.until(lambda: login.counter_names, what="counters loaded")
    assert focused(desk) == login.ids.username
    type_keys("bich.tt")
    key(TAB)
    type_keys("0000")  # a wrong PIN
    key(TAB)
    assert focused(desk) == login.ids.counter_spinner
    key(DOWN)  # the first counter
    assert login.counter_choice == "Quầy 1"
    key(TAB, ["shift"])
    key(ENTER)
    desk.until(lambda: login.notice, what="the wrong PIN refused")
    assert desk.app.actor is None and focused(desk) == login.ids.pin  # the focus stays: type it again
    type_keys(PIN)
    key(ENTER)
    desk.until(lambda: desk.app.actor is not None, what="logged in")

    key(ord("2"), ["ctrl"])
    type_keys("khai")  # typed at once after Ctrl+2: not one letter lost
    desk.until(lambda: receive.procedures, what="procedures loaded")
    desk.pump(2)
    assert receive.ids.query.text == "khai" and focused(desk) == receive.ids.query
    type_keys(" sinh")
    assert [p.code for p in receive.matches] == ["1.001193"]
    key(ENTER)  # the highlighted (only) match
    assert receive.procedure.code == "1.001193" and focused(desk) == receive.ids.case_spinner
    key(DOWN)
    key(DOWN)
    assert receive.case_choice == "Khai sinh – xác minh"
    key(TAB)  # the checklist: first checkbox, Space toggles it off and on again
    assert focused(desk) == receive.rows[0][1]
    key(SPACE, char=" ")
    assert not receive.rows[0][1].active
    key(SPACE, char=" ")
    assert receive.rows[0][1].active
    for _ in range(6 * len(receive.rows)):  # originals, copies, scanned pages, digitised, reused; the next rows
        key(TAB)
    assert focused(desk) == receive.ids.id_type
    key(DOWN)
    key(UP)
    assert receive.id_type == "CCCD"
    key(TAB)
    type_keys("001203004567")
    key(TAB)
    type_keys("Nguyễn Văn An")  # right after Tab: the first letters land in the next field
    key(TAB)
    type_keys("0912 345 67")  # one digit short
    key(TAB)
    type_keys("an.nguyen@example.vn")
    key(TAB)
    type_keys("Số 12 đường Lê Lợi, phường Bến Thành")
    key(ENTER, ["ctrl"])
    desk.settle()
    assert "Số điện thoại không hợp lệ" in receive.notice and focused(desk) == receive.ids.phone
    assert desk.svc.store.counts()["dossiers"] == 0
    desk.shot("receive-keyboard-bad-phone")
    type_keys("8")
    key(TAB)
    key(TAB)
    key(TAB)
    assert focused(desk) == receive.ids.has_rep
    key(TAB)  # the representative's fields are skipped while there is none
    assert focused(desk) == receive.ids.exemption
    key(TAB)  # the fee units are skipped when the fee is not per unit
    assert focused(desk) == receive.ids.method
    key(DOWN)
    assert receive.method == "cash"
    key(TAB)
    assert focused(desk) == receive.ids.receipt_number
    type_keys("BL-0000321")
    key(TAB)
    assert focused(desk) == receive.ids.e_result
    key(SPACE, char=" ")
    assert receive.e_result
    key(ENTER, ["ctrl"])
    desk.until(lambda: len(desk.printer.jobs) == 2, what="Mẫu 01 and Mẫu 06 printed")
    d = receive.dossier
    stored = desk.svc.dossier(d.code)
    assert stored.status == S.RECEIVED and stored.e_result and stored.case_code == "TH5"
    assert [(p.method, p.receipt_number) for p in stored.payments] == [("cash", "BL-0000321")]
    assert (stored.applicant.name, stored.applicant.id_number, stored.applicant.phone, stored.applicant.email) == \
        ("Nguyễn Văn An", "001203004567", "0912345678", "an.nguyen@example.vn")
    assert [title for title, _ in desk.printer.jobs] == [f"Mau01-{d.code}", f"Mau06-{d.code}"]
    desk.shot("receive-keyboard-received")
