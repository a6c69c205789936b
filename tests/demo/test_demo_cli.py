"""`main.py demo`: seeds an empty store once, prints the office (real subprocesses, real files).
Its published hub credentials are checked in tests/hub/test_hub_cli.py."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr}"
    return proc


def test_demo_then_info_json(tmp_path):
    db = tmp_path / "office.sqlite"
    out = run("demo", "--no-window", "--db", db, "--dossiers", 300, "--tickets", 200, "--days", 20).stdout
    assert "Trung tâm Phục vụ hành chính công" in out
    assert "try a kiosk lookup" in out and "DEMO-ONLY" in out
    info = json.loads(run("info", "--db", db, "--json").stdout)
    assert info["office_id"] == "demo" and info["agency_code"] == "000.31.20.H56"
    assert info["dossiers"] == 300
    assert sum(info["dossiers_by_status"].values()) == 300
    assert info["tickets"] >= 150 and info["ratings"] > 0
    assert info["events"] > info["dossiers"]  # dossiers imported + every queue mutation
    # Running demo again on the same store seeds nothing more.
    again = run("demo", "--no-window", "--db", db, "--dossiers", 300)
    assert "Đang tạo văn phòng mẫu" not in again.stderr
    assert json.loads(run("info", "--db", db, "--json").stdout)["dossiers"] == 300
