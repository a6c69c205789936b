"""Properties every app's root widget shows (kept apart from uikit.app, which opens the window)."""
from __future__ import annotations

from kivy.properties import StringProperty


class ShellRoot:
    """Mixed into an app's root widget class; the App shell (uikit.app) sets them."""

    office_name = StringProperty("")
    clock_text = StringProperty("")
    hub_state = StringProperty("ok")  # the light: ok | local | bad
    hub_problem = StringProperty("")  # why it is bad: "" | unavailable | denied | error
    notice = StringProperty("")  # a short message over the screens
