"""`enter` on a stream: who watches it now (client, format, since when)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from jobdeck.adapters.model import JobdeckError, Stream, iso
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ..safe_text import literal

ViewerLoader = Callable[[str], Awaitable[list[dict[str, Any]]]]


class ViewersScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close")]

    def __init__(self, service: str, stream: Stream, load: ViewerLoader) -> None:
        super().__init__()
        self.service, self.stream, self.load = service, stream, load

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            box.border_title = f"{self.service} · {self.stream.id} · viewers"
            box.border_subtitle = "esc closes"
            yield Static(Text("loading…", style="dim"), id="viewers-status")
            yield DataTable(id="viewers-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("client", "format", "since", "server")
        self.fetch()

    @work(exclusive=True, group="viewers")
    async def fetch(self) -> None:
        status = self.query_one("#viewers-status", Static)
        try:
            viewers = await self.load(self.stream.id)
        except JobdeckError as exc:
            status.update(literal(f"viewers could not be read: {exc}", "bold"))
            return
        table = self.query_one(DataTable)
        for viewer in viewers:
            table.add_row(literal(viewer["client"]), literal(viewer["format"]),
                          iso(viewer["since"]) or "—", literal(viewer["server"]))
        status.update(Text(f"{len(viewers)} connected", style="dim"))
