"""`enter` on a task: its facts and, where the service has them, every frame record.

The frames come by the console's one road: a worker reads them and posts Loaded here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jobdeck.adapters.contract.model import FrameRecord, Task, iso
from jobdeck.tui.console.colours import status_style
from jobdeck.tui.console.messages import Ask, Loaded
from jobdeck.tui.console.task_facts import farm_facts
from jobdeck.tui.safe_text import literal, set_titles, title


def number_text(value: float | None) -> Text:
    return Text("—" if value is None else f"{value:g}")


class DetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close")]

    def __init__(self, service: str, task: Task, has_frames: bool,
                 wall: datetime | None = None) -> None:
        super().__init__()
        self.wall = wall or datetime.now(UTC)   # elapsed and time to go count to this
        self.service = service
        self.shown_task = task
        self.has_frames = has_frames   # the kind lists a task's frame records

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            set_titles(box, title(self.service, " · task ", self.shown_task.id),
                       Text("esc closes"))
            yield Static(self._facts(), id="detail-facts")
            yield Static("", id="detail-status")
            yield DataTable(id="detail-frames", cursor_type="row", zebra_stripes=True)

    def _facts(self) -> Table:
        task = self.shown_task
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", justify="right")
        table.add_column()
        table.add_row("name", literal(task.name))
        table.add_row("status", literal(f"{task.status} (raw {task.raw_status})",
                                        str(status_style(self.app, task.status))))
        if task.progress is not None:
            table.add_row("progress", f"{task.progress * 100:.1f}%")
        if task.frames:
            f = task.frames
            table.add_row("frames", f"{f.done} done · {f.failed} failed · {f.running} running · "
                                    f"{f.waiting} waiting · {f.total} in all")
        table.add_row("submitted", iso(task.submitted_at) or "—")
        for label, value in farm_facts(task, self.wall):   # a render farm's own facts
            table.add_row(label, literal(value))
        if task.error:
            table.add_row("error", literal(task.error))
        if task.output_url:
            table.add_row("output", literal(task.output_url))
        for key, value in task.details.items():   # the kind's own facts (a script, a command)
            if isinstance(value, str | int | float) and value != "":
                table.add_row(key.replace("_", " "), literal(str(value)))
        table.add_row("actions", literal(", ".join(task.actions) or "none now"))
        return table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("frame id", "frame", "block", "status", "started", "seconds", "cost")
        if not self.has_frames or self.shown_task.children:
            table.display = False
            return
        self.query_one("#detail-status", Static).update(Text("loading frames…", style="dim"))
        self.post_message(Ask(self, "frames", self.service, "frames", self.shown_task.id))

    def on_loaded(self, message: Loaded) -> None:
        status = self.query_one("#detail-status", Static)
        if message.error is not None:
            status.update(literal(f"frames could not be read: {message.error}", "bold"))
            return
        frames: list[FrameRecord] = message.value
        table = self.query_one(DataTable)
        urls = any(f.url or f.output_url for f in frames)   # FinalRip clips: where they are
        if urls:
            table.add_columns("url", "output url")
        for frame in frames:
            table.add_row(literal(frame.id), literal(frame.frame), literal(frame.block),
                          Text(frame.status), Text(iso(frame.started_at) or "—"),
                          number_text(frame.seconds), number_text(frame.cost),
                          *((literal(frame.url or "—"), literal(frame.output_url or "—"))
                            if urls else ()))
        status.update(Text(f"{len(frames)} frame records", style="dim"))
