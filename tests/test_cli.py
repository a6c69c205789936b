"""The command line: demo, info, config errors, bench smoke run (real subprocesses, real files)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, check=True):
    """Run main.py in a subprocess and return the completed process."""
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


def test_help_lists_every_subcommand():
    out = run("--help").stdout
    for command in ("demo", "info", "bench"):
        assert command in out


def test_demo_then_info_json(tmp_path):
    db = tmp_path / "office.sqlite"
    out = run("demo", "--no-window", "--db", db, "--dossiers", 300, "--tickets", 200, "--days", 20).stdout
    assert "Trung tâm Phục vụ hành chính công" in out
    info = json.loads(run("info", "--db", db, "--json").stdout)
    assert info["office_id"] == "demo" and info["agency_code"] == "000.31.20.H56"
    assert info["dossiers"] == 300
    assert sum(info["dossiers_by_status"].values()) == 300
    assert info["tickets"] >= 150 and info["ratings"] > 0
    assert info["events"] > info["dossiers"]  # dossiers imported + every queue mutation
    # Running demo again on the same store seeds nothing more.
    run("demo", "--no-window", "--db", db, "--dossiers", 300)
    assert json.loads(run("info", "--db", db, "--json").stdout)["dossiers"] == 300


def test_info_text_has_vietnamese_status_labels(tmp_path):
    db = tmp_path / "office.sqlite"
    run("demo", "--no-window", "--db", db, "--dossiers", 200, "--tickets", 0, "--days", 20)
    out = run("info", "--db", db).stdout
    assert "Đã trả kết quả" in out and "Hồ sơ: 200" in out


def test_info_missing_store_is_one_line(tmp_path):
    proc = run("info", "--db", tmp_path / "nope.sqlite", check=False)
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "no such store" in proc.stderr


@pytest.mark.parametrize("text, needle", [
    ("rating_scale = 4", "rating_scale"),
    ("rating_scale = '3'", "rating_scale"),
    ("colour = 'blue'", "colour"),
    ("working_sessions = [['11:00', '07:00']]", "working_sessions"),
    ("office_name = ", "not valid TOML"),
])
def test_bad_config_is_one_clear_line(tmp_path, text, needle):
    cfg = tmp_path / "office.toml"
    cfg.write_text(text, encoding="utf-8")
    proc = run("info", "--db", tmp_path / "x.sqlite", "--config", cfg, check=False)
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and needle in line and "Traceback" not in line


def test_bench_smoke(tmp_path):
    proc = run("bench", "--dossiers", 2000, "--tickets", 120, "--processes", 2, "--frames", 2,
               "--sync-events", 2000, "--cache", tmp_path)
    for table in ("Dossier lookup by code", "Concurrent call-next", "Receipt decoding", "Kiosk timings",
                  "Hub over HTTP", "Sync office → central", "Resume after kill -9"):
        assert table in proc.stdout, table
    assert "no duplicates, none missing → OK" in proc.stdout
