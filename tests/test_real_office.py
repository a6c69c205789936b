"""A real office, end to end, as its IT person builds it: the example office file through the
command line (`office init`, `hub enroll`, `hub serve` as a process), then the kiosk, the counter
and the board (Kivy, offscreen) against that hub — and no public demo token or PIN opens anything."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from kivy_support import Driver, close_app  # sets the headless environment first

from demo.seed import DEFAULT_SEED, DEMO_DEVICES, DEMO_KIOSK_PIN, DEMO_PINS, demo_credentials_in, demo_token
from hub.client import HubClient
from office.auth import verify_pin
from office.errors import Unauthorized
from office.store import Store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assets" / "examples" / "office.toml"


def main_py(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The example office, open all day every day (so the test runs at any hour), set up and served
    through the command line; yields (hub URL, device tokens, first PINs, store); the hub's log is
    hub.log beside the store."""
    folder = tmp_path_factory.mktemp("office")
    text = EXAMPLE.read_text(encoding="utf-8").replace('"../demo/catalogue.toml"',
                                                      f'"{ROOT / "assets" / "demo" / "catalogue.toml"}"')
    for key in ("working_sessions", "ticket_sessions"):
        text = re.sub(rf"^{key} = .*$", f'{key} = [["00:00", "23:59"]]', text, flags=re.M)
    (folder / "office.toml").write_text(text, encoding="utf-8")
    db = folder / "office.sqlite"
    init = main_py("office", "init", "--config", folder / "office.toml", "--db", db)
    pins = dict(re.findall(r"^  (\S+(?: panel)?)\s+(\d{6})\s", init.stdout, re.M))
    main_py("office", "day", "work", "--db", db, "--day", date.today().isoformat(), "--reason", "Kiểm thử")
    tokens = {name: main_py("hub", "enroll", "--db", db, "--role", role, "--name", name).stdout.strip()
              for name, role in (("kiosk-1", "kiosk"), ("quay-1", "counter"), ("bang-tin-1", "display"))}
    log = (folder / "hub.log").open("w", encoding="utf-8")  # the hub's stderr: what the journal keeps
    hub = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "hub", "serve", "--db", str(db), "--port", "0"],
                           stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", hub.stdout.readline()).group(0)
        yield url, tokens, pins, db
    finally:
        hub.send_signal(signal.SIGTERM)
        assert hub.wait(10) == 0
        log.close()


class Screens(Driver):
    """Screenshots of this test land in test-artifacts/office/."""

    area = "office"


def run_app(app, ready, what: str) -> Driver:
    app._run_prepare()
    driver = Screens(app)
    driver.until(ready, timeout=20, what=what)
    return driver


def test_kiosk_counter_and_board_run_against_the_real_office(office):
    from kivy.core.window import Window

    from counter.app import CounterApp
    from devices.a4printer import RecordingA4Printer
    from devices.printer import FakePrinter
    from display.app import BoardApp
    from kiosk.app import KioskApp
    from kiosk.settings import KioskSettings

    url, tokens, pins, _ = office
    Window.size = (1080, 1920)
    printer = FakePrinter()
    kiosk = KioskApp(HubClient(url, tokens["kiosk-1"]), KioskSettings(touch_guard_s=0.05), printer)  # taps at test speed
    k = run_app(kiosk, lambda: kiosk.office_name, "kiosk: office loaded")
    try:
        assert kiosk.office_name == "Trung tâm Phục vụ hành chính công xã Phú Hòa"
        k.tap(k.button("Lấy số thứ tự"))
        k.until(lambda: kiosk.screen("ticket").services, what="services listed")
        k.tap(k.button("Chứng thực"))  # no priority asked: the citizen did not say they have one
        k.until(lambda: kiosk.screen("ticket").print_state == "printed", what="ticket printed")
        assert printer.printed[0].number == "B001"
        k.shot("real-office-kiosk")
    finally:
        close_app(kiosk)

    Window.size = (1366, 768)
    desk = CounterApp(HubClient(url, tokens["quay-1"]), RecordingA4Printer(), live_feed=True)
    d = run_app(desk, lambda: desk.root.office_name and desk.counters, "counter: office loaded")
    try:
        login = desk.screen("login")
        for field, text in (("username", "thao.npt"), ("pin", pins["thao.npt"])):
            login.ids[field].text = text
        login.counter_choice = "Quầy 3"  # serves Chứng thực
        d.tap(login.ids.login_button)
        d.until(lambda: desk.actor is not None, what="logged in with the PIN `office init` printed")
        assert desk.actor.name == "Nguyễn Phạm Thu Thảo" and not desk.is_admin
        d.tap(d.button("Gọi số tiếp theo"))
        d.until(lambda: "B001" in d.texts(), what="B001 called at Quầy 3")
        d.shot("real-office-counter")
    finally:
        close_app(desk)

    Window.size = (1920, 1080)
    board = BoardApp(HubClient(url, tokens["bang-tin-1"]), None)
    b = run_app(board, lambda: board.root.connected, "board: connected")
    try:
        b.until(lambda: "B001" in b.texts(), what="the call on the board")
        assert "Quầy 3" in b.texts()
        b.shot("real-office-board")
    finally:
        close_app(board)


def test_no_demo_token_or_pin_opens_anything(office):
    url, tokens, pins, db = office
    for name, _ in DEMO_DEVICES:
        with pytest.raises(Unauthorized):
            HubClient(url, demo_token(DEFAULT_SEED, name), retries=0).services()
    counter = HubClient(url, tokens["quay-1"], retries=0)
    for username in ("hoa.tt", "son.hv", "huong.ltt", "thao.npt"):  # 4 tries: under the PIN lockout
        with pytest.raises(Unauthorized):
            counter.login(username, DEMO_PINS.get(username, "110011"), 1)
    kiosk = HubClient(url, tokens["kiosk-1"], retries=0)
    for pin in (DEMO_KIOSK_PIN, "2468", "246800"):  # the demo's, and the old built-in default
        with pytest.raises(Unauthorized):
            kiosk.unlock_kiosk_admin(pin)
    kiosk.unlock_kiosk_admin(pins["kiosk panel"])  # the office's own PIN does
    store = Store(db)  # every demo token, staff PIN and kiosk PIN, checked against the stored hashes
    assert demo_credentials_in(store) == []
    assert not any(verify_pin(pin, store.pin_hash(user)) for user in pins if user != "kiosk panel"
                   for pin in DEMO_PINS.values())


def test_the_hub_log_has_one_line_per_event_and_no_secret(office):
    """What the journal keeps: log-ins opened and refused and wrong kiosk PINs, one stamped line
    each, but never a token or a PIN (neither the office's nor the demo's)."""
    url, tokens, pins, db = office
    tokens = {**tokens, **{name: main_py("hub", "enroll", "--db", db, "--role", role, "--name", name).stdout.strip()
                           for name, role in (("kiosk-9", "kiosk"), ("quay-9", "counter"))}}
    counter, kiosk = HubClient(url, tokens["quay-9"], retries=0), HubClient(url, tokens["kiosk-9"], retries=0)
    counter.login("khoa.tvd", pins["khoa.tvd"], 1)
    with pytest.raises(Unauthorized):
        counter.login("ngoc.hb", DEMO_PINS["hoa.tt"], 1)
    with pytest.raises(Unauthorized):
        kiosk.unlock_kiosk_admin(DEMO_KIOSK_PIN)
    log = (db.parent / "hub.log").read_text(encoding="utf-8")
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (INFO|WARNING|ERROR) \S+: ", line)
               for line in log.splitlines()), log
    assert "staff khoa.tvd logged in on quay-9" in log and "staff log-in refused for 'ngoc.hb' on quay-9" in log
    assert "wrong kiosk admin PIN on kiosk-9" in log
    secrets = [*tokens.values(), *pins.values(), *DEMO_PINS.values(), DEMO_KIOSK_PIN,
               *(demo_token(DEFAULT_SEED, name) for name, _ in DEMO_DEVICES)]
    assert not [s for s in secrets if s in log]
