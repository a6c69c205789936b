"""Fixtures of the provincial dashboard tests: a throwaway PostgreSQL cluster for the session and
a fresh central store on SQLite or PostgreSQL."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from central.store import CentralStore
from testkit.pgtest import TempPostgres

_db_names = itertools.count(1)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))  # the browser helpers (tests/web/browser.py)


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL cluster for the whole session (from the Debian package), stopped at the end."""
    pg = TempPostgres().start()
    yield pg
    pg.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def central(request, tmp_path) -> CentralStore:
    """A fresh central store on each backend."""
    if request.param == "sqlite":
        url = str(tmp_path / "central.db")
    else:
        url = request.getfixturevalue("postgres").create_database(f"dash_{next(_db_names)}")
    store = CentralStore(url)
    yield store
    store.close()
