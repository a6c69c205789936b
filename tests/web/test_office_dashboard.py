"""The office dashboard on a real hub (127.0.0.1) over the demo office (six counters, five
services with long Vietnamese names, weeks of dossiers and ratings), in a real chromium: a leader
logs in, sees every section with the core's own figures, watches a counter's call arrive live and
logs out; everyone else is refused in plain words."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import requests
from browser import DESKTOP, PHONE, chromium, overflowing, served, shoot, wait_for
from office_support import Clock
from selenium.webdriver.common.by import By

from demo.seed import DEMO_PINS, demo_token, seed_demo
from hub.app import create_app
from hub.client import HubClient
from hub.dashboard import COOKIE, LIVE_PATH, PATH
from office.config import OfficeConfig
from office.service import OfficeService
from office.text import figure

NOW = datetime(2026, 11, 26, 10, 0)  # a Thursday morning: the queue is busy
LEADER, CLERK = "son.hv", "hoa.tt"
PAUSE = "Nghỉ giữa giờ – họp giao ban với Ủy ban nhân dân xã"
LONG_NAMES = {"hotich": "Hộ tịch – Đăng ký khai sinh, kết hôn, khai tử và cải chính hộ tịch",
              "chungthuc": "Chứng thực bản sao, chữ ký, hợp đồng và giao dịch dân sự",
              "datdai": "Đất đai – Xây dựng – Tài nguyên môi trường và giải phóng mặt bằng",
              "xahoi": "Lao động – Thương binh và Xã hội, Người có công, Hộ kinh doanh",
              "traketqua": "Trả kết quả giải quyết thủ tục hành chính và thu phí, lệ phí"}


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The demo office at NOW with a paused counter and a printer alert, served by its hub."""
    clock = Clock(NOW)
    svc = OfficeService.open(tmp_path_factory.mktemp("dash") / "office.sqlite", OfficeConfig(), clock=clock)
    seed_demo(svc, dossiers=1500, tickets=1200, days=40, now=NOW - timedelta(days=1))
    with svc.store.write():
        for service in svc.services():
            svc.store.save_service(replace(service, name=LONG_NAMES[service.code]))
    clock.set(NOW - timedelta(minutes=50))  # this morning's queue: 20 citizens in 40 minutes
    codes = ["hotich", "chungthuc", "hotich", "datdai", "xahoi", "traketqua", "chungthuc"]
    for i in range(20):
        svc.issue_ticket(codes[i % len(codes)])
        clock.advance(minutes=2)
    clock.set(NOW - timedelta(minutes=8))
    for counter, staff in ((1, "hoa.tt"), (2, "nam.nv"), (3, "hoa.tt")):
        called = svc.call_next(counter, staff=staff)
        if counter != 3:
            svc.start_serving(called.id, counter)
    clock.set(NOW)
    svc.pause_counter(4, PAUSE)
    svc.report_device_problem("kiosk-2", "Máy in hết giấy", "Kiosk sảnh chính không in được số thứ tự")
    app = create_app(svc)
    with served(app) as base:
        yield svc, clock, base
    app.state.hub.close()  # its writer thread ends with it
    svc.store.close()


def log_in(driver, base: str, username: str) -> None:
    driver.get(base + PATH)
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "pin").send_keys(DEMO_PINS[username])
    driver.find_element(By.CSS_SELECTOR, "form.card button").click()


def text_of(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def test_a_leader_watches_the_office_live(office):
    svc, clock, base = office
    with chromium(DESKTOP) as driver:
        log_in(driver, base, CLERK)
        refused = wait_for(driver, ".notice.error")
        assert "chỉ dành cho lãnh đạo" in refused.text
        shoot(driver, "office-dashboard-refused")

        log_in(driver, base, LEADER)
        wait_for(driver, "#live", "Hàng đợi")
        board = svc.dashboard()  # the core's own answer, at the same instant
        assert text_of(driver, "#total-waiting") == str(sum(s["waiting"] for s in board["services"]))
        assert board["services"] and sum(s["waiting"] for s in board["services"]) > 0
        for s in board["services"]:
            row = driver.find_element(By.CSS_SELECTOR, f'tr[data-service="{s["code"]}"]')
            assert s["name"] in row.text and row.find_element(By.CSS_SELECTOR, ".waiting").text == str(s["waiting"])
        assert len(driver.find_elements(By.CSS_SELECTOR, "tr[data-counter]")) == 6
        assert PAUSE in text_of(driver, 'tr[data-counter="4"]')
        assert text_of(driver, "#mean-wait") == f"{figure(board['waits']['mean_wait_minutes'])} phút"
        assert text_of(driver, "#no-shows") == str(board["waits"]["no_shows"])
        assert "Máy in hết giấy" in text_of(driver, "#alerts")
        for key in ("today", "month"):
            period = driver.find_element(By.CSS_SELECTOR, f'[data-period="{key}"]')
            on_time = board[key]["on_time"]["value"]
            assert period.find_element(By.CSS_SELECTOR, ".on-time").text == (
                f"{figure(on_time)}%" if on_time is not None else "–")
            assert str(board[key]["ratings"]["count"]) in period.find_element(By.CSS_SELECTOR, ".ratings").text
        assert board["month"]["ratings"]["count"] > 0
        late = board["late"]
        assert late["overdue"] > 0
        assert text_of(driver, "#late-counts").startswith(f"{late['overdue']} hồ sơ quá hạn, {late['due_soon']}")
        assert late["rows"][0]["applicant"] in text_of(driver, "#late tbody tr")
        assert "*" in late["rows"][0]["applicant"]
        for index in board["qd766"]:
            row = driver.find_element(By.CSS_SELECTOR, f'tr[data-index="{index["code"]}"]')
            assert row.find_element(By.CSS_SELECTOR, ".value").text.startswith(figure(index["value"]))
            assert index["formula"][:40] in row.text
        assert len(driver.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 4
        shoot(driver, "office-dashboard-desktop")

        # a counter calls the next number through the hub's API: the page shows it within seconds
        counter = HubClient(base, demo_token(2026, "quay-1"))
        counter.login("nam.nv", DEMO_PINS["nam.nv"], 1)
        current = svc.counter_ticket(1)
        if current is not None:  # the simulated morning left a citizen at counter 1
            counter.finish_ticket(current.id, 1) if current.state.value == "serving" else \
                counter.mark_no_show(current.id, 1)
        called = counter.call_next(1)
        assert called is not None
        wait_for(driver, 'tr[data-counter="1"]', f"Đang gọi số {called.number}", timeout=15)

        driver.find_element(By.CSS_SELECTOR, "header.site form.inline button").click()
        wait_for(driver, ".notice", "Đã đăng xuất")
        cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
        assert COOKIE not in cookies
        driver.get(base + PATH)
        assert driver.find_elements(By.ID, "pin")


def test_the_dashboard_fits_a_phone_and_speaks_english(office):
    svc, clock, base = office
    with chromium(PHONE) as driver:
        log_in(driver, base, LEADER)
        wait_for(driver, "#live", "Hàng đợi")
        assert overflowing(driver) == []
        shoot(driver, "office-dashboard-phone")
        driver.get(base + PATH + "?lang=en")
        wait_for(driver, "#live", "Queue per service")
        assert overflowing(driver) == []
        shoot(driver, "office-dashboard-phone-en")
    with chromium(PHONE, javascript=False) as driver:  # without JavaScript: log in, refresh by the button
        driver.get(base + PATH)
        shoot(driver, "office-dashboard-login-phone")
        log_in(driver, base, LEADER)
        wait_for(driver, "#live", "Hàng đợi")
        driver.find_element(By.CSS_SELECTOR, ".dash-head a.button").click()
        assert wait_for(driver, "#as-of").text.startswith("Số liệu lúc")


def test_refused_without_login_without_csrf_and_after_expiry(office):
    svc, clock, base = office
    browser = requests.Session()
    page = browser.get(base + PATH, timeout=10)
    assert page.status_code == 200 and 'name="pin"' in page.text and "Hàng đợi" not in page.text
    for name, value in (("content-security-policy", "default-src 'none'"), ("x-frame-options", "DENY"),
                        ("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"),
                        ("cache-control", "no-store")):
        assert value in page.headers[name]
    assert browser.get(base + LIVE_PATH, timeout=10).status_code == 401
    token = browser.cookies["csrf"]
    pin = DEMO_PINS[LEADER]
    forged = browser.post(base + PATH + "/dang-nhap", data={"username": LEADER, "pin": pin}, timeout=10)
    assert forged.status_code == 403 and "Biểu mẫu đã hết hạn" in forged.text and COOKIE not in browser.cookies
    wrong = browser.post(base + PATH + "/dang-nhap", data={"csrf": token, "username": LEADER, "pin": "000001"},
                         timeout=10)
    assert wrong.status_code == 401 and "Tên đăng nhập hoặc mã PIN không đúng" in wrong.text
    clerk = browser.post(base + PATH + "/dang-nhap",
                         data={"csrf": token, "username": CLERK, "pin": DEMO_PINS[CLERK]}, timeout=10)
    assert clerk.status_code == 403 and COOKIE not in browser.cookies
    ok = browser.post(base + PATH + "/dang-nhap", data={"csrf": token, "username": LEADER, "pin": pin},
                      timeout=10, allow_redirects=False)
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"]
    assert re.search(rf"{COOKIE}=[A-Za-z0-9_-]{{43}}", cookie)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Hàng đợi" in browser.get(base + PATH, timeout=10).text
    assert browser.get(base + LIVE_PATH, timeout=10).status_code == 200
    stolen = requests.post(base + PATH + "/dang-xuat", cookies={COOKIE: browser.cookies[COOKIE]}, timeout=10)
    assert stolen.status_code == 403  # no CSRF token: the session stays
    assert browser.get(base + LIVE_PATH, timeout=10).status_code == 200
    lan = requests.Session()  # a leader who stops being one: her open session stops at once
    with svc.store.write():
        svc.store.save_staff("lan.pt", "Phạm Thị Lan", "Phó Chủ tịch UBND xã", "Lãnh đạo UBND xã", False, True)
    lan.get(base + PATH, timeout=10)
    lan.post(base + PATH + "/dang-nhap", data={"csrf": lan.cookies["csrf"], "username": "lan.pt",
                                               "pin": DEMO_PINS["lan.pt"]}, timeout=10)
    assert lan.get(base + LIVE_PATH, timeout=10).status_code == 200
    with svc.store.write():
        svc.store.save_staff("lan.pt", "Phạm Thị Lan", "Công chức Tư pháp – Hộ tịch", "Văn phòng HĐND và UBND",
                             False, False)
    assert lan.get(base + LIVE_PATH, timeout=10).status_code == 401
    demoted = lan.get(base + PATH, timeout=10)
    assert demoted.status_code == 403 and "chỉ dành cho lãnh đạo" in demoted.text and COOKIE not in lan.cookies
    clock.advance(hours=13)  # a session lasts a working day
    try:
        expired = browser.get(base + PATH, timeout=10)
        assert "Phiên đăng nhập đã hết hạn" in expired.text and 'name="pin"' in expired.text
        assert browser.get(base + LIVE_PATH, timeout=10).status_code == 401
    finally:
        clock.set(NOW)
