"""Dossiers and steps as they go into change-log events (statuses as their numbers)."""
from __future__ import annotations

from dataclasses import asdict

from office.model import Dossier, Step


def step_payload(s: Step) -> dict:
    """A processing step as an event payload."""
    return {**asdict(s), "status": int(s.status)}


def dossier_payload(d: Dossier) -> dict:
    """A whole dossier (with its steps) as an event payload."""
    payload = asdict(d)
    payload["status"] = int(d.status)
    payload["steps"] = [step_payload(s) for s in d.steps]
    return payload
