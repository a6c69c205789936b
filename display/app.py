"""The hall display board (Kivy): wires the hub feed, the voice queue and the screen.

The feed runs on its own thread (display/board.py) and the voice on another
(display/announcer.py); the screen only redraws from `BoardFeed.view()` on the Kivy main thread,
when told something changed and twice a second for the clock and the spotlight's expiry.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.stencilview import StencilView
from kivy.uix.widget import Widget

from display import layout
from display.announcer import Announcement, Announcer
from display.board import RECENT_CALLS, BoardFeed, BoardView, CallView, WaitingView
from display.layout import LINE
from display.voice import counter_number
from office.text import day

KV = Path(__file__).resolve().parent.parent / "assets" / "kv" / "display" / "board.kv"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
MARQUEE_SPEED = 12.0  # notice scroll speed, in board units (1 % of the shorter side) per second
OFFLINE_TEXT = "mất kết nối"
TEXT_LINE = 1.17  # Roboto's line (ascent + descent) per px of font; measured lines may be taller
ROW_GROWTH = (1.3, 1.5)  # how much taller than their smallest rows of numbers / of waiting may grow


@lru_cache(maxsize=8192)
def measure(text: str, font: int, bold: bool = False) -> tuple[int, int]:
    """Width and height in px of `text` on one line at `font` px (Kivy's default font, Roboto)."""
    return CoreLabel(text=text, font_size=font, bold=bold).get_extents(text)


def px(size: float) -> int:
    """A font size in whole pixels, as the text renderer uses it (rounding errors forgiven)."""
    return math.floor(size + 1e-6)


class FitLabel(Label):
    """A line of text that takes the largest font up to `max_font` fitting its box, never below
    `min_font`; a text too long even then (a very long pause reason or service name) keeps its
    start and ends in "..." (board.kv)."""

    max_font = NumericProperty(20)
    min_font = NumericProperty(0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(text=self.fit, size=self.fit, max_font=self.fit, min_font=self.fit, bold=self.fit)

    def fit(self, *_) -> None:
        """Choose the font size for the current text and box."""
        least = math.ceil(self.min_font - 1e-6)
        font = max(least, px(min(self.max_font, self.height / TEXT_LINE)))
        if self.text and self.width > 0:
            while font > least and not self._fits(font):
                font -= 1
            self.shorten = not self._fits(font)
        self.font_size = max(font, 1)

    def _fits(self, font: int) -> bool:
        width, height = measure(self.text, font, self.bold)
        return width <= self.width and height <= self.height


class Block(BoxLayout):
    """A coloured block of the board (header, spotlight); `bg` is the colour behind its text."""

    bg = ColorProperty([0, 0, 0, 1])


class Badge(FitLabel):
    """A counter's number on a blue plate, as on the counters' own signs."""

    bg = ColorProperty([0, 0, 0, 1])


class Panel(Widget):
    """A framed list of the board: a title, a page number, and the cells placed in it; `empty`
    is said in the first cell's place while there is nothing to list."""

    u = NumericProperty(10)
    bg = ColorProperty([0, 0, 0, 1])
    title = StringProperty("")
    empty = StringProperty("")
    page_text = StringProperty("")
    title_box = ListProperty([0, 0, 0, 0])
    first_box = ListProperty([0, 0, 0, 0])
    count = NumericProperty(0)

    def fill(self, kind: type[Cell], boxes, values: list[dict]) -> None:
        """One `kind` cell per entry of `values` (its properties), in `boxes`; cells are reused."""
        cells = [c for c in reversed(self.children) if isinstance(c, kind)]
        for extra in cells[len(values):]:
            self.remove_widget(extra)
        for i, (box, props) in enumerate(zip(boxes, values)):
            if i == len(cells):
                cells.append(kind(u=self.u))
                self.add_widget(cells[-1])
            cells[i].pos, cells[i].size = (box.x, box.y), (box.w, box.h)
            for name, value in props.items():
                setattr(cells[i], name, value)
        self.count = len(values)


class Cell(BoxLayout):
    """One entry of a panel; `font` is the size of its numbers (from its row height)."""

    u = NumericProperty(10)
    font = NumericProperty(10)


class CallCell(Cell):
    """One recent call: the number, then its counter's badge."""

    number = StringProperty("")
    counter = StringProperty("")
    number_w = NumericProperty(0)
    badge_w = NumericProperty(0)


class CounterCell(Cell):
    """A counter and its current number, or why it is paused."""

    counter = StringProperty("")
    number = StringProperty("")
    paused = StringProperty("")
    badge_w = NumericProperty(0)


class WaitingCell(Cell):
    """People waiting for one service."""

    label = StringProperty("")
    count = NumericProperty(0)
    count_w = NumericProperty(0)


class Marquee(StencilView):
    """A line of text scrolling from right to left, for ever."""

    u = NumericProperty(10)
    bg = ColorProperty([0, 0, 0, 1])
    text = StringProperty("")
    offset = NumericProperty(0)

    def advance(self, dt: float) -> None:
        """Move the text on by `dt` seconds; start again once it has left on the left."""
        span = self.width + sum(child.width for child in self.children)
        self.offset = (self.offset + MARQUEE_SPEED * self.u * dt) % max(span, 1)


class BoardRoot(Widget):
    """The board's screen: `show` draws a BoardView; display/layout.py says where things go."""

    u = NumericProperty(10)
    bg = ColorProperty([0, 0, 0, 1])
    portrait = BooleanProperty(False)
    office_name = StringProperty("")
    clock_text = StringProperty("")
    clock_w = NumericProperty(0)
    offline_text = StringProperty("")
    notice = StringProperty("")
    spotlight_number = StringProperty("")
    spotlight_counter = StringProperty("")
    connected = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._shown: tuple = ()
        self._view: BoardView | None = None
        self._page = 0
        self.plan: layout.Plan | None = None
        self.bind(size=self._relayout, pos=self._relayout)

    def show(self, view: BoardView, now: datetime) -> None:
        """Draw `view`; the clock reads `now`, which also turns the pages of long lists."""
        self.office_name = view.office_name
        self.clock_text = f"{now:%H:%M}   {WEEKDAYS[now.weekday()]}, {day(now)}"
        self.connected = view.connected
        self.offline_text = "" if view.connected else (
            f"{OFFLINE_TEXT} – {view.problem}" if view.problem else OFFLINE_TEXT)
        self.notice = view.notice
        spot = view.spotlight
        self.spotlight_number = spot.number if spot else ""
        self.spotlight_counter = spot.counter_name if spot else ""
        self._view, self._page = view, int(now.timestamp() // layout.PAGE_S)
        self._relayout()

    def _relayout(self, *_) -> None:
        view = self._view
        if view is None or min(self.size) < 10:
            return
        u = min(self.size) / 100
        self.u = u
        self.clock_w = measure(self.clock_text, px(layout.NEAR * 100 * u), True)[0] + u
        recent = view.recent[1:] if view.spotlight else view.recent
        shown = (recent, view.counters, view.waiting, bool(view.spotlight), bool(view.notice),
                 bool(self.offline_text), tuple(self.size), tuple(self.pos), self._page)
        if shown != self._shown:
            self._shown = shown
            self._place(recent, view.counters, view.waiting, bool(view.spotlight), bool(view.notice),
                        bool(self.offline_text))

    def _place(self, recent, counters, waiting, spotlight: bool, notice: bool, offline: bool) -> None:
        """Lay the board out for this content and fill the panels with the current page."""
        ids, size = self.ids, Sizes(self.u, recent, counters, waiting)
        plan = layout.plan(self.width, self.height, spotlight=spotlight, notice=notice, offline=offline,
                           **size.cells(len(recent), len(counters), len(waiting)))
        self.plan, self.portrait = plan, plan.portrait
        ox, oy = self.pos
        for widget, box in ((ids.header, plan.header), (ids.spotlight, plan.spotlight), (ids.notice, plan.notice)):
            widget.pos, widget.size = (ox + box.x, oy + box.y), (box.w, box.h)
        self._panel(ids.recent, plan.recent, recent, CallCell, size.number_font, lambda c, font: dict(
            number=c.number, counter=c.counter_number, font=font, number_w=size.number_w(font),
            badge_w=size.badge_w(font)))
        self._panel(ids.counters, plan.counters, counters, CounterCell, size.number_font, lambda c, font: dict(
            counter=counter_number(c.name, c.id), number=c.number or "", paused=c.paused or "", font=font,
            badge_w=size.badge_w(font)))
        self._panel(ids.waiting, plan.waiting, waiting, WaitingCell, size.waiting_font, lambda w, font: dict(
            label=waiting_label(w), count=w.count, font=font, count_w=size.count_w(font)))

    def _panel(self, widget: Panel, placed: layout.Panel, items, kind, font, values) -> None:
        """Place a panel and fill it with the current page of `items`: one `kind` cell each, with the
        properties `values(item, font(cell box))`."""
        ox, oy = self.pos
        box = placed.box
        widget.pos, widget.size = (ox + box.x, oy + box.y), (box.w, box.h)
        widget.title_box = [ox + placed.title.x, oy + placed.title.y, placed.title.w, placed.title.h]
        first = placed.cells[0]
        widget.first_box = [ox + first.x, oy + first.y, first.w, first.h]
        page = self._page % placed.pages
        widget.page_text = f"{page + 1}/{placed.pages}" if placed.pages > 1 else ""
        shown = [items[i] for i in placed.page_of(page, len(items))]
        widget.fill(kind, [layout.Box(ox + c.x, oy + c.y, c.w, c.h) for c in placed.cells],
                    [{"u": self.u, **values(item, font(box))} for item, box in zip(shown, placed.cells)])


def waiting_label(w: WaitingView) -> str:
    """A service's line in the waiting list: its prefix and name."""
    return f"{w.prefix} · {w.name}"


class Sizes:
    """The text sizes of one board: the smallest cells each list needs (text at its tier's
    minimum) and the font that fills a given cell."""

    def __init__(self, u: float, recent, counters, waiting):
        self.u = u
        self.far, self.near, self.small = (math.ceil(t * 100 * u - 1e-6)
                                           for t in (layout.FAR, layout.NEAR, layout.SMALL))
        self.labels = [counter_number(c.name, c.id) for c in counters] + ["8"]
        self.numbers = ([c.number for c in recent] + [c.number or "" for c in counters]
                        + [f"{w.prefix}000" for w in waiting] + ["A000"])  # room for the day's numbers
        self.names = [waiting_label(w) for w in waiting]
        self.pads = (2 * layout.CELL_PAD + layout.CELL_SPACING) * u

    def cells(self, recent: int, counters: int, waiting: int) -> dict[str, layout.Cells]:
        """What each list needs, for layout.plan."""
        far, near, small = self.far, self.near, self.small
        number_cell = (self.pads + self.badge_w(far) + self.number_w(far), LINE * far, LINE * far * ROW_GROWTH[0])
        return {"recent": layout.Cells(min(recent, RECENT_CALLS), *number_cell, paged=False),
                "counters": layout.Cells(counters, *number_cell),
                "waiting": layout.Cells(waiting, self.pads + self.names_w(small) + self.count_w(small), LINE * small,
                                        LINE * near * ROW_GROWTH[1], layout.TEXT_GAP)}

    def badge_w(self, font: int) -> float:
        """Width of a counter's badge (the widest counter number)."""
        return max(measure(label, font, True)[0] for label in self.labels) + 2 * layout.BADGE_PAD * self.u

    def number_w(self, font: int) -> float:
        """Width of the widest ticket number."""
        return max(measure(n, font, True)[0] for n in self.numbers) + 1

    def names_w(self, font: int) -> float:
        """Width of the longest service line in the waiting list."""
        return max([measure(name, font)[0] for name in self.names] or [0])

    def count_w(self, font: int) -> float:
        """Width of a waiting count (up to 999)."""
        return measure("000", font, True)[0] + 1

    def number_font(self, box: layout.Box) -> int:
        """Numbers grow with their cell, never below FAR."""
        font = max(self.far, px(box.h / LINE))
        while font > self.far and self.pads + self.badge_w(font) + self.number_w(font) > box.w:
            font -= 1
        return font

    def waiting_font(self, box: layout.Box) -> int:
        """One size for the whole list, as large as the rows allow and every name fits."""
        font = max(self.small, px(box.h / LINE))
        while font > self.small and self.pads + self.names_w(font) + self.count_w(font) > box.w:
            font -= 1
        return font


class BoardApp(App):
    """The board: `feed` brings the hub's events, `announcer` speaks new calls (None: silent)."""

    title = "Bảng số thứ tự"

    def __init__(self, client, announcer: Announcer | None = None,
                 now: Callable[[], datetime] = datetime.now, **kwargs):
        """`client`: a HubClient with a display token; `now`: the wall clock shown."""
        super().__init__(**kwargs)
        self.announcer, self.now = announcer, now
        self._redraw = Clock.create_trigger(self.redraw)
        self.feed = BoardFeed(client, self._announce, on_change=self._redraw, on_office=self._configure)
        if announcer:
            announcer.still_wanted = lambda a: self.feed.still_at_counter(a.ticket_id)

    def build(self):
        """Load the layout."""
        Builder.unload_file(str(KV))  # a second App in one process must not add rules twice
        Builder.load_file(str(KV))
        return BoardRoot()

    def on_start(self):
        """Start the feed, the clock and the notice scroll."""
        self.feed.start()
        self._events = [Clock.schedule_interval(self.redraw, 0.5),
                        Clock.schedule_interval(self.root.ids.notice.advance, 1 / 30)]
        self.redraw()

    def on_stop(self):
        """Stop the feed and the clocks; let the queued announcements finish."""
        for event in getattr(self, "_events", ()):
            event.cancel()
        self.feed.stop()
        if self.announcer:
            self.announcer.close()

    def redraw(self, *_):
        """Draw the feed's current picture."""
        if self.root:
            self.root.show(self.feed.view(), self.now())

    def _configure(self, office: dict, services: list) -> None:
        """Speak with the office's voice template and repeat count (from the hub's config)."""
        board = office.get("board") or {}
        if self.announcer and board.get("voice_template"):
            self.announcer.configure(board["voice_template"], board.get("voice_repeats", 2),
                                     tuple(s.prefix for s in services))

    def _announce(self, call: CallView) -> None:
        if self.announcer:
            self.announcer.say(Announcement(call.number, call.counter_number, call.ticket_id, call.calls))
