"""`?`: every key, from the same table that makes the bindings and the palette."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keymap import Command

GROUPS = {"view": "Console", "task": "Tasks (marked, else the one under the cursor)",
          "blocks": "Block grid (when it has focus)", "stream": "Streams"}


def help_table(commands: tuple[Command, ...]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold")
    table.add_column()
    for group, title in GROUPS.items():
        rows = [c for c in commands if c.group == group]
        if not rows:
            continue
        table.add_row("", Text(title, style="bold underline"))
        for command in rows:
            table.add_row(command.display_key, Text(f"{command.label}: {command.help}"))
        table.add_row("", "")
    table.add_row("arrows", "Block grid: move between blocks; the legend names the one under "
                  "the cursor")
    table.add_row("", Text("Task tree", style="bold underline"))
    table.add_row("← →", "Collapse / expand a parent task")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def __init__(self, commands: tuple[Command, ...]) -> None:
        super().__init__()
        self.commands = commands

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "jobdeck keys"
            box.border_subtitle = "esc closes"
            yield Static(help_table(self.commands))
