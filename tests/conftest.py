"""Shared fixtures: a real SQLite store in a tmp file, an OfficeService with a controllable
clock, the tiny catalogue of `office_support`, and a throwaway PostgreSQL cluster."""
from __future__ import annotations

from pathlib import Path

import pytest
from office_support import Clock, make_config, make_service, seed_catalogue

from office.service import OfficeService
from testkit.pgtest import TempPostgres


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "office.db"


@pytest.fixture
def svc(db_path, clock) -> OfficeService:
    """A service over a fresh store with the catalogue."""
    service = make_service(db_path, clock)
    seed_catalogue(service.store)
    yield service
    service.store.close()


@pytest.fixture
def make_svc(db_path, clock):
    """Factory for a service with configuration overrides over the same fresh file."""
    made = []

    def factory(**overrides) -> OfficeService:
        service = make_service(db_path, clock, make_config(**overrides))
        if not made:
            seed_catalogue(service.store)
        made.append(service)
        return service

    yield factory
    for service in made:
        service.store.close()


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL cluster for the whole session (from the Debian package), stopped at the end."""
    pg = TempPostgres().start()
    yield pg
    pg.stop()
