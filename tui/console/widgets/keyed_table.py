"""A table of keyed rows drawn with the Line API: the base of the streams and attention panes.

Rows are kept by key. A refresh that changes one cell redraws that one line; rows that come,
go or move rebuild the row list and keep the cursor on its key. Every line is a cached strip,
drawn only when on screen. (Textual's DataTable redraws the whole table for one changed cell,
which over a slow SSH link is the difference between usable and not.)
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cells = tuple[Text, ...]
GAP = 2   # spaces between columns


def column_widths(specs: list[int], total: int, optional: tuple[int, ...] = ()) -> list[int]:
    """A width > 0 is fixed; 0 or -n is flexible (at least 8, or n) and shares what is left.
    When the flexible ones would get little beyond their minimum, the optional columns (by
    index, first given first) are hidden: width 0."""
    hidden: set[int] = set()
    for drop in (None, *optional):
        if drop is not None:
            hidden.add(drop)
        shown = [n for n in range(len(specs)) if n not in hidden]
        flexible = [n for n in shown if specs[n] <= 0]
        fixed = sum(specs[n] for n in shown if specs[n] > 0) + GAP * (len(shown) - 1) + 2
        least = sum(-specs[n] or 8 for n in flexible)
        extra = total - fixed - least
        if extra >= 12 * len(flexible):
            break
    share = max(0, extra) // max(1, len(flexible))
    return [0 if n in hidden else w if w > 0 else (-w or 8) + share for n, w in enumerate(specs)]


class KeyedTable(ScrollView, can_focus=True):
    # (key, header, width): see column_widths
    COLUMNS: ClassVar[tuple[tuple[str, str, int], ...]] = ()
    OPTIONAL: ClassVar[tuple[str, ...]] = ()   # keys of columns to hide first when narrow
    COMPONENT_CLASSES = {"keyed-table--header", "keyed-table--cursor"}

    class CursorMoved(Message):
        def __init__(self, table: KeyedTable, key: str | None) -> None:
            super().__init__()
            self.table, self.key = table, key

        @property
        def control(self) -> KeyedTable:
            return self.table

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.keys: list[str] = []
        self.cells: dict[str, Cells] = {}
        self.cursor_row = 0
        self._strips: dict[str, Strip] = {}
        self._header: Strip | None = None
        self._widths = column_widths([w for _, _, w in self.COLUMNS], 80)   # until sized

    # rows ---------------------------------------------------------------------------------------

    def set_rows(self, rows: list[tuple[str, Cells]]) -> None:
        """Show these rows in this order; redraw only the lines whose cells changed."""
        keys = [key for key, _ in rows]
        if keys != self.keys:
            cursor_key = self.cursor_key
            self.keys = keys
            self.cells = dict(rows)
            self._strips.clear()
            self.virtual_size = Size(self.size.width, len(keys) + 1)
            number = keys.index(cursor_key) if cursor_key in keys else \
                max(0, min(self.cursor_row, len(keys) - 1))
            self.cursor_row = number
            self.refresh()
            if self.cursor_key != cursor_key:
                self.post_message(self.CursorMoved(self, self.cursor_key))
            return
        for number, (key, cells) in enumerate(rows):
            if self.cells.get(key) != cells:
                self.cells[key] = cells
                self._strips.pop(key, None)
                self.refresh_line(number + 1)

    @property
    def cursor_key(self) -> str | None:
        return self.keys[self.cursor_row] if 0 <= self.cursor_row < len(self.keys) else None

    @property
    def row_count(self) -> int:
        return len(self.keys)

    def get_row(self, key: str) -> Cells:
        return self.cells[key]

    def get_row_index(self, key: str) -> int:
        return self.keys.index(key)

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        if not self.keys:
            return
        row = max(0, min(len(self.keys) - 1, row))
        old, self.cursor_row = self.cursor_row, row
        for line in {old, row}:
            if line < len(self.keys):
                self._strips.pop(self.keys[line], None)
                self.refresh_line(line + 1)
        self.scroll_to_region(Region(0, row + 1, 1, 1), animate=False, immediate=True,
                              top=False)
        if old != row:
            self.post_message(self.CursorMoved(self, self.cursor_key))

    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.size.height - 2))

    def action_edge(self, where: int) -> None:
        self.move_cursor(row=0 if where == 0 else len(self.keys) - 1)

    def on_click(self, event: Click) -> None:
        row = self.scroll_offset.y + event.y - 1
        if 0 <= row < len(self.keys):
            self.move_cursor(row=row)

    def on_focus(self) -> None:
        self._redraw_cursor()

    def on_blur(self) -> None:
        self._redraw_cursor()

    def _redraw_cursor(self) -> None:
        if self.cursor_key is not None:
            self._strips.pop(self.cursor_key, None)
            self.refresh_line(self.cursor_row + 1)

    # drawing ------------------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        keys = [key for key, _, _ in self.COLUMNS]
        # event.size is the outer size: the border and the scrollbar are not ours to fill
        self._widths = column_widths([w for _, _, w in self.COLUMNS],
                                     self.scrollable_content_region.width,
                                     tuple(keys.index(key) for key in self.OPTIONAL))
        self._strips.clear()
        self._header = None
        self.virtual_size = Size(event.size.width, len(self.keys) + 1)
        self.refresh()

    def _line(self, cells: Cells, style: Style) -> Strip:
        console = self.app.console
        segments: list[Segment] = [Segment(" ", style)]
        first = True
        for cell, width in zip(cells, self._widths, strict=False):
            if not width:
                continue   # a column hidden for want of room
            if not first:
                segments.append(Segment(" " * GAP, style))
            first = False
            text = cell.copy()
            text.no_wrap = True
            if cell_len(text.plain) > width:
                text.truncate(width, overflow="ellipsis")
            text.pad_right(width - cell_len(text.plain))
            text.end = ""
            segments.extend(Segment(s.text, style + s.style if s.style else style)
                            for s in text.render(console))
        return Strip(segments)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            if self._header is None:
                header = tuple(Text(label, style="bold") for _, label, _ in self.COLUMNS)
                style = self.rich_style + self.get_component_rich_style("keyed-table--header")
                self._header = self._line(header, style).crop_extend(0, width, style)
            return self._header
        row = self.scroll_offset.y + y - 1
        if row >= len(self.keys):
            return Strip.blank(width, self.rich_style)
        key = self.keys[row]
        strip = self._strips.get(key)
        if strip is None:
            style = self.rich_style
            if row == self.cursor_row:
                style = style + self.get_component_rich_style(
                    "keyed-table--cursor", partial=not self.has_focus)
            if row == self.cursor_row and self.has_focus:   # one style: colours could match it
                cells = tuple(Text(c.plain) for c in self.cells[key])
            else:
                cells = self.cells[key]
            strip = self._line(cells, style).crop_extend(0, width, style)
            self._strips[key] = strip
        return strip
