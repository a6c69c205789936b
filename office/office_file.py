"""The office file (office.toml): everything that makes one office, read and checked in one go.

Top-level keys are the office configuration (`office.config`: identity, hours, queue, rating,
[board]); besides them:

    catalogue = "catalogue.toml"   the province's procedures ([[field]] and [[procedure]] of that
                                   file; its services, counters and staff, if any, are not used)
    [[service]]   code, name, prefix (1–2 letters), fields = [...], open = true
    [[counter]]   id, name, services = [...], open = true
    [[staff]]     username, name, title, department, admin = false, active = true, leader = false
    [[calendar]]  day = 2026-09-01, kind = "day_off" | "working_day", reason = "..."

Every problem is a ConfigError of one line naming the file and the key, e.g.
`office.toml: counter[3].services: unknown service 'dat-dai' (known: chungthuc, hotich)`.
See assets/examples/office.toml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from office.catalogue import read_catalogue
from office.config import ConfigError, OfficeConfig, config_from_dict, read_toml
from office.errors import InvalidInput
from office.model import CalendarDay, Counter, Field, Procedure, Service, StaffMember

OFFICE_KEYS = ("catalogue", "service", "counter", "staff", "calendar")
CALENDAR_KINDS = ("day_off", "working_day")
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,49}", re.ASCII)  # a staff member's log-in name
_PREFIX = re.compile(r"[A-Z]{1,2}")


@dataclass(frozen=True)
class OfficeSetup:
    """One office as its file describes it."""

    config: OfficeConfig
    fields: tuple[Field, ...]
    procedures: tuple[Procedure, ...]
    services: tuple[Service, ...]
    counters: tuple[Counter, ...]
    staff: tuple[StaffMember, ...]
    calendar: tuple[CalendarDay, ...]


def read_office_file(path: str | Path) -> OfficeSetup:
    """Read and check an office file; ConfigError (one line naming the key) on any problem."""
    path = Path(path)
    data = read_toml(path)
    config = config_from_dict({k: v for k, v in data.items() if k not in OFFICE_KEYS}, source=str(path))
    where = _Where(str(path))
    fields, procedures = _catalogue(data.get("catalogue"), path, where)
    services = _services(data.get("service", []), {f.code for f in fields}, where)
    counters = _counters(data.get("counter", []), {s.code for s in services}, where)
    staff = _staff(data.get("staff", []), config, where)
    calendar = _calendar(data.get("calendar", []), where)
    return OfficeSetup(config, fields, procedures, services, counters, staff, calendar)


class _Where:
    """Builds the one-line errors: `file: key: problem`."""

    def __init__(self, source: str):
        self.source = source

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {key}: {problem}")

    def table(self, value, key: str, min_items: int = 0) -> list[dict]:
        """An array of tables ([[key]]) with at least `min_items` entries."""
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(key, f"must be an array of tables ([[{key}]])")
        if len(value) < min_items:
            raise self.error(key, f"needs at least {min_items} [[{key}]] entr{'y' if min_items == 1 else 'ies'}")
        return value

    def entry(self, item: dict, key: str, types: dict[str, type], required: tuple[str, ...]) -> dict:
        """The keys of one table checked against `types`; missing required keys and unknown keys refused."""
        for name, value in item.items():
            if name not in types:
                raise self.error(f"{key}.{name}", f"unknown key (known: {', '.join(types)})")
            want = types[name]
            if type(value) is not want and not (want is list and isinstance(value, list)):
                raise self.error(f"{key}.{name}", f"must be {want.__name__}, got {value!r}")
        missing = [name for name in required if name not in item]
        if missing:
            raise self.error(f"{key}.{missing[0]}", "is missing")
        return item

    def text(self, item: dict, key: str, name: str, max_length: int = 200) -> str:
        value = " ".join(item.get(name, "").split())
        if not value or len(value) > max_length:
            raise self.error(f"{key}.{name}", f"must be 1–{max_length} characters")
        return value

    def unique(self, values: list, key: str) -> None:
        seen: set = set()
        for value in values:
            if value in seen:
                raise self.error(key, f"{value!r} appears twice")
            seen.add(value)


def _catalogue(value, path: Path, where: _Where) -> tuple[tuple[Field, ...], tuple[Procedure, ...]]:
    if not isinstance(value, str) or not value:
        raise where.error("catalogue", "must name the procedure catalogue file, e.g. catalogue = \"catalogue.toml\"")
    file = Path(value) if Path(value).is_absolute() else path.parent / value
    if not file.is_file():
        raise where.error("catalogue", f"file not found: {file} (a path relative to the office file, or absolute)")
    try:
        catalogue = read_catalogue(file)
    except InvalidInput as e:
        raise where.error("catalogue", e.message) from None
    if not catalogue["procedures"]:
        raise where.error("catalogue", f"{file} has no [[procedure]]")
    return tuple(catalogue["fields"]), tuple(catalogue["procedures"])


def _services(value, field_codes: set[str], where: _Where) -> tuple[Service, ...]:
    types = {"code": str, "name": str, "prefix": str, "fields": list, "open": bool}
    services = []
    for i, item in enumerate(where.table(value, "service", 1), 1):
        key = f"service[{i}]"
        where.entry(item, key, types, ("code", "name", "prefix"))
        if not _CODE.fullmatch(item["code"]):
            raise where.error(f"{key}.code", "must be lower-case letters, digits, - or _ (e.g. hotich)")
        if not _PREFIX.fullmatch(item["prefix"]):
            raise where.error(f"{key}.prefix", "must be 1–2 capital letters A–Z (the board reads it aloud)")
        unknown = [f for f in item.get("fields", []) if f not in field_codes]
        if unknown:
            raise where.error(f"{key}.fields",
                              f"unknown field {unknown[0]!r} (known: {', '.join(sorted(field_codes))})")
        services.append(Service(item["code"], where.text(item, key, "name"), item["prefix"],
                                tuple(item.get("fields", [])), item.get("open", True)))
    where.unique([s.code for s in services], "service.code")
    where.unique([s.prefix for s in services], "service.prefix")
    return tuple(services)


def _counters(value, service_codes: set[str], where: _Where) -> tuple[Counter, ...]:
    types = {"id": int, "name": str, "services": list, "open": bool}
    counters = []
    for i, item in enumerate(where.table(value, "counter", 1), 1):
        key = f"counter[{i}]"
        where.entry(item, key, types, ("id", "name", "services"))
        if not 1 <= item["id"] <= 999:
            raise where.error(f"{key}.id", "must be a counter number within 1–999")
        if not item["services"]:
            raise where.error(f"{key}.services", "must list at least one service code")
        unknown = [s for s in item["services"] if s not in service_codes]
        if unknown:
            raise where.error(f"{key}.services", f"unknown service {unknown[0]!r} "
                                                 f"(known: {', '.join(sorted(service_codes))})")
        counters.append(Counter(item["id"], where.text(item, key, "name", 60), tuple(item["services"]),
                                None, item.get("open", True)))
    where.unique([c.id for c in counters], "counter.id")
    return tuple(counters)


def _staff(value, config: OfficeConfig, where: _Where) -> tuple[StaffMember, ...]:
    types = {"username": str, "name": str, "title": str, "department": str, "admin": bool, "active": bool,
             "leader": bool}
    staff = []
    for i, item in enumerate(where.table(value, "staff", 1), 1):
        key = f"staff[{i}]"
        where.entry(item, key, types, ("username", "name", "title"))
        if not USERNAME.fullmatch(item["username"]):
            raise where.error(f"{key}.username", "must be 2–50 lower-case letters, digits, '.', '-' or '_' "
                                                 "(e.g. hoa.tt)")
        department = where.text(item, key, "department") if "department" in item else config.office_name
        staff.append(StaffMember(item["username"], where.text(item, key, "name"), where.text(item, key, "title"),
                                 department, item.get("admin", False), item.get("active", True),
                                 leader=item.get("leader", False)))
    where.unique([s.username for s in staff], "staff.username")
    if not any(s.admin and s.active for s in staff):
        raise where.error("staff", "at least one active member needs admin = true (the office head, who "
                                   "manages staff, PINs, services and counters)")
    return tuple(staff)


def _calendar(value, where: _Where) -> tuple[CalendarDay, ...]:
    types = {"day": date, "kind": str, "reason": str}
    days = []
    for i, item in enumerate(where.table(value, "calendar"), 1):
        key = f"calendar[{i}]"
        where.entry(item, key, types, ("day", "kind", "reason"))
        if item["kind"] not in CALENDAR_KINDS:
            raise where.error(f"{key}.kind", f"must be one of {', '.join(CALENDAR_KINDS)}")
        days.append(CalendarDay(item["day"], item["kind"], where.text(item, key, "reason")))
    where.unique([d.day for d in days], "calendar.day")
    return tuple(days)
