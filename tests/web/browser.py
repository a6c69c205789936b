"""Web pages in a real browser: Debian's chromium driven by Selenium (chromedriver from Debian),
a uvicorn server on 127.0.0.1 in a thread, and screenshots at a phone's and a desktop's size
under test-artifacts/web/."""
from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "web"
PHONE, DESKTOP = (360, 740), (1920, 1080)
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@contextlib.contextmanager
def served(app, sock: socket.socket | None = None, **config) -> Iterator[str]:
    """Serve an ASGI app in a thread on `sock` (default: 127.0.0.1, a free port), with uvicorn
    `config` options; yields its base URL."""
    if sock is None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
    config = {"log_level": "warning", **config}
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def chromium(size: tuple[int, int] = PHONE, javascript: bool = True):
    """A headless Debian chromium (no network but loopback, a fresh profile) at `size` CSS pixels."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("chromium and chromedriver are missing: run scripts/setup.sh")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-extensions", "--force-device-scale-factor=1",
                 "--lang=vi", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(20)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600})
        yield driver
    finally:
        driver.quit()


def shoot(driver, name: str) -> Path:
    """Save the whole page (its full height) as test-artifacts/web/<name>.png; returns the path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    width = driver.execute_script("return document.documentElement.clientWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    path.write_bytes(driver.get_screenshot_as_png())
    return path


def overflowing(driver) -> list[str]:
    """Elements wider than the page (a phone would scroll sideways), as tag.class strings."""
    return driver.execute_script("""
        const w = document.documentElement.clientWidth, out = [];
        for (const e of document.querySelectorAll('body *')) {
          const r = e.getBoundingClientRect();
          if (r.right > w + 1 && !e.closest('.table-wrap')) out.push(e.tagName.toLowerCase() + '.' + e.className);
        }
        return out;""")


def wait_for(driver, css: str, contains: str = "", timeout: float = 10.0):
    """The first element matching `css` whose text contains `contains`, once the page shows it."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def found(d):
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if contains in element.text:
                return element
        return False

    # the page being left may still answer the first look: its elements go stale, look again
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
        found, f"no {css!r} containing {contains!r}")
