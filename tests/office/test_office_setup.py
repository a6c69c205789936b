"""Setting up a real office from its office file (assets/examples/office.toml) and running it
without SQL: the file's checks, init and apply, the configuration kept in the store, the PIN rule,
the admin use cases and who may call them, the kiosk PIN, closed services and counters."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from office_support import Clock

import office.service.base as service_base
from demo.seed import demo_credentials_in, mark_demo, seed_demo
from office.auth import Credentials, Device, StaffSession, check_new_pin, random_pin
from office.config import DEFAULT_OVERRIDES_PATH, ConfigError, OfficeConfig, config_from_dict, config_to_dict
from office.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited, Unauthorized
from office.gateway import OfficeGateway
from office.model import Actor
from office.office_file import read_office_file
from office.policy import Guards
from office.service import OfficeService
from office.store import Store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "assets" / "examples" / "office.toml"
HEAD = "huong.ltt"  # the example office's head (admin = true)
CHIEF = Actor("Lê Thị Thanh Hương", "Giám đốc Trung tâm", "Trung tâm Phục vụ hành chính công", leader=True)
NOW = datetime(2026, 3, 2, 9, 0)  # a Monday morning


def init_office(db: Path, file: Path = EXAMPLE, clock=None) -> OfficeService:
    """What `office init` does: a new store from the office file."""
    setup = read_office_file(file)
    svc = OfficeService(Store(db, setup.config.office_id, setup.config.agency_code), setup.config,
                        clock=clock or Clock(NOW))
    svc.apply_setup(setup, "test")
    return svc


def variant(tmp_path: Path, old: str, new: str, name: str = "office.toml") -> Path:
    """The example office file with one piece of text replaced (its catalogue path made absolute)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace('"../demo/catalogue.toml"',
                                                       f'"{ROOT / "assets" / "demo" / "catalogue.toml"}"')
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def as_staff(svc: OfficeService, username: str, role: str = "counter") -> OfficeGateway:
    """The embedded port of a counter with `username` logged in."""
    return OfficeGateway(svc, Device(None, "quay-1", role),
                         session=StaffSession(username, Actor(username, "", ""), datetime(2100, 1, 1)))


# ---- the office file --------------------------------------------------------------------------

def test_the_example_describes_a_whole_commune_centre():
    setup = read_office_file(EXAMPLE)
    assert setup.config.office_id == "xa-phu-hoa" and setup.config.superior_authority == "UBND xã Phú Hòa"
    assert [s.prefix for s in setup.services] == ["A", "B", "C", "D", "R"]
    assert len(setup.counters) == 6 and len(setup.procedures) >= 10
    assert [m.username for m in setup.staff if m.admin] == [HEAD] and len(setup.staff) == 6


@pytest.mark.parametrize("old, new, key", [
    ('services = ["datdai"]', 'services = ["dat-dai"]', "counter[4].services: unknown service 'dat-dai'"),
    ('prefix = "B"', 'prefix = "A"', "service.prefix: 'A' appears twice"),
    ('prefix = "C"', 'prefix = "c1"', "service[3].prefix: must be 1–2 capital letters"),
    ('fields = ["CT"]', 'fields = ["XX"]', "service[2].fields: unknown field 'XX'"),
    ("id = 5", "id = 4", "counter.id: 4 appears twice"),
    ('username = "thao.npt"', 'username = "Thảo"', "staff[2].username: must be"),
    ("\nadmin = true", "\nadmin = false", "staff: at least one active member needs admin = true"),
    ('name = "Quầy 3"', 'nam = "Quầy 3"', "counter[3].nam: unknown key"),
    ("id = 6", 'id = "6"', "counter[6].id: must be int"),
    ('catalogue = "', 'catalogue = "missing/', "catalogue: file not found"),
    ('leader_title = "Giám đốc"', "leader_title = 3", "leader_title must be str"),
    ("# [[calendar]]\n# day = 2026-12-31\n# kind = \"day_off\"",
     "[[calendar]]\nday = 2026-12-31\nkind = \"holiday\"\nreason = \"x\"", "calendar[1].kind: must be one of day_off"),
    ('office_id = "xa-phu-hoa"', 'office_id = "xa-phu-hoa"\nticket_hours = 3', "unknown key 'ticket_hours'"),
])
def test_a_bad_office_file_is_one_line_naming_the_key(tmp_path, old, new, key):
    with pytest.raises(ConfigError) as e:
        read_office_file(variant(tmp_path, old, new))
    assert key in str(e.value) and "\n" not in str(e.value) and str(e.value).startswith(str(tmp_path))


def test_the_configuration_reads_back_from_its_saved_form():
    config = read_office_file(EXAMPLE).config
    assert config_from_dict(config_to_dict(config)) == config
    assert "calendar_overrides" not in config_to_dict(config)  # the shipped file: found wherever installed
    custom = replace(config, calendar_overrides=Path("/etc/motcua/days.toml"))
    assert config_to_dict(custom)["calendar_overrides"] == "/etc/motcua/days.toml"
    assert config.calendar_overrides == DEFAULT_OVERRIDES_PATH


# ---- init and apply ---------------------------------------------------------------------------

def test_init_builds_the_office_and_the_store_keeps_its_configuration(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    assert svc.store.meta()["purpose"] == "office" and svc.store.office_id == "xa-phu-hoa"
    assert len(svc.services()) == 5 and len(svc.counters()) == 6 and len(svc.staff_members()) == 6
    assert svc.procedure("1.001193").name == "Đăng ký khai sinh"
    events = [e for e in svc.store.events(limit=1000) if e["entity"] == "admin"]
    assert len(events) > 20 and not any("pin" in str(e["payload"]).lower() for e in events)
    svc.store.close()
    reopened = OfficeService.open(tmp_path / "office.sqlite")  # no --config: the store's own
    assert reopened.office()["name"] == "Trung tâm Phục vụ hành chính công xã Phú Hòa"
    assert reopened.config == read_office_file(EXAMPLE).config
    reopened.store.close()
    with pytest.raises(ConfigError, match="keeps its own configuration"):
        OfficeService.open(tmp_path / "office.sqlite", OfficeConfig())


def test_apply_adds_and_updates_only_what_changed(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    setup = read_office_file(EXAMPLE)
    assert svc.apply_setup(setup, "test") == []  # the store matches the file
    changed = read_office_file(variant(tmp_path, 'name = "Quầy 6"', 'name = "Quầy 6 – Trả kết quả"'))
    assert svc.apply_setup(changed, "test") == ["counter:6: saved"]
    closing = read_office_file(variant(tmp_path, 'prefix = "C"', 'prefix = "C"\nopen = false', "b.toml"))
    assert svc.apply_setup(closing, "test") == ["service:datdai: saved", "counter:6: saved"]  # the file rules
    assert "datdai" not in [s.code for s in svc.services()] and not svc.store.service("datdai").open
    left = read_office_file(variant(tmp_path, 'title = "Chuyên viên Phòng Kinh tế"',
                                    'title = "Chuyên viên Phòng Kinh tế"\nactive = false', "c.toml"))
    Credentials(svc.store).set_pin("phuc.dh", "480517")
    assert "staff:phuc.dh: removed" in svc.apply_setup(left, "test")
    assert svc.store.pin_hash("phuc.dh") is None and not svc.store.staff_member("phuc.dh")["active"]


def test_apply_refuses_another_office_and_the_demo(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    other = read_office_file(variant(tmp_path, 'office_id = "xa-phu-hoa"', 'office_id = "xa-khac"'))
    with pytest.raises(ConfigError, match="office_id"):
        svc.apply_setup(other, "test")
    with pytest.raises(Conflict):
        mark_demo(svc.store)  # the demo never writes its public credentials into a real office
    demo = OfficeService.open(tmp_path / "demo.sqlite", OfficeConfig())
    seed_demo(demo, dossiers=0, tickets=0, days=0)
    assert len(demo_credentials_in(demo.store)) == 10 + 6 + 1
    with pytest.raises(Conflict, match="demo"):
        demo.apply_setup(read_office_file(EXAMPLE), "test")
    assert demo_credentials_in(svc.store) == []


def test_the_demo_refuses_a_store_of_another_office(tmp_path):
    store = Store(tmp_path / "x.sqlite", "xa-khac", "000.00.25.H19")
    with pytest.raises(Conflict, match="xa-khac"):
        mark_demo(store)


def test_every_process_sees_a_change_of_the_settings(tmp_path, monkeypatch):
    hub = init_office(tmp_path / "office.sqlite")
    cli = OfficeService.open(tmp_path / "office.sqlite")  # another process on the same store
    monkeypatch.setattr(service_base, "SETTINGS_CHECK_S", 0.0)
    cli.set_ticket_hours([["07:30", "11:00"]], staff="cli:test")
    assert hub.config.ticket_sessions == ((time(7, 30), time(11, 0)),)
    assert not hub.ticket_issuing_open(datetime(2026, 3, 2, 11, 5))
    day = next(d for d in (date.today() + timedelta(days=n) for n in range(14, 40)) if hub.calendar.is_working_day(d))
    cli.set_calendar_day(day, "day_off", "Quyết định nghỉ bù", CHIEF)
    assert not hub.calendar.is_working_day(day)
    cli.clear_calendar_day(day, CHIEF)
    assert hub.calendar.is_working_day(day)


def test_the_office_days_win_over_the_central_ones(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    saturday = date(2026, 3, 7)
    with svc.store.write():
        svc.store.save_central_calendar_day(saturday, "day_off", "tỉnh")
    svc.set_calendar_day(saturday, "working_day", "Làm bù theo quyết định của xã", CHIEF)
    assert svc.calendar.is_working_day(saturday)
    with pytest.raises(InvalidInput):
        svc.set_calendar_day(saturday, "holiday", "Quyết định x", CHIEF)
    with pytest.raises(NotFound):
        svc.clear_calendar_day(date(2026, 3, 9), CHIEF)


# ---- PINs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("pin, why", [("12345", "đúng 6"), ("1234567", "đúng 6"), ("12a456", "đúng 6"),
                                      ("١٢٣٤٥٦", "đúng 6"), ("000000", "lặp lại"), ("123456", "liên tiếp"),
                                      ("987654", "liên tiếp"), ("890123", "liên tiếp")])
def test_weak_pins_are_refused_with_the_reason(pin, why):
    with pytest.raises(InvalidInput, match=why):
        check_new_pin(pin)


def test_good_and_random_pins_pass():
    for pin in ("246813", "110011", "480517", *(random_pin() for _ in range(200))):
        assert check_new_pin(pin) == pin


# ---- administration through the port ------------------------------------------------------------

def test_only_an_office_admin_administers(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    clerk, head = as_staff(svc, "thao.npt"), as_staff(svc, HEAD)
    with pytest.raises(Forbidden):
        clerk.set_service_open("hotich", False)
    with pytest.raises(Forbidden):
        clerk.staff_members()
    assert head.set_service_open("hotich", False).open is False
    head.save_staff_member("thao.npt", "Nguyễn Phạm Thu Thảo", "Phó Giám đốc", "Trung tâm", admin=True)
    assert clerk.set_service_open("hotich", True).open is True  # now an admin: checked at each call
    head.remove_staff_member("thao.npt")
    with pytest.raises(Forbidden):
        clerk.set_service_open("hotich", False)
    with pytest.raises(Conflict, match="ít nhất một"):
        head.save_staff_member(HEAD, "Lê Thị Thanh Hương", "Giám đốc", "Trung tâm", admin=False)
    with pytest.raises(Conflict):
        head.remove_staff_member(HEAD)  # not oneself
    by = [e["payload"]["by"] for e in svc.store.events(limit=1000) if e["entity"] == "admin" and
          e["entity_id"].startswith(("service:hotich", "staff:thao.npt"))]
    assert by[-3:] == [HEAD, "thao.npt", HEAD]


def test_a_member_who_left_cannot_log_in_and_their_sessions_end(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    credentials = Credentials(svc.store, svc.clock)
    device = credentials.device(credentials.enroll("counter", "quay-1"))
    svc.set_staff_pin("khoa.tvd", "480517", staff="test")
    session_token, _ = credentials.open_session(device, "khoa.tvd", credentials.check_pin("khoa.tvd", "480517"), 1)
    assert credentials.session(device, session_token).username == "khoa.tvd"
    svc.remove_staff_member("khoa.tvd", staff=HEAD)
    assert credentials.session(device, session_token) is None
    with pytest.raises(Unauthorized):
        credentials.check_pin("khoa.tvd", "480517")
    with pytest.raises(Conflict, match="đã nghỉ"):
        svc.set_staff_pin("khoa.tvd", "480517", staff=HEAD)
    svc.save_staff_member("khoa.tvd", "Trần Văn Đăng Khoa", "Công chức tiếp nhận", "Trung tâm", staff=HEAD)
    assert [m.active and not m.has_pin for m in svc.staff_members() if m.username == "khoa.tvd"] == [True]


def test_the_kiosk_pin_is_locked_out_and_every_try_is_logged(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    kiosk = OfficeGateway.embedded(svc, "kiosk", "kiosk-1", Guards())
    with pytest.raises(Conflict, match="Chưa đặt"):
        kiosk.unlock_kiosk_admin("480517")  # no default PIN: nothing opens the panel until the office sets one
    svc.set_kiosk_pin("305917", staff="test")
    kiosk.unlock_kiosk_admin("305917")
    for _ in range(4):
        with pytest.raises(Unauthorized):
            kiosk.unlock_kiosk_admin("000000")
    with pytest.raises(RateLimited):
        kiosk.unlock_kiosk_admin("000000")  # the 5th wrong PIN in a minute locks the panel
    with pytest.raises(RateLimited):
        kiosk.unlock_kiosk_admin("305917")  # even the right PIN waits
    actions = [a["action"] for a in reversed(svc.store.audit_log())]
    assert actions == ["kiosk.admin_unlocked"] + ["kiosk.admin_denied"] * 5
    with pytest.raises(Forbidden):
        as_staff(svc, "thao.npt", role="counter").unlock_kiosk_admin("305917")


def test_closed_services_and_counters_take_no_new_work(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    svc.set_service_open("datdai", False, staff=HEAD)
    with pytest.raises(Conflict, match="tạm ngừng"):
        svc.issue_ticket("datdai")
    assert "datdai" in [s.code for s in svc.services(include_closed=True)]
    ticket = svc.issue_ticket("hotich")
    svc.call_next(1, staff="thao.npt")
    with pytest.raises(Conflict, match="đang gọi"):
        svc.set_counter_open(1, False, staff=HEAD)
    svc.finish_ticket(ticket.ticket.id, 1)
    svc.set_counter_open(1, False, staff=HEAD)
    assert 1 not in [c.id for c in svc.counters()]
    with pytest.raises(Conflict, match="đã đóng"):
        svc.call_next(1)
    with pytest.raises(InvalidInput, match=re.escape("Quầy 1")):
        svc.transfer_ticket(ticket.ticket.id, 2, "hotich", to_counter=1)


def test_ticket_hours_stay_inside_working_hours(tmp_path):
    svc = init_office(tmp_path / "office.sqlite")
    for bad in ([["06:00", "11:00"]], [["11:00", "07:00"]], [["07:00", "11:00"], ["10:00", "12:00"]],
                [["7h", "11h"]], []):
        with pytest.raises(InvalidInput):
            svc.set_ticket_hours(bad, staff=HEAD)
    svc.set_ticket_hours([["07:00", "11:00"], ["13:30", "16:30"]], staff=HEAD)
    assert svc.office_settings()["ticket_sessions"] == [["07:00", "11:00"], ["13:30", "16:30"]]


def test_the_store_and_its_wal_are_readable_by_their_owner_only(tmp_path):
    """Whatever the umask: a new store, its WAL and shared memory are 0600; an existing store that
    others could read is tightened when opened."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        svc = init_office(tmp_path / "office.sqlite")
        svc.save_staff_member("lan.pt", "Phạm Thị Lan", "Công chức tiếp nhận", "Bộ phận Một cửa", staff="test")
        files = [tmp_path / name for name in ("office.sqlite", "office.sqlite-wal", "office.sqlite-shm")]
        assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
        svc.store.close()
        files[0].chmod(0o644)
        Store(files[0]).close()
        assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    finally:
        os.umask(old)
