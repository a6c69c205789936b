"""`main.py demo`: seed the demo office (if its store is empty), show it, start its hub in-process,
then open the kiosk (`--all`: kiosk, counter and board, each in its own window); on a machine
without a screen the hub keeps serving until Ctrl-C / SIGTERM."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from office.cli import DEFAULT_DB, ROOT, TOKEN_ENV, add_command, config, format_info

APPS = (("kiosk", "kiosk-1"), ("counter", "quay-1"), ("display", "bang-tin-1"))  # --all: app, demo device


def cmd_demo(args) -> int:
    """Create the demo office (if the store is empty), show what it contains, serve it."""
    from demo.seed import demo_secret, mark_demo, seed_demo
    from office.model import DossierStatus as S
    from office.service import OfficeService

    args.db.parent.mkdir(parents=True, exist_ok=True)
    svc = OfficeService.open(args.db, config(args))
    mark_demo(svc.store)  # a real office's store is refused here, before anything is written or served
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
    if args.no_window:
        return 0
    from demo.seed import demo_device_tokens
    from hub.cli import start_hub_thread

    url, stop = start_hub_thread(svc, "127.0.0.1", args.hub_port)
    tokens = {name: token for name, _, token in demo_device_tokens(svc, args.seed)}
    print(f"\nHub: {url} — kiosks, counters and boards of this machine connect here:", flush=True)
    for app, device in APPS:
        if device in tokens:
            print(f"  {TOKEN_ENV}={tokens[device]} .venv/bin/python main.py {app} --hub {url}", flush=True)
    print(f"Trình duyệt / browser: tra cứu hồ sơ / status page {url}/tra-cuu — bảng điều hành / office "
          f"dashboard {url}/quan-ly (son.hv)", flush=True)
    try:
        if args.all:
            return run_apps(url, tokens, stop)
        if has_display():
            from kiosk.cli import open_kiosk

            return open_kiosk(svc, args)
        print("\n(no screen here: the hub keeps serving the demo office; Ctrl-C to stop)", flush=True)
        while True:
            time.sleep(3600)
    finally:
        stop()
        svc.store.close()


def run_apps(url: str, tokens: dict[str, str], stop_hub) -> int:
    """Open the kiosk, counter and board windows against the demo hub, each in its own process (a
    Kivy window per process); wait until all are closed, or stop them all on Ctrl-C / SIGTERM (the
    apps and the hub stop side by side)."""
    procs = []
    for app, device in APPS:
        env = {**os.environ, TOKEN_ENV: tokens[device]}  # never on a command line: `ps` shows those
        procs.append(subprocess.Popen([sys.executable, str(ROOT / "main.py"), app, "--hub", url], env=env))
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        hub = threading.Thread(target=stop_hub, name="demo-hub-stop")
        hub.start()
        deadline = time.monotonic() + 4
        for p in procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
        hub.join()
    return 0


def has_display() -> bool:
    """Whether a window can be opened here: an X11 or Wayland session, or SDL's offscreen driver."""
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY")) \
        or os.environ.get("SDL_VIDEODRIVER") == "offscreen"


def format_demo_credentials(svc, seed: int) -> str:
    """The demo office's public hub credentials (staff PINs, kiosk PIN, device tokens): demo only."""
    from demo.seed import DEMO_KIOSK_PIN, DEMO_PINS, demo_device_tokens

    lines = ["\nHub — thông tin đăng nhập MẪU, chỉ dùng thử / DEMO-ONLY credentials:",
             "  PIN cán bộ / staff PINs: " + ", ".join(f"{u} {p}" for u, p in DEMO_PINS.items())
             + "  (son.hv: quản trị / admin)",
             f"  PIN quản trị kiosk / kiosk staff panel: {DEMO_KIOSK_PIN}"]
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
    d.add_argument("--all", action="store_true", help="open the kiosk, a counter and the board, each in its window")
    d.add_argument("--no-window", action="store_true", help="only print the office; no hub, no window")
    d.add_argument("--hub-port", type=int, default=8470, help="port of the in-process hub (default 8470)")
