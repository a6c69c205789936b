"""Counter widgets with Python properties; their look lives in assets/kv/counter/widgets.kv."""
from __future__ import annotations

from kivy.graphics import Color, Rectangle
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import FocusBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.checkbox import CheckBox
from kivy.uix.spinner import Spinner
from kivy.uix.textinput import TextInput

from uikit.root import ShellRoot


class CounterRoot(ShellRoot, BoxLayout):
    """Header (office, counter, staff, services, pause, hub), banner, navigation, screens (root.kv)."""

    logged_in = BooleanProperty(False)
    banner = StringProperty("")


class CButton(Button):
    """A flat desk button with a colour tone."""

    tone = StringProperty("primary")  # primary | secondary | danger | ok | warn | ghost


class ItemButton(CButton):
    """A button standing for an item of a list (a procedure, a dossier row, a status)."""

    item = ObjectProperty(None, allownone=True)


class BarChart(BoxLayout):
    """A titled horizontal bar chart: one row per (name, value, shown text); bars drawn to scale
    against the largest value (or against 100 for percentages, `scale=100`)."""

    title = StringProperty("")
    empty = StringProperty("")  # said when there are no bars
    bars = ListProperty([])
    scale = ObjectProperty(None, allownone=True)
    colour = ListProperty([0.05, 0.28, 0.63, 1])

    def on_kv_post(self, *_):
        self.on_bars()

    def on_bars(self, *_):
        """Draw the rows again (once the kv rule has made the rows box)."""
        rows = self.ids.get("rows")
        if rows is None:
            return
        rows.clear_widgets()
        if not self.bars:
            rows.add_widget(BarRow(name=self.empty, fraction=0.0))
        top = self.scale or max((v or 0 for _, v, _ in self.bars), default=0) or 1
        for name, value, shown in self.bars:
            rows.add_widget(BarRow(name=name, shown=shown, fraction=min(1.0, (value or 0) / top),
                                   colour=self.colour))


class BarRow(BoxLayout):
    """One bar of a BarChart: name, the bar, the figure."""

    name = StringProperty("")
    shown = StringProperty("")
    fraction = ObjectProperty(0.0)
    colour = ListProperty([0.05, 0.28, 0.63, 1])

    def on_kv_post(self, *_):
        bar = self.ids.bar
        with bar.canvas:
            Color(rgba=self.colour)
            rect = Rectangle(pos=bar.pos, size=(0, 0))

        def place(*_):
            rect.pos, rect.size = bar.pos, (bar.width * self.fraction, bar.height)

        bar.bind(pos=place, size=place)
        self.bind(fraction=place)
        place()


# ---- reachable and operable by keyboard (Tab, Shift+Tab, arrows, Space, Enter) -----------------

class KeySpinner(FocusBehavior, Spinner):
    """A dropdown that Tab reaches: Up/Down pick the previous/next value, Space or Enter opens
    the list (clicking works as before)."""

    def keyboard_on_key_down(self, window, keycode, text, modifiers):
        name = keycode[1]
        if name in ("up", "down") and self.values:
            at = self.values.index(self.text) if self.text in self.values else -1
            step = -1 if name == "up" else 1
            self.text = self.values[max(0, min(len(self.values) - 1, at + step))] if at >= 0 else self.values[0]
            return True
        if name in ("spacebar", "enter", "numpadenter"):
            self.is_open = not self.is_open
            return True
        return super().keyboard_on_key_down(window, keycode, text, modifiers)


class KeyCheckBox(FocusBehavior, CheckBox):
    """A checkbox that Tab reaches; Space toggles it."""

    def keyboard_on_key_down(self, window, keycode, text, modifiers):
        if keycode[1] == "spacebar":
            self._do_press()
            return True
        return super().keyboard_on_key_down(window, keycode, text, modifiers)

    def keyboard_on_textinput(self, window, text):
        return True  # the space typed is the toggle, not text for anyone else


class SearchField(TextInput):
    """A one-line search box: Up/Down move through its results (`on_move`), Enter picks one."""

    __events__ = ("on_move",)

    def keyboard_on_key_down(self, window, keycode, text, modifiers):
        if keycode[1] in ("up", "down"):
            self.dispatch("on_move", -1 if keycode[1] == "up" else 1)
            return True
        return super().keyboard_on_key_down(window, keycode, text, modifiers)

    def on_move(self, step: int) -> None:
        """Up (-1) or Down (+1) was pressed."""
