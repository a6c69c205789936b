"""Page layout shared by the A4 forms, after the presentation rules of Nghị định 30/2020/NĐ-CP:
a Times-metric font (Liberation Serif), the two-line agency heading with "Số: …" on the left and
the national motto with the italic place and date on the right, titles, numbered fields, tables,
barcodes and QR codes, signature blocks (reportlab platypus)."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from forms.templates import Template
from office import text as office_text
from office.errors import Unavailable
from office.rules.codes import receipt_qr_payload
from office.text import nfc

# Debian fonts-liberation2: Liberation Serif has the metrics of Times New Roman (NĐ 30/2020) and
# every Vietnamese letter
FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation2"), Path("/usr/share/fonts/truetype/liberation"))
FONT, BOLD, ITALIC, BOLD_ITALIC = "FormSerif", "FormSerif-Bold", "FormSerif-Italic", "FormSerif-BoldItalic"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
WIDTH = 175 * mm  # the text width of a portrait page (margins 20 mm left, 15 mm right)
HEIGHT = A4[1] - 30 * mm - 1  # its text height (margins 15 mm top and bottom)


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = next((d for d in FONT_DIRS if (d / "LiberationSerif-Regular.ttf").exists()), None)
    if folder is None:
        raise Unavailable("Thiếu phông Liberation Serif: cài gói fonts-liberation2 (scripts/setup.sh)")
    for name, file in ((FONT, "Regular"), (BOLD, "Bold"), (ITALIC, "Italic"), (BOLD_ITALIC, "BoldItalic")):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"LiberationSerif-{file}.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)


_register_fonts()


def style(size: float = 12, bold: bool = False, align: int = TA_LEFT, leading: float | None = None,
          indent: float = 0, space_after: float = 1.5, italic: bool = False) -> ParagraphStyle:
    """A paragraph style in the form font."""
    font = (BOLD_ITALIC if italic else BOLD) if bold else ITALIC if italic else FONT
    return ParagraphStyle("form", fontName=font, fontSize=size, leading=leading or size * 1.2,
                          alignment=align, leftIndent=indent, spaceAfter=space_after)


BODY, BODY_BOLD = style(), style(bold=True)
JUSTIFIED = ParagraphStyle("letter", style(align=TA_JUSTIFY, space_after=4), firstLineIndent=10 * mm)
SMALL, SMALL_CENTER = style(10), style(10, align=TA_CENTER)
CENTER = style(align=TA_CENTER)
RIGHT = style(align=TA_RIGHT)


def text(value: object) -> str:
    """Plain text made safe for a reportlab Paragraph (NFC, markup characters escaped)."""
    return escape(nfc(str(value)))


def p(markup: str, st: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of (already escaped) markup."""
    return Paragraph(markup, st)


def day(value: date | datetime | None) -> str:
    """"ngày 02 tháng 3 năm 2026", or dots to fill in by hand."""
    return office_text.long_day(value) if value else "ngày …… tháng …… năm ……"


def moment(value: datetime | None) -> str:
    """"08 giờ 00 phút, ngày 02 tháng 3 năm 2026", or dots to fill in by hand."""
    return office_text.long_moment(value) if value else "…… giờ …… phút, ngày …… tháng …… năm ……"


def rule(width: float) -> Table:
    """A short horizontal line, centred (under the agency name and the motto)."""
    line = Table([[""]], colWidths=[width], rowHeights=[4])
    line.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, -1), 0.6, colors.black)]))
    line.hAlign = "CENTER"
    return line


def number_text(issued, symbol: str) -> str:
    """"Số: 15/GTN" for a numbered document, dots when it has no number."""
    return f"Số: {issued.number:02d}/{symbol}" if issued is not None else f"Số: ……/{symbol}"


def heading(office: dict, template: Template | None, place_day: date | datetime | None, number: str | None = None,
            width: float = WIDTH) -> list:
    """The heading of a form (or, without a template, of a report): its label and legal basis top
    right; on the left the superior
    authority above the unit (bold, a short line under it) and "Số: …"; on the right the nation,
    the motto (a line under it) and "<place>, ngày … tháng … năm …" in italics."""
    left_w = min(width * 0.42, 80 * mm)
    left = [p(text(office["superior"].upper()), style(12, align=TA_CENTER, space_after=0)),
            p(f"<b>{text(office['name'].upper())}</b>", style(12, align=TA_CENTER, space_after=3)),
            rule(left_w * 0.35)]
    if number:
        left.append(p(text(number), style(12.5, align=TA_CENTER, space_after=0)))
    right = [p(f"<b>{NATION}</b>", style(12, align=TA_CENTER, space_after=0)),
             p(f"<b>{MOTTO}</b>", style(13, align=TA_CENTER, space_after=3)),
             rule(46 * mm)]
    place = office.get("place", "")
    when = day(place_day)
    right.append(p(f"<i>{text(place)}, {when}</i>" if place else f"<i>{when[0].upper() + when[1:]}</i>",
                   style(13, align=TA_CENTER, space_after=0)))
    table = Table([[left, right]], colWidths=[left_w, width - left_w])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    if template is None:
        return [table, Spacer(1, 6 * mm)]
    label = p(f"<b>{text(template.label)}</b><br/><i>(Ban hành kèm theo {text(template.basis)})</i>",
              style(9, align=TA_RIGHT, leading=11, space_after=4))
    return [label, table, Spacer(1, 4 * mm)]


def title(main: str, *subtitles: str) -> list:
    """A form title in bold capitals with optional lines under it (already escaped markup)."""
    out = [p(f"<b>{text(main.upper())}</b>", style(14, align=TA_CENTER, leading=17, space_after=2))]
    out += [p(s, style(12.5, align=TA_CENTER, space_after=1)) for s in subtitles if s]
    return out + [Spacer(1, 3 * mm)]


def fields(items: list[tuple[str, str]], start: int | None = 1, st: ParagraphStyle = BODY) -> list:
    """Fields "1. Label: value" (value already escaped markup); unnumbered when `start` is None."""
    return [p(f"{'' if start is None else f'{n}. '}{text(label)}: {value}", st)
            for n, (label, value) in enumerate(items, start or 1)]


def grid(header: list[str] | list[list[str]], rows: list[list], widths: list[float], size: float = 11,
         spans: tuple = (), numeric: tuple[int, ...] = ()) -> Table:
    """A bordered table with a bold header (one row, or several with `spans` as (col0, row0, col1,
    row1) cell ranges); cells are text (escaped here) or flowables; `numeric` columns are centred."""
    plain = style(size, leading=size * 1.2, space_after=0)
    centred = style(size, leading=size * 1.2, space_after=0, align=TA_CENTER)
    head = style(size, bold=True, align=TA_CENTER, leading=size * 1.2, space_after=0)
    headers = header if header and isinstance(header[0], list) else [header]
    data = [[p(text(h), head) if isinstance(h, str) else h for h in row] for row in headers]
    data += [[c if not isinstance(c, (str, int, float)) else
              p(text(c).replace("\n", "<br/>"), centred if i in numeric else plain)
              for i, c in enumerate(row)] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=len(headers))
    pad = 2 if size < 9 else 3
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                               *(("SPAN", (a, b), (c, d)) for a, b, c, d in spans)]))
    return table


def signatures(*blocks: tuple[str, str]) -> Table:
    """Signature blocks side by side: (role in capitals, printed name) each (one row: never split)."""
    cells = [[p(f"<b>{text(role.upper())}</b>", CENTER), p("<i>(Ký và ghi rõ họ tên)</i>", SMALL_CENTER),
              Spacer(1, 14 * mm), p(f"<b>{text(name)}</b>" if name else "", CENTER)] for role, name in blocks]
    if len(blocks) == 1:  # a single signer signs on the right, as in official letters
        cells.insert(0, "")
    table = Table([cells], colWidths=[WIDTH / len(cells)] * len(cells))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2 * mm)]))
    return table


def letter_end(office: dict, recipients: list[str]) -> Table:
    """The end of a letter signed by the head of the agency: "Nơi nhận" on the left, the leader's
    title, "(Ký, ghi rõ họ tên và đóng dấu)" and name on the right."""
    leader = office["leader"]
    left = [p("<b><i>Nơi nhận:</i></b>", style(11, space_after=0))] + \
        [p(f"- {text(r)}", style(10.5, space_after=0)) for r in recipients]
    right = [p(f"<b>{text(leader['title'].upper())}</b>", CENTER),
             p("<i>(Ký, ghi rõ họ tên và đóng dấu)</i>", SMALL_CENTER), Spacer(1, 22 * mm),
             p(f"<b>{text(leader['name'])}</b>", CENTER)]
    table = Table([[left, right]], colWidths=[WIDTH * 0.45, WIDTH * 0.55])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 5 * mm)]))
    return table


def qr_drawing(payload: str, size: float) -> Drawing:
    """A QR code (error correction M) of `size` points."""
    widget = qr.QrCodeWidget(payload, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def barcodes(code: str, secret: str, public_url: str = "") -> Table:
    """The receipt's machine-readable block: Code128 of the dossier code and the QR of
    `codes.receipt_qr_payload` (the status page's address when the office has `public_url`)."""
    bar = code128.Code128(code, barHeight=14 * mm, barWidth=0.3 * mm, humanReadable=False, quiet=True)
    left = [bar, Spacer(1, 1 * mm), p(f"<b>Mã hồ sơ: {text(code)}</b>", style(12.5, space_after=0)),
            p(f"Mã tra cứu: <b>{text(secret)}</b>", style(12.5, space_after=0)),
            p("<i>Tra cứu tình trạng hồ sơ tại ki-ốt" + (" hoặc bằng điện thoại" if public_url else "")
              + ": quét mã QR, hoặc nhập mã hồ sơ và mã tra cứu.</i>", SMALL)]
    table = Table([[left, qr_drawing(receipt_qr_payload(code, secret, public_url), 30 * mm)]],
                  colWidths=[WIDTH - 40 * mm, 40 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                               ("BOX", (0, 0), (-1, -1), 0.5, colors.black)]))
    return table


def one_page(story: list) -> KeepInFrame:
    """Flowables kept on one portrait page, shrunk a little when they would not fit."""
    return KeepInFrame(WIDTH, HEIGHT, story, mode="shrink")


def build(story: list, title_text: str, wide: bool = False) -> bytes:
    """Render flowables onto A4 (portrait, or landscape for registers) and return the PDF bytes."""
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(buffer, pagesize=size, leftMargin=20 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=nfc(title_text),
                            author="Bộ phận Một cửa", creator="mot-cua")

    def page_number(canvas, document):
        canvas.setFont(FONT, 9)
        canvas.drawRightString(size[0] - 15 * mm, 8 * mm, f"Trang {document.page}")

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
