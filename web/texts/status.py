"""Words of the dossier status page (the receipt's QR, on the hub and the central server)."""

TEXTS = {
    "status.title": ("Tra cứu tình trạng hồ sơ", "Check your dossier"),
    "status.intro": ("Nhập mã hồ sơ và mã tra cứu (6 chữ số) in trên Giấy tiếp nhận hồ sơ, hoặc quét mã QR "
                     "trên giấy bằng camera điện thoại.",
                     "Enter the dossier code and the 6-digit lookup code printed on your receipt, or scan the "
                     "receipt's QR code with your phone's camera."),
    "status.code": ("Mã hồ sơ", "Dossier code"),
    "status.code_hint": ("Ví dụ: 000.31.20.H56-261202-0001", "For example: 000.31.20.H56-261202-0001"),
    "status.secret": ("Mã tra cứu (6 chữ số)", "Lookup code (6 digits)"),
    "status.submit": ("Tra cứu", "Look up"),
    "status.reading": ("Đang đọc mã trên giấy tiếp nhận…", "Reading the code from your receipt…"),
    "status.result_title": ("Tình trạng hồ sơ", "Dossier status"),
    "status.applicant": ("Người nộp", "Applicant"),
    "status.procedure": ("Thủ tục", "Procedure"),
    "status.status": ("Tình trạng", "Status"),
    "status.received": ("Ngày tiếp nhận", "Received"),
    "status.due": ("Ngày hẹn trả kết quả", "Appointment for the result"),
    "status.timeliness": ("Tiến độ", "Progress"),
    "status.next": ("Việc cần làm tiếp theo", "What to do next"),
    "status.steps": ("Quá trình giải quyết", "Processing steps"),
    "status.no_steps": ("Chưa có bước xử lý nào.", "No processing step yet."),
    "status.another": ("Tra cứu hồ sơ khác", "Check another dossier"),
    "status.central_note": ("Thông tin theo lần đồng bộ gần nhất của Bộ phận Một cửa với hệ thống của tỉnh, "
                            "kèm các bước do phòng chuyên môn cập nhật.",
                            "As of the one-stop office's last sync with the provincial system, with the steps "
                            "the departments have recorded since."),
    "status.not_synced": ("Chưa đồng bộ", "Not synced yet"),
    "status.not_found": ("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này. Vui lòng kiểm tra lại hai mã "
                         "trên Giấy tiếp nhận hồ sơ.",
                         "No dossier matches this dossier code and lookup code. Please check both codes on "
                         "your receipt."),
    "status.invalid": ("Mã hồ sơ hoặc mã tra cứu chưa đúng dạng. Mã tra cứu gồm 6 chữ số.",
                       "The dossier code or the lookup code is not in the right form. The lookup code has 6 "
                       "digits."),
    "status.limited": ("Đã nhập sai quá nhiều lần. Vui lòng thử lại sau {wait}, hoặc hỏi cán bộ tại "
                       "Bộ phận Một cửa.",
                       "Too many wrong attempts. Please try again in {wait}, or ask the one-stop "
                       "office staff."),
    "status.minutes": ("{n} phút", "{n} minutes"),
    "status.hours": ("{n} giờ", "{n} hours"),
    "status.expired": ("Trang đã hết hạn. Vui lòng tải lại trang và thử lại.",
                       "This page has expired. Please reload it and try again."),
    "status.unavailable": ("Hệ thống tạm thời không trả lời được. Vui lòng thử lại sau ít phút.",
                           "The system cannot answer right now. Please try again in a few minutes."),
}
