"""The hub's edges under attack: callers are checked before their bodies are read, slow or
half-sent requests and piles of connections cannot hold the hub, feeds are capped per device,
a full disk answers 503 with one log line, the API documentation is off outside the demo."""
from __future__ import annotations

import logging
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests
from hub_support import Office

from hub import api
from hub.feed import FEEDS_PER_DEVICE

BAD_BODY = {"procedure_code": 7, "applicant": {"nam": "x"}, "colour": "red"}


def writer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("hub-writer")]


def raw(office: Office, data: bytes, wait: float = 5.0) -> tuple[bytes, float]:
    """Send `data` on a fresh connection; (everything answered until the hub closed it, seconds)."""
    address = urlsplit(office.url)
    with socket.create_connection((address.hostname, address.port), timeout=wait) as sock:
        start = time.monotonic()
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer, time.monotonic() - start


def test_callers_are_checked_before_their_bodies(hub: Office):
    """No token, a wrong token or a device without the role: 401/403 without the schema's field
    names, however bad the body; none of it reaches the writer thread."""
    for device, status in ((None, 401), ("not-a-token", 401), ("kiosk-1", 403), ("bang-1", 403)):
        for path in ("/api/receive-dossier", "/api/call-next", "/api/set-pin"):
            response = hub.http("POST", path, device, json=BAD_BODY)
            assert response.status_code == (401 if device in (None, "not-a-token") else
                                            (404 if path == "/api/set-pin" else status)), (device, path)
            assert "procedure_code" not in response.text and "applicant" not in response.text
    login = hub.http("POST", api.SESSION_PATH, "kiosk-1", json={"username": 5})
    assert login.status_code == 403
    assert writer_threads() == []  # the hub has not written anything, nor queued anything to write
    assert hub.http("POST", "/api/issue-ticket", "kiosk-1", json={"service_code": "HT"}).status_code == 200
    assert writer_threads() != []


def test_a_refused_request_is_answered_without_its_body(hub: Office):
    """Headers announcing 50 kB and no token: answered at once and the connection closed; the hub
    never waits for the body."""
    answer, seconds = raw(hub, b"POST /api/issue-ticket HTTP/1.1\r\nHost: hub\r\n"
                               b"Content-Type: application/json\r\nContent-Length: 50000\r\n\r\n{")
    assert answer.startswith(b"HTTP/1.1 401") and b"connection: close" in answer.lower()
    assert seconds < 2


def test_slow_bodies_and_half_sent_headers_are_cut_off(make_hub):
    office = make_hub(hub_options={"body_timeout": 0.5})
    token = office.tokens["kiosk-1"].encode()
    answer, seconds = raw(office, b"POST /api/issue-ticket HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer "
                                  + token + b"\r\nContent-Length: 40\r\n\r\n{\"service")
    assert answer.startswith(b"HTTP/1.1 408") and 0.4 < seconds < 3
    assert office.svc.waiting_counts() == {}


def test_half_sent_requests_cannot_use_up_the_hub(make_hub, monkeypatch):
    """Connections that never finish their headers are closed after the deadline, and past the cap
    a new connection is closed at once: the hub keeps serving its devices."""
    monkeypatch.setattr("hub.server.HEADER_TIMEOUT_S", 0.5)
    monkeypatch.setattr("hub.server.BoundedH11.header_timeout", 0.5)
    office = make_hub(hub_options={"max_connections": 40})
    address = urlsplit(office.url)
    hanging = []
    for _ in range(60):  # more than the cap, each sending half a request line
        sock = socket.create_connection((address.hostname, address.port), timeout=5)
        sock.sendall(b"POST /api/issue-ticket HTTP/1.1\r\nHost: h")
        hanging.append(sock)
    closed_at_once = 0
    for sock in hanging[40:]:
        sock.settimeout(0.5)
        try:
            closed_at_once += sock.recv(100) == b""
        except (ConnectionResetError, TimeoutError):
            closed_at_once += 1
    assert closed_at_once == 20
    time.sleep(0.8)  # past the header deadline: the hub has closed the first 40
    for sock in hanging[:40]:
        sock.settimeout(2)
        try:
            assert sock.recv(100) == b""
        except ConnectionResetError:
            pass
        sock.close()
    assert hub_serves(office)


def hub_serves(office: Office) -> bool:
    return office.http("POST", "/api/issue-ticket", "kiosk-1", json={"service_code": "HT"}).status_code == 200


def test_api_documentation_is_off_outside_the_demo(make_hub):
    office = make_hub()
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert office.http("GET", path).status_code == 401
        assert office.http("GET", path, "admin-1").status_code == 404
    demo = make_hub("demo.db", hub_options={"docs": True})
    assert demo.http("GET", "/docs").status_code == 200
    assert "/api/issue-ticket" in demo.http("GET", "/openapi.json").json()["paths"]


@pytest.mark.parametrize("last_event_id", ["9" * 19, str(2 ** 63), "1" * 5000, "-1", "²"])
def test_out_of_range_positions_are_refused(hub: Office, last_event_id):
    response = hub.http("GET", api.FEED_PATH, "bang-1", headers={"Last-Event-ID": last_event_id})
    assert response.status_code in (400, 422) and response.json()["error"] == "invalid_input"
    assert hub.http("GET", api.FEED_PATH, "bang-1", params={"after": 2 ** 63}).status_code == 422


def test_feeds_are_capped_per_device_and_share_each_event(hub: Office):
    """A device holds at most FEEDS_PER_DEVICE feeds; every open feed gets each event once."""
    def open_feed(device: str) -> requests.Response:
        return hub.http("GET", api.FEED_PATH, device, stream=True, headers={"Last-Event-ID": "0"})

    feeds = [open_feed(device) for device in ("bang-1", "quay-1", "quay-2") for _ in range(FEEDS_PER_DEVICE)]
    assert all(f.status_code == 200 for f in feeds)
    over = open_feed("bang-1")
    assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
    hub.client("kiosk-1").issue_ticket("HT")
    hub.client("quay-1", "bich.tt").call_next(1)
    for f in feeds:
        lines = f.iter_lines(decode_unicode=True)
        events = []
        while "event: ticket.called" not in events:
            line = next(lines)
            if line.startswith("event: "):
                events.append(line)
        assert [e for e in events if e != "event: waiting"] == ["event: ticket.issued", "event: ticket.called"]
    feeds[0].close()
    deadline = time.monotonic() + 5
    while (again := open_feed("bang-1")).status_code == 429 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert again.status_code == 200
    for f in (*feeds, again):
        f.close()


def test_a_full_disk_answers_503_with_one_log_line(hub: Office, caplog):
    """A write the disk cannot take: 503 with Retry-After and plain words, nothing half-written,
    one warning line however many requests fail; the hub recovers when there is room again."""
    writer = hub.stops[0].hub.writer  # the hub's writes run there, on that thread's connection

    def room(pages: int | None) -> None:  # SQLite's own "database or disk is full" past `pages`
        db = hub.svc.store.db
        db.execute(f"PRAGMA max_page_count = {pages or db.execute('PRAGMA page_count').fetchone()[0]}")
    writer.submit(room, None).result()
    kiosk = {"Authorization": f"Bearer {hub.tokens['kiosk-1']}"}
    statuses = []
    with caplog.at_level(logging.WARNING, logger="hub"):
        for _ in range(300):
            response = requests.post(hub.url + "/api/issue-ticket", json={"service_code": "HT"}, headers=kiosk,
                                     timeout=10)
            statuses.append(response.status_code)
            if statuses[-5:] == [503] * 5:
                break
    assert set(statuses) == {200, 503} and statuses[-5:] == [503] * 5
    assert response.headers["Retry-After"].isdigit()
    assert response.json() == {"error": "store_unavailable", "message": response.json()["message"]}
    assert "thử lại" in response.json()["message"] and "sqlite" not in response.text.lower()
    lines = [r for r in caplog.records if r.name == "hub"]
    assert len(lines) == 1 and lines[0].exc_info is None and "store_unavailable" in lines[0].getMessage()
    issued = statuses.count(200)
    assert hub.svc.waiting_counts() == {"HT": issued}  # the refused ones left nothing
    writer.submit(room, 1_073_741_823).result()
    assert hub_serves(hub)
