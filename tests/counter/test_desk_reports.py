"""The report on the counter's screen: figures and bar charts, the same figures as the PDF and the
CSV (one function, office.rules.reports.dossier_row, feeds all three)."""
import csv
import io
import subprocess
from datetime import datetime

from office_support import BACK_OFFICE, OFFICER, applicant

from office.model import DossierStatus as S
from office.rules.reports import DOSSIER_COLUMNS


def finished(desk, received_at: str, done_at: str, case: str = "TH1") -> None:
    """A dossier received and finished at the given "dd hh:mm" moments of March 2026."""
    clock, svc = desk.office.clock, desk.svc

    def at(moment: str) -> None:
        d, hm = moment.split()
        clock.now = datetime.strptime(f"2026-03-{d} {hm}", "%Y-%m-%d %H:%M")

    at(received_at)
    code = svc.receive_dossier("1.001193", case, applicant(), OFFICER).code
    at(done_at)
    svc.change_status(code, S.PROCESSING, BACK_OFFICE, "Xử lý")
    svc.change_status(code, S.DONE, BACK_OFFICE, "Xong")


def test_screen_pdf_and_csv_show_the_same_dossier_figures(desk, tmp_path):
    # TH1: due one working day later, same time. Early: done a day before; on the due day
    # before the hour: on time (the old screen called early + on time "đúng hạn": 3 ≠ 1)
    finished(desk, "02 08:00", "02 15:00")  # early
    finished(desk, "02 08:10", "02 16:00")  # early
    finished(desk, "02 08:20", "03 08:00")  # on the due day, before 08:20: on time
    finished(desk, "02 08:30", "03 10:00")  # after 08:30 on the due day: late
    svc = desk.svc
    tokens = []
    for _ in range(3):  # three citizens served at counter 1, two satisfied
        issued = svc.issue_ticket("HT")
        ticket = issued.ticket
        tokens.append(issued.rating_token)  # printed in the ticket's QR
        svc.call_next(1, "bich.tt")
        svc.start_serving(ticket.id, 1)
        svc.finish_ticket(ticket.id, 1)
    for number, level in ((1, 3), (2, 2), (3, 1)):
        svc.rate("ticket", f"A{number:03d}", tokens[number - 1], level, "" if level > 1 else "Chờ lâu")
    desk.office.clock.now = datetime(2026, 3, 3, 16, 0)
    desk.key(ord("6"), modifiers=["ctrl"])
    reports = desk.screen("reports")
    desk.type("day_from", "01/03/2026", "reports")
    desk.type("day_to", "03/03/2026", "reports")
    desk.enter("day_to", "reports")
    desk.settle()
    labels = [w.text for w in reversed(reports.ids.dossier_table.children)]
    screen = dict(zip(labels[:6], labels[6:], strict=True))
    assert screen == {"Tiếp nhận": "4", "Đã giải quyết": "4", "Trước hạn": "2", "Đúng hạn": "1", "Quá hạn": "1",
                      "Tỉ lệ đúng hạn, gồm trước hạn (%)": "75,0"}
    desk.tap_text("Xuất PDF + CSV")
    desk.settle()
    folder = desk.app.export_dir
    header, row = csv.reader(io.StringIO(next(folder.glob("ho-so-dung-han-*.csv")).read_text(encoding="utf-8-sig")))
    assert dict(zip(header, row, strict=True)) == screen
    pdf = subprocess.run(["pdftotext", "-layout", str(next(folder.glob("bao-cao-*.pdf"))), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert " ".join(screen.values()) in " ".join(pdf.split())
    # the charts: timeliness, served per service and per counter, satisfaction per counter and staff
    left, right = (list(reversed(reports.ids[column].children)) for column in ("charts_left", "charts_right"))
    titles = [chart.title for chart in left + right]
    assert titles[0] == "Hồ sơ đã giải quyết theo thời hạn" and len(titles) == 5
    assert [label for _, label in DOSSIER_COLUMNS] == list(screen)
    assert "Trần Thị Bích" in desk.texts(left[-1]) and "bich.tt" not in desk.texts()  # staff by full name
    desk.shot("reports-2-charts")
    desk.resize((1920, 1080))
    desk.shot("reports-2-charts-1920x1080")
    desk.resize((1366, 768))
