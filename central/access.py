"""Who may reach what at the central system: tokens, their principals and the scope of a
back-office department (the offices, fields or procedures whose dossiers it handles)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


class AuthError(Exception):
    """A token is missing, unknown or revoked; `code` is "unauthorized" or "revoked"."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256 (tokens are 256-bit random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Scope:
    """The dossiers a department may read and move on: those of the listed offices, fields
    (lĩnh vực) and procedures (mã TTHC). Each list given narrows the scope (an empty list does
    not restrict); `everything` is a province-wide token (an inspector), given explicitly."""

    offices: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    everything: bool = False

    def __post_init__(self):
        if not self.everything and not (self.offices or self.fields or self.procedures):
            raise ValueError("a department needs a scope: offices, fields or procedures "
                             "(or the whole province, explicitly)")

    def covers(self, office_id: str, field_code: str | None, procedure_code: str | None) -> bool:
        """Whether a dossier of this office, field and procedure is in the scope."""
        if self.everything:
            return True
        return ((not self.offices or office_id in self.offices)
                and (not self.fields or field_code in self.fields)
                and (not self.procedures or procedure_code in self.procedures))

    def to_json(self) -> str:
        """As stored with the token."""
        return json.dumps({"offices": list(self.offices), "fields": list(self.fields),
                           "procedures": list(self.procedures), "everything": self.everything},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Scope:
        """The inverse of `to_json`."""
        d = json.loads(text)
        return cls(tuple(d["offices"]), tuple(d["fields"]), tuple(d["procedures"]), d["everything"])

    def describe(self) -> str:
        """One line for the command line."""
        if self.everything:
            return "the whole province"
        parts = [f"{label} {', '.join(items)}" for label, items in
                 (("offices", self.offices), ("fields", self.fields), ("procedures", self.procedures)) if items]
        return "; ".join(parts)


@dataclass(frozen=True)
class Principal:
    """Who a token belongs to: kind "office", "department" or "portal" (the provincial portal
    handing over online dossiers), its name, and a department's scope."""

    kind: str
    subject: str
    scope: Scope | None = None
