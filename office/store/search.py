"""Finding dossiers for staff without scanning the store: each kind of query goes through its own
index, newest first, a page at a time.

- applicant name, accents and case ignored: the FTS5 table `dossier_names` (folded names, filled
  by a trigger on insert); every word typed must begin a word of the name ("nguyen an" finds
  "Nguyễn Văn An");
- dossier code prefix: the primary key, as a range;
- exact ID number or phone: their indexes;
- no text: the (status, received_at) and received_at indexes.

Each query reads at most `offset + limit` rows in index order and the answers are merged, so a
search costs about the same in a store of a thousand dossiers or of millions.
"""
from __future__ import annotations

import re

from office.errors import InvalidInput
from office.model import DossierStatus
from office.store.base import StoreBase
from office.store.dossiers import ROW_SQL
from office.text import fold, phone

_CODE_PREFIX = re.compile(r"[0-9A-Z][0-9A-Z.\-]*", re.ASCII)
_ID_NUMBER = re.compile(r"[0-9A-Z\-]{6,20}", re.ASCII)
_WORD = re.compile(r"[a-z]+", re.ASCII)  # folded names are ASCII letters
NEWEST = " ORDER BY d.received_at DESC, d.rowid DESC"  # the order of the indexes: no sort


class SearchStore(StoreBase):
    """Dossier search for staff."""

    def search_dossiers(self, text: str, status: DossierStatus | None, limit: int, offset: int = 0) -> list[dict]:
        """List rows matching `text` (a code prefix, words of the applicant's name, an exact ID
        number or phone; empty: every dossier), optionally of one status, newest first:
        rows [offset, offset + limit)."""
        status_args = [int(status)] if status is not None else []
        want = offset + limit
        if not text:
            return self._rows(ROW_SQL + (" WHERE d.status = ?" if status_args else "") + NEWEST
                              + " LIMIT ? OFFSET ?", [*status_args, limit, offset])
        status_sql = " AND +d.status = ?" if status_args else ""  # a filter: the text picks the index
        found: dict[str, dict] = {}
        compact = "".join(text.split()).upper()
        if _CODE_PREFIX.fullmatch(compact) and any(c.isdigit() for c in compact):
            found.update((r["code"], r) for r in self._rows(
                ROW_SQL + " WHERE d.code >= ? AND d.code < ?" + status_sql + " ORDER BY d.code DESC LIMIT ?",
                [compact, compact + "\x7f", *status_args, want]))
        exact = [compact] if _ID_NUMBER.fullmatch(compact) else []
        try:
            exact += [phone(text)] if phone(text) else []
        except InvalidInput:
            pass
        for value in exact:
            found.update((r["code"], r) for r in self._rows(
                ROW_SQL + " WHERE (d.applicant_id_number = ? OR d.applicant_phone = ?)" + status_sql
                + NEWEST + " LIMIT ?", [value, value, *status_args, want]))
        words = _WORD.findall(fold(text))
        if words:
            match = " ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in words)
            found.update((r["code"], r) for r in self._rows(
                ROW_SQL + " JOIN dossier_names n ON n.code = d.code WHERE dossier_names MATCH ?" + status_sql
                + " ORDER BY n.rowid DESC LIMIT ?", [match, *status_args, want]))
        rows = sorted(found.values(), key=lambda r: (r["received_at"], r["code"]), reverse=True)
        return rows[offset:offset + limit]
