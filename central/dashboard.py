"""The provincial dashboard (web pages of the central server, for leaders who log in): per office
and per field the QĐ 766 indices with their formulas and inputs, on-time and overdue counts,
satisfaction, sync freshness, device alerts and the national-portal export; one office's page;
a CSV export (UTF-8 with BOM, for Excel).

    GET  /province/login, POST /province/login, POST /province/logout
    GET  /province?month=YYYY-MM&page=N     the province
    GET  /province/offices/{office_id}?month=YYYY-MM
    GET  /province/export.csv?month=YYYY-MM

The figures come from `central.indicators` (counted ahead, summed here); they are counted again in
the background when older than REFRESH_MINUTES (the first time, before the page is shown).
"""
from __future__ import annotations

import csv
import io
import re
import threading
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from central.events import VN_TZ
from central.indicators import ALL, empty_tally, local_now, recent_months
from central.leaders import SESSION_HOURS
from central.store import CentralStore
from office.errors import DomainError, RateLimited
from office.rules import qd766
from office.rules.reports import percent
from web import pages, security
from web.texts import text

SESSION_COOKIE = "leader"
REFRESH_MINUTES = 15
STALE_SYNC_HOURS = 24  # an office whose last push is older is flagged
PAGE_SIZE = 50
MONTH = re.compile(r"\d{4}-\d{2}")
SHOWN = ("2.1", "5.4", "1.4", "3.3", "4.2")  # indices in the office table and the CSV


def _local(stamp: str | None) -> datetime | None:
    """A stored time (UTC with its offset, or Vietnam local time) as Vietnam local time."""
    if not stamp:
        return None
    value = datetime.fromisoformat(stamp)
    return value if value.tzinfo is None else value.astimezone(VN_TZ).replace(tzinfo=None)


def when(stamp: str | datetime | None) -> str:
    """A time as people read it: "02/12/2026 08:05", or "—"."""
    value = _local(stamp) if isinstance(stamp, str) else stamp
    return f"{value:%d/%m/%Y %H:%M}" if value else "—"


def index_map(counts: dict) -> dict[str, dict]:
    """The QĐ 766 indices of counted inputs, by code (office.rules.qd766.from_tally)."""
    return {i["code"]: i for i in qd766.from_tally(counts)}


class Figures:
    """A month's counts as the pages show them: the total, per field and per office (of the
    province, or of one office)."""

    def __init__(self, store: CentralStore, month: str, office_id: str | None = None):
        self.fields = dict(store._read("SELECT code, name FROM fields"))
        rows = store.month_tallies(month, office_id) if office_id else store.month_summary(month)
        whole = office_id or ALL
        self.total = rows.get((whole, ALL), empty_tally())
        self.by_field = sorted(((code, self.fields.get(code, code or "—"), c, index_map(c))
                                for (o, code), c in rows.items() if o == whole and code != ALL), key=lambda f: f[1])
        self.by_office = {o: c for (o, f), c in rows.items() if f == ALL and o != ALL}


def bars(months: list[str], tallies: dict[str, dict]) -> list[tuple[str, float, str]]:
    """The on-time rate (2.1) of the months that have one, as bars of web/templates/charts.html:
    green from 90 %, red under 70 %."""
    out = []
    for month in months:
        value = index_map(tallies[month])["2.1"]["value"]
        if value is not None:
            out.append((f"{month[5:]}/{month[:4]}", value, "" if 70 <= value < 90 else "ok" if value >= 90 else "late"))
    return out


def satisfaction_row(counts: dict) -> dict:
    """Ratings of a tally: how many, % satisfied, how many unhappy."""
    return {"ratings": counts["ratings"], "satisfied": percent(counts["ratings_satisfied"], counts["ratings"]),
            "unhappy": counts["ratings_unhappy"]}


def router(store: CentralStore) -> APIRouter:
    """The dashboard's routes over a central store."""
    api = APIRouter()
    refreshing = threading.Lock()

    def ensure_counted() -> str:
        """The time the figures were counted; count them now if never, in the background if old."""
        at = store.indicators_at()
        if at is None:
            with refreshing:
                at = store.indicators_at() or store.refresh_indicators().isoformat()
        elif datetime.fromisoformat(at) < local_now() - timedelta(minutes=REFRESH_MINUTES) \
                and refreshing.acquire(blocking=False):
            def run():
                try:
                    store.refresh_indicators()
                finally:
                    refreshing.release()
            threading.Thread(target=run, daemon=True, name="indicators").start()
        return at

    def leader(request: Request) -> tuple[str, str] | None:
        return store.session_leader(request.cookies.get(SESSION_COOKIE))

    def to_login() -> RedirectResponse:
        return RedirectResponse("/province/login", 303)

    def chosen_month(request: Request) -> tuple[str, list[str], str]:
        """The month asked for, else the newest with dossiers received; the months offered; when
        the figures were counted."""
        at = ensure_counted()
        months = recent_months(local_now())
        asked = request.query_params.get("month", "")
        return (asked if MONTH.fullmatch(asked) and asked in months else store.latest_month(months)), months, at

    @api.get("/province/login")
    async def login_page(request: Request):
        """The leaders' login form."""
        if await run_in_threadpool(leader, request):
            return RedirectResponse("/province", 303)
        return pages.render(request, "province/login.html", message=None)

    @api.post("/province/login")
    async def log_in(request: Request):
        """Check the password; start a session (HttpOnly, SameSite=Strict cookie)."""
        try:
            form = await security.checked_form(request)
            token = await run_in_threadpool(store.log_in, form.get("username", "").strip(),
                                            form.get("password", ""), request.client.host if request.client else "")
        except RateLimited as e:
            return pages.render(request, "province/login.html", 429, message=e.message)
        except DomainError as e:
            return pages.render(request, "province/login.html", 403 if e.code == "forbidden" else 401,
                                message=e.message)
        response = RedirectResponse("/province", 303)
        security.set_session_cookie(request, response, SESSION_COOKIE, token, SESSION_HOURS * 3600)
        return response

    @api.post("/province/logout")
    async def log_out(request: Request):
        """End the session."""
        try:
            await security.checked_form(request)
        except DomainError as e:
            return pages.error_page(request, e.message, 403, back="/province")
        await run_in_threadpool(store.log_out, request.cookies.get(SESSION_COOKIE))
        response = to_login()
        security.clear_session_cookie(response, SESSION_COOKIE)
        return response

    def province_view(month: str, page: int) -> dict:
        figures = Figures(store, month)
        health = {h["office_id"]: h for h in store.office_health()}
        stale_before = local_now() - timedelta(hours=STALE_SYNC_HOURS)
        offices = []
        for office_id, h in health.items():
            counts = figures.by_office.get(office_id, empty_tally())
            idx = index_map(counts)
            last = _local(h["last_push_at"])
            offices.append({**h, "counts": counts, "indices": idx, "last": last,
                            "stale": last is None or last < stale_before, **satisfaction_row(counts)})
        offices.sort(key=lambda o: (o["indices"]["2.1"]["value"] is None, o["indices"]["2.1"]["value"] or 0,
                                    o["office_id"]))
        total = figures.total
        months = recent_months(datetime.strptime(month, "%Y-%m"), 11)[::-1]
        trend = store.months_of(ALL, months)
        pages_count = max(1, -(-len(offices) // PAGE_SIZE))
        page = min(max(1, page), pages_count)
        return {"month": month, "total": total, "indices": qd766.from_tally(total),
                "satisfaction": satisfaction_row(total), "fields": figures.by_field,
                "offices": offices[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], "office_count": len(offices),
                "page": page, "pages": pages_count,
                "stale": sum(o["stale"] for o in offices), "quarantined": sum(o["quarantined"] for o in offices),
                "pending": sum(o["pending"] for o in offices), "alerts": store.device_alerts(limit=10),
                "portal": store.portal_status(), "names": {o["office_id"]: o["name"] for o in health.values()},
                "trend": bars(months, trend)}

    @api.get("/province")
    async def province(request: Request, page: str = "1"):
        """The province: indices, fields, offices (worst on-time rate first), sync and alerts."""
        who = await run_in_threadpool(leader, request)
        if not who:
            return to_login()
        month, months, at = await run_in_threadpool(chosen_month, request)
        view = await run_in_threadpool(province_view, month, int(page) if page.isdigit() else 1)
        return pages.render(request, "province/dashboard.html", leader=who, months=months, at=at, when=when,
                            value_text=qd766.value_text, inputs_text=qd766.inputs_text, **view)

    def office_view(office_id: str, month: str) -> dict | None:
        health = store.office_health(office_id)
        if not health:
            return None
        figures = Figures(store, month, office_id)
        counts = figures.total
        months = recent_months(datetime.strptime(month, "%Y-%m"), 11)[::-1]
        trend = store.months_of(office_id, months)
        last = _local(health[0]["last_push_at"])
        return {"month": month, "office": {**health[0], "last": last}, "counts": counts,
                "indices": qd766.from_tally(counts), "satisfaction": satisfaction_row(counts),
                "fields": figures.by_field,
                "alerts": store.device_alerts(office_id), "quarantine": store.quarantined(office_id)[:20],
                "trend": bars(months, trend),
                "received_trend": [(f"{m[5:]}/{m[:4]}", trend[m]["received"], "") for m in months],
                "stale": last is None or last < local_now() - timedelta(hours=STALE_SYNC_HOURS)}

    @api.get("/province/offices/{office_id}")
    async def office(office_id: str, request: Request):
        """One office: its indices by field, months, sync, alerts and quarantined events."""
        who = await run_in_threadpool(leader, request)
        if not who:
            return to_login()
        month, months, at = await run_in_threadpool(chosen_month, request)
        view = await run_in_threadpool(office_view, office_id, month)
        if view is None:
            return pages.error_page(request, text(pages.language(request), "province.no_office"), 404,
                                    back="/province")
        return pages.render(request, "province/office.html", leader=who, months=months, at=at, when=when,
                            value_text=qd766.value_text, inputs_text=qd766.inputs_text, **view)

    @api.get("/province/export.csv")
    async def export_csv(request: Request):
        """Every office and field of the month as CSV (UTF-8 with BOM: Excel shows Vietnamese)."""
        if not await run_in_threadpool(leader, request):
            return to_login()
        month, _, _ = await run_in_threadpool(chosen_month, request)
        body = await run_in_threadpool(csv_report, store, month)
        return Response(body, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="chi-so-766-{month}.csv"'})

    return api


CSV_HEADER = ["Tháng", "Mã đơn vị", "Đơn vị", "Mã lĩnh vực", "Lĩnh vực", "Hồ sơ tiếp nhận",
              "Kết thúc đúng hạn", "Kết thúc quá hạn", "Chưa kết thúc, quá hạn", "Đánh giá", "Không hài lòng",
              *(f"Chỉ số {code} (%)" for code in SHOWN), "Lần đồng bộ gần nhất", "Sự kiện cách ly"]


def csv_report(store: CentralStore, month: str) -> bytes:
    """The month's figures per office and field (and each office's total), as CSV bytes."""
    cells = store.month_tallies(month)
    names = dict(store._read("SELECT code, name FROM fields"))
    health = {h["office_id"]: h for h in store.office_health()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for office, h in health.items():
        fields = sorted((f, c) for (o, f), c in cells.items() if o == office and f != ALL)
        total = cells.get((office, ALL), empty_tally())
        for code, name, counts in [*((f, names.get(f, f), c) for f, c in fields), ("", "Tất cả lĩnh vực", total)]:
            idx = index_map(counts)
            writer.writerow([month, office, h["name"], code, name, counts["received"], counts["on_time"],
                             counts["late"], counts["overdue"], counts["ratings"], counts["ratings_unhappy"],
                             *("" if idx[c]["value"] is None else f"{idx[c]['value']:.1f}".replace(".", ",")
                               for c in SHOWN), when(h["last_push_at"]), h["quarantined"]])
    return out.getvalue().encode("utf-8-sig")
