"""Dossiers and steps as they go into change-log events (statuses as their numbers).

A dossier's lookup secret never goes into an event: the payload carries `secret_hash` instead
(office.rules.codes.secret_hash, keyed with the office's lookup key)."""
from __future__ import annotations

from dataclasses import asdict

from office.model import Dossier, Step
from office.rules.codes import secret_hash


def step_payload(s: Step) -> dict:
    """A processing step as an event payload."""
    return {**asdict(s), "status": int(s.status)}


def dossier_payload(d: Dossier, key: bytes) -> dict:
    """A whole dossier (with its steps) as an event payload, its secret replaced by its keyed hash."""
    payload = asdict(d)
    payload["secret_hash"] = secret_hash(key, d.code, payload.pop("secret"))
    payload["status"] = int(d.status)
    payload["steps"] = [step_payload(s) for s in d.steps]
    return payload


def imported_payload(row: dict, steps: list[dict], key: bytes) -> dict:
    """A dossier imported as a store row (its columns by name) with its steps, as an event
    payload: the secret replaced by its keyed hash."""
    payload = {k: v for k, v in row.items() if k != "secret"}
    payload["secret_hash"] = secret_hash(key, row["code"], row["secret"])
    payload["steps"] = steps
    return payload
