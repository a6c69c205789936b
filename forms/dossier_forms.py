"""The dossier forms a counter prints (TT 03/2025 Phụ lục I, Mẫu 01–06), as A4 PDF bytes.

Every function takes the office port (OfficeService embedded or HubClient) and reads what it
prints through it, so a counter prints the same forms embedded or against a hub. Labels, titles,
number symbols, copies and signers come from the form templates in force on the document's date
(`forms.templates`); numbers ("Số: 15/GTN") are the ones the office stored when the document was
issued, so a reprint carries the same number."""
from __future__ import annotations

from dataclasses import replace

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer, Table, TableStyle

from forms.layout import (
    JUSTIFIED,
    SMALL,
    WIDTH,
    barcodes,
    build,
    day,
    fields,
    grid,
    heading,
    letter_end,
    moment,
    number_text,
    one_page,
    p,
    qr_drawing,
    signatures,
    style,
    text,
    title,
)
from forms.templates import template
from office import text as fmt
from office.errors import Conflict, InvalidInput
from office.model import PAYMENT_METHODS, Applicant, Dossier, DossierStatus, ProcedureCase
from office.rules.calendar import result_timeliness
from office.rules.fees import fee_rule
from office.rules.identity import id_type_label
from office.rules.vietqr import purpose_for, vietqr_payload

S = DossierStatus
RECEPTION = "Bộ phận Một cửa"
RECEIPT = style(11.5, space_after=1)  # a copy of Mẫu 01 holds on one page


def _procedure(svc, d: Dossier):
    """(procedure, case) of a dossier; the case may be None if today's version dropped it."""
    procedure = svc.procedure(d.procedure_code)
    case = next((c for c in procedure.cases if c.code == d.case_code), None)
    return procedure, case


def _duration(case: ProcedureCase | None) -> str:
    if case is None:
        return "theo quy định"
    if case.same_day_cutoff is not None:
        return (f"trong ngày làm việc (nhận trước {case.same_day_cutoff:%H} giờ {case.same_day_cutoff:%M} phút; "
                "sau giờ đó trả trong ngày làm việc tiếp theo)")
    return fmt.duration(case.duration, case.unit)


def _dots(value: str) -> str:
    return text(value) if value else "…………………………"


def _person(a: Applicant) -> list[tuple[str, str]]:
    paper = f"{text(id_type_label(a.id_type))} số {text(a.id_number)}" if a.id_number else _dots("")
    return [("Họ và tên", f"<b>{text(a.name)}</b>"), ("Giấy tờ tùy thân", paper), ("Địa chỉ", _dots(a.address)),
            ("Số điện thoại", f"{_dots(a.phone)}&nbsp;&nbsp;&nbsp;&nbsp;Thư điện tử: {_dots(a.email)}")]


def _where_to_collect(svc, d: Dossier, field_code: str) -> str:
    if d.delivery == "postal":
        where = f"Qua dịch vụ bưu chính công ích, địa chỉ nhận: {text(d.delivery_address)}"
    else:
        services = {s.code for s in svc.services() if field_code in s.field_codes}
        counters = [c.name for c in svc.counters() if services & set(c.services)]
        office = svc.office()["name"]
        where = text(f"{', '.join(counters)} – {office}" if counters else office)
    return where + ("; kết quả điện tử gửi qua tài khoản dịch vụ công / thư điện tử" if d.e_result else "")


def _fee_text(d: Dossier, case: ProcedureCase | None) -> str:
    if d.fee_exemption:
        return f"Miễn phí, lệ phí ({text(d.fee_exemption)})"
    if not d.fee:
        return "Không thu phí, lệ phí"
    amount = text(fmt.money(d.fee))
    if case is not None and case.fee_unit:
        amount += text(f" ({d.fee_units} {case.fee_unit} × {fee_rule(case)})")
    paid = [p_ for p_ in d.payments if not p_.refund]
    receipts = "; ".join(f"biên lai số {p_.receipt_number} ({PAYMENT_METHODS[p_.method].lower()})" for p_ in paid)
    if d.amount_due == 0:
        return f"{amount} – đã nộp, {text(receipts)}"
    if paid:
        return f"{amount} – đã nộp {text(fmt.money(d.paid))} ({text(receipts)}), còn phải nộp " \
               f"<b>{text(fmt.money(d.amount_due))}</b>"
    return f"{amount} – chưa nộp"


def _vietqr(office: dict, d: Dossier) -> Table | None:
    """The transfer block for the amount due: a VietQR code and what a banking app will show."""
    bank = office.get("bank")
    if not bank or d.amount_due <= 0:
        return None
    purpose = purpose_for(d.code)
    payload = vietqr_payload(bank["bin"], bank["account"], d.amount_due, purpose)
    small = style(11, space_after=0)
    lines = [p("<b>Nộp phí, lệ phí bằng chuyển khoản (VietQR)</b>", small),
             p(f"Số tài khoản: <b>{text(bank['account'])}</b>" + (f" – {text(bank['name'])}" if bank["name"] else ""),
               small),
             p(f"Số tiền: <b>{text(fmt.money(d.amount_due))}</b>", small),
             p(f"Nội dung chuyển khoản: <b>{text(purpose)}</b>", small),
             p("<i>Quét mã bằng ứng dụng ngân hàng; nộp biên lai hoặc báo cán bộ khi đến nhận kết quả.</i>", SMALL)]
    table = Table([[lines, qr_drawing(payload, 25 * mm)]], colWidths=[WIDTH - 35 * mm, 35 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                               ("BOX", (0, 0), (-1, -1), 0.5, "black")]))
    return table


def receipt(svc, code: str, secret: str, staff=None) -> bytes:
    """Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, one page per copy ("Liên: Lưu", "Liên: Giao
    khách hàng"): its number, dossier code as text, Code128 and QR (`code|secret`, or the status
    page's address), lookup secret, applicant with e-mail, procedure, components, number of sets,
    statutory time, received and appointment times, where to collect, fees (with a VietQR code for
    what is still due), the register book and row, and both signatures.

    `secret` comes from the answer that issued it (`receive_dossier` or, for a reprint,
    `reissue_secret`): the office keeps only its keyed hash."""
    if not secret:
        raise InvalidInput("Giấy tiếp nhận cần mã tra cứu: in lại bằng cách cấp mã tra cứu mới")
    d = replace(svc.dossier(code), secret=secret)
    office = svc.office()
    procedure, case = _procedure(svc, d)
    form = template("01", d.received_at)
    issued = d.issued("01")
    receiver = staff.name if staff else (d.steps[0].actor if d.steps else "")
    pages = []
    for n, copy in enumerate(form.copies or ("",), 1):
        story = heading(office, form, d.received_at, number_text(issued, form.symbol))
        story += title(form.title, f"<i>(Liên {n}: {text(copy)})</i>" if copy else "")
        story += [barcodes(d.code, d.secret, office["public_url"]), Spacer(1, 3 * mm)]
        story.append(p(f"{text(office['name'])} tiếp nhận hồ sơ của:", RECEIPT))
        items = _person(d.applicant)
        if d.representative:
            rep = d.representative
            items.append(("Người được ủy quyền nộp hồ sơ",
                          f"{text(rep.name)}, {text(id_type_label(rep.id_type))} số {text(rep.id_number)}"))
        items.append(("Nội dung yêu cầu giải quyết", f"{text(procedure.name)} (mã thủ tục {text(procedure.code)})"
                      + (f" – {text(case.name)}" if case else "")))
        story += fields(items, start=None, st=RECEIPT)
        story.append(p("1. Thành phần hồ sơ nộp gồm:", RECEIPT))
        rows = [[str(i), c.name, str(c.originals), str(c.copies), c.note] for i, c in enumerate(d.components, 1)] \
            or [["", "(không lập danh mục tại quầy)", "", "", ""]]
        story += [grid(["STT", "Tên giấy tờ", "Bản chính", "Bản sao", "Ghi chú"], rows,
                       [12 * mm, 93 * mm, 20 * mm, 18 * mm, 32 * mm], size=10.5, numeric=(0, 2, 3)),
                  Spacer(1, 1.5 * mm)]
        story += fields([
            ("Số lượng hồ sơ", f"{d.sets:02d} (bộ)"),
            ("Thời gian giải quyết hồ sơ theo quy định", text(_duration(case))),
            ("Thời gian nhận hồ sơ", moment(d.received_at)),
            ("Thời gian trả kết quả giải quyết hồ sơ", f"<b>{moment(d.due_at)}</b>"),
            ("Đăng ký nhận kết quả tại", _where_to_collect(svc, d, procedure.field_code)),
            ("Phí, lệ phí", _fee_text(d, case)),
        ], start=2, st=RECEIPT)
        transfer = _vietqr(office, d)
        if transfer is not None:
            story += [Spacer(1, 1 * mm), transfer]
        book = f"{issued.year}" if issued else "……"
        row = f"{issued.number}" if issued else "……"
        story.append(p(f"Vào Sổ theo dõi hồ sơ, Quyển số: <b>{book}</b>, Số thứ tự: <b>{row}</b>", RECEIPT))
        story.append(signatures(("Người nộp hồ sơ", (d.representative or d.applicant).name),
                                ("Người tiếp nhận hồ sơ", receiver)))
        pages += [PageBreak()] * bool(pages) + [one_page(story)]
    return build(pages, f"Giấy tiếp nhận hồ sơ {d.code}")


def _departments(d: Dossier) -> tuple[str, list[str]]:
    """(the department that handles the dossier, the others that took part besides reception and
    the leaders who sign the result)."""
    handling = [s.department for s in d.steps if s.status in (S.PROCESSING, S.DONE)]
    main = handling[0] if handling else ""
    others = []
    for s in d.steps:
        if s.department not in (main, RECEPTION) and s.department not in others and s.actor != "Hệ thống Một cửa" \
                and s.status not in (S.RECEIVED, S.RETURNED, S.NEW, S.DONE):
            others.append(s.department)
    return main, others


def _handover(giver: str, taker: str) -> Table:
    """The signature cells of one hand-over: Người giao | Người nhận."""
    cell = style(9.5, align=TA_CENTER, leading=11, space_after=0)
    table = Table([[p("<b>Người giao</b>", cell), p("<b>Người nhận</b>", cell)],
                   [Spacer(1, 9 * mm), Spacer(1, 9 * mm)],
                   [p(text(giver), cell), p(text(taker), cell)]], colWidths=[27 * mm, 27 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 1),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 1)]))
    return table


def control_sheet(svc, code: str) -> bytes:
    """Mẫu 06 Phiếu kiểm soát quá trình giải quyết hồ sơ, from the dossier's append-only steps: the
    handling and coordinating agencies, one hand-over row per step (who handed over to whom, when,
    with signature cells, and the result before / on / after the appointment), the components with
    their digitisation, and notes (appointment changes, supplements, fees)."""
    d = svc.dossier(code)
    office = svc.office()
    procedure, _ = _procedure(svc, d)
    form = template("06", d.received_at)
    receipt_no = d.issued("01")
    main, others = _departments(d)
    story = heading(office, form, d.received_at)
    story += title(form.title, f"<b>Mã hồ sơ: {text(d.code)}</b>",
                   f"<i>(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả "
                   f"{text(number_text(receipt_no, template('01', d.received_at).symbol).replace('Số:', 'số'))})</i>")
    story += fields([("Người nộp hồ sơ", f"<b>{text(d.applicant.name)}</b>"),
                     ("Thủ tục", f"{text(procedure.name)} ({text(procedure.code)})"),
                     ("Thời gian nhận hồ sơ", moment(d.received_at)),
                     ("Thời gian hẹn trả kết quả", moment(d.due_at)),
                     ("Cơ quan (bộ phận) giải quyết hồ sơ", _dots(main)),
                     ("Cơ quan phối hợp giải quyết hồ sơ", text(", ".join(others)) if others else "Không")],
                    start=None)
    rows = []
    giver_dept, giver = "Người nộp hồ sơ", (d.representative or d.applicant).name
    for n, s in enumerate(d.steps, 1):
        result = result_timeliness(d.due_at, s.at).label_vi
        when = [p(text(moment(s.at)), style(10, space_after=2)), _handover(giver, s.actor)]
        rows.append([f"{n}. Giao: {giver_dept}\nNhận: {s.department}", when, result,
                     f"{s.status.value} – {s.status.label_vi}: {s.content}"])
        giver_dept, giver = s.department, s.actor
    story += [Spacer(1, 2 * mm),
              grid(["TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
                    "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", "GHI CHÚ"],
                   rows, [36 * mm, 58 * mm, 27 * mm, 54 * mm], size=10)]
    parts = [[str(i), c.name, str(c.originals), str(c.copies), str(c.pages or ""), "Có" if c.digitized else "",
              "Có" if c.reused else ""] for i, c in enumerate(d.components, 1)] or \
        [["", "(không lập danh mục tại quầy)", "", "", "", "", ""]]
    story += [Spacer(1, 3 * mm), p("<b>Thành phần hồ sơ và số hóa</b>"),
              grid(["STT", "Tên giấy tờ", "Bản chính", "Bản sao", "Số trang scan", "Được số hóa",
                    "Được tái sử dụng"], parts, [10 * mm, 75 * mm, 16 * mm, 16 * mm, 19 * mm, 19 * mm, 20 * mm],
                   size=10, numeric=(0, 2, 3, 4, 5, 6)),
              p(f"Kết quả giải quyết điện tử: <b>{'Có' if d.e_result else 'Không'}</b>", style(11))]
    notes = [f"Hẹn trả lần đầu: {fmt.moment(d.original_due_at)}"]
    notes += [f"{fmt.moment(c.at)}: hẹn trả {fmt.moment(c.old_due)} → {fmt.moment(c.new_due)} ({c.reason})"
              for c in d.due_changes]
    if d.supplement_count:
        notes.append(f"Số lần yêu cầu bổ sung: {d.supplement_count}"
                     + (f", hạn bổ sung {fmt.moment(d.supplement_due)}" if d.supplement_due else ""))
    notes += [f"{'Hoàn' if y.refund else 'Thu'} {fmt.money(y.amount)}, biên lai số {y.receipt_number}, "
              f"{fmt.moment(y.at)}" for y in d.payments]
    story += [Spacer(1, 2 * mm), p("<b>GHI CHÚ:</b>")] + [p(f"– {text(n)}", style(11, space_after=0)) for n in notes]
    return build(story, f"Phiếu kiểm soát {d.code}")


def supplement_request(svc, code: str | None = None, intake_id: int | None = None) -> bytes:
    """Mẫu 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ, numbered: from a dossier asked for a
    supplement (what is missing, the officer's reason, the deadline) or from an intake record of an
    incomplete dossier; who to contact and the office's phone."""
    if (code is None) == (intake_id is None):
        raise InvalidInput("Cần đúng một trong hai: mã hồ sơ hoặc số phiếu hướng dẫn")
    deadline = None
    if code is not None:
        d = svc.dossier(code)
        if not d.supplement_missing:
            raise Conflict(f"Hồ sơ {d.code} chưa có yêu cầu bổ sung")
        step = next(s for s in reversed(d.steps) if s.status == S.SUPPLEMENT_REQUESTED)
        person, procedure_code, missing, at, staff = d.applicant, d.procedure_code, d.supplement_missing, step.at, \
            step.actor
        reason = d.supplement_note
        issued, reference = d.issued("02"), f"Mã hồ sơ: {d.code}"
        deadline = d.supplement_due if d.status == S.SUPPLEMENT_REQUESTED else None
    else:
        record = svc.intake(intake_id)
        if record.kind != "incomplete":
            raise Conflict(f"Phiếu số {record.id} là phiếu từ chối, không phải hướng dẫn bổ sung")
        person, procedure_code, missing, at, staff = record.applicant, record.procedure_code, record.missing, \
            record.at, record.staff
        reason, issued, reference = record.reason, record.number, ""
    office = svc.office()
    procedure = svc.procedure(procedure_code)
    form = template("02", at)
    story = heading(office, form, at, number_text(issued, form.symbol))
    story += title(form.title, *([f"<b>{text(reference)}</b>"] if reference else []))
    story.append(p(f"{text(office['name'])} tiếp nhận hồ sơ của:"))
    story += fields(_person(person) + [("Nội dung yêu cầu giải quyết",
                                        f"{text(procedure.name)} ({text(procedure.code)})")], start=None)
    story.append(p("Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:"))
    story += [p(f"{n}. {text(m)}", style(12, indent=6 * mm)) for n, m in enumerate(missing, 1)]
    reason = text(reason) if reason else "hồ sơ chưa có đủ các thành phần nêu trên theo quy định của thủ tục."
    story.append(p(f"Lý do: {reason}", JUSTIFIED))
    if deadline is not None:
        story.append(p(f"Thời hạn bổ sung: chậm nhất <b>{moment(deadline)}</b>; quá thời hạn này hồ sơ sẽ được xử lý "
                       "theo quy định của thủ tục hành chính.", JUSTIFIED))
    story.append(p(f"Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, ông/bà liên hệ với {text(staff)}, số điện "
                   f"thoại {text(office['phone'])} để được hướng dẫn.", JUSTIFIED))
    story.append(signatures(("Người nộp hồ sơ", person.name), ("Người hướng dẫn", staff)))
    return build(story, f"Phiếu yêu cầu bổ sung {reference or intake_id}")


def refusal(svc, intake_id: int | None = None, code: str | None = None) -> bytes:
    """Mẫu 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ, numbered, with the reason: from an intake
    record refused at the counter, or a dossier refused later (an online dossier not accepted, a
    supplement deadline passed)."""
    if (code is None) == (intake_id is None):
        raise InvalidInput("Cần đúng một trong hai: số phiếu hoặc mã hồ sơ")
    if intake_id is not None:
        record = svc.intake(intake_id)
        if record.kind != "refused":
            raise Conflict(f"Phiếu số {record.id} là hướng dẫn bổ sung, không phải phiếu từ chối")
        person, procedure_code, at, reason, staff, issued = record.applicant, record.procedure_code, record.at, \
            record.reason, record.staff, record.number
        reference = ""
    else:
        d = svc.dossier(code)
        if d.status != S.REFUSED:
            raise Conflict(f"Hồ sơ {d.code} không bị từ chối (trạng thái {d.status.value} {d.status.label_vi})")
        last = _entered(d)
        person, procedure_code, at, reason, staff, issued = d.applicant, d.procedure_code, last.at, last.content, \
            last.actor, d.issued("03")
        reference = f"Mã hồ sơ: {d.code}"
    office = svc.office()
    procedure = svc.procedure(procedure_code)
    form = template("03", at)
    story = heading(office, form, at, number_text(issued, form.symbol))
    story += title(form.title, *([f"<b>{text(reference)}</b>"] if reference else []))
    story.append(p(f"{text(office['name'])} tiếp nhận hồ sơ đề nghị giải quyết thủ tục "
                   f"<b>{text(procedure.name)}</b> ({text(procedure.code)}) của:", JUSTIFIED))
    story += fields(_person(person), start=None)
    story.append(p(f"Thời gian: {moment(at)}.", JUSTIFIED))
    story.append(p(f"Qua xem xét, {text(office['name'])} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do "
                   f"cụ thể như sau: <b>{text(reason)}</b>", JUSTIFIED))
    story.append(p("Xin thông báo để ông/bà được biết và thực hiện./.", JUSTIFIED))
    story.append(signatures(("Người nộp hồ sơ", person.name), ("Người tiếp nhận hồ sơ", staff)))
    return build(story, f"Phiếu từ chối {reference or intake_id}")


def apology(svc, code: str) -> bytes:
    """Mẫu 04 Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết, from the dossier's last
    extension (issued no later than the appointment date it moves): numbered, the old and new
    appointment dates and the reason, signed by the head of the agency."""
    d = svc.dossier(code)
    extension = next((c for c in reversed(d.due_changes) if c.kind == "extension"), None)
    if extension is None:
        raise Conflict(f"Hồ sơ {d.code} chưa được gia hạn: hãy ghi ngày hẹn mới và lý do trước khi in")
    office = svc.office()
    procedure, _ = _procedure(svc, d)
    form = template("04", extension.at)
    issued = next((f for f in reversed(d.forms) if f.form == "04" and f.at == extension.at), d.issued("04"))
    story = heading(office, form, extension.at, number_text(issued, form.symbol))
    story += title(form.title)
    story.append(p(f"Kính gửi: Ông/Bà <b>{text(d.applicant.name)}</b>", style(13, align=TA_CENTER)))
    story.append(Spacer(1, 2 * mm))
    name = text(office["name"])
    story += [p(x, JUSTIFIED) for x in (
        f"Ngày {day(d.received_at).removeprefix('ngày ')}, {name} tiếp nhận giải quyết hồ sơ đề nghị "
        f"<b>{text(procedure.name)}</b> của ông/bà, mã hồ sơ <b>{text(d.code)}</b>.",
        f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {moment(extension.old_due)}.",
        f"Tuy nhiên đến nay, {name} chưa trả kết quả giải quyết hồ sơ của ông/bà.",
        f"Lý do: {text(extension.reason)}.",
        f"Sự chậm trễ này đã gây phiền hà cho ông/bà. {name} xin lỗi ông/bà và đề nghị gia hạn thời gian giải "
        f"quyết; thời gian hẹn trả kết quả lần sau: <b>{moment(extension.new_due)}</b>.",
        "Mong nhận được sự thông cảm của ông/bà./.")]
    story.append(letter_end(office, ["Như trên;", f"Lưu: VT, {RECEPTION}."]))
    return build(story, f"Văn bản xin lỗi {d.code}")


def _entered(d: Dossier):
    """The step that brought the dossier to its present status (later steps, e.g. a refund, keep it)."""
    i = len(d.steps) - 1
    while i > 0 and d.steps[i - 1].status == d.status:
        i -= 1
    return d.steps[i]


def stop_notice(svc, code: str) -> bytes:
    """Mẫu 05 Thông báo dừng giải quyết hồ sơ, numbered and signed by the head of the agency: a
    dossier stopped (status 8) or withdrawn at the citizen's request (status 7), with the reason
    recorded in its last step and any fee refunded."""
    d = svc.dossier(code)
    if d.status not in (S.STOPPED, S.WITHDRAWN):
        raise Conflict(f"Hồ sơ {d.code} không bị dừng hay rút (trạng thái {d.status.value} {d.status.label_vi})")
    office = svc.office()
    procedure, _ = _procedure(svc, d)
    stop = _entered(d)
    form = template("05", stop.at)
    name = text(office["name"])
    why = ("Ông/bà có đơn đề nghị rút hồ sơ. " if d.status == S.WITHDRAWN else "") + text(stop.content)
    story = heading(office, form, stop.at, number_text(d.issued("05"), form.symbol))
    story += title(form.title)
    story.append(p(f"Kính gửi: Ông/Bà <b>{text(d.applicant.name)}</b>", style(13, align=TA_CENTER)))
    story.append(Spacer(1, 2 * mm))
    story += [p(x, JUSTIFIED) for x in (
        f"{name} tiếp nhận hồ sơ của ông/bà lúc {moment(d.received_at)}, mã hồ sơ <b>{text(d.code)}</b>, đề nghị "
        f"giải quyết thủ tục <b>{text(procedure.name)}</b> ({text(procedure.code)}).",
        f"{name} thông báo dừng giải quyết hồ sơ nêu trên kể từ {moment(stop.at)}.",
        f"Lý do: {why}{'' if why.endswith('.') else '.'}",
        f"Hồ sơ và giấy tờ kèm theo được trả lại cho ông/bà tại {name}.")]
    refunds = [y for y in d.payments if y.refund]
    if refunds:
        story.append(p("Phí, lệ phí đã nộp được hoàn trả: " + "; ".join(
            text(f"{fmt.money(y.amount)} (chứng từ số {y.receipt_number})") for y in refunds) + ".", JUSTIFIED))
    story.append(p("Xin thông báo để ông/bà được biết./.", JUSTIFIED))
    story.append(letter_end(office, ["Như trên;", f"Lưu: VT, {RECEPTION}."]))
    return build(story, f"Thông báo dừng {d.code}")
