"""Reports over a date range: on-time statistics, queue statistics, satisfaction, fees and the
QĐ 766 self-check (each index with its formula and inputs); exported as PDF + CSV to a folder,
and the dossier register (Mẫu 07) printed. A leader also records an official change of the working
calendar here (a day off, a make-up working day), with the decision that orders it."""
from __future__ import annotations

from pathlib import Path

from kivy.properties import DictProperty, StringProperty

from counter.screens.base import CounterScreen, parse_day
from office.rules.qd766 import inputs_text, value_text
from office.text import day, money


def _n(value) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, (int, float)) else str(value)


class ReportsScreen(CounterScreen):
    """Date range, the report shown as text, export and print."""

    report = DictProperty({})
    day_kind = StringProperty("day_off")  # of the calendar change a leader records

    def on_pre_enter(self, *_):
        """Default range: the first of this month to today, exported under the app's folder."""
        today = self.app.today()
        if not self.ids.day_from.text:
            self.ids.day_from.text = f"{day(today.replace(day=1))}"
            self.ids.day_to.text = f"{day(today)}"
        if not self.ids.folder.text:
            self.ids.folder.text = str(self.app.export_dir)

    def clear(self) -> None:
        """Forget the report shown."""
        super().clear()
        self.report = {}

    def _range(self):
        day_from, day_to = parse_day(self.ids.day_from.text), parse_day(self.ids.day_to.text)
        if day_from is None or day_to is None:
            self.say("reports.bad_date")
            return None
        return day_from, day_to

    def submit(self) -> None:
        """Load the report for the range."""
        days = self._range()
        if days is None or self.busy:
            return
        self.call(lambda: self.app.service.reports(*days), lambda r: setattr(self, "report", r))

    def report_text(self, report: dict, _lang=None) -> str:
        """The report as readable lines."""
        if not report:
            return ""
        d, q, r = report.get("dossiers", {}), report.get("tickets", {}), report.get("ratings", {})
        lines = [self.t("reports.dossiers", received=_n(d.get("received")), finished=_n(d.get("finished")),
                        on_time=_n(d.get("finished_on_time")), percent=_n(d.get("on_time_percent")))]
        early_on_late = d.get("by_timeliness") or {}
        lines.append(self.t("reports.ontime", early=_n(early_on_late.get("truoc_han")),
                            on_time=_n(early_on_late.get("dung_han")), late=_n(early_on_late.get("tre_han"))))
        lines.append(self.t("reports.queue", issued=_n(q.get("issued")), wait=_n(q.get("mean_wait_minutes")),
                            serve=_n(q.get("mean_service_minutes"))))
        services = {code: s.name for code, s in self.app.services.items()}
        counters = {str(c.id): c.name for c in self.app.counters}
        for dim, names in (("per_service", services), ("per_counter", counters)):
            for key, row in (q.get(dim) or {}).items():
                lines.append("   " + self.t("reports.queue_row", name=names.get(key, key), issued=_n(row.get("issued")),
                                              served=_n(row.get("served")), no_show=_n(row.get("no_shows")),
                                              wait=_n(row.get("mean_wait_minutes")),
                                              p90=_n(row.get("p90_wait_minutes"))))
        lines.append(self.t("reports.ratings", count=_n(r.get("count")), percent=_n(r.get("satisfied_percent"))))
        for dim, label, names in (("by_counter", "", counters), ("by_service", "", services),
                                  ("by_staff", "Cán bộ ", {})):
            for key, row in (r.get(dim) or {}).items():
                lines.append("   " + self.t("reports.rating_row", dim=label, name=names.get(key, key),
                                              count=_n(row.get("count")), percent=_n(row.get("satisfied_percent"))))
        fees = report.get("fees")
        if fees:
            lines.append(self.t("reports.fees", due=money(fees["due"]), charged=fees["charged"], exempt=fees["exempt"],
                                collected=money(fees["collected"]), refunded=money(fees["refunded"])))
        if report.get("qd766"):
            lines.append("")
            lines.append(f"[b]{self.t('reports.qd766')}[/b]")
        for index in report.get("qd766", ()):
            lines.append(f"[b]{index['code']}  {index['name']}: {value_text(index)}[/b]")
            lines.append("      " + self.t("reports.formula", formula=index["formula"]))
            lines.append("      " + self.t("reports.inputs", inputs=inputs_text(index)))
        return "\n".join(lines)

    def export(self) -> None:
        """Write the report PDF (with charts) and its CSV files to the folder."""
        days = self._range()
        if days is None or self.busy:
            return
        folder, service = Path(self.ids.folder.text.strip()).expanduser(), self.app.service

        def write() -> int:
            import forms

            folder.mkdir(parents=True, exist_ok=True)
            stem = f"bao-cao-{days[0]:%Y%m%d}-{days[1]:%Y%m%d}"
            (folder / f"{stem}.pdf").write_bytes(forms.report_pdf(service, *days))
            files = forms.report_csv(service, *days)
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8", newline="")
            return 1 + len(files)

        self.call(write, lambda n: self.say("reports.exported", tone="ok", n=n, folder=str(folder)))

    def print_register(self) -> None:
        """Print the dossier register (Mẫu 07) of the range."""
        days = self._range()
        if days is None:
            return
        service = self.app.service

        def pdf() -> bytes:
            import forms

            return forms.register(service, *days)

        self.app.print_forms([(f"Mau07-{days[0]:%Y%m%d}-{days[1]:%Y%m%d}", pdf)],
                             lambda places: self.say("reports.exported", tone="ok", n=len(places),
                                                     folder=", ".join(places)),
                             self.print_failed)

    def kind_label(self, kind: str, _lang=None) -> str:
        """A calendar change for people."""
        return self.t(f"calendar.{kind}")

    def set_calendar_day(self) -> None:
        """Record an official day off or make-up working day (a leader; the office checks it)."""
        when = parse_day(self.ids.calendar_day.text)
        if when is None:
            self.say("reports.bad_date")
            return
        kind, reason, service = self.day_kind, self.ids.calendar_reason.text.strip(), self.app.service
        self.call(lambda: service.set_calendar_day(when, kind, reason),
                  lambda d: self.say("calendar.saved", tone="ok", day=day(d.day), kind=self.kind_label(d.kind),
                                     reason=d.reason))
