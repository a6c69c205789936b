"""Dossiers submitted online (DESIGN.md §3.10): they come down from the central system at status 1
(chờ tiếp nhận) and wait for a counter to accept them (1 → 2: the dossier is received with a code
from the office's number block, channel 2 trực tuyến) or refuse them (1 → 3, with the reason;
the refusal time is the portal's NgayTuChoi). Both decisions go to the change log, so the central
system and the national portal learn them at the next sync."""
from __future__ import annotations

from dataclasses import replace

from office.errors import Conflict, InvalidInput
from office.model import Actor, Dossier, DossierStatus, OnlineDossier, Step
from office.service.payloads import step_payload
from office.service.reception import ReceptionUseCases
from office.text import checked_reason

WAITING = "waiting"


class OnlineUseCases(ReceptionUseCases):
    """The counter's queue of online dossiers (uses reception to create the dossier)."""

    def online_dossiers(self, staff: str = "") -> list[OnlineDossier]:
        """Online dossiers waiting at status 1, oldest first (with the applicant's personal data:
        every view is in the audit log)."""
        with self.store.write():
            waiting = self.store.online_dossiers(WAITING)
            self.store.add_audit(self._now(), staff or None, None, "online.view", f"{len(waiting)} online dossiers")
        return waiting

    def _waiting(self, ref: str) -> OnlineDossier:
        online = self.store.online_dossier(ref.strip())
        if online.state != WAITING:
            done = "đã được tiếp nhận" if online.state == "accepted" else "đã bị từ chối"
            raise Conflict(f"Hồ sơ trực tuyến {online.ref} {done}")
        return online

    def accept_online(self, ref: str, actor: Actor, staff: str = "") -> Dossier:
        """Accept an online dossier (1 → 2): receive it as a dossier of channel 2 with a code from
        the office's number block and its appointment date counted from now."""
        now = self._now()
        with self.store.write():
            online = self._waiting(ref)
            waiting = self.receive_dossier(
                online.procedure_code, online.case_code, online.applicant, actor, summary=online.summary,
                channel=2, representative=online.representative, delivery=online.delivery,
                delivery_address=online.delivery_address)  # an online dossier enters at 1 …
            self._transition(self.store.dossier(waiting.code), DossierStatus.RECEIVED, actor,
                             "Tiếp nhận hồ sơ nộp trực tuyến", now, now)  # … and is accepted (Mẫu 01)
            dossier = replace(self.store.dossier(waiting.code), secret=waiting.secret)
            self.store.decide_online(online.ref, "accepted", dossier.code, "", now, staff or actor.name)
            self.store.append_event("dossier", dossier.code, "online_accepted",
                                    {"code": dossier.code, "online_ref": online.ref,
                                     "submitted_at": online.submitted_at}, now)
        return dossier

    def refuse_online(self, ref: str, reason: str, actor: Actor, staff: str = "") -> OnlineDossier:
        """Refuse an online dossier at reception (1 → 3) with the reason the citizen will read."""
        now = self._now()
        reason = checked_reason(reason, "Lý do từ chối")
        if not reason:
            raise InvalidInput("Cần nêu lý do từ chối tiếp nhận")
        with self.store.write():
            online = self._waiting(ref)
            self.store.decide_online(online.ref, "refused", None, reason, now, staff or actor.name)
            step = Step(now, actor.name, actor.role, actor.department, f"Từ chối tiếp nhận: {reason}",
                        DossierStatus.REFUSED)
            self.store.append_event("dossier", online.ref, "online_refused",
                                    {"online_ref": online.ref, "reason": reason, "at": now,
                                     "step": step_payload(step)}, now)
        return self.store.online_dossier(online.ref)
