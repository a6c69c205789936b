"""What every package's `cli.py` shares (a subcommand with its `--config` option, the office
config, the demo store's path, the "no such store" check) and `main.py info`.

Standard library only at module level: main.py imports this to build its parser, and
`main.py --help` must not load the core (the calendar alone takes ~0.1 s).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # = office.config.ROOT, without importing the calendar
DEFAULT_DB = ROOT / "data" / "demo.sqlite"


def add_command(subparsers, name: str, func, help_text: str) -> argparse.ArgumentParser:
    """A subcommand of main.py that runs `func(args)`, with the `--config FILE` every command takes."""
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(func=func)
    parser.add_argument("--config", type=Path, help="office config TOML (default: built-in defaults, "
                        "see config.example.toml)")
    return parser


def config(args):
    """The office config of `--config`, or None without it (then a store set up by `office init`
    uses its own, any other store the built-in defaults); ConfigError names the bad key."""
    from office.config import load_config

    return load_config(args.config) if args.config is not None else None


def require_store(db: Path) -> Path:
    """`db` when it exists; otherwise stop with one line saying how to create one."""
    if not db.exists():
        raise SystemExit(f"error: {db}: no such store (set up an office with `main.py office init --config "
                         f"office.toml --db {db}`, or try the demo with `main.py demo --db {db}`)")
    return db


def log_to_stderr() -> None:
    """Log one line per event to standard error: the journal under systemd (which stamps the time),
    with the time in front on a terminal. Never a token, PIN or citizen's personal data."""
    import logging
    import os

    stamp = "" if os.environ.get("JOURNAL_STREAM") else "%(asctime)s "
    logging.basicConfig(level=logging.INFO, format=stamp + "%(levelname)s %(name)s: %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S", stream=sys.stderr)


def read_pin() -> str:
    """A PIN from the terminal (typed twice, hidden) or one line of standard input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    import getpass

    pin = getpass.getpass("PIN (6 digits): ")
    if getpass.getpass("PIN again: ") != pin:
        raise SystemExit("error: the two PINs differ")
    return pin


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


def cmd_info(args) -> int:
    """Summarise a store."""
    from office.service import OfficeService

    office_config = config(args)  # a bad config is reported first, even for a missing store
    summary = OfficeService.open(require_store(args.db), office_config).summary()
    print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else format_info(summary))
    return 0


def register(subparsers) -> None:
    """`main.py info` and `main.py office …`."""
    i = add_command(subparsers, "info", cmd_info,
                    "summarise a store: office, dossiers per status, tickets, ratings, change log")
    i.add_argument("--db", type=Path, required=True, help="store file")
    i.add_argument("--json", action="store_true", help="print JSON instead of a table")
    from office import admin_cli

    admin_cli.register(subparsers)
