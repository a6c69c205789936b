"""`main.py counter`: the counter staff app on a hub (`--hub URL --token T`) or on a local store
(`--db PATH`, the demo office by default), with an A4 printer for the forms."""
from __future__ import annotations

import sys
from pathlib import Path

from office.cli import DEFAULT_DB, add_command, add_token, config, token

COUNTER_SIZE = (1366, 768)
DEFAULT_FORMS = DEFAULT_DB.parent / "forms"


def counter_command(args) -> int:
    """Open the counter window; exit code 2 on a bad option."""
    from devices import DeviceError
    from devices.a4printer import open_a4_printer

    office_config = config(args)  # checked first, even when the hub's config is the one used
    try:
        printer = open_a4_printer(args.printer or f"file:{DEFAULT_FORMS}")
    except DeviceError as e:
        print(f"error: --printer: {e}", file=sys.stderr)
        return 2
    if args.hub:
        device_token = token(args)
        if not device_token:
            print("error: --hub needs this counter's token (--token-file FILE or $MOTCUA_TOKEN; from "
                  "`main.py hub enroll --role counter`)", file=sys.stderr)
            return 2
        from hub.client import HubClient

        service = HubClient(args.hub, device_token)
        live = True
    else:
        from office.gateway import OfficeGateway
        from office.service import OfficeService

        args.db.parent.mkdir(parents=True, exist_ok=True)
        office = OfficeService.open(args.db, office_config)
        if args.db == DEFAULT_DB and not office.store.counts()["dossiers"]:
            from demo.seed import seed_demo

            print(f"Đang tạo văn phòng mẫu trong {args.db} …", file=sys.stderr)
            seed_demo(office)
        service = OfficeGateway.embedded(office, "counter", f"quầy {args.counter or ''}".strip())
        live = False
    _prepare_window(args.fullscreen)
    from counter.app import run_counter

    try:
        run_counter(service, printer, args.counter, live, exit_after_start=args.exit_after_start)
    finally:
        if not args.hub:
            office.store.close()
    return 0


def _prepare_window(fullscreen: bool) -> None:
    """Kivy environment and window settings of a desk PC (keyboard + mouse), before kivy loads."""
    from uikit.boot import environment

    environment()
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
    else:
        Config.set("graphics", "width", str(COUNTER_SIZE[0]))
        Config.set("graphics", "height", str(COUNTER_SIZE[1]))


def register(subparsers) -> None:
    """`main.py counter` and its options."""
    parser = add_command(subparsers, "counter", counter_command, "open the counter staff app (queue, receive "
                         "dossiers and print the forms, process, return results, reports)")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB,
                        help=f"store file (default: the demo office {DEFAULT_DB})")
    parser.add_argument("--hub", metavar="URL", help="use the office hub at URL instead of a local store")
    add_token(parser, "this counter's device token (with --hub)")
    parser.add_argument("--counter", type=int, help="counter number preselected at login")
    parser.add_argument("--printer", help="A4 printer for the forms: cups:QUEUE, file:DIR or none "
                        f"(default file:{DEFAULT_FORMS})")
    parser.add_argument("--fullscreen", action="store_true", help="fullscreen window")
    parser.add_argument("--exit-after-start", action="store_true", help="open, draw, exit (smoke check)")
