"""Field diagnostics as an installer runs them: `main.py scan` and `main.py print-test`."""
import random
import subprocess
import sys
from pathlib import Path

import cv2

from testkit import corpus

ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_scan_prints_the_code_of_each_image(tmp_path):
    photo, junk = tmp_path / "receipt.png", tmp_path / "notes.txt"
    printed = corpus.papers(1, 1)["receipt"][0]
    shot = corpus.shot_for(printed, "receipt", "clean", (640, 480), random.Random(3))
    cv2.imwrite(str(photo), corpus.film(printed.paper, shot, (640, 480)))
    CODE = printed.expect.code
    junk.write_text("not an image", encoding="utf-8")
    ok = run("scan", photo)
    assert ok.returncode == 0 and ok.stdout == f"{photo}: {CODE}\n"
    mixed = run("scan", "--decoder", "opencv", photo, junk)
    assert mixed.returncode == 1
    assert mixed.stdout.splitlines() == [f"{photo}: {CODE}", f"{junk}: -"]
    assert f"{junk}: not a readable image" in mixed.stderr


def test_print_test_sends_one_raster_ticket(tmp_path):
    out = tmp_path / "lp0"
    out.touch()
    r = run("print-test", "--printer", f"file:{out}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"printed a sample ticket on {out} (paper: unknown)"
    job = out.read_bytes()
    assert job.startswith(b"\x1b@") and b"\x1dv0" in job
    bad = run("print-test", "--printer", "laser:1")
    assert bad.returncode == 1 and bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1
