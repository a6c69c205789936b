"""Use cases of a one-stop office (the OfficeService port).

Every UI (kiosk, counter, display) and the hub call these methods; each mutation runs in one
store transaction together with its change-log event. `OfficeService` composes one mixin per
use-case family over `ServiceBase` (store, configuration, calendar, clock):

    catalogue    office identity, procedures, services, counters, `info`, device alerts
    queue        tickets and counters
    reception    receiving dossiers, intake records (Mẫu 02, 03)
    processing   status changes, supplements, result return, extensions
    lookup       dossier views, kiosk lookup, audited reveal, search, late list, register
    calendar     official calendar days the office adds (and the stored ones)
    central      steps posted at the central system (sync pull)
    online       dossiers submitted online: accept (1 → 2) or refuse (1 → 3)
    ratings      satisfaction ratings
    reports      the office report (maths in `office.rules.reports`)
    dashboard    the office dashboard: live queue, today's waits, alerts, quality figures
    admin        setup from the office file, staff and PINs, services and counters opened or
                 closed, ticket hours, the office's calendar days, the kiosk admin PIN
"""
from __future__ import annotations

from office.service.admin import AdminUseCases
from office.service.base import ServiceBase
from office.service.calendar import CalendarUseCases
from office.service.catalogue import CatalogueUseCases
from office.service.central import CentralStepUseCases
from office.service.dashboard import DashboardUseCases
from office.service.lookup import LookupUseCases
from office.service.online import OnlineUseCases
from office.service.processing import ProcessingUseCases
from office.service.queue import QueueUseCases
from office.service.ratings import RatingUseCases
from office.service.reception import ReceptionUseCases
from office.service.reports import ReportUseCases

__all__ = ["OfficeService"]


class OfficeService(CatalogueUseCases, QueueUseCases, OnlineUseCases, ReceptionUseCases, CentralStepUseCases,
                    ProcessingUseCases, LookupUseCases, RatingUseCases, ReportUseCases, DashboardUseCases,
                    CalendarUseCases, AdminUseCases, ServiceBase):
    """The office's use cases over one store, one configuration and one working calendar."""
