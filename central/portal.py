"""National public-service portal export (Cổng DVCQG): DongBoHoSoMC dossier records and
CapNhatTienDoHoSoMC progress records for dossiers changed since a cursor.

The field mapping is data: one table per mapping version (the official annex of TT 04/2025 may
rename fields; a new version is a new table, chosen by name). Each row says which portal field
takes which value of the portal record (`portal_record`: the central projection plus what the
catalogue and the office add), in which format, with which length limit and which allowed codes.
Times are Vietnam local time (UTC+7) as yyyyMMddHHmmss; a time with another offset is converted.

Requests are the portal's envelope `{"service", "isUpdating", "data"}` (isUpdating: the dossier
was sent before) and follow the sync discipline: timeouts, retries with backoff honouring
Retry-After, at most 10 records a request, an idempotency key per request (the hash of its body,
so a resend after a crash carries the same key), and the cursor saved only after the portal
acknowledged a page.
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from central.db import StoreUnavailable
from central.store import CentralStore
from sync.transport import SyncError, Transport

DOSSIER_SERVICE = "DongBoHoSoMC"
PROGRESS_SERVICE = "CapNhatTienDoHoSoMC"
MAX_RECORDS = 10  # per request (DESIGN.md §3.8)
PAGE_CHANGES = 200  # change numbers per export page (cursor step)
STATUS_CODES = tuple(range(1, 11))
VN_TZ = timezone(timedelta(hours=7))
PAYMENT_METHODS = {"cash": 1, "transfer": 2, "online": 3}  # HinhThucThanhToan


@dataclass(frozen=True)
class PortalField:
    """One row of a mapping table: portal field ← source key (dotted), format, limits.

    Formats: "text", "datetime" (yyyyMMddHHmmss), "code" (one of `codes`), "flag" (0/1), "number",
    "list" (each item mapped by `items`). `optional_for` lists dossier statuses for which a
    required value may be missing (a dossier refused before reception has no reception time)."""

    name: str
    source: str
    fmt: str
    max_len: int | None = None
    required: bool = True
    codes: tuple[int, ...] = ()
    items: tuple[PortalField, ...] = ()
    optional_for: tuple[int, ...] = ()


F = PortalField
_DOCUMENT = (F("TenTaiLieu", "name", "text", 500), F("DuocSoHoa", "digitized", "flag"),
             F("DuocTaiSuDung", "reused", "flag"), F("DuocLayTuKhoDMQG", "from_national_db", "flag"))
_FEE = (F("TenPhiLePhi", "name", "text", 500), F("MucPhi", "amount", "number"),
        F("SoBienLai", "receipt_number", "text", 100, required=False),
        F("HinhThucThanhToan", "method", "code", required=False, codes=(1, 2, 3)),
        F("NgayThanhToan", "at", "datetime", required=False))
_SUPPLEMENT = (F("NgayYeuCauBoSung", "requested_at", "datetime"), F("NoiDungBoSung", "content", "text", 2000),
               F("HanBoSung", "due", "datetime", required=False),
               F("NgayTiepNhanBoSung", "received_at", "datetime", required=False))
_RESULT = (F("TenGiayTo", "name", "text", 500), F("LaBanDienTu", "electronic", "flag"))
MAPPINGS: dict[str, dict[str, tuple[PortalField, ...]]] = {
    "TT04-2025.2": {
        DOSSIER_SERVICE: (
            F("MaHoSo", "code", "text", 50),
            F("MaTTHC", "procedure_code", "text", 50),
            F("TenTTHC", "procedure_name", "text", 1000),
            F("MaLinhVuc", "field_code", "text", 50),
            F("TenLinhVuc", "field_name", "text", 500),
            F("KenhThucHien", "channel", "code", codes=(1, 2, 3)),
            F("ChuHoSo", "applicant.name", "text", 250),
            F("LoaiDoiTuong", "applicant.kind", "code", codes=(1, 2, 3, 4)),
            F("SoGiayToChuHoSo", "applicant.id_number", "text", 50, required=False),
            F("Email", "applicant.email", "text", 254, required=False),
            F("SoDienThoai", "applicant.phone", "text", 20, required=False),
            F("TrichYeuHoSo", "summary", "text", 1000, required=False),
            F("NgayNopHoSo", "submitted_at", "datetime"),
            F("NgayTiepNhan", "received_at", "datetime", optional_for=(1, 3)),
            F("NgayHenTra", "due_at", "datetime", optional_for=(1, 3)),
            F("NgayKetThucXuLy", "finished_at", "datetime", required=False),
            F("NgayTra", "returned_at", "datetime", required=False),
            F("NgayTuChoi", "refused_at", "datetime", required=False),
            F("TrangThaiHoSo", "status", "code", codes=STATUS_CODES),
            F("HinhThuc", "delivery_by_post", "code", codes=(0, 1)),
            F("DonViXuLy", "handling_unit", "text", 250),
            F("HoSoCoThanhPhanSoHoa", "any_digitized", "flag"),
            F("TaiKhoanDuocXacThucVoiVNeID", "vneid_verified", "flag"),
            F("DuocThanhToanTrucTuyen", "paid_online", "flag"),
            F("TaiLieuNop", "components", "list", items=_DOCUMENT),
            F("DanhSachLePhi", "fees", "list", items=_FEE),
            F("DanhSachHoSoBoSung", "supplements", "list", items=_SUPPLEMENT),
            F("DanhSachGiayToKetQua", "results", "list", items=_RESULT),
        ),
        PROGRESS_SERVICE: (
            F("MaHoSo", "code", "text", 50),
            F("NguoiXuLy", "actor", "text", 50),
            F("ChucDanh", "role", "text", 250, required=False),
            F("ThoiDiemXuLy", "at", "datetime"),
            F("PhongBanXuLy", "department", "text", 250, required=False),
            F("NoiDungXuLy", "content", "text", 2000, required=False),
            F("TrangThai", "status", "code", codes=STATUS_CODES),
            F("NgayBatDau", "started_at", "datetime", required=False),
            F("NgayKetThucTheoQuyDinh", "due_at", "datetime", required=False),
        ),
    },
}
del F
LATEST_MAPPING = "TT04-2025.2"


class MappingError(ValueError):
    """A record cannot be mapped (a required value is missing or not an allowed code)."""


def _get(record: dict, dotted: str):
    value = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def portal_time(value: str | datetime | None) -> str:
    """A time as yyyyMMddHHmmss in Vietnam local time ("" for none): local times stay as they
    are, a time with an offset is converted to UTC+7."""
    if not value:
        return ""
    t = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if t.tzinfo is not None:
        t = t.astimezone(VN_TZ)
    return t.strftime("%Y%m%d%H%M%S")


def _map_fields(fields: tuple[PortalField, ...], record: dict, where: str) -> dict:
    out = {}
    for f in fields:
        value = _get(record, f.source)
        missing = value is None or value == ""
        if missing and f.required and record.get("status") not in f.optional_for:
            raise MappingError(f"{where}.{f.name}: {f.source} is missing for {record.get('code')}")
        if f.fmt == "datetime":
            out[f.name] = portal_time(value)
        elif f.fmt == "code":
            if missing and not f.required:
                out[f.name] = None
            elif value not in f.codes:
                raise MappingError(f"{where}.{f.name}: {value!r} is not one of {f.codes}")
            else:
                out[f.name] = int(value)
        elif f.fmt == "flag":
            out[f.name] = 1 if value else 0
        elif f.fmt == "number":
            out[f.name] = int(value or 0)
        elif f.fmt == "list":
            out[f.name] = [_map_fields(f.items, {**item, "code": record.get("code")}, f"{where}.{f.name}")
                           for item in value or ()]
        else:
            text = " ".join(str(value or "").split())
            out[f.name] = text[:f.max_len] if f.max_len else text
    return out


def map_record(service: str, record: dict, version: str = LATEST_MAPPING) -> dict:
    """One portal record of `service` from a portal record, following the mapping table."""
    return _map_fields(MAPPINGS[version][service], record, service)


def portal_record(store: CentralStore, d: dict) -> dict:
    """A projected dossier with what the portal needs besides: its procedure, field and result
    from the central catalogue, the handling unit, and the QĐ 766 inputs derived from its data."""
    p = store.procedure(d["procedure_code"], d["procedure_version"])
    if p is None:
        raise MappingError(f"procedure {d['procedure_code']} v{d['procedure_version']} of dossier "
                           f"{d['code']} is not in the central catalogue: publish it with "
                           "`main.py central catalogue`")
    payments = d.get("payments") or []
    fee_name = next((c.get("fee_note") or c["name"] for c in p.get("cases", []) if c["code"] == d.get("case_code")),
                    p["name"])
    fees = [{"name": fee_name, "amount": -pay["amount"] if pay.get("refund") else pay["amount"],
             "receipt_number": pay.get("receipt_number", ""), "method": PAYMENT_METHODS.get(pay.get("method")),
             "at": pay.get("at")} for pay in payments]
    if not fees and d.get("fee"):
        fees = [{"name": fee_name, "amount": d["fee"], "receipt_number": "", "method": None, "at": None}]
    components = d.get("components") or []
    results = ([{"name": p.get("result") or p["name"], "electronic": bool(d.get("e_result"))}]
               if d["status"] in (9, 10) else [])
    return {**d, "procedure_name": p["name"], "field_code": p["field_code"],
            "field_name": store.field_name(p["field_code"]) or p["field_code"],
            "submitted_at": d.get("submitted_at") or d.get("received_at"),
            "delivery_by_post": 1 if d.get("delivery") == "postal" else 0,
            "handling_unit": d.get("handling_department") or store.office_name(d["office_id"]),
            "any_digitized": any(c.get("digitized") for c in components),
            "paid_online": bool(d.get("paid_online")) or any(pay.get("method") == "online" for pay in payments),
            "fees": fees, "results": results, "supplements": d.get("supplements") or []}


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


def envelope(service: str, records: list[dict], updating: bool) -> bytes:
    """A request body: {"service", "isUpdating", "data"} as compact UTF-8 JSON (keys sorted, so the
    same records always make the same bytes and the same idempotency key)."""
    body = {"service": service, "isUpdating": updating, "data": records}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def post_batch(transport: Transport, service: str, records: list[dict], updating: bool = False) -> None:
    """POST one batch (≤ 10 records) with its idempotency key; SyncError unless acknowledged."""
    raw = envelope(service, records, updating)
    key = hashlib.sha256(raw).hexdigest()
    answer = transport.request_json("POST", "", data=raw, headers={
        "Content-Type": "application/json; charset=utf-8", "X-Idempotency-Key": key})
    if str(answer.get("error_code", "0")) != "0":
        raise SyncError("portal_rejected", f"{service}: {answer.get('message', answer)}", 200, answer)


def export(store: CentralStore, transport: Transport, version: str = LATEST_MAPPING,
           page: int = PAGE_CHANGES, until: int | None = None) -> ExportReport:
    """Send every dossier and step changed since the export cursor, page by page (up to change
    `until`, or everything after bringing the projection up to date)."""
    if version not in MAPPINGS:
        raise MappingError(f"unknown mapping version {version!r}; known: {', '.join(MAPPINGS)}")
    report = ExportReport(cursor=store.portal_cursor())
    last = store.last_change() if until is None else until
    while report.cursor < last:
        upto = min(last, report.cursor + page)
        dossiers, steps = store.changes(report.cursor, upto)
        sent = store.portal_sent([d["code"] for d in dossiers])
        records = [(d["code"] in sent, map_record(DOSSIER_SERVICE, portal_record(store, d), version))
                   for d in dossiers]
        progress = [map_record(PROGRESS_SERVICE, s, version) for s in steps]
        for updating in (False, True):
            for batch in chunks([r for again, r in records if again == updating]):
                post_batch(transport, DOSSIER_SERVICE, batch, updating)
                report.requests += 1
        for batch in chunks(progress):
            post_batch(transport, PROGRESS_SERVICE, batch)
            report.requests += 1
        store.set_portal_cursor(upto, [d["code"] for d in dossiers])
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
