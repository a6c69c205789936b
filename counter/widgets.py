"""Counter widgets with Python properties; their look lives in assets/kv/counter/widgets.kv."""
from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

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
