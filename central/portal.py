"""National public-service portal export (Cổng DVCQG): DongBoHoSoMC dossier payloads and
CapNhatTienDoHoSoMC progress payloads for dossiers changed since a cursor.

The field mapping is data: one table per mapping version (the official annex of TT 04/2025 may
rename fields; a new version is a new table, chosen by name). Each row says which portal field
takes which value of the central projection, in which format, with which length limit and
which allowed codes. Times are the offices' local time (UTC+7) as yyyyMMddHHmmss.

Posts follow the sync discipline: timeouts, retries with backoff honouring Retry-After, at most
10 records a request, an idempotency key per request (the hash of its body, so a resend after a
crash carries the same key), and the cursor is saved only after the portal acknowledged a page.
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from central.store import CentralStore, StoreUnavailable
from sync.transport import SyncError, Transport

DOSSIER_SERVICE = "DongBoHoSoMC"
PROGRESS_SERVICE = "CapNhatTienDoHoSoMC"
MAX_RECORDS = 10  # per request (DESIGN.md §3.8)
PAGE_CHANGES = 200  # change numbers per export page (cursor step)
STATUS_CODES = tuple(range(1, 11))


@dataclass(frozen=True)
class PortalField:
    """One row of a mapping table: portal field ← source key (dotted), format, limits."""

    name: str
    source: str
    fmt: str  # "text" | "datetime" | "code"
    max_len: int | None = None
    required: bool = True
    codes: tuple[int, ...] = ()


F = PortalField
MAPPINGS: dict[str, dict[str, tuple[PortalField, ...]]] = {
    "TT04-2025.1": {
        DOSSIER_SERVICE: (
            F("MaHoSo", "code", "text", 50),
            F("MaTTHC", "procedure_code", "text", 50),
            F("TenTTHC", "procedure_name", "text", 1000),
            F("MaLinhVuc", "field_code", "text", 50),
            F("KenhThucHien", "channel", "code", codes=(1, 2, 3)),
            F("ChuHoSo", "applicant.name", "text", 250),
            F("LoaiDoiTuong", "applicant.kind", "code", codes=(1, 2, 3)),
            F("SoGiayToChuHoSo", "applicant.id_number", "text", 50, required=False),
            F("TrichYeuHoSo", "summary", "text", 1000, required=False),
            F("NgayTiepNhan", "received_at", "datetime"),
            F("NgayHenTra", "due_at", "datetime"),
            F("NgayKetThucXuLy", "finished_at", "datetime", required=False),
            F("NgayTra", "returned_at", "datetime", required=False),
            F("TrangThaiHoSo", "status", "code", codes=STATUS_CODES),
        ),
        PROGRESS_SERVICE: (
            F("MaHoSo", "code", "text", 50),
            F("NguoiXuLy", "actor", "text", 50),
            F("ChucDanh", "role", "text", 250, required=False),
            F("ThoiDiemXuLy", "at", "datetime"),
            F("PhongBanXuLy", "department", "text", 250, required=False),
            F("NoiDungXuLy", "content", "text", 2000, required=False),
            F("TrangThai", "status", "code", codes=STATUS_CODES),
        ),
    },
}
del F
LATEST_MAPPING = "TT04-2025.1"


class MappingError(ValueError):
    """A record cannot be mapped (a required value is missing or not an allowed code)."""


def _get(record: dict, dotted: str):
    value = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def portal_time(value: str | None) -> str:
    """A local ISO time as yyyyMMddHHmmss ("" for none)."""
    return datetime.fromisoformat(value).strftime("%Y%m%d%H%M%S") if value else ""


def map_record(service: str, record: dict, version: str = LATEST_MAPPING) -> dict:
    """One portal record of `service` from a central record, following the mapping table."""
    out = {}
    for f in MAPPINGS[version][service]:
        value = _get(record, f.source)
        if value in (None, "") and f.required:
            raise MappingError(f"{service}.{f.name}: {f.source} is missing for {record.get('code')}")
        if f.fmt == "datetime":
            out[f.name] = portal_time(value)
        elif f.fmt == "code":
            if value not in f.codes:
                raise MappingError(f"{service}.{f.name}: {value!r} is not one of {f.codes}")
            out[f.name] = int(value)
        else:
            text = " ".join(str(value or "").split())
            out[f.name] = text[:f.max_len] if f.max_len else text
    return out


def dossier_record(store: CentralStore, d: dict) -> dict:
    """A projected dossier with its procedure's name and field from the central catalogue."""
    p = store.procedure(d["procedure_code"], d["procedure_version"])
    if p is None:
        raise MappingError(f"procedure {d['procedure_code']} v{d['procedure_version']} of dossier "
                           f"{d['code']} is not in the central catalogue: publish it with "
                           "`main.py central catalogue`")
    return {**d, "procedure_name": p["name"], "field_code": p["field_code"]}


def chunks(items: list, size: int = MAX_RECORDS) -> Iterator[list]:
    """Consecutive slices of at most `size` items."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class ExportReport:
    """What an export run sent; `cursor` is where the next run starts."""

    dossiers: int = 0
    progress: int = 0
    requests: int = 0
    cursor: int = 0


def post_batch(transport: Transport, service: str, records: list[dict], version: str) -> None:
    """POST one batch (≤ 10 records) with its idempotency key; SyncError unless acknowledged."""
    body = {"service": service, "mapping": version, "data": records}
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    key = hashlib.sha256(raw).hexdigest()
    answer = transport.request_json("POST", "", data=raw, headers={
        "Content-Type": "application/json; charset=utf-8", "X-Idempotency-Key": key})
    if str(answer.get("error_code", "0")) != "0":
        raise SyncError("portal_rejected", f"{service}: {answer.get('message', answer)}", 200, answer)


def export(store: CentralStore, transport: Transport, version: str = LATEST_MAPPING,
           page: int = PAGE_CHANGES) -> ExportReport:
    """Send every dossier and step changed since the export cursor, page by page."""
    if version not in MAPPINGS:
        raise MappingError(f"unknown mapping version {version!r}; known: {', '.join(MAPPINGS)}")
    report = ExportReport(cursor=store.portal_cursor())
    last = store.last_change()
    while report.cursor < last:
        upto = min(last, report.cursor + page)
        dossiers, steps = store.changes(report.cursor, upto)
        records = [map_record(DOSSIER_SERVICE, dossier_record(store, d), version) for d in dossiers]
        progress = [map_record(PROGRESS_SERVICE, s, version) for s in steps]
        for service, items in ((DOSSIER_SERVICE, records), (PROGRESS_SERVICE, progress)):
            for batch in chunks(items):
                post_batch(transport, service, batch, version)
                report.requests += 1
        store.set_portal_cursor(upto)
        report.cursor = upto
        report.dossiers += len(records)
        report.progress += len(progress)
    return report


def export_command(db: str, portal: str, version: str | None, timeout: float) -> int:
    """`main.py central export`: print a summary; 0 when everything was exported."""
    store = CentralStore(db)
    transport = Transport(portal, connect_timeout=min(10.0, timeout), read_timeout=timeout)
    try:
        r = export(store, transport, version or LATEST_MAPPING)
    except (SyncError, MappingError, StoreUnavailable) as e:
        print(f"export stopped at cursor {store.portal_cursor()}: {e}", file=sys.stderr)
        return 1
    finally:
        transport.close()
    print(f"export: {r.dossiers} dossier records, {r.progress} progress records in {r.requests} "
          f"requests; cursor {r.cursor}")
    return 0
