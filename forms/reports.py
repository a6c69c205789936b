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

from forms.layout import BODY_BOLD, FONT, SMALL, build, day, grid, heading, p, style, text, title
from forms.templates import template
from office import text as fmt
from office.model import PAYMENT_METHODS
from office.rules import qd766
from office.rules.reports import DOSSIER_COLUMNS, dossier_row

TIMELINESS = (("truoc_han", "Trước hạn"), ("dung_han", "Đúng hạn"), ("tre_han", "Quá hạn"))
# Mẫu 07: the dates of a dossier's way through the office, under one heading "Ngày, tháng, năm"
REGISTER_DATES = ["Nhận hồ sơ", "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
                  "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả cho cá nhân, tổ chức"]
REGISTER_HEADER = ["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
                   "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", *REGISTER_DATES, "Ký nhận", "Ghi chú"]


def _when(iso: str | None, sep: str = " ") -> str:
    """An ISO date-time as "HH:MM dd/mm/yyyy" ("" when not reached)."""
    return fmt.moment(datetime.fromisoformat(iso)).replace(" ", sep, 1) if iso else ""


def _register_cells(r: dict, sep: str = " ") -> list[str]:
    """One register row as cells; `sep` between time and date (a line break in the PDF)."""
    _when_ = lambda iso: _when(iso, sep)  # noqa: E731
    notes = "; ".join(v for v in (r["result"], r["status_label"], r["notes"]) if v)
    return [str(r["stt"] or ""), r["code"], r["procedure_name"], f"{r['sets']:02d}", r["applicant_name"],
            ", ".join(v for v in (r["applicant_address"], r["applicant_phone"]) if v), r["department"],
            _when_(r["received_at"]), _when_(r["due_at"]), _when_(r["transferred_at"]), _when_(r["result_at"]),
            _when_(r["returned_at"]), "", notes]


def register(svc, day_from: date, day_to: date) -> bytes:
    """Mẫu 07 Sổ theo dõi hồ sơ over [day_from, day_to], A4 landscape: one row per dossier,
    numbered as in the book of its year, with the number of sets, the dates it was received, due,
    sent to the handling agency, back from it and returned, a cell to sign and notes."""
    rows = svc.register_rows(day_from, day_to)
    form = template("07", day_to)
    books = sorted({r["book"] for r in rows if r["book"]})
    story = heading(svc.office(), form, day_to, width=262 * mm)
    story += title(form.title, f"Quyển số: {', '.join(map(str, books)) or '……'}",
                   f"Từ {text(day(day_from))} đến {text(day(day_to))}")
    widths = [9, 35, 26, 11, 20, 24, 19, 17, 17, 17, 17, 17, 12, 21]  # mm, 262 in all
    top = [*REGISTER_HEADER[:7], "Ngày, tháng, năm", "", "", "", "", "Ký nhận", "Ghi chú"]
    second = [""] * 7 + REGISTER_DATES + ["", ""]
    spans = [(c, 0, c, 1) for c in (*range(7), 12, 13)] + [(7, 0, 11, 0)]
    cells = [_register_cells(r, "\n") for r in rows] or [["", "(không có hồ sơ)"] + [""] * 12]
    story.append(grid([top, second], cells, [w * mm for w in widths], size=7.5, spans=tuple(spans), numeric=(0, 3)))
    story.append(Spacer(1, 3 * mm))
    story.append(p(f"Tổng số hồ sơ: {len(rows)}", BODY_BOLD))
    return build(story, f"Sổ theo dõi hồ sơ {fmt.day(day_from)}–{fmt.day(day_to)}", wide=True)


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
    counter, fees, satisfaction per counter, service and staff member — tables with bar charts — and
    the QĐ 766 self-check."""
    r = svc.reports(day_from, day_to)
    services, counters = _names(svc)
    dossiers, tickets, ratings = r["dossiers"], r["tickets"], r["ratings"]
    story = heading(svc.office(), None, day_to)
    story += title("Báo cáo tình hình tiếp nhận, giải quyết hồ sơ và phục vụ",
                   f"Từ {text(day(day_from))} đến {text(day(day_to))}")

    story.append(p("I. Tiếp nhận và giải quyết hồ sơ", style(12, bold=True)))
    counts = [dossiers["by_timeliness"][k] for k, _ in TIMELINESS]
    story.append(grid([label for _, label in DOSSIER_COLUMNS], [[fmt.figure(v) for v in dossier_row(dossiers)]],
                      [28 * mm] * 6))
    story.append(_bar_chart("Hồ sơ đã giải quyết theo thời hạn", [label for _, label in TIMELINESS], [counts],
                            ["Số hồ sơ"]))

    fees = r["fees"]
    story.append(p("II. Phí, lệ phí", style(12, bold=True)))
    story.append(p(f"Phải thu trên hồ sơ tiếp nhận: {fmt.money(fees['due'])} ({fees['charged']} hồ sơ có thu, "
                   f"{fees['exempt']} hồ sơ được miễn); đã thu: {fmt.money(fees['collected'])}; đã hoàn trả: "
                   f"{fmt.money(fees['refunded'])}."))
    story.append(grid(["Hình thức", "Số lần thu", "Đã thu", "Số lần hoàn", "Đã hoàn"],
                      [[PAYMENT_METHODS.get(m, m), str(v["payments"]), fmt.money(v["collected"]), str(v["refunds"]),
                        fmt.money(v["refunded"])] for m, v in fees["by_method"].items()],
                      [50 * mm, 25 * mm, 37 * mm, 25 * mm, 38 * mm], size=10))
    story.append(Spacer(1, 3 * mm))

    story.append(p("III. Hàng đợi", style(12, bold=True)))
    widths = [34 * mm] + [17 * mm] * 8
    for heading_text, groups, names in (("Theo dịch vụ", tickets["per_service"], services),
                                        ("Theo quầy", tickets["per_counter"], counters)):
        rows = [[names.get(k, k), *[fmt.figure(v[key]) for key in QUEUE_KEYS]] for k, v in groups.items()]
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

    story.append(p("IV. Mức độ hài lòng", style(12, bold=True)))
    satisfied = fmt.figure(ratings["satisfied_percent"])
    story.append(p(f"Tổng số đánh giá: {ratings['count']}; tỉ lệ hài lòng: {satisfied}%"))
    for heading_text, key, names in (("Theo quầy", "by_counter", counters), ("Theo dịch vụ", "by_service", services),
                                     ("Theo cán bộ", "by_staff", {})):
        rows = [[names.get(k, k), str(v["count"]), fmt.figure(v["satisfied_percent"])]
                for k, v in ratings[key].items()]
        story.append(KeepTogether([p(heading_text, BODY_BOLD),
                                   grid(["", "Số đánh giá", "Tỉ lệ hài lòng (%)"],
                                        rows or [["(không có)", "", ""]], [80 * mm, 40 * mm, 50 * mm]),
                                   Spacer(1, 2 * mm)]))
    by_counter = ratings["by_counter"]
    story.append(_bar_chart("Tỉ lệ hài lòng theo quầy (%)", [counters.get(k, k) for k in by_counter],
                            [[v["satisfied_percent"] or 0.0 for v in by_counter.values()]], ["% hài lòng"]))

    story.append(p("V. Tự đánh giá chỉ số chất lượng phục vụ (Quyết định số 766/QĐ-TTg)", style(12, bold=True)))
    story.append(p("Các chỉ số tính được từ dữ liệu của Bộ phận Một cửa, kèm công thức và số liệu đầu vào để "
                   "kiểm tra lại. Điểm chính thức do Cổng Dịch vụ công quốc gia tính.", SMALL))
    cell = style(8.5, leading=10.5, space_after=0)
    story.append(grid(["Chỉ số", "Tên chỉ số và công thức", "Số liệu", "Kết quả"],
                      [[i["code"], p(f"<b>{text(i['name'])}</b><br/>{text(i['formula'])}", cell),
                        p(text(qd766.inputs_text(i)).replace("; ", "<br/>"), cell), qd766.value_text(i)]
                       for i in r["qd766"]], [14 * mm, 82 * mm, 55 * mm, 24 * mm], size=8.5))
    return build(story, f"Báo cáo {fmt.day(day_from)}–{fmt.day(day_to)}")


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
    queue = lambda groups, names: [[k, names.get(k, k), *[fmt.figure(v[key]) for key in QUEUE_KEYS]]  # noqa: E731
                                   for k, v in groups.items()]
    satisfaction = [[dim, names.get(k, k), v["count"], fmt.figure(v["satisfied_percent"])]
                    for dim, key, names in (("Quầy", "by_counter", counters), ("Dịch vụ", "by_service", services),
                                            ("Cán bộ", "by_staff", {}))
                    for k, v in r["ratings"][key].items()]
    d = r["dossiers"]
    return {
        f"so-theo-doi-ho-so-{span}.csv": _csv(REGISTER_HEADER, [_register_cells(row) for row in
                                                                svc.register_rows(day_from, day_to)]),
        f"ho-so-dung-han-{span}.csv": _csv([label for _, label in DOSSIER_COLUMNS],
                                           [[fmt.figure(v) for v in dossier_row(d)]]),
        f"hang-doi-dich-vu-{span}.csv": _csv(["Mã", "Dịch vụ", *QUEUE_HEADER[1:]],
                                             queue(r["tickets"]["per_service"], services)),
        f"hang-doi-quay-{span}.csv": _csv(["Mã", "Quầy", *QUEUE_HEADER[1:]],
                                          queue(r["tickets"]["per_counter"], counters)),
        f"muc-do-hai-long-{span}.csv": _csv(["Theo", "Tên", "Số đánh giá", "Tỉ lệ hài lòng (%)"], satisfaction),
        f"phi-le-phi-{span}.csv": _csv(["Hình thức", "Số lần thu", "Đã thu (đồng)", "Số lần hoàn", "Đã hoàn (đồng)"],
                                       [[PAYMENT_METHODS.get(m, m), v["payments"], v["collected"], v["refunds"],
                                         v["refunded"]] for m, v in r["fees"]["by_method"].items()]),
        f"chi-so-qd766-{span}.csv": _csv(["Chỉ số", "Nhóm", "Tên chỉ số", "Công thức", "Số liệu", "Kết quả"],
                                         [[i["code"], i["group"], i["name"], i["formula"], qd766.inputs_text(i),
                                           qd766.value_text(i)] for i in r["qd766"]]),
    }
