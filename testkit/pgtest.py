"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks.

Uses the server binaries of the Debian `postgresql` package (installed by scripts/setup.sh).
PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user in a
temporary directory that user owns. Trust authentication, loopback only, a free port.
A cluster left behind by a process killed before it could stop it is stopped and deleted the
next time a cluster starts.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PREFIX = "pgtest-"
OWNER_FILE = "owner.pid"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or the cluster would not start."""


def pg_bin() -> Path:
    """The newest installed PostgreSQL server bin directory, or PostgresUnavailable."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise PostgresUnavailable("PostgreSQL server not installed: run `bash scripts/setup.sh` "
                                  "(Debian package `postgresql`)")
    return Path(found[-1]).parent


def _alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """Start with `start()`, use `url`, stop with `stop()` (or use as a context manager).

    With `keep` (a directory), the cluster lives there and survives `stop()`: a benchmark's
    large dataset is built once and reused (the next `start()` finds it, after stopping a server
    a killed run left behind)."""

    def __init__(self, keep: Path | None = None, settings: dict[str, str] | None = None):
        """`settings`: server settings beyond the defaults (e.g. shared_buffers for a benchmark)."""
        self.dir: Path | None = None
        self.keep = Path(keep).resolve() if keep else None
        self.settings = settings or {}
        self.port = 0
        self.url = ""
        self._as_root = os.geteuid() == 0

    def _run(self, *cmd: str, timeout: float = 120) -> subprocess.CompletedProcess:
        if self._as_root:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def start(self) -> TempPostgres:
        """initdb into a temporary directory and start the server on a free loopback port."""
        bin_dir = pg_bin()
        self._reap_orphans(bin_dir)
        if self.keep:
            self.dir = self.keep
            self.dir.mkdir(parents=True, exist_ok=True)
        else:
            self.dir = Path(tempfile.mkdtemp(prefix=PREFIX))
            (self.dir / OWNER_FILE).write_text(str(os.getpid()))
        if self._as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        if (data / "postmaster.pid").exists():  # left running by a killed run
            self._run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop", timeout=120)
        if not (data / "PG_VERSION").exists():
            shutil.rmtree(data, ignore_errors=True)
            r = self._run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                          "-E", "UTF8", "--no-sync")
            if r.returncode:
                raise PostgresUnavailable(f"initdb failed: {r.stderr.strip()[-500:]}")
        for _attempt in range(5):
            self.port = free_port()
            opts = (f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=on "
                    f"-c max_connections=100" + "".join(f" -c {k}={v}" for k, v in self.settings.items()))
            r = self._run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"),
                          "-o", opts, "-w", "-t", "60", "start")
            if r.returncode == 0:
                break
        else:
            log = (self.dir / "log").read_text(errors="replace")[-800:]
            raise PostgresUnavailable(f"PostgreSQL did not start: {r.stderr.strip()} {log}")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        return self

    def _reap_orphans(self, bin_dir: Path) -> None:
        """Stop and delete the clusters whose owning process is gone (killed mid-run)."""
        for directory in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
            try:
                owner = int((directory / OWNER_FILE).read_text())
            except (OSError, ValueError):
                continue  # not ours to judge
            if _alive(owner):
                continue
            self._run(str(bin_dir / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate", "-w",
                      "stop", timeout=60)
            shutil.rmtree(directory, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server at once and delete its directory (a kept cluster: stop it cleanly)."""
        if self.dir is None:
            return
        self._run(str(pg_bin() / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast" if self.keep else "immediate",
                  "-w", "stop", timeout=300)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
