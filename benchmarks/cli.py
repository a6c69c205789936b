"""`main.py bench`: run the benchmarks and print their tables."""
from __future__ import annotations

from pathlib import Path

from office.cli import ROOT, add_command


def cmd_bench(args) -> int:
    """Run the benchmarks and print their tables (each module only when its turn comes)."""
    from benchmarks import core, decode

    status = core.main(args)
    status = decode.main(args) or status
    from benchmarks import hub as hub_bench

    status = hub_bench.main(args) or status
    from benchmarks import sync as sync_bench

    status = sync_bench.main(args) or status
    from benchmarks import voice

    return voice.main(args) or status


def register(subparsers) -> None:
    """`main.py bench`."""
    b = add_command(subparsers, "bench", cmd_bench,
                    "benchmarks: dossier lookup in a large store, concurrent call-next, the board's voice")
    b.add_argument("--dossiers", type=int, default=1_000_000, help="store size for the lookup bench")
    b.add_argument("--processes", type=int, default=8, help="processes calling next concurrently")
    b.add_argument("--tickets", type=int, default=2000, help="tickets for the call-next bench")
    b.add_argument("--cache", type=Path, default=ROOT / "data" / "bench",
                   help="where the large bench store is kept between runs")
    b.add_argument("--frames", type=int, default=12, help="decode bench: frames per kind and size")
    b.add_argument("--sync-events", type=int, default=100_000, help="sync bench: events to push")
    b.add_argument("--voice-template", help="voice bench: the board's voice template (default: the office's)")
