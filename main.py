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
    from office.demo import seed_demo
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
    return 0


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
    from benchmarks import core

    return core.main(args)


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

    d = add("demo", cmd_demo, "create (if empty) and show the demo office with seeded data")
    d.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    d.add_argument("--dossiers", type=int, default=2000, help="dossiers to generate (default 2000)")
    d.add_argument("--tickets", type=int, default=3000, help="queue tickets to simulate (default 3000)")
    d.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    d.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    i = add("info", cmd_info, "summarise a store: office, dossiers per status, tickets, ratings, change log")
    i.add_argument("--db", type=Path, required=True, help="store file")
    i.add_argument("--json", action="store_true", help="print JSON instead of a table")

    b = add("bench", cmd_bench, "benchmarks: dossier lookup in a large store, concurrent call-next")
    b.add_argument("--dossiers", type=int, default=1_000_000, help="store size for the lookup bench")
    b.add_argument("--processes", type=int, default=8, help="processes calling next concurrently")
    b.add_argument("--tickets", type=int, default=2000, help="tickets for the call-next bench")
    b.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "data" / "bench",
                   help="where the large bench store is kept between runs")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run one subcommand, turn known errors into one-line messages."""
    args = build_parser().parse_args(argv)
    from office.config import ConfigError
    from office.model import DomainError

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
