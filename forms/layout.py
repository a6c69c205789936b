"""Page layout shared by the A4 forms: Vietnamese fonts, the national heading, titles, numbered
fields, tables, barcodes and signature blocks (reportlab platypus)."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from office import text as office_text
from office.text import nfc

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian fonts-dejavu-core: full Vietnamese glyphs
FONT, BOLD = "FormSerif", "FormSerif-Bold"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSerif.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSerif-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


_register_fonts()


def style(size: float = 11, bold: bool = False, align: int = TA_LEFT, leading: float | None = None,
          indent: float = 0, space_after: float = 2) -> ParagraphStyle:
    """A paragraph style in the form font."""
    return ParagraphStyle("form", fontName=BOLD if bold else FONT, fontSize=size,
                          leading=leading or size * 1.3, alignment=align, leftIndent=indent,
                          spaceAfter=space_after)


BODY, BODY_BOLD = style(), style(bold=True)
SMALL, SMALL_CENTER = style(9.5), style(9.5, align=TA_CENTER)
CENTER = style(align=TA_CENTER)
RIGHT = style(align=TA_RIGHT)


def text(value: object) -> str:
    """Plain text made safe for a reportlab Paragraph (NFC, markup characters escaped)."""
    return escape(nfc(str(value)))


def p(markup: str, st: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of (already escaped) markup."""
    return Paragraph(markup, st)


def day(value: date | datetime | None) -> str:
    """dd/mm/yyyy, or dots to fill in by hand."""
    return office_text.day(value) if value else "…/…/……"


def moment(value: datetime | None) -> str:
    """"08 giờ 30 phút, ngày 02/03/2026"."""
    return f"{value:%H} giờ {value:%M} phút, ngày {day(value)}" if value else "…… giờ …… phút, ngày …/…/……"


def fee(vnd: int) -> str:
    """"8.000 đồng", or that nothing is charged."""
    return office_text.money(vnd) if vnd else "Không thu phí, lệ phí"


def heading(office: dict, form_number: str, place_day: date) -> list:
    """The national heading: office (left) and the nation and motto (right), the form number above
    them and "<place>, ngày dd/mm/yyyy" below (`office`: OfficeService.office())."""
    office_name, place = office["name"], office.get("place", "")
    left = [p(f"<b>{text(office_name.upper())}</b>", style(10.5, align=TA_CENTER)),
            p("―――――――", style(9, align=TA_CENTER, leading=9))]
    right = [p(f"<b>{NATION}</b>", style(10.5, align=TA_CENTER)),
             p(f"<b><u>{MOTTO}</u></b>", style(11, align=TA_CENTER))]
    table = Table([[left, right]], colWidths=[72 * mm, 98 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    where = f"{text(place)}, ngày {day(place_day)}" if place else f"Ngày {day(place_day)}"
    return [p(f"<b>{text(form_number)}</b>", style(9.5, align=TA_RIGHT)), table, Spacer(1, 2 * mm),
            p(where, style(11, align=TA_RIGHT)), Spacer(1, 3 * mm)]


def title(main: str, *subtitles: str) -> list:
    """A form title in capitals with optional lines under it."""
    out = [p(f"<b>{text(main.upper())}</b>", style(14, align=TA_CENTER, leading=18, space_after=4))]
    out += [p(text(s), style(11, align=TA_CENTER)) for s in subtitles]
    return out + [Spacer(1, 4 * mm)]


def fields(items: list[tuple[str, str]], start: int = 1) -> list:
    """Numbered fields "1. Label: value" (value already escaped markup)."""
    return [p(f"{n}. {text(label)}: {value}", style(11, space_after=2))
            for n, (label, value) in enumerate(items, start)]


def grid(header: list[str], rows: list[list], widths: list[float], size: float = 10) -> Table:
    """A bordered table with a bold header row; cells are text (escaped here) or flowables."""
    cell = style(size, leading=size * 1.25, space_after=0)
    head = style(size, bold=True, align=TA_CENTER, leading=size * 1.25, space_after=0)
    data = [[p(text(h), head) for h in header]]
    data += [[c if not isinstance(c, (str, int, float)) else p(text(c).replace("\n", "<br/>"), cell)
              for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    pad = 2 if size < 9 else 4
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    return table


def signatures(*blocks: tuple[str, str]) -> KeepTogether:
    """Signature blocks side by side: (role in capitals, printed name) each."""
    cells = [[p(f"<b>{text(role.upper())}</b>", CENTER), p("(Ký và ghi rõ họ tên)", SMALL_CENTER),
              Spacer(1, 18 * mm), p(f"<b>{text(name)}</b>" if name else "", CENTER)] for role, name in blocks]
    if len(blocks) == 1:  # a single signer signs on the right, as in official letters
        cells.insert(0, "")
    table = Table([cells], colWidths=[170 * mm / len(cells)] * len(cells))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 3 * mm), table])


def barcodes(code: str, secret: str) -> Table:
    """The receipt's machine-readable block: Code128 of the dossier code and QR of `code|secret`."""
    bar = code128.Code128(code, barHeight=14 * mm, barWidth=0.3 * mm, humanReadable=False, quiet=True)
    widget = qr.QrCodeWidget(f"{code}|{secret}", barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = 30 * mm
    qr_drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    qr_drawing.add(widget)
    left = [bar, Spacer(1, 1.5 * mm), p(f"<b>Mã hồ sơ: {text(code)}</b>", style(12)),
            p(f"Mã tra cứu: <b>{text(secret)}</b>", style(12)),
            p("Tra cứu tình trạng hồ sơ tại ki-ốt bằng cách quét mã QR, hoặc nhập mã hồ sơ và mã tra cứu.",
              SMALL)]
    table = Table([[left, qr_drawing]], colWidths=[130 * mm, 40 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                               ("BOX", (0, 0), (-1, -1), 0.5, colors.black)]))
    return table


def build(story: list, title_text: str, wide: bool = False) -> bytes:
    """Render flowables onto A4 (portrait, or landscape for registers) and return the PDF bytes."""
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(buffer, pagesize=size, leftMargin=20 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=nfc(title_text),
                            author="Bộ phận Một cửa", creator="mot-cua")

    def page_number(canvas, document):
        canvas.setFont(FONT, 8)
        canvas.drawRightString(size[0] - 15 * mm, 8 * mm, f"Trang {document.page}")

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
