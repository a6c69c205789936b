"""Processing steps a back-office department posted at the central system, applied here by the
sync pull with the same rules as a counter's status change."""
from __future__ import annotations

from datetime import datetime

from office.errors import IllegalTransition, NotFound
from office.model import Actor, DossierStatus
from office.service.processing import ProcessingUseCases
from office.text import nfc


class CentralStepUseCases(ProcessingUseCases):
    """The central sync step (uses the status change of `ProcessingUseCases`)."""

    def apply_central_step(self, update_id: str, code: str, status: int, actor: Actor, content: str,
                           at: datetime) -> str:
        """Apply a processing step a back-office department posted at the central system.

        The same rules as a counter's status change (transitions, clock, step), plus `synced_at`
        so the kiosk can say "data as of …". Idempotent by `update_id`: a second delivery changes
        nothing. Returns "applied", "duplicate" or "conflict": a step that is illegal here (the
        office moved the dossier on meanwhile) or for an unknown dossier is recorded with its
        reason, and a `central_update_rejected` change-log event tells the central system."""
        now = self._now()
        with self.store.write():
            if self.store.inbox_outcome(update_id) is not None:
                return "duplicate"
            d = None
            try:
                d = self.store.dossier(code)
                self._transition(d, DossierStatus(status), actor, nfc(content.strip()) or "—", at, now,
                                 update_id=update_id)
                self.store.update_dossier(code, synced_at=now)
                outcome, detail = "applied", ""
            except (NotFound, IllegalTransition, ValueError) as e:
                outcome, detail = "conflict", getattr(e, "message", str(e))
                self.store.append_event("dossier", code, "central_update_rejected",
                                        {"code": code, "update_id": update_id, "reason": detail,
                                         "status": int(d.status) if d else None}, now)
            self.store.record_inbox(update_id, "dossier_step", outcome, detail, now)
        return outcome
