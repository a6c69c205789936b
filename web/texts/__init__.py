"""The words of the web pages in Vietnamese and English, one module per page family.

Each module here holds `TEXTS = {"<module>.<name>": ("Vietnamese", "English"), …}`; every module
of this package is read at import, so a new page family only adds its own file. A key that does
not exist is an error at render time (tests render every page), never a key shown to a citizen.
"""
from __future__ import annotations

import importlib
import pkgutil

LANGS = ("vi", "en")


def _catalogue() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for module in pkgutil.iter_modules(__path__):
        texts = importlib.import_module(f"{__name__}.{module.name}").TEXTS
        for key, pair in texts.items():
            if not key.startswith(f"{module.name}.") or key in merged or len(pair) != 2:
                raise ValueError(f"web text {key!r} in web/texts/{module.name}.py: keys are "
                                 f"'{module.name}.<name>', unique, with a (vi, en) pair")
            merged[key] = pair
    return merged


CATALOGUE = _catalogue()


def text(lang: str, key: str, **values: object) -> str:
    """The text `key` in `lang` ("vi" or "en"), with `{name}` placeholders filled from `values`."""
    words = CATALOGUE[key][LANGS.index(lang)]
    return words.format(**values) if values else words
