"""The versions of the forms, as data (assets/forms/templates.toml): which label, title, number
symbol, copies and signer a document of a given date uses."""
from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from office.errors import InvalidInput

TEMPLATES = Path(__file__).resolve().parent.parent / "assets" / "forms" / "templates.toml"
FORMS = ("01", "02", "03", "04", "05", "06", "07")


@dataclass(frozen=True)
class Template:
    """One legal version of a form."""

    form: str
    effective_from: date
    basis: str
    label: str
    title: str
    symbol: str = ""
    copies: tuple[str, ...] = ()
    signer: str = ""  # "leader": the head of the agency signs


@functools.cache
def load(path: Path = TEMPLATES) -> tuple[Template, ...]:
    """Every template of the file, newest first; InvalidInput names the file and the entry."""
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8"))["template"]
        out = tuple(Template(**{**e, "copies": tuple(e.get("copies", ()))}) for e in entries)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as e:
        raise InvalidInput(f"{path}: mẫu biểu không đọc được ({type(e).__name__}: {e})") from None
    missing = set(FORMS) - {t.form for t in out}
    if missing:
        raise InvalidInput(f"{path}: thiếu mẫu {', '.join(sorted(missing))}")
    return tuple(sorted(out, key=lambda t: t.effective_from, reverse=True))


def template(form: str, on: date | datetime, path: Path = TEMPLATES) -> Template:
    """The version of `form` in force on a document's date (the oldest one before every version)."""
    day = on.date() if isinstance(on, datetime) else on
    versions = [t for t in load(path) if t.form == form]
    return next((t for t in versions if t.effective_from <= day), versions[-1])
