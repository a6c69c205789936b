"""The hall display board (Kivy): wires the hub feed, the voice queue and the screen.

The feed runs on its own thread (display/board.py) and the voice on another
(display/announcer.py); the screen only redraws from `BoardFeed.view()` on the Kivy main thread,
when told something changed and twice a second for the clock and the spotlight's expiry.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.stencilview import StencilView

from display.announcer import Announcement, Announcer
from display.board import BoardFeed, BoardView, CallView
from office.text import day

KV = Path(__file__).resolve().parent.parent / "assets" / "kv" / "display" / "board.kv"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
MARQUEE_SPEED = 12.0  # notice scroll speed, in board units (1 % of the shorter side) per second
OFFLINE_TEXT = "mất kết nối"


class Panel(BoxLayout):
    """A framed block of the board."""

    u = NumericProperty(10)


class CallCell(BoxLayout):
    """One recent call: number → counter."""

    u = NumericProperty(10)
    number = StringProperty("")
    counter = StringProperty("")


class CounterRow(BoxLayout):
    """A counter's name and its current number or pause reason."""

    u = NumericProperty(10)
    name = StringProperty("")
    number = StringProperty("")
    paused = StringProperty("")


class WaitingRow(BoxLayout):
    """People waiting for one service."""

    u = NumericProperty(10)
    label = StringProperty("")
    count = NumericProperty(0)


class Marquee(StencilView):
    """A line of text scrolling from right to left, for ever."""

    u = NumericProperty(10)
    text = StringProperty("")
    offset = NumericProperty(0)

    def advance(self, dt: float) -> None:
        """Move the text on by `dt` seconds; start again once it has left on the left."""
        span = self.width + sum(child.width for child in self.children)
        self.offset = (self.offset + MARQUEE_SPEED * self.u * dt) % max(span, 1)


class BoardRoot(BoxLayout):
    """The board's screen; `show` draws a BoardView."""

    u = NumericProperty(10)
    office_name = StringProperty("")
    clock_text = StringProperty("")
    offline_text = StringProperty("")
    notice = StringProperty("")
    spotlight_number = StringProperty("")
    spotlight_counter = StringProperty("")
    connected = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._shown: tuple = ()

    def show(self, view: BoardView, now: datetime) -> None:
        """Draw `view`; the clock reads `now`."""
        self.office_name = view.office_name
        self.clock_text = f"{now:%H:%M}   {WEEKDAYS[now.weekday()]}, {day(now)}"
        self.connected = view.connected
        self.offline_text = "" if view.connected else (
            f"{OFFLINE_TEXT} – {view.problem}" if view.problem else OFFLINE_TEXT)
        self.notice = view.notice
        spot = view.spotlight
        self.spotlight_number = spot.number if spot else ""
        self.spotlight_counter = spot.counter_name if spot else ""
        rows = (view.recent, view.counters, view.waiting)
        if rows != self._shown:
            self._shown = rows
            self._fill(view)

    def _fill(self, view: BoardView) -> None:
        recent, counters, waiting = self.ids.recent, self.ids.counters, self.ids.waiting
        for box in (recent, counters, waiting):
            box.clear_widgets()
        for call in view.recent:
            recent.add_widget(self._bound(CallCell(number=call.number, counter=call.counter_name)))
        for c in view.counters:
            counters.add_widget(self._bound(CounterRow(name=c.name, number=c.number or "",
                                                       paused=f"Tạm dừng – {c.paused}" if c.paused else "")))
        for w in view.waiting:
            waiting.add_widget(self._bound(WaitingRow(label=f"{w.prefix} · {w.name}", count=w.count)))

    def _bound(self, widget):
        widget.u = self.u
        self.bind(u=widget.setter("u"))
        return widget


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
        """Stop the feed and the clocks; the announcement being spoken may finish (2 s at most)."""
        for event in getattr(self, "_events", ()):
            event.cancel()
        self.feed.stop(timeout=0.2)  # its thread ends at the next event or keep-alive
        if self.announcer:
            self.announcer.close(timeout=2)

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
