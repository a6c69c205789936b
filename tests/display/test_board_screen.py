"""The board's window (Kivy, offscreen) fed by a real hub: what it shows at 1920×1080 and
1080×1920, readable sizes, no names, the "mất kết nối" marker while the hub is down.
Screenshots: test-artifacts/display/."""
from __future__ import annotations

from datetime import datetime

import pytest
from display_helpers import counter_client, issue
from hub_support import STAFF
from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.uix.label import Label
from kivy_support import Driver, close_app, visible

from devices.speaker import RecordingPlayer
from display import layout
from display.announcer import Announcer
from display.app import BoardApp, Cell
from display.voice import ClipSet, Voice
from office.config import DEFAULT_VOICE_TEMPLATE, BoardConfig

LANDSCAPE, PORTRAIT = (1920, 1080), (1080, 1920)
NOTICE = "Giờ làm việc: sáng 7:00–11:30, chiều 13:30–17:00. Quý khách vui lòng giữ phiếu số thứ tự."


class Board(Driver):
    """Drives a running BoardApp."""

    area = "display"

    @property
    def root(self):
        return self.app.root

    def label(self, widget_id: str) -> Label:
        return self.root.ids[widget_id]


@pytest.fixture
def open_board(tmp_path):
    """Start the board app on a hub with a recording speaker; stopped at teardown."""
    started = []

    def start(office, size=LANDSCAPE) -> Board:
        Window.size = size
        player = RecordingPlayer(time_scale=0.01)
        announcer = Announcer(Voice(ClipSet(), DEFAULT_VOICE_TEMPLATE, 2), player, workdir=tmp_path)
        app = BoardApp(office.client("bang-1"), announcer, now=lambda: datetime(2026, 3, 2, 9, 41))
        app.player = player
        app._run_prepare()
        started.append(app)
        board = Board(app)
        board.until(lambda: app.root.connected and app.root.office_name, what="board connected")
        return board

    yield start
    for app in started:
        close_app(app)
    EventLoop.idle()


def busy_morning(office) -> list[tuple[str, int]]:
    """Nine calls over three counters, then counter 2 pauses; returns (number, counter) called."""
    issue(office, *["HT", "DD"] * 8)
    quay1, quay2 = counter_client(office, "quay-1"), counter_client(office, "quay-2")
    previous, called = {}, []
    for port, counter_id in [(quay1, 1), (quay2, 3), (quay1, 2), (quay1, 1), (quay2, 3), (quay1, 1),
                             (quay2, 3), (quay1, 2), (quay1, 1)]:
        if counter_id in previous:  # serve the last one before calling the next
            port.start_serving(previous[counter_id], counter_id)
            port.finish_ticket(previous[counter_id], counter_id)
        ticket = port.call_next(counter_id)
        previous[counter_id] = ticket.id
        called.append((ticket.number, counter_id))
    quay1.start_serving(previous[2], 2)
    quay1.finish_ticket(previous[2], 2)
    quay2.pause_counter(2, "Họp giao ban")
    return called


def test_board_at_both_resolutions(open_office, open_board):
    office = open_office(board=BoardConfig(notice=NOTICE))
    board = open_board(office, LANDSCAPE)
    called = busy_morning(office)
    last = {counter_id: number for number, counter_id in called}
    board.until(lambda: "Tạm dừng" in board.texts() and board.root.spotlight_number == called[-1][0],
                what="calls and the pause on screen")
    announcer = board.app.announcer
    board.until(lambda: len(said(announcer)) + len(announcer.skipped) == 9, timeout=20,
                what="nine calls spoken or dropped")
    still_up = {last[1], last[3]}  # the counters' current numbers are never dropped
    assert still_up <= {s.announcement.number for s in said(announcer)}
    assert all(a.number not in still_up for a in announcer.skipped)  # only finished ones were
    texts = board.texts()
    assert (board.root.spotlight_number, board.root.spotlight_counter) == (called[-1][0], "Quầy 1")
    assert "Xin mời số" in texts and "đến Quầy 1" in texts
    assert "Tạm dừng\nHọp giao ban" in texts
    assert "09:41   Thứ Hai, 02/03/2026" in texts
    assert NOTICE in texts
    assert "mất kết nối" not in texts
    recent = [c.number for c in cells(board, "recent")]
    assert recent == [number for number, _ in called[::-1][1:]][:len(recent)]  # after the spotlight's
    assert len(recent) >= 4
    counters = [(c.counter, c.number, c.paused) for c in cells(board, "counters")]
    assert counters == [("1", last[1], ""), ("2", "", "Họp giao ban"), ("3", last[3], "")]
    waiting = [(w.label, w.count) for w in cells(board, "waiting")]
    left = {prefix: 8 - sum(n.startswith(prefix) for n, _ in called) for prefix in "AB"}
    assert waiting == [("A · Hộ tịch – Chứng thực", left["A"]), ("B · Đất đai", left["B"])]
    for actor, _ in STAFF.values():
        assert actor.name not in texts  # numbers and counters only, never names
    board.shot("board-1920x1080")

    for size, name in ((PORTRAIT, "board-1080x1920"), (LANDSCAPE, None)):
        board.resize(size)
        short = min(size)
        number = board.label("spotlight_number")
        assert visible(number) and number.font_size >= layout.SPOT[0] * short  # digits ≥ 87 mm on a 55" TV
        for cell in cells(board, "counters") + cells(board, "recent"):
            assert visible(cell) and cell.font >= layout.FAR * short  # capitals ≥ 50 mm: read from 10 m
        if name:
            board.shot(name)


def said(announcer) -> list:
    """Each call's first saying, in the order heard."""
    return [s for s in announcer.spoken if not s.repeat]


def cells(board, panel: str) -> list:
    """The cells shown in a panel, in reading order."""
    return [c for c in reversed(board.root.ids[panel].children) if isinstance(c, Cell)]


def test_disconnect_marker_while_the_hub_is_down(office, open_board):
    board = open_board(office, PORTRAIT)
    issue(office, "HT", "HT")
    counter_client(office).call_next(1)
    board.until(lambda: board.root.spotlight_number == "A001", what="first call")
    office.hub.stop()
    board.until(lambda: "mất kết nối" in board.texts(), what="offline marker")
    assert visible(board.root.ids.offline)
    assert board.root.ids.offline.font_size < board.label("clock").font_size  # discreet
    assert board.root.spotlight_number == "A001"  # the board keeps what it knew
    board.shot("board-offline-1080x1920")
    office.svc.call_next(2)  # called while the board is cut off
    office.hub.start()
    board.until(lambda: "mất kết nối" not in board.texts() and board.root.spotlight_number == "A002",
                timeout=15, what="reconnected and caught up")
    announcer = board.app.announcer
    board.until(lambda: len(said(announcer)) == 2, timeout=10, what="missed call announced")
    assert [(s.announcement.number, s.announcement.counter) for s in said(announcer)] == [("A001", "1"), ("A002", "2")]
