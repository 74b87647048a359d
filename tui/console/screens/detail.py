"""`enter` on a task: its facts and, where the service has them, every frame record.

The frames come by the console's one road: a worker reads them and posts Loaded here. Frames
are marked with `space` and rendered again with `R` (retry_frames, asked first): the screen
posts RetryRequested, the App's runner confirms and sends, and the result comes back here as
ActionDone, when the list is read again. A failed task or frame shows what the service says
about its error code (Renderbus queryErrorDetail): what it means, what to do, where.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jobdeck.adapters.contract.model import ErrorDetail, FrameRecord, Task, iso
from jobdeck.tui.console.colours import status_style
from jobdeck.tui.console.keymap import bindings_for
from jobdeck.tui.console.messages import ActionDone, Ask, Loaded
from jobdeck.tui.console.service_state import Capabilities
from jobdeck.tui.console.task_facts import farm_facts
from jobdeck.tui.console.widgets.rows_table import RowsTable
from jobdeck.tui.safe_text import literal, set_titles, title

MARK = "◆"


def number_text(value: float | None) -> Text:
    return Text("—" if value is None else f"{value:g}")


def explanation(code: str, detail: ErrorDetail | None) -> Text:
    """An error code in the service's words: what it means, what to do, where it is written."""
    text = Text()
    text.append_text(literal(f"error {code}", "bold"))
    if detail is None:
        text.append(": not explained yet (the service's explanation could not be read)",
                    style="dim")
    elif not detail.known:
        text.append(": the service has no explanation for this code", style="dim")
    else:
        if detail.description:
            text.append_text(literal(f": {detail.description}"))
        if detail.solution:
            text.append("\nwhat to do: ", style="bold")
            text.append_text(literal(detail.solution))
        if detail.link:
            text.append("\n")
            text.append_text(literal(detail.link, "underline"))
    return text


class DetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close"), *bindings_for("frames")]

    class RetryRequested(Message):
        """Render these frames of the task again (retry_frames); answer the screen."""

        def __init__(self, screen: DetailScreen, service: str, task: Task,
                     frames: list[FrameRecord]) -> None:
            super().__init__()
            self.screen, self.service, self.task, self.frames = screen, service, task, frames

    def __init__(self, service: str, task: Task, has_frames: bool,
                 can: Capabilities | None = None,
                 explained: dict[str, ErrorDetail] | None = None,
                 wall: datetime | None = None) -> None:
        super().__init__()
        self.wall = wall or datetime.now(UTC)   # elapsed and time to go count to this
        self.service = service
        self.shown_task = task
        self.has_frames = has_frames   # the kind lists a task's frame records
        self.can = can or Capabilities()
        self.explained = explained or {}   # error code -> what the service says about it
        self.frames: list[FrameRecord] = []   # in row order
        self.marked: set[str] = set()         # frame ids

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            # the main screen's footer stays under a dialog: the frames' own keys are said here
            keys = "space marks · R renders again · esc closes" \
                if self.has_frames and self.can.may("retry_frames") \
                and not self.shown_task.children else "esc closes"
            set_titles(box, title(self.service, " · task ", self.shown_task.id), Text(keys))
            # the facts scroll in a part of their own (tab reaches it), so that the frame
            # list keeps its rows on a small terminal
            with VerticalScroll(id="detail-facts-box"):
                yield Static(self._facts(), id="detail-facts")
            yield Static("", id="detail-status")
            yield RowsTable(id="detail-frames")
            yield Static("", id="detail-frame-error")

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
        code = task.details.get("error_code")
        if code:
            table.add_row("error code", explanation(str(code), self.explained.get(str(code))))
        if task.output_url:
            table.add_row("output", literal(task.output_url))
        for key, value in task.details.items():   # the kind's own facts (a script, a command)
            if key != "error_code" and isinstance(value, str | int | float) and value != "":
                table.add_row(key.replace("_", " "), literal(str(value)))
        table.add_row("actions", literal(", ".join(task.actions) or "none now"))
        return table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(" ", "frame id", "frame", "block", "status", "started", "seconds",
                          "cost")
        if not self.has_frames or self.shown_task.children:
            table.display = False
            self.query_one("#detail-box").add_class("no-frames")   # the facts take it all
            self.query_one("#detail-facts-box").focus()
            return
        table.focus()
        self.ask()

    def ask(self) -> None:
        self.query_one("#detail-status", Static).update(Text("loading frames…", style="dim"))
        self.post_message(Ask(self, "frames", self.service, "frames", self.shown_task.id))

    def on_loaded(self, message: Loaded) -> None:
        status = self.query_one("#detail-status", Static)
        if message.error is not None:
            status.update(literal(f"frames could not be read: {message.error}", "bold"))
            return
        self.frames = list(message.value)
        self.marked &= {f.id for f in self.frames}
        self._rows()

    def _rows(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        frames = self.frames
        urls = any(f.url or f.output_url for f in frames)   # FinalRip clips: where they are
        if urls and len(table.columns) == 8:
            table.add_columns("url", "output url")
        codes = any(f.error_code for f in frames)
        if codes and "code" not in {str(c.label) for c in table.columns.values()}:
            table.add_column("code")
        for frame in frames:
            table.add_row(Text(MARK if frame.id in self.marked else " ", style="bold"),
                          literal(frame.id), literal(frame.frame), literal(frame.block),
                          Text(frame.status), Text(iso(frame.started_at) or "—"),
                          number_text(frame.seconds), number_text(frame.cost),
                          *((literal(frame.url or "—"), literal(frame.output_url or "—"))
                            if urls else ()),
                          *((literal(frame.error_code or ""),) if codes else ()))
        if frames:
            table.move_cursor(row=min(row, len(frames) - 1))
        self._status()

    def _status(self) -> None:
        words = f"{len(self.frames)} frame records"
        if self.marked:
            words += f" · {len(self.marked)} marked"
        self.query_one("#detail-status", Static).update(Text(words, style="dim"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The failed frame under the cursor: what its error code means."""
        frame = self.cursor_frame
        box = self.query_one("#detail-frame-error", Static)
        if frame is None or not frame.error_code:
            box.update("")
            return
        box.update(explanation(frame.error_code, frame.explained))

    @property
    def cursor_frame(self) -> FrameRecord | None:
        row = self.query_one(DataTable).cursor_row
        return self.frames[row] if 0 <= row < len(self.frames) else None

    # keys ---------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mark":   # marks pick frames to render again: where the service can
            return self.cursor_frame is not None and self.can.may("retry_frames")
        if action == "service_action":
            return self.cursor_frame is not None
        return True

    def action_mark(self) -> None:
        frame = self.cursor_frame
        if frame is None:
            return
        self.marked ^= {frame.id}
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.update_cell_at((row, 0), Text(MARK if frame.id in self.marked else " ",
                                            style="bold"))
        self._status()
        if row < len(self.frames) - 1:
            table.move_cursor(row=row + 1)

    def action_service_action(self, name: str) -> None:
        """`R`: render the marked frames again, else the one under the cursor (asked first)."""
        if not self.can.may_write:
            self.notify("read-only: actions are switched off", severity="warning")
            return
        if not self.can.may(name):
            self.notify("this service cannot render chosen frames again", severity="warning")
            return
        if name not in self.shown_task.actions:
            self.notify(title("not for task ", self.shown_task.id, " while it is ",
                              self.shown_task.status, ": its frames are resubmitted once it is "
                              "stopped or finished"), severity="warning")
            return
        chosen = [f for f in self.frames if f.id in self.marked]
        frame = self.cursor_frame
        if not chosen and frame is not None:
            chosen = [frame]
        if chosen:
            self.post_message(self.RetryRequested(self, self.service, self.shown_task, chosen))

    def on_action_done(self, message: ActionDone) -> None:
        """The frames were resubmitted (or refused): the list as it is now."""
        if message.result.ok:
            self.marked.clear()
        self.ask()
