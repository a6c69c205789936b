"""`main.py hub serve|enroll|revoke|devices|set-pin`: the office hub and its credentials.

The hub server (FastAPI, uvicorn) is imported in one place, `_server()`, and only by the jobs
that serve: enrolling a device or setting a PIN works on the store alone."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from office.cli import add_command, config, read_pin, require_store


def _server():
    """The hub server module (`serve`, `start_hub_thread`), loaded when a hub is started."""
    from hub import server

    return server


def start_hub_thread(service, host: str = "127.0.0.1", port: int = 0):
    """A hub on a background thread (`main.py demo`, API documentation at /docs): returns (URL,
    stop function)."""
    return _server().start_hub_thread(service, host, port, docs=True)


LOOPBACK = ("127.", "::1", "localhost")


def _serve(svc, args) -> int:
    """`hub serve`: refuse a real office's store that still accepts a public demo credential, warn
    about the demo office and about plain HTTP on the LAN, then serve until SIGTERM / Ctrl-C."""
    from demo.seed import demo_credentials_in
    from office.cli import log_to_stderr

    log_to_stderr()
    found = demo_credentials_in(svc.store)
    if svc.store.meta().get("purpose") == "demo":
        print("WARNING: this is the DEMO office: its staff PINs, kiosk PIN and device tokens are public "
              "(README). Never serve citizens from it; set up your office with `main.py office init`.",
              file=sys.stderr)
    elif found:
        print(f"error: {args.db} accepts public demo credentials ({', '.join(found)}): anyone who read the "
              f"README could use them. Revoke those devices (`hub revoke`), reset those PINs (`hub set-pin`, "
              f"`office kiosk-pin`), then start the hub again.", file=sys.stderr)
        return 2
    tls = bool(args.ssl_certfile)
    if bool(args.ssl_keyfile) != tls:
        print("error: give both --ssl-certfile and --ssl-keyfile (or neither)", file=sys.stderr)
        return 2
    if not tls and not args.host.startswith(LOOPBACK):
        print(f"WARNING: serving {args.host} over plain HTTP: device tokens, staff PINs and citizens' data "
              f"cross the office network unencrypted. Use --ssl-certfile/--ssl-keyfile (README: \"Set up your "
              f"office\") unless this network is closed to everyone but the office's own machines.",
              file=sys.stderr)
    if not svc.store.devices():
        print("warning: no device is enrolled yet: `main.py hub enroll --db ... --role kiosk --name kiosk-1`",
              file=sys.stderr)
    try:
        _server().serve(svc, args.host, args.port, ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile,
                        docs=args.docs,
                        announce=lambda url: print(f"hub: {url}  (Ctrl-C to stop)", flush=True))
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 1
    finally:
        svc.store.close()
    return 0


def cmd_hub(args) -> int:
    """The office hub: serve the LAN API; enroll, revoke and list devices; set staff PINs."""
    from office.auth import Credentials
    from office.service import OfficeService

    svc = OfficeService.open(require_store(args.db), config(args))
    credentials = Credentials(svc.store)
    if args.hub_command == "serve":
        return _serve(svc, args)
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
        svc.set_staff_pin(args.user, read_pin(), staff=f"cli:{getpass.getuser()}")
        print(f"PIN set for {args.user}; their open sessions were ended")
    return 0


def register(subparsers) -> None:
    """`main.py hub` and its jobs (each also takes `--config` after the job name)."""
    h = add_command(subparsers, "hub", cmd_hub,
                    "the office hub (LAN server for kiosks, counters, boards): serve, enroll, revoke, PINs")
    jobs = h.add_subparsers(dest="hub_command", required=True, metavar="JOB")
    hs = jobs.add_parser("serve", help="run the hub (FastAPI + uvicorn)")
    hs.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1; the LAN address "
                    "or 0.0.0.0 to serve the office network)")
    hs.add_argument("--port", type=int, default=8470, help="port (default 8470; 0 = any free port)")
    hs.add_argument("--ssl-certfile", help="TLS certificate chain (PEM): serve HTTPS (clients trust it with "
                    "REQUESTS_CA_BUNDLE=FILE)")
    hs.add_argument("--ssl-keyfile", help="TLS private key (PEM) of --ssl-certfile")
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
