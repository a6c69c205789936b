"""The board's layout for any office: 1–12 counters × 1–8 services with long Vietnamese names, at
1920×1080, 1080×1920 and 1366×768, a call in the spotlight or none. Drawn on a real (offscreen)
Kivy window and checked widget by widget: no text box overlaps another or leaves its panel or the
screen, no text is wider or taller than its box (so no mark above or below a letter is cut) or
shortened, numbers and counters are big enough to read from 10 m, every colour pair is ≥ 4.5:1,
and every counter and service is on some page. Screenshots: test-artifacts/display/layout-*.png."""
from __future__ import annotations

import itertools
import os
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest
from kivy.base import EventLoop
from kivy.core.text import Label as CoreLabel
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.uix.label import Label
from kivy_support import ARTIFACTS, visible

from display import layout
from display.app import KV, Badge, BoardRoot, CallCell, Cell, CounterCell, Marquee, WaitingCell
from display.board import BoardView, CallView, CounterView, WaitingView

SIZES = ((1920, 1080), (1080, 1920), (1366, 768))
NOW = datetime(2026, 3, 2, 9, 41)
OFFICE = "Trung tâm Phục vụ hành chính công xã Tân Phú"
NOTICE = "Giờ làm việc: sáng 7:00–11:30, chiều 13:30–17:00. Quý khách vui lòng giữ phiếu số thứ tự."
SERVICES = (  # (prefix, name): a ward office's fields, long names included
    ("A", "Hộ tịch"), ("B", "Chứng thực"), ("C", "Đất đai – Xây dựng"),
    ("D", "Lao động – Xã hội, Hộ kinh doanh"), ("R", "Trả kết quả"),
    ("E", "Tư pháp – Nuôi con nuôi, Quốc tịch"), ("G", "Thành lập và hoạt động doanh nghiệp"),
    ("H", "Giáo dục – Đào tạo, Y tế, Văn hóa"),
)
LONG_NAME = ("Chứng thực bản sao từ bản chính, chữ ký, hợp đồng, giao dịch và việc sửa đổi, bổ sung, "
             "hủy bỏ hợp đồng")
PAUSES = ("Họp giao ban", "Nghỉ giữa ca", "Sự cố máy tính", "Hỗ trợ nghiệp vụ")
# Every counter count with 1, 5 and 8 services, every service count with 1, 6 and 12 counters, a call
# in the spotlight on every other one, and the corners and the demo office (6 × 5) both ways: 56 of
# the 192 boards a size. BOARD_FULL_GRID=1 checks all 12 × 8 × 2 (about 3 min on one core).
FULL_GRID = [(c, s, spot) for c in range(1, 13) for s in range(1, 9) for spot in (True, False)]
GRID = FULL_GRID if os.environ.get("BOARD_FULL_GRID") else sorted(
    {(c, s, (c + s) % 2 == 0) for c in range(1, 13) for s in (1, 5, 8)}
    | {(c, s, (c + s) % 2 == 0) for c in (1, 6, 12) for s in range(1, 9)}
    | {(c, s, spot) for c, s in ((1, 1), (1, 8), (12, 1), (12, 8), (6, 5)) for spot in (True, False)})
TV_55_HEIGHT_MM = 55 * 25.4 * 9 / (16 ** 2 + 9 ** 2) ** 0.5  # 684.9 mm: the short side of a 55" 16:9 TV


def office_view(counters: int, services: int, spotlight: bool = True, connected: bool = True) -> BoardView:
    """A busy morning: every counter serving (every fourth paused), eight recent calls."""
    prefixes = [p for p, _ in SERVICES[:services]]
    rows = tuple(CounterView(i, f"Quầy {i}", None if i % 4 == 2 else f"{prefixes[i % services]}{100 + i}",
                             PAUSES[i % len(PAUSES)] if i % 4 == 2 else None) for i in range(1, counters + 1))
    recent = tuple(CallView(500 + k, f"{prefixes[k % services]}{120 - k}", k % counters + 1,
                            f"Quầy {k % counters + 1}", str(k % counters + 1), 1, 1.0) for k in range(8))
    waiting = tuple(WaitingView(f"s{j}", name, prefix, 3 * j + 7) for j, (prefix, name) in enumerate(SERVICES[:services]))
    return BoardView(OFFICE, NOTICE, recent[0] if spotlight else None, recent, rows, waiting, connected,
                     "" if connected else "Máy chủ không trả lời")


@pytest.fixture(scope="module")
def board():
    """A BoardRoot alone on the offscreen window (no hub, no app: the screen under test)."""
    Builder.unload_file(str(KV))
    Builder.load_file(str(KV))
    root = BoardRoot()
    Window.add_widget(root)
    yield root
    Window.remove_widget(root)
    Builder.unload_file(str(KV))


def draw(root: BoardRoot, size, view: BoardView, now: datetime = NOW) -> None:
    if tuple(Window.size) != tuple(size):
        Window.size = size
        EventLoop.idle()
    root.pos, root.size = (0, 0), size
    root.show(view, now)
    EventLoop.idle()
    EventLoop.idle()


def texts(root) -> list[Label]:
    return [w for w in root.walk(restrict=True) if isinstance(w, Label) and w.text and visible(w)]


def box(widget) -> layout.Box:
    x, y = widget.to_window(widget.x, widget.y)
    return layout.Box(x, y, widget.width, widget.height)


def frame(widget):
    """The coloured block a text is drawn on (its panel, cell badge, header…)."""
    w = widget
    while w is not None and not hasattr(w, "bg"):
        w = w.parent
    return w


def layout_problems(root: BoardRoot) -> list[str]:
    """Everything wrong with what is on screen now, in words."""
    problems = []
    screen = layout.Box(0, 0, *Window.size)
    short = min(Window.size)
    labels = texts(root)
    for label in labels:
        label.texture_update()
        name = f"{type(label.parent).__name__}/{label.text!r}"
        width, height = label._label._internal_size
        lines = len(label._label._cached_lines)
        if getattr(label, "shorten", False):
            problems.append(f"{name} is cut short")
        if not isinstance(label.parent, Marquee) and width > label.width + 0.5:
            problems.append(f"{name} is {width} px wide in a {label.width:.0f} px box")
        if height > label.height + 0.5:
            problems.append(f"{name} is {height} px tall in a {label.height:.0f} px box")
        if lines > 1:
            problems.append(f"{name} wraps to {lines} lines")
        if not screen.contains(box(label)) and not isinstance(label.parent, Marquee):
            problems.append(f"{name} leaves the screen")
        if not box(frame(label)).contains(box(label)) and not isinstance(label.parent, Marquee):
            problems.append(f"{name} leaves its {type(frame(label)).__name__}")
        least = minimum_font(label, root)
        if label.font_size < least * short - 1:
            problems.append(f"{name} at {label.font_size} px, below {least * short:.0f} px")
    for a, b in itertools.combinations(labels, 2):
        if box(a).overlaps(box(b)) and frame(a) is not b and frame(b) is not a:
            problems.append(f"{a.text!r} overlaps {b.text!r}")
    blocks = [root.ids[i] for i in ("header", "spotlight", "recent", "counters", "waiting", "notice")]
    for a, b in itertools.combinations([b for b in blocks if visible(b)], 2):
        if box(a).overlaps(box(b)):
            problems.append(f"{a!r} overlaps {b!r}")
    return problems


def minimum_font(label: Label, root: BoardRoot) -> float:
    """The smallest font a text may have, as a share of the short side (see display/layout.py)."""
    cell = label.parent
    while cell is not root and not isinstance(cell, Cell):
        cell = cell.parent
    if label == root.ids.spotlight_number:
        return layout.SPOT[0]
    if (label == root.ids.spotlight_counter or isinstance(cell, CallCell) or isinstance(label, Badge)
            or (isinstance(cell, CounterCell) and label == cell.ids.number)):
        return layout.FAR
    if label == root.ids.offline:
        return layout.OFFLINE
    if isinstance(cell, CounterCell) and label == cell.ids.reason:
        return layout.DETAIL
    return layout.SMALL


def contrast(fg, bg) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (0–1 floats; fg alpha blended over bg)."""
    alpha = fg[3] if len(fg) > 3 else 1
    fg = [alpha * f + (1 - alpha) * b for f, b in zip(fg[:3], bg[:3])]

    def luminance(rgb) -> float:
        c = np.array(rgb, float)
        c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])

    high, low = sorted((luminance(fg), luminance(bg[:3])), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_far_text_is_fifty_millimetres_tall_on_a_55_inch_tv():
    """The size rule itself: capitals at FAR × 1080 px are ≥ 50 mm on a 55" 1080p TV (measured)."""
    font = layout.FAR * 1080
    text = CoreLabel(text="H", font_size=font, bold=True)
    text.refresh()
    w, h = text.texture.size
    ink = np.frombuffer(text.texture.pixels, np.uint8).reshape(h, w, 4)[:, :, 3].max(axis=1) > 40
    cap_mm = ink.sum() * TV_55_HEIGHT_MM / 1080
    assert cap_mm >= 50, f"capitals {cap_mm:.1f} mm at {font:.0f} px"
    assert layout.SPOT[0] > 1.5 * layout.FAR


@pytest.mark.parametrize("text", ["Hộ tịch", "Quầy", "Tạm dừng", "ỆỘỊ ẦẤẪ ỸỴ", "Lao động – Xã hội"])
def test_marks_above_and_below_letters_stay_inside_the_line(text):
    """The renderer's line grows for stacked marks (ầ, Ấ) and dots below (ộ, ị), and its measured
    extent says so: a text that fits its box by extent (FitLabel, checked above) has all its ink
    inside it ("Hộ tịch" never reads "Hô tich")."""
    for bold in (False, True):
        label = CoreLabel(text=text, font_size=100, bold=bold)
        label.refresh()
        w, h = label.texture.size
        assert (w, h) == label.get_extents(text)
        ink = np.flatnonzero(np.frombuffer(label.texture.pixels, np.uint8).reshape(h, w, 4)[:, :, 3].max(axis=1))
        assert 0 <= ink[0] and ink[-1] < h - 1, f"{text!r}: ink rows {ink[0]}–{ink[-1]} of {h}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_office_fits_every_screen(board, size):
    failures = []
    for counters, services, spotlight in GRID:
        view = office_view(counters, services, spotlight, connected=(counters + services) % 3 > 0)
        draw(board, size, view)
        failures += [f"{counters}×{services} {'call' if spotlight else 'idle'}: {p}" for p in layout_problems(board)]
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_counter_and_service_is_on_a_page(board, size):
    for counters, services in ((12, 8), (6, 5), (9, 3)):
        view = office_view(counters, services)
        plan_pages = set()
        seen_counters, seen_services = [], []
        for page in range(12):
            draw(board, size, view, NOW + timedelta(seconds=layout.PAGE_S * page))
            plan = board.plan
            plan_pages.add((plan.counters.pages, plan.waiting.pages))
            if page < plan.counters.pages:
                seen_counters += [c.counter for c in board.ids.counters.children if isinstance(c, CounterCell)]
            if page < plan.waiting.pages:
                seen_services += [c.label for c in board.ids.waiting.children if isinstance(c, WaitingCell)]
        assert len(plan_pages) == 1
        assert sorted(seen_counters, key=int) == [str(i) for i in range(1, counters + 1)]
        assert sorted(seen_services) == sorted(f"{p} · {n}" for p, n in SERVICES[:services])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_before_the_first_call_the_list_says_so(board, size):
    first = office_view(6, 5)
    for view, empty in ((replace(first, spotlight=None, recent=()), "Chưa gọi số nào"),
                        (replace(first, recent=first.recent[:1]), "")):  # the first call, in the spotlight
        draw(board, size, view)
        assert board.ids.recent.ids.empty.text == empty
        assert not layout_problems(board)
    shot(board, f"layout-{size[0]}x{size[1]}-first-call")
    draw(board, size, replace(first, spotlight=None, recent=()))
    assert contrast(board.ids.recent.ids.empty.color, board.ids.recent.bg) >= 4.5
    shot(board, f"layout-{size[0]}x{size[1]}-morning")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_name_too_long_for_the_screen_loses_its_end_not_its_place(board, size):
    """A service named with a procedure's whole wording fits no screen at a readable size: it
    keeps its start and ends in "...", inside its box; everything else is as always."""
    view = office_view(6, 5)
    waiting = (view.waiting[0], replace(view.waiting[1], name=LONG_NAME), *view.waiting[2:])
    shown = set()  # how the name reads, on whichever page it is
    for page in range(2):
        draw(board, size, replace(view, waiting=waiting), NOW + timedelta(seconds=layout.PAGE_S * page))
        assert [p for p in layout_problems(board) if not p.endswith("is cut short")] == []
        for cell in board.ids.waiting.children:
            if isinstance(cell, WaitingCell) and cell.label.startswith("B ·"):
                name = cell.ids.name
                name.texture_update()
                shown |= {"".join(w.text for w in line.words) for line in name._label._cached_lines}
    [text] = shown
    assert text.startswith("B · Chứng thực bản sao") and text.endswith("...")


def test_text_colours_contrast_with_their_background(board):
    for size, spotlight, connected in itertools.product(SIZES, (True, False), (True, False)):
        draw(board, size, office_view(6, 5, spotlight, connected))
        for label in texts(board):
            ratio = contrast(label.color, frame(label).bg)
            assert ratio >= 4.5, f"{label.text!r}: {ratio:.2f}:1"


def test_screenshots_of_the_key_offices(board):
    for (w, h), (counters, services), spotlight in itertools.product(SIZES, ((6, 5), (12, 8), (1, 1)), (True, False)):
        draw(board, (w, h), office_view(counters, services, spotlight))
        shot(board, f"layout-{w}x{h}-{counters}x{services}-{'call' if spotlight else 'idle'}")


def shot(board: BoardRoot, name: str) -> None:
    """Save the board as test-artifacts/display/`name`.png, its notice scrolled into view."""
    board.ids.notice.offset = board.width * 0.9
    EventLoop.idle()
    path = ARTIFACTS / "display" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    board.export_to_png(str(path))
    assert path.stat().st_size > 10_000
