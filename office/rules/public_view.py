"""What the public may see of a dossier after a code + secret lookup (DESIGN.md §3.7) — the kiosk,
the hub's status page and the central server's all build it here: masked name, procedure, status,
dates, timeliness, the step timeline (departments and roles, never officer names) and what to do
next, in Vietnamese and English."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from office.model import DossierStatus, KioskDossierView, KioskStep, Timeliness
from office.rules.masking import mask_name
from office.text import moment

S = DossierStatus


def next_action(status: DossierStatus, due_at: datetime, where_vi: str) -> tuple[str, str]:
    """(Vietnamese, English) of what the citizen does next; `where_vi`: the counters (or office)
    that serve the dossier's field."""
    where_en = where_vi.replace("Quầy", "counter")
    due = f"{moment(due_at)}"
    return {
        S.NEW: ("Vui lòng đến Bộ phận Một cửa để được tiếp nhận hồ sơ.",
                "Please come to the one-stop office to have the dossier received."),
        S.RECEIVED: (f"Hồ sơ đang được giải quyết. Ngày hẹn trả kết quả: {due}.",
                     f"Your dossier is being processed. Appointment: {due}."),
        S.PROCESSING: (f"Hồ sơ đang được giải quyết. Ngày hẹn trả kết quả: {due}.",
                       f"Your dossier is being processed. Appointment: {due}."),
        S.SUPPLEMENT_REQUESTED: (
            f"Vui lòng mang giấy tờ bổ sung theo Phiếu yêu cầu bổ sung đến {where_vi}.",
            f"Please bring the documents listed in the supplement request to {where_en}."),
        S.FINANCIAL_OBLIGATION: (f"Vui lòng nộp phí, lệ phí hoặc nghĩa vụ tài chính tại {where_vi}.",
                                 f"Please pay the fees or financial obligation at {where_en}."),
        S.DONE: (f"Đã có kết quả. Mời ông/bà mang Giấy tiếp nhận đến {where_vi} để nhận.",
                 f"The result is ready. Please bring your receipt to {where_en} to collect it."),
        S.RETURNED: ("Đã trả kết quả. Mời ông/bà đánh giá mức độ hài lòng.",
                     "The result has been returned. Please rate our service."),
    }.get(status, (f"Hồ sơ đã kết thúc. Vui lòng liên hệ {where_vi} để biết chi tiết.",
                   f"The dossier is closed. Please ask at {where_en} for details."))


def public_view(code: str, applicant_name: str, procedure_name: str, status: DossierStatus,
                received_at: datetime, due_at: datetime, timeliness: Timeliness,
                steps: Iterable[tuple[datetime, str, str, DossierStatus]], where_vi: str,
                synced_at: datetime | None = None) -> KioskDossierView:
    """The public view; `steps` are (at, department, role, status) in order."""
    next_vi, next_en = next_action(status, due_at, where_vi)
    return KioskDossierView(
        code=code, masked_name=mask_name(applicant_name), procedure_name=procedure_name, status=status,
        status_label_vi=status.citizen_label_vi, status_label_en=status.citizen_label_en,
        received_at=received_at, due_at=due_at, timeliness=timeliness,
        steps=tuple(KioskStep(at, department, role, s.citizen_label_vi, s.citizen_label_en)
                    for at, department, role, s in steps),
        next_action_vi=next_vi, next_action_en=next_en, synced_at=synced_at)
