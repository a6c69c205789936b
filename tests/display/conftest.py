"""Display board harness: a real hub on 127.0.0.1 that can be stopped and restarted on the same
port over the same store file, counters that call tickets through HubClient, and the board's
Kivy window (headless, shared driver in tests/kivy_support.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # the real SDL2 player, with no sound card

import kivy_support  # noqa: E402,F401  (sets the headless Kivy environment before kivy loads)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub"))  # hub_support: enrolled office

import pytest  # noqa: E402
from display_helpers import RestartableHub  # noqa: E402
from hub_support import Office, make_office  # noqa: E402


@pytest.fixture
def open_office(tmp_path, clock):
    """Factory: a test office (3 counters, services A and B, tokens for quay-1, quay-2, bang-1)
    with its configuration overrides, served by a restartable hub (`office.hub`)."""
    offices = []

    def factory(**config) -> Office:
        office = make_office(tmp_path / f"office-{len(offices)}.db", clock, **config)
        office.hub = RestartableHub(office)
        offices.append(office)
        return office

    yield factory
    for office in offices:
        office.hub.stop()
        office.svc.store.close()


@pytest.fixture
def office(open_office) -> Office:
    """A test office with the default configuration and its hub."""
    return open_office()
