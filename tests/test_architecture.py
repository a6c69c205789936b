"""Dependency rules of DESIGN.md §2, checked on the source with `ast`."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEVICE_LIBS = {"cv2", "pyzbar", "zxingcpp", "escpos"}
WEB_LIBS = {"fastapi", "uvicorn", "starlette"}
APPS = ("kiosk", "counter", "display")


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
    """(top-level module name, line, at module level?) for every import in a file.

    Relative imports count as imports of the file's own top-level package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []

    def visit(node, top: bool):
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], child.lineno, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module.split(".")[0], child.lineno, top))
            elif isinstance(child, ast.ImportFrom) and child.level > 0:
                found.append((package or path.relative_to(ROOT).parts[0], child.lineno, top))
            elif isinstance(child, ast.Call) and getattr(child.func, "attr", getattr(child.func, "id", "")) in (
                    "import_module", "__import__") and child.args and isinstance(child.args[0], ast.Constant) \
                    and isinstance(child.args[0].value, str):
                found.append((child.args[0].value.split(".")[0], child.lineno, top))
            visit(child, inner)

    visit(tree, True)
    return found


def rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def is_sync_server(p: Path) -> bool:
    r = rel(p)
    return r.startswith("sync/") and any(w in p.stem for w in ("server", "central"))


def test_there_is_something_to_check():
    files = {rel(p) for p in py_files("office", "sync")}
    assert {"office/service/__init__.py", "office/store/__init__.py", "office/model.py"} <= files


def test_core_never_imports_kivy():
    bad = [f"{rel(p)}:{line}" for p in py_files("office", "sync") if rel(p) != "office/hub.py"
           for mod, line, _ in imports(p) if mod == "kivy"]
    assert not bad, f"kivy imported in the core: {bad}"


def test_web_framework_only_in_hub_and_sync_server():
    bad = [f"{rel(p)}:{line} {mod}" for p in py_files("office", "sync", *APPS, "main.py")
           if rel(p) != "office/hub.py" and not is_sync_server(p)
           for mod, line, _ in imports(p) if mod in WEB_LIBS]
    assert not bad, f"web framework imported outside office/hub.py and sync servers: {bad}"


def test_device_libraries_only_in_devices_and_lazily():
    outside = [f"{rel(p)}:{line} {mod}" for p in py_files("office", "sync", *APPS, "main.py")
               if not rel(p).startswith("office/devices/")
               for mod, line, _ in imports(p) if mod in DEVICE_LIBS]
    assert not outside, f"device libraries imported outside office/devices/: {outside}"
    eager = [f"{rel(p)}:{line} {mod}" for p in py_files("office/devices")
             for mod, line, top in imports(p) if mod in DEVICE_LIBS and top]
    assert not eager, f"device libraries must be imported lazily (inside functions): {eager}"


def test_pdf_library_only_in_forms():
    bad = [f"{rel(p)}:{line}" for p in py_files("office", "sync", *APPS, "main.py")
           if not rel(p).startswith("office/forms/") for mod, line, _ in imports(p) if mod == "reportlab"]
    assert not bad, f"reportlab imported outside office/forms/: {bad}"


def test_shared_ui_kit_imports_no_app_and_the_core_no_ui_kit():
    bad = [f"{rel(p)}:{line} {mod}" for p in py_files("uikit") for mod, line, _ in imports(p) if mod in APPS]
    bad += [f"{rel(p)}:{line} {mod}" for p in py_files("office", "sync") for mod, line, _ in imports(p)
            if mod == "uikit"]
    assert not bad, f"uikit must stay below the apps and above the core: {bad}"


@pytest.mark.parametrize("app", APPS)
def test_apps_never_import_each_other(app):
    others = set(APPS) - {app}
    bad = [f"{rel(p)}:{line} {mod}" for p in py_files(app) for mod, line, _ in imports(p)
           if mod in others]
    assert not bad, f"{app} imports another app: {bad}"


def test_import_checker_sees_all_import_forms(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text("import kivy.app\nfrom cv2 import imread\nimport importlib\n"
                      "def f():\n    import escpos.printer\n    importlib.import_module('pyzbar.pyzbar')\n"
                      "from . import model\n", encoding="utf-8")
    found = {(m, top) for m, _, top in imports(sample, package="office")}
    assert found >= {("kivy", True), ("cv2", True), ("escpos", False), ("pyzbar", False),
                     ("office", True)}


@pytest.mark.parametrize("module", ["office.service", "office.store", "office.config",
                                    "office.rules.calendar"])
def test_core_import_pulls_no_ui_or_web_framework(module):
    code = (f"import {module}, sys; bad = [m for m in ('kivy', 'fastapi', 'uvicorn', 'cv2', 'escpos',"
            f" 'pyzbar', 'zxingcpp') if m in sys.modules]; assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_display_board_logic_and_voice_never_load_kivy():
    """Only display/app.py (the window) imports kivy at module level; the feed, voice and queue
    run headless and the SDL2 player imports it lazily."""
    bad = [f"{rel(p)}:{line}" for p in py_files("display") if rel(p) != "display/app.py"
           for mod, line, top in imports(p) if mod == "kivy" and top]
    assert not bad, f"kivy imported at module level outside display/app.py: {bad}"
