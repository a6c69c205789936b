"""Load a catalogue file (fields, procedures, queue services, counters, staff) into a store."""
from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path

from office.config import ASSETS
from office.errors import InvalidInput
from office.model import Component, Counter, DurationUnit, Field, Procedure, ProcedureCase, Service
from office.store import Store

DEMO_CATALOGUE = ASSETS / "demo" / "catalogue.toml"


def _case(c: dict) -> ProcedureCase:
    """A case of a catalogue procedure: its duration, fee (flat, per `fee_unit` or 0 = exempt) and
    timing rules (`same_day_cutoff` "15:00", `pause_on_fee`, `supplement_days`, `supplement_expiry`)."""
    cutoff = c.get("same_day_cutoff")
    if cutoff is not None and not isinstance(cutoff, time):
        cutoff = time.fromisoformat(cutoff)
    if c.get("supplement_expiry", 3) not in (3, 8):
        raise ValueError(f"case {c['code']}: supplement_expiry must be 3 (refused) or 8 (stopped)")
    return ProcedureCase(c["code"], c["name"], c["duration"], DurationUnit(c["unit"]), c.get("fee", 0),
                         c.get("fee_note", ""), c.get("fee_unit", ""), cutoff, c.get("pause_on_fee", False),
                         c.get("supplement_days", 0), c.get("supplement_expiry", 3))


def read_catalogue(path: str | Path = DEMO_CATALOGUE) -> dict:
    """Parse a catalogue TOML into model objects; InvalidInput names the file and the entry."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        procedures = [Procedure(
            code=p["code"], name=p["name"], field_code=p["field"], version=p["version"],
            effective_from=p["effective_from"], effective_to=p.get("effective_to"),
            result=p.get("result", ""),
            cases=tuple(_case(c) for c in p["cases"]),
            components=tuple(Component(**c) for c in p.get("components", [])))
            for p in data.get("procedure", [])]
        return {
            "fields": [Field(f["code"], f["name"]) for f in data.get("field", [])],
            "services": [Service(s["code"], s["name"], s["prefix"], tuple(s.get("fields", [])))
                         for s in data.get("service", [])],
            "counters": [Counter(c["id"], c["name"], tuple(c["services"])) for c in data.get("counter", [])],
            "staff": data.get("staff", []),
            "procedures": procedures,
            "departments": {p["code"]: p.get("department", "") for p in data.get("procedure", [])},
        }
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as e:
        raise InvalidInput(f"{path}: catalogue unusable ({type(e).__name__}: {e})") from None


def load_catalogue(store: Store, catalogue: dict) -> None:
    """Write a parsed catalogue into the store in one transaction."""
    with store.write():
        for f in catalogue["fields"]:
            store.save_field(f)
        for p in catalogue["procedures"]:
            store.save_procedure(p)
        for s in catalogue["services"]:
            store.save_service(s)
        for c in catalogue["counters"]:
            store.save_counter(c)
        for s in catalogue["staff"]:
            store.save_staff(s["username"], s["name"], s["title"], s["department"], s.get("leader", False))
