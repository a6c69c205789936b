"""Helpers of the sync tests: office services with the test catalogue, event tuples, batches."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from office_support import AGENCY, FIELDS, MONDAY, OFFICER, PROCEDURES, Clock, applicant, seed_catalogue

from central.access import Scope
from central.store import CentralStore
from office.config import OfficeConfig
from office.model import Actor
from office.rules.calendar import WorkCalendar, WorkingHours
from office.service import OfficeService
from office.store import Store
from sync.client import SyncClient
from sync.protocol import encode_batch, procedure_to_wire
from sync.transport import Transport

UTC_NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam (MONDAY)
DEPARTMENT = Actor("Lê Văn Cường", "Phó trưởng phòng", "Phòng Tư pháp")
BLOCKS_FROM = date(2026, 1, 1)


def enroll(central: CentralStore, office_id: str = "office-a", agency: str = AGENCY, block: int = 1000) -> str:
    """Enroll an office with a block of dossier numbers of its agency (valid from 1 January 2026);
    returns its token. The first office of an agency holds 1–1000, so its codes are in its block
    even before the block is pulled (the office numbers from 1 by default)."""
    token = central.enroll_office(office_id, agency=agency)
    central.lease_block(office_id, agency, block, BLOCKS_FROM)
    return token


def department(central: CentralStore, name: str = DEPARTMENT.department, **scope) -> str:
    """A department token scoped to office-a (or to the scope given)."""
    return central.enroll_department(name, Scope(**(scope or {"offices": ("office-a",)})))


def office(path: Path, office_id: str = "office-a", clock: Clock | None = None,
           catalogue: bool = True, agency: str = AGENCY) -> OfficeService:
    """An office service over a real SQLite file, with the test catalogue and national calendar."""
    config = replace(OfficeConfig(office_id=office_id, agency_code=agency))
    store = Store(path, config.office_id, config.agency_code)
    if catalogue:
        seed_catalogue(store)
    return OfficeService(store, config, WorkCalendar(WorkingHours(config.working_sessions)),
                         clock=clock or Clock(MONDAY))


def publish_test_catalogue(central: CentralStore) -> None:
    """The office_support catalogue in the central store (so the portal export can map it)."""
    central.save_catalogue([{"code": f.code, "name": f.name} for f in FIELDS],
                           [procedure_to_wire(p) for p in PROCEDURES])


def receive(svc: OfficeService, n: int = 1, procedure: str = "1.001193", case: str = "TH1") -> list[str]:
    """Receive n dossiers; returns their codes."""
    return [svc.receive_dossier(procedure, case, applicant(f"Nguyễn Văn {chr(65 + i % 26)}"), OFFICER,
                                summary=f"Hồ sơ thử {i}").code for i in range(n)]


def events(office_id: str, n: int, start: int = 1, day: str = "2026-03-02") -> list[tuple]:
    """n synthetic change-log event tuples (protocol EVENT_FIELDS order)."""
    return [(s, str(uuid.uuid4()), office_id, "ticket", str(s), "issued", json.dumps({"n": s}),
             f"{day}T08:{s % 60:02d}:00", 1) for s in range(start, start + n)]


def batch_body(office_id: str, after: int, evs: list[tuple], sent_at: datetime = UTC_NOW) -> bytes:
    """A compressed push batch."""
    return encode_batch(office_id, after, evs, sent_at)


def client(svc: OfficeService, url: str, token: str, attempts: int = 4, **kw) -> SyncClient:
    """A sync client with quick retries (batches stamped with the real clock unless `clock=`)."""
    transport = Transport(url, token, connect_timeout=2, read_timeout=10, attempts=attempts,
                          backoff=0.01, max_backoff=0.05)
    return SyncClient(svc, transport, **kw)
