"""Where everything goes on the hall board, for any screen and any office (no Kivy here).

Sizes are shares of the screen's short side, so one layout serves 1920×1080, 1080×1920 and
1366×768 alike. The readability rule: what people read across the hall (the spotlight, ticket
numbers and counters in the recent calls and the counters panel) has capital letters at least
1/200 of the viewing distance tall — about 17′ of arc, three times the letters of 20/20 acuity —
so 50 mm at 10 m. A 55" 16:9 TV is 685 mm tall: at 1080 px that is 79 px of cap height, and
Roboto's capitals are 0.711 em, so the font is at least 111 px = FAR × the short side. NEAR text
(titles, clock, notice) reads from 5 m, SMALL (service names) from 4 m; why a counter is paused
is a DETAIL for people near it.

Nothing is overlapped or cut: each panel gets whole rows of cells; what does not fit goes on
further pages, turned every PAGE_S seconds (recent calls are not paged: the newest that fit).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

FAR = 0.103  # font size / short side: read from 10 m (see above)
NEAR = 0.052  # 5 m
SMALL = 0.04  # 4 m
DETAIL = 0.03  # why a counter is paused: read near it
OFFLINE = 0.026  # the "mất kết nối" line under the header, for staff
SPOT = (0.18, 0.24)  # the spotlight's ticket number, smallest and largest
SPOT_COUNTER = 0.6  # "đến Quầy 5" under it, relative to the number (0.6 × 0.18 > FAR)
LINE = 1.2  # height of a line per px of font (Roboto: 1.17 em, 1.2 with stacked marks on capitals)
PAGE_S = 8.0  # seconds a page stays up
PORTRAIT = 1.2  # narrower than this (width / height) is laid out as portrait
PAD = 1.5  # screen margin and gap between panels, in u (1 % of the short side)
HEADER_PAD = 1.25  # above and below the header's lines, in u
INSET = 1.2  # padding inside a panel, in u
CELL_GAP = 1.0  # between cells of a panel, in u (lines of text: TEXT_GAP)
TEXT_GAP = 0.2
CELL_PAD = 0.6  # inside a cell, left and right, in u
CELL_SPACING = 1.0  # between the texts of a cell, in u
BADGE_PAD = 0.8  # inside a counter badge, left and right, in u


@dataclass(frozen=True)
class Box:
    """A rectangle in Kivy coordinates (y is the bottom edge), in px."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w

    def overlaps(self, other: Box) -> bool:
        """Whether the two share any area (touching edges do not count)."""
        return (min(self.right, other.right) - max(self.x, other.x) > 0.5
                and min(self.top, other.top) - max(self.y, other.y) > 0.5)

    def contains(self, other: Box) -> bool:
        """Whether `other` lies inside this box (half a pixel of rounding allowed)."""
        return (other.x >= self.x - 0.5 and other.y >= self.y - 0.5
                and other.right <= self.right + 0.5 and other.top <= self.top + 0.5)


@dataclass(frozen=True)
class Cells:
    """What a panel holds: `count` cells, each at least `width` × `height` px (text at its
    smallest allowed size), `gap` u apart; rows may grow up to `tallest`. `paged`: False shows the
    first that fit."""

    count: int
    width: float
    height: float
    tallest: float
    gap: float = CELL_GAP
    paged: bool = True


@dataclass(frozen=True)
class Panel:
    """A panel placed: its box, its title line, the cells of one page (column by column; one
    when the list is empty)."""

    box: Box
    title: Box
    cells: tuple[Box, ...]
    pages: int

    def page_of(self, page: int, count: int) -> range:
        """Indexes of the items on page `page` (pages wrap around)."""
        start = (page % self.pages) * len(self.cells)
        return range(start, min(count, start + len(self.cells)))


@dataclass(frozen=True)
class Plan:
    """The whole board: header, spotlight, the three panels and the notice band."""

    portrait: bool
    u: float
    header: Box
    spotlight: Box
    recent: Panel
    counters: Panel
    waiting: Panel
    notice: Box


def spotlight_height(u: float, active: bool, number: float) -> float:
    """Height of the spotlight with its number at `number` × the short side (idle: one line)."""
    inner = LINE * NEAR * 100 * u
    if active:
        inner += LINE * number * (1 + SPOT_COUNTER) * 100 * u
    return inner + 2 * INSET * u


def plan(width: float, height: float, *, spotlight: bool, notice: bool, offline: bool,
         recent: Cells, counters: Cells, waiting: Cells) -> Plan:
    """Lay the board out on a `width` × `height` px screen (`offline`: with the marker line)."""
    u = min(width, height) / 100
    portrait = width < height * PORTRAIT
    header_h = ((2 if portrait else 1) * LINE * NEAR * 100 + offline * LINE * OFFLINE * 100 + 2 * HEADER_PAD) * u
    notice_h = (LINE * NEAR * 100 + 2) * u if notice else 0.0
    pad = PAD * u
    body = Box(pad, notice_h + pad, width - 2 * pad, height - header_h - notice_h - 2 * pad)
    header = Box(0, height - header_h, width, header_h)
    if portrait:
        spot, (rec, cnt, wai) = _column(body, u, spotlight, [recent, counters, waiting])
    else:
        left_w = (body.w - pad) / 2
        spot, (rec,) = _column(Box(body.x, body.y, left_w, body.h), u, spotlight, [recent])
        _, (cnt, wai) = _column(Box(body.x + left_w + pad, body.y, body.w - left_w - pad, body.h), u, None,
                                [counters, waiting])
    return Plan(portrait, u, header, spot, rec, cnt, wai, Box(0, 0, width, notice_h))


def _column(box: Box, u: float, spotlight: bool | None, lists: list[Cells]) -> tuple[Box, list[Panel]]:
    """Stack an optional spotlight and panels top-down in `box`. Every panel gets one row; each
    further row goes to the paged panel that would otherwise need the most pages (the first on a
    tie), then to unpaged ones; spare height then turns complete panels into fewer columns,
    enlarges the spotlight, then the rows; the last panel reaches the bottom of the column."""
    gap, inset, title_h = PAD * u, INSET * u, LINE * NEAR * 100 * u
    inner_w = box.w - 2 * inset
    cols = [min(max(1, math.floor((inner_w + c.gap * u) / (c.width + c.gap * u))), max(c.count, 1))
            for c in lists]
    needed = [max(1, math.ceil(c.count / n)) for c, n in zip(lists, cols)]
    spot_min = spotlight_height(u, spotlight, SPOT[0]) if spotlight is not None else 0.0
    spot_max = spotlight_height(u, spotlight, SPOT[1]) if spotlight is not None else 0.0
    gaps = gap * (len(lists) - (spotlight is None))
    rows = [1] * len(lists)
    used = spot_min + gaps + sum(title_h + 2 * inset + c.height for c in lists)
    while True:
        can_grow = [i for i, c in enumerate(lists)
                    if rows[i] < needed[i] and used + c.height + c.gap * u <= box.h]
        if not can_grow:
            break
        paged = [i for i in can_grow if lists[i].paged]
        i = max(paged or can_grow, key=lambda i: (math.ceil(needed[i] / rows[i]), -i))
        rows[i] += 1
        used += lists[i].height + lists[i].gap * u
    for i, c in enumerate(lists):  # with height to spare, fewer and longer columns read more easily
        while cols[i] > 1 and rows[i] == needed[i]:
            more = math.ceil(c.count / (cols[i] - 1)) - rows[i]
            if used + more * (c.height + c.gap * u) > box.h:
                break
            cols[i] -= 1
            rows[i] = needed[i] = rows[i] + more
            used += more * (c.height + c.gap * u)
    spare = max(0.0, box.h - used)
    grow = min(spare, spot_max - spot_min)
    spot_h, spare = spot_min + grow, spare - grow
    heights = [min(c.tallest, c.height + spare / sum(rows)) for c in lists]
    top = box.top
    spot = Box(box.x, top - spot_h, box.w, spot_h) if spotlight is not None else Box(box.x, top, box.w, 0)
    top = spot.y - (gap if spotlight is not None else 0)
    panels = []
    for i, (c, n, r, h) in enumerate(zip(lists, cols, rows, heights)):
        panel_h = title_h + 2 * inset + r * h + (r - 1) * c.gap * u
        if i == len(lists) - 1:
            panel_h = max(panel_h, top - box.y)
        panel = Box(box.x, top - panel_h, box.w, panel_h)
        panels.append(_panel(panel, u, c, n, r, h))
        top = panel.y - gap
    return spot, panels


def _panel(box: Box, u: float, cells: Cells, cols: int, rows: int, row_h: float) -> Panel:
    """Title line at the top, then one page of cells, filled column by column. Pages are filled
    evenly (5 items, 4 a page: 3 + 2), with as few columns as a page needs, and rows as tall as
    the panel allows (up to the cells' tallest). An empty list keeps one cell (for a "none yet")."""
    inset, gap, title_h = INSET * u, cells.gap * u, LINE * NEAR * 100 * u
    title = Box(box.x + inset, box.top - inset - title_h, box.w - 2 * inset, title_h)
    pages = math.ceil(cells.count / (rows * cols)) if cells.paged and cells.count else 1
    shown = min(rows * cols, math.ceil(cells.count / pages))
    cols = max(1, math.ceil(shown / rows))
    rows = max(1, math.ceil(shown / cols))
    room = (box.h - title_h - 2 * inset - (rows - 1) * gap) / rows  # the rows share the panel's height
    row_h = max(row_h, min(cells.tallest, room))
    cell_w = (box.w - 2 * inset - (cols - 1) * gap) / cols
    boxes = tuple(Box(title.x + (i // rows) * (cell_w + gap), title.y - (i % rows + 1) * (row_h + gap) + gap,
                      cell_w, row_h) for i in range(max(shown, 1)))
    return Panel(box, title, boxes, pages)
