"""`main.py bench`: run the benchmarks and print their tables."""
from __future__ import annotations

from pathlib import Path

from office.cli import ROOT, add_command

BENCHES = ("core", "decode", "hub", "office_load", "dashboard", "sync", "voice", "central", "province")


def cmd_bench(args) -> int:
    """Run the benchmarks (all, or those named by --only) and print their tables (each module is
    imported only when its turn comes)."""
    import importlib

    status = 0
    for name in args.only or BENCHES:
        status = importlib.import_module(f"benchmarks.{name}").main(args) or status
    return status


def register(subparsers) -> None:
    """`main.py bench`."""
    b = add_command(subparsers, "bench", cmd_bench,
                    "benchmarks: dossier lookup in a large store, concurrent call-next, the hub under a "
                    "mixed office load, the office dashboard, sync, the board's voice, the central system and its "
                    "provincial dashboard at scale")
    b.add_argument("--only", nargs="+", choices=BENCHES, help="run only these benchmarks (default: all)")
    b.add_argument("--dossiers", type=int, default=1_000_000, help="store size for the lookup bench")
    b.add_argument("--processes", type=int, default=8, help="processes calling next concurrently")
    b.add_argument("--tickets", type=int, default=2000, help="tickets for the call-next bench")
    b.add_argument("--cache", type=Path, default=ROOT / "data" / "bench",
                   help="where the large bench store is kept between runs")
    b.add_argument("--frames", type=int, default=12, help="decode bench: frames per degradation and size")
    b.add_argument("--clips", type=int, default=20, help="decode bench: live clips per frame size")
    b.add_argument("--sync-events", type=int, default=100_000, help="sync bench: events to push")
    b.add_argument("--voice-template", help="voice bench: the board's voice template (default: the office's)")
    b.add_argument("--central-offices", type=int, default=1000, help="central bench: offices in the province")
    b.add_argument("--central-dossiers", type=int, default=10_000_000,
                   help="central bench: dossiers in the province (built once into --cache, kept)")
    b.add_argument("--central-pushers", type=int, default=200, help="central bench: offices pushing at once")
    b.add_argument("--central-seconds", type=float, default=300, help="central bench: how long they push")
    b.add_argument("--central-reads", type=int, default=500, help="central bench: department dossier reads")
    b.add_argument("--central-steps", type=int, default=200, help="central bench: department step posts")
    b.add_argument("--province-requests", type=int, default=100,
                   help="province bench: requests of each provincial dashboard page")
    b.add_argument("--central-export", type=int, default=2000, help="central bench: dossiers exported to the portal")
