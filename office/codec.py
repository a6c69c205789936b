"""Model values as JSON-ready data and back: dataclasses ↔ objects, enums ↔ values, dates ↔ ISO text.

Pure. The hub's wire format, the stored answers of idempotent retries and the change log all
read and write model values through these two functions, so every side reads the same thing.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime, time
from enum import Enum
from typing import Any


def encode(value: Any) -> Any:
    """Model values as JSON-ready data: dataclasses → objects, enums → values, dates → ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def decode(tp: Any, data: Any) -> Any:
    """The inverse of `encode` for a type: dataclasses, enums, dates, lists, tuples, optionals."""
    if data is None or tp is None or tp is type(None):
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return decode(inner[0], data)
    if origin in (list, tuple):
        items = [decode(typing.get_args(tp)[0], v) for v in data]
        return items if origin is list else tuple(items)
    if dataclasses.is_dataclass(tp):
        hints = _HINTS.get(tp)
        if hints is None:
            hints = _HINTS[tp] = typing.get_type_hints(tp)
        return tp(**{k: decode(hints[k], v) for k, v in data.items() if k in hints})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is date:
        return date.fromisoformat(data)
    if tp is time:
        return time.fromisoformat(data)
    return data
