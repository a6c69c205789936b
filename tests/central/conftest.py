"""Fixtures of the provincial dashboard tests: a fresh central store on SQLite or PostgreSQL (the
session's cluster, tests/conftest.py)."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from central.store import CentralStore

_db_names = itertools.count(1)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))  # the browser helpers (tests/web/browser.py)


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
