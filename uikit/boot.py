"""Kivy environment variables every app sets before its first kivy import."""
from __future__ import annotations

import os


def environment(kivy_home: str | None = None, headless: bool = False) -> None:
    """Set Kivy's environment variables and log our events one line each to standard error (the
    journal under systemd); call before the first kivy import."""
    from office.cli import log_to_stderr

    log_to_stderr()
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "0")
    if kivy_home:
        os.environ.setdefault("KIVY_HOME", kivy_home)
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        os.environ["KIVY_WINDOW"] = "sdl2"
