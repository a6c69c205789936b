"""Layout of the printed queue ticket as a 1-bit raster (Pillow + a TTF with Vietnamese glyphs).

Pure: no printer, no device library. The ticket shows the office name, the big number, the
service, the counter(s), dd/mm/yyyy HH:MM, people ahead, the estimated wait and a QR to rate the
service later (`RATE|<number>|<yyyy-mm-dd>|<token>`: the ticket's one-shot rating token, so only
the person served can rate; no personal data), or — when the office gives the hub's Wi-Fi address
(`hub_url`) — the ticket page's address `<hub_url>/phieu/<yyyy-mm-dd>/<number>/<token>`, which a
phone opens (live position, then the rating) and the kiosk reads as the same rating QR. Never a name (DESIGN.md §3.4).
Thermal printers cannot print Vietnamese text reliably through code pages, so the whole ticket
is one image (DESIGN.md §6).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from office.errors import InvalidInput
from office.model import TicketReceipt
from office.text import moment, nfc

FONTS = Path(__file__).resolve().parents[1] / "assets" / "fonts"
RATE_PREFIX = "RATE"
_RATE_RE = re.compile(r"RATE\|([A-Z]{1,3}\d{3,6})\|(\d{4}-\d{2}-\d{2})\|([0-9A-Z]{8})", re.ASCII)
TICKET_PAGE = "/phieu"
_PAGE_RE = re.compile(r"HTTPS?://[^\s/?#]+(?:/[^\s?#]*)?/PHIEU/(\d{4}-\d{2}-\d{2})/([A-Z]{1,3}\d{3,6})/([0-9A-Z]{8})",
                      re.ASCII)
DEFAULT_WIDTH = 512  # dots: 80 mm paper on TM-T88 class printers


@dataclass(frozen=True)
class TicketInfo:
    """Everything printed on a ticket (no personal data)."""

    office_name: str
    number: str
    service_name: str
    counters: tuple[str, ...]
    issued_at: datetime
    people_ahead: int
    wait_minutes: int
    priority_name: str | None = None
    reprint: bool = False
    rating_token: str = ""
    hub_url: str = ""  # the hub on the office Wi-Fi: the QR opens the ticket page on a phone


def rating_qr_payload(number: str, day: date, token: str, hub_url: str = "") -> str:
    """What the ticket's QR carries: `RATE|A102|2026-03-02|K7M2Q9XD`, or with the hub's address
    `http://192.168.1.10:8470/phieu/2026-03-02/A102/K7M2Q9XD`."""
    if hub_url:
        return f"{hub_url}{TICKET_PAGE}/{day:%Y-%m-%d}/{number}/{token}"
    return f"{RATE_PREFIX}|{number}|{day:%Y-%m-%d}|{token}"


def parse_rating_qr(text: str) -> tuple[str, date, str]:
    """(ticket number, day, rating token) from a ticket QR (either form); InvalidInput if it is
    not one."""
    cleaned = text.strip().upper()
    m = _RATE_RE.fullmatch(cleaned)
    page = None if m else _PAGE_RE.fullmatch(cleaned)
    if not (m or page):
        raise InvalidInput("Mã QR không phải mã đánh giá trên phiếu số thứ tự")
    number, day, token = (m.group(1), m.group(2), m.group(3)) if m else (page.group(2), page.group(1), page.group(3))
    try:
        return number, date.fromisoformat(day), token
    except ValueError:
        raise InvalidInput("Mã QR đánh giá có ngày không hợp lệ") from None


def ticket_info(receipt: TicketReceipt, office_name: str, priority_name: str | None = None,
                reprint: bool = False, hub_url: str = "") -> TicketInfo:
    """The printable content of a freshly issued ticket."""
    t = receipt.ticket
    return TicketInfo(office_name, t.number, receipt.service_name, receipt.counters, t.issued_at,
                      receipt.people_ahead, receipt.estimated_wait_minutes, priority_name, reprint,
                      receipt.rating_token, hub_url)


def _font(size: int, bold: bool = False, font_dir: Path = FONTS) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_dir / ("Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf")), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, line = [], ""
    for word in nfc(text).split():
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    return lines + ([line] if line else [])


def _fit(text: str, size: int, width: int, bold: bool) -> ImageFont.FreeTypeFont:
    """The largest font ≤ size at which `text` fits on one line."""
    while size > 12:
        font = _font(size, bold)
        if font.getlength(text) <= width:
            return font
        size -= 4
    return _font(12, bold)


def qr_matrix_image(payload: str, module: int, correction: str = "M") -> Image.Image:
    """A QR code (error correction `correction`: L, M, Q or H; 4-module quiet zone) as a grayscale image."""
    q = qrcode.QRCode(border=4, error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{correction}"))
    q.add_data(payload)
    q.make(fit=True)
    matrix = q.get_matrix()
    img = Image.new("L", (len(matrix[0]), len(matrix)), 255)
    img.putdata([0 if cell else 255 for row in matrix for cell in row])
    return img.resize((img.width * module, img.height * module), Image.NEAREST)


def render_ticket(info: TicketInfo, width: int = DEFAULT_WIDTH) -> Image.Image:
    """The ticket as a 1-bit image exactly `width` dots wide (fits the printer profile)."""
    margin = 16
    inner = width - 2 * margin
    canvas = Image.new("L", (width, 2000), 255)
    draw = ImageDraw.Draw(canvas)
    y = 8

    def text_block(text: str, size: int, bold: bool = False, gap: int = 6) -> None:
        nonlocal y
        font = _font(size, bold)
        for line in _wrap(text, font, inner):
            draw.text((width // 2, y), line, font=font, fill=0, anchor="ma")
            y += int(size * 1.22)
        y += gap

    def rule() -> None:
        nonlocal y
        draw.line([(margin, y), (width - margin, y)], fill=0, width=2)
        y += 12

    text_block(info.office_name.upper(), 24, bold=True)
    rule()
    text_block("SỐ THỨ TỰ" + (" (IN LẠI)" if info.reprint else ""), 26, bold=True, gap=0)
    big = _fit(info.number, 170, inner, bold=True)
    top, bottom = big.getbbox(info.number, anchor="ma")[1::2]
    draw.text((width // 2, y - top), info.number, font=big, fill=0, anchor="ma")
    y += bottom - top + 18
    text_block(info.service_name, 30, bold=True)
    if info.priority_name:
        text_block(f"Ưu tiên: {info.priority_name}", 24, bold=True, gap=0)
        text_block("(xuất trình giấy tờ khi đến quầy)", 20, gap=4)
    if info.counters:
        text_block("Mời đến: " + ", ".join(info.counters), 26)
    rule()
    wait = f"khoảng {info.wait_minutes} phút" if info.wait_minutes else "được phục vụ ngay"
    text_block(f"Số người chờ trước: {info.people_ahead}", 26, gap=0)
    text_block(f"Thời gian chờ dự kiến: {wait}", 24, gap=0)
    text_block(f"Lấy số lúc {moment(info.issued_at, date_first=True)}", 24)
    if info.rating_token:  # only the person served can rate: the QR carries the ticket's token
        # Level H: thermal paper shines under the kiosk's light, and a glare over the QR is the
        # commonest reason a ticket is not read (30 % of it may be lost; the QR grows by 4 modules).
        qr = qr_matrix_image(rating_qr_payload(info.number, info.issued_at.date(), info.rating_token,
                                                info.hub_url), module=5, correction="H")
        canvas.paste(qr, ((width - qr.width) // 2, y))
        y += qr.height + 2
        text_block("Quét mã bằng điện thoại (Wi-Fi của văn phòng) để theo dõi lượt gọi và đánh giá, hoặc "
                   "quét tại ki-ốt" if info.hub_url else "Quét mã tại ki-ốt để đánh giá sự hài lòng", 22, gap=0)
    text_block("Vui lòng chờ đến lượt gọi số. Xin cảm ơn!", 22, gap=10)
    ticket = canvas.crop((0, 0, width, y))
    return ticket.point(lambda v: 255 if v >= 128 else 0, mode="1")
