"""`main.py hub serve|enroll|revoke|devices|set-pin`: the office hub and its credentials.

The hub server (FastAPI, uvicorn) is imported in one place, `_server()`, and only by the jobs
that serve: enrolling a device or setting a PIN works on the store alone."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from office.cli import add_command, config, require_store


def _server():
    """The hub server module (`serve`, `start_hub_thread`), loaded when a hub is started."""
    from hub import server

    return server


def start_hub_thread(service, host: str = "127.0.0.1", port: int = 0):
    """A hub on a background thread (`main.py demo`, API documentation at /docs): returns (URL,
    stop function)."""
    return _server().start_hub_thread(service, host, port, docs=True)


def cmd_hub(args) -> int:
    """The office hub: serve the LAN API; enroll, revoke and list devices; set staff PINs."""
    from office.auth import Credentials
    from office.service import OfficeService

    svc = OfficeService.open(require_store(args.db), config(args))
    credentials = Credentials(svc.store)
    if args.hub_command == "serve":
        if not svc.store.devices():
            print("warning: no device is enrolled yet: `main.py hub enroll --db ... --role kiosk --name kiosk-1`",
                  file=sys.stderr)
        try:
            _server().serve(svc, args.host, args.port, docs=args.docs,
                            announce=lambda url: print(f"hub: {url}  (Ctrl-C to stop)", flush=True))
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


def register(subparsers) -> None:
    """`main.py hub` and its jobs (each also takes `--config` after the job name)."""
    h = add_command(subparsers, "hub", cmd_hub,
                    "the office hub (LAN server for kiosks, counters, boards): serve, enroll, revoke, PINs")
    jobs = h.add_subparsers(dest="hub_command", required=True, metavar="JOB")
    hs = jobs.add_parser("serve", help="run the hub (FastAPI + uvicorn)")
    hs.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1; the LAN address "
                    "or 0.0.0.0 to serve the office network)")
    hs.add_argument("--port", type=int, default=8470, help="port (default 8470; 0 = any free port)")
    hs.add_argument("--docs", action="store_true", help="also serve the API documentation (/docs, "
                    "/openapi.json) to anyone on the network: development only, off by default")
    he = jobs.add_parser("enroll", help="enroll a device; prints its token once")
    he.add_argument("--role", required=True, choices=["kiosk", "counter", "display", "admin"])
    he.add_argument("--name", required=True, help="device name, e.g. kiosk-1, quay-3, bang-tin-1")
    hr = jobs.add_parser("revoke", help="revoke a device's token (and end its staff sessions)")
    hr.add_argument("--name", required=True, help="device name")
    hd = jobs.add_parser("devices", help="list enrolled devices (never their tokens)")
    hp = jobs.add_parser("set-pin", help="set a staff member's PIN (read from the terminal or stdin)")
    hp.add_argument("--user", required=True, help="staff username, e.g. hoa.tt")
    for sp in (hs, he, hr, hd, hp):
        sp.add_argument("--db", type=Path, required=True, help="office store file")
        sp.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="office config TOML")
