"""Counter widgets with Python properties; their look lives in assets/kv/counter/widgets.kv."""
from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
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
