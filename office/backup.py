"""Backups of the office store: consistent copies taken while the hub keeps writing, the newest N
kept, and a restore that checks a copy before it replaces the store.

A copy is SQLite's online backup of one read snapshot (a WAL reader never stops the hub's writers),
written beside its final name, checked (`integrity_check`, the change log numbered 1…N without a
gap), then renamed: a half-written file never carries a backup's name. Copies are 0600 in a 0700
folder: they hold citizens' personal data.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from office.errors import Conflict, InvalidInput
from office.store.base import BUSY_TIMEOUT_S, keep_private

PUSH_CHECKPOINT = "push_checkpoint"  # = sync.client.PUSH_CHECKPOINT: what the central system acknowledged


@dataclass(frozen=True)
class StoreFacts:
    """What a store (or a copy of it) holds, as far as a restore cares."""

    path: str
    office_id: str
    events: int  # change-log events, numbered 1…last_seq
    last_seq: int
    changelog_hash: str  # SHA-256 over the events' (seq, id) in order
    synced_seq: int  # the change-log position the central system has acknowledged
    rows: dict[str, int]  # rows per table


def inspect_store(path: str | Path) -> StoreFacts:
    """Check a store file and say what it holds; InvalidInput when it is damaged or not a store."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: không có tệp này")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)) as db:
            problems = [r[0] for r in db.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise InvalidInput(f"{path}: tệp hỏng (integrity_check: {'; '.join(problems[:3])})")
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                               "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            if not {"meta", "events"} <= set(tables):
                raise InvalidInput(f"{path}: không phải kho dữ liệu của văn phòng")
            rows = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
            office_id = (db.execute("SELECT value FROM meta WHERE key = 'office_id'").fetchone() or [""])[0]
            digest, count, last = hashlib.sha256(), 0, 0
            for seq, event_id in db.execute("SELECT seq, id FROM events ORDER BY seq"):
                count, last = count + 1, seq
                if seq != count:
                    raise InvalidInput(f"{path}: nhật ký thay đổi bị đứt đoạn (thiếu sự kiện số {count})")
                digest.update(f"{seq}|{event_id}\n".encode())
            synced = db.execute("SELECT value FROM sync_state WHERE key = ?", [PUSH_CHECKPOINT]).fetchone() \
                if "sync_state" in tables else None
    except sqlite3.DatabaseError as e:
        raise InvalidInput(f"{path}: không đọc được như một kho SQLite ({e})") from None
    return StoreFacts(str(path), office_id, count, last, digest.hexdigest(), int(synced[0]) if synced else 0, rows)


def _copy(source: Path, target: Path, single_file: bool = False) -> None:
    """SQLite's online backup of one read snapshot of `source` into `target` (0600); a
    `single_file` copy leaves WAL mode, so it is one self-contained file."""
    keep_private(target)
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)) as src, \
            closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)) as dst:
        src.backup(dst)  # in one step: one consistent snapshot, however busy the hub is
        if single_file:
            dst.execute("PRAGMA journal_mode=DELETE")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(db: str | Path, folder: str | Path, keep: int = 14, now: datetime | None = None) -> StoreFacts:
    """Copy the store into `folder` as `<name>-YYYYmmdd-HHMMSS.sqlite`, check the copy, keep the
    newest `keep` copies of this store, and keep its lookup key beside them (`<name>.sqlite.key`,
    0600; it never changes); the copy's facts."""
    db, folder = Path(db), Path(folder)
    if keep < 1:
        raise InvalidInput("Phải giữ ít nhất 1 bản sao (--keep)")
    if not db.is_file():
        raise InvalidInput(f"{db}: không có kho dữ liệu này")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    key = db.with_name(db.name + ".key")  # the lookup key (office.store): a copy is useless without it
    if key.is_file():
        kept_key = folder / key.name
        shutil.copyfile(key, kept_key)
        kept_key.chmod(0o600)
    final = folder / f"{db.stem}-{(now or datetime.now()):%Y%m%d-%H%M%S}.sqlite"
    partial = final.with_name(final.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(db, partial, single_file=True)
        facts = inspect_store(partial)
        _fsync(partial)
        os.replace(partial, final)
        _fsync(folder)
    finally:
        partial.unlink(missing_ok=True)
    for old in sorted(folder.glob(f"{db.stem}-????????-??????.sqlite"), reverse=True)[keep:]:
        old.unlink()
    return replace(facts, path=str(final))


def restore(copy: str | Path, db: str | Path, force: bool = False) -> tuple[StoreFacts, Path | None]:
    """Replace the store by a checked copy: (the restored store's facts, where the replaced store
    was put aside). Refuses a copy of another office, and — unless `force` — a copy older than the
    store's change log (those newer events would be lost; the central system may hold them)."""
    copy, db = Path(copy), Path(db)
    facts = inspect_store(copy)
    aside = None
    if db.exists():
        current = inspect_store(db)
        if current.office_id != facts.office_id:
            raise Conflict(f"{copy} là bản sao của văn phòng {facts.office_id!r}, kho {db} của {current.office_id!r}")
        if current.last_seq > facts.last_seq and not force:
            raise Conflict(
                f"Kho hiện có {current.last_seq - facts.last_seq} sự kiện mới hơn bản sao (sẽ mất"
                + (f"; hệ thống trung tâm đã nhận đến sự kiện {current.synced_seq}, đồng bộ sẽ báo xung đột"
                   if current.synced_seq > facts.last_seq else "")
                + "). Thêm --force nếu vẫn muốn khôi phục")
        aside = db.with_name(f"{db.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
        _copy(db, aside, single_file=True)
    _copy(copy, db)  # through SQLite's locks: a process still holding the store sees the copy whole
    restored = inspect_store(db)
    if restored.changelog_hash != facts.changelog_hash:
        raise Conflict(f"{db}: khôi phục không khớp bản sao; kho cũ vẫn còn ở {aside}")
    return restored, aside
