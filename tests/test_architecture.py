"""Dependency rules of DESIGN.md §2, checked on the source with `ast`: who may import whom, and where
each framework and device library may appear. No file is exempt by name; the only distinction is
a package's `cli.py`, its command-line entry, which may start other packages from inside its
functions (the demo starts a hub and opens the kiosk)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("office", "hub", "devices", "forms", "central", "sync", "demo", "kiosk", "counter", "display",
            "uikit", "benchmarks", "testkit", "web")
APPS = ("kiosk", "counter", "display")
# Our packages (or modules of them) each package may import; its own package is always allowed.
ALLOWED = {
    "office": set(),
    "devices": {"office"}, "forms": {"office"}, "hub": {"office", "web"}, "sync": {"office"},
    "demo": {"office"}, "web": {"office"}, "testkit": {"office", "forms", "devices", "demo"}, "uikit": {"office", "devices"},
    "central": {"office", "sync.protocol", "sync.transport", "web"},
    "kiosk": {"office", "uikit", "devices", "hub.client"},
    "counter": {"office", "uikit", "devices", "forms", "hub.client"},
    "display": {"office", "uikit", "devices", "hub.client"},
    "benchmarks": set(PACKAGES),
}
# Third-party libraries and the only packages that may import them.
LIBRARIES = {
    "fastapi": {"hub", "central", "web"}, "uvicorn": {"hub", "central"}, "starlette": {"hub", "central", "web"},
    "jinja2": {"web"},
    "pydantic": {"hub", "central"}, "requests": {"hub", "sync", "central"},
    "psycopg": {"central", "testkit"}, "reportlab": {"forms"},
    "kivy": {"kiosk", "counter", "display", "uikit", "devices"},
    "cv2": {"devices"}, "zxingcpp": {"devices"}, "pyzbar": {"devices"}, "escpos": {"devices"},
    "usb": {"devices"}, "serial": {"devices"},
}
DEVICE_LIBS = {"cv2", "zxingcpp", "pyzbar", "escpos", "usb", "serial", "kivy"}  # lazily, inside devices/
CORE_FORBIDDEN = {"fastapi", "uvicorn", "starlette", "requests", "reportlab", "kivy", "cv2", "zxingcpp",
                  "pyzbar", "escpos", "psycopg"}


def py_files(*packages: str) -> list[Path]:
    files = []
    for p in packages:
        base = ROOT / p
        if base.is_file():
            files.append(base)
        elif base.is_dir():
            files.extend(f for f in base.rglob("*.py") if ".venv" not in f.parts)
    return sorted(files)


def imports(path: Path, package: str | None = None) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level?) for every import in a file.

    Relative imports count as imports of the file's own top-level package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []

    def visit(node, top: bool):
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.extend((f"{child.module}.{a.name}", child.lineno, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level > 0:
                found.append((package or path.relative_to(ROOT).parts[0], child.lineno, top))
            elif isinstance(child, ast.Call) and getattr(child.func, "attr", getattr(child.func, "id", "")) in (
                    "import_module", "__import__") and child.args and isinstance(child.args[0], ast.Constant) \
                    and isinstance(child.args[0].value, str):
                found.append((child.args[0].value, child.lineno, top))
            visit(child, inner)

    visit(tree, True)
    return found


def rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def package_of(p: Path) -> str:
    return p.relative_to(ROOT).parts[0]


def allowed(importer: str, module: str) -> bool:
    """Whether package `importer` may import our `module` (a dotted name)."""
    top = module.split(".")[0]
    return top == importer or any(module == a or module.startswith(a + ".") or top == a
                                  for a in ALLOWED[importer] if "." not in a) \
        or any(module == a or module.startswith(a + ".") for a in ALLOWED[importer] if "." in a)


def test_there_is_something_to_check():
    files = {rel(p) for p in py_files(*PACKAGES)}
    assert {"office/port.py", "office/gateway.py", "hub/app.py", "hub/client.py", "central/server.py"} <= files


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_only_what_the_layers_allow(package):
    bad = []
    for p in py_files(package):
        is_cli = p.name == "cli.py"
        for module, line, top in imports(p):
            if module.split(".")[0] not in PACKAGES or allowed(package, module):
                continue
            if is_cli and not top:  # a command line starts other packages, from inside its functions
                continue
            bad.append(f"{rel(p)}:{line} {module}")
    assert not bad, f"{package} imports what its layer may not: {bad}"


def test_apps_never_import_each_other():
    bad = [f"{rel(p)}:{line} {module}" for app in APPS for p in py_files(app) if p.name != "cli.py"
           for module, line, _ in imports(p) if module.split(".")[0] in set(APPS) - {app}]
    assert not bad, bad


def test_main_only_assembles_the_command_lines():
    mods = {module for module, _, _ in imports(ROOT / "main.py") if module.split(".")[0] in PACKAGES}
    assert mods and all(m.endswith(".cli") or m.startswith("office.") for m in mods), mods  # + core errors
    assert len((ROOT / "main.py").read_text(encoding="utf-8").splitlines()) <= 120


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_each_library_lives_in_its_packages(library):
    bad = [f"{rel(p)}:{line}" for p in py_files(*PACKAGES, "main.py")
           for module, line, _ in imports(p) if module.split(".")[0] == library
           and package_of(p) not in LIBRARIES[library] | {"benchmarks"}]
    assert not bad, f"{library} imported outside {sorted(LIBRARIES[library])}: {bad}"


def test_device_libraries_load_lazily():
    eager = [f"{rel(p)}:{line} {module}" for p in py_files("devices")
             for module, line, top in imports(p) if module.split(".")[0] in DEVICE_LIBS and top]
    assert not eager, f"device libraries must be imported inside functions: {eager}"


def test_import_checker_sees_all_import_forms(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text("import kivy.app\nfrom cv2 import imread\nimport importlib\n"
                      "def f():\n    import escpos.printer\n    importlib.import_module('pyzbar.pyzbar')\n"
                      "from . import model\n", encoding="utf-8")
    found = {(m.split(".")[0], top) for m, _, top in imports(sample, package="office")}
    assert found >= {("kivy", True), ("cv2", True), ("escpos", False), ("pyzbar", False), ("office", True)}


def test_layer_rule_catches_an_upward_import():
    assert allowed("central", "sync.protocol") and not allowed("central", "sync.client")
    assert allowed("kiosk", "hub.client") and not allowed("kiosk", "hub.app")
    assert not allowed("office", "hub") and not allowed("devices", "forms") and allowed("counter", "forms.layout")


@pytest.mark.parametrize("module", ["office.gateway", "office.service", "office.store", "office.config",
                                    "office.rules.calendar", "office.port", "office.policy"])
def test_the_core_pulls_no_framework_device_or_http_library(module):
    code = (f"import {module}, sys; bad = [m for m in {sorted(CORE_FORBIDDEN)!r} if m in sys.modules]; "
            f"assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("module", ["display.board", "display.layout", "display.voice", "display.announcer",
                                    "devices.speaker", "devices.decoders", "devices.printer", "kiosk.settings",
                                    "hub.client"])
def test_headless_parts_never_load_kivy_or_device_libraries(module):
    """Board logic, voice, device adapters and the hub client run headless; they load Kivy or a
    device library only when an adapter is used."""
    code = (f"import {module}, sys; bad = [m for m in {sorted(DEVICE_LIBS)!r} if m in sys.modules]; "
            f"assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
