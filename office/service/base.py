"""What every use-case family of `OfficeService` stands on: the store, the configuration, the
working calendar and the clock.

Where the configuration comes from: a store set up with `main.py office init` keeps its own
(`office apply` and the admin use cases change it), and every process serving that store picks a
change up within `SETTINGS_CHECK_S` seconds; a store without one (the demo office, tests) uses the
configuration it was opened with.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Self

from office.config import ConfigError, OfficeConfig, config_from_dict
from office.rules.calendar import WorkCalendar, WorkingHours
from office.store import Store

SETTINGS_CHECK_S = 1.0


class ServiceBase:
    """The store, configuration, working calendar and clock every use-case family works with;
    `OfficeService` composes the families."""

    def __init__(self, store: Store, config: OfficeConfig | None = None, calendar: WorkCalendar | None = None,
                 clock: Callable[[], datetime] = datetime.now):
        """Wire a service; `clock` returns local naive time (tests and seeding pass their own).

        `config` serves a store that keeps no configuration of its own (None: the defaults). The
        working calendar is `calendar` (default: the national calendar with the config's override
        file) plus the calendar days stored in the office (added by the office or pulled from the
        central system); the base calendar's own overrides win."""
        self.store = store
        self.clock = clock
        self._given_config = config or OfficeConfig()
        self._given_calendar = calendar
        self._load()

    @classmethod
    def open(cls, db_path: str | Path, config: OfficeConfig | None = None,
             clock: Callable[[], datetime] = datetime.now) -> Self:
        """Open the store at `db_path` (created if missing). A store set up by `office init`
        keeps its own configuration: passing another one is a ConfigError."""
        given = config or OfficeConfig()
        store = Store(db_path, given.office_id, given.agency_code)
        if config is not None and store.saved_config() is not None:
            store.close()
            raise ConfigError(f"{db_path} keeps its own configuration (set by `office init`); leave out "
                              f"--config, or change it with `main.py office apply --config FILE --db {db_path}`")
        return cls(store, config, clock=clock)

    @property
    def config(self) -> OfficeConfig:
        """The office's configuration (reloaded when another process changed it)."""
        self._refresh()
        return self._config

    @property
    def calendar(self) -> WorkCalendar:
        """The working calendar in force: the base calendar (rebuilt when the configuration
        changes) with the stored days (rebuilt as soon as one is stored, by any process)."""
        self._refresh()
        version, cached = self.store.calendar_version(), self._calendar
        if cached is None or cached[0] != version:
            cached = self._calendar = (version, self._base_calendar.with_overrides(*self.store.central_calendar()))
        return cached[1]

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked >= SETTINGS_CHECK_S:
            self._checked = now
            if self.store.settings_revision() != self._revision:
                self._load()

    def _load(self) -> None:
        """Read the configuration and rebuild the calendar from the store (call after a change)."""
        self._checked = time.monotonic()
        self._revision = self.store.settings_revision()
        saved = self.store.saved_config()
        config = config_from_dict(saved, source=f"{self.store.path} (saved configuration)") \
            if saved is not None else self._given_config
        self._config = config
        self._base_calendar = self._given_calendar or WorkCalendar.from_file(
            config.calendar_overrides, WorkingHours(config.working_sessions))
        self._calendar: tuple[str, WorkCalendar] | None = None

    def _now(self) -> datetime:
        """The clock's time to the second (what every use case records)."""
        return self.clock().replace(microsecond=0)
