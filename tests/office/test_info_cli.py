"""`main.py info` and the `--config` option every command shares (real subprocesses, real files)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args, check=True):
    """Run main.py in a subprocess and return the completed process."""
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


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
