"""Command line of the one-stop office system: one subcommand per job.

Each subcommand imports only what it needs, so the core commands start fast and never load
Kivy or device libraries.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_DB = Path(__file__).resolve().parent / "data" / "demo.sqlite"


def cmd_demo(args) -> int:
    """Create the demo office (if the store is empty) and show what it contains."""
    from demo.seed import seed_demo
    from office.service import OfficeService

    args.db.parent.mkdir(parents=True, exist_ok=True)
    svc = OfficeService.open(args.db, _config(args))
    if not svc.store.counts()["dossiers"]:
        print(f"Đang tạo văn phòng mẫu trong {args.db} …", file=sys.stderr)
        seed_demo(svc, dossiers=args.dossiers, tickets=args.tickets, days=args.days, seed=args.seed,
                  progress=lambda msg: print(f"  {msg}", file=sys.stderr))
    print(format_info(svc.summary()))
    print("\nThử tra cứu hồ sơ (mã hồ sơ + mã tra cứu) / try a kiosk lookup:")
    from office.model import DossierStatus as S

    for status in (S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.DONE, S.RETURNED):
        code = next(iter(svc.store.dossier_codes(status, limit=1)), None)
        if code is None:
            continue
        view = svc.kiosk_lookup(code, svc.store.dossier_secret(code))
        print(f"  {code}  {svc.store.dossier_secret(code)}  → {view.masked_name}: "
              f"{view.status_label_vi} ({view.timeliness.label_vi})")
    print(format_demo_credentials(svc, args.seed))
    if args.no_window or not _has_display():
        if not args.no_window:
            print("\n(no screen here: run this on the kiosk PC to open the kiosk window)")
        return 0
    from demo.seed import demo_device_tokens
    from hub.server import start_hub_thread

    url, stop = start_hub_thread(svc, "127.0.0.1", args.hub_port)
    print(f"\nHub: {url} — counters and boards connect here with the tokens above", flush=True)
    tokens = {name: token for name, _, token in demo_device_tokens(svc, args.seed)}
    if {"quay-1", "bang-tin-1"} <= tokens.keys():
        print(f"  quầy / counter: .venv/bin/python main.py counter --hub {url} --token {tokens['quay-1']}\n"
              f"  bảng / board:   .venv/bin/python main.py display --hub {url} --token {tokens['bang-tin-1']}",
              flush=True)
    try:
        return _open_kiosk(svc, args)
    finally:
        stop()


def _has_display() -> bool:
    """Whether a window can be opened here (an X11 or Wayland session)."""
    import os

    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY"))


def format_demo_credentials(svc, seed: int) -> str:
    """The demo office's public hub credentials (staff PINs, device tokens): demo only."""
    from demo.seed import DEMO_PINS, demo_device_tokens

    lines = ["\nHub — thông tin đăng nhập MẪU, chỉ dùng thử / DEMO-ONLY credentials:",
             "  PIN cán bộ / staff PINs: " + ", ".join(f"{u} {p}" for u, p in DEMO_PINS.items())]
    lines += [f"  {role:<8} {name:<11} {token}" for name, role, token in demo_device_tokens(svc, seed)]
    return "\n".join(lines)


def cmd_info(args) -> int:
    """Summarise a store."""
    from office.service import OfficeService

    config = _config(args)
    if not args.db.exists():
        raise SystemExit(f"error: {args.db}: no such store (create one with `main.py demo --db {args.db}`)")
    summary = OfficeService.open(args.db, config).summary()
    print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else format_info(summary))
    return 0


def cmd_bench(args) -> int:
    """Run the benchmarks and print their tables."""
    from benchmarks import core, decode

    status = core.main(args)
    status = decode.main(args) or status
    from benchmarks import hub as hub_bench

    status = hub_bench.main(args) or status
    from benchmarks import sync as sync_bench

    return sync_bench.main(args) or status


def cmd_hub(args) -> int:
    """The office hub: serve the LAN API; enroll, revoke and list devices; set staff PINs."""
    from office.auth import Credentials
    from office.service import OfficeService

    if not args.db.exists():
        raise SystemExit(f"error: {args.db}: no such store (create one with `main.py demo --db {args.db}`)")
    svc = OfficeService.open(args.db, _config(args))
    credentials = Credentials(svc.store)
    if args.hub_command == "serve":
        from hub.server import serve

        if not svc.store.devices():
            print("warning: no device is enrolled yet: `main.py hub enroll --db ... --role kiosk --name kiosk-1`",
                  file=sys.stderr)
        try:
            serve(svc, args.host, args.port, announce=lambda url: print(f"hub: {url}  (Ctrl-C to stop)", flush=True))
        except OSError as e:
            print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
            return 1
    elif args.hub_command == "enroll":
        print(credentials.enroll(args.role, args.name))
        print(f"enrolled {args.name!r} ({args.role}). The token above is shown only once: "
              "put it on the device now.", file=sys.stderr)
    elif args.hub_command == "revoke":
        if not credentials.revoke(args.name):
            print(f"error: no active device named {args.name!r}", file=sys.stderr)
            return 1
        print(f"revoked {args.name!r}: its token and staff sessions no longer work")
    elif args.hub_command == "devices":
        for d in svc.store.devices():
            state = f"revoked {d['revoked_at']}" if d["revoked_at"] else "active"
            print(f"{d['id']:>4}  {d['role']:<8} {d['name']:<24} enrolled {d['created_at']}  {state}")
    else:
        credentials.set_pin(args.user, _read_pin())
        print(f"PIN set for {args.user}; their open sessions were ended")
    return 0


def _read_pin() -> str:
    """A PIN from the terminal (typed twice, hidden) or one line of standard input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    import getpass

    pin = getpass.getpass("PIN (6–12 digits): ")
    if getpass.getpass("PIN again: ") != pin:
        raise SystemExit("error: the two PINs differ")
    return pin


def cmd_central(args) -> int:
    """The central system: serve, enroll/revoke credentials, publish the catalogue, portal export."""
    from central import server as central

    if args.central_command == "serve":
        return central.serve(args.db, args.host, args.port, args.ssl_keyfile, args.ssl_certfile)
    if args.central_command in ("enroll", "revoke") and bool(args.office) == bool(args.department):
        print("error: give exactly one of --office or --department", file=sys.stderr)
        return 2
    if args.central_command == "enroll":
        return central.enroll(args.db, args.office, args.department, args.name, args.agency, args.block)
    if args.central_command == "revoke":
        return central.revoke(args.db, args.office, args.department)
    if args.central_command == "catalogue":
        return central.publish_catalogue(args.db, args.file)
    from central.portal import export_command

    return export_command(args.db, args.portal, args.mapping, args.timeout)


def cmd_counter(args) -> int:
    """Open the counter staff app: on a hub (--hub URL --token T) or on a store (the demo office by default)."""
    from counter.cli import counter_command

    return counter_command(args, _config(args), DEFAULT_DB)


def cmd_sync(args) -> int:
    """Sync an office store with the central system, once or every day at HH:MM."""
    from sync.cli import sync_command

    return sync_command(args.db, _config(args), args.central, args.token, args.at, args.timeout,
                        args.batch_events, args.compress_level)


def cmd_reconcile(args) -> int:
    """Compare per-day event counts and id hashes of the office and the central system."""
    from sync.cli import reconcile_command

    return reconcile_command(args.db, _config(args), args.central, args.token, args.timeout)


def cmd_kiosk(args) -> int:
    """Open the citizen kiosk: on a hub (--hub URL --token T) or on a store (the demo office by default)."""
    if args.hub:
        if not args.token:
            print("error: --hub needs --token (a kiosk token from `main.py hub enroll --role kiosk`)",
                  file=sys.stderr)
            return 2
        from hub.client import HubClient

        return _open_kiosk(HubClient(args.hub, args.token), args)
    from office.service import OfficeService

    args.db.parent.mkdir(parents=True, exist_ok=True)
    svc = OfficeService.open(args.db, _config(args))
    if args.db == DEFAULT_DB and not svc.store.counts()["dossiers"]:
        from demo.seed import seed_demo

        print(f"Đang tạo văn phòng mẫu trong {args.db} …", file=sys.stderr)
        seed_demo(svc)
    return _open_kiosk(svc, args)


def _open_kiosk(service, args) -> int:
    """Open the kiosk window on a service (embedded or hub client); blocks until it closes."""
    from kiosk.boot import environment, prepare

    environment()  # Kivy's environment variables, before the first kivy import
    prepare(fullscreen=getattr(args, "fullscreen", False))
    from kiosk.app import run_kiosk
    from kiosk.settings import KioskSettingsError, load_kiosk_settings

    try:
        settings = load_kiosk_settings(getattr(args, "kiosk_config", None),
                                       **{k: getattr(args, k, None) for k in ("printer", "camera", "decoder")})
    except KioskSettingsError as e:
        print(f"config error: {e}", file=sys.stderr)
        return 2
    from office.service import OfficeService

    if isinstance(service, OfficeService):  # embedded: the office's rules through a gateway
        from office.gateway import OfficeGateway

        service = OfficeGateway.embedded(service, "kiosk", settings.name)
    run_kiosk(service, settings, exit_after_start=getattr(args, "exit_after_start", False))
    return 0


def cmd_display(args) -> int:
    """Open the hall display board with voice calling, following a hub."""
    from display.cli import display_command

    return display_command(args)


def cmd_scan(args) -> int:
    """Print the dossier code decoded from each image (`-` when none): field diagnostics."""
    from devices import DeviceError
    from devices.decoders import ScanPipeline, make_decoder, read_image

    try:
        pipeline = ScanPipeline(make_decoder(args.decoder))
    except DeviceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    missed = 0
    for path in args.images:
        frame = read_image(path)
        scan = pipeline.read(frame).scan if frame is not None else None
        if frame is None:
            print(f"{path}: not a readable image", file=sys.stderr)
        missed += scan is None
        print(f"{path}: {scan.code if scan else '-'}")
    return 1 if missed else 0


def cmd_print_test(args) -> int:
    """Print a sample queue ticket on the printer given by a spec (no number is issued)."""
    from datetime import datetime

    from devices import DeviceError
    from devices.printer import make_printer
    from devices.ticket_render import TicketInfo

    config = _config(args)
    info = TicketInfo(config.office_name, "A000", "In thử – Test print", ("Quầy 1",), datetime.now(), 0, 0)
    try:
        printer = make_printer(args.printer, args.profile)
        paper = printer.print_ticket(info)
    except DeviceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"printed a sample ticket on {printer.describe()} (paper: {paper.value})")
    return 0


def format_info(s: dict) -> str:
    """Human-readable store summary (Vietnamese labels)."""
    from office.model import DossierStatus

    lines = [f"Văn phòng: {s['name']}  (office_id={s['office_id']}, mã cơ quan={s['agency_code']})",
             f"Danh mục: {s['procedures']} thủ tục, {s['services']} dịch vụ xếp hàng, "
             f"{s['counters']} quầy, {s['staff']} cán bộ",
             f"Hồ sơ: {s['dossiers']}"]
    for status, n in s["dossiers_by_status"].items():
        st = DossierStatus(int(status))
        lines.append(f"  {st.value:>2} {st.label_vi:<40} {n:>9}")
    lines.append(f"Số thứ tự: {s['tickets']}  " + ", ".join(
        f"{k}={v}" for k, v in s["tickets_by_state"].items()))
    lines.append(f"Đánh giá: {s['ratings']}  " + ", ".join(
        f"mức {k}: {v}" for k, v in s["ratings_by_level"].items()))
    lines.append(f"Nhật ký thay đổi (chờ đồng bộ): {s['events']} sự kiện")
    return "\n".join(lines)


def _config(args):
    from office.config import load_config

    return load_config(args.config)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(prog="main.py", description="Một cửa: kiosk, counter, display, hub and sync "
                                "for a Vietnamese one-stop public-service office.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help_text):
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(func=func)
        sp.add_argument("--config", type=Path, help="office config TOML (default: built-in defaults, "
                        "see config.example.toml)")
        return sp

    d = add("demo", cmd_demo, "the demo office: seed it (if empty), show it, start its hub and open the kiosk")
    d.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    d.add_argument("--dossiers", type=int, default=2000, help="dossiers to generate (default 2000)")
    d.add_argument("--tickets", type=int, default=3000, help="queue tickets to simulate (default 3000)")
    d.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    d.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    d.add_argument("--no-window", action="store_true", help="only print the office; no hub, no kiosk window")
    d.add_argument("--hub-port", type=int, default=8470, help="port of the in-process hub (default 8470)")

    i = add("info", cmd_info, "summarise a store: office, dossiers per status, tickets, ratings, change log")
    i.add_argument("--db", type=Path, required=True, help="store file")
    i.add_argument("--json", action="store_true", help="print JSON instead of a table")

    b = add("bench", cmd_bench, "benchmarks: dossier lookup in a large store, concurrent call-next")
    b.add_argument("--dossiers", type=int, default=1_000_000, help="store size for the lookup bench")
    b.add_argument("--processes", type=int, default=8, help="processes calling next concurrently")
    b.add_argument("--tickets", type=int, default=2000, help="tickets for the call-next bench")
    b.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "data" / "bench",
                   help="where the large bench store is kept between runs")
    b.add_argument("--frames", type=int, default=12, help="decode bench: frames per kind and size")

    k = add("kiosk", cmd_kiosk, "open the citizen kiosk (touch screen, camera, USB scanner, ticket printer)")
    k.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default: the demo office {DEFAULT_DB})")
    k.add_argument("--hub", metavar="URL", help="use the office hub at URL instead of a local store")
    k.add_argument("--token", help="this kiosk's device token (with --hub)")
    k.add_argument("--fullscreen", action="store_true", help="fullscreen, no cursor (production kiosk)")
    k.add_argument("--kiosk-config", type=Path, help="kiosk settings TOML (see kiosk.example.toml)")
    k.add_argument("--printer", help="printer spec: tcp://HOST[:PORT], file:PATH, usb:0xVID:0xPID, "
                   "serial:DEVICE[:BAUD] or none")
    k.add_argument("--camera", help="camera: device index (0), /dev/videoN, a video file, or none")
    k.add_argument("--decoder", choices=["zxing", "pyzbar", "opencv"], help="barcode decoder (default zxing)")
    k.add_argument("--exit-after-start", action="store_true", help=argparse.SUPPRESS)

    from display.cli import add_arguments as display_arguments

    display_arguments(add("display", cmd_display, "open the hall display board (calls, counters, "
                          "waiting counts) with offline Vietnamese voice calling"))

    from counter.cli import add_arguments as counter_arguments

    counter_arguments(add("counter", cmd_counter, "open the counter staff app (queue, receive dossiers and print "
                          "the forms, process, return results, reports)"), DEFAULT_DB)

    s = add("scan", cmd_scan, "decode receipt photos: print the dossier code per image (- when none)")
    s.add_argument("images", nargs="+", type=Path, help="image files (PNG, JPEG, …)")
    s.add_argument("--decoder", choices=["zxing", "pyzbar", "opencv"], default="zxing")

    t = add("print-test", cmd_print_test, "print a sample queue ticket (no number is issued)")
    t.add_argument("--printer", required=True, help="printer spec, e.g. tcp://192.168.1.50:9100")
    t.add_argument("--profile", default="TM-T88V", help="python-escpos printer profile (default TM-T88V)")
    b.add_argument("--sync-events", type=int, default=100_000, help="sync bench: events to push")

    c = add("central", cmd_central, "the central system: serve, enroll/revoke offices, catalogue, portal export")
    csub = c.add_subparsers(dest="central_command", required=True, metavar="JOB")
    db_help = "central store: a SQLite file path or postgresql://user@host:port/dbname"
    cs = csub.add_parser("serve", help="run the central HTTP server (FastAPI + uvicorn)")
    cs.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    cs.add_argument("--port", type=int, default=8480, help="port (default 8480; 0 = any free port)")
    cs.add_argument("--ssl-keyfile", help="TLS private key (PEM), to serve HTTPS without a reverse proxy")
    cs.add_argument("--ssl-certfile", help="TLS certificate chain (PEM)")
    ce = csub.add_parser("enroll", help="enroll an office or a back-office department; prints its token once")
    ce.add_argument("--name", default="", help="display name of the office")
    ce.add_argument("--agency", help="also lease the office a block of dossier numbers of this agency e-ID")
    ce.add_argument("--block", type=int, default=1000, help="size of the leased block (default 1000)")
    cr = csub.add_parser("revoke", help="revoke every token of an office or department")
    for sp in (ce, cr):
        sp.add_argument("--office", help="office id")
        sp.add_argument("--department", help="back-office department name")
    cc = csub.add_parser("catalogue", help="publish a procedure catalogue to every office")
    cc.add_argument("--file", default=str(Path(__file__).resolve().parent / "assets" / "demo" / "catalogue.toml"),
                    help="catalogue TOML (default: the demo catalogue)")
    cx = csub.add_parser("export", help="push changed dossiers and progress to the national portal (DVCQG)")
    cx.add_argument("--portal", required=True, help="portal endpoint URL")
    cx.add_argument("--mapping", default=None, help="field mapping version (default: the newest)")
    cx.add_argument("--timeout", type=float, default=30, help="seconds per request (default 30)")
    for sp in (cs, ce, cr, cc, cx):
        sp.add_argument("--db", required=True, help=db_help)

    y = add("sync", cmd_sync, "sync the office store with the central system (push change log, pull updates)")
    r = add("reconcile", cmd_reconcile, "compare per-day event counts and hashes with the central system")
    for sp in (y, r):
        sp.add_argument("--db", type=Path, required=True, help="office store file")
        sp.add_argument("--central", required=True, help="central server URL, e.g. https://central.example.vn")
        sp.add_argument("--token", required=True, help="this office's token (from `central enroll`)")
        sp.add_argument("--timeout", type=float, default=60, help="seconds per request (default 60)")
    when = y.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="sync once and exit (the default)")
    when.add_argument("--at", metavar="HH:MM", help="stay running and sync every day at this local time")
    y.add_argument("--batch-events", type=int, default=500, help="events per push batch (default 500)")
    y.add_argument("--compress-level", type=int, choices=range(1, 10), default=6, metavar="1-9",
                   help="gzip level of push batches: 6 (default, zlib) for slow WAN links; 1-3 (ISA-L, ~10x less CPU, "
                        "~35%% more bytes) for LAN links")

    h = add("hub", cmd_hub, "the office hub (LAN server for kiosks, counters, boards): serve, enroll, revoke, PINs")
    hsub = h.add_subparsers(dest="hub_command", required=True, metavar="JOB")
    hs = hsub.add_parser("serve", help="run the hub (FastAPI + uvicorn); API schema at /openapi.json")
    hs.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1; the LAN address "
                    "or 0.0.0.0 to serve the office network)")
    hs.add_argument("--port", type=int, default=8470, help="port (default 8470; 0 = any free port)")
    he = hsub.add_parser("enroll", help="enroll a device; prints its token once")
    he.add_argument("--role", required=True, choices=["kiosk", "counter", "display", "admin"])
    he.add_argument("--name", required=True, help="device name, e.g. kiosk-1, quay-3, bang-tin-1")
    hr = hsub.add_parser("revoke", help="revoke a device's token (and end its staff sessions)")
    hr.add_argument("--name", required=True, help="device name")
    hd = hsub.add_parser("devices", help="list enrolled devices (never their tokens)")
    hp = hsub.add_parser("set-pin", help="set a staff member's PIN (read from the terminal or stdin)")
    hp.add_argument("--user", required=True, help="staff username, e.g. hoa.tt")
    for sp in (hs, he, hr, hd, hp):
        sp.add_argument("--db", type=Path, required=True, help="office store file")
        sp.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="office config TOML")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run one subcommand, turn known errors into one-line messages."""
    args = build_parser().parse_args(argv)
    from office.config import ConfigError
    from office.errors import DomainError

    try:
        return args.func(args)
    except ConfigError as e:
        print(f"config error: {e}", file=sys.stderr)
        return 2
    except DomainError as e:
        print(f"error [{e.code}]: {e.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
