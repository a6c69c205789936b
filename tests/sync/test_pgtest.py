"""The throwaway PostgreSQL cluster of the tests and benchmarks cleans up after killed runs."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from testkit.pgtest import TempPostgres

ROOT = Path(__file__).resolve().parents[2]
OWNER = ("import sys; from testkit.pgtest import TempPostgres; "
         "print(TempPostgres().start().dir, flush=True); sys.stdin.read()")


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_a_cluster_left_by_a_killed_process_is_stopped_and_deleted_by_the_next_start():
    owner = subprocess.Popen([sys.executable, "-c", OWNER], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    orphan = Path(owner.stdout.readline().strip())
    port = int((orphan / "data" / "postmaster.pid").read_text().splitlines()[3])
    owner.kill()
    owner.wait()
    assert orphan.exists() and _accepts(port)  # kill -9: nobody stopped it
    with TempPostgres() as pg:
        assert not orphan.exists() and not _accepts(port)
        assert _accepts(pg.port)  # a live owner's cluster is left alone
        with TempPostgres() as other:
            assert pg.dir.exists() and other.dir.exists()
