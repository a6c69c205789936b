"""Helpers of the display tests (imported by name: conftest modules are not)."""
from __future__ import annotations

import time

from hub.client import HubClient, HubUnavailable
from hub.server import start_hub_thread


class RestartableHub:
    """The office's hub on a thread; `stop()` and `start()` again on the same port and store."""

    def __init__(self, office):
        self.office = office
        self.url, self._stop = start_hub_thread(office.svc)
        office.url = self.url
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self._stop:
            self._stop()
            self._stop = None

    def start(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                self.url, self._stop = start_hub_thread(self.office.svc, port=self.port)
                return
            except OSError:  # the port is still being released
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def issue(office, *services: str) -> None:
    """Tickets taken at the kiosk (straight into the store: the kiosk is not under test)."""
    for code in services:
        office.svc.issue_ticket(code)


def patiently(action, timeout: float = 15):
    """Run a counter's request, retrying while the hub is down (as the counter app does)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except HubUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def counter_client(office, device: str = "quay-1") -> HubClient:
    """A counter device with its staff member logged in (at its own counter: quay-N at Quầy N),
    calling over HTTP."""
    staff = {"quay-1": "bich.tt", "quay-2": "cuong.lv", "quay-3": "son.hv"}[device]
    return office.client(device, staff, retries=0)


def wait_for(predicate, timeout: float = 10, what: str = "") -> None:
    """Poll until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.02)
