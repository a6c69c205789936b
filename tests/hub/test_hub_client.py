"""The HTTP client on a bad network: timeouts, an unreachable or foreign server, and answers lost
on the way back — retried with the same idempotency key, so nothing happens twice."""
from __future__ import annotations

import socket
import struct
import threading
import time

import pytest
from hub_support import Office

from hub.client import HubClient, HubUnavailable
from office.errors import Unauthorized
from office.model import TicketState


class Listener:
    """A loopback TCP server running `handle(connection)` for each connection it accepts."""

    def __init__(self, handle):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.handle = handle
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def close(self) -> None:
        self.sock.close()


def _read_http(sock: socket.socket) -> bytes:
    """One whole HTTP message (headers and a Content-Length body); b"" when the peer closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


class LossyProxy(Listener):
    """Forwards to the hub, but for the next `drops` requests it lets the hub answer and then resets
    the connection instead of passing the answer on (the request happened, the reply is lost)."""

    def __init__(self, hub_url: str):
        self.target = ("127.0.0.1", int(hub_url.rsplit(":", 1)[1]))
        self.drops = 0
        super().__init__(self._relay)

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(self.target) as upstream:
            while request := _read_http(client):
                upstream.sendall(request)
                answer = _read_http(upstream)  # the hub has acted and answered
                if self.drops > 0:
                    self.drops -= 1
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return  # closing with linger 0 resets the connection: the answer never arrives
                client.sendall(answer)


def test_a_lost_answer_is_retried_without_acting_twice(hub: Office):
    proxy = LossyProxy(hub.url)
    kiosk = HubClient(proxy.url, hub.tokens["kiosk-1"], backoff=0.05)
    counter = HubClient(proxy.url, hub.tokens["quay-1"], backoff=0.05)
    counter.login("bich.tt", "123456", 1)
    proxy.drops = 1
    first = kiosk.issue_ticket("HT")
    assert proxy.drops == 0 and first.ticket.number == "A001"
    kiosk.issue_ticket("HT")
    proxy.drops = 1
    called = counter.call_next(1)
    assert proxy.drops == 0 and called.number == "A001"
    tickets = hub.svc.store.tickets(hub.clock().date())
    assert [(t.number, t.state) for t in tickets] == [("A001", TicketState.CALLED), ("A002", TicketState.WAITING)]
    proxy.drops = 3  # more losses than retries: the client says so, and the hub acted once
    with pytest.raises(HubUnavailable):
        counter.recall(called.id, 1)
    assert hub.svc.store.ticket(called.id).calls == 2
    proxy.close()


def test_unreachable_hub(hub: Office):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"  # nobody listens here
    started = time.monotonic()
    with pytest.raises(HubUnavailable, match=url):
        HubClient(url, hub.tokens["kiosk-1"], backoff=0.05).services()
    assert time.monotonic() - started < 2


def test_a_silent_server_times_out():
    silent = Listener(lambda conn: time.sleep(5))
    started = time.monotonic()
    with pytest.raises(HubUnavailable):
        HubClient(silent.url, "x", timeout=(0.5, 0.3), retries=1, backoff=0.05).services()
    assert time.monotonic() - started < 2
    silent.close()


@pytest.mark.parametrize("reply", [
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\nConnection: close\r\n\r\nnope!",
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<html>",
], ids=["proxy error", "web page"])
def test_something_else_answering_is_not_a_hub(reply):
    def answer(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(reply)
        conn.close()

    other = Listener(answer)
    with pytest.raises(HubUnavailable):
        HubClient(other.url, "x", retries=0).services()
    other.close()


def test_feed_refused_credentials_raise_instead_of_retrying(hub: Office):
    with pytest.raises(Unauthorized):
        next(HubClient(hub.url, "not-a-token").feed())
