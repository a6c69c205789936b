"""The status page a phone opens from the receipt's QR (`<public_url>/tra-cuu#<code>.<secret>`), on
a real hub and on the central server (after a real sync): the printed Mẫu 01 rasterized and its QR decoded, the URL opened in chromium at phone
and desktop size, in Vietnamese and English; wrong secrets in plain words and limited; the typed
form without JavaScript; the secret never in the hub's access log."""
from __future__ import annotations

import socket
import stat
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from browser import ARTIFACTS, DESKTOP, PHONE, chromium, overflowing, shoot, wait_for
from citizen_office import APPLICANT, access_logged, citizen_office
from selenium.webdriver.common.by import By

from central.server import create_app as central_app
from central.store import CentralStore
from devices.decoders import CODE128, QR, make_decoder, read_image
from forms.dossier_forms import receipt
from office.catalogue import read_catalogue
from office.model import Applicant
from office.rules.codes import parse_scan
from sync.client import SyncClient
from sync.protocol import procedure_to_wire
from sync.transport import Transport


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    with citizen_office(tmp_path_factory.mktemp("status")) as running:
        yield running


def received(office, name: str = APPLICANT.name):
    """A birth registration received at counter 6 through the hub (code and secret from the answer)."""
    return office.counter().receive_dossier("1.001193", "TT", Applicant(name, id_number="079190012345"))


def scanned_qr(office, dossier) -> str:
    """The QR text of the printed receipt: Mẫu 01 as the counter prints it, rasterized at 200 dpi
    (test-artifacts/web/status-receipt.png), read by the kiosk's decoder."""
    pdf = ARTIFACTS / "status-receipt.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(receipt(office.counter(), dossier.code, dossier.secret))
    png = ARTIFACTS / "status-receipt"
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(pdf), str(png)], check=True, timeout=60)
    found = dict(make_decoder("zxing").decode(read_image(f"{png}.png")[:, :, 0]))
    assert found[CODE128] == dossier.code
    return found[QR]


def assert_secret_never_logged(office, secret: str) -> None:
    log = office.log.read_text(encoding="utf-8")
    assert "/tra-cuu" in log and secret not in log


def test_the_receipt_qr_opens_the_status_on_a_phone_and_a_desktop(office):
    d = received(office)
    url = scanned_qr(office, d)
    assert url == f"{office.url}/tra-cuu#{d.code}.{d.secret}"
    assert parse_scan(url) == (d.code, d.secret)  # the kiosk reads the same QR
    for size in (PHONE, DESKTOP):
        with chromium(size) as driver:
            driver.get(url)
            wait_for(driver, "h1", "Tình trạng hồ sơ")
            page = driver.find_element(By.TAG_NAME, "main").text
            assert d.code in page and "Nguyễn T*** P*** T*** N*" in page and "Đăng ký khai sinh" in page
            assert "Đã tiếp nhận" in page and "Ngày hẹn trả kết quả" in page and "Số liệu tính đến" in page
            assert APPLICANT.name not in page and "079190012345" not in page
            assert d.secret not in driver.current_url and "#" not in driver.current_url
            assert not overflowing(driver)
            shoot(driver, f"status-{size[0]}x{size[1]}-vi")
            wait_for(driver, "button.lang", "English").click()  # the same dossier, in English
            wait_for(driver, "h1", "Dossier status")
            assert d.code in driver.find_element(By.TAG_NAME, "main").text
            wait_for(driver, "button.lang", "Tiếng Việt").click()
            wait_for(driver, "h1", "Tình trạng hồ sơ")
            driver.get(url.replace("/tra-cuu#", "/tra-cuu?lang=en#"))
            wait_for(driver, "h1", "Dossier status")
            assert "Received" in driver.find_element(By.TAG_NAME, "main").text
            assert not overflowing(driver)
            shoot(driver, f"status-{size[0]}x{size[1]}-en")
    assert_secret_never_logged(office, d.secret)


def test_a_wrong_secret_is_refused_in_plain_words_and_the_limit_applies(office):
    d = received(office, "Trần Văn Bảo Long")
    browser = requests.Session()
    token = browser.get(f"{office.url}/tra-cuu", timeout=10).cookies["csrf"]
    wrong = f"{(int(d.secret) + 1) % 1_000_000:06d}"
    answers = [browser.post(f"{office.url}/tra-cuu", data={"csrf": token, "code": d.code, "secret": secret},
                            timeout=10) for secret in [wrong] * 5 + [d.secret]]
    # the core's typed-lookup limit, 5 wrong secrets a day per dossier code: the 5th says so at
    # once, and then even the right secret waits
    assert [a.status_code for a in answers] == [404] * 4 + [429] * 2
    assert all("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này" in a.text for a in answers[:4])
    assert all("Đã nhập sai quá nhiều lần" in a.text and "Traceback" not in a.text for a in answers[4:])
    malformed = browser.post(f"{office.url}/tra-cuu", data={"csrf": token, "code": "abc", "secret": "12"},
                             timeout=10)
    assert malformed.status_code == 422 and "chưa đúng dạng" in malformed.text
    forged = requests.post(f"{office.url}/tra-cuu", data={"code": d.code, "secret": d.secret}, timeout=10)
    assert forged.status_code == 403 and "Trang đã hết hạn" in forged.text
    other = received(office, "Lê Thị Hồng Nhung")
    for size in (PHONE, DESKTOP):
        with chromium(size) as driver:
            driver.get(f"{office.url}/tra-cuu")
            wait_for(driver, "h1", "Tra cứu tình trạng hồ sơ")
            assert not overflowing(driver)
            shoot(driver, f"status-{size[0]}x{size[1]}-form")
            driver.find_element(By.ID, "code").send_keys(other.code)
            driver.find_element(By.ID, "secret").send_keys(f"{(int(other.secret) + 7) % 1_000_000:06d}")
            driver.find_element(By.CSS_SELECTOR, "form#lookup button").click()
            wait_for(driver, ".notice.error", "Không tìm thấy hồ sơ")
            assert not overflowing(driver)
            shoot(driver, f"status-{size[0]}x{size[1]}-wrong-secret")
            driver.get(f"{office.url}/tra-cuu?lang=en")
            driver.find_element(By.ID, "code").send_keys(d.code)
            driver.find_element(By.ID, "secret").send_keys(d.secret)
            driver.find_element(By.CSS_SELECTOR, "form#lookup button").click()
            wait_for(driver, ".notice.error", "Too many wrong attempts")
            shoot(driver, f"status-{size[0]}x{size[1]}-limited-en")


def test_without_javascript_the_form_still_works(office):
    d = received(office, "Phạm Ngọc Minh Châu")
    with chromium(PHONE, javascript=False) as driver:
        driver.get(f"{office.url}/tra-cuu#{d.code}.{d.secret}")  # the fragment needs JS: the form shows
        wait_for(driver, "h1", "Tra cứu tình trạng hồ sơ")
        shoot(driver, "status-360x740-nojs-form")
        driver.find_element(By.ID, "code").send_keys(d.code)
        driver.find_element(By.ID, "secret").send_keys(d.secret)
        driver.find_element(By.CSS_SELECTOR, "form#lookup button").click()
        wait_for(driver, "h1", "Tình trạng hồ sơ")
        assert "Phạm N*** M*** C*" in driver.find_element(By.TAG_NAME, "main").text
        assert not overflowing(driver)
        shoot(driver, "status-360x740-nojs-result")
    assert_secret_never_logged(office, d.secret)


def test_the_central_server_answers_from_the_last_sync_and_limits_guesses(tmp_path):
    keys = tmp_path / "central.sqlite.lookup-keys"
    central = CentralStore(str(tmp_path / "central.sqlite"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    central_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    log = tmp_path / "central-access.log"
    (tmp_path / "office").mkdir()
    with citizen_office(tmp_path / "office", public_url=central_url) as office, \
            access_logged(central_app(central, lookup_keys=str(keys)), sock, log):
        catalogue = read_catalogue()  # the province publishes the catalogue the office uses
        central.save_catalogue([{"code": f.code, "name": f.name} for f in catalogue["fields"]],
                               [procedure_to_wire(p) for p in catalogue["procedures"]])
        token = central.enroll_office(office.svc.store.office_id, agency=office.svc.store.agency_code)
        central.lease_block(office.svc.store.office_id, office.svc.store.agency_code, 1000, date(2026, 1, 1))
        d = received(office, "Võ Thị Thanh Hương")
        url = scanned_qr(office, d)
        assert url == f"{central_url}/tra-cuu#{d.code}.{d.secret}"
        report = SyncClient(office.svc, Transport(central_url, token, attempts=2, backoff=0.01)).run()
        assert report.ok, report.summary("demo")
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600 and office.svc.store.lookup_key.hex() in keys.read_text()
        assert d.secret not in keys.read_text() and d.secret not in (tmp_path / "central.sqlite").read_bytes().decode(
            "latin-1")
        central.post_step(d.code, 4, "Lê Văn Cường", "Chuyên viên", "Phòng Tư pháp – Hộ tịch", "Thẩm định hồ sơ",
                          datetime(2026, 12, 1, 10, 30, tzinfo=UTC) - timedelta(hours=7))
        for size in (PHONE, DESKTOP):
            with chromium(size) as driver:
                driver.get(url)
                wait_for(driver, "h1", "Tình trạng hồ sơ")
                page = driver.find_element(By.TAG_NAME, "main").text
                assert "Võ T*** T*** H*" in page and "Đăng ký khai sinh" in page and "Đang giải quyết" in page and "Phòng Tư pháp – Hộ tịch" in page
                assert "lần đồng bộ gần nhất" in page and "Số liệu tính đến" in page
                assert not overflowing(driver)
                shoot(driver, f"status-central-{size[0]}x{size[1]}-vi")
        browser = requests.Session()
        csrf = browser.get(f"{central_url}/tra-cuu", timeout=10).cookies["csrf"]
        wrong = f"{(int(d.secret) + 3) % 1_000_000:06d}"
        answers = [browser.post(f"{central_url}/tra-cuu", data={"csrf": csrf, "code": d.code, "secret": secret},
                                timeout=10) for secret in [wrong] * 5 + [d.secret]]
        assert [a.status_code for a in answers] == [404] * 4 + [429] * 2
        assert "Đã nhập sai quá nhiều lần" in answers[-1].text
        other = requests.put(f"{central_url}/v1/lookup-key", json={"key": "ab" * 32},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert other.status_code == 409  # an office token cannot swap the key its receipts are checked with
        assert requests.put(f"{central_url}/v1/lookup-key", json={"key": "ab" * 32}, timeout=10).status_code == 401
    text = log.read_text(encoding="utf-8")
    assert "/tra-cuu" in text and d.secret not in text
    central.close()
