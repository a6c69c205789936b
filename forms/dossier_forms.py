"""The dossier forms of TT 03/2025 Phụ lục I a counter prints (Mẫu 01–06), as A4 PDF bytes.

Every function takes the office port (OfficeService embedded or HubClient) and reads what it
prints through it, so a counter prints the same forms embedded or against a hub."""
from __future__ import annotations

from dataclasses import replace

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from forms.layout import BODY, barcodes, build, day, fee, fields, grid, heading, moment, p, signatures, text, title
from office import text as fmt
from office.errors import Conflict, InvalidInput
from office.model import Actor, Applicant, Dossier, DossierStatus
from office.rules.identity import id_type_label

S = DossierStatus
def _procedure(svc, d: Dossier):
    """(procedure, case) of a dossier; the case may be None if today's version dropped it."""
    procedure = svc.procedure(d.procedure_code)
    case = next((c for c in procedure.cases if c.code == d.case_code), None)
    return procedure, case


def _duration(case) -> str:
    return fmt.duration(case.duration, case.unit) if case is not None else "theo quy định"


def _person(a: Applicant) -> list[tuple[str, str]]:
    paper = f"{text(id_type_label(a.id_type))} số {text(a.id_number)}" if a.id_number else "…………………"
    return [("Họ và tên", f"<b>{text(a.name)}</b>"), ("Giấy tờ tùy thân", paper),
            ("Số điện thoại", text(a.phone) or "…………………"), ("Địa chỉ", text(a.address) or "…………………")]


def _where_to_collect(svc, d: Dossier, field_code: str) -> str:
    if d.delivery == "postal":
        return f"Qua dịch vụ bưu chính, địa chỉ nhận: {text(d.delivery_address)}"
    services = {s.code for s in svc.services() if field_code in s.field_codes}
    counters = [c.name for c in svc.counters() if services & set(c.services)]
    office = svc.office()["name"]
    return text(f"{', '.join(counters)} – {office}" if counters else office)


def _header(svc, number: str, when) -> list:
    return heading(svc.office(), number, when)


def receipt(svc, code: str, secret: str, staff: Actor | None = None) -> bytes:
    """Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả: dossier code as text, Code128 and QR
    (`code|secret`), lookup secret, applicant, procedure, components, statutory time, received
    and appointment times, where to collect, fees and both signatures.

    `secret` comes from the answer that issued it (`receive_dossier` or, for a reprint,
    `reissue_secret`): the office keeps only its keyed hash."""
    if not secret:
        raise InvalidInput("Giấy tiếp nhận cần mã tra cứu: in lại bằng cách cấp mã tra cứu mới")
    d = replace(svc.dossier(code), secret=secret)
    procedure, case = _procedure(svc, d)
    receiver = staff.name if staff else (d.steps[0].actor if d.steps else "")
    story = _header(svc, "Mẫu số 01", d.received_at)
    story += title("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    story += [barcodes(d.code, d.secret), Spacer(1, 4 * mm)]
    story.append(p(f"{text(svc.office()['name'])} đã tiếp nhận hồ sơ của:", BODY))
    items = _person(d.applicant)
    if d.representative:
        rep = d.representative
        items.append(("Người được ủy quyền nộp hồ sơ",
                      f"{text(rep.name)}, {text(id_type_label(rep.id_type))} số {text(rep.id_number)}"))
    items.append(("Nội dung yêu cầu giải quyết",
                  f"{text(procedure.name)} (mã thủ tục {text(procedure.code)})"
                  + (f" – {text(case.name)}" if case else "")))
    story += fields(items)
    story.append(p(f"{len(items) + 1}. Thành phần hồ sơ và số lượng hồ sơ:", BODY))
    rows = [[str(n), c.name, str(c.originals), str(c.copies), c.note]
            for n, c in enumerate(d.components, 1)] or [["", "(không lập danh mục tại quầy)", "", "", ""]]
    story += [grid(["STT", "Tên giấy tờ", "Bản chính", "Bản sao", "Ghi chú"], rows,
                   [14 * mm, 86 * mm, 20 * mm, 18 * mm, 32 * mm]), Spacer(1, 2 * mm)]
    charged = fee(d.fee) + ((" – đã nộp" if d.fee_paid else " – chưa nộp") if d.fee else "")
    story += fields([
        ("Số lượng hồ sơ", "01 bộ"),
        ("Thời gian giải quyết hồ sơ theo quy định", text(_duration(case))),
        ("Thời gian nhận hồ sơ", moment(d.received_at)),
        ("Thời gian trả kết quả giải quyết hồ sơ", f"<b>{moment(d.due_at)}</b>"),
        ("Nơi nhận kết quả", _where_to_collect(svc, d, procedure.field_code)),
        ("Phí, lệ phí", text(charged)),
    ], start=len(items) + 2)
    story.append(p("Vào sổ theo dõi hồ sơ, quyển số: ……… số thứ tự: ………", BODY))
    story.append(signatures(("Người nộp hồ sơ", (d.representative or d.applicant).name),
                            ("Người tiếp nhận hồ sơ", receiver)))
    return build(story, f"Giấy tiếp nhận hồ sơ {d.code}")


def control_sheet(svc, code: str) -> bytes:
    """Mẫu 06 Phiếu kiểm soát quá trình giải quyết hồ sơ: every processing step (who handed over,
    who received, when, the result) from the dossier's append-only steps."""
    d = svc.dossier(code)
    procedure, case = _procedure(svc, d)
    story = _header(svc, "Mẫu số 06", d.received_at)
    story += title("Phiếu kiểm soát quá trình giải quyết hồ sơ", f"Mã hồ sơ: {d.code}")
    story += fields([("Người nộp hồ sơ", f"<b>{text(d.applicant.name)}</b>"),
                     ("Thủ tục", f"{text(procedure.name)} ({text(procedure.code)})"),
                     ("Thời gian nhận hồ sơ", moment(d.received_at)),
                     ("Thời gian trả kết quả", moment(d.due_at)),
                     ("Cơ quan, bộ phận giải quyết", text(_department(d) or "…………………"))])
    rows = [[str(n), fmt.moment(s.at), f"{s.department}\n{s.actor} – {s.role}", s.content,
             s.status.label_vi, ""] for n, s in enumerate(d.steps, 1)]
    story += [Spacer(1, 2 * mm),
              grid(["STT", "Thời gian giao, nhận", "Bộ phận / người xử lý", "Nội dung xử lý", "Trạng thái",
                    "Ký nhận"], rows, [10 * mm, 24 * mm, 40 * mm, 48 * mm, 28 * mm, 20 * mm], size=9)]
    if d.due_changes:
        story.append(Spacer(1, 3 * mm))
        story.append(p("Thay đổi ngày hẹn trả: " + "; ".join(
            text(f"{fmt.moment(c.old_due)} → {fmt.moment(c.new_due)} ({c.reason})") for c in d.due_changes)))
    return build(story, f"Phiếu kiểm soát {d.code}")


def _department(d: Dossier) -> str:
    return next((s.department for s in d.steps if s.status == S.PROCESSING), "")


def supplement_request(svc, code: str | None = None, intake_id: int | None = None) -> bytes:
    """Mẫu 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: from a dossier asked for a supplement
    (status 5) or from an intake record of an incomplete dossier; lists exactly what is missing."""
    if (code is None) == (intake_id is None):
        raise InvalidInput("Cần đúng một trong hai: mã hồ sơ hoặc số phiếu hướng dẫn")
    if code is not None:
        d = svc.dossier(code)
        if not d.supplement_missing:
            raise Conflict(f"Hồ sơ {d.code} chưa có yêu cầu bổ sung")
        step = next(s for s in reversed(d.steps) if s.status == S.SUPPLEMENT_REQUESTED)
        person, procedure_code, missing, at, staff = d.applicant, d.procedure_code, d.supplement_missing, step.at, \
            step.actor
        reference = f"Mã hồ sơ: {d.code}"
    else:
        record = svc.intake(intake_id)
        if record.kind != "incomplete":
            raise Conflict(f"Phiếu số {record.id} là phiếu từ chối, không phải hướng dẫn bổ sung")
        person, procedure_code, missing, at, staff = record.applicant, record.procedure_code, record.missing, \
            record.at, record.staff
        reference = f"Số phiếu: {record.id}"
    procedure = svc.procedure(procedure_code)
    story = _header(svc, "Mẫu số 02", at)
    story += title("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", reference)
    story.append(p(f"{text(svc.office()['name'])} tiếp nhận hồ sơ của:"))
    story += fields(_person(person) + [("Nội dung yêu cầu giải quyết",
                                        f"{text(procedure.name)} ({text(procedure.code)})")])
    story.append(p("Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:"))
    story += [p(f"– {text(m)}", BODY) for m in missing]
    story.append(p("Lý do: hồ sơ chưa đầy đủ thành phần theo quy định của thủ tục hành chính."))
    story.append(p("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ Bộ phận Một cửa để "
                   "được hướng dẫn. Xin trân trọng cảm ơn!"))
    story.append(signatures(("Người nộp hồ sơ", person.name), ("Người hướng dẫn", staff)))
    return build(story, f"Phiếu yêu cầu bổ sung {reference}")


def refusal(svc, intake_id: int) -> bytes:
    """Mẫu 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ, with the reason."""
    record = svc.intake(intake_id)
    if record.kind != "refused":
        raise Conflict(f"Phiếu số {record.id} là hướng dẫn bổ sung, không phải phiếu từ chối")
    procedure = svc.procedure(record.procedure_code)
    story = _header(svc, "Mẫu số 03", record.at)
    story += title("Phiếu từ chối tiếp nhận giải quyết hồ sơ", f"Số phiếu: {record.id}")
    story.append(p(f"{text(svc.office()['name'])} tiếp nhận hồ sơ đề nghị giải quyết thủ tục "
                   f"<b>{text(procedure.name)}</b> ({text(procedure.code)}) của:"))
    story += fields(_person(record.applicant))
    story.append(p(f"Thời gian: {moment(record.at)}."))
    story.append(p(f"Qua xem xét, hồ sơ không đủ điều kiện tiếp nhận. <b>Lý do từ chối:</b> {text(record.reason)}"))
    story.append(p("Xin thông báo để ông/bà được biết và thực hiện."))
    story.append(signatures(("Người nộp hồ sơ", record.applicant.name), ("Người tiếp nhận hồ sơ", record.staff)))
    return build(story, f"Phiếu từ chối {record.id}")


def apology(svc, code: str) -> bytes:
    """Mẫu 04 Phiếu xin lỗi và hẹn lại ngày trả kết quả, from the dossier's last extension: the old
    and new appointment dates and the reason."""
    d = svc.dossier(code)
    extension = next((c for c in reversed(d.due_changes) if c.kind == "extension"), None)
    if extension is None:
        raise Conflict(f"Hồ sơ {d.code} chưa được gia hạn: hãy ghi ngày hẹn mới và lý do trước khi in")
    procedure, _ = _procedure(svc, d)
    story = _header(svc, "Mẫu số 04", extension.at)
    story += title("Phiếu xin lỗi và hẹn lại ngày trả kết quả", f"Mã hồ sơ: {d.code}")
    story.append(p(f"Kính gửi: Ông/Bà <b>{text(d.applicant.name)}</b>"))
    story.append(p(f"Ngày {day(d.received_at)}, {text(svc.office()['name'])} tiếp nhận giải quyết hồ sơ "
                   f"<b>{text(procedure.name)}</b> của ông/bà, mã hồ sơ {text(d.code)}."))
    story += fields([("Thời gian hẹn trả kết quả", moment(extension.old_due)),
                     ("Lý do chậm trả kết quả", text(extension.reason)),
                     ("Thời gian hẹn trả kết quả lần sau", f"<b>{moment(extension.new_due)}</b>")])
    story.append(p("Sự chậm trễ này đã gây phiền hà cho ông/bà. Chúng tôi xin lỗi ông/bà và sẽ trả kết quả "
                   "đúng thời gian hẹn trên. Mong ông/bà thông cảm."))
    officer = next((s.actor for s in reversed(d.steps) if s.content.startswith("Gia hạn")), "")
    story.append(signatures(("Thủ trưởng cơ quan, đơn vị", officer)))
    return build(story, f"Phiếu xin lỗi {d.code}")


def stop_notice(svc, code: str) -> bytes:
    """Mẫu 05 Thông báo dừng giải quyết hồ sơ (stopped, status 8) or about a withdrawn dossier
    (status 7), with the reason recorded in its last step."""
    d = svc.dossier(code)
    if d.status not in (S.STOPPED, S.WITHDRAWN):
        raise Conflict(f"Hồ sơ {d.code} không bị dừng hay rút (trạng thái {d.status.value} {d.status.label_vi})")
    procedure, _ = _procedure(svc, d)
    last = d.steps[-1]
    what = "dừng giải quyết hồ sơ" if d.status == S.STOPPED else "rút hồ sơ theo yêu cầu của công dân"
    story = _header(svc, "Mẫu số 05", last.at)
    story += title(f"Thông báo về việc {what}", f"Mã hồ sơ: {d.code}")
    story.append(p(f"Kính gửi: Ông/Bà <b>{text(d.applicant.name)}</b>"))
    story += fields([("Thủ tục", f"{text(procedure.name)} ({text(procedure.code)})"),
                     ("Thời gian nhận hồ sơ", moment(d.received_at)),
                     ("Thời gian dừng", moment(last.at)),
                     ("Lý do", text(last.content)),
                     ("Bộ phận xử lý", text(last.department))])
    story.append(p("Hồ sơ và giấy tờ kèm theo được trả lại cho ông/bà tại Bộ phận Một cửa."))
    story.append(signatures(("Người nhận thông báo", d.applicant.name), ("Người thông báo", last.actor)))
    return build(story, f"Thông báo dừng {d.code}")
