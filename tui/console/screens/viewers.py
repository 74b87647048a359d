"""`enter` on a stream: who watches it now (client, format, since when); `k` kicks the player
under the cursor where the kind can (nginx-rtmp). The publisher is shown apart, so the count
here is the stream's viewers count.

The list comes by the console's one road: the screen asks (Ask), the App's reader answers with
Loaded. A kick goes to the App as KickRequested; its result comes back here as ActionDone, and
the list is asked for again.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jobdeck.adapters.contract.model import Stream, Viewer, iso
from jobdeck.tui.console.keymap import bindings_for
from jobdeck.tui.console.messages import ActionDone, Ask, Loaded
from jobdeck.tui.console.service_state import Capabilities
from jobdeck.tui.console.widgets.rows_table import RowsTable
from jobdeck.tui.safe_text import literal, set_titles, title


class ViewersScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close"), *bindings_for("viewers")]

    class KickRequested(Message):
        """Kick `target` (`stream/clientid`), described as `client`; answer the screen."""

        def __init__(self, screen: ViewersScreen, service: str, action: str, target: str,
                     client: str) -> None:
            super().__init__()
            self.screen, self.service, self.action = screen, service, action
            self.target, self.client = target, client

    def __init__(self, service: str, stream: Stream,
                 can: Capabilities | None = None) -> None:
        super().__init__()
        self.service, self.stream = service, stream
        self.can = can or Capabilities()
        self.viewers: list[Viewer] = []   # the players, in row order (the publisher apart)

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            set_titles(box, title(self.service, " · ", self.stream.id, " · viewers"),
                       Text("esc closes"))
            yield Static(Text("loading…", style="dim"), id="viewers-status")
            yield RowsTable(id="viewers-table")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("client", "format", "since", "server", "id")
        self.ask()

    def ask(self) -> None:
        self.post_message(Ask(self, "viewers", self.service, "viewers", self.stream.id))

    def on_loaded(self, message: Loaded) -> None:
        status = self.query_one("#viewers-status", Static)
        if message.error is not None:
            status.update(literal(f"viewers could not be read: {message.error}", "bold"))
            return
        everyone: list[Viewer] = message.value
        self.viewers = [v for v in everyone if not v.publisher]
        table = self.query_one(DataTable)
        table.clear()
        for viewer in self.viewers:
            table.add_row(literal(viewer.client), literal(viewer.format),
                          Text(iso(viewer.since) or "—"), literal(viewer.server),
                          literal(viewer.id or ""))
        words = Text(f"{len(self.viewers)} watching", style="dim")
        for publisher in (v for v in everyone if v.publisher):
            words.append_text(literal(f" · publishing: {publisher.client}", "dim"))
        status.update(words)

    def action_service_action(self, name: str) -> None:
        """`k`: kick the player under the cursor (asked first, like every destructive action)."""
        if not self.can.may_write:
            self.notify("read-only: actions are switched off", severity="warning")
            return
        if not self.can.may(name):
            self.notify("no per-viewer kick here: this service's API cannot disconnect one "
                        "player (close the stream instead)", severity="warning")
            return
        table = self.query_one(DataTable)
        if not 0 <= table.cursor_row < len(self.viewers):
            return
        viewer = self.viewers[table.cursor_row]
        if viewer.id:
            self.post_message(self.KickRequested(self, self.service, name,
                                                 f"{self.stream.id}/{viewer.id}", viewer.client))

    def on_action_done(self, message: ActionDone) -> None:
        """A kick came back: who watches now."""
        self.ask()
