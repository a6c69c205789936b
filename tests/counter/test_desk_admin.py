"""The office head's admin screen, through a real hub: staff and PINs, services and counters,
ticket hours, calendar days, the kiosk PIN — and only for an office admin."""
from __future__ import annotations

from datetime import date

from hub_support import STAFF

from office.auth import verify_pin
from office.service.admin import KIOSK_PIN

HEAD = "cuong.lv"  # made the office head (admin and leader) in these tests


def admin_desk(make_desk, mode: str = "hub"):
    desk = make_desk(mode, login=False)
    desk.svc.save_staff_member(HEAD, "Lê Văn Cường", "Giám đốc Trung tâm", "Bộ phận Một cửa", admin=True,
                               leader=True)
    desk.login(HEAD, STAFF[HEAD][1], "Quầy 2")
    desk.until(lambda: desk.app.is_admin, what="the admin right seen")
    return desk


def test_an_office_admin_manages_the_office_from_the_counter(make_desk):
    desk = admin_desk(make_desk)
    svc, app = desk.svc, desk.app
    desk.key(ord("8"), ["ctrl"])
    admin = desk.screen("admin")
    desk.until(lambda: app.root.ids.sm.current == "admin" and admin.staff and admin.services, what="admin loaded")
    desk.shot("admin-1-overview")

    desk.tap(desk.button("Thêm cán bộ"))
    for field, text in (("username", "dan.nv"), ("name", "Nguyễn Văn Dân"), ("title", "Công chức tiếp nhận"),
                        ("department", "Bộ phận Một cửa")):
        desk.type(field, text, "admin")
    desk.tap(desk.field("save_staff", "admin"))
    desk.until(lambda: any(m.username == "dan.nv" for m in admin.staff), what="new member listed")
    assert "Đã lưu cán bộ dan.nv" in admin.notice
    desk.tap(desk.button("dan.nv"))
    desk.type("staff_pin", "123456", "admin")  # a run: refused by the office's PIN rule
    desk.tap(desk.field("set_pin", "admin"))
    desk.settle()
    assert "liên tiếp" in admin.notice and svc.store.pin_hash("dan.nv") is None
    desk.type("staff_pin", "480517", "admin")
    desk.tap(desk.field("set_pin", "admin"))
    desk.until(lambda: "Đã đặt mã PIN" in admin.notice, what="PIN set")
    assert verify_pin("480517", svc.store.pin_hash("dan.nv"))

    desk.tap(desk.button("B — Đất đai"))  # close the service: kiosks stop issuing its tickets
    desk.until(lambda: not svc.store.service("DD").open, what="service closed")
    assert [s.code for s in svc.services()] == ["HT"]
    desk.tap(desk.button("Quầy 3"))
    desk.until(lambda: not svc.store.counter(3).open, what="counter closed")

    desk.type("hours", "07:30-11:00, 13:30-16:00", "admin")
    desk.tap(desk.field("save_hours", "admin"))
    desk.until(lambda: "Đã lưu giờ cấp số" in admin.notice, what="hours saved")
    assert [f"{a:%H:%M}-{b:%H:%M}" for a, b in svc.config.ticket_sessions] == ["07:30-11:00", "13:30-16:00"]

    desk.type("day", "25/12/2026", "admin")
    desk.type("reason", "Quyết định 12/QĐ-UBND nghỉ bù", "admin")
    desk.tap(desk.field("day_off", "admin"))
    desk.until(lambda: admin.settings.get("calendar_days"), what="day listed")
    assert not svc.calendar.is_working_day(date(2026, 12, 25))

    desk.type("kiosk_pin", "305917", "admin")
    desk.tap(desk.field("set_kiosk_pin", "admin"))
    desk.until(lambda: "kiosk" in admin.notice, what="kiosk PIN set")
    assert verify_pin("305917", svc.store.secret_hash(KIOSK_PIN))
    desk.settle()
    assert "(đã đặt)" in desk.texts()
    desk.shot("admin-2-changed")

    desk.tap(desk.button("dan.nv"))
    desk.tap(desk.field("remove_staff", "admin"))
    desk.until(lambda: any(m.username == "dan.nv" and not m.active for m in admin.staff), what="member left")
    assert svc.store.pin_hash("dan.nv") is None
    events = svc.store.events(limit=10_000)
    kinds = {(e["entity"], e["kind"]) for e in events if e["entity"] in ("admin", "calendar")}
    assert {("admin", k) for k in ("saved", "pin_set", "closed", "set", "removed")} | {
        ("calendar", "day_set")} <= kinds  # all in the change log


def test_a_staff_member_who_is_not_an_admin_never_sees_the_admin_screen(make_desk):
    desk = make_desk("hub")  # bich.tt, not an office admin
    desk.settle()
    assert desk.app.actor is not None and not desk.app.is_admin and desk.app.root.ids.nav_admin.opacity == 0
    desk.key(ord("8"), ["ctrl"])
    assert desk.app.root.ids.sm.current != "admin"
