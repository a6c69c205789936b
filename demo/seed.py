"""The demo office: a realistic commune one-stop office generated deterministically from a seed.

Dossiers are generated directly as rows (fast enough for a million); the queue is simulated
minute by minute through OfficeService with a moving clock, so tickets, calls, no-shows,
transfers and ratings follow exactly the rules the real counters follow.
"""
from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from office.auth import Credentials, token_hash
from office.catalogue import load_catalogue, read_catalogue
from office.errors import SequenceExhausted
from office.model import DossierStatus as S
from office.model import Procedure, TicketState
from office.rules.codes import format_dossier_code
from office.service import OfficeService
from office.service.payloads import imported_payload
from office.store import DOSSIER_COLUMNS
from office.text import moment

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
FAMILY_WEIGHTS = [38, 11, 9, 7, 5, 4, 4, 4, 3, 2, 2, 2, 2, 2, 2, 1]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Kim", "Mỹ"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam", "Phong",
           "Phúc", "Quang", "Sơn", "Thắng", "Tuấn", "Việt", "Vinh"]
GIVEN_F = ["Anh", "Chi", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
           "Ngân", "Phương", "Tâm", "Thảo", "Trang", "Vy", "Yến"]
HAMLETS = ["Thôn Đồng Tâm", "Thôn Tân Lập", "Thôn Bình An", "Thôn Hòa Bình", "Thôn Phú Thịnh",
           "Khu phố 1", "Khu phố 2", "Thôn Cây Đa", "Thôn Đoàn Kết"]
PROCEDURE_WEIGHTS = {"1.001193": 14, "1.000894": 6, "1.000656": 3, "1.004227": 8, "2.000815": 30,
                     "2.000884": 12, "1.004203": 8, "1.010015": 3, "1.001776": 3, "1.010832": 2,
                     "2.000720": 4}
SERVICE_MINUTES = {"hotich": 8, "chungthuc": 4, "datdai": 12, "xahoi": 10, "traketqua": 3}
NEGATIVE_REASONS = ["Thời gian chờ lâu", "Cán bộ hướng dẫn chưa rõ", "Trả kết quả trễ hẹn"]
RECEPTION = ("Trung tâm Phục vụ hành chính công", "Công chức tiếp nhận")
LEADER = ("Hoàng Văn Sơn", "Phó Chủ tịch UBND xã", "Lãnh đạo UBND xã")


@dataclass
class Clock:
    """A settable clock for seeding (OfficeService calls it for 'now')."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def seed_demo(svc: OfficeService, dossiers: int = 2000, tickets: int = 3000, days: int = 30,
              seed: int = 2026, now: datetime | None = None,
              progress: Callable[[str], None] = lambda msg: None, with_events: bool = True) -> None:
    """Fill an empty store with the demo office: catalogue, dossiers, a queue history, ratings.

    `with_events=False` skips the change-log events of the generated dossiers (benchmark
    stores that only measure lookups).
    """
    now = (now or datetime.now()).replace(second=0, microsecond=0)
    rng = random.Random(seed)
    catalogue = read_catalogue()
    load_catalogue(svc.store, catalogue)
    progress(f"danh mục: {len(catalogue['procedures'])} thủ tục, {len(catalogue['counters'])} quầy")
    seed_demo_credentials(svc, seed)
    workdays = [d for d in (now.date() - timedelta(days=i) for i in range(days, -1, -1))
                if svc.calendar.is_working_day(d)]
    if not workdays:
        return
    _seed_dossiers(svc, catalogue, dossiers, workdays, rng, now, progress, with_events, seed)
    _seed_queue(svc, tickets, workdays, rng, now, progress)


# ---- hub credentials (DEMO ONLY: published in README, never use them in a real office) ----

DEMO_PINS = {"hoa.tt": "110011", "nam.nv": "220022", "lan.pt": "330033", "dung.lq": "440044",
             "mai.dt": "550055", "son.hv": "660066"}
DEMO_DEVICES = (("kiosk-1", "kiosk"), ("kiosk-2", "kiosk"), *((f"quay-{i}", "counter") for i in range(1, 7)),
                ("bang-tin-1", "display"), ("quan-tri", "admin"))


def demo_token(seed: int, name: str) -> str:
    """The demo device token of `name`: derived from the seed, so it is public — demo only."""
    return "demo-" + hashlib.sha256(f"mot-cua-demo:{seed}:{name}".encode()).hexdigest()[:24]


def seed_demo_credentials(svc: OfficeService, seed: int = 2026) -> None:
    """Enrol the demo devices with their derived tokens and give the demo staff their PINs."""
    credentials = Credentials(svc.store, svc.clock)
    for name, role in DEMO_DEVICES:
        credentials.enroll(role, name, token=demo_token(seed, name))
    for username, pin in DEMO_PINS.items():
        credentials.set_pin(username, pin)


def demo_device_tokens(svc: OfficeService, seed: int = 2026) -> list[tuple[str, str, str]]:
    """(name, role, token) of the demo devices whose demo token works in this store."""
    found = []
    for name, role in DEMO_DEVICES:
        token = demo_token(seed, name)
        if svc.store.device_by_token(token_hash(token)) is not None:
            found.append((name, role, token))
    return found


# ---- dossiers ----------------------------------------------------------------------------

def _person(rng: random.Random) -> tuple[str, str, str, str]:
    female = rng.random() < 0.5
    name = " ".join([rng.choices(FAMILY, FAMILY_WEIGHTS)[0],
                     rng.choice(MIDDLE_F if female else MIDDLE_M),
                     rng.choice(GIVEN_F if female else GIVEN_M)])
    born = rng.randint(1945, 2006)
    century_sex = (0 if born < 2000 else 2) + (1 if female else 0)
    id_number = f"0{rng.randint(1, 96):02d}{century_sex}{born % 100:02d}{rng.randint(0, 999999):06d}"
    phone = f"0{rng.choice(['9', '3', '8', '7'])}{rng.randint(0, 99999999):08d}"
    address = f"{rng.choice(HAMLETS)}, xã Tân Phú"
    return name, id_number, phone, address


def demo_secret(seed: int, code: str) -> str:
    """The lookup secret of a demo dossier: derived from the seed and the code, so the demo can show
    working lookups although the store keeps only keyed hashes — public, demo only."""
    return f"{int(hashlib.sha256(f'mot-cua-demo-secret:{seed}:{code}'.encode()).hexdigest(), 16) % 1_000_000:06d}"


def _seed_dossiers(svc, catalogue, count, workdays, rng, now, progress, with_events, seed) -> None:
    cal, store, cfg = svc.calendar, svc.store, svc.config
    procedures = {p.code: p for p in catalogue["procedures"] if p.effective_to is None}
    codes = list(PROCEDURE_WEIGHTS)
    weights = list(PROCEDURE_WEIGHTS.values())
    # Reception times inside working sessions up to now, sorted so that daily sequences
    # follow reception order.
    windows = [(start, min(end, now)) for day in workdays for a, b in cfg.working_sessions
               for start, end in [(datetime.combine(day, a), datetime.combine(day, b))] if start < now]
    minutes = [int((end - start).total_seconds() // 60) for start, end in windows]
    times = sorted(start + timedelta(minutes=rng.randrange(max(1, int((end - start).total_seconds() // 60))))
                   for start, end in rng.choices(windows, minutes, k=count))
    seq: dict[date, int] = {}
    rows, steps, changes = [], [], []
    for i, received in enumerate(times):
        day = received.date()
        seq[day] = seq.get(day, cfg.sequence_first - 1) + 1
        if seq[day] > cfg.sequence_last:
            raise SequenceExhausted(f"demo: more than {cfg.sequence_last} dossiers on {day}; use more --days")
        code = format_dossier_code(store.agency_code, day, seq[day])
        p = procedures[rng.choices(codes, weights)[0]]
        row, dsteps, dchanges = _dossier_history(cal, rng, code, store.hash_secret(code, demo_secret(seed, code)),
                                                 p, received, now, catalogue["departments"][p.code])
        rows.append(row)
        steps += dsteps
        changes += dchanges
        if len(rows) == 20000 or i == len(times) - 1:
            _flush(store, rows, steps, changes, now, with_events)
            progress(f"hồ sơ: {i + 1}/{count}")
            rows, steps, changes = [], [], []
    with store.write():
        store.set_dossier_sequences(store.agency_code, seq)
        store.check_in_required_components()
        store.number_receipts()
        _legal_details(store, cal, cfg.rating_scale)


def _legal_details(store, cal, scale: int) -> None:
    """What the counter records beyond the bare history, chosen from each code's digits so the
    same seed gives the same office: scanned components (about 7 in 10 digitised, 3 in 10 taken
    from existing data), fees paid at reception (cash, transfer or online), supplement requests
    counted (with a deadline while one is pending), electronic results, and dossier ratings of
    about 1 in 5 returned results (1 in 10 of them "Không hài lòng")."""
    last = "CAST(substr(code, -1) AS INTEGER)"
    store.db.execute(
        "UPDATE dossiers SET components = (SELECT json_group_array(json_set(c.value,"
        f" '$.pages', 1 + ({last} + c.key) % 4, '$.digitized', json(IIF(({last} + c.key) % 10 < 7, 'true', 'false')),"
        f" '$.reused', json(IIF(({last} + 3 * c.key) % 10 < 3, 'true', 'false')))) FROM json_each(components) c)"
        " WHERE components != '[]'")
    store.db.execute(
        "INSERT INTO payments (dossier_code, at, amount, method, receipt_number, refund, staff)"
        f" SELECT code, received_at, fee, CASE WHEN {last} < 6 THEN 'cash' WHEN {last} < 8 THEN 'transfer'"
        " ELSE 'online' END, 'BL-' || substr(code, -11, 6) || substr(code, -4), 0, 'Trần Thị Hoa' FROM dossiers"
        " WHERE fee > 0 AND status NOT IN (1, 3)")
    store.db.execute("UPDATE dossiers SET fee_paid = 1 WHERE fee > 0 AND status NOT IN (1, 3)")
    store.db.execute("UPDATE dossiers SET supplement_count = (SELECT COUNT(*) FROM steps s"
                     " WHERE s.dossier_code = dossiers.code AND s.status = 5)")
    store.db.execute(f"UPDATE dossiers SET e_result = 1 WHERE status IN (9, 10) AND {last} % 2 = 0")
    store.db.execute("UPDATE dossiers SET submitted_at = received_at")
    store.db.conn.executemany("UPDATE dossiers SET supplement_due = ? WHERE code = ?", [
        (cal.add_working_minutes(datetime.fromisoformat(r["paused_at"]), 10 * cal.hours.minutes_per_day)
         .isoformat(timespec="seconds"), r["code"])
        for r in store.db.query("SELECT code, paused_at FROM dossiers WHERE status = 5")])
    store.db.execute(
        "INSERT INTO ratings (target_kind, target, level, scale, reason, criteria, at, staff)"
        " SELECT 'dossier', code, IIF(substr(code, -2, 1) = '9', 1, ?), ?,"
        " IIF(substr(code, -2, 1) = '9', 'Trả kết quả trễ hẹn', ''), '{}', returned_at,"
        " (SELECT actor FROM steps s WHERE s.dossier_code = dossiers.code ORDER BY s.id DESC LIMIT 1)"
        f" FROM dossiers WHERE status = 10 AND {last} IN (3, 7)", [scale, scale])


def _flush(store, rows, steps, changes, now, with_events) -> None:
    with store.write():
        store.insert_dossiers_bulk(rows, steps, changes)
        if not with_events:
            return
        by_code: dict[str, list] = {}
        for s in steps:
            by_code.setdefault(s[0], []).append(
                {"at": s[1], "actor": s[2], "role": s[3], "department": s[4], "content": s[5],
                 "status": s[6]})
        for row in rows:
            payload = imported_payload(dict(zip(DOSSIER_COLUMNS, row)), by_code[row[0]])
            store.append_event("dossier", row[0], "imported", payload, now)


def _dossier_history(cal, rng, code, secret_hash, p: Procedure, received, now, department):
    """One dossier's row (with its lookup secret's hash), steps and due changes, following the
    national status rules."""
    case = rng.choice(p.cases)
    name, id_number, phone, address = _person(rng)
    channel = 2 if rng.random() < 0.15 else 1
    due = original_due = cal.appointment(received, case.duration, case.unit)
    officer = ("Phạm Thị Lan", "Công chức Tư pháp – Hộ tịch") if department.startswith("Văn phòng") \
        else ("Lê Quốc Dũng", "Chuyên viên") if department == "Phòng Kinh tế" else ("Đỗ Thị Mai", "Chuyên viên")
    receiver = rng.choice(["Trần Thị Hoa", "Nguyễn Văn Nam"])
    steps, changes = [], []
    paused_at = finished_at = returned_at = None

    def step(at, actor, role, dept, content, status):
        steps.append((code, at.isoformat(timespec="seconds"), actor, role, dept, content, int(status)))

    def later(t, lo, hi):
        return cal.add_working_minutes(t, rng.randint(lo, hi))

    r = rng.random()
    if r < 0.03:  # refused at reception
        step(received, receiver, RECEPTION[1], RECEPTION[0], "Nộp hồ sơ", S.NEW)
        step(received, receiver, RECEPTION[1], RECEPTION[0],
             "Từ chối tiếp nhận: hồ sơ không thuộc thẩm quyền giải quyết", S.REFUSED)
        status, finished_at = S.REFUSED, received
    elif channel == 2 and received > now - timedelta(days=2) and r < 0.4:  # online, not yet accepted
        step(received, "Công dân", "Người nộp hồ sơ", "Cổng Dịch vụ công", "Nộp hồ sơ trực tuyến", S.NEW)
        status = S.NEW
    else:
        step(received, receiver, RECEPTION[1], RECEPTION[0],
             f"Tiếp nhận hồ sơ, hẹn trả {moment(due)}", S.RECEIVED)
        status = S.RECEIVED
        t = later(received, 20, 120)
        total = max(cal.working_minutes_between(received, due), 60)
        if t <= now:
            step(t, officer[0], officer[1], department, "Thụ lý, thẩm định hồ sơ", S.PROCESSING)
            status = S.PROCESSING
            fate = rng.random()
            if fate < 0.08:  # supplement requested
                t = later(t, 30, total // 3 + 30)
                if t <= now:
                    step(t, officer[0], officer[1], department,
                         "Yêu cầu bổ sung: bản sao giấy tờ chứng minh nơi cư trú", S.SUPPLEMENT_REQUESTED)
                    status, paused_at = S.SUPPLEMENT_REQUESTED, t
                    back = later(t, 240, 1440)
                    if back <= now:
                        new_due = cal.resume_after_pause(due, t, back)
                        changes.append((code, back.isoformat(timespec="seconds"),
                                        due.isoformat(timespec="seconds"),
                                        new_due.isoformat(timespec="seconds"),
                                        "supplement", "Đã nhận hồ sơ bổ sung"))
                        due, paused_at = new_due, None
                        step(back, receiver, RECEPTION[1], RECEPTION[0], "Nhận hồ sơ bổ sung", S.PROCESSING)
                        status, t = S.PROCESSING, back
            elif fate < 0.10:  # withdrawn or stopped
                t = later(t, 30, 600)
                if t <= now:
                    withdrawn = fate < 0.09
                    step(t, receiver if withdrawn else officer[0], RECEPTION[1] if withdrawn else officer[1],
                         RECEPTION[0] if withdrawn else department,
                         "Công dân có đơn xin rút hồ sơ" if withdrawn else "Dừng xử lý: hồ sơ có dấu hiệu giả mạo",
                         S.WITHDRAWN if withdrawn else S.STOPPED)
                    status, finished_at = (S.WITHDRAWN if withdrawn else S.STOPPED), t
            if status == S.PROCESSING:
                quality = rng.random()
                remaining = max(cal.working_minutes_between(t, due), 30)
                minutes = (rng.randint(remaining // 4, remaining) if quality < 0.82
                           else remaining + rng.randint(0, 30) if quality < 0.93
                           else remaining + rng.randint(60, 1920))
                done = cal.add_working_minutes(t, minutes)
                if p.cases[0].fee and rng.random() < 0.1 and later(t, 30, 240) <= now:
                    t = later(t, 30, 240)
                    step(t, officer[0], officer[1], department,
                         "Thông báo nghĩa vụ tài chính", S.FINANCIAL_OBLIGATION)
                    status = S.FINANCIAL_OBLIGATION
                    done = max(done, later(t, 60, 480))
                if done <= now:
                    step(done, LEADER[0], LEADER[1], LEADER[2], "Ký duyệt, có kết quả", S.DONE)
                    status, finished_at = S.DONE, done
                    back = later(done, 30, 2400)
                    if back <= now:
                        step(back, receiver, "Công chức trả kết quả", RECEPTION[0],
                             f"Trả kết quả: {p.result or p.name}", S.RETURNED)
                        status, returned_at = S.RETURNED, back
    iso = lambda v: v.isoformat(timespec="seconds") if v else None  # noqa: E731
    row = (code, secret_hash, p.code, p.version, case.code,
           name, "CCCD", id_number, phone, address, 1, int(status), channel,
           f"{p.name} – {name}", case.fee, iso(received), iso(due), iso(original_due),
           iso(paused_at), iso(finished_at), iso(returned_at), None)
    return row, steps, changes


# ---- queue -------------------------------------------------------------------------------

def _seed_queue(svc: OfficeService, count: int, workdays: list[date], rng: random.Random,
                now: datetime, progress) -> None:
    """Simulate each working day's queue minute by minute through the real use cases."""
    clock = Clock(now)
    sim = OfficeService(svc.store, svc.config, svc.calendar, clock=clock)
    services = [s.code for s in sim.services()]
    weights = [5, 6, 2, 2, 2][:len(services)]
    counters = sim.counters()
    staff = {c.id: ("hoa.tt", "nam.nv")[c.id % 2] for c in counters}
    per_day = max(count // len(workdays), 0)
    priorities = [c.code for c in svc.config.priority_categories]
    issued = 0
    progress(f"hàng đợi: mô phỏng {len(workdays)} ngày làm việc")
    for day in workdays:
        n = count - issued if day == workdays[-1] else per_day
        arrivals = sorted(_arrival(rng, day, svc.config.ticket_sessions) for _ in range(n))
        issued += n
        with svc.store.write():
            _simulate_day(sim, clock, rng, day, arrivals, services, weights, counters, staff,
                          priorities, now)


def _arrival(rng, day, sessions) -> datetime:
    a, b = sessions[0] if rng.random() < 0.62 else sessions[-1]
    lo, hi = a.hour * 60 + a.minute, b.hour * 60 + b.minute
    return datetime.combine(day, time()) + timedelta(minutes=rng.randrange(lo, hi))


def _simulate_day(sim, clock, rng, day, arrivals, services, weights, counters, staff, priorities, now):
    cfg = sim.config
    start = datetime.combine(day, cfg.working_sessions[0][0])
    end = min(datetime.combine(day, cfg.working_sessions[-1][1]), now)
    agenda: list = []  # (time, order, action)
    free_at = {c.id: start for c in counters}
    order = 0

    def at(t, action):
        nonlocal order
        order += 1
        heapq.heappush(agenda, (t, order, action))

    for t in arrivals:
        service = rng.choices(services, weights)[0]
        pri = rng.choice(priorities) if rng.random() < 0.08 else None
        at(t, lambda s=service, p=pri: sim.issue_ticket(s, p))
    t = start
    while t < end:
        while agenda and agenda[0][0] <= t:
            _, _, action = heapq.heappop(agenda)
            clock.now = t
            action()
        clock.now = t
        in_session = any(a <= t.time() < b for a, b in cfg.working_sessions)
        waiting = sim.waiting_counts() if in_session else {}
        for c in counters:
            if free_at[c.id] <= t and any(waiting.get(s) for s in c.services):
                ticket = sim.call_next(c.id, staff[c.id])
                if ticket is None:
                    continue
                free_at[c.id] = _plan_service(sim, at, rng, ticket, c.id, t, services)
        t += timedelta(minutes=1)
    if end < now:  # closing: unserved tickets of the day lapse
        clock.now = end
        lapsed = [TicketState.WAITING, TicketState.CALLED, TicketState.SERVING]
        for ticket in sim.store.tickets(day, lapsed):
            if ticket.state == TicketState.SERVING:
                sim.finish_ticket(ticket.id, ticket.counter_id)
            else:
                sim.cancel_ticket(ticket.id, "Hết giờ làm việc")


def _plan_service(sim, at, rng, ticket, counter_id, t, services) -> datetime:
    """Schedule what happens to a called ticket; returns when the counter is free again."""
    n = sim.config.no_show_after_calls
    if rng.random() < 0.04:
        for k in range(1, n):
            at(t + timedelta(minutes=2 * k), lambda: sim.recall(ticket.id, counter_id))
        at(t + timedelta(minutes=2 * n), lambda: sim.mark_no_show(ticket.id, counter_id))
        return t + timedelta(minutes=2 * n + 1)
    served = t + timedelta(minutes=1)
    minutes = max(1, round(rng.gauss(SERVICE_MINUTES.get(ticket.service_code, 6), 2)))
    done = served + timedelta(minutes=minutes)
    at(served, lambda: sim.start_serving(ticket.id, counter_id))
    if rng.random() < 0.02:
        other = rng.choice([s for s in services if s != ticket.service_code])
        at(done, lambda: sim.transfer_ticket(ticket.id, counter_id, other, reason="Sai lĩnh vực"))
    else:
        at(done, lambda: sim.finish_ticket(ticket.id, counter_id))
        if rng.random() < 0.35:
            level, reason = _rating(rng, sim.config.rating_scale)
            token = sim.store.rating_token(ticket.day, ticket.number)  # the ticket's QR carries it
            at(done + timedelta(minutes=1), lambda: sim.rate("ticket", ticket.number, token, level, reason))
    return done + timedelta(minutes=1)


def _rating(rng, scale: int) -> tuple[int, str]:
    r = rng.random()
    best = scale
    if r < 0.7:
        return best, ""
    if r < 0.95:
        return best - 1, ""
    return 1, rng.choice(NEGATIVE_REASONS)
