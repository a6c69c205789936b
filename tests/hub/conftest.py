"""Fixtures of the hub tests: a test office and a real hub on 127.0.0.1 (port 0) in a thread."""
from __future__ import annotations

import pytest
from hub_support import Office, Ports, make_office, ports_for

from hub.server import start_hub_thread
from office.policy import Guards


@pytest.fixture
def make_hub(tmp_path, clock):
    """Factory: an office (config overrides allowed) with a hub serving it (`hub_options` go to
    `create_app`); stopped at teardown."""
    offices: list[Office] = []

    def factory(name: str = "office.db", start: bool = True, guards: Guards | None = None,
                hub_options: dict | None = None, **config) -> Office:
        office = make_office(tmp_path / name, clock, **config)
        office.guards = guards or office.guards
        if start:
            office.url, stop = start_hub_thread(office.svc, guards=office.guards, **(hub_options or {}))
            office.stops.append(stop)
        offices.append(office)
        return office

    yield factory
    for office in offices:
        for stop in office.stops:
            stop()
        office.svc.store.close()


@pytest.fixture
def hub(make_hub) -> Office:
    """A running hub over a fresh test office."""
    return make_hub()


@pytest.fixture(params=["embedded", "http"])
def mode(request) -> str:
    """Run a contract test embedded (OfficeGateway) and over HTTP (HubClient → hub)."""
    return request.param


@pytest.fixture
def ports(make_hub, mode) -> Ports:
    """The apps' ports in the parametrized mode, over one fresh office."""
    return ports_for(make_hub(start=mode == "http"), mode)
