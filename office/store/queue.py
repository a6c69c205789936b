"""Queue tickets: daily numbering per service, ticket rows and the waiting line."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from office import text
from office.errors import NotFound
from office.model import Ticket, TicketState
from office.store.base import StoreBase, _dt, _ts


class QueueStore(StoreBase):
    """Tickets and their daily sequences."""

    def next_ticket_sequence(self, service_code: str, day: date) -> int:
        """Allocate the next daily ticket sequence for a service in one statement."""
        return self._one(
            "INSERT INTO ticket_seq (service_code, day, last) VALUES (?, ?, 1)"
            " ON CONFLICT (service_code, day) DO UPDATE SET last = last + 1 RETURNING last",
            [service_code, day.isoformat()])["last"]

    def insert_ticket(self, **values) -> Ticket:
        """Insert a ticket row and return it."""
        row = {k: (_ts(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date)
                   else v.value if isinstance(v, TicketState) else v) for k, v in values.items()}
        cols = ", ".join(row)
        ticket_id = self.db.execute(
            f"INSERT INTO tickets ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        ).lastrowid
        return self.ticket(ticket_id)

    def update_ticket(self, ticket_id: int, **values) -> Ticket:
        """Update ticket columns and return the ticket."""
        params = [_ts(v) if isinstance(v, datetime) else v.value if isinstance(v, TicketState) else v
                  for v in values.values()]
        cols = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(f"UPDATE tickets SET {cols} WHERE id = ?", [*params, ticket_id])
        return self.ticket(ticket_id)

    def ticket(self, ticket_id: int) -> Ticket:
        """One ticket or NotFound."""
        row = self._one("SELECT * FROM tickets WHERE id = ?", [ticket_id])
        if row is None:
            raise NotFound(f"Không có phiếu số thứ tự #{ticket_id}")
        return _ticket(row)

    def ticket_by_number(self, day: date, number: str) -> Ticket:
        """The latest ticket row with a printed number on a day (after transfers), or NotFound."""
        row = self._one("SELECT * FROM tickets WHERE day = ? AND number = ? ORDER BY id DESC LIMIT 1",
                        [day.isoformat(), number])
        if row is None:
            raise NotFound(f"Không có số thứ tự {number} ngày {text.day(day)}")
        return _ticket(row)

    def rating_token(self, day: date, number: str) -> str | None:
        """The rating token printed on a ticket (its first row: a transfer keeps the number), or None."""
        row = self._one("SELECT rating_token FROM tickets WHERE day = ? AND number = ? AND rating_token IS NOT NULL"
                        " ORDER BY id LIMIT 1", [day.isoformat(), number])
        return row["rating_token"] if row else None

    def ticket_rating_token(self, ticket_id: int) -> str | None:
        """The rating token of a ticket by id (for a reprint), following it back through transfers."""
        t = self.ticket(ticket_id)
        return self.rating_token(t.day, t.number)

    def tickets(self, day: date, states: Iterable[TicketState] | None = None) -> list[Ticket]:
        """Tickets of a day, in issue order."""
        sql, params = "SELECT * FROM tickets WHERE day = ?", [day.isoformat()]
        if states is not None:
            states = [s.value for s in states]
            sql += f" AND state IN ({', '.join('?' * len(states))})"
            params += states
        return [_ticket(r) for r in self._rows(sql + " ORDER BY id", params)]

    def first_waiting(self, day: date, services: Iterable[str], counter_id: int,
                      priority: bool) -> Ticket | None:
        """The oldest waiting ticket of a class for a counter (FIFO by issue time)."""
        services = list(services)
        cond = "priority IS NOT NULL" if priority else "priority IS NULL"
        row = self._one(
            f"SELECT * FROM tickets WHERE day = ? AND state = 'waiting' AND {cond}"
            f" AND service_code IN ({', '.join('?' * len(services))})"
            " AND (target_counter_id IS NULL OR target_counter_id = ?)"
            " ORDER BY issued_at, id LIMIT 1", [day.isoformat(), *services, counter_id])
        return _ticket(row) if row else None

    def waiting_counts(self, day: date) -> dict[str, int]:
        """Waiting tickets per service code."""
        return {r["service_code"]: r["n"] for r in self._rows(
            "SELECT service_code, COUNT(*) AS n FROM tickets WHERE day = ? AND state = 'waiting'"
            " GROUP BY service_code", [day.isoformat()])}

    def waiting_before(self, t: Ticket) -> int:
        """Waiting tickets of the same service issued before `t` (people ahead)."""
        return self._one(
            "SELECT COUNT(*) AS n FROM tickets WHERE day = ? AND state = 'waiting'"
            " AND service_code = ? AND id < ?", [t.day.isoformat(), t.service_code, t.id])["n"]

    def mean_service_minutes(self, service_code: str, since: datetime, limit: int = 50) -> float | None:
        """Mean serving time of the latest finished tickets of a service, in minutes."""
        row = self._one(
            "SELECT AVG((julianday(finished_at) - julianday(served_at)) * 1440) AS m FROM ("
            " SELECT served_at, finished_at FROM tickets WHERE service_code = ? AND state = 'done'"
            " AND served_at IS NOT NULL AND finished_at >= ? ORDER BY finished_at DESC LIMIT ?)",
            [service_code, _ts(since), limit])
        return row["m"]


def _ticket(r: dict) -> Ticket:
    return Ticket(
        id=r["id"], number=r["number"], service_code=r["service_code"],
        day=date.fromisoformat(r["day"]), issued_at=_dt(r["issued_at"]), state=TicketState(r["state"]),
        priority=r["priority"], priority_granted_by=r["priority_granted_by"], counter_id=r["counter_id"],
        target_counter_id=r["target_counter_id"], calls=r["calls"], called_at=_dt(r["called_at"]),
        served_at=_dt(r["served_at"]), finished_at=_dt(r["finished_at"]), reason=r["reason"],
        transferred_from=r["transferred_from"], staff=r["staff"])
