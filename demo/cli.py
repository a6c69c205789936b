"""`main.py demo`: seed the demo office (if its store is empty), show it, start its hub in-process
and open the kiosk on it."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from office.cli import DEFAULT_DB, add_command, config, format_info


def cmd_demo(args) -> int:
    """Create the demo office (if the store is empty) and show what it contains."""
    from demo.seed import demo_secret, seed_demo
    from office.model import DossierStatus as S
    from office.service import OfficeService

    args.db.parent.mkdir(parents=True, exist_ok=True)
    svc = OfficeService.open(args.db, config(args))
    if not svc.store.counts()["dossiers"]:
        print(f"Đang tạo văn phòng mẫu trong {args.db} …", file=sys.stderr)
        seed_demo(svc, dossiers=args.dossiers, tickets=args.tickets, days=args.days, seed=args.seed,
                  progress=lambda msg: print(f"  {msg}", file=sys.stderr))
    print(format_info(svc.summary()))
    print("\nThử tra cứu hồ sơ (mã hồ sơ + mã tra cứu) / try a kiosk lookup:")
    for status in (S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.DONE, S.RETURNED):
        code = next(iter(svc.store.dossier_codes(status, limit=1)), None)
        if code is None:
            continue
        secret = demo_secret(args.seed, code)
        view = svc.kiosk_lookup(code, secret)
        print(f"  {code}  {secret}  → {view.masked_name}: "
              f"{view.status_label_vi} ({view.timeliness.label_vi})")
    print(format_demo_credentials(svc, args.seed))
    if args.no_window or not has_display():
        if not args.no_window:
            print("\n(no screen here: run this on the kiosk PC to open the kiosk window)")
        return 0
    from demo.seed import demo_device_tokens
    from hub.cli import start_hub_thread
    from kiosk.cli import open_kiosk

    url, stop = start_hub_thread(svc, "127.0.0.1", args.hub_port)
    print(f"\nHub: {url} — counters and boards connect here with the tokens above", flush=True)
    tokens = {name: token for name, _, token in demo_device_tokens(svc, args.seed)}
    if {"quay-1", "bang-tin-1"} <= tokens.keys():
        print(f"  quầy / counter: .venv/bin/python main.py counter --hub {url} --token {tokens['quay-1']}\n"
              f"  bảng / board:   .venv/bin/python main.py display --hub {url} --token {tokens['bang-tin-1']}",
              flush=True)
    try:
        return open_kiosk(svc, args)
    finally:
        stop()


def has_display() -> bool:
    """Whether a window can be opened here (an X11 or Wayland session)."""
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY"))


def format_demo_credentials(svc, seed: int) -> str:
    """The demo office's public hub credentials (staff PINs, device tokens): demo only."""
    from demo.seed import DEMO_PINS, demo_device_tokens

    lines = ["\nHub — thông tin đăng nhập MẪU, chỉ dùng thử / DEMO-ONLY credentials:",
             "  PIN cán bộ / staff PINs: " + ", ".join(f"{u} {p}" for u, p in DEMO_PINS.items())]
    lines += [f"  {role:<8} {name:<11} {token}" for name, role, token in demo_device_tokens(svc, seed)]
    return "\n".join(lines)


def register(subparsers) -> None:
    """`main.py demo`."""
    d = add_command(subparsers, "demo", cmd_demo,
                    "the demo office: seed it (if empty), show it, start its hub and open the kiosk")
    d.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    d.add_argument("--dossiers", type=int, default=2000, help="dossiers to generate (default 2000)")
    d.add_argument("--tickets", type=int, default=3000, help="queue tickets to simulate (default 3000)")
    d.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    d.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    d.add_argument("--no-window", action="store_true", help="only print the office; no hub, no kiosk window")
    d.add_argument("--hub-port", type=int, default=8470, help="port of the in-process hub (default 8470)")
