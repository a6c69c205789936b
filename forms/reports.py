"""The register (Sổ theo dõi hồ sơ, Mẫu 07) and the office report, as A4 PDFs with charts and as
CSV files (UTF-8 with BOM, so Excel opens Vietnamese correctly)."""
from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from forms.layout import BODY_BOLD, FONT, build, day, grid, heading, p, style, title
from office import text
from office.rules.reports import DOSSIER_COLUMNS, dossier_row

TIMELINESS = (("truoc_han", "Trước hạn"), ("dung_han", "Đúng hạn"), ("tre_han", "Quá hạn"))
REGISTER_HEADER = ["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Tên tổ chức, cá nhân", "Địa chỉ, số điện thoại",
                   "Cơ quan chủ trì giải quyết", "Nhận hồ sơ", "Hẹn trả kết quả", "Kết thúc xử lý",
                   "Kết quả (trước / đúng / quá hạn)", "Trả kết quả", "Người nhận kết quả", "Trạng thái"]


def _when(iso: str | None, sep: str = " ") -> str:
    """An ISO date-time as "HH:MM dd/mm/yyyy" ("" when not reached)."""
    return text.moment(datetime.fromisoformat(iso)).replace(" ", sep, 1) if iso else ""


def _register_cells(r: dict, sep: str = " ") -> list[str]:
    """One register row as cells; `sep` between time and date (a line break in the PDF)."""
    _when_ = lambda iso: _when(iso, sep)  # noqa: E731
    return [str(r["stt"]), r["code"], r["procedure_name"], r["applicant_name"],
            ", ".join(v for v in (r["applicant_address"], r["applicant_phone"]) if v), r["department"],
            _when_(r["received_at"]), _when_(r["due_at"]), _when_(r["finished_at"]), r["result"],
            _when_(r["returned_at"]), r["collector"], r["status_label"]]


def register(svc, day_from: date, day_to: date) -> bytes:
    """Mẫu 07 Sổ theo dõi hồ sơ over [day_from, day_to], A4 landscape, one row per dossier."""
    rows = svc.register_rows(day_from, day_to)
    story = heading(svc.office(), "Mẫu số 07", day_to)
    story += title("Sổ theo dõi hồ sơ", f"Từ ngày {day(day_from)} đến ngày {day(day_to)}")
    widths = [8, 44, 27, 22, 27, 19, 17, 17, 17, 13, 17, 17, 17]  # mm, 262 in all
    cells = [_register_cells(r, "\n") for r in rows] or [["", "(không có hồ sơ)"] + [""] * 11]
    story.append(grid(REGISTER_HEADER, cells, [w * mm for w in widths], size=7))
    story.append(Spacer(1, 3 * mm))
    story.append(p(f"Tổng số hồ sơ: {len(rows)}", BODY_BOLD))
    return build(story, f"Sổ theo dõi hồ sơ {day(day_from)}–{day(day_to)}", wide=True)


def _bar_chart(title_text: str, labels: list[str], series: list[list[float]], legend: list[str],
               width: float = 170 * mm, height: float = 62 * mm) -> KeepTogether:
    """A vertical bar chart (reportlab.graphics) with a title, category labels and a legend."""
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title_text, fontName=FONT, fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 28, 28, width - 40, height - 52
    if not labels:  # nothing in the period: one empty category
        labels, series = ["(không có số liệu)"], [[0] for _ in series or [0]]
    chart.data = series
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    top = max((v for serie in chart.data for v in serie), default=0)
    chart.valueAxis.valueMax = max(1, top) * 1.15
    if all(float(v).is_integer() for serie in chart.data for v in serie):
        chart.valueAxis.valueStep = max(1, math.ceil(max(1, top) / 5))
        chart.valueAxis.labelTextFormat = "%d"
    chart.groupSpacing = max(5, (chart.width / len(labels)) * (0.6 if len(chart.data) == 1 else 0.3))
    palette = [colors.HexColor(c) for c in ("#1f5fa8", "#3c9a4a", "#c0392b", "#8e6bb8")]
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = palette[i % len(palette)]
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabelFormat = "%d" if all(float(v).is_integer() for s in chart.data for v in s) else "%.1f"
    chart.barLabels.nudge = 6
    drawing.add(chart)
    for i, name in enumerate(legend):
        x = width - (len(legend) - i) * 75
        drawing.add(String(x + 12, height - 10, name, fontName=FONT, fontSize=8))
        drawing.add(Rect(x, height - 11, 8, 8, fillColor=palette[i % len(palette)], strokeColor=None))
    return KeepTogether([Spacer(1, 3 * mm), drawing, Spacer(1, 3 * mm)])


def _names(svc) -> tuple[dict[str, str], dict[str, str]]:
    services = {s.code: s.name for s in svc.services()}
    counters = {str(c.id): c.name for c in svc.counters()}
    return services, counters


QUEUE_HEADER = ["", "Số lượt", "Đã phục vụ", "Vắng mặt", "Chuyển", "Chờ TB (phút)", "Chờ P90 (phút)",
                "Phục vụ TB (phút)", "Phục vụ P90 (phút)"]
QUEUE_KEYS = ("tickets", "served", "no_shows", "transferred", "mean_wait_minutes", "p90_wait_minutes",
              "mean_service_minutes", "p90_service_minutes")


def report_pdf(svc, day_from: date, day_to: date) -> bytes:
    """The office report over [day_from, day_to]: dossiers on time, queue figures per service and
    counter, satisfaction per counter, service and staff member — tables with bar charts."""
    r = svc.reports(day_from, day_to)
    services, counters = _names(svc)
    dossiers, tickets, ratings = r["dossiers"], r["tickets"], r["ratings"]
    story = heading(svc.office(), "Báo cáo", day_to)
    story += title("Báo cáo tình hình tiếp nhận, giải quyết hồ sơ và phục vụ",
                   f"Từ ngày {day(day_from)} đến ngày {day(day_to)}")

    story.append(p("I. Tiếp nhận và giải quyết hồ sơ", style(12, bold=True)))
    counts = [dossiers["by_timeliness"][k] for k, _ in TIMELINESS]
    story.append(grid([label for _, label in DOSSIER_COLUMNS], [[text.figure(v) for v in dossier_row(dossiers)]],
                      [28 * mm] * 6))
    story.append(_bar_chart("Hồ sơ đã giải quyết theo thời hạn", [label for _, label in TIMELINESS], [counts],
                            ["Số hồ sơ"]))

    story.append(p("II. Hàng đợi", style(12, bold=True)))
    widths = [34 * mm] + [17 * mm] * 8
    for heading_text, groups, names in (("Theo dịch vụ", tickets["per_service"], services),
                                        ("Theo quầy", tickets["per_counter"], counters)):
        rows = [[names.get(k, k), *[text.figure(v[key]) for key in QUEUE_KEYS]] for k, v in groups.items()]
        story.append(KeepTogether([p(heading_text, BODY_BOLD),
                                   grid([heading_text.replace("Theo ", "").capitalize(), *QUEUE_HEADER[1:]],
                                        rows or [["(không có)"] + [""] * 8], widths, size=8.5),
                                   Spacer(1, 2 * mm)]))
    per_service = tickets["per_service"]
    story.append(_bar_chart("Lượt phục vụ theo dịch vụ", [services.get(k, k)[:22] for k in per_service],
                            [[v["tickets"] for v in per_service.values()],
                             [v["served"] for v in per_service.values()],
                             [v["no_shows"] for v in per_service.values()]],
                            ["Số lượt", "Đã phục vụ", "Vắng mặt"]))

    story.append(p("III. Mức độ hài lòng", style(12, bold=True)))
    satisfied = text.figure(ratings["satisfied_percent"])
    story.append(p(f"Tổng số đánh giá: {ratings['count']}; tỉ lệ hài lòng: {satisfied}%"))
    for heading_text, key, names in (("Theo quầy", "by_counter", counters), ("Theo dịch vụ", "by_service", services),
                                     ("Theo cán bộ", "by_staff", {})):
        rows = [[names.get(k, k), str(v["count"]), text.figure(v["satisfied_percent"])]
                for k, v in ratings[key].items()]
        story.append(KeepTogether([p(heading_text, BODY_BOLD),
                                   grid(["", "Số đánh giá", "Tỉ lệ hài lòng (%)"],
                                        rows or [["(không có)", "", ""]], [80 * mm, 40 * mm, 50 * mm]),
                                   Spacer(1, 2 * mm)]))
    by_counter = ratings["by_counter"]
    story.append(_bar_chart("Tỉ lệ hài lòng theo quầy (%)", [counters.get(k, k) for k in by_counter],
                            [[v["satisfied_percent"] or 0.0 for v in by_counter.values()]], ["% hài lòng"]))
    return build(story, f"Báo cáo {day(day_from)}–{day(day_to)}")


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def report_csv(svc, day_from: date, day_to: date) -> dict[str, str]:
    """The register and the report as CSV files: file name → text (UTF-8 with BOM, dd/mm/yyyy)."""
    r = svc.reports(day_from, day_to)
    services, counters = _names(svc)
    span = f"{day_from:%Y%m%d}-{day_to:%Y%m%d}"
    queue = lambda groups, names: [[k, names.get(k, k), *[text.figure(v[key]) for key in QUEUE_KEYS]]  # noqa: E731
                                   for k, v in groups.items()]
    satisfaction = [[dim, names.get(k, k), v["count"], text.figure(v["satisfied_percent"])]
                    for dim, key, names in (("Quầy", "by_counter", counters), ("Dịch vụ", "by_service", services),
                                            ("Cán bộ", "by_staff", {}))
                    for k, v in r["ratings"][key].items()]
    d = r["dossiers"]
    return {
        f"so-theo-doi-ho-so-{span}.csv": _csv(REGISTER_HEADER, [_register_cells(row) for row in
                                                                svc.register_rows(day_from, day_to)]),
        f"ho-so-dung-han-{span}.csv": _csv([label for _, label in DOSSIER_COLUMNS],
                                           [[text.figure(v) for v in dossier_row(d)]]),
        f"hang-doi-dich-vu-{span}.csv": _csv(["Mã", "Dịch vụ", *QUEUE_HEADER[1:]],
                                             queue(r["tickets"]["per_service"], services)),
        f"hang-doi-quay-{span}.csv": _csv(["Mã", "Quầy", *QUEUE_HEADER[1:]],
                                          queue(r["tickets"]["per_counter"], counters)),
        f"muc-do-hai-long-{span}.csv": _csv(["Theo", "Tên", "Số đánh giá", "Tỉ lệ hài lòng (%)"], satisfaction),
    }
