"""The ticket page a phone opens from the ticket's QR (`<hub_url>/phieu/<day>/<number>/<token>`) on
the office Wi-Fi: the printed ticket's QR decoded, then the page follows the ticket from waiting
(people ahead, estimated wait) to called ("Mời bạn đến Quầy 5") to served and rated, while the
counter works through the real hub API; with and without JavaScript; the kiosk still rates by
scanning the same QR; a wrong token gets plain words."""
from __future__ import annotations

import pytest
import requests
import zxingcpp
from browser import DESKTOP, PHONE, chromium, overflowing, shoot
from citizen_office import citizen_office
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from devices.ticket_render import parse_rating_qr, render_ticket, ticket_info
from office.model import TicketState

XAHOI = 5  # Quầy 5 serves only "Lao động – Xã hội, Hộ kinh doanh" (prefix D)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    with citizen_office(tmp_path_factory.mktemp("ticket")) as running:
        yield running


def wait_for(driver, css: str, contains: str = "", timeout: float = 10.0):
    """browser.wait_for, across the page reloading itself (ticket.js reloads on a change of state)."""
    def found(d):
        return next((e for e in d.find_elements(By.CSS_SELECTOR, css) if contains in e.text), False)

    return WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException]).until(
        found, f"no {css!r} containing {contains!r}")


def printed_qr(office, receipt) -> str:
    """The QR of the ticket as the kiosk prints it, read back from the printed raster."""
    image = render_ticket(ticket_info(receipt, office.svc.config.office_name, hub_url=office.kiosk().office()["hub_url"]))
    return zxingcpp.read_barcodes(image.convert("L"))[0].text


def call_until(counter, number: str):
    """Call at Quầy 5 until `number` is called (serving whoever comes before it)."""
    while True:
        current = counter.counter_ticket(XAHOI)
        if current is not None and current.state == TicketState.CALLED:
            counter.start_serving(current.id, XAHOI)
        called = counter.call_next(XAHOI)
        assert called is not None
        if called.number == number:
            return called


def test_the_ticket_page_follows_a_ticket_from_waiting_to_rated(office):
    kiosk, counter = office.kiosk(), office.counter(XAHOI, "mai.dt")
    for _ in range(2):
        kiosk.issue_ticket("xahoi")
    mine = kiosk.issue_ticket("xahoi")
    url = printed_qr(office, mine)
    day = mine.ticket.issued_at.date()
    assert url == f"{office.url}/phieu/{day}/{mine.ticket.number}/{mine.rating_token}"
    assert parse_rating_qr(url) == (mine.ticket.number, day, mine.rating_token)
    ahead = mine.people_ahead
    assert ahead >= 2 and mine.estimated_wait_minutes > 0
    with chromium(PHONE) as phone, chromium(DESKTOP) as desk:
        for driver, size in ((phone, PHONE), (desk, DESKTOP)):
            driver.get(url)
            wait_for(driver, ".live-head", f"Còn {ahead} người trước bạn")
            assert f"khoảng {mine.estimated_wait_minutes} phút" in driver.find_element(By.ID, "live").text
            assert mine.ticket.number in driver.find_element(By.CSS_SELECTOR, ".ticket-number").text
            assert not driver.find_elements(By.CSS_SELECTOR, "form.rating") and not overflowing(driver)
            shoot(driver, f"ticket-{size[0]}x{size[1]}-waiting")
        first = counter.call_next(XAHOI)  # someone ahead is called: the page counts down by itself
        assert first.number != mine.ticket.number
        wait_for(phone, ".live-head", f"Còn {ahead - 1} người trước bạn", timeout=20)
        call_until(counter, mine.ticket.number)
        for driver, size in ((phone, PHONE), (desk, DESKTOP)):
            wait_for(driver, ".live-head", "Mời bạn đến Quầy 5", timeout=20)
            assert not overflowing(driver)
            shoot(driver, f"ticket-{size[0]}x{size[1]}-called")
        counter.start_serving(counter.counter_ticket(XAHOI).id, XAHOI)
        wait_for(phone, ".live-head", "Bạn đang được phục vụ tại Quầy 5", timeout=20)
        wait_for(phone, "form.rating button", "Gửi đánh giá")  # served: the rating form is offered
        shoot(phone, "ticket-360x740-serving")
        counter.finish_ticket(counter.counter_ticket(XAHOI).id, XAHOI)
        phone.refresh()
        wait_for(phone, ".live-head", "Đã phục vụ xong")
        phone.find_element(By.XPATH, "//label[contains(., 'Không hài lòng')]").click()
        phone.find_element(By.CSS_SELECTOR, "form.rating button").click()  # no reason: asked for one
        wait_for(phone, ".notice.error", "Vui lòng cho biết lý do")
        assert phone.find_element(By.CSS_SELECTOR, "input[name=level][value='1']").is_selected()
        shoot(phone, "ticket-360x740-rating-needs-reason")
        phone.find_element(By.ID, "reason").send_keys("Phải chờ khá lâu ở khu vực Lao động – Xã hội")
        phone.find_element(By.CSS_SELECTOR, "form.rating button").click()
        wait_for(phone, ".live-head", "Cảm ơn ông/bà đã đánh giá!")
        assert not phone.find_elements(By.CSS_SELECTOR, "form.rating") and not overflowing(phone)
        shoot(phone, "ticket-360x740-rated")
        desk.get(url + "?lang=en")
        wait_for(desk, ".live-head", "Thank you for your rating!")
        assert not desk.find_elements(By.CSS_SELECTOR, "form.rating")
        shoot(desk, "ticket-1920x1080-rated-en")
    rating = office.svc.store.rating_for("ticket", f"{mine.ticket.number}@{day}")
    assert rating.level == 1 and rating.counter_id == XAHOI and "chờ khá lâu" in rating.reason


def test_without_javascript_the_page_refreshes_and_rates(office):
    kiosk, counter = office.kiosk(), office.counter(XAHOI, "mai.dt")
    mine = kiosk.issue_ticket("xahoi")
    url = printed_qr(office, mine)
    with chromium(PHONE, javascript=False) as driver:
        driver.get(url)
        wait_for(driver, ".live-head", "người trước bạn" if mine.people_ahead > 1 else "")
        assert driver.find_element(By.CSS_SELECTOR, "noscript").get_attribute("innerHTML").count("refresh")
        shoot(driver, "ticket-360x740-nojs-waiting")
        call_until(counter, mine.ticket.number)
        driver.find_element(By.LINK_TEXT, "Cập nhật").click()
        wait_for(driver, ".live-head", "Mời bạn đến Quầy 5")
        shoot(driver, "ticket-360x740-nojs-called")
        counter.start_serving(counter.counter_ticket(XAHOI).id, XAHOI)
        driver.find_element(By.LINK_TEXT, "Cập nhật").click()
        driver.find_element(By.XPATH, "//label[contains(., 'Rất hài lòng')]").click()
        driver.find_element(By.CSS_SELECTOR, "form.rating button").click()
        wait_for(driver, "#live", "Cảm ơn ông/bà đã đánh giá!")  # still at the counter: rated already
        assert not driver.find_elements(By.CSS_SELECTOR, "form.rating")
        shoot(driver, "ticket-360x740-nojs-rated")


def test_the_kiosk_still_rates_by_scanning_the_same_qr_and_a_wrong_token_gets_plain_words(office):
    kiosk, counter = office.kiosk(), office.counter(XAHOI, "mai.dt")
    mine = kiosk.issue_ticket("xahoi")
    url = printed_qr(office, mine)
    call_until(counter, mine.ticket.number)
    counter.start_serving(counter.counter_ticket(XAHOI).id, XAHOI)
    number, day, token = parse_rating_qr(url)
    phone = requests.Session()
    csrf = phone.get(url + "?lang=en", timeout=10).cookies["csrf"]
    unsent = phone.post(url + "/danh-gia", data={"csrf": csrf, "level": "1"}, timeout=10)
    assert unsent.status_code == 422 and "Your rating was not sent" in unsent.text  # plain words, in English
    forged = requests.post(url + "/danh-gia", data={"level": "3"}, timeout=10)  # no CSRF token
    assert forged.status_code == 403 and "Trang đã hết hạn" in forged.text
    assert kiosk.rate("ticket", f"{number}@{day}", token, 3).level == 3
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and "Cảm ơn ông/bà đã đánh giá!" in answer.text
    wrong = requests.get(url[:-8] + "AAAAAAAA", timeout=10)
    assert wrong.status_code == 404 and "Không tìm thấy phiếu số thứ tự này" in wrong.text
    assert requests.get(f"{office.url}/phieu/2026-13-01/{number}/{token}", timeout=10).status_code == 404
    with chromium(PHONE) as driver:
        driver.get(url[:-8] + "AAAAAAAA")
        wait_for(driver, ".notice.error", "Không tìm thấy phiếu số thứ tự này")
        shoot(driver, "ticket-360x740-wrong-token")
    guesses = [requests.get(url[:-8] + "BBBBBBBB", timeout=10) for _ in range(3)]  # wrong tokens 3–5
    assert [g.status_code for g in guesses] == [404, 404, 429] and "Đã nhập sai quá nhiều lần" in guesses[-1].text
