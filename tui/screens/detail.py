"""`enter` on a task: its facts and, where the service has them, every frame record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from jobdeck.adapters.model import JobdeckError, Task, iso
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ..colours import status_style
from ..safe_text import literal

FrameLoader = Callable[[str], Awaitable[list[dict[str, Any]]]]


class DetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close")]

    def __init__(self, service: str, task: Task, load_frames: FrameLoader | None) -> None:
        super().__init__()
        self.service = service
        self.shown_task = task
        self.load_frames = load_frames

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            box.border_title = f"{self.service} · task {self.shown_task.id}"
            box.border_subtitle = "esc closes"
            yield Static(self._facts(), id="detail-facts")
            yield Static("", id="detail-status")
            yield DataTable(id="detail-frames", cursor_type="row", zebra_stripes=True)

    def _facts(self) -> Table:
        task = self.shown_task
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", justify="right")
        table.add_column()
        table.add_row("name", literal(task.name))
        table.add_row("status", Text(f"{task.status} (raw {task.raw_status})",
                                     style=status_style(self.app, task.status)))
        if task.progress is not None:
            table.add_row("progress", f"{task.progress * 100:.1f}%")
        if task.frames:
            f = task.frames
            table.add_row("frames", f"{f.done} done · {f.failed} failed · {f.running} running · "
                                    f"{f.waiting} waiting · {f.total} in all")
        table.add_row("submitted", iso(task.submitted_at) or "—")
        if task.error:
            table.add_row("error", literal(task.error))
        if task.output_url:
            table.add_row("output", literal(task.output_url))
        table.add_row("actions", ", ".join(task.actions) or "none now")
        return table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("frame id", "frame", "block", "status", "started", "seconds", "cost")
        if self.load_frames is None or self.shown_task.children:
            table.display = False
            return
        self.query_one("#detail-status", Static).update(Text("loading frames…", style="dim"))
        self.fetch()

    @work(exclusive=True, group="detail")
    async def fetch(self) -> None:
        assert self.load_frames is not None
        status = self.query_one("#detail-status", Static)
        try:
            frames = await self.load_frames(self.shown_task.id)
        except JobdeckError as exc:
            status.update(literal(f"frames could not be read: {exc}", "bold"))
            return
        table = self.query_one(DataTable)
        for frame in frames:
            table.add_row(
                literal(frame["id"]), literal(frame["frame"]), literal(frame["block"]),
                Text(frame["status"]), iso(frame["started_at"]) or "—",
                literal(frame["seconds"] if frame["seconds"] is not None else "—"),
                literal(frame["cost"] if frame["cost"] is not None else "—"), key=frame["id"])
        status.update(Text(f"{len(frames)} frame records", style="dim"))
