"""Kivy configuration that must happen before the window exists (imports only kivy.config)."""
from __future__ import annotations

from uikit.boot import environment  # noqa: F401  (kiosk callers import it from here)


def prepare(fullscreen: bool = False, size: tuple[int, int] = (1080, 1920)) -> None:
    """Window settings of a public kiosk: no exit on Escape, no multitouch emulation, size or
    fullscreen. Call after `environment` and before the window is created."""
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "resizable", "1")
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "show_cursor", "0")
    else:
        width, height = size
        Config.set("graphics", "width", str(width // 2))
        Config.set("graphics", "height", str(height // 2))
