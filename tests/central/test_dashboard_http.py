"""The provincial dashboard over real HTTP: login (CSRF, lockout), the province and one office with
demo data from three synced offices, the CSV export, refusals without login or CSRF token, and
the security headers."""
from __future__ import annotations

import csv
import io
import re

import pytest
import requests
from province_support import LEADER, OFFICES, PASSWORD, SILENT, build_province

from central.indicators import ALL
from central.server import CentralThread
from central.store import CentralStore


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    """The central server over a central store (SQLite or PostgreSQL) holding the demo province."""
    tmp = tmp_path_factory.mktemp("province")
    url = str(tmp / "central.db") if request.param == "sqlite" else \
        request.getfixturevalue("postgres").create_database("province_http")
    store = CentralStore(url)
    build_province(tmp, store)
    server = CentralThread(store).start()
    yield server.url, store
    server.stop()
    store.close()


def csrf_of(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def logged_in(base: str) -> requests.Session:
    s = requests.Session()
    token = csrf_of(s, f"{base}/province/login")
    r = s.post(f"{base}/province/login", data={"csrf": token, "username": LEADER, "password": PASSWORD},
               timeout=30, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/province"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    return s


def test_nothing_without_login(site):
    base, _ = site
    for path in ("/province", f"/province/offices/{OFFICES[0][0]}", "/province/export.csv"):
        r = requests.get(base + path, timeout=10, allow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/province/login", path
        assert "Tân Phú" not in r.text


def test_a_form_without_its_csrf_token_is_refused(site):
    base, _ = site
    s = requests.Session()
    csrf_of(s, f"{base}/province/login")  # the browser has the cookie, but the form lacks the token
    r = s.post(f"{base}/province/login", data={"username": LEADER, "password": PASSWORD}, timeout=10,
               allow_redirects=False)
    assert r.status_code == 403 and "leader" not in r.headers.get("set-cookie", "")
    assert "Biểu mẫu đã hết hạn" in r.text
    other = requests.post(f"{base}/province/login", timeout=10, allow_redirects=False,
                          data={"csrf": "x" * 43, "username": LEADER, "password": PASSWORD})
    assert other.status_code == 403


def test_security_headers_on_every_page(site):
    base, _ = site
    s = logged_in(base)
    for path in ("/province/login", "/province", f"/province/offices/{OFFICES[1][0]}"):
        r = s.get(base + path, timeout=30)
        assert r.status_code == 200
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
        assert "http://" not in re.sub(r'href="/[^"]*"', "", r.text.split("<body>", 1)[1]).replace(
            "http://www.w3.org", "")


def test_the_province_and_an_office_show_the_synced_figures(site):
    base, store = site
    s = logged_in(base)
    page = s.get(f"{base}/province", timeout=30).text
    for _, name, _, _ in OFFICES:
        assert name in page
    assert SILENT[1] in page and "Chưa đồng bộ" in page
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in page and "Kết thúc đúng hoặc trước hạn:" in page
    assert "Hết giấy" in page and "<svg" in page
    received = int(re.search(r'id="received">(\d+)<', page).group(1))
    month = store.month_tallies(re.search(r'<option value="([\d-]+)" selected', page).group(1))
    assert received == month[ALL, ALL]["received"] == sum(
        c["received"] for (o, f), c in month.items() if ALL not in (o, f)) > 0
    office = s.get(f"{base}/province/offices/{OFFICES[0][0]}", timeout=30).text
    assert OFFICES[0][1] in office and "does not fit its schema" in office  # its quarantined event
    english = s.get(f"{base}/province?lang=en", timeout=30).text
    assert "Provincial dashboard" in english and "On time" in english
    assert s.get(f"{base}/province/offices/khong-co", timeout=10).status_code == 404


def test_csv_opens_in_excel_with_vietnamese(site):
    base, _ = site
    s = logged_in(base)
    r = s.get(f"{base}/province/export.csv", timeout=30)
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Tháng", "Mã đơn vị", "Đơn vị"]
    totals = [row for row in rows[1:] if row[4] == "Tất cả lĩnh vực"]
    assert {row[1] for row in totals} == {o[0] for o in OFFICES} | {SILENT[0]}


def test_logout_ends_the_session(site):
    base, _ = site
    s = logged_in(base)
    token = csrf_of(s, f"{base}/province")
    assert s.post(f"{base}/province/logout", data={"csrf": token}, timeout=10,
                  allow_redirects=False).status_code == 303
    assert s.get(f"{base}/province", timeout=10, allow_redirects=False).status_code == 303


def test_repeated_wrong_passwords_lock_out(site):
    base, _ = site
    s = requests.Session()
    statuses = []
    for _ in range(6):
        token = csrf_of(s, f"{base}/province/login")
        statuses.append(s.post(f"{base}/province/login", timeout=10, allow_redirects=False,
                               data={"csrf": token, "username": "lan.nt", "password": "sai-mat-khau"}).status_code)
    assert statuses == [401] * 5 + [429]
