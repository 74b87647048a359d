"""`H` with a history store: every recorded transition and action, across restarts, newest
first; `s` and `e` filter by service and by kind of event, `enter` goes to the item.

The rows come from a thread worker (the store is a file another process may be writing);
◆ marks what alerted in this session, ▸ an action someone took.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jobdeck.adapters.contract.model import iso
from jobdeck.adapters.core.history import Event, describe_action
from jobdeck.tui.console.toasts import describe
from jobdeck.tui.console.widgets.rows_table import RowsTable
from jobdeck.tui.safe_text import literal, set_titles, title

ALL = "all"
KINDS = ("failed", "partial", "stalled", "done", "stream_gone", "service_down", "service_up",
         "action")


class RecordedHistoryScreen(ModalScreen["Event | None"]):
    BINDINGS = [Binding("escape,q,H", "close", "Close"),
                Binding("s", "cycle('service', 1)", "Service"),
                Binding("S", "cycle('service', -1)", "Service", show=False),
                Binding("e", "cycle('kind', 1)", "Event"),
                Binding("E", "cycle('kind', -1)", "Event", show=False),
                Binding("enter", "jump", "Go to"),
                Binding("m", "app.mutes", "Muted items")]   # screens/mutes.py

    def __init__(self, load: Callable[[], list[Event]], alerted: set[tuple[str, str | None]]
                 ) -> None:
        super().__init__()
        self.load = load
        self.alerted = alerted
        self.events: list[Event] = []
        self.shown: list[Event] = []
        self.filters = {"service": ALL, "kind": ALL}
        self.error: str | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            set_titles(box, Text("History"), Text("s service · e event · enter go to · esc"))
            yield Static(Text("reading the history…", style="dim"), id="history-status")
            yield RowsTable(id="history-table")
            yield Static("", id="history-cursor")   # the row under the cursor, whole

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("", "at (UTC)", "service", "event")
        self.run_worker(self._read, thread=True, exit_on_error=False, group="history-read")

    def _read(self) -> None:
        try:
            events, error = self.load(), None
        except Exception as exc:   # an unreadable store is a line here, never a crash
            events, error = [], str(exc)
        self.app.call_from_thread(self.show, events, error)

    def show(self, events: list[Event], error: str | None = None) -> None:
        self.events, self.error, self.loaded = events, error, True
        self.refill()

    def options(self, name: str) -> list[str]:
        if name == "service":
            return [ALL, *sorted({e.service for e in self.events})]
        present = {e.kind for e in self.events}
        return [ALL, *(k for k in KINDS if k in present),
                *sorted(present - set(KINDS))]

    def action_cycle(self, name: str, step: int) -> None:
        choices = self.options(name)
        now = self.filters[name]
        index = choices.index(now) if now in choices else 0
        self.filters[name] = choices[(index + step) % len(choices)]
        self.refill()

    def refill(self) -> None:
        service, kind = self.filters["service"], self.filters["kind"]
        self.shown = [e for e in self.events if (service == ALL or e.service == service)
                      and (kind == ALL or e.kind == kind)]
        table = self.query_one(DataTable)
        table.clear()
        for event in self.shown:
            table.add_row(*self.cells(event))
        status = self.query_one("#history-status", Static)
        if self.error is not None:
            status.update(literal(f"the history could not be read: {self.error}", "bold"))
            return
        words = f"{len(self.shown)} of {len(self.events)}" if len(self.shown) != len(
            self.events) else f"{len(self.events)}"
        line = title(words, " recorded, newest first · service: ", service, " · event: ",
                     kind)
        line.append(" · ◆ alerted this session · ▸ action", style="dim")
        status.update(line)

    def cells(self, event: Event) -> tuple[Text, ...]:
        at = Text(f"{event.at:%m-%d %H:%M:%S}")
        if event.transition is not None:
            t = event.transition
            mark = "◆" if (t.key, iso(t.at)) in self.alerted else ""
            return Text(mark), at, literal(t.service), literal(describe(t))
        return (Text("▸"), at, literal(event.service),
                literal("action " + describe_action(event.action or {})))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """At 80 columns an event is wider than the dialog: its whole words show below."""
        row = event.cursor_row
        line = Text()
        if 0 <= row < len(self.shown):
            cells = self.cells(self.shown[row])
            line = Text(" ").join([cells[1], cells[2], cells[3]])
        self.query_one("#history-cursor", Static).update(line)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()   # enter on the table itself
        self.action_jump()

    def action_jump(self) -> None:
        table = self.query_one(DataTable)
        if self.shown and 0 <= table.cursor_row < len(self.shown):
            self.dismiss(self.shown[table.cursor_row])

    def action_close(self) -> None:
        self.dismiss(None)
