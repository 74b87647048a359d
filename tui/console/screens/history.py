"""`H`: the session's alerts, newest first; and `m`'s question: mute for how long?"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jobdeck.adapters.contract.model import iso
from jobdeck.adapters.core.oncall import Item
from jobdeck.tui.console.toasts import Alert, describe
from jobdeck.tui.console.widgets.rows_table import RowsTable
from jobdeck.tui.safe_text import literal, set_titles, title

MUTE_CHOICES = (("1", "for 15 minutes", 15 * 60.0), ("2", "for an hour", 3600.0),
                ("3", "for 8 hours", 8 * 3600.0), ("u", "until it changes", None))


class HistoryScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,H", "app.pop_screen", "Close"),
                Binding("m", "app.mutes", "Muted items")]   # screens/mutes.py

    def __init__(self, history: list[Alert]) -> None:
        super().__init__()
        self.history = history

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            set_titles(box, Text("Alerts this session"), Text("m muted items · esc closes"))
            count = len(self.history)
            yield Static(Text(f"{count} transition{'s' if count != 1 else ''}; "
                              "◆ alerted · ◇ held back by the rate limit or [alerts] on",
                              style="dim"), id="history-status")
            yield RowsTable(id="history-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "at", "service", "what", "transition")
        for alert in reversed(self.history):
            transition = alert.transition
            table.add_row(Text("◆" if alert.toasted else "◇"), Text(iso(transition.at) or ""),
                          literal(transition.service), Text(transition.what),
                          literal(describe(transition)))


class MuteScreen(ModalScreen[float | None | bool]):
    """Dismisses with seconds, None (until it changes), or False (not muted)."""

    BINDINGS = [Binding("escape,n", "choose('no')", "Cancel"),
                *(Binding(key, f"choose('{key}')", words) for key, words, _ in MUTE_CHOICES)]

    def __init__(self, item: Item) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="mute") as box:
            set_titles(box, title("Mute · ", self.item.service))
            body = Text()
            body.append("Mute ")
            body.append_text(literal(f"{self.item.what} {self.item.name}", "bold"))
            body.append(f" ({self.item.status})?\n\n")
            for key, words, _ in MUTE_CHOICES:
                body.append(f"  {key}", style="bold")
                body.append(f"  {words}\n")
            body.append("  esc", style="bold")
            body.append("  keep it\n")
            yield Static(body, id="confirm-body")

    def action_choose(self, key: str) -> None:
        for choice, _, seconds in MUTE_CHOICES:
            if choice == key:
                self.dismiss(seconds)
                return
        self.dismiss(False)
