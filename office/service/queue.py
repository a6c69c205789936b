"""The queue: issuing tickets at the kiosk, calling and serving them at counters, transfers,
counter pauses."""
from __future__ import annotations

import hmac
from dataclasses import asdict
from datetime import date, datetime, timedelta

from office.errors import Conflict, InvalidInput, NotFound, OutsideHours
from office.model import Ticket, TicketProgress, TicketReceipt, TicketState
from office.rules.queue import choose_class, estimate_wait_minutes, ticket_number
from office.rules.rating import new_rating_token
from office.service.base import ServiceBase
from office.text import checked_reason

T = TicketState
WRONG_TICKET = "Không tìm thấy phiếu số thứ tự này: mã QR trên phiếu không đúng hoặc phiếu đã cũ"


class QueueUseCases(ServiceBase):
    """Tickets and counters."""

    def ticket_issuing_open(self, at: datetime | None = None) -> bool:
        """Whether kiosks may issue tickets now (working day, inside ticket hours)."""
        at = at or self._now()
        return self.calendar.is_working_day(at.date()) and any(
            a <= at.time() < b for a, b in self.config.ticket_sessions)

    def issue_ticket(self, service_code: str, priority: str | None = None) -> TicketReceipt:
        """Issue a queue ticket (numbered per service and day, never reused)."""
        now = self._now()
        service = self.store.service(service_code)
        if priority is not None and priority not in {c.code for c in self.config.priority_categories}:
            raise InvalidInput(f"Không có đối tượng ưu tiên {priority!r}")
        if not service.open:
            raise Conflict(f"Dịch vụ {service.name} tạm ngừng cấp số thứ tự")
        with self.store.write():
            if not self.ticket_issuing_open(now):
                raise OutsideHours(self._hours_message())
            seq = self.store.next_ticket_sequence(service.code, now.date())
            ticket = self.store.insert_ticket(
                number=ticket_number(service.prefix, seq), service_code=service.code, day=now.date(),
                issued_at=now, state=T.WAITING, priority=priority,
                priority_granted_by="kiosk" if priority else None, rating_token=new_rating_token())
            self._ticket_event(ticket, "issued", now)
        return self.ticket_receipt(ticket)

    def _hours_message(self) -> str:
        hours = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.config.ticket_sessions)
        return f"Ngoài giờ cấp số thứ tự. Giờ cấp số: {hours} các ngày làm việc"

    def ticket_receipt(self, ticket: Ticket) -> TicketReceipt:
        """What to print for a ticket: service, counters, people ahead, estimated wait, rating token."""
        service = self.store.service(ticket.service_code)
        counters = [c for c in self.store.counters() if ticket.service_code in c.services]
        ahead, minutes = self._position(ticket, counters)
        return TicketReceipt(ticket, service.name, tuple(c.name for c in counters), ahead, minutes,
                             self.store.rating_token(ticket.day, ticket.number) or "")

    def _position(self, ticket: Ticket, counters: list) -> tuple[int, int]:
        """(people ahead, estimated wait in minutes) of a ticket: the one rule for the printed
        ticket and the citizen's phone. Only a waiting ticket has anyone ahead."""
        if ticket.state != T.WAITING:
            return 0, 0
        ahead = self.store.waiting_before(ticket)
        open_counters = sum(1 for c in counters if c.paused_reason is None)
        mean = self.store.mean_service_minutes(ticket.service_code, ticket.issued_at - timedelta(days=7))
        return ahead, estimate_wait_minutes(ahead, open_counters, mean or self.config.default_service_minutes)

    def _proven_ticket(self, day: date, number: str, proof: str, wrong: str = WRONG_TICKET) -> Ticket:
        """The latest row of ticket `number` issued on `day`, if `proof` is the rating token printed
        in its QR; NotFound(`wrong`) otherwise (the same answer for a ticket that does not exist)."""
        given = "".join(proof.split()).upper()
        stored = self.store.rating_token(day, number.strip().upper())
        if stored is None or not given.isascii() or not hmac.compare_digest(stored.upper(), given):
            raise NotFound(wrong)
        return self.store.ticket_by_number(day, number.strip().upper())

    def ticket_progress(self, day: date, number: str, token: str) -> TicketProgress:
        """Where a ticket stands for the citizen holding it (its printed token): people ahead and
        the estimated wait while waiting, the counter once called, whether it has been rated."""
        ticket = self._proven_ticket(day, number, token)
        counters = [c for c in self.store.counters() if ticket.service_code in c.services]
        ahead, minutes = self._position(ticket, counters)
        at = next((c.name for c in self.store.counters() if c.id == ticket.counter_id), None)
        rated = self.store.rating_for("ticket", f"{ticket.number}@{ticket.day.isoformat()}") is not None
        return TicketProgress(ticket.number, self.store.service(ticket.service_code).name, ticket.state, ahead,
                              minutes, at, rated, self._now())

    def call_next(self, counter_id: int, staff: str = "") -> Ticket | None:
        """Call the next ticket for a counter (priority ratio, FIFO within a class); None if nobody waits.

        A ticket still being served at this counter is finished first. Atomic across processes.
        """
        now = self._now()
        with self.store.write():
            counter = self.store.counter(counter_id)
            if not counter.open:
                raise Conflict(f"{counter.name} đã đóng (ngừng phục vụ)")
            if counter.paused_reason is not None:
                raise Conflict(f"{counter.name} đang tạm dừng: {counter.paused_reason}")
            for t in self.store.tickets(now.date(), [T.CALLED, T.SERVING]):
                if t.counter_id != counter_id:
                    continue
                if t.state == T.CALLED:
                    raise Conflict(f"Số {t.number} đang được gọi: hãy phục vụ, gọi lại hoặc đánh dấu vắng mặt")
                self._finish(t, now, T.DONE, "")
            streak = self.store.normal_streak(counter_id)
            pri = self.store.first_waiting(now.date(), counter.services, counter_id, priority=True)
            nor = self.store.first_waiting(now.date(), counter.services, counter_id, priority=False)
            chosen = choose_class(pri is not None, nor is not None, streak, self.config.priority_ratio)
            if chosen is None:
                return None
            ticket = pri if chosen == "priority" else nor
            self.store.set_normal_streak(counter_id, 0 if chosen == "priority" else streak + 1)
            ticket = self.store.update_ticket(ticket.id, state=T.CALLED, counter_id=counter_id,
                                              calls=1, called_at=now, staff=staff or None)
            self._ticket_event(ticket, "called", now)
        return ticket

    def counter_ticket(self, counter_id: int) -> Ticket | None:
        """The ticket a counter is calling or serving today (e.g. after the counter app restarts)."""
        self.store.counter(counter_id)
        return next((t for t in self.store.tickets(self._now().date(), [T.CALLED, T.SERVING])
                     if t.counter_id == counter_id), None)

    def _active(self, ticket_id: int, counter_id: int, *states: TicketState) -> Ticket:
        t = self.store.ticket(ticket_id)
        if t.counter_id != counter_id or t.state not in states:
            raise Conflict(f"Số {t.number} không ở trạng thái phù hợp tại quầy này ({t.state.value})")
        return t

    def recall(self, ticket_id: int, counter_id: int) -> Ticket:
        """Call the same ticket again; after the configured number of calls, mark a no-show instead."""
        now = self._now()
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED)
            if t.calls >= self.config.no_show_after_calls:
                raise Conflict(f"Số {t.number} đã gọi {t.calls} lần: đánh dấu vắng mặt")
            t = self.store.update_ticket(t.id, calls=t.calls + 1, called_at=now)
            self._ticket_event(t, "recalled", now)
        return t

    def start_serving(self, ticket_id: int, counter_id: int) -> Ticket:
        """The called citizen arrived at the counter."""
        now = self._now()
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED)
            t = self.store.update_ticket(t.id, state=T.SERVING, served_at=now)
            self._ticket_event(t, "serving", now)
        return t

    def finish_ticket(self, ticket_id: int, counter_id: int, reason: str = "") -> Ticket:
        """Finish serving a ticket, with an optional reason (e.g. guidance only)."""
        now = self._now()
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED, T.SERVING)
            return self._finish(t, now, T.DONE, checked_reason(reason, "Lý do"))

    def mark_no_show(self, ticket_id: int, counter_id: int) -> Ticket:
        """The citizen did not come after the configured number of calls."""
        now = self._now()
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED)
            if t.calls < self.config.no_show_after_calls:
                raise Conflict(f"Chỉ đánh dấu vắng mặt sau {self.config.no_show_after_calls} lần gọi "
                               f"(số {t.number} mới gọi {t.calls} lần)")
            return self._finish(t, now, T.NO_SHOW, "Vắng mặt")

    def cancel_ticket(self, ticket_id: int, reason: str) -> Ticket:
        """Cancel a waiting or called ticket with a reason."""
        now = self._now()
        reason = checked_reason(reason, "Lý do hủy số")
        if not reason:
            raise InvalidInput("Cần nêu lý do hủy số")
        with self.store.write():
            t = self.store.ticket(ticket_id)
            if t.state not in (T.WAITING, T.CALLED):
                raise Conflict(f"Không thể hủy số {t.number} ở trạng thái {t.state.value}")
            return self._finish(t, now, T.CANCELLED, reason)

    def transfer_ticket(self, ticket_id: int, counter_id: int, to_service: str,
                        to_counter: int | None = None, reason: str = "") -> Ticket:
        """Send a citizen to another service or counter; the same number waits there, keeping its place."""
        now = self._now()
        reason = checked_reason(reason, "Lý do chuyển")
        service = self.store.service(to_service)
        if not service.open:
            raise Conflict(f"Dịch vụ {service.name} đã đóng")
        if to_counter is not None and (service.code not in self.store.counter(to_counter).services
                                       or not self.store.counter(to_counter).open):
            raise InvalidInput(f"Quầy {to_counter} không phục vụ {service.name}")
        with self.store.write():
            t = self._active(ticket_id, counter_id, T.CALLED, T.SERVING)
            self._finish(t, now, T.TRANSFERRED, reason or f"Chuyển sang {service.name}")
            moved = self.store.insert_ticket(
                number=t.number, service_code=service.code, day=t.day, issued_at=t.issued_at,
                state=T.WAITING, priority=t.priority, priority_granted_by=t.priority_granted_by,
                target_counter_id=to_counter, transferred_from=t.id)
            self._ticket_event(moved, "issued", now)
        return moved

    def _finish(self, t: Ticket, now: datetime, state: TicketState, reason: str) -> Ticket:
        t = self.store.update_ticket(t.id, state=state, finished_at=now, reason=reason or None)
        self._ticket_event(t, state.value, now)
        return t

    def pause_counter(self, counter_id: int, reason: str) -> None:
        """Pause a counter with a reason shown on the board."""
        reason = checked_reason(reason, "Lý do tạm dừng")
        if not reason:
            raise InvalidInput("Cần nêu lý do tạm dừng")
        self._set_pause(counter_id, reason)

    def resume_counter(self, counter_id: int) -> None:
        """Resume a paused counter."""
        self._set_pause(counter_id, None)

    def _set_pause(self, counter_id: int, reason: str | None) -> None:
        now = self._now()
        with self.store.write():
            self.store.counter(counter_id)
            self.store.set_counter_pause(counter_id, reason)
            self.store.append_event("counter", str(counter_id), "paused" if reason else "resumed",
                                    {"id": counter_id, "reason": reason}, now)

    def waiting_counts(self) -> dict[str, int]:
        """Waiting tickets per service today."""
        return self.store.waiting_counts(self._now().date())

    def waiting_tickets(self) -> list[Ticket]:
        """Today's waiting tickets in issue order."""
        return self.store.tickets(self._now().date(), [T.WAITING])

    def _ticket_event(self, t: Ticket, kind: str, now: datetime) -> None:
        self.store.append_event("ticket", str(t.id), kind, asdict(t), now)
