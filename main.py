"""Command line of the one-stop office system: one subcommand per job.

Each package registers its own subcommands (`<package>/cli.py: register(subparsers)`); this
module only assembles them, runs the chosen one and turns known errors into one line. The cli
modules import nothing heavy at module level, so `main.py --help` and the core commands start
fast and never load Kivy, the web framework or device libraries.

Installed as `motcua` (pyproject.toml); `python -m main` and `python main.py` work too.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from benchmarks import cli as benchmarks_cli
from central import cli as central_cli
from counter import cli as counter_cli
from demo import cli as demo_cli
from devices import cli as devices_cli
from display import cli as display_cli
from hub import cli as hub_cli
from kiosk import cli as kiosk_cli
from office import cli as office_cli
from sync import cli as sync_cli

# In the order `--help` lists their commands.
PACKAGES = (demo_cli, office_cli, benchmarks_cli, kiosk_cli, display_cli, counter_cli, devices_cli,
            central_cli, sync_cli, hub_cli)


def build_parser(prog: str = "main.py") -> argparse.ArgumentParser:
    """The argument parser with every package's subcommands."""
    parser = argparse.ArgumentParser(prog=prog, description="Một cửa: kiosk, counter, display, hub and sync "
                                     "for a Vietnamese one-stop public-service office.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for package in PACKAGES:
        package.register(subparsers)
    return parser


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt  # systemd's SIGTERM stops a command as cleanly as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run one subcommand, turn known errors into one-line messages.

    Whatever a command creates (stores, backups, forms, logs) is readable by its owner only, and
    SIGTERM or Ctrl-C ends it cleanly with exit code 0 (the apps stop their window on either)."""
    prog = "motcua" if Path(sys.argv[0]).name == "motcua" else "main.py"
    args = build_parser(prog).parse_args(argv)
    from office.config import ConfigError
    from office.errors import DomainError, Unavailable

    os.umask(0o077)
    signal.signal(signal.SIGTERM, _stop)
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        code = 0
    except ConfigError as e:
        print(f"config error: {e}", file=sys.stderr)
        return 2
    except DomainError as e:
        print(f"error [{e.code}]: {e.message}", file=sys.stderr)
        return 1
    except Unavailable as e:
        print(f"unavailable: {e.message}", file=sys.stderr)
        return 1
    shell = sys.modules.get("uikit.app")
    if shell is not None and shell.WINDOW_RUN:
        # An app window ran and everything it opened is closed: Kivy would spend seconds freeing its
        # graphics at interpreter exit, and a stop (systemd, Ctrl-C) must be quick. Flush, leave.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
