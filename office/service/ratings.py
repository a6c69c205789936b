"""Satisfaction ratings of served tickets and dossiers: only the person served can rate (the
ticket's printed token, the dossier's lookup secret), once; the answer never names the officer."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from office.errors import Conflict, InvalidInput, NotFound
from office.model import RatingReceipt, TicketState
from office.rules.codes import parse_dossier_code
from office.rules.rating import check_rating
from office.service.base import ServiceBase
from office.text import checked_reason

T = TicketState
WRONG_PROOF = "Không đánh giá được: mã trên phiếu hoặc mã tra cứu không đúng"


class RatingUseCases(ServiceBase):
    """Rating a ticket or a dossier, once."""

    def rating_subject(self, target_kind: str, target: str, proof: str, level: int,
                       reason: str = "") -> tuple[str, int | None, str | None, str | None, str]:
        """A rating checked before it is kept: its level and reason, then its proof — a served
        ticket (by number today, or "A001@2026-03-02") with the rating token printed in its QR,
        or a dossier (by code) with its lookup secret. Answers (key, counter, service, staff,
        cleaned reason); a wrong token or secret is NotFound."""
        reason = check_rating(self.config.rating_scale, level, checked_reason(reason, "Lý do"))
        if target_kind == "ticket":
            number, _, day_text = target.strip().upper().partition("@")  # "A001" or "A001@2026-03-02"
            try:
                day = date.fromisoformat(day_text) if day_text else self._now().date()
            except ValueError:
                raise InvalidInput(f"Số thứ tự không hợp lệ: {target.strip()[:40]!r}") from None
            ticket = self._proven_ticket(day, number, proof, WRONG_PROOF)
            if ticket.state not in (T.DONE, T.SERVING, T.TRANSFERRED):
                raise Conflict(f"Số {ticket.number} chưa được phục vụ nên chưa thể đánh giá")
            return (ticket.number + "@" + ticket.day.isoformat(), ticket.counter_id, ticket.service_code,
                    ticket.staff, reason)
        if target_kind == "dossier":
            code = str(parse_dossier_code(target))
            if not self.store.secret_matches(code, "".join(proof.split())):
                raise NotFound(WRONG_PROOF)
            d = self.store.dossier(code)
            return d.code, None, None, d.steps[-1].actor if d.steps else None, reason
        raise InvalidInput("Chỉ đánh giá theo số thứ tự hoặc mã hồ sơ")

    def rate(self, target_kind: str, target: str, proof: str, level: int, reason: str = "",
             criteria: dict | None = None) -> RatingReceipt:
        """Rate what `rating_subject` checks, once. A repeat press within the configured interval
        returns the first rating unchanged."""
        now = self._now()
        key, counter, service, staff, reason = self.rating_subject(target_kind, target, proof, level, reason)
        with self.store.write():
            existing = self.store.rating_for(target_kind, key)
            if existing is not None:
                if (now - existing.at).total_seconds() > self.config.rating_repeat_seconds:
                    raise Conflict("Ông/bà đã đánh giá lượt phục vụ này. Xin cảm ơn!")
                rating = existing
            else:
                rating = self.store.insert_rating(
                    target_kind=target_kind, target=key, level=level, scale=self.config.rating_scale,
                    reason=reason, criteria=criteria or {}, at=now, counter_id=counter,
                    service_code=service, staff=staff)
                self.store.append_event("rating", str(rating.id), "rated", asdict(rating), now)
        return RatingReceipt(rating.target_kind, rating.target, rating.level, rating.scale, rating.at)
