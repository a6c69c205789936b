"""Kiosk settings (devices, timeouts, language) from an optional TOML file; every key has a default.

Kept apart from the office configuration: these belong to one kiosk machine, not to the office.
The staff panel's PIN is the office's (`main.py office kiosk-pin`), never a setting here.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path


class KioskSettingsError(Exception):
    """The kiosk settings file is unusable; the message is one line naming the key."""


@dataclass(frozen=True)
class KioskSettings:
    """One kiosk's devices and behaviour."""

    name: str = "kiosk-1"  # this kiosk's name in staff alerts
    printer: str = "none"  # tcp://HOST[:PORT] | file:PATH | usb:0xVID:0xPID | serial:DEV[:BAUD] | none
    printer_profile: str = "TM-T88V"
    camera: str = "none"  # device index ("0"), /dev/videoN, a video file, or none
    decoder: str = "zxing"  # zxing | pyzbar | opencv
    scan_debounce_s: float = 3.0
    wedge_max_gap_s: float = 0.03
    inactivity_s: int = 60
    language: str = "vi"
    thank_you_s: int = 6
    touch_guard_s: float = 0.5  # touches ignored this long after a screen changes (no tap-through)
    voice: str = "on"  # spoken guidance per step: on | off


_TYPES = {f.name: f.type for f in fields(KioskSettings)}


def load_kiosk_settings(path: str | Path | None, **overrides) -> KioskSettings:
    """Settings from a TOML file (None → defaults), then non-None `overrides` (CLI flags)."""
    values: dict = {}
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KioskSettingsError(f"{path}: file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise KioskSettingsError(f"{path}: not valid TOML ({e})") from None
        for key, value in data.items():
            if key == "admin_pin":
                raise KioskSettingsError(f"{path}: admin_pin is no longer a kiosk setting (a default PIN anyone "
                                         f"could read): remove it; the office sets the kiosk PIN "
                                         f"(`main.py office kiosk-pin`, or the counter app's admin screen)")
            if key not in _TYPES:
                raise KioskSettingsError(f"{path}: unknown key {key!r} (known: {', '.join(_TYPES)})")
            want = {"str": str, "int": int, "float": (int, float)}[_TYPES[key]]
            if not isinstance(value, want) or isinstance(value, bool):
                raise KioskSettingsError(f"{path}: {key} must be {_TYPES[key]}, got {value!r}")
            values[key] = value
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = replace(KioskSettings(), **values)
    if settings.language not in ("vi", "en"):
        raise KioskSettingsError(f"{path or 'settings'}: language must be vi or en")
    if settings.voice not in ("on", "off"):
        raise KioskSettingsError(f"{path or 'settings'}: voice must be on or off")
    if settings.inactivity_s < 10:
        raise KioskSettingsError(f"{path or 'settings'}: inactivity_s must be >= 10")
    return settings
