"""Fixtures of the sync tests: a central store on SQLite or PostgreSQL (the session's cluster,
tests/conftest.py), a central server on 127.0.0.1 and office services over real files."""
from __future__ import annotations

import itertools

import pytest

from central.server import CentralThread
from central.store import CentralStore

_db_names = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request, tmp_path):
    """A fresh central store URL on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "central.db")
    return request.getfixturevalue("postgres").create_database(f"central_{next(_db_names)}")


@pytest.fixture
def central(central_url) -> CentralStore:
    store = CentralStore(central_url)
    yield store
    store.close()


@pytest.fixture
def sqlite_central(tmp_path) -> CentralStore:
    store = CentralStore(str(tmp_path / "central.db"))
    yield store
    store.close()


@pytest.fixture
def server(sqlite_central):
    """The central HTTP server on 127.0.0.1 (port 0) over a SQLite central store."""
    srv = CentralThread(sqlite_central).start()
    yield srv
    srv.stop()
