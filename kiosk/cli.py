"""`main.py kiosk`: the citizen kiosk on a hub (`--hub URL --token T`) or on a local store (the
demo office by default). `open_kiosk` is also how `main.py demo` opens its kiosk."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from office.cli import DEFAULT_DB, add_command, add_token, config, token


def cmd_kiosk(args) -> int:
    """Open the citizen kiosk: on a hub (--hub URL --token T) or on a store (the demo office by default)."""
    if args.hub:
        device_token = token(args)
        if not device_token:
            print("error: --hub needs this kiosk's token (--token-file FILE or $MOTCUA_TOKEN; from "
                  "`main.py hub enroll --role kiosk`)", file=sys.stderr)
            return 2
        from hub.client import HubClient

        return open_kiosk(HubClient(args.hub, device_token), args)
    from office.service import OfficeService

    args.db.parent.mkdir(parents=True, exist_ok=True)
    svc = OfficeService.open(args.db, config(args))
    if args.db == DEFAULT_DB and not svc.store.counts()["dossiers"]:
        from demo.seed import seed_demo

        print(f"Đang tạo văn phòng mẫu trong {args.db} …", file=sys.stderr)
        seed_demo(svc)
    return open_kiosk(svc, args)


def open_kiosk(service, args) -> int:
    """Open the kiosk window on a service (embedded or hub client); blocks until it closes.

    `args` may lack the kiosk's own options (`main.py demo` has none): their defaults apply."""
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

    store = service.store if isinstance(service, OfficeService) else None
    if store is not None:  # embedded: the office's rules through a gateway
        from office.gateway import OfficeGateway

        service = OfficeGateway.embedded(service, "kiosk", settings.name)
    try:
        run_kiosk(service, settings, exit_after_start=getattr(args, "exit_after_start", False))
    finally:
        if store is not None:
            store.close()
    return 0


def register(subparsers) -> None:
    """`main.py kiosk`."""
    k = add_command(subparsers, "kiosk", cmd_kiosk,
                    "open the citizen kiosk (touch screen, camera, USB scanner, ticket printer)")
    k.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default: the demo office {DEFAULT_DB})")
    k.add_argument("--hub", metavar="URL", help="use the office hub at URL instead of a local store")
    add_token(k, "this kiosk's device token (with --hub)")
    k.add_argument("--fullscreen", action="store_true", help="fullscreen, no cursor (production kiosk)")
    k.add_argument("--kiosk-config", type=Path, help="kiosk settings TOML (see kiosk.example.toml)")
    k.add_argument("--printer", help="printer spec: tcp://HOST[:PORT], file:PATH, usb:0xVID:0xPID, "
                   "serial:DEVICE[:BAUD] or none")
    k.add_argument("--camera", help="camera: device index (0), /dev/videoN, a video file, or none")
    k.add_argument("--decoder", choices=["zxing", "pyzbar", "opencv"], help="barcode decoder (default zxing)")
    k.add_argument("--exit-after-start", action="store_true", help=argparse.SUPPRESS)
