"""`v` in the task list: which extra columns it shows (elapsed, ETA, cost, project, user).
Space turns the one under the cursor on or off, enter keeps the choice, esc leaves it as it was.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static

from jobdeck.tui.console.task_filter import EXTRA_COLUMNS
from jobdeck.tui.safe_text import set_titles

WORDS = {"elapsed": "ELAPSED  how long it has rendered (start to end, or to now)",
         "eta": "ETA      time to go, at the rate it has kept",
         "cost": "COST     what it has cost so far",
         "project": "PROJECT  its project",
         "user": "USER     who submitted it (a sub-account)"}


class ColumnChoice(SelectionList[str]):
    """Space toggles (SelectionList's own); enter keeps the choice instead of toggling."""

    BINDINGS = [Binding("enter", "keep", "Keep", show=False)]

    def action_select(self) -> None:
        """Space toggles the row under the cursor now. SelectionList's own posts a message
        and toggles whatever is highlighted when it arrives: a quick space, down, space
        toggled the second row twice and the first not at all."""
        if self.highlighted is not None:
            self.toggle(self.get_option_at_index(self.highlighted))

    def action_keep(self) -> None:
        screen = self.screen
        if isinstance(screen, ColumnsScreen):
            screen.action_keep()


class ColumnsScreen(ModalScreen[tuple[str, ...] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "keep", "Keep")]

    def __init__(self, shown: tuple[str, ...]) -> None:
        super().__init__()
        self.shown = shown

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-box") as box:
            set_titles(box, Text("Task columns"),
                       Text("space turns on/off · enter keeps · esc cancels"))
            yield Static(Text("o then orders by them too; a narrow pane shows those that fit.",
                              style="dim"))
            yield ColumnChoice(*((WORDS[name], name, name in self.shown)
                                 for name in EXTRA_COLUMNS), id="columns")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_keep(self) -> None:
        chosen = set(self.query_one(SelectionList).selected)
        self.dismiss(tuple(name for name in EXTRA_COLUMNS if name in chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)
