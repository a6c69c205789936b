"""Office configuration from a TOML file; every key has a documented default (see config.example.toml)."""
from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from datetime import time
from pathlib import Path

from office.model import PriorityCategory
from office.rules.calendar import DEFAULT_OVERRIDES_PATH
from office.rules.codes import AGENCY_PATTERN

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"


class ConfigError(Exception):
    """The configuration file is unusable; the message is one line naming the key."""


DEFAULT_PRIORITIES = (
    PriorityCategory("elderly", "Người cao tuổi"),
    PriorityCategory("disabled", "Người khuyết tật"),
    PriorityCategory("pregnant", "Phụ nữ mang thai / có con nhỏ"),
    PriorityCategory("merit", "Người có công với cách mạng"),
    PriorityCategory("other", "Trường hợp ưu tiên khác"),
)


DEFAULT_VOICE_TEMPLATE = "xin_moi so {number} den_quay {counter}"
VOICE_TOKEN = re.compile(r"\{number\}|\{counter\}|[a-z0-9_]+")


@dataclass(frozen=True)
class BoardConfig:
    """The hall display board: its scrolling notice and how a call is spoken.

    `voice_template`: clip names (files in assets/sounds/vi/) and the placeholders {number}
    (the ticket, letter by letter and digit by digit) and {counter} (the counter's number),
    spoken after the chime `voice_repeats` times."""

    notice: str = ""
    voice_template: str = DEFAULT_VOICE_TEMPLATE
    voice_repeats: int = 2


@dataclass(frozen=True)
class OfficeConfig:
    """Settings of one office. Legal rules are data with effective dates, not constants."""

    office_id: str = "demo"
    office_name: str = "Trung tâm Phục vụ hành chính công xã Tân Phú"
    superior_authority: str = "UBND xã Tân Phú"  # the agency above the unit, first line of the form header
    place_name: str = "Tân Phú"  # địa danh before the date of the forms the counter prints
    address: str = "Số 1 đường Trung tâm, xã Tân Phú, tỉnh Đồng Nai"
    phone: str = "0251 3868 000"
    leader_name: str = "Nguyễn Văn Hùng"  # head of the agency, who signs letters (Mẫu 04, 05)
    leader_title: str = "Giám đốc"
    # account that receives fee transfers (VietQR on Mẫu 01 and the counter); empty: no VietQR
    bank_bin: str = ""  # the bank's 6-digit NAPAS BIN, e.g. "970415"
    bank_account: str = ""
    bank_account_name: str = ""
    agency_code: str = "000.31.20.H56"
    sequence_first: int = 1
    sequence_last: int = 9999
    working_sessions: tuple[tuple[time, time], ...] = (
        (time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
    calendar_overrides: Path = DEFAULT_OVERRIDES_PATH
    ticket_sessions: tuple[tuple[time, time], ...] = (
        (time(7, 0), time(11, 15)), (time(13, 30), time(16, 45)))
    priority_ratio: int = 3
    priority_categories: tuple[PriorityCategory, ...] = DEFAULT_PRIORITIES
    no_show_after_calls: int = 3
    default_service_minutes: int = 8
    rating_scale: int = 3
    rating_repeat_seconds: int = 10
    board: BoardConfig = BoardConfig()
    # Citizens' phones: where the receipt's QR points (`<public_url>/tra-cuu#<code>.<secret>`, the
    # central server's public address), and the hub's address on the office Wi-Fi that the
    # ticket's QR points to (`<hub_url>/phieu/…`). Empty public_url: the central server the office
    # last synced with; never synced, or empty hub_url: the QR carries only what the kiosk reads.
    public_url: str = ""
    hub_url: str = ""


_SIMPLE = {"office_id": str, "office_name": str, "superior_authority": str, "place_name": str, "address": str,
           "phone": str, "leader_name": str, "leader_title": str, "bank_bin": str, "bank_account": str,
           "bank_account_name": str, "agency_code": str, "sequence_first": int,
           "sequence_last": int, "priority_ratio": int, "no_show_after_calls": int,
           "default_service_minutes": int, "rating_scale": int, "rating_repeat_seconds": int,
           "public_url": str, "hub_url": str}
_BASE_URL = re.compile(r"(https?://[^\s/?#]+(?:/[^\s?#]*)?)?", re.ASCII)


def read_toml(path: Path) -> dict:
    """A TOML file's contents; ConfigError with a one-line message when missing, unreadable or
    not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror or e})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None


def load_config(path: str | Path | None) -> OfficeConfig:
    """Read a TOML config file (None → defaults). Raises ConfigError with a one-line message."""
    if path is None:
        return OfficeConfig()
    return config_from_dict(read_toml(Path(path)), source=str(path))


def config_from_dict(data: dict, source: str = "config") -> OfficeConfig:
    """Build and validate an OfficeConfig from parsed TOML."""
    known = {f.name for f in fields(OfficeConfig)}
    values: dict = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(known))})")
        if key in _SIMPLE:
            if type(value) is not _SIMPLE[key]:
                raise ConfigError(f"{source}: {key} must be {_SIMPLE[key].__name__}, got {value!r}")
            values[key] = value
        elif key in ("working_sessions", "ticket_sessions"):
            values[key] = _sessions(value, f"{source}: {key}")
        elif key == "calendar_overrides":
            if type(value) is not str or not value:
                raise ConfigError(f"{source}: calendar_overrides must be a file path (str), got {value!r}")
            p = Path(value)
            values[key] = p if p.is_absolute() else (Path(source).parent / p).resolve()
        elif key == "priority_categories":
            values[key] = _priorities(value, f"{source}: {key}")
        elif key == "board":
            values[key] = _board(value, f"{source}: [board]")
    config = replace(OfficeConfig(), **values)
    _check(config, source)
    return config


def config_to_dict(c: OfficeConfig) -> dict:
    """The TOML-shaped form of a config (what `config_from_dict` reads back): the store keeps it.
    The default calendar file is left out, so a moved installation still finds its own."""
    data: dict = {}
    for f in fields(OfficeConfig):
        value = getattr(c, f.name)
        if f.name in ("working_sessions", "ticket_sessions"):
            value = [[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in value]
        elif f.name == "calendar_overrides":
            if value == DEFAULT_OVERRIDES_PATH:
                continue
            value = str(value)
        elif f.name == "priority_categories":
            value = [{"code": p.code, "name": p.name} for p in value]
        elif f.name == "board":
            value = asdict(value)
        data[f.name] = value
    return data


def _sessions(value, where: str) -> tuple[tuple[time, time], ...]:
    """Parse [["07:00", "11:30"], ...] into time pairs."""
    try:
        pairs = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in value)
    except (TypeError, ValueError):
        raise ConfigError(f'{where} must look like [["07:00", "11:30"], ["13:30", "17:00"]]') from None
    if not pairs or any(a >= b for a, b in pairs) or any(
            pairs[i][1] > pairs[i + 1][0] for i in range(len(pairs) - 1)):
        raise ConfigError(f"{where} must be non-empty, ordered and non-overlapping")
    return pairs


def _priorities(value, where: str) -> tuple[PriorityCategory, ...]:
    """Parse [{code=..., name=...}, ...]."""
    try:
        cats = tuple(PriorityCategory(str(v["code"]), str(v["name"])) for v in value)
    except (TypeError, KeyError):
        raise ConfigError(f"{where} must be a list of {{code = ..., name = ...}}") from None
    if len({c.code for c in cats}) != len(cats):
        raise ConfigError(f"{where} has duplicate codes")
    return cats


def _board(value, where: str) -> BoardConfig:
    """Parse the [board] table: notice, voice_template, voice_repeats."""
    types = {"notice": str, "voice_template": str, "voice_repeats": int}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    for key, item in value.items():
        if key not in types:
            raise ConfigError(f"{where} unknown key {key!r} (known: {', '.join(types)})")
        if type(item) is not types[key]:
            raise ConfigError(f"{where} {key} must be {types[key].__name__}, got {item!r}")
    board = BoardConfig(**value)
    tokens = board.voice_template.split()
    bad = [t for t in tokens if not VOICE_TOKEN.fullmatch(t)]
    if bad or "{number}" not in tokens:
        raise ConfigError(f"{where} voice_template must contain {{number}} and only clip names "
                          f"(a-z, 0-9, _) or {{counter}}; bad: {bad or 'no {number}'}")
    if not 1 <= board.voice_repeats <= 5:
        raise ConfigError(f"{where} voice_repeats must be within 1–5")
    return board


def _check(c: OfficeConfig, source: str) -> None:
    """Cross-field validation."""
    if not 1 <= c.sequence_first <= c.sequence_last:
        raise ConfigError(f"{source}: need 1 <= sequence_first <= sequence_last")
    if c.priority_ratio < 1:
        raise ConfigError(f"{source}: priority_ratio must be >= 1")
    if c.no_show_after_calls < 1:
        raise ConfigError(f"{source}: no_show_after_calls must be >= 1")
    if c.rating_scale not in (3, 5):
        raise ConfigError(f"{source}: rating_scale must be 3 or 5")
    if c.default_service_minutes < 1 or c.rating_repeat_seconds < 0:
        raise ConfigError(f"{source}: default_service_minutes >= 1 and rating_repeat_seconds >= 0")
    if not c.office_id:
        raise ConfigError(f"{source}: office_id must be non-empty")
    for key in ("public_url", "hub_url"):
        if not _BASE_URL.fullmatch(getattr(c, key)) or getattr(c, key).endswith("/"):
            raise ConfigError(f"{source}: {key} must be empty or an address like 'https://motcua.example.gov.vn' "
                              f"(http or https, no trailing '/', no '?' or '#')")
    if bool(c.bank_bin) != bool(c.bank_account) or (c.bank_bin and not re.fullmatch(r"\d{6}", c.bank_bin)) \
            or (c.bank_account and not re.fullmatch(r"[0-9A-Za-z]{1,19}", c.bank_account)):
        raise ConfigError(f"{source}: bank_bin (6 digits) and bank_account (1–19 letters or digits) go together")
    if not re.fullmatch(AGENCY_PATTERN, c.agency_code):
        raise ConfigError(f"{source}: agency_code {c.agency_code!r} is not an agency e-ID like "
                          f"'000.31.20.H56' (upper case, dot-separated); dossier codes could not be read back")
