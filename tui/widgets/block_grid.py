"""The block grid: one coloured cell per block, drawn line by line with cached strips.

Blocks are laid out in order, wrapped to the pane's width; only rows on screen are ever drawn, so a
100k-block grid costs one screenful per refresh. The legend and the block under the cursor are in
BlockPane below it.
"""

from __future__ import annotations

from jobdeck.adapters.model import BLOCK_STATUSES, Block, BlockGrid
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from ..colours import block_style
from ..service_state import age_text

CELL_W = 3
GLYPHS = {"done": "██", "waiting": "░░", "failed": "✗✗", "stopped": "▒▒", "running": "▓▓"}


class BlockGridView(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("left", "move(-1)", show=False), Binding("right", "move(1)", show=False),
        Binding("up", "move_row(-1)", show=False), Binding("down", "move_row(1)", show=False),
        Binding("home", "jump(0)", show=False), Binding("end", "jump(-1)", show=False),
        Binding("R", "app.retry_block", "Retry clip", show=False),
    ]

    class CursorMoved(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.blocks: list[Block] = []
        self.task_id: str | None = None
        self.cursor = 0
        self._columns = 1
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}

    # data -----------------------------------------------------------------------------------------

    def show_grid(self, grid: BlockGrid | None) -> None:
        blocks = [b for row in grid.rows for b in row] if grid else []
        task_id = grid.task_id if grid else None
        if task_id != self.task_id:
            self.cursor = 0
            self.scroll_to(0, 0, animate=False)
        # Strips are drawn lazily, only for rows on screen; dropping them all costs one screen of
        # rows, less than comparing 100k blocks to find the changed ones. The cache serves scrolls
        # and cursor moves between refreshes.
        self._strips.clear()
        self.task_id, self.blocks = task_id, blocks
        self.cursor = min(self.cursor, max(0, len(blocks) - 1))
        self._layout()
        self.refresh()

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
            if block.status == "running" and block.percent is not None:
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

    def action_move(self, step: int) -> None:
        self._set_cursor(self.cursor + step)

    def action_move_row(self, step: int) -> None:
        self._set_cursor(self.cursor + step * self._columns)

    def action_jump(self, where: int) -> None:
        self._set_cursor(where if where >= 0 else len(self.blocks) - 1)

    def on_focus(self) -> None:
        self._strips.pop(self.cursor // self._columns, None)
        self.refresh()

    def on_blur(self) -> None:
        self.on_focus()

    @property
    def cursor_block(self) -> Block | None:
        return self.blocks[self.cursor] if self.blocks else None


class BlockPane(Vertical):
    """The grid with its legend and the facts of the block under the cursor."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield BlockGridView(id="block-grid")
        yield Static(id="block-legend")

    @property
    def grid(self) -> BlockGridView:
        return self.query_one(BlockGridView)

    _shown: tuple[BlockGrid | None, str | None] = (None, None)
    _counts: dict[str, int] = {}

    def show_facts(self, task_id: str, facts: Text) -> None:
        """Kinds with no block grid: the lower pane shows the cursor task's facts instead."""
        self.add_class("facts")
        self.border_title = f"Details · {task_id}"
        self.grid.show_grid(None)
        self.query_one("#block-legend", Static).update(facts)

    def show_grid(self, grid: BlockGrid | None, note: str | None = None) -> None:
        self.remove_class("facts")
        self._shown = (grid, note)
        self._counts = grid.counts() if grid else {}  # once per refresh, not per cursor move
        self.grid.show_grid(grid)
        self.border_title = f"Blocks · {grid.task_id}" if grid else "Blocks"
        self._legend(grid, note)

    def _legend(self, grid: BlockGrid | None, note: str | None) -> None:
        legend = Text(no_wrap=True, overflow="ellipsis")
        if grid is None or not self.grid.blocks:
            legend.append(note or "no blocks for this task", style="dim")
        else:
            counts = self._counts
            parts = []
            for status in BLOCK_STATUSES:
                if counts[status] or status in ("done", "running", "waiting"):
                    part = Text()
                    part.append(GLYPHS[status], style=block_style(self.app, status))
                    part.append(f" {status} {counts[status]}")
                    parts.append(part)
            legend = Text(" · ").join(parts)
            block = self.grid.cursor_block
            if block is not None:
                legend.append("\n")
                legend.append(describe_block(block, grid.unit), style="dim")
            if note:
                legend.append(f"\n{note}", style="dim")
        self.query_one("#block-legend", Static).update(legend)

    def on_block_grid_view_cursor_moved(self, _: BlockGridView.CursorMoved) -> None:
        self._legend(*self._shown)


def describe_block(block: Block, unit: str = "frame") -> str:
    if unit == "frame":
        parts = [f"frame {block.index} block {block.block}: {block.status}"]
    else:
        parts = [f"{unit} {block.index}: {block.status}"]
    if block.status == "running" and block.percent is not None:
        parts[0] += f" {block.percent}%"
    if block.used_s:
        parts.append(f"{age_text(block.used_s)} used")
    if block.status == "running" and block.eta_s:
        parts.append(f"eta {age_text(block.eta_s)}")
    return " · ".join(parts)
