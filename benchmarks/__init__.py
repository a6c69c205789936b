"""Benchmarks behind `main.py bench`: each prints a table comparing side by side in one run."""
from __future__ import annotations

import statistics


def percentiles(samples_s: list[float]) -> dict[str, float]:
    """p50/p95/p99 and mean of latency samples, in milliseconds."""
    ms = sorted(s * 1000 for s in samples_s)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.fmean(ms)}


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    """Print a plain-text table with right-aligned numbers."""
    cells = [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths))))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
