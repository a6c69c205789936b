"""Common behaviour of counter screens."""
from __future__ import annotations

import logging
import uuid

from office.errors import DomainError, Unavailable
from uikit.screen import AppScreen

log = logging.getLogger("counter")


def new_key() -> str:
    """A fresh idempotency key for one intended action (kept until that action succeeds)."""
    return uuid.uuid4().hex


class CounterScreen(AppScreen):
    """A counter screen: the shared busy flag, notice line, worker calls, plain-words errors and
    scan hook (uikit.screen), plus Ctrl+Enter. `clear()` runs at logout.

    The keyboard is never left without a field: a screen with a `first_field` gives it the focus
    when it opens, and keys typed while no field had it (caught by the shell) are typed into it."""

    first_field = ""  # the id of the field that takes the keyboard when the screen opens

    def on_enter(self, *_):
        """Shown: the keyboard goes to the screen's first field."""
        self.focus_first()

    def focus_first(self) -> None:
        """Give the first field the keyboard (when the screen has one and none of its widgets
        has it already)."""
        if self.first_field and not any(getattr(w, "focus", False) for w in self.walk(restrict=True)):
            self.ids[self.first_field].focus = True

    def on_typed(self, text: str) -> None:
        """Keys typed with no field focused: into the first field, none lost."""
        if self.first_field:
            field = self.ids[self.first_field]
            field.focus = True
            field.insert_text(text)

    def submit(self) -> None:
        """Ctrl+Enter: the screen's main action."""

    def print_failed(self, error: BaseException) -> None:
        """The A4 printer failed: what happened (a printer's own message is for staff), and that
        the data is saved."""
        if isinstance(error, (Unavailable, DomainError)):
            message = error.message
        else:
            log.error("printing failed", exc_info=error)
            message = self.t("error.internal")
        self.say("print.failed", message=message)
