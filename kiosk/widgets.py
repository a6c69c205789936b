"""Reusable kiosk widgets; their look lives in assets/kv/kiosk/widgets.kv."""
from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from uikit.root import ShellRoot

DIGITS = "1 2 3 4 5 6 7 8 9 . 0 -"
LETTERS = "A B C D E F G H I J K L M N O P Q R S T U V W X Y Z"
BACKSPACE = "BACK"  # key ids of the special keys; their labels come from the texts
SPACE = "SPACE"


class BigButton(Button):
    """A button with a large touch target and high-contrast colours (see widgets.kv)."""

    tone = StringProperty("primary")  # primary | secondary | danger | ghost


class Tile(ButtonBehavior, BoxLayout):
    """A large home-screen tile: a drawn icon over a title and a subtitle (see widgets.kv)."""

    tone = StringProperty("primary")
    icon = StringProperty("")  # lookup | ticket | rate | procedures
    title = StringProperty("")
    subtitle = StringProperty("")


class TileIcon(Widget):
    """A simple line icon drawn in white for a home tile (our own drawing: no icon font)."""

    kind = StringProperty("")

    def __init__(self, **kw):
        super().__init__(**kw)
        self.bind(pos=self._draw, size=self._draw, kind=self._draw)

    def _draw(self, *_) -> None:
        from kivy.graphics import Color, Ellipse, Line

        self.canvas.clear()
        s = min(self.width, self.height, dp(180)) * 0.9  # the icon's square
        if s < 8:
            return
        x0, y0 = self.center_x - s / 2, self.center_y - s / 2
        w = max(1.5, s / 34)

        def p(*xy):  # points in the unit square → window points
            return [v * s + (x0 if i % 2 == 0 else y0) for i, v in enumerate(xy)]

        with self.canvas:
            Color(1, 1, 1, 1)
            if self.kind == "lookup":  # a magnifier over a sheet
                Line(points=p(0.12, 0.05, 0.12, 0.95, 0.62, 0.95, 0.62, 0.55), width=w)
                Line(points=p(0.12, 0.05, 0.45, 0.05), width=w)
                Line(circle=(*p(0.64, 0.40), s * 0.2), width=w)
                Line(points=p(0.78, 0.26, 0.95, 0.06), width=w * 1.6, cap="round")
            elif self.kind == "ticket":  # a ticket with a number line and a tear-off edge
                Line(rounded_rectangle=(*p(0.08, 0.2), s * 0.84, s * 0.6, s * 0.06), width=w)
                for y in (0.28, 0.42, 0.56, 0.70):  # the tear-off perforation
                    Line(points=p(0.66, y, 0.66, y + 0.06), width=w)
                Line(points=p(0.2, 0.6, 0.52, 0.6), width=w * 1.4)
                Line(points=p(0.2, 0.4, 0.44, 0.4), width=w)
            elif self.kind == "rate":  # a smiling face
                Line(circle=(*p(0.5, 0.5), s * 0.44), width=w)
                Ellipse(pos=p(0.32, 0.56), size=(s * 0.09, s * 0.12))
                Ellipse(pos=p(0.59, 0.56), size=(s * 0.09, s * 0.12))
                Line(ellipse=(*p(0.27, 0.22), s * 0.46, s * 0.36, 110, 250), width=w)
            elif self.kind == "procedures":  # a document with lines and a folded corner
                Line(points=p(0.18, 0.05, 0.18, 0.95, 0.62, 0.95, 0.82, 0.75, 0.82, 0.05, 0.18, 0.05),
                     width=w, joint="round")
                Line(points=p(0.62, 0.95, 0.62, 0.75, 0.82, 0.75), width=w)
                for y in (0.6, 0.45, 0.3, 0.15):
                    Line(points=p(0.3, y, 0.7, y), width=w * 0.8)


class Keypad(GridLayout):
    """An on-screen keypad built from a space-separated key string; dispatches `on_key(key)`."""

    keys = StringProperty(DIGITS)
    extra = ListProperty([BACKSPACE])
    backspace_text = StringProperty("Xóa")
    space_text = StringProperty("Cách")

    __events__ = ("on_key",)

    def __init__(self, **kw):
        super().__init__(**kw)
        rebuild = lambda *_: self._build()  # noqa: E731  keys or labels changed (e.g. language switch)
        self.bind(keys=rebuild, extra=rebuild, backspace_text=rebuild, space_text=rebuild)

    def on_kv_post(self, base_widget):
        """Build the buttons once the kv rule has set the properties."""
        self._build()

    def _build(self) -> None:
        self.clear_widgets()
        for key in self.keys.split() + list(self.extra):
            label = {BACKSPACE: self.backspace_text, SPACE: self.space_text}.get(key, key)
            button = KeyButton(text=label, key=key, tone="secondary" if key in (BACKSPACE, SPACE) else "primary")
            button.bind(on_release=lambda b: self.dispatch("on_key", b.key))
            self.add_widget(button)

    def on_key(self, key: str) -> None:
        """Default handler (screens bind their own)."""


class KeyButton(BigButton):
    """One key of a Keypad."""

    key = StringProperty("")


def apply_key(text: str, key: str, limit: int = 40) -> str:
    """The text after pressing `key` on a keypad (BACK deletes, SPACE adds one space)."""
    if key == BACKSPACE:
        return text[:-1]
    if key == SPACE:
        return (text + " ")[:limit] if text and not text.endswith(" ") else text
    return (text + key)[:limit]


class Smiley(Widget):
    """A drawn face for a rating level: `mood` from -1 (unhappy) to 1 (very happy)."""

    mood = NumericProperty(0.0)
    face_color = ListProperty([1, 0.8, 0.1, 1])
    mouth = ListProperty([])
    radius = NumericProperty(10)

    def __init__(self, **kw):
        super().__init__(**kw)
        self.bind(size=self._update, pos=self._update, mood=self._update)

    def _update(self, *_) -> None:
        r = self.radius = min(self.width, self.height) / 2 * 0.92
        cx, cy = self.center
        points = []
        for i in range(21):
            x = -0.5 + i / 20
            points += [cx + x * r * 1.1, cy - 0.38 * r + self.mood * 1.6 * r * (x * x - 0.125)]
        self.mouth = points


class StatusChip(BoxLayout):
    """A labelled health indicator in the status bar."""

    label = StringProperty("")
    state = StringProperty("ok")  # ok | warn | bad | off


class TimelineRow(BoxLayout):
    """One step of a dossier timeline on the lookup screen."""

    when = StringProperty("")
    where = StringProperty("")
    status = StringProperty("")
    last = BooleanProperty(False)


class ChoiceButton(BigButton):
    """A choice (service, priority, reason, procedure) carrying a value: a title over a subtitle."""

    value = ObjectProperty(None, allownone=True)
    selected = BooleanProperty(False)
    title = StringProperty("")
    subtitle = StringProperty("")


class SmileyButton(ButtonBehavior, BoxLayout):
    """A rating level: a large drawn face over its label."""

    value = ObjectProperty(None, allownone=True)
    mood = NumericProperty(0.0)
    face_color = ListProperty([1, 0.8, 0.1, 1])
    text = StringProperty("")


class KioskRoot(ShellRoot, BoxLayout):
    """Status bar above the screen manager (layout in root.kv); the shell's office name, clock,
    hub light and notice (e.g. an invalid scan) plus the printer and camera lights."""

    printer_state = StringProperty("off")
    camera_state = StringProperty("off")
    countdown = NumericProperty(0)  # seconds before the inactivity reset, shown when > 0


class Steps(ScreenManager):
    """The steps of a screen, switched by the `step` name (safe to bind before they exist)."""

    step = StringProperty("")

    def __init__(self, **kw):
        kw.setdefault("transition", NoTransition())
        super().__init__(**kw)

    def on_step(self, *_):
        """Show the step's screen (a new step counts as a screen change for the app)."""
        if self.has_screen(self.step):
            changed = self.current != self.step
            self.current = self.step
            self._fit()
            app = App.get_running_app()
            if changed and getattr(app, "root", None) is not None and hasattr(app, "screen_changed"):
                app.screen_changed()

    def on_size(self, *_):
        """Every step screen (shown or not) takes the manager's size."""
        self._fit()

    def on_pos(self, *_):
        """Every step screen (shown or not) takes the manager's position."""
        self._fit()

    def _fit(self) -> None:
        for screen in self.screens:
            screen.pos, screen.size = self.pos, self.size

    def add_widget(self, widget, *args, **kwargs):
        """Add a step; it is shown at once if it is the current step."""
        super().add_widget(widget, *args, **kwargs)
        widget.bind(name=self.on_step)  # kv names a screen after adding it
        self.on_step()
