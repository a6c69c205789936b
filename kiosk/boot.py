"""Kivy configuration that must happen before the window exists (imports only kivy.config)."""
from __future__ import annotations

import os


def environment(kivy_home: str | None = None, headless: bool = False) -> None:
    """Set Kivy's environment variables; call before the first kivy import."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "0")
    if kivy_home:
        os.environ.setdefault("KIVY_HOME", kivy_home)
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        os.environ["KIVY_WINDOW"] = "sdl2"


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
