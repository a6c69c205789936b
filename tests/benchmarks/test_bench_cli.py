"""`main.py bench`: a smoke run of every benchmark on small sizes (real subprocess)."""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke():
    # not tmp_path: the central bench keeps its PostgreSQL cluster in the cache, and when the tests
    # run as root the cluster runs as the postgres user, who cannot enter pytest's private tmp_path
    cache = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    cache.chmod(0o755)
    try:
        proc = run_bench(cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr}"
    for table in ("Dossier lookup by code", "Concurrent call-next", "Scanning corpus 640×480", "Kiosk timings",
                  "Hub over HTTP", "Office dashboard on the hub", "Sync office → central", "Resume after kill -9", "Central at scale",
                  "Back office and portal at that size", "Provincial dashboard at scale"):
        assert table in proc.stdout, table
    assert "no duplicates, none missing → OK" in proc.stdout
    assert "central push: 0 errors, none lost → OK" in proc.stdout


def run_bench(cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "bench", "--dossiers", "2000", "--tickets", "120",
                           "--processes", "2", "--frames", "2", "--sync-events", "2000", "--cache", str(cache),
                           "--central-offices", "4", "--central-dossiers", "2000", "--central-pushers", "2",
                           "--central-seconds", "2", "--central-reads", "20", "--central-steps", "5",
                           "--central-export", "100", "--province-requests", "5"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
