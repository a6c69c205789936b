"""Fees (phí, lệ phí) of a procedure case: flat per dossier, per unit (page, copy…) or exempt
(DESIGN.md §3.10), and the checks of a payment or a refund."""
from __future__ import annotations

from office.errors import Conflict, InvalidInput
from office.model import PAYMENT_METHODS, DossierStatus, ProcedureCase
from office.text import clean, money

MAX_UNITS = 10_000
REFUNDABLE = {DossierStatus.WITHDRAWN}  # a withdrawn dossier gets back what it paid


def fee_amount(case: ProcedureCase, units: int = 1, exemption: str = "") -> int:
    """VND due for a dossier of this case: the flat fee, the unit fee × `units`, or 0 when the
    case is free or the applicant is exempt (`exemption` says why)."""
    if not 1 <= units <= MAX_UNITS:
        raise InvalidInput(f"Số lượng tính phí phải từ 1 đến {MAX_UNITS}")
    if clean(exemption) or not case.fee:
        return 0
    return case.fee * (units if case.fee_unit else 1)


def fee_rule(case: ProcedureCase) -> str:
    """The fee of a case in words: "8.000 đồng", "2.000 đồng/trang" or "Miễn phí, lệ phí"."""
    if not case.fee:
        return "Miễn phí, lệ phí"
    return money(case.fee) + (f"/{case.fee_unit}" if case.fee_unit else "")


def check_payment(method: str, receipt_number: str, amount: int) -> str:
    """A payment's receipt number, cleaned; InvalidInput for an unknown method, a missing receipt
    number or an amount that is not positive."""
    if method not in PAYMENT_METHODS:
        raise InvalidInput("Hình thức nộp phí phải là cash (tiền mặt), transfer (chuyển khoản) "
                           "hoặc online (trực tuyến)")
    receipt_number = clean(receipt_number)
    if not receipt_number or len(receipt_number) > 60:
        raise InvalidInput("Cần ghi số biên lai thu phí, lệ phí (tối đa 60 ký tự)")
    if amount <= 0:
        raise InvalidInput("Số tiền phải lớn hơn 0")
    return receipt_number


def check_refund(status: DossierStatus, paid: int, amount: int) -> None:
    """A refund goes only to a withdrawn dossier, and never beyond what it paid."""
    if status not in REFUNDABLE:
        raise Conflict("Chỉ hoàn phí, lệ phí cho hồ sơ đã rút (trạng thái 7)")
    if amount > paid:
        raise InvalidInput(f"Số tiền hoàn ({money(amount)}) vượt số đã nộp ({money(paid)})")
