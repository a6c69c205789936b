"""Device adapters (camera, barcode decoders, keyboard-wedge scanner, ESC/POS printer).

Each device has one real adapter and one recording fake with the same methods. Device
libraries (cv2, pyzbar, zxingcpp, escpos) are imported only inside this package and only when
an adapter is used, through `require`, so a missing library is an actionable error at that
moment instead of an import crash of the whole app.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from office.errors import Unavailable

# module → (pip requirement, Debian package it needs at run time or "")
LIBRARIES = {
    "cv2": ("opencv-python-headless", "libgl1"),
    "zxingcpp": ("zxing-cpp", ""),
    "pyzbar.pyzbar": ("pyzbar", "libzbar0"),
    "escpos": ("python-escpos", ""),
    "escpos.printer": ("python-escpos", ""),
    "escpos.exceptions": ("python-escpos", ""),
    "usb": ("pyusb", "libusb-1.0-0"),
    "serial": ("pyserial", ""),
}


class DeviceError(Unavailable):
    """A device is missing, unplugged or failed; the message says what to do."""


class MissingLibrary(DeviceError):
    """A device library is not installed (or its system library is missing)."""


def require(module: str) -> ModuleType:
    """Import a device library, or raise MissingLibrary naming the pip/apt package to install."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        pip_name, apt_name = LIBRARIES.get(module, (module.split(".")[0], ""))
        hint = f"install it with `.venv/bin/pip install {pip_name}`"
        if apt_name:
            hint += f" (and `apt-get install {apt_name}`)"
        raise MissingLibrary(f"{module} is not available ({e}); {hint}, "
                             f"or run `bash scripts/setup.sh`") from None
