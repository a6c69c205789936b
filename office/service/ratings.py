"""Satisfaction ratings of served tickets and dossiers."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from office.errors import Conflict, InvalidInput
from office.model import Rating, TicketState
from office.rules.codes import parse_dossier_code
from office.rules.rating import check_rating
from office.service.base import ServiceBase
from office.text import checked_reason

T = TicketState


class RatingUseCases(ServiceBase):
    """Rating a ticket or a dossier, once."""

    def rate(self, target_kind: str, target: str, level: int, reason: str = "",
             criteria: dict | None = None) -> Rating:
        """Rate a served ticket (by number today, or "A001@2026-03-02") or a dossier (by code); one each.

        A repeat press within the configured interval returns the first rating unchanged.
        """
        now = self._now()
        reason = check_rating(self.config.rating_scale, level, checked_reason(reason, "Lý do"))
        if target_kind == "ticket":
            number, _, day_text = target.strip().upper().partition("@")  # "A001" or "A001@2026-03-02"
            try:
                day = date.fromisoformat(day_text) if day_text else now.date()
            except ValueError:
                raise InvalidInput(f"Số thứ tự không hợp lệ: {target.strip()[:40]!r}") from None
            ticket = self.store.ticket_by_number(day, number)
            if ticket.state not in (T.DONE, T.SERVING, T.TRANSFERRED):
                raise Conflict(f"Số {ticket.number} chưa được phục vụ nên chưa thể đánh giá")
            key, counter, service, staff = ticket.number + "@" + ticket.day.isoformat(), \
                ticket.counter_id, ticket.service_code, ticket.staff
        elif target_kind == "dossier":
            d = self.store.dossier(str(parse_dossier_code(target)))
            key, counter, service, staff = d.code, None, None, d.steps[-1].actor if d.steps else None
        else:
            raise InvalidInput("Chỉ đánh giá theo số thứ tự hoặc mã hồ sơ")
        with self.store.write():
            existing = self.store.rating_for(target_kind, key)
            if existing is not None:
                if (now - existing.at).total_seconds() <= self.config.rating_repeat_seconds:
                    return existing
                raise Conflict("Ông/bà đã đánh giá lượt phục vụ này. Xin cảm ơn!")
            rating = self.store.insert_rating(
                target_kind=target_kind, target=key, level=level, scale=self.config.rating_scale,
                reason=reason, criteria=criteria or {}, at=now, counter_id=counter,
                service_code=service, staff=staff)
            self.store.append_event("rating", str(rating.id), "rated", asdict(rating), now)
        return rating
