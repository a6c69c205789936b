"""A leader in a real chromium: logs in, reads the province, opens an office, downloads the CSV;
screenshots at a phone's and a desktop's size under test-artifacts/web/."""
from __future__ import annotations

import re
import time

import pytest
from browser import DESKTOP, PHONE, chromium, overflowing, served, shoot, wait_for
from province_support import LEADER, OFFICES, PASSWORD, build_province
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from central.server import create_app
from central.store import CentralStore


def went_to(driver, url: str) -> None:
    """Wait until the browser shows a page whose URL matches the regex `url` (after a click), so
    that no element of the page left behind is read while it goes away."""
    WebDriverWait(driver, 20).until(lambda d: re.search(url, d.current_url), f"no page {url}")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("province-browser")
    store = CentralStore(str(tmp / "central.db"))
    build_province(tmp, store)
    yield create_app(store)
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_leader_reads_the_province_and_an_office(app, size, tmp_path):
    tag = f"{size[0]}x{size[1]}"
    with served(app) as base, chromium(size) as driver:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
        driver.get(f"{base}/province")
        wait_for(driver, "h1", "Đăng nhập")
        shoot(driver, f"province-login-{tag}")
        driver.find_element(By.ID, "username").send_keys(LEADER)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "login").click()
        went_to(driver, r"/province$")
        wait_for(driver, "h1", "Bảng điều hành cấp tỉnh")
        assert OFFICES[0][1] in driver.page_source and "Hết giấy" in driver.page_source
        assert not overflowing(driver)
        shoot(driver, f"province-dashboard-{tag}")
        driver.find_element(By.LINK_TEXT, OFFICES[1][1]).click()
        went_to(driver, rf"/province/offices/{OFFICES[1][0]}\?")
        wait_for(driver, "#office-name", OFFICES[1][1])
        assert not overflowing(driver)
        shoot(driver, f"province-office-{tag}")
        driver.find_element(By.CSS_SELECTOR, "a.lang").click()
        went_to(driver, "lang=en")
        wait_for(driver, "h2", "QĐ 766/QĐ-TTg indices")
        shoot(driver, f"province-office-{tag}-en")
        driver.get(f"{base}/province?lang=vi")
        wait_for(driver, "#csv").click()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (list(tmp_path.glob("*.crdownload")) or not any(
                f.stat().st_size for f in tmp_path.glob("*.csv"))):  # chromium writes, then renames
            time.sleep(0.1)
        [download] = tmp_path.glob("*.csv")
        assert download.read_bytes().startswith(b"\xef\xbb\xbf") and OFFICES[2][1] in download.read_text("utf-8-sig")
