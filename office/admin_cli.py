"""`main.py office …`: set up a real office from its office file and run it without SQL.

    office init    --config office.toml --db PATH   create the store; prints the first PINs once
    office apply   --config office.toml --db PATH   add / update what the file lists [--dry-run]
    office show    --db PATH                        configuration, services, counters, staff, days
    office staff   add|remove|pin --db PATH …       staff members and their PINs
    office service open|close --db PATH CODE        queue services
    office counter open|close --db PATH ID          counters
    office hours   --db PATH 07:00-11:15 13:30-16:45   ticket hours
    office day     off|work|clear --db PATH --day YYYY-MM-DD [--reason …]   the office's own calendar
    office kiosk-pin --db PATH                      the kiosk staff panel's PIN

Every change goes through the office's use cases (`office.service.admin`), so it is checked by the
same rules as the counter app's admin screen and lands in the change log (it syncs).
Standard library only at module level (`main.py --help` stays fast).
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path

from office.cli import read_pin, require_store

KINDS = {"off": "day_off", "work": "working_day"}


def _by() -> str:
    """Who made a change from the command line (the change log records it)."""
    return f"cli:{getpass.getuser()}"


def _operator():
    """The person at the hub machine's command line, acting with a leader's say on the calendar
    (they hold the office's decision; the change log names them)."""
    from office.model import Actor

    return Actor(_by(), "Quản trị hệ thống", "", leader=True)


def _service(db: Path):
    from office.service import OfficeService

    return OfficeService.open(require_store(db))


def run(args) -> int:
    """Run `main.py office JOB`."""
    return JOBS[args.office_command](args)


def cmd_init(args) -> int:
    """Create an office store from its office file; print the first staff PINs and the kiosk PIN once."""
    from office.office_file import read_office_file
    from office.service import OfficeService
    from office.store import Store

    setup = read_office_file(_office_file(args))
    if args.db.exists():
        print(f"error: {args.db} already exists; change an office with `main.py office apply --config "
              f"{args.config} --db {args.db}`", file=sys.stderr)
        return 1
    args.db.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    svc = OfficeService(Store(args.db, setup.config.office_id, setup.config.agency_code), setup.config)
    try:
        changes = svc.apply_setup(setup, _by())
    except BaseException:
        svc.store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)  # nothing half-made is left behind
        raise
    print(f"office {setup.config.office_id!r} ({setup.config.office_name}) created in {args.db}: "
          f"{len(setup.procedures)} procedures, {len(setup.services)} services, {len(setup.counters)} counters, "
          f"{len(setup.staff)} staff members ({len(changes)} changes in the change log)", file=sys.stderr)
    _first_pins(svc, kiosk=True)
    print("\nNext: enrol each device (`main.py hub enroll --db … --role kiosk|counter|display --name …`) and "
          "start the hub (`main.py hub serve --db …`); see README, \"Set up your office\".", file=sys.stderr)
    return 0


def _office_file(args) -> Path:
    if args.config is None:
        raise SystemExit(f"error: `office {args.office_command}` needs --config office.toml (the office file; "
                         f"see assets/examples/office.toml)")
    return args.config


def _first_pins(svc, kiosk: bool) -> None:
    """Give every active staff member without a PIN a random one (and the kiosk panel its PIN), and
    print them once: only their hashes are kept."""
    from office.auth import random_pin

    lines = []
    for m in svc.staff_members():
        if m.active and not m.has_pin:
            pin = random_pin()
            svc.set_staff_pin(m.username, pin, staff=_by())
            lines.append(f"  {m.username:<16} {pin}   {m.name}{' (quản trị / admin)' if m.admin else ''}")
    if kiosk:
        pin = random_pin()
        svc.set_kiosk_pin(pin, staff=_by())
        lines.append(f"  {'kiosk panel':<16} {pin}   mã mở bảng quản trị kiosk / the kiosks' staff panel")
    if lines:
        print("PIN (shown once — hand each to its owner; the office admin can reset them):")
        print("\n".join(lines))


def cmd_apply(args) -> int:
    """Bring the store in line with the office file (add and update only); print each change."""
    from office.office_file import read_office_file

    setup = read_office_file(_office_file(args))
    svc = _service(args.db)
    if args.dry_run:
        svc.store.db.conn.execute("BEGIN")  # apply inside a transaction rolled back: the plan, nothing written
        try:
            changes = svc.apply_setup(setup, _by())
        finally:
            svc.store.db.conn.execute("ROLLBACK")
    else:
        changes = svc.apply_setup(setup, _by())
    if args.dry_run and changes:
        print("dry run — nothing written; applying the file would change:")
    print("\n".join(changes) if changes else "nothing to change: the store matches the file")
    if not args.dry_run:
        _first_pins(svc, kiosk=False)
    return 0


def cmd_show(args) -> int:
    """The office as it is set up now (never a PIN or a token)."""
    from office.service import OfficeService

    svc = OfficeService.open(require_store(args.db))
    office, settings = svc.office(), svc.office_settings()
    view = {"office": office, "settings": settings,
            "services": [vars(s) for s in svc.services(include_closed=True)],
            "counters": [vars(c) for c in svc.counters(include_closed=True)],
            "staff": [vars(m) for m in svc.staff_members()],
            "devices": svc.store.devices()}
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"{office['name']} — {office['superior']}  (office_id={office['office_id']}, "
          f"mã cơ quan={office['agency_code']})\n{office['address']} — {office['phone']}\n"
          f"Giờ làm việc: {_hours(settings['working_sessions'])}   giờ cấp số: {_hours(settings['ticket_sessions'])}")
    print("Dịch vụ:")
    for s in view["services"]:
        print(f"  {s['prefix']:<3}{s['code']:<16}{s['name']:<40}{'' if s['open'] else 'ĐÃ ĐÓNG'}")
    print("Quầy:")
    for c in view["counters"]:
        state = "ĐÃ ĐÓNG" if not c["open"] else (f"tạm dừng: {c['paused_reason']}" if c["paused_reason"] else "")
        print(f"  {c['id']:>3} {c['name']:<12}{', '.join(c['services']):<44}{state}")
    print("Cán bộ:")
    for m in view["staff"]:
        flags = [f for f, on in (("quản trị", m["admin"]), ("chưa có PIN", m["active"] and not m["has_pin"]),
                                 ("đã nghỉ", not m["active"])) if on]
        print(f"  {m['username']:<16}{m['name']:<26}{m['title']:<28}{', '.join(flags)}")
    print("Ngày nghỉ / làm bù của văn phòng:" + ("" if settings["calendar_days"] else " (không có)"))
    for d in settings["calendar_days"]:
        print(f"  {d['day']}  {'nghỉ' if d['kind'] == 'day_off' else 'làm việc'}  {d['reason']}")
    print(f"Mã quản trị kiosk: {'đã đặt' if settings['kiosk_pin_set'] else 'CHƯA ĐẶT (`office kiosk-pin`)'}")
    active = ", ".join(f"{d['name']} ({d['role']})" for d in view["devices"] if not d["revoked_at"])
    print(f"Thiết bị: {active or 'chưa có (`hub enroll`)'}")
    return 0


def _hours(sessions) -> str:
    return ", ".join(f"{a}–{b}" for a, b in sessions)


def cmd_staff(args) -> int:
    """Add, remove a staff member, or set their PIN."""
    svc = _service(args.db)
    if args.staff_command == "add":
        m = svc.save_staff_member(args.user, args.name, args.title, args.department or svc.config.office_name,
                                  args.admin, staff=_by())
        print(f"saved {m.username} ({m.name}, {m.title}){' — office admin' if m.admin else ''}")
        if not m.has_pin:
            print(f"set their PIN now: `main.py office staff pin --db {args.db} --user {m.username}`", file=sys.stderr)
    elif args.staff_command == "remove":
        svc.remove_staff_member(args.user, staff=_by())
        print(f"{args.user} removed: their PIN and sessions no longer work")
    else:
        svc.set_staff_pin(args.user, read_pin(), staff=_by())
        print(f"PIN set for {args.user}; their open sessions were ended")
    return 0


def cmd_open_close(args) -> int:
    """Open or close a service or a counter."""
    svc = _service(args.db)
    is_open = args.action == "open"
    if args.office_command == "service":
        s = svc.set_service_open(args.code, is_open, staff=_by())
        print(f"service {s.code} ({s.name}) {'open' if s.open else 'closed: kiosks no longer issue its tickets'}")
    else:
        c = svc.set_counter_open(int(args.code), is_open, staff=_by())
        print(f"{c.name} {'open' if c.open else 'closed'}")
    return 0


def cmd_hours(args) -> int:
    """Set the ticket hours."""
    svc = _service(args.db)
    sessions = []
    for text in args.sessions:
        start, _, end = text.partition("-")
        sessions.append([start.strip(), end.strip()])
    svc.set_ticket_hours(sessions, staff=_by())
    print(f"ticket hours: {_hours(svc.office_settings()['ticket_sessions'])}")
    return 0


def cmd_day(args) -> int:
    """Declare a day off or a working day for this office, or clear what was declared."""
    svc = _service(args.db)
    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        raise SystemExit(f"error: --day {args.day!r} is not a date YYYY-MM-DD") from None
    if args.action == "clear":
        svc.clear_calendar_day(day, _operator())
        print(f"{day}: the national calendar applies again")
    else:
        if not args.reason:
            raise SystemExit("error: --reason is needed (e.g. the decision that declares the day)")
        svc.set_calendar_day(day, KINDS[args.action], args.reason, _operator())
        print(f"{day}: {'day off' if args.action == 'off' else 'working day'} ({args.reason})")
    return 0


def cmd_kiosk_pin(args) -> int:
    """Set the kiosks' staff-panel PIN."""
    svc = _service(args.db)
    svc.set_kiosk_pin(read_pin(), staff=_by())
    print("kiosk admin PIN set: it opens the staff panel of every kiosk of this office")
    return 0


JOBS = {"init": cmd_init, "apply": cmd_apply, "show": cmd_show, "staff": cmd_staff, "service": cmd_open_close,
        "counter": cmd_open_close, "hours": cmd_hours, "day": cmd_day, "kiosk-pin": cmd_kiosk_pin}


def add_jobs(o: argparse.ArgumentParser) -> None:
    """The jobs of `main.py office`."""
    jobs = o.add_subparsers(dest="office_command", required=True, metavar="JOB")
    parsers = []
    for name, text in (("init", "create the office store from its office file; prints the first PINs once"),
                       ("apply", "add and update what the office file lists (closes nothing it leaves out)")):
        p = jobs.add_parser(name, help=text, description=text)
        p.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                       help="the office file (see assets/examples/office.toml)")
        parsers.append(p)
    parsers[1].add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    show = jobs.add_parser("show", help="the office as set up now (never PINs or tokens)")
    show.add_argument("--json", action="store_true", help="print JSON")
    staff = jobs.add_parser("staff", help="staff members and their PINs")
    staff_jobs = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = staff_jobs.add_parser("add", help="add a staff member (or update one)")
    add.add_argument("--name", required=True, help="full name, e.g. \"Trần Thị Hoa\"")
    add.add_argument("--title", required=True, help="title (chức danh), e.g. \"Công chức tiếp nhận\"")
    add.add_argument("--department", help="department (default: the office's name)")
    add.add_argument("--admin", action="store_true", help="may administer the office (the office head)")
    remove = staff_jobs.add_parser("remove", help="a staff member left: PIN and sessions stop")
    pin = staff_jobs.add_parser("pin", help="set or reset a PIN (asked twice on a terminal, else one line of stdin)")
    for p in (add, remove, pin):
        p.add_argument("--user", required=True, help="user name, e.g. hoa.tt")
        parsers.append(p)
    for name, what in (("service", "CODE"), ("counter", "ID")):
        p = jobs.add_parser(name, help=f"open or close a {name}")
        p.add_argument("action", choices=["open", "close"])
        p.add_argument("code", metavar=what, help=f"the {name}'s {'code' if name == 'service' else 'number'}")
        parsers.append(p)
    hours = jobs.add_parser("hours", help="ticket hours, e.g. 07:00-11:15 13:30-16:45")
    hours.add_argument("sessions", nargs="+", metavar="HH:MM-HH:MM")
    day = jobs.add_parser("day", help="the office's own calendar: a day off, a make-up working day, or clear")
    day.add_argument("action", choices=["off", "work", "clear"])
    day.add_argument("--day", required=True, help="YYYY-MM-DD")
    day.add_argument("--reason", help="why (e.g. the decision number)")
    kiosk = jobs.add_parser("kiosk-pin", help="set the PIN of the kiosks' staff panel")
    for p in (*parsers, show, hours, day, kiosk):
        p.add_argument("--db", type=Path, required=True, help="office store file")
