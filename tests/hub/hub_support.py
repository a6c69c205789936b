"""Helpers of the hub tests: an office with enrolled devices and staff PINs, and the two ways to
reach its use cases (embedded OfficeGateway, or HubClient against a real hub on 127.0.0.1)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from office_support import BACK_OFFICE, LEADER, OFFICER, Clock, make_config, make_service, seed_catalogue

from hub.client import HubClient
from office.auth import Credentials
from office.gateway import OfficeGateway
from office.policy import Guards
from office.service import OfficeService

STAFF = {"bich.tt": (OFFICER, "123456"), "cuong.lv": (BACK_OFFICE, "654321"), "son.hv": (LEADER, "246810")}
DEVICES = {"kiosk-1": "kiosk", "kiosk-2": "kiosk", "quay-1": "counter", "quay-2": "counter",
           "bang-1": "display", "admin-1": "admin"}
COUNTER_OF = {"quay-1": 1, "quay-2": 2}  # the counter each counter device logs in at


@dataclass
class Office:
    """A test office: service (with its controllable clock), device tokens, and the hub URL once started."""

    svc: OfficeService
    clock: Clock
    tokens: dict[str, str]
    url: str | None = None
    stops: list = field(default_factory=list)
    guards: Guards = field(default_factory=Guards)  # shared by the hub and the embedded gateways

    def client(self, device: str, staff: str | None = None, **options: Any) -> HubClient:
        """A HubClient for an enrolled device, with a staff member logged in if given (at the
        device's counter)."""
        client = HubClient(self.url, self.tokens[device], **options)
        if staff:
            client.login(staff, STAFF[staff][1], COUNTER_OF.get(device))
        return client

    def gateway(self, device: str, staff: str | None = None) -> OfficeGateway:
        """The embedded port of an enrolled device (as the hub would build it), staff logged in if
        given (at the device's counter)."""
        gateway = OfficeGateway(self.svc, Credentials(self.svc.store).device(self.tokens[device]), self.guards)
        if staff:
            gateway.login(staff, STAFF[staff][1], COUNTER_OF.get(device))
        return gateway

    def port(self, mode: str, device: str, staff: str | None = None) -> Any:
        """A device's port: embedded (`gateway`) or over HTTP (`client`)."""
        return self.gateway(device, staff) if mode == "embedded" else self.client(device, staff)

    def http(self, method: str, path: str, device: str | None = None, session: str | None = None,
             **kwargs: Any) -> requests.Response:
        """A raw request to the hub (for status codes and error bodies)."""
        headers = kwargs.pop("headers", {})
        if device:
            headers["Authorization"] = f"Bearer {self.tokens.get(device, device)}"
        if session:
            headers["X-Staff-Session"] = session
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def session(self, device: str, staff: str) -> str:
        """A staff session token opened on `device`."""
        return self.client(device, staff).session_token

    def last_event(self) -> int:
        """Position of the newest change-log event (to prove a rejected request wrote nothing)."""
        return self.svc.store.last_event_seq()


def make_office(path: Path, clock: Clock, **config: Any) -> Office:
    """A fresh store with the test catalogue, three staff members (one a leader) with PINs and the
    test devices."""
    svc = make_service(path, clock, make_config(**config))
    seed_catalogue(svc.store)
    with svc.store.write():
        for username, (actor, _) in STAFF.items():
            svc.store.save_staff(username, actor.name, actor.role, actor.department, actor.leader)
    credentials = Credentials(svc.store, clock)
    for username, (_, pin) in STAFF.items():
        credentials.set_pin(username, pin)
    tokens = {name: credentials.enroll(role, name) for name, role in DEVICES.items()}
    return Office(svc, clock, tokens)


@dataclass
class Ports:
    """The port as each app holds it: a kiosk, a reception counter, a back-office officer."""

    kiosk: Any
    counter: Any
    backoffice: Any
    office: Office

    def advance(self, **delta: Any) -> None:
        """Move the clock on; staff log in again (a session lasts one working day)."""
        self.office.clock.advance(**delta)
        for port, staff, counter in ((self.counter, "bich.tt", 1), (self.backoffice, "cuong.lv", 2)):
            port.login(staff, STAFF[staff][1], counter)


def ports_for(office: Office, mode: str) -> Ports:
    """The apps' ports: embedded gateways or HubClients, one per device."""
    return Ports(office.port(mode, "kiosk-1"), office.port(mode, "quay-1", "bich.tt"),
                 office.port(mode, "quay-2", "cuong.lv"), office)
