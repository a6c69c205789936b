"""Dossiers and steps as they go into change-log events (statuses as their numbers).

A dossier's lookup secret never goes into an event: the payload carries `secret_hash` instead
(office.rules.codes.secret_hash, keyed with the office's lookup key)."""
from __future__ import annotations

from dataclasses import asdict

from office.model import Dossier, Step


def step_payload(s: Step) -> dict:
    """A processing step as an event payload."""
    return {**asdict(s), "status": int(s.status)}


def dossier_payload(d: Dossier) -> dict:
    """A whole dossier (with its steps) as an event payload; `d.secret` is its keyed hash (what
    the store keeps), sent as `secret_hash`."""
    payload = asdict(d)
    payload["secret_hash"] = payload.pop("secret")
    payload["status"] = int(d.status)
    payload["steps"] = [step_payload(s) for s in d.steps]
    return payload


def imported_payload(row: dict, steps: list[dict]) -> dict:
    """A dossier imported as a store row (its columns by name, its secret column the keyed hash)
    with its steps, as an event payload."""
    payload = {k: v for k, v in row.items() if k != "secret"}
    payload["secret_hash"] = row["secret"]
    payload["steps"] = steps
    return payload
