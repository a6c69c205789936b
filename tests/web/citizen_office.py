"""The office of the citizen's-phone tests: the demo commune office (six counters, five services,
weeks of dossiers and tickets) on a real hub on 127.0.0.1, whose receipts and tickets print QR codes
pointing at that hub, served by uvicorn with its access log into a file (to prove what it never
logs); the counter side through HubClient, as the counter app does it."""
from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from browser import served
from office_support import Clock, make_service

from demo.seed import DEFAULT_SEED, DEMO_PINS, demo_token, seed_demo
from hub.app import create_app
from hub.client import HubClient
from office.config import OfficeConfig
from office.model import Applicant
from office.service import OfficeService

TUESDAY = datetime(2026, 12, 1, 9, 0)  # a working morning inside ticket hours
APPLICANT = Applicant("Nguyễn Thị Phương Thảo Nguyên", id_number="079190012345", phone="0903123456",
                      address="Số 45 đường Nguyễn Thị Minh Khai, ấp Bình Hòa, xã Tân Phú")


@contextlib.contextmanager
def access_logged(app, sock: socket.socket, log: Path) -> Iterator[None]:
    """Serve `app` on `sock` in a thread with uvicorn's access log written to `log`."""
    handler = logging.FileHandler(log, encoding="utf-8")
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    try:
        with served(app, sock, log_config=None, log_level="info", access_log=True):
            yield
    finally:
        access.removeHandler(handler)
        handler.close()


@dataclass
class CitizenOffice:
    """The running office: its service and clock, the hub's base URL and its access log."""

    svc: OfficeService
    clock: Clock
    url: str
    log: Path

    def counter(self, counter_id: int = 6, username: str = "hoa.tt") -> HubClient:
        """A counter device's HubClient with a staff member logged in at `counter_id`."""
        client = HubClient(self.url, demo_token(DEFAULT_SEED, f"quay-{counter_id}"))
        client.login(username, DEMO_PINS[username], counter_id)
        return client

    def kiosk(self) -> HubClient:
        """Kiosk 1's HubClient."""
        return HubClient(self.url, demo_token(DEFAULT_SEED, "kiosk-1"))


@contextlib.contextmanager
def citizen_office(tmp_path: Path, public_url: str | None = None) -> Iterator[CitizenOffice]:
    """The demo office on a hub at 127.0.0.1:<free port>; receipts point at `public_url` (default:
    this hub), tickets at this hub."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    clock = Clock(TUESDAY)
    config = replace(OfficeConfig(), public_url=public_url or url, hub_url=url)
    svc = make_service(tmp_path / "office.sqlite", clock, config)
    seed_demo(svc, dossiers=60, tickets=40, days=4, now=clock())
    log = tmp_path / "access.log"
    app = create_app(svc)
    try:
        with access_logged(app, sock, log):
            yield CitizenOffice(svc, clock, url, log)
    finally:
        app.state.hub.close()
        svc.store.close()
