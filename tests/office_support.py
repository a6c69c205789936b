"""Helpers shared by the office tests: a controllable clock, a tiny catalogue (2 fields,
3 procedures, 2 services A/B, 3 counters) and a service factory over a real SQLite file.

Imported as `office_support` (not from `conftest`: several conftest.py files share that name)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from office.config import OfficeConfig
from office.model import (
    Actor,
    Applicant,
    Collector,
    Component,
    Counter,
    DossierStatus,
    DurationUnit,
    Field,
    Procedure,
    ProcedureCase,
    Service,
)
from office.rules.calendar import WorkCalendar, WorkingHours
from office.service import OfficeService
from office.store import Store

AGENCY = "000.31.20.H56"
# Monday 2 March 2026: a plain working week (no VN holiday until 26 April 2026).
MONDAY = datetime(2026, 3, 2, 8, 0)
OFFICER = Actor("Trần Thị Bích", "Chuyên viên", "Bộ phận Một cửa")
BACK_OFFICE = Actor("Lê Văn Cường", "Phó trưởng phòng", "Phòng Tư pháp")
LEADER = Actor("Hoàng Văn Sơn", "Phó Chủ tịch UBND xã", "Lãnh đạo UBND xã", leader=True)


class Clock:
    """A mutable clock: `clock()` returns the current (naive, local) time."""

    def __init__(self, now: datetime = MONDAY):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> datetime:
        self.now = now
        return now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


FIELDS = (Field("TP", "Tư pháp – Hộ tịch"), Field("DD", "Đất đai"))
PROCEDURES = (
    Procedure(
        code="1.001193", name="Đăng ký khai sinh", field_code="TP", version=1,
        effective_from=date(2025, 7, 1),
        cases=(ProcedureCase("TH1", "Đăng ký khai sinh đúng hạn", 1, DurationUnit.WORKING_DAYS),
               ProcedureCase("TH5", "Khai sinh – xác minh", 5, DurationUnit.WORKING_DAYS, fee=8000,
                             supplement_days=10)),
        components=(Component("Tờ khai đăng ký khai sinh"), Component("Giấy chứng sinh", 1, 0))),
    Procedure(
        code="2.000908", name="Chứng thực bản sao từ bản chính", field_code="TP", version=1,
        effective_from=date(2025, 7, 1),
        cases=(ProcedureCase("GIO", "Chứng thực trong ngày", 4, DurationUnit.HOURS, fee=2000),
               ProcedureCase("NGAY", "Chứng thực bản sao – trả trong ngày", 1, DurationUnit.WORKING_DAYS,
                             fee=2000, fee_unit="trang", same_day_cutoff=time(15, 0)))),
    Procedure(
        code="1.004227", name="Đăng ký biến động đất đai", field_code="DD", version=1,
        effective_from=date(2025, 7, 1),
        cases=(ProcedureCase("LICH", "Biến động – 10 ngày", 10, DurationUnit.CALENDAR_DAYS, pause_on_fee=True,
                             supplement_days=5, supplement_expiry=8),)),
)
SERVICES = (Service("HT", "Hộ tịch – Chứng thực", "A", ("TP",)),
            Service("DD", "Đất đai", "B", ("DD",)))
COUNTERS = (Counter(1, "Quầy 1", ("HT",)), Counter(2, "Quầy 2", ("HT", "DD")),
            Counter(3, "Quầy 3", ("DD",)))


def make_config(**overrides) -> OfficeConfig:
    """Test configuration (defaults plus the test agency code)."""
    return replace(OfficeConfig(office_id="test-office", agency_code=AGENCY), **overrides)


def seed_catalogue(store: Store) -> None:
    """The tiny catalogue, through the store's public save_* methods."""
    with store.write():
        for f in FIELDS:
            store.save_field(f)
        for p in PROCEDURES:
            store.save_procedure(p)
        for s in SERVICES:
            store.save_service(s)
        for c in COUNTERS:
            store.save_counter(c)


def make_service(path: Path, clock, config: OfficeConfig | None = None) -> OfficeService:
    """An OfficeService over the store at `path` with the national calendar (no local overrides)."""
    config = config or make_config()
    store = Store(path, config.office_id, config.agency_code)
    return OfficeService(store, config, WorkCalendar(WorkingHours(config.working_sessions)),
                         clock=clock)


def applicant(name: str = "Nguyễn Văn An", **kw) -> Applicant:
    """A test applicant with personal data."""
    kw.setdefault("id_number", "001203004567")
    kw.setdefault("phone", "0912345678")
    kw.setdefault("address", "Số 12 đường Lê Lợi, phường Bến Thành")
    return Applicant(name, **kw)


def desk(svc: OfficeService, role: str = "counter", name: str = "quay-1", actor: Actor | None = OFFICER,
         username: str = "bich.tt"):
    """The embedded office port of one device with `actor` logged in (core tests need no PIN)."""
    from office.auth import Device, StaffSession
    from office.gateway import OfficeGateway

    session = StaffSession(username, actor, datetime(2100, 1, 1)) if actor else None
    return OfficeGateway(svc, Device(None, name, role), session=session)


def move(svc: OfficeService, code: str, status: DossierStatus, actor: Actor = BACK_OFFICE, content: str = "Xử lý"):
    """Move a dossier to `status` through the use case that does it: a supplement request (5, due
    in 10 days), handing the result to the applicant (10), else a status change."""
    if status == DossierStatus.SUPPLEMENT_REQUESTED:
        return svc.request_supplement(code, ["Giấy chứng sinh"], actor, content,
                                      deadline=svc.clock() + timedelta(days=10))
    if status == DossierStatus.RETURNED:
        a = svc.dossier(code).applicant
        return svc.return_result(code, Collector(a.name, a.id_type, a.id_number, "applicant"), actor)
    return svc.change_status(code, status, actor, content)
