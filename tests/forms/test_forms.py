"""The A4 forms of TT 03/2025 (Mẫu 01–07), rendered for real: each PDF is rasterised with
pdftoppm (PNGs kept in test-artifacts/forms/ for people to look at), its text extracted with
pdftotext and checked field by field against DESIGN.md §3.6; its fonts are read with pdffonts;
the receipt's QR codes and Code128 are decoded with the kiosk's decoder, the lookup QR looked up
on the kiosk side and the VietQR payload's CRC checked."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from office_support import BACK_OFFICE, LEADER, OFFICER, applicant, move

import forms
from devices.decoders import ScanPipeline, ZxingDecoder, read_image, validate
from forms.layout import heading
from forms.templates import template
from office.errors import Conflict, InvalidInput
from office.model import Applicant, Collector, DossierStatus, ReceivedComponent
from office.rules.vietqr import crc16_ccitt_false, read_vietqr

S = DossierStatus
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "forms"
HEADER = ["UBND XÃ TÂN PHÚ", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ TÂN PHÚ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
          "Độc lập - Tự do - Hạnh phúc", "(Ban hành kèm theo Thông tư số 03/2025/TT-VPCP)"]
CHECKLIST = (ReceivedComponent("Tờ khai đăng ký khai sinh", 1, 0, pages=2, digitized=True),
             ReceivedComponent("Giấy chứng sinh", 1, 2, "bản sao có chứng thực", pages=1, digitized=True, reused=True))
NAME = "Nguyễn Thị Phương Thảo"
REP = Applicant("Lê Thị Hồng Nhung", "CCCD", "079190001234", "0987654321", "Thôn Đông, xã Tân Phú")
BANK = {"bank_bin": "970415", "bank_account": "113366668888", "bank_account_name": "TRUNG TAM PVHCC XA TAN PHU"}


def render(pdf: bytes, name: str, dpi: int = 110, pages: int | None = 1) -> tuple[str, Path]:
    """Save the PDF (A4, `pages` pages, every font Liberation Serif), rasterise its first page to PNG
    (the others to name-N.png) and return (its text with spaces collapsed, the first page's PNG)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info and re.search(rf"^Pages:\s+{pages or ''}", info, re.M), info
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    embedded = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if " yes " in line}
    # every font drawn is Liberation Serif (Times metrics); ReportLab also declares, unembedded and
    # unused, the base fonts its canvas and drawings start with
    assert embedded and all(n.startswith("LiberationSerif") for n in embedded), fonts
    assert {line.split()[0] for line in fonts.splitlines()[2:] if " no  no " in line} <= {"Helvetica", "Times-Roman"}
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
def received(make_svc):
    """A birth registration received Monday 02/03/2026 08:00 with a checklist, a representative,
    two sets, an e-mail, nothing paid yet, and an office with a bank account for transfers."""
    svc = make_svc(**BANK)
    d = svc.receive_dossier("1.001193", "TH5", applicant(NAME, email="thao.nguyen@example.vn"), OFFICER,
                            "Khai sinh cho con", components=CHECKLIST, representative=REP, sets=2)
    return svc, d


def test_the_template_in_force_follows_the_document_date():
    assert template("04", date(2026, 3, 2)).title == "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
    assert template("04", date(2025, 6, 30)).title == "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
    assert (template("06", date(2026, 3, 2)).label, template("06", date(2024, 1, 1)).label) == (
        "Mẫu số 06", "Mẫu số 02")  # TT 01/2018 numbered the control sheet 02
    assert template("05", date(2020, 1, 1)).effective_from == date(2025, 7, 1)  # no older stop notice


def test_receipt_form_01_field_by_field(received):
    svc, d = received
    found, png = render(forms.receipt(svc, d.code, d.secret), "mau-01-giay-tiep-nhan", pages=2)
    assert png.stat().st_size > 20_000
    has_all(found, *HEADER, "Mẫu số 01", "Số: 01/GTN", "Tân Phú, ngày 02 tháng 3 năm 2026",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "(Liên 1: Lưu)", "(Liên 2: Giao khách hàng)",
            f"Mã hồ sơ: {d.code}", f"Mã tra cứu: {d.secret}",
            "Trung tâm Phục vụ hành chính công xã Tân Phú tiếp nhận hồ sơ của:",
            f"Họ và tên: {NAME}", "Giấy tờ tùy thân: Thẻ căn cước / Căn cước công dân số 001203004567",
            "Địa chỉ: Số 12 đường Lê Lợi, phường Bến Thành", "Số điện thoại: 0912345678",
            "Thư điện tử: thao.nguyen@example.vn",
            "Người được ủy quyền nộp hồ sơ: Lê Thị Hồng Nhung, Thẻ căn cước / Căn cước công dân số 079190001234",
            "Nội dung yêu cầu giải quyết: Đăng ký khai sinh (mã thủ tục 1.001193) – Khai sinh – xác minh",
            "1. Thành phần hồ sơ nộp gồm:", "1 Tờ khai đăng ký khai sinh 1 0", "2 Giấy chứng sinh 1 2",
            "bản sao có chứng thực", "2. Số lượng hồ sơ: 02 (bộ)",
            "3. Thời gian giải quyết hồ sơ theo quy định: 5 ngày làm việc",
            "4. Thời gian nhận hồ sơ: 08 giờ 00 phút, ngày 02 tháng 3 năm 2026",
            "5. Thời gian trả kết quả giải quyết hồ sơ: 08 giờ 00 phút, ngày 09 tháng 3 năm 2026",
            "6. Đăng ký nhận kết quả tại: Quầy 1, Quầy 2 – Trung tâm Phục vụ hành chính công xã Tân Phú",
            "7. Phí, lệ phí: 8.000 đồng – chưa nộp", "Nộp phí, lệ phí bằng chuyển khoản (VietQR)",
            "Số tài khoản: 113366668888 – TRUNG TAM PVHCC XA TAN PHU", "Số tiền: 8.000 đồng",
            f"Nội dung chuyển khoản: {d.code}", "Vào Sổ theo dõi hồ sơ, Quyển số: 2026, Số thứ tự: 1",
            "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", "Lê Thị Hồng Nhung", OFFICER.name)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", found)  # no ISO dates on paper
    assert found.count("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") >= 2  # one per copy
    fonts = subprocess.run(["pdffonts", str(ARTIFACTS / "mau-01-giay-tiep-nhan.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert "LiberationSerif-Italic" in fonts and "LiberationSerif-Bold" in fonts


def test_the_heading_sets_place_and_date_in_italics_and_the_unit_in_bold(svc):
    """NĐ 30/2020: the superior authority plain, the unit bold, the place and date in italics."""
    table = heading(svc.office(), template("01", date(2026, 3, 2)), date(2026, 3, 2), "Số: 01/GTN")[1]
    left, right = table._cellvalues[0]
    faces = {"".join(f.text for f in para.frags): {f.fontName for f in para.frags}
             for para in left + right if hasattr(para, "frags")}
    assert faces == {"UBND XÃ TÂN PHÚ": {"FormSerif"},
                     "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ TÂN PHÚ": {"FormSerif-Bold"},
                     "Số: 01/GTN": {"FormSerif"}, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM": {"FormSerif-Bold"},
                     "Độc lập - Tự do - Hạnh phúc": {"FormSerif-Bold"},
                     "Tân Phú, ngày 02 tháng 3 năm 2026": {"FormSerif-Italic"}}


def test_receipt_qr_codes_decode_the_lookup_and_the_transfer(received):
    svc, d = received
    _, png = render(forms.receipt(svc, d.code, d.secret), "mau-01-200dpi", dpi=200, pages=2)
    gray = ScanPipeline().gray(read_image(png))
    found = ZxingDecoder().decode(gray)
    texts = {t for _, t in found}
    lookup = next(t for t in texts if "|" in t)
    qr, bar = validate("qr", lookup), validate("code128", next(t for s, t in found if s == "code128"))
    assert (qr.code, qr.secret) == (d.code, d.secret) and (bar.code, bar.secret) == (d.code, None)
    assert svc.kiosk_lookup(qr.code, qr.secret).masked_name == "Nguyễn T*** P*** T*"
    payload = next(t for t in texts if t.startswith("000201"))
    assert f"{crc16_ccitt_false(payload[:-4].encode()):04X}" == payload[-4:]  # CRC recomputed
    transfer = read_vietqr(payload)
    assert (transfer.bank_bin, transfer.account, transfer.amount, transfer.purpose, transfer.currency) == (
        "970415", "113366668888", 8000, d.code, "704")


def test_receipt_paid_postal_same_day_and_no_bank(svc, clock):
    clock.set(datetime(2026, 3, 2, 15, 20))
    d = svc.receive_dossier("2.000908", "NGAY", applicant("Trần Thị Thu Hà"), BACK_OFFICE, fee_units=5,
                            payment_method="cash", receipt_number="0012345", delivery="postal",
                            delivery_address="Số 5 đường Hùng Vương, xã Tân Phú", e_result=True)
    found, _ = render(forms.receipt(svc, d.code, d.secret), "mau-01-da-nop-buu-chinh", pages=2)
    has_all(found, "Trần Thị Thu Hà", BACK_OFFICE.name, "Thư điện tử: …",
            "3. Thời gian giải quyết hồ sơ theo quy định: trong ngày làm việc (nhận trước 15 giờ 00 phút; "
            "sau giờ đó trả trong ngày làm việc tiếp theo)",
            "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 03 tháng 3 năm 2026",
            "6. Đăng ký nhận kết quả tại: Qua dịch vụ bưu chính công ích, địa chỉ nhận: Số 5 đường Hùng Vương, xã "
            "Tân Phú; kết quả điện tử",
            "7. Phí, lệ phí: 10.000 đồng (5 trang × 2.000 đồng/trang) – đã nộp, biên lai số 0012345 (tiền mặt)",
            "(không lập danh mục tại quầy)")
    assert "Người được ủy quyền" not in found and "VietQR" not in found


def test_control_sheet_form_06_field_by_field(received):
    svc, d = received
    svc.clock.set(datetime(2026, 3, 2, 9, 30))
    move(svc, d.code, S.PROCESSING, BACK_OFFICE, "Thụ lý, xác minh nơi sinh")
    coordinating = BACK_OFFICE.__class__("Vũ Minh Tuấn", "Công chức", "Công an xã Tân Phú")
    svc.clock.set(datetime(2026, 3, 3, 10, 0))
    move(svc, d.code, S.FINANCIAL_OBLIGATION, coordinating, "Xác minh cư trú của người mẹ")
    svc.clock.set(datetime(2026, 3, 4, 10, 0))
    move(svc, d.code, S.PROCESSING, BACK_OFFICE, "Đã có kết quả xác minh")
    svc.clock.set(datetime(2026, 3, 10, 10, 0))  # after the 09/03 08:00 appointment
    move(svc, d.code, S.DONE, LEADER, "Ký giấy khai sinh")
    found, _ = render(forms.control_sheet(svc, d.code), "mau-06-phieu-kiem-soat", pages=None)
    has_all(found, *HEADER, "Mẫu số 06", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", f"Mã hồ sơ: {d.code}",
            "(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả số 01/GTN)",
            f"Người nộp hồ sơ: {NAME}", "Thủ tục: Đăng ký khai sinh (1.001193)",
            "Thời gian nhận hồ sơ: 08 giờ 00 phút, ngày 02 tháng 3 năm 2026",
            "Thời gian hẹn trả kết quả: 08 giờ 00 phút, ngày 09 tháng 3 năm 2026",
            "Cơ quan (bộ phận) giải quyết hồ sơ: Phòng Tư pháp",
            "Cơ quan phối hợp giải quyết hồ sơ: Công an xã Tân Phú",
            "TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ", "KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "(Trước hạn/đúng hạn/quá hạn)",
            "1. Giao: Người nộp hồ sơ", "Nhận: Bộ phận Một cửa", "2. Giao: Bộ phận Một cửa", "Nhận: Phòng Tư pháp",
            "Người giao", "Người nhận", "09 giờ 30 phút, ngày 02 tháng 3 năm 2026", "Trước hạn", "Quá hạn",
            "Thụ lý, xác minh nơi sinh", "Xác minh cư trú của người mẹ", "Vũ Minh Tuấn", "Hoàng Văn Sơn",
            "Thành phần hồ sơ và số hóa", "Số trang scan", "Được số hóa", "Được tái sử dụng",
            "1 Tờ khai đăng ký khai sinh 1 0 2 Có", "2 Giấy chứng sinh 1 2 1 Có Có",
            "Kết quả giải quyết điện tử: Không", "GHI CHÚ:", "Hẹn trả lần đầu: 08:00 09/03/2026")


def test_supplement_request_form_02_from_a_dossier_and_from_an_intake(received):
    svc, d = received
    move(svc, d.code, S.PROCESSING)
    svc.clock.set(datetime(2026, 3, 3, 14, 0))
    svc.request_supplement(d.code, ["Giấy chứng sinh (bản chính)", "Giấy xác nhận nơi cư trú của người mẹ"],
                           BACK_OFFICE, "Bản sao giấy chứng sinh bị mờ ngày sinh, cần đối chiếu bản chính")
    found, _ = render(forms.supplement_request(svc, code=d.code), "mau-02-yeu-cau-bo-sung")
    has_all(found, *HEADER, "Mẫu số 02", "Số: 01/PBS", "Tân Phú, ngày 03 tháng 3 năm 2026",
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", f"Mã hồ sơ: {d.code}", f"Họ và tên: {NAME}",
            "Thư điện tử: thao.nguyen@example.vn", "Nội dung yêu cầu giải quyết: Đăng ký khai sinh (1.001193)",
            "1. Giấy chứng sinh (bản chính)", "2. Giấy xác nhận nơi cư trú của người mẹ",
            "Lý do: Bản sao giấy chứng sinh bị mờ ngày sinh, cần đối chiếu bản chính",
            "Thời hạn bổ sung: chậm nhất 14 giờ 00 phút, ngày 17 tháng 3 năm 2026",
            f"liên hệ với {BACK_OFFICE.name}, số điện thoại 0251 3868 000 để được hướng dẫn",
            "NGƯỜI HƯỚNG DẪN", BACK_OFFICE.name)
    record = svc.record_intake("incomplete", "1.001193", "TH1", applicant("Phạm Thùy Dương"), OFFICER,
                               missing=["Giấy chứng sinh"])
    found, _ = render(forms.supplement_request(svc, intake_id=record.id), "mau-02-tu-phieu-huong-dan")
    has_all(found, "Số: 02/PBS", "Phạm Thùy Dương", "1. Giấy chứng sinh", OFFICER.name,
            "Lý do: hồ sơ chưa có đủ các thành phần nêu trên theo quy định của thủ tục.")
    assert "Giấy xác nhận nơi cư trú" not in found and "Thời hạn bổ sung" not in found
    with pytest.raises(InvalidInput):
        forms.supplement_request(svc)
    with pytest.raises(Conflict):
        forms.supplement_request(svc, code=svc.receive_dossier("2.000908", "GIO", applicant(), OFFICER).code)


def test_refusal_form_03_from_the_counter_and_for_an_online_dossier(svc, clock):
    record = svc.record_intake("refused", "1.004227", "LICH", applicant("Đỗ Quốc Việt"), OFFICER,
                               reason="Thửa đất đang có tranh chấp, chưa đủ điều kiện đăng ký biến động")
    found, _ = render(forms.refusal(svc, record.id), "mau-03-tu-choi")
    has_all(found, *HEADER, "Mẫu số 03", "Số: 01/PTC", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Đỗ Quốc Việt",
            "Đăng ký biến động đất đai", "thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: "
            "Thửa đất đang có tranh chấp, chưa đủ điều kiện đăng ký biến động",
            "Thời gian: 08 giờ 00 phút, ngày 02 tháng 3 năm 2026", "NGƯỜI TIẾP NHẬN HỒ SƠ", OFFICER.name)
    online = svc.receive_dossier("1.001193", "TH5", applicant(), OFFICER, channel=2)
    clock.set(datetime(2026, 3, 3, 9, 0))
    svc.change_status(online.code, S.REFUSED, OFFICER, "Hồ sơ thuộc thẩm quyền của UBND xã nơi cư trú")
    found, _ = render(forms.refusal(svc, code=online.code), "mau-03-tu-choi-truc-tuyen")
    has_all(found, "Số: 02/PTC", f"Mã hồ sơ: {online.code}", "Hồ sơ thuộc thẩm quyền của UBND xã nơi cư trú")
    incomplete = svc.record_intake("incomplete", "1.001193", "TH1", applicant(), OFFICER, missing=["x"])
    with pytest.raises(Conflict):
        forms.refusal(svc, incomplete.id)


def test_apology_form_04_is_signed_by_the_head_of_the_agency(received):
    svc, d = received
    with pytest.raises(Conflict, match="chưa được gia hạn"):
        forms.apology(svc, d.code)
    svc.clock.set(datetime(2026, 3, 6, 10, 0))
    svc.extend_due(d.code, datetime(2026, 3, 13, 16, 0), "Chờ kết quả xác minh nơi sinh tại tỉnh khác", BACK_OFFICE)
    found, _ = render(forms.apology(svc, d.code), "mau-04-xin-loi")
    has_all(found, *HEADER, "Mẫu số 04", "Số: 01/VBXL", "Tân Phú, ngày 06 tháng 3 năm 2026",
            "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT", f"Kính gửi: Ông/Bà {NAME}",
            "Ngày 02 tháng 3 năm 2026, Trung tâm Phục vụ hành chính công xã Tân Phú tiếp nhận giải quyết hồ sơ",
            f"mã hồ sơ {d.code}", "Thời gian hẹn trả kết quả giải quyết hồ sơ: 08 giờ 00 phút, ngày 09 tháng 3 năm 2026",
            "Lý do: Chờ kết quả xác minh nơi sinh tại tỉnh khác",
            "thời gian hẹn trả kết quả lần sau: 16 giờ 00 phút, ngày 13 tháng 3 năm 2026",
            "Nơi nhận:", "- Như trên;", "GIÁM ĐỐC", "(Ký, ghi rõ họ tên và đóng dấu)", "Nguyễn Văn Hùng")
    assert BACK_OFFICE.name not in found  # the clerk who recorded it does not sign the letter


def test_stop_notice_form_05_for_a_withdrawal_with_refund(received):
    svc, d = received
    svc.record_payment(d.code, "cash", "0000789", OFFICER)
    with pytest.raises(Conflict):
        forms.stop_notice(svc, d.code)
    svc.clock.set(datetime(2026, 3, 3, 9, 15))
    move(svc, d.code, S.WITHDRAWN, OFFICER, "Công dân nộp đơn xin rút hồ sơ để bổ sung giấy tờ")
    svc.record_payment(d.code, "cash", "HT-0001", OFFICER, refund=True)
    found, _ = render(forms.stop_notice(svc, d.code), "mau-05-thong-bao-dung")
    has_all(found, *HEADER, "Mẫu số 05", "Số: 01/TB", "Tân Phú, ngày 03 tháng 3 năm 2026",
            "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", f"Kính gửi: Ông/Bà {NAME}",
            "thông báo dừng giải quyết hồ sơ nêu trên kể từ 09 giờ 15 phút, ngày 03 tháng 3 năm 2026",
            "Lý do: Ông/bà có đơn đề nghị rút hồ sơ. Công dân nộp đơn xin rút hồ sơ để bổ sung giấy tờ",
            "Phí, lệ phí đã nộp được hoàn trả: 8.000 đồng (chứng từ số HT-0001)", "GIÁM ĐỐC", "Nguyễn Văn Hùng")


def test_register_form_07_report_and_csv(received):
    svc, d = received
    move(svc, d.code, S.PROCESSING)
    svc.clock.set(datetime(2026, 3, 4, 10, 0))
    move(svc, d.code, S.DONE, content="Xong")
    svc.record_payment(d.code, "transfer", "FT26063000111", OFFICER)
    svc.return_result(d.code, Collector("Lê Thị Hồng Nhung", "CCCD", "079190001234", "representative", "GUQ 3/2026"),
                      OFFICER)
    other = svc.receive_dossier("2.000908", "GIO", applicant("Vũ Thị Ngọc Ánh", id_number="001303000123"), OFFICER)
    found, _ = render(forms.register(svc, date(2026, 3, 2), date(2026, 3, 4)), "mau-07-so-theo-doi")
    # wrapped table cells interleave in extracted text: whole cells are checked in the CSV below
    has_all(found, *HEADER[2:], "Mẫu số 07", "SỔ THEO DÕI HỒ SƠ", "Quyển số: 2026",
            "Từ ngày 02 tháng 3 năm 2026 đến ngày 04 tháng 3 năm 2026", "Số lượng hồ sơ (bộ)", "Ngày, tháng, năm",
            "Chuyển hồ sơ", "Nhận kết quả", "Ký nhận", "Ghi chú",
            f"1 {d.code}", f"2 {other.code}", "Tổng số hồ sơ: 2")
    found, _ = render(forms.report_pdf(svc, date(2026, 3, 2), date(2026, 3, 4)), "bao-cao", pages=None)
    has_all(found, "BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ VÀ PHỤC VỤ", "Trước hạn", "Đúng hạn",
            "Quá hạn", "II. Phí, lệ phí", "đã thu: 8.000 đồng", "Chuyển khoản 1 8.000 đồng",
            "V. Tự đánh giá chỉ số chất lượng phục vụ (Quyết định số 766/QĐ-TTg)", "Tỷ lệ hồ sơ giải quyết đúng hạn",
            "Kết thúc đúng hoặc trước hạn: 1", "100,0%", "Tỷ lệ số hóa hồ sơ", "50,0%")
    files = forms.report_csv(svc, date(2026, 3, 2), date(2026, 3, 4))
    assert all(t.startswith("\ufeff") for t in files.values())
    register = list(csv.reader(io.StringIO(files["so-theo-doi-ho-so-20260302-20260304.csv"].lstrip("\ufeff"))))
    assert register[0] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
                           "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Nhận hồ sơ", "Hẹn trả kết quả",
                           "Chuyển hồ sơ đến cơ quan giải quyết", "Nhận kết quả từ cơ quan giải quyết",
                           "Trả kết quả cho cá nhân, tổ chức", "Ký nhận", "Ghi chú"]
    assert register[1] == ["1", d.code, "Đăng ký khai sinh", "02", NAME,
                           "Số 12 đường Lê Lợi, phường Bến Thành, 0912345678", "Phòng Tư pháp", "08:00 02/03/2026",
                           "08:00 09/03/2026", "08:00 02/03/2026", "10:00 04/03/2026", "10:00 04/03/2026", "",
                           "Trước hạn; Đã trả kết quả; Người nhận: Lê Thị Hồng Nhung"]
    assert register[2][:5] == ["2", other.code, "Chứng thực bản sao từ bản chính", "01", "Vũ Thị Ngọc Ánh"]
    assert register[2][-1] == "Được tiếp nhận"
    quality = {r[0]: r for r in csv.reader(io.StringIO(files["chi-so-qd766-20260302-20260304.csv"].lstrip("\ufeff")))}
    assert quality["2.1"][-1] == "100,0%" and quality["4.2"][-2] == "Hồ sơ tiếp nhận trong kỳ: 2; Có thành phần được số hóa: 1"
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
    quality = {i["code"]: i for i in r["qd766"]}
    assert all(quality[c]["value"] is not None for c in ("2.1", "2.2", "3.3", "3.6", "4.1", "4.2", "4.3", "5.4"))
    svc.store.close()


def test_a_copy_of_form_01_holds_on_one_page_with_a_long_checklist(make_svc):
    svc = make_svc(**BANK)
    long_checklist = CHECKLIST + tuple(
        ReceivedComponent(name, 1, 1, "bản sao có chứng thực", pages=3, digitized=True) for name in (
            "Văn bản ủy quyền có chứng thực của Ủy ban nhân dân cấp xã nơi người ủy quyền cư trú",
            "Giấy tờ chứng minh nơi cư trú của cha, mẹ (trường hợp đăng ký khai sinh tại nơi cư trú)",
            "Giấy chứng nhận kết hôn của cha, mẹ (nếu có)",
            "Văn bản xác nhận của cơ sở y tế nơi trẻ sinh ra"))
    d = svc.receive_dossier("1.001193", "TH5", applicant("Tôn Nữ Thị Hoàng Phương Quỳnh", email="quynh.tnhp@example.vn",
                                                         address="Số 128/4 đường Nguyễn Thị Minh Khai, khu phố 3, "
                                                                 "xã Tân Phú, tỉnh Đồng Nai"),
                            OFFICER, components=long_checklist, representative=REP, sets=2)
    svc.record_payment(d.code, "cash", "0004567", OFFICER, amount=3000)
    found, _ = render(forms.receipt(svc, d.code, d.secret), "mau-01-danh-muc-dai", pages=2)
    has_all(found, "6 Văn bản xác nhận của cơ sở y tế nơi trẻ sinh ra", "còn phải nộp 5.000 đồng",
            "Số tiền: 5.000 đồng", "Tôn Nữ Thị Hoàng Phương Quỳnh")
