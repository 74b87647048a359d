"""The muted items (`m` in the alerts history, `H`): what is muted, until when; `u` lifts a mute.

A mute silences its item everywhere (attention view, toast, bell, hook), so an operator must be
able to see what they silenced and take it back. The screen is given the list; lifting a mute
posts Unmute, which the App carries out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jobdeck.tui.console.widgets.rows_table import RowsTable
from jobdeck.tui.safe_text import literal, set_titles


def until_text(until: float | None) -> str:
    if until is None:
        return "until it changes"
    return "until " + datetime.fromtimestamp(until).astimezone().strftime("%m-%d %H:%M")


class MutesScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Close"),
                Binding("u,delete", "unmute", "Unmute")]

    class Unmute(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, mutes: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__()
        self.mutes = dict(mutes)

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            set_titles(box, Text("Muted items"), Text("u unmutes · esc closes"))
            yield Static(id="mutes-status")
            yield RowsTable(id="mutes-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("service", "item", "was", "muted")
        for key, mute in self.mutes.items():
            service, _, rest = key.partition("/")
            table.add_row(literal(mute.get("service") or service),
                          literal(mute.get("label") or rest.replace("/", " ")),
                          literal(mute.get("status") or ""), Text(until_text(mute.get("until"))),
                          key=key)
        self._say()

    def _say(self) -> None:
        count = len(self.mutes)
        words = (f"{count} muted item{'s' if count != 1 else ''}: silenced in the attention view, "
                 "and no toast, bell or hook for them" if count else "nothing is muted")
        self.query_one("#mutes-status", Static).update(Text(words, style="dim"))

    def action_unmute(self) -> None:
        table = self.query_one(DataTable)
        if not self.mutes or table.cursor_row < 0:
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        table.remove_row(key)
        self.mutes.pop(key, None)
        self.post_message(self.Unmute(key))
        self._say()
