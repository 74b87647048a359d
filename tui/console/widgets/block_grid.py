"""The block grid: one coloured cell per block, drawn line by line with cached strips.

Blocks are laid out in order, wrapped to the pane's width; only rows on screen are ever drawn, so a
100k-block grid costs one screenful per refresh. The legend and the block under the cursor are in
BlockPane below it.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Static

from jobdeck.adapters.contract.model import BLOCK_STATUSES, Block, BlockGrid, Task
from jobdeck.adapters.core.task_times import duration_text, grid_eta_s
from jobdeck.tui.console.colours import block_style
from jobdeck.tui.console.keymap import bindings_for
from jobdeck.tui.console.messages import ActionDone, Ask, Loaded
from jobdeck.tui.console.service_state import ServiceState, age_text
from jobdeck.tui.console.task_facts import task_facts
from jobdeck.tui.safe_text import clean, literal, set_titles, title

CELL_W = 3
GLYPHS = {"done": "██", "waiting": "░░", "failed": "✗✗", "stopped": "▒▒", "running": "▓▓"}
MARKED = "◆◆"   # a marked block, in its status's colour


class BlockGridView(ScrollView, can_focus=True):
    BINDINGS = bindings_for("blocks")

    class CursorMoved(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class ActionRequested(Message):
        """Run an adapter action on the block under the cursor (its index fills a param)."""

        def __init__(self, service: str, action: str, task_id: str, block: Block) -> None:
            super().__init__()
            self.service, self.action, self.task_id, self.block = service, action, task_id, block

    class FramesRequested(Message):
        """Render these blocks (frames) of a task again: the marked ones, else the one under
        the cursor. The App confirms and sends retry_frames; the grid hears the result."""

        def __init__(self, grid: BlockGridView, service: str, task_id: str,
                     blocks: list[Block]) -> None:
            super().__init__()
            self.grid, self.service, self.task_id, self.blocks = grid, service, task_id, blocks

    class MarksChanged(Message):
        """The marks changed: the legend says how many."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.blocks: list[Block] = []
        self.task_id: str | None = None
        self.service: str | None = None
        self.task_actions: tuple[str, ...] = ()   # what the shown task offers now
        self.cursor = 0
        self.marked: set[int] = set()   # positions of the marked blocks (frames to retry)
        self.markable = False           # the service can retry frames: marks mean something
        self._columns = 1
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}

    # data -----------------------------------------------------------------------------------------

    def show_grid(self, grid: BlockGrid | None) -> None:
        blocks = [b for row in grid.rows for b in row] if grid else []
        task_id = grid.task_id if grid else None
        same = task_id == self.task_id and len(blocks) == len(self.blocks)
        if task_id != self.task_id:
            self.cursor = 0
            self.marked.clear()
            self.scroll_to(0, 0, animate=False)
        old = self.blocks
        self.task_id, self.blocks = task_id, blocks
        self.cursor = min(self.cursor, max(0, len(blocks) - 1))
        if not same:
            self._strips.clear()
            self._layout()
            self.refresh()
            return
        # The same task again: only rows on screen are compared (a screenful, not 100k
        # blocks); a changed one is redrawn alone. Rows off screen just forget their strips.
        columns, top = self._columns, self.scroll_offset.y
        visible = range(top, top + self.size.height)
        self._strips = {row: strip for row, strip in self._strips.items() if row in visible}
        for row in visible:
            start = row * columns
            if old[start:start + columns] != blocks[start:start + columns]:
                self._strips.pop(row, None)
                self.refresh_line(row)

    def _layout(self) -> None:
        width = max(1, self.scrollable_content_region.width or self.size.width)
        columns = max(1, width // CELL_W)
        if columns != self._columns:
            self._columns = columns
            self._strips.clear()
        rows = -(-len(self.blocks) // columns) if self.blocks else 0
        self.virtual_size = Size(columns * CELL_W, rows)

    def on_resize(self) -> None:
        self._layout()

    def theme_changed(self) -> None:
        self._styles.clear()
        self._strips.clear()
        self.refresh()

    # drawing --------------------------------------------------------------------------------------

    def _style(self, status: str, cursor: bool) -> Style:
        key = f"{status}:{cursor}"
        if key not in self._styles:
            style = block_style(self.app, status)
            if cursor:
                style += Style(reverse=True, bold=True)
            self._styles[key] = style
        return self._styles[key]

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        strip = self._strips.get(row)
        if strip is None:
            strip = self._render_row(row)
            self._strips[row] = strip
        return strip.crop_extend(self.scroll_offset.x, self.scroll_offset.x + width,
                                 self.rich_style)

    def _render_row(self, row: int) -> Strip:
        columns = self._columns
        start = row * columns
        segments: list[Segment] = []
        for index in range(start, min(start + columns, len(self.blocks))):
            block = self.blocks[index]
            if index in self.marked:
                glyph = MARKED
            elif block.status == "running" and block.percent is not None:
                glyph = f"{min(block.percent, 99):02d}"
            else:
                glyph = GLYPHS[block.status]
            has_cursor = index == self.cursor and self.has_focus
            segments.append(Segment(glyph, self._style(block.status, has_cursor)))
            segments.append(Segment(" "))
        return Strip(segments, len(segments) // 2 * CELL_W)

    # cursor ---------------------------------------------------------------------------------------

    def _set_cursor(self, index: int) -> None:
        if not self.blocks:
            return
        index = max(0, min(len(self.blocks) - 1, index))
        old_row, new_row = self.cursor // self._columns, index // self._columns
        self.cursor = index
        self._strips.pop(old_row, None)
        self._strips.pop(new_row, None)
        self.scroll_to_region(
            Region(index % self._columns * CELL_W, new_row, CELL_W, 1),
            animate=False)
        self.refresh()
        self.post_message(self.CursorMoved(index))

    def action_step(self, step: int) -> None:
        self._set_cursor(self.cursor + step)

    def action_cursor(self, step: int) -> None:
        self._set_cursor(self.cursor + step * self._columns)

    def action_edge(self, where: int) -> None:
        self._set_cursor(where if where >= 0 else len(self.blocks) - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "service_action":
            name = str(parameters[0])   # task_actions holds only the permitted ones
            return bool(self.service and self.cursor_block is not None
                        and name in self.task_actions)
        if action == "mark":
            return self.markable and self.cursor_block is not None
        if action == "clear_marks":
            return bool(self.marked)
        return True

    def why_not(self, action: str, parameters: tuple[object, ...], label: str) -> str:
        if action == "clear_marks":
            return "no block is marked"
        if self.cursor_block is None:
            return "no block under the cursor"
        if action == "mark":
            return "marks pick frames to render again: this service cannot"
        name = str(parameters[0]) if parameters else ""
        if name == "retry_frames" and self.markable:
            return (f"not for task {self.task_id} now: its frames are resubmitted once it is "
                    "stopped or finished")
        return f"not for task {self.task_id} now (this service has no {label.lower()} here)"

    def action_service_action(self, name: str) -> None:
        block = self.cursor_block
        if not (self.service and self.task_id and block is not None
                and name in self.task_actions):
            return
        if name == "retry_frames":
            chosen = [self.blocks[i] for i in sorted(self.marked) if i < len(self.blocks)]
            self.post_message(self.FramesRequested(self, self.service, self.task_id,
                                                   chosen or [block]))
            return
        self.post_message(self.ActionRequested(self.service, name, self.task_id, block))

    def action_mark(self) -> None:
        """space: mark or unmark the block under the cursor, then move on to the next."""
        if self.cursor_block is None:
            return
        self.marked ^= {self.cursor}
        self._strips.pop(self.cursor // self._columns, None)
        self.refresh()
        self.post_message(self.MarksChanged())
        if self.cursor < len(self.blocks) - 1:
            self._set_cursor(self.cursor + 1)

    def action_clear_marks(self) -> None:
        self.marked.clear()
        self._strips.clear()
        self.refresh()
        self.post_message(self.MarksChanged())

    def on_action_done(self, message: ActionDone) -> None:
        """The frames were resubmitted: their marks have done their work."""
        if message.result.ok and message.result.action == "retry_frames":
            self.action_clear_marks()

    def on_focus(self) -> None:
        self._strips.pop(self.cursor // self._columns, None)
        self.refresh()

    def on_blur(self) -> None:
        self.on_focus()

    @property
    def cursor_block(self) -> Block | None:
        return self.blocks[self.cursor] if self.blocks else None


class BlockPane(Vertical):
    """The grid with its legend and the facts of the block under the cursor. It reads the grid of
    the task it is asked to show (a worker, then Loaded), and drops answers for a task it has
    moved away from."""

    DEBOUNCE_S = 0.15
    _wanted: str | None = None
    _asking: Task | None = None     # the task as it was when its grid was asked for
    _read_for: Task | None = None   # ... and when that grid was shown
    _timer: Timer | None = None

    def later(self, show: Callable[[], None]) -> None:
        """Run `show` once the cursor has rested (keys held down ask for no grid each)."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE_S, show)

    def show_task(self, state: ServiceState, task: Task | None) -> None:
        if task is None:
            self._wanted = None
            self.show_grid(None, "no task under the cursor")
        elif task.children:
            self._wanted = None
            self.show_grid(None, f"{task.id} is a parent task: move to one of its children to "
                                 "see its blocks")
        elif not state.can.has_blocks:
            self._wanted = None
            self.show_facts(task.id, task_facts(task))
        else:
            wanted = f"{state.name}\x00{task.id}"
            if wanted == self._wanted and task == self._read_for and task.status != "running":
                return   # read already, and a task that is not running moved no block since
            self._wanted, self._read_for = wanted, None
            self._asking = task
            self._actions = (state.name, tuple(a for a in task.actions if state.can.may(a)))
            self._markable = state.can.may("retry_frames")
            self.post_message(Ask(self, self._wanted, state.name, "blocks", task.id,
                                  group="blocks"))

    def on_loaded(self, message: Loaded) -> None:
        if message.key != self._wanted:
            return   # an answer for a task the cursor has left
        service, actions = self._actions
        if message.error is not None:
            self.show_grid(None, f"blocks could not be read: {message.error}")
        else:
            self._read_for = self._asking   # the grid shown is this task's, as it was then
            self.show_grid(message.value, service=service, actions=actions)

    def compose(self) -> ComposeResult:
        yield BlockGridView(id="block-grid")
        yield Static(id="block-legend")

    @property
    def grid(self) -> BlockGridView:
        return self.query_one(BlockGridView)

    _shown: tuple[BlockGrid | None, str | None] = (None, None)
    _markable = False
    _counts: dict[str, int] = {}

    def show_facts(self, task_id: str, facts: Text) -> None:
        """Kinds with no block grid: the lower pane shows the cursor task's facts instead."""
        self.add_class("facts")
        set_titles(self, title("Details · ", task_id))
        self.grid.show_grid(None)
        self._update_legend(facts)

    def show_grid(self, grid: BlockGrid | None, note: str | None = None, *,
                  service: str | None = None, actions: tuple[str, ...] = ()) -> None:
        self.remove_class("facts")
        self._shown = (grid, note)
        self._counts = grid.counts() if grid else {}  # once per refresh, not per cursor move
        self._eta = grid_eta_s(grid) if grid else None   # from the blocks' own estimates
        self.grid.service, self.grid.task_actions = service, actions
        self.grid.markable = self._markable
        self.grid.show_grid(grid)
        set_titles(self, title("Blocks · ", grid.task_id) if grid else title("Blocks"))
        self._legend(grid, note)

    _legend_shown: tuple[str, object] | None = None
    _eta: float | None = None

    def _update_legend(self, text: Text) -> None:
        key = (text.plain, repr(text.spans))
        if key != self._legend_shown:
            self._legend_shown = key
            self.query_one("#block-legend", Static).update(text)

    def _legend(self, grid: BlockGrid | None, note: str | None) -> None:
        legend = Text(no_wrap=True, overflow="ellipsis")
        if grid is None or not self.grid.blocks:
            legend.append_text(literal(note or "no blocks for this task", "dim"))
        else:
            counts = self._counts
            parts = []
            for status in BLOCK_STATUSES:
                if counts[status] or status in ("done", "running", "waiting"):
                    part = Text()
                    part.append(GLYPHS[status], style=block_style(self.app, status))
                    part.append(f" {status} {counts[status]}")
                    parts.append(part)
            if self._eta is not None:   # frameEst: the service's estimate, not our guess
                parts.append(Text(f"about {duration_text(self._eta)} to go by the frame "
                                  "estimates"))
            if self.grid.marked:
                parts.append(Text(f"{len(self.grid.marked)} marked", style="bold"))
            width = self.query_one("#block-legend", Static).content_region.width
            legend = flow(parts, width)
            block = self.grid.cursor_block
            if block is not None:
                legend.append("\n")
                legend.append_text(literal(describe_block(block, grid.unit), "dim"))
            if note:
                legend.append("\n")
                legend.append_text(literal(note, "dim"))
        self._update_legend(legend)

    def on_block_grid_view_cursor_moved(self, _: BlockGridView.CursorMoved) -> None:
        self._legend(*self._shown)

    def on_resize(self) -> None:
        """A new width: the legend's parts flow again."""
        if not self.has_class("facts"):
            self._legend(*self._shown)

    def on_block_grid_view_marks_changed(self, _: BlockGridView.MarksChanged) -> None:
        self._legend(*self._shown)


def flow(parts: list[Text], width: int) -> Text:
    """The parts joined by " · ", a new line before a part that would not fit whole (a narrow
    pane breaks the legend between "▒▒ stopped 2" and "1 marked", never inside one)."""
    lines: list[Text] = []
    line = Text()
    for part in parts:
        if line.plain and width and line.cell_len + 3 + part.cell_len > width:
            lines.append(line)
            line = Text()
        if line.plain:
            line.append(" · ")
        line.append_text(part)
    lines.append(line)
    return Text("\n").join(lines)


def describe_block(block: Block, unit: str = "frame") -> str:
    index, number = clean(block.index), clean(block.block)
    if unit == "frame":
        parts = [f"frame {index} block {number}: {block.status}"]
    else:
        parts = [f"{unit} {index}: {block.status}"]
    if block.status == "running" and block.percent is not None:
        parts[0] += f" {block.percent}%"
    if block.used_s:
        parts.append(f"{age_text(block.used_s)} used")
    if block.status == "running" and block.eta_s:
        parts.append(f"eta {age_text(block.eta_s)}")
    return " · ".join(parts)
