"""`enter` on a stream: who watches it now (client, format, since when).

The list comes by the console's one road: a worker reads it and posts Loaded here.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jobdeck.adapters.contract.model import Stream, Viewer, iso
from jobdeck.tui.console.messages import Ask, Loaded
from jobdeck.tui.safe_text import literal, set_titles, title


class ViewersScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close")]

    def __init__(self, service: str, stream: Stream) -> None:
        super().__init__()
        self.service, self.stream = service, stream

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            set_titles(box, title(self.service, " · ", self.stream.id, " · viewers"),
                       Text("esc closes"))
            yield Static(Text("loading…", style="dim"), id="viewers-status")
            yield DataTable(id="viewers-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("client", "format", "since", "server", "id")
        self.post_message(Ask(self, "viewers", self.service, "viewers", self.stream.id))

    def on_loaded(self, message: Loaded) -> None:
        status = self.query_one("#viewers-status", Static)
        if message.error is not None:
            status.update(literal(f"viewers could not be read: {message.error}", "bold"))
            return
        viewers: list[Viewer] = message.value
        table = self.query_one(DataTable)
        for viewer in viewers:
            table.add_row(literal(viewer.client), literal(viewer.format),
                          Text(iso(viewer.since) or "—"), literal(viewer.server),
                          literal(viewer.id or ""))
        status.update(Text(f"{len(viewers)} connected", style="dim"))
