"""What every use-case family of `OfficeService` stands on: the store, the configuration, the
working calendar and the clock."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Self

from office.config import OfficeConfig
from office.rules.calendar import WorkCalendar, WorkingHours
from office.store import Store


class ServiceBase:
    """The store, configuration, working calendar and clock every use-case family works with;
    `OfficeService` composes the families."""

    def __init__(self, store: Store, config: OfficeConfig, calendar: WorkCalendar | None = None,
                 clock: Callable[[], datetime] = datetime.now):
        """Wire a service; `clock` returns local naive time (tests and seeding pass their own).

        The working calendar is `calendar` (default: the national calendar with the config's
        override file) plus the calendar days stored in the office (added by the office or pulled
        from the central system); the base calendar's own overrides win."""
        self.store = store
        self.config = config
        self._base_calendar = calendar or WorkCalendar.from_file(
            config.calendar_overrides, WorkingHours(config.working_sessions))
        self._calendar: tuple[str, WorkCalendar] | None = None
        self.clock = clock

    @property
    def calendar(self) -> WorkCalendar:
        """The working calendar in force: rebuilt as soon as a calendar day is stored (by this
        process or another one on the same store)."""
        version, cached = self.store.calendar_version(), self._calendar
        if cached is None or cached[0] != version:
            cached = self._calendar = (version, self._base_calendar.with_overrides(*self.store.central_calendar()))
        return cached[1]

    @classmethod
    def open(cls, db_path: str | Path, config: OfficeConfig,
             clock: Callable[[], datetime] = datetime.now) -> Self:
        """Open the store at `db_path` (created if missing) for this office."""
        return cls(Store(db_path, config.office_id, config.agency_code), config, clock=clock)

    def _now(self) -> datetime:
        """The clock's time to the second (what every use case records)."""
        return self.clock().replace(microsecond=0)
