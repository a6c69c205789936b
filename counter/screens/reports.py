"""Reports over a date range: on-time statistics, queue statistics, satisfaction, fees and the
QĐ 766 self-check (each index with its formula and inputs); exported as PDF + CSV to a folder,
and the dossier register (Mẫu 07) printed. A leader also records an official change of the working
calendar here (a day off, a make-up working day), with the decision that orders it."""
from __future__ import annotations

from pathlib import Path

from kivy.factory import Factory
from kivy.properties import DictProperty, StringProperty

from counter.screens.base import CounterScreen
from counter.widgets import BarChart
from office.rules.qd766 import inputs_text, value_text
from office.rules.reports import DOSSIER_COLUMNS, dossier_row
from office.text import day, figure, money, parse_day


class ReportsScreen(CounterScreen):
    """Date range, the report as figures and bar charts, export and print."""

    report = DictProperty({})
    day_kind = StringProperty("day_off")  # of the calendar change a leader records

    def on_pre_enter(self, *_):
        """Default range: the first of this month to today (shown at once), exported under the app's folder."""
        today = self.app.today()
        if not self.ids.day_from.text:
            self.ids.day_from.text = f"{day(today.replace(day=1))}"
            self.ids.day_to.text = f"{day(today)}"
        if not self.ids.folder.text:
            self.ids.folder.text = str(self.app.export_dir)
        if not self.report:
            self.submit()  # this month so far, at once

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

    def on_report(self, *_):
        """Draw the report: the dossier row (the same figures as the PDF and the CSV), the queue,
        satisfaction and fees headline, bar charts and the QĐ 766 self-check."""
        table, columns = self.ids.dossier_table, (self.ids.charts_left, self.ids.charts_right)
        table.clear_widgets()
        for column in columns:
            column.clear_widgets()
        self.ids.headline.text = self.ids.qd766.text = ""
        if not self.report:
            return
        d, q, r = self.report["dossiers"], self.report["tickets"], self.report["ratings"]
        for key, _ in DOSSIER_COLUMNS:
            table.add_widget(Factory.Caption(text=self.t(f"reports.col.{key}")))
        for value in dossier_row(d):
            table.add_widget(Factory.CTitle(text=figure(value)))
        self.ids.headline.text = "\n".join((
            self.t("reports.queue", issued=figure(q["issued"]), wait=figure(q["mean_wait_minutes"]),
                   serve=figure(q["mean_service_minutes"])),
            self.t("reports.ratings", count=figure(r["count"]), percent=figure(r["satisfied_percent"])),
            *self.fees_lines(self.report)))
        services = {code: s.name for code, s in self.app.services.items()}
        counters = {str(c.id): c.name for c in self.app.counters}
        timeliness, empty = d["by_timeliness"], self.t("reports.no_data")
        charts = [BarChart(title=self.t("reports.chart.timeliness"), empty=empty, bars=[
            (self.t(f"reports.col.{key}"), timeliness[key], figure(timeliness[key])) for key in timeliness])]
        for key, dim, names in (("reports.chart.per_service", "per_service", services),
                                ("reports.chart.per_counter", "per_counter", counters)):
            charts.append(BarChart(title=self.t(key), empty=empty, colour=(0.05, 0.45, 0.20, 1), bars=[
                (names.get(k, k), row["served"], f"{row['served']} / {figure(row['mean_wait_minutes'])}'")
                for k, row in q[dim].items()]))
        for key, dim, names in (("reports.chart.rating_counter", "by_counter", counters),
                                ("reports.chart.rating_staff", "by_staff", {})):
            charts.append(BarChart(title=self.t(key), empty=empty, scale=100, colour=(0.75, 0.45, 0.0, 1), bars=[
                (names.get(k, k), row["satisfied_percent"], f"{figure(row['satisfied_percent'])}% ({row['count']})")
                for k, row in r[dim].items()]))
        for i, chart in enumerate(charts):
            columns[i % 2].add_widget(chart)
        self.ids.qd766.text = self.quality_text(self.report)

    def quality_text(self, report: dict) -> str:
        """The QĐ 766 self-check: each index with its value, formula and inputs (to check by hand)."""
        indices = report.get("qd766") or ()
        lines = [f"[b]{self.t('reports.qd766')}[/b]"] if indices else []
        for index in indices:
            lines.append(f"[b]{index['code']}  {index['name']}: {value_text(index)}[/b]")
            lines.append("      " + self.t("reports.formula", formula=index["formula"]))
            lines.append("      " + self.t("reports.inputs", inputs=inputs_text(index)))
        return "\n".join(lines)

    def fees_lines(self, report: dict) -> list[str]:
        """The fees line: due on the dossiers received, exemptions, collected and refunded."""
        fees = report.get("fees")
        if not fees:
            return []
        return [self.t("reports.fees", due=money(fees["due"]), charged=fees["charged"], exempt=fees["exempt"],
                       collected=money(fees["collected"]), refunded=money(fees["refunded"]))]

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
