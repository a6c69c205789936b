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
TOKEN_ENV = "MOTCUA_TOKEN"


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


def add_token(parser: argparse.ArgumentParser, what: str) -> None:
    """`--token` and `--token-file` (or the MOTCUA_TOKEN environment variable) for a command that
    presents a token: `ps` shows a command line to every user, so a file or the environment is safer."""
    parser.add_argument("--token", help=f"{what} (visible to `ps`: prefer --token-file or ${TOKEN_ENV})")
    parser.add_argument("--token-file", type=Path, metavar="FILE",
                        help=f"file holding the token on its first line, mode 0600 (or set ${TOKEN_ENV})")


def token(args) -> str | None:
    """The token of `add_token`'s options: --token, else --token-file, else $MOTCUA_TOKEN (None if none)."""
    import os
    import stat

    if args.token:
        return args.token
    if args.token_file is not None:
        try:
            text = args.token_file.read_text(encoding="utf-8").strip()
            mode = stat.S_IMODE(args.token_file.stat().st_mode)
        except (OSError, UnicodeDecodeError) as e:
            raise SystemExit(f"error: --token-file {args.token_file}: {getattr(e, 'strerror', None) or e}") from None
        if not text:
            raise SystemExit(f"error: --token-file {args.token_file} is empty")
        if mode & 0o077:
            print(f"warning: {args.token_file} can be read by other users: chmod 600 {args.token_file}",
                  file=sys.stderr)
        return text.splitlines()[0].strip()
    return os.environ.get(TOKEN_ENV) or None


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


def cmd_office(args) -> int:
    """Set up and administer a real office (office/admin_cli.py)."""
    from office import admin_cli

    return admin_cli.run(args)


def cmd_backup(args) -> int:
    """Copy the store into a folder (consistent while the hub writes), keep the newest N copies."""
    from office.backup import backup

    facts = backup(require_store(args.db), args.to, args.keep)
    print(f"backup {facts.path}: office {facts.office_id}, {facts.events} change-log events, "
          f"{facts.rows.get('dossiers', 0)} dossiers, {facts.rows.get('tickets', 0)} tickets; integrity ok")
    return 0


def cmd_restore(args) -> int:
    """Replace the store by a checked backup (stop the hub first)."""
    from office.backup import restore

    facts, aside = restore(args.copy, args.db, args.force)
    print(f"restored {args.db} from {args.copy}: {facts.events} change-log events, "
          f"{facts.rows.get('dossiers', 0)} dossiers; integrity ok"
          + (f"; the replaced store is kept as {aside}" if aside else ""))
    return 0


def register(subparsers) -> None:
    """`main.py info`, `office …`, `backup`, `restore`."""
    i = add_command(subparsers, "info", cmd_info,
                    "summarise a store: office, dossiers per status, tickets, ratings, change log")
    i.add_argument("--db", type=Path, required=True, help="store file")
    i.add_argument("--json", action="store_true", help="print JSON instead of a table")
    from office import admin_cli

    admin_cli.add_jobs(add_command(subparsers, "office", cmd_office, "set up a real office from its office file "
                                   "and administer it (staff, PINs, services, counters, hours, days)"))
    b = add_command(subparsers, "backup", cmd_backup, "copy the office store into a folder (safe while the hub "
                    "runs), keeping the newest copies")
    b.add_argument("--db", type=Path, required=True, help="store file")
    b.add_argument("--to", type=Path, required=True, help="backup folder (created 0700)")
    b.add_argument("--keep", type=int, default=14, help="copies of this store to keep (default 14)")
    r = add_command(subparsers, "restore", cmd_restore, "replace the store by a backup after checking it "
                    "(stop the hub first)")
    r.add_argument("--db", type=Path, required=True, help="store file to replace (the old one is kept aside)")
    r.add_argument("--from", dest="copy", type=Path, required=True, help="the backup file")
    r.add_argument("--force", action="store_true", help="restore even a copy older than the store's change log")
