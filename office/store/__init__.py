"""The office's SQLite store: the only package with SQL.

`Store` composes one mixin per aggregate over `StoreBase` (connection per thread, WAL,
`write()`/`read()` transactions, meta, change log, idempotency keys):

    catalogue     fields, procedures, services, counters, staff
    dossiers      dossiers, steps, due changes, numbering, intake records
    queue         tickets and their daily numbering
    ratings       satisfaction ratings
    credentials   devices, PIN hashes, staff sessions, audit log
    sync_state    sync values, inbox of pulled updates, number blocks, central calendar
    attempts      attempts counted against the office's limits (lockouts, alert limits)
    search        dossier search for staff through indexes (FTS5 names, codes, ID numbers, phones)
    online        dossiers submitted online, waiting at the counter
    reports       grouped rows for reports and the register, `info` counts

The schema lives in `migrations` (m001…); each module only touches its own tables.
"""
from __future__ import annotations

from office.store.attempts import AttemptStore
from office.store.base import BUSY_TIMEOUT_S, SCHEMA_VERSION, StoreBase
from office.store.catalogue import CatalogueStore
from office.store.credentials import CredentialStore
from office.store.dossiers import DOSSIER_COLUMNS, RECEPTION_COLUMNS, DossierStore, dossier_row, reception_row
from office.store.migrations import migrations
from office.store.online import OnlineStore
from office.store.queue import QueueStore
from office.store.ratings import RatingStore
from office.store.reports import ReportStore
from office.store.search import SearchStore
from office.store.sync_state import SyncStateStore

__all__ = ["BUSY_TIMEOUT_S", "DOSSIER_COLUMNS", "RECEPTION_COLUMNS", "SCHEMA_VERSION", "Store",
           "dossier_row", "migrations", "reception_row"]


class Store(CatalogueStore, DossierStore, QueueStore, RatingStore, CredentialStore, SyncStateStore,
            OnlineStore, ReportStore, AttemptStore, SearchStore, StoreBase):
    """Typed access to the office database. Thread-safe: each thread gets its own connection."""
