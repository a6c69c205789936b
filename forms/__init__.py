"""A4 forms the counter prints (TT 03/2025 Phụ lục I, Mẫu 01–07) and the office report, as PDF
bytes rendered with reportlab; every function reads through the office port (OfficeService or
HubClient)."""
from forms.dossier_forms import apology, control_sheet, receipt, refusal, stop_notice, supplement_request
from forms.reports import register, report_csv, report_pdf

__all__ = ["apology", "control_sheet", "receipt", "refusal", "register", "report_csv", "report_pdf",
           "stop_notice", "supplement_request"]
