"""A small province for the dashboard tests: three offices with a month of dossiers (on time,
late, open past due, waiting for a supplement, rated; long Vietnamese names) synced over HTTP into a central store, a device alert, a quarantined
event, an office that never synced, and a leader account."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from office_support import (
    FIELDS,
    OFFICER,
    PROCEDURES,
    Clock,
    applicant,
    make_config,
    make_service,
    move,
    seed_catalogue,
)

from central.indicators import local_now
from central.server import CentralThread
from central.store import CentralStore
from office.model import DossierStatus as S
from office.service import OfficeService
from sync.client import SyncClient
from sync.protocol import Batch, procedure_to_wire
from sync.transport import Transport

LEADER, PASSWORD = "son.hv", "Sơn-Tân-Phú-2026"
OFFICES = (("xa-tan-phu", "Trung tâm Phục vụ hành chính công xã Tân Phú", "000.31.20.H56", 0),
           ("phuong-an-binh", "Bộ phận Một cửa phường An Bình, thành phố Biên Hòa", "000.31.21.H56", 1),
           ("xa-phuoc-long-tho", "Bộ phận Tiếp nhận và Trả kết quả xã Phước Long Thọ, huyện Đất Đỏ",
            "000.31.22.H56", 3))
SILENT = ("xa-dong-hung-thuan", "Trung tâm Phục vụ hành chính công xã Đông Hưng Thuận")


NAMES = ("Nguyễn Thị Minh Khai", "Trần Văn Hữu Phước", "Lê Hoàng Bảo Ngọc", "Phạm Quốc Trung", "Võ Thị Thu Thảo",
         "Đặng Văn Đức Anh", "Huỳnh Ngọc Phương Linh", "Bùi Thanh Tùng")
PLANS = (  # (procedure, case, hours from reception to its last status, last status, rating level)
    ("1.001193", "TH1", 3, S.RETURNED, 3), ("2.000908", "NGAY", 2, S.RETURNED, 2),
    ("1.001193", "TH1", 150, S.RETURNED, 1), ("1.004227", "LICH", 96, S.DONE, None),
    ("1.004227", "LICH", None, S.PROCESSING, None), ("1.001193", "TH5", 26, S.SUPPLEMENT_REQUESTED, None),
    ("1.001193", "TH1", 5, S.RETURNED, 3), ("2.000908", "NGAY", 1, S.RETURNED, 3), ("1.004227", "LICH", 50, S.DONE, 2),
    ("1.001193", "TH1", None, S.PROCESSING, None), ("1.001193", "TH1", 4, S.DONE, 3))


def _office_history(svc: OfficeService, clock: Clock, days: int, seed: int) -> None:
    """Dossiers received over the last `days` working days, moved on as PLANS say (on time, late,
    open past due, waiting for a supplement), some rated by their applicant."""
    todo = []  # (when, code, secret, status, level)
    day = clock.now
    for i in range(days):
        day = day + timedelta(days=1 if day.weekday() < 4 else 3)
        for k in range(2):
            clock.set(day + timedelta(minutes=40 * k))
            procedure, case, after, status, level = PLANS[(i * 2 + k + seed) % len(PLANS)]
            d = svc.receive_dossier(procedure, case, applicant(NAMES[(i + k + seed) % len(NAMES)]), OFFICER,
                                    summary=f"Hồ sơ {procedure}")
            move(svc, d.code, S.PROCESSING)
            if status != S.PROCESSING:
                todo.append((clock.now + timedelta(hours=after), d.code, d.secret, status, level))
        for task in sorted(t for t in todo if t[0] < day + timedelta(days=1)):
            todo.remove(task)
            when, code, secret, status, level = task
            clock.set(max(when, clock.now))
            if status == S.RETURNED:
                move(svc, code, S.DONE)
            move(svc, code, status)
            if level:
                svc.rate("dossier", code, secret, level, "Phải đi lại nhiều lần" if level == 1 else "")


def build_province(tmp_path: Path, central: CentralStore) -> None:
    """Fill `central` with the province (the offices push through a real central server)."""
    central.save_catalogue([{"code": f.code, "name": f.name} for f in FIELDS],
                           [procedure_to_wire(p) for p in PROCEDURES])
    now = local_now()
    server = CentralThread(central).start()
    try:
        for office_id, name, agency, seed in OFFICES:
            clock = Clock((now - timedelta(days=50)).replace(hour=8, minute=0, second=0))
            svc = make_service(tmp_path / f"{office_id}.db", clock,
                               make_config(office_id=office_id, agency_code=agency))
            seed_catalogue(svc.store)
            _office_history(svc, clock, 30, seed)
            clock.set(now - timedelta(minutes=30))
            if seed == 1:
                svc.report_device_problem("Máy in vé kiosk-1", "Hết giấy", "Cuộn giấy 80 mm đã hết")
            token = central.enroll_office(office_id, name, agency=agency)
            central.lease_block(office_id, agency, 5000, (now - timedelta(days=90)).date())
            transport = Transport(server.url, token, connect_timeout=2, read_timeout=30, attempts=3)
            report = SyncClient(svc, transport).run()
            assert report.ok, report.summary(office_id)
            svc.store.close()
        central.enroll_office(SILENT[0], SILENT[1])
        office_id, _, agency, _ = OFFICES[0]
        hwm = central.office_state(office_id)["hwm"]
        broken = [(hwm + 1, "6b0f3c1e-2f7a-4c59-9a55-0c5d1b7e9a01", office_id, "dossier",
                   f"{agency}-260101-9999", "received", '{"x": 1}', f"{now:%Y-%m-%dT%H:%M:%S}", 1)]
        assert central.apply_batch(Batch(office_id, now.astimezone(), hwm, tuple(broken))).quarantined
    finally:
        server.stop()
    central.add_leader(LEADER, "Hoàng Văn Sơn", PASSWORD)
