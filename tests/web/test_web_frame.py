"""The frame every web page shares (web/): rendering in two languages, security headers on the hub
and the central server, CSRF on forms — checked over real HTTP and in a real chromium."""
from __future__ import annotations

import requests
from browser import DESKTOP, PHONE, chromium, overflowing, served, shoot, wait_for
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from office_support import Clock, make_service, seed_catalogue
from selenium.webdriver.common.by import By

from central.server import create_app as central_app
from central.store import CentralStore
from hub.app import create_app as hub_app
from office.errors import DomainError
from web import pages, security
from web.texts import CATALOGUE


def sample_app() -> FastAPI:
    """A page with a form, rendered through web.pages as the hub's and central's pages are."""
    app = FastAPI()
    pages.install(app)
    page = pages.ENV.from_string(
        '{% extends "base.html" %}{% block main %}<h1>{{ t("common.site") }}</h1>'
        '<form method="post" action="/form"><input type="hidden" name="csrf" value="{{ csrf }}">'
        '<label for="u">{{ t("common.username") }}</label><input id="u" type="text" name="username">'
        '<button>{{ t("common.login") }}</button></form>{% endblock %}')

    @app.get("/page")
    async def show(request: Request) -> HTMLResponse:
        return pages.render(request, page)

    @app.post("/form")
    async def post(request: Request) -> HTMLResponse:
        try:
            form = await security.checked_form(request)
        except DomainError as error:
            return pages.error_page(request, error.message, 403, back="/page")
        return pages.error_page(request, f"ok {form['username']}", 200)

    return app


def test_every_text_has_both_languages():
    assert CATALOGUE and all(vi.strip() and en.strip() and vi != en for vi, en in CATALOGUE.values())


def test_hub_and_central_serve_the_frame_with_security_headers(tmp_path):
    service = make_service(tmp_path / "office.db", Clock())
    seed_catalogue(service.store)
    store = CentralStore(str(tmp_path / "central.db"))
    apps = [hub_app(service), central_app(store)]
    for app in apps:
        with served(app) as base:
            css = requests.get(f"{base}/static/site.css", timeout=5)
            assert css.status_code == 200 and "--brand" in css.text
            assert "default-src 'none'" in css.headers["content-security-policy"]
            assert css.headers["x-frame-options"] == "DENY" and css.headers["x-content-type-options"] == "nosniff"
            assert requests.get(f"{base}/static/%2e%2e/%2e%2e/pages.py", timeout=5).status_code == 404
    with served(apps[0]) as base:  # the device API is still closed to a caller without a token
        refused = requests.get(f"{base}/api/office", timeout=5)
        assert refused.status_code == 401 and refused.headers["referrer-policy"] == "no-referrer"
    service.store.close()


def test_forms_need_the_csrf_token_of_their_cookie():
    with served(sample_app()) as base:
        browser = requests.Session()
        page = browser.get(f"{base}/page", timeout=5)
        assert page.headers["cache-control"] == "no-store"
        token = browser.cookies["csrf"]
        assert f'value="{token}"' in page.text
        assert browser.post(f"{base}/form", data={"csrf": token, "username": "an"}, timeout=5).text.count("ok an")
        assert browser.post(f"{base}/form", data={"username": "an"}, timeout=5).status_code == 403
        assert browser.post(f"{base}/form", data={"csrf": "x" * 43, "username": "an"}, timeout=5).status_code == 403
        stranger = requests.post(f"{base}/form", data={"csrf": token, "username": "an"}, timeout=5)
        assert stranger.status_code == 403 and "Biểu mẫu đã hết hạn" in stranger.text


def test_the_frame_in_chromium_at_phone_and_desktop_size():
    with served(sample_app()) as base:
        for size in (PHONE, DESKTOP):
            with chromium(size) as driver:
                driver.get(f"{base}/page")
                wait_for(driver, "h1", "Bộ phận Một cửa")
                assert not overflowing(driver)
                shoot(driver, f"frame-{size[0]}x{size[1]}-vi")
                driver.find_element(By.CSS_SELECTOR, "a.lang").click()
                wait_for(driver, "h1", "One-stop office")
                driver.get(f"{base}/page")  # the language is remembered
                wait_for(driver, "h1", "One-stop office")
                assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
                driver.find_element(By.ID, "u").send_keys("Nguyễn Thị Minh Khai")
                driver.find_element(By.TAG_NAME, "button").click()
                wait_for(driver, ".notice", "ok Nguyễn Thị Minh Khai")
                shoot(driver, f"frame-{size[0]}x{size[1]}-en-posted")
