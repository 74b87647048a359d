"""`?`: every key, from the same table that makes the bindings and the palette.

The keys for the selection come first; on a wide terminal the groups stand side by side, so
at 80x24 the task and stream actions on-call needs most are above the fold.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Static

from jobdeck.adapters.core.commands import COMMANDS, Command
from jobdeck.tui.safe_text import set_titles

GROUPS = {"selection": "The selection (marked, else under the cursor)", "stream": "Streams",
          "blocks": "Block grid", "console": "Console", "navigation": "Moving around",
          "replay": "Replay (jobdeck replay)"}


def group_table(heading: str, commands: list[Command], keys: Mapping[str, str]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column()
    table.add_row("", Text(heading, style="bold underline"))
    for command in commands:
        words = command.label if command.help == command.label \
            else f"{command.label}: {command.help}"
        table.add_row(command.display_key(keys), Text(words))
    return table


def help_tables(keys: Mapping[str, str]) -> list[Table]:
    return [group_table(heading, [c for c in COMMANDS if c.group == group], keys)
            for group, heading in GROUPS.items()]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def __init__(self, keys: Mapping[str, str]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            set_titles(box, Text("jobdeck keys"), Text("esc closes"))
            with Grid(id="help-grid"):
                for table in help_tables(self.keys):
                    yield Static(table, classes="help-group")

    def on_resize(self, event: Resize) -> None:
        columns = 1 if event.size.width < 110 else 2 if event.size.width < 170 else 3
        self.query_one("#help-grid", Grid).styles.grid_size_columns = columns
