"""Satisfaction ratings of served tickets and dossiers (one each)."""
from __future__ import annotations

import json
from datetime import datetime

from office.model import Rating
from office.store.base import StoreBase, _dt, _ts


class RatingStore(StoreBase):
    """Ratings."""

    def rating_for(self, target_kind: str, target: str) -> Rating | None:
        """The rating of a ticket or dossier, if any."""
        row = self._one("SELECT * FROM ratings WHERE target_kind = ? AND target = ?", [target_kind, target])
        return _rating(row) if row else None

    def insert_rating(self, **values) -> Rating:
        """Insert a rating row and return it."""
        values = {k: (_ts(v) if isinstance(v, datetime) else json.dumps(v, ensure_ascii=False)
                      if isinstance(v, dict) else v) for k, v in values.items()}
        rating_id = self.db.execute(
            f"INSERT INTO ratings ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            list(values.values())).lastrowid
        return _rating(self._one("SELECT * FROM ratings WHERE id = ?", [rating_id]))


def _rating(r: dict) -> Rating:
    return Rating(id=r["id"], target_kind=r["target_kind"], target=r["target"], level=r["level"],
                  scale=r["scale"], reason=r["reason"], criteria=json.loads(r["criteria"]),
                  at=_dt(r["at"]), counter_id=r["counter_id"], service_code=r["service_code"],
                  staff=r["staff"])
