"""Catalogue and office information: identity, procedures, services, counters, priority
categories, rating levels, the `info` summary and device alerts."""
from __future__ import annotations

from office.errors import InvalidInput
from office.model import PriorityCategory, RatingLevel
from office.rules.rating import scale_levels
from office.service.base import ServiceBase
from office.text import checked


class CatalogueUseCases(ServiceBase):
    """What the office offers and who it is."""

    def office(self) -> dict:
        """Office identity for headers and tickets, and the display board's settings."""
        board = self.config.board
        c = self.config
        return {"office_id": self.store.office_id, "name": c.office_name, "superior": c.superior_authority,
                "place": c.place_name, "address": c.address, "phone": c.phone,
                "leader": {"name": c.leader_name, "title": c.leader_title},
                "bank": ({"bin": c.bank_bin, "account": c.bank_account, "name": c.bank_account_name}
                         if c.bank_bin else None),
                "agency_code": self.store.agency_code,
                "ticket_hours": [f"{a:%H:%M}–{b:%H:%M}" for a, b in c.ticket_sessions],
                "public_url": c.public_url or self.store.meta().get("central_url", ""), "hub_url": c.hub_url,
                "board": {"notice": board.notice, "voice_template": board.voice_template,
                          "voice_repeats": board.voice_repeats}}

    def procedures(self):
        """Procedures in force today."""
        return self.store.procedures(on=self._now().date())

    def procedure(self, code: str):
        """The version of a procedure in force today."""
        return self.store.procedure(code, on=self._now().date())

    def fields(self):
        """Fields of procedures."""
        return self.store.fields()

    def services(self, include_closed: bool = False):
        """The open queue services (closed ones too with `include_closed`)."""
        return self.store.services(include_closed)

    def counters(self, include_closed: bool = False):
        """The open counters with their services and pause state (closed ones too with `include_closed`)."""
        return self.store.counters(include_closed)

    def priority_categories(self) -> tuple[PriorityCategory, ...]:
        """Configured priority categories."""
        return self.config.priority_categories

    def rating_levels(self) -> tuple[RatingLevel, ...]:
        """Levels of the configured satisfaction scale, best first."""
        return scale_levels(self.config.rating_scale)

    def summary(self) -> dict:
        """Office identity and store counts (the `info` command); every key is a string, so the
        summary reads the same embedded and over the hub."""
        counts = self.store.counts()
        for grouped in ("dossiers_by_status", "ratings_by_level"):
            counts[grouped] = {str(k): n for k, n in counts[grouped].items()}
        return {**self.office(), **counts}

    def report_device_problem(self, device: str, problem: str, message: str = "") -> None:
        """Alert staff that a device needs attention (printer out of paper or offline, camera lost).

        Recorded in the change log, so every counter and board following the hub's feed sees it.
        """
        device, problem = checked(device, "Thiết bị")[:200], checked(problem, "Sự cố")[:200]
        message = checked(message, "Mô tả sự cố")[:200]
        if not device or not problem:
            raise InvalidInput("Cần nêu thiết bị và sự cố")
        with self.store.write():
            self.store.append_event("device", device, "alert",
                                    {"device": device, "problem": problem, "message": message}, self._now())
