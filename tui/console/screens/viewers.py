"""`enter` on a stream: who watches it now (client, format, since when); `k` kicks the player
under the cursor where the kind can (nginx-rtmp). The publisher is shown apart, so the count
here is the stream's viewers count.

The list comes by the console's one road: a worker reads it and posts Loaded here.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.model import Stream, Viewer, iso
from jobdeck.tui.console.action_runner import Other
from jobdeck.tui.console.keymap import bindings_for
from jobdeck.tui.console.messages import ActionDone, Loaded, load
from jobdeck.tui.safe_text import literal, set_titles, title


class ViewersScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close"), *bindings_for("viewers")]

    def __init__(self, service: str, stream: Stream, adapter: Adapter) -> None:
        super().__init__()
        self.service, self.stream, self.adapter = service, stream, adapter
        self.viewers: list[Viewer] = []   # the players, in row order (the publisher apart)

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            set_titles(box, title(self.service, " · ", self.stream.id, " · viewers"),
                       Text("esc closes"))
            yield Static(Text("loading…", style="dim"), id="viewers-status")
            yield DataTable(id="viewers-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("client", "format", "since", "server", "id")
        load(self.app, self, "viewers", self.adapter.viewers(self.stream.id))

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
        """`k`: kick the player under the cursor, asked first like every destructive action."""
        if name not in self.adapter.actions:
            self.app.notify(title(self.adapter.kind, " has no per-viewer kick: its API cannot "
                                  "disconnect one player (close the stream instead)"),
                            title=title(self.service, " · ", name), severity="warning")
            return
        table = self.query_one(DataTable)
        if not self.viewers or not 0 <= table.cursor_row < len(self.viewers):
            return
        viewer = self.viewers[table.cursor_row]
        if viewer.id:
            runner = self.app.runner  # type: ignore[attr-defined]
            runner.request(self.service, name, [Other(f"{self.stream.id}/{viewer.id}",
                                                      viewer.client)], reply_to=self)

    def on_action_done(self, message: ActionDone) -> None:
        """A kick came back: read who watches again."""
        load(self.app, self, "viewers", self.adapter.viewers(self.stream.id))
