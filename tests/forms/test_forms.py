"""The A4 forms, rendered for real: each PDF is rasterised with pdftoppm (PNGs kept in
test-artifacts/forms/ for people to look at), its text extracted with pdftotext and checked field
by field against DESIGN.md §3.6; the receipt's QR and Code128 are decoded with the kiosk's decoder
and looked up on the kiosk side."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from office_support import BACK_OFFICE, OFFICER, applicant

import forms
from devices.decoders import ScanPipeline, ZxingDecoder, read_image, validate
from office.errors import Conflict, InvalidInput
from office.model import Applicant, Collector, DossierStatus, ReceivedComponent

S = DossierStatus
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "forms"
HEADER = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
          "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ TÂN PHÚ"]
CHECKLIST = (ReceivedComponent("Tờ khai đăng ký khai sinh", 1, 0),
             ReceivedComponent("Giấy chứng sinh", 1, 2, "bản sao có chứng thực"))
REP = Applicant("Lê Thị Hồng", "CCCD", "079190001234", "0987654321", "Thôn Đông, xã Tân Phú")


def render(pdf: bytes, name: str, dpi: int = 110, pages: int | None = 1) -> tuple[str, Path]:
    """Save the PDF (A4, `pages` pages), rasterise its first page to PNG (others to name-N.png) and
    return (its text with spaces collapsed, the first page's PNG)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info and re.search(rf"^Pages:\s+{pages or ''}", info, re.M), info
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(ARTIFACTS / name)],
                   check=True, timeout=60)
    if pages != 1:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "2", str(path), str(ARTIFACTS / name)],
                       check=True, timeout=60)
    texts = [subprocess.run(["pdftotext", *mode, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                            check=True, timeout=60).stdout.decode("utf-8") for mode in ([], ["-layout"])]
    # reading order (paragraphs) ¶ layout order (table rows); a field must be whole in one of them
    return " ¶ ".join(" ".join(t.split()) for t in texts), ARTIFACTS / f"{name}.png"


def has_all(found: str, *expected: str) -> None:
    missing = [e for e in expected if e not in found]
    assert not missing, f"missing {missing} in: {found}"


@pytest.fixture
def received(svc):
    """A birth registration received Monday 02/03/2026 08:00 with a checklist and a representative."""
    return svc.receive_dossier("1.001193", "TH5", applicant(), OFFICER, "Khai sinh cho con",
                               components=CHECKLIST, representative=REP, fee_paid=True)


def test_receipt_carries_every_field_of_form_01(svc, received):
    found, png = render(forms.receipt(svc, received.code, received.secret), "mau-01-giay-tiep-nhan")
    assert png.stat().st_size > 20_000
    has_all(found, *HEADER, "Mẫu số 01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Tân Phú, ngày 02/03/2026",
            f"Mã hồ sơ: {received.code}", f"Mã tra cứu: {received.secret}",
            "1. Họ và tên: Nguyễn Văn An",
            "2. Giấy tờ tùy thân: Thẻ căn cước / Căn cước công dân số 001203004567",
            "3. Số điện thoại: 0912345678", "4. Địa chỉ: Số 12 đường Lê Lợi, phường Bến Thành",
            "5. Người được ủy quyền nộp hồ sơ: Lê Thị Hồng",
            "6. Nội dung yêu cầu giải quyết: Đăng ký khai sinh (mã thủ tục 1.001193) – Khai sinh – xác minh",
            "7. Thành phần hồ sơ", "1 Tờ khai đăng ký khai sinh 1 0", "2 Giấy chứng sinh 1 2", "bản sao có chứng thực",
            "8. Số lượng hồ sơ: 01 bộ", "9. Thời gian giải quyết hồ sơ theo quy định: 5 ngày làm việc",
            "10. Thời gian nhận hồ sơ: 08 giờ 00 phút, ngày 02/03/2026",
            "11. Thời gian trả kết quả giải quyết hồ sơ: 08 giờ 00 phút, ngày 09/03/2026",
            "12. Nơi nhận kết quả: Quầy 1, Quầy 2 – Trung tâm Phục vụ hành chính công xã Tân Phú",
            "13. Phí, lệ phí: 8.000 đồng – đã nộp",
            "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", OFFICER.name)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", found)  # dates only as dd/mm/yyyy


def test_receipt_round_trip_through_the_kiosk_decoder(svc, received):
    _, png = render(forms.receipt(svc, received.code, received.secret), "mau-01-200dpi", dpi=200)
    gray = ScanPipeline().gray(read_image(png))
    found = {symbology: text for symbology, text in ZxingDecoder().decode(gray)}
    qr, bar = validate("qr", found["qr"]), validate("code128", found["code128"])
    assert (qr.code, qr.secret) == (received.code, received.secret)
    assert (bar.code, bar.secret) == (received.code, None)
    view = svc.kiosk_lookup(qr.code, qr.secret)
    assert view.code == received.code and view.masked_name == "Nguyễn V*** A*"
    assert ScanPipeline().read(read_image(png)).scan == qr  # the kiosk's own choice: the QR, with secret


def test_postal_delivery_and_unpaid_fee_on_the_receipt(svc):
    d = svc.receive_dossier("1.001193", "TH1", applicant("Trần Thị Thu Hà"), OFFICER, components=CHECKLIST,
                            delivery="postal", delivery_address="Số 5 đường Hùng Vương, Tân Phú")
    found, _ = render(forms.receipt(svc, d.code, d.secret, staff=BACK_OFFICE), "mau-01-buu-chinh")
    has_all(found, "Nơi nhận kết quả: Qua dịch vụ bưu chính, địa chỉ nhận: Số 5 đường Hùng Vương, Tân Phú",
            "Phí, lệ phí: Không thu phí, lệ phí", "Trần Thị Thu Hà", BACK_OFFICE.name,
            "Thời gian giải quyết hồ sơ theo quy định: 1 ngày làm việc")
    assert "Người được ủy quyền" not in found


def test_control_sheet_lists_every_step(svc, clock, received):
    clock.set(datetime(2026, 3, 2, 9, 30))
    svc.change_status(received.code, S.PROCESSING, BACK_OFFICE, "Thụ lý, xác minh nơi sinh")
    clock.set(datetime(2026, 3, 4, 10, 0))
    svc.change_status(received.code, S.DONE, BACK_OFFICE, "Trình ký, đã có kết quả")
    found, _ = render(forms.control_sheet(svc, received.code), "mau-06-phieu-kiem-soat")
    has_all(found, *HEADER, "Mẫu số 06", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", received.code,
            "1. Người nộp hồ sơ: Nguyễn Văn An", "2. Thủ tục: Đăng ký khai sinh (1.001193)",
            "3. Thời gian nhận hồ sơ: 08 giờ 00 phút, ngày 02/03/2026",
            "4. Thời gian trả kết quả: 08 giờ 00 phút, ngày 09/03/2026",
            "5. Cơ quan, bộ phận giải quyết: Phòng Tư pháp",
            "08:00 02/03/2026", "09:30 02/03/2026", "10:00 04/03/2026", "Thụ lý, xác minh nơi sinh",
            "Trình ký, đã có kết quả", "Được tiếp nhận", "Đang xử lý", "Đã xử lý xong", "Lê Văn Cường")


def test_supplement_request_from_a_dossier_and_from_an_intake(svc, clock, received):
    svc.change_status(received.code, S.PROCESSING, BACK_OFFICE, "Thụ lý")
    clock.set(datetime(2026, 3, 3, 14, 0))
    svc.request_supplement(received.code, ["Giấy chứng sinh (bản chính)", "Giấy xác nhận nơi cư trú"],
                           BACK_OFFICE)
    found, _ = render(forms.supplement_request(svc, code=received.code), "mau-02-yeu-cau-bo-sung")
    has_all(found, *HEADER, "Mẫu số 02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Tân Phú, ngày 03/03/2026",
            f"Mã hồ sơ: {received.code}", "1. Họ và tên: Nguyễn Văn An",
            "5. Nội dung yêu cầu giải quyết: Đăng ký khai sinh (1.001193)",
            "– Giấy chứng sinh (bản chính)", "– Giấy xác nhận nơi cư trú", "NGƯỜI HƯỚNG DẪN", "Lê Văn Cường")
    record = svc.record_intake("incomplete", "1.001193", "TH1", applicant("Phạm Thùy Dương"), OFFICER,
                               missing=["Giấy chứng sinh"])
    found, _ = render(forms.supplement_request(svc, intake_id=record.id), "mau-02-tu-phieu-huong-dan")
    has_all(found, f"Số phiếu: {record.id}", "Phạm Thùy Dương", "– Giấy chứng sinh", OFFICER.name)
    assert "Giấy xác nhận nơi cư trú" not in found  # exactly what is missing, nothing else
    with pytest.raises(InvalidInput):
        forms.supplement_request(svc)
    with pytest.raises(Conflict):
        forms.supplement_request(svc, code=svc.receive_dossier("2.000908", "GIO", applicant(), OFFICER).code)


def test_refusal_carries_the_reason(svc):
    record = svc.record_intake("refused", "1.004227", "LICH", applicant("Đỗ Quốc Việt"), OFFICER,
                               reason="Thửa đất đang có tranh chấp, chưa đủ điều kiện đăng ký biến động")
    found, _ = render(forms.refusal(svc, record.id), "mau-03-tu-choi")
    has_all(found, *HEADER, "Mẫu số 03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Đỗ Quốc Việt",
            "Đăng ký biến động đất đai", "Lý do từ chối: Thửa đất đang có tranh chấp, chưa đủ điều kiện đăng ký biến động",
            "08 giờ 00 phút, ngày 02/03/2026", "NGƯỜI TIẾP NHẬN HỒ SƠ", OFFICER.name)
    incomplete = svc.record_intake("incomplete", "1.001193", "TH1", applicant(), OFFICER, missing=["x"])
    with pytest.raises(Conflict):
        forms.refusal(svc, incomplete.id)


def test_apology_letter_has_old_and_new_dates_and_reason(svc, clock, received):
    with pytest.raises(Conflict, match="chưa được gia hạn"):
        forms.apology(svc, received.code)
    clock.set(datetime(2026, 3, 6, 10, 0))
    svc.extend_due(received.code, datetime(2026, 3, 13, 16, 0), "Chờ kết quả xác minh nơi sinh", BACK_OFFICE)
    found, _ = render(forms.apology(svc, received.code), "mau-04-xin-loi")
    has_all(found, *HEADER, "Mẫu số 04", "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Tân Phú, ngày 06/03/2026",
            "Kính gửi: Ông/Bà Nguyễn Văn An",
            "1. Thời gian hẹn trả kết quả: 08 giờ 00 phút, ngày 09/03/2026",
            "2. Lý do chậm trả kết quả: Chờ kết quả xác minh nơi sinh",
            "3. Thời gian hẹn trả kết quả lần sau: 16 giờ 00 phút, ngày 13/03/2026", "Lê Văn Cường")


def test_stop_notice_for_a_withdrawn_dossier(svc, clock, received):
    with pytest.raises(Conflict):
        forms.stop_notice(svc, received.code)
    clock.set(datetime(2026, 3, 3, 9, 15))
    svc.change_status(received.code, S.WITHDRAWN, OFFICER, "Công dân có đơn xin rút hồ sơ")
    found, _ = render(forms.stop_notice(svc, received.code), "mau-05-thong-bao-dung")
    has_all(found, *HEADER, "Mẫu số 05", "THÔNG BÁO VỀ VIỆC RÚT HỒ SƠ THEO YÊU CẦU CỦA CÔNG DÂN",
            "3. Thời gian dừng: 09 giờ 15 phút, ngày 03/03/2026", "4. Lý do: Công dân có đơn xin rút hồ sơ")


def test_register_report_and_csv(svc, clock, received):
    svc.change_status(received.code, S.PROCESSING, BACK_OFFICE, "Thụ lý")
    clock.set(datetime(2026, 3, 4, 10, 0))
    svc.change_status(received.code, S.DONE, BACK_OFFICE, "Xong")
    svc.return_result(received.code, Collector("Nguyễn Văn An", "CCCD", "001203004567", "applicant"), OFFICER)
    other = svc.receive_dossier("2.000908", "GIO", applicant("Vũ Thị Ngọc Ánh", id_number="001303000123"), OFFICER)
    found, _ = render(forms.register(svc, date(2026, 3, 2), date(2026, 3, 4)), "mau-07-so-theo-doi")
    # wrapped table cells interleave in extracted text: whole cells are checked in the CSV below
    has_all(found, *HEADER[:2], "Mẫu số 07", "SỔ THEO DÕI HỒ SƠ", "Từ ngày 02/03/2026 đến ngày 04/03/2026",
            f"1 {received.code}", f"2 {other.code}", "08:00 02/03/2026", "08:00 09/03/2026", "10:00 04/03/2026",
            "Nguyễn Văn An", "Tổng số hồ sơ: 2")
    found, _ = render(forms.report_pdf(svc, date(2026, 3, 2), date(2026, 3, 4)), "bao-cao", pages=2)
    has_all(found, "BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ VÀ PHỤC VỤ", "Trước hạn", "Đúng hạn",
            "Quá hạn", "Hồ sơ đã giải quyết theo thời hạn", "Mức độ hài lòng")
    files = forms.report_csv(svc, date(2026, 3, 2), date(2026, 3, 4))
    assert all(t.startswith("\ufeff") for t in files.values())
    register = list(csv.reader(io.StringIO(files["so-theo-doi-ho-so-20260302-20260304.csv"].lstrip("\ufeff"))))
    assert register[0][:4] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Tên tổ chức, cá nhân"]
    assert [r[1] for r in register[1:]] == [received.code, other.code]
    assert register[1][2:7] == ["Đăng ký khai sinh", "Nguyễn Văn An", "Số 12 đường Lê Lợi, phường Bến Thành, 0912345678",
                                "Phòng Tư pháp", "08:00 02/03/2026"]
    assert register[1][9:] == ["Trước hạn", "10:00 04/03/2026", "Nguyễn Văn An", "Đã trả kết quả"]
    assert register[2][3] == "Vũ Thị Ngọc Ánh" and register[2][-1] == "Được tiếp nhận"
    on_time = list(csv.reader(io.StringIO(files["ho-so-dung-han-20260302-20260304.csv"].lstrip("\ufeff"))))
    assert on_time[1][:5] == ["2", "1", "1", "0", "0"]


def test_report_of_a_seeded_office_shows_its_figures(tmp_path):
    from demo.seed import seed_demo
    from office.config import OfficeConfig
    from office.service import OfficeService

    now = datetime(2026, 11, 20, 15, 0)
    svc = OfficeService.open(tmp_path / "demo.sqlite", OfficeConfig(), clock=lambda: now)
    seed_demo(svc, dossiers=300, tickets=300, days=10, now=now)
    first, last = date(2026, 11, 9), date(2026, 11, 20)
    r = svc.reports(first, last)
    found, _ = render(forms.report_pdf(svc, first, last), "bao-cao-van-phong-demo", pages=None)
    d = r["dossiers"]
    row = [d["received"], d["finished"], *d["by_timeliness"].values()]
    assert sum(row[2:]) == row[1] > 0
    has_all(found, " ".join(map(str, row)), "Lượt phục vụ theo dịch vụ", "Tỉ lệ hài lòng theo quầy (%)")
    for code, stats in r["tickets"]["per_counter"].items():
        name = next(c.name for c in svc.counters() if str(c.id) == code)
        has_all(found, f"{name} {stats['tickets']} {stats['served']} {stats['no_shows']}")
    svc.store.close()
