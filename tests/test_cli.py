"""The assembled command line: every package's subcommands, README's commands, a fast `--help`,
one-line errors, and the `motcua` entry point. Each command's behaviour is tested beside its
package (tests/<package>/test_*_cli.py)."""
from __future__ import annotations

import argparse
import importlib
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import main
from office import cli as office_cli
from office.errors import NotFound, Unavailable

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("demo", "info", "bench", "kiosk", "display", "counter", "scan", "print-test", "central", "sync",
            "reconcile", "hub")
HEAVY = ("kivy", "fastapi", "uvicorn", "starlette", "cv2", "reportlab", "requests", "psycopg", "escpos", "zxingcpp",
         "pyzbar", "numpy", "PIL", "holidays", "sqlite_utils")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def options(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of a command, its jobs included."""
    found = {s for a in parser._actions for s in a.option_strings}
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            for job in a.choices.values():
                found |= options(job)
    return found


def test_help_lists_every_subcommand_in_order():
    out = subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert tuple(subcommands(main.build_parser())) == COMMANDS
    listed = [line.split()[0] for line in out.splitlines() if re.match(r"^    \S", line)]
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("argv", [["main.py", "--help"], ["-m", "main", "--help"], ["main.py", "hub", "--help"],
                                  ["main.py", "central", "serve", "--help"], ["main.py", "kiosk", "--help"]])
def test_help_loads_no_heavy_library(argv):
    """`--help` (and so every command's start) reads the options of every package without
    importing Kivy, the web framework, device, PDF, HTTP or database libraries, or the core."""
    probe = ("import runpy, sys\n"
             f"argv = {argv!r}\n"
             "sys.argv = [argv[1] if argv[0] == '-m' else argv[0], *argv[2 if argv[0] == '-m' else 1:]]\n"
             "try:\n"
             "    runpy.run_module('main', run_name='__main__') if argv[0] == '-m' else "
             "runpy.run_path('main.py', run_name='__main__')\n"
             "except SystemExit as e:\n"
             "    assert e.code == 0, e.code\n"
             f"loaded = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
             "loaded += sorted(m for m in sys.modules if m in ('office.config', 'office.service', 'office.store'))\n"
             "print('LOADED', loaded)\n")
    r = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "usage: main.py" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "LOADED []"


def test_python_dash_m_main_runs_a_command(tmp_path):
    r = subprocess.run([sys.executable, "-m", "main", "info", "--db", str(tmp_path / "none.db")], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "no such store" in r.stderr and r.stderr.count("\n") == 1


def test_pyproject_entry_point_and_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["requires-python"] == ">=3.11"
    module, _, attr = project["project"]["scripts"]["motcua"].partition(":")
    entry = getattr(importlib.import_module(module), attr)
    assert callable(entry) and entry is main.main
    setuptools = project["tool"]["setuptools"]
    assert setuptools["py-modules"] == ["main"]
    include = set(setuptools["packages"]["find"]["include"])
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert {"office", "hub", "devices", "central", "sync", "kiosk", "counter", "display"} <= packages
    assert all({p, f"{p}.*"} <= include for p in packages), packages - include
    assert "--no-deps -e ." in (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")


def test_shared_root_is_the_config_root():
    from office.config import ROOT as CONFIG_ROOT

    assert office_cli.ROOT == CONFIG_ROOT == ROOT
    assert office_cli.DEFAULT_DB == ROOT / "data" / "demo.sqlite"


def test_every_package_registers_its_commands():
    """main.py only assembles: each command's function lives in its package's cli module."""
    owners = {"demo": "demo", "info": "office", "bench": "benchmarks", "kiosk": "kiosk", "display": "display",
              "counter": "counter", "scan": "devices", "print-test": "devices", "central": "central",
              "sync": "sync", "reconcile": "sync", "hub": "hub"}
    for name, parser in subcommands(main.build_parser()).items():
        assert parser.get_default("func").__module__ == f"{owners[name]}.cli", name
    assert len((ROOT / "main.py").read_text(encoding="utf-8").splitlines()) <= 120


# ---- README's commands ------------------------------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_table_rows() -> list[tuple[str, list[str], set[str]]]:
    """(command, jobs, options) of each command written in README's Commands table."""
    rows = []
    for line in README.splitlines():
        if not line.startswith("| `"):
            continue
        for snippet in re.findall(r"`([^`]+)`", line.split(" | ")[0]):
            words = snippet.split()
            jobs = words[1].split("\\|") if len(words) > 1 and "\\|" in words[1] else []
            rows.append((words[0], jobs, set(re.findall(r"--[a-z][a-z-]*", snippet))))
    return rows


def readme_examples() -> list[list[str]]:
    """The `main.py …` command lines of README's examples, as an operator would type them (optional
    parts in [ ] included, the first of `a|b` alternatives)."""
    lines = []
    for line in README.splitlines():
        m = re.match(r"^\s+(?:bash scripts/setup.sh && )?\.venv/bin/python main\.py (.*)$", line)
        if m:
            text = re.sub(r"\s+#.*$", "", m.group(1)).replace("[", "").replace("]", "")
            lines.append([w.split("|")[0] for w in shlex.split(text)])
    return lines


def test_readme_table_names_only_existing_commands_and_options():
    rows = readme_table_rows()
    assert {command for command, _, _ in rows} == set(COMMANDS)
    commands = subcommands(main.build_parser())
    for command, jobs, opts in rows:
        parser = commands[command]
        if jobs:
            assert set(subcommands(parser)) == set(jobs), command
        assert opts <= options(parser), (command, opts - options(parser))


@pytest.mark.parametrize("argv", readme_examples(), ids=" ".join)
def test_readme_examples_parse(argv):
    args = main.build_parser().parse_args(argv)
    assert args.command == argv[0] and callable(args.func)


def test_readme_has_examples_of_every_hub_and_central_job():
    examples = {tuple(argv[:2]) for argv in readme_examples()}
    assert {("hub", j) for j in ("serve", "enroll", "revoke", "devices", "set-pin")} <= examples
    assert {("central", j) for j in ("serve", "enroll", "revoke", "catalogue", "export", "quarantine",
                                            "import-online", "audit")} <= examples


@pytest.mark.parametrize("argv", [[c] for c in COMMANDS] + [["hub", j] for j in ("serve", "enroll", "revoke",
                         "devices", "set-pin")] + [["central", j] for j in ("serve", "enroll", "revoke",
                                                                             "catalogue", "export")])
def test_every_command_has_help(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main.build_parser().parse_args([*argv, "--help"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: main.py {' '.join(argv)}")


# ---- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("error, code, line", [
    (NotFound("Không tìm thấy hồ sơ"), 1, "error [not_found]: Không tìm thấy hồ sơ"),
    (Unavailable("printer tcp://10.0.0.9:9100 does not answer"), 1,
     "unavailable: printer tcp://10.0.0.9:9100 does not answer"),
])
def test_known_errors_are_one_line(monkeypatch, capsys, error, code, line):
    def fail(args):
        raise error

    monkeypatch.setattr(office_cli, "cmd_info", fail)
    assert main.main(["info", "--db", "x.db"]) == code
    assert capsys.readouterr().err == line + "\n"


def test_config_error_is_one_line(tmp_path, capsys):
    cfg = tmp_path / "office.toml"
    cfg.write_text("rating_scale = 4", encoding="utf-8")
    assert main.main(["info", "--db", str(tmp_path / "x.db"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("config error: ") and err.count("\n") == 1 and "rating_scale" in err
