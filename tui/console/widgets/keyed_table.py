"""A table of keyed rows drawn with the Line API: the base of the streams and attention panes.

Rows are kept by key. A refresh that changes one cell redraws that one line; rows that come,
go or move rebuild the row list and keep the cursor on its key. Every line is a cached strip,
drawn only when on screen. (Textual's DataTable redraws the whole table for one changed cell,
which over a slow SSH link is the difference between usable and not.)

A narrow pane keeps what matters: each table says, in order, which columns give way first
(hidden, or shortened to a narrower header and width) so that its flexible columns keep their
least widths (the attention view's DETAIL keeps 30 columns at 80). Below the rows, pinned to
the bottom, the row under the cursor is written out whole, wrapped, so nothing a narrow column
cut is lost (`cursor_words`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.events import Click, Resize
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cells = tuple[Text, ...]
GAP = 2   # spaces between columns; 1 when the pane is narrow
PINNED_MAX = 3   # lines the row under the cursor may take, written out whole


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    width: int = 0           # > 0 fixed; 0 flexible: at least `least`, and a share of the rest
    least: int = 8
    short: int = 0           # when shortened for room: this width ...
    short_header: str | None = None   # ... under this header (None: the same header)
    weight: int = 1          # a flexible column's share of what is left
    shed: bool = False       # when its text is cut inside its second word, the first word goes
                             # ("task 18330 car_tuning" in 10 cells: "18330 car…", id whole)


@dataclass(frozen=True, slots=True)
class Layout:
    widths: tuple[int, ...]   # 0: hidden for want of room
    headers: tuple[str, ...]
    gap: int


def column_layout(columns: tuple[Column, ...], total: int,
                  narrowing: tuple[str, ...] = ()) -> Layout:
    """Fit the columns into `total` cells. `narrowing` is what gives way, first given first,
    until the flexible columns get their least widths: "drop:KEY" hides a column, "short:KEY"
    shortens it, "gap" puts one space between columns instead of two."""
    hidden: set[str] = set()
    shortened: set[str] = set()
    gap = GAP

    def width_of(column: Column) -> int:
        return column.short if column.key in shortened and column.short else column.width

    for step in (None, *narrowing):
        if step == "gap":
            gap = 1
        elif step is not None:
            verb, _, key = step.partition(":")
            (hidden if verb == "drop" else shortened).add(key)
        shown = [c for c in columns if c.key not in hidden]
        fixed = sum(width_of(c) for c in shown if c.width > 0) + gap * (len(shown) - 1) + 1
        least = sum(c.least for c in shown if c.width <= 0)
        if total - fixed >= least:
            break
    flexible = [c for c in shown if c.width <= 0]
    extra = total - fixed - least
    weights = sum(c.weight for c in flexible) or 1
    widths: list[int] = []
    given = 0
    for column in columns:
        if column.key in hidden:
            widths.append(0)
        elif column.width > 0:
            widths.append(width_of(column))
        elif extra >= 0:
            share = extra * column.weight // weights
            given += share
            widths.append(column.least + share)
        else:   # not even the least widths fit: each gets its part of what there is
            widths.append(max(1, (total - fixed) * column.least // max(1, least)))
    if extra > 0 and flexible:   # what the division left over goes to the last flexible one
        last = max(n for n, c in enumerate(columns) if c.width <= 0 and c.key not in hidden)
        widths[last] += extra - given
    headers = tuple(c.short_header if c.key in shortened and c.short and
                    c.short_header is not None else c.header for c in columns)
    return Layout(tuple(widths), headers, gap)


def same_cells(old: Cells | None, new: Cells) -> bool:
    """Text's == compares the words and the spans, not the style of the whole cell: a status
    that kept its word but took a new theme's colour would not be drawn again."""
    return old is not None and len(old) == len(new) and all(
        a.plain == b.plain and a.style == b.style and a.spans == b.spans
        for a, b in zip(old, new, strict=True))


class KeyedTable(ScrollView, can_focus=True):
    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    NARROWING: ClassVar[tuple[str, ...]] = ()   # what gives way first when narrow: see column_layout
    COMPONENT_CLASSES = {"keyed-table--header", "keyed-table--cursor", "keyed-table--pinned"}

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
        self.chosen = False   # the operator moved the cursor (not a refresh, not a jump)
        self._strips: dict[str, Strip] = {}
        self._header: Strip | None = None
        self._pinned: list[Strip] | None = None   # the row under the cursor, whole
        self._pinned_lines = 0
        self.fit = column_layout(self.COLUMNS, 80, self.NARROWING)   # until sized
        self._fit_for = -1   # the width `fit` was made for

    # what a subclass says -----------------------------------------------------------------------

    def cursor_words(self, key: str) -> Text | None:
        """The row under the cursor written out whole, for the lines pinned below the rows
        (None: no such lines)."""
        return None

    # rows ---------------------------------------------------------------------------------------

    def set_rows(self, rows: list[tuple[str, Cells]]) -> None:
        """Show these rows in this order; redraw only the lines whose cells changed."""
        keys = [key for key, _ in rows]
        if keys != self.keys:
            cursor_key = self.cursor_key
            self.keys = keys
            self.cells = dict(rows)
            self._strips.clear()
            number = keys.index(cursor_key) if cursor_key in keys else \
                max(0, min(self.cursor_row, len(keys) - 1))
            self.cursor_row = number
            self._repin()
            self._resize_virtual()
            self.refresh()
            if self.cursor_key != cursor_key:
                self.post_message(self.CursorMoved(self, self.cursor_key))
            return
        for number, (key, cells) in enumerate(rows):
            if not same_cells(self.cells.get(key), cells):
                self.cells[key] = cells
                self._strips.pop(key, None)
                self.refresh_line(number + 1)
                if number == self.cursor_row:
                    self._repin()

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
        if old != row:
            self._repin()
        self.scroll_to_region(Region(0, row + 1, 1, 1), animate=False, immediate=True,
                              top=False, spacing=Spacing(1, 0, self._pinned_lines, 0))
        if old != row:
            self.post_message(self.CursorMoved(self, self.cursor_key))

    def action_cursor(self, step: int) -> None:
        self.chosen = True
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.chosen = True
        self.move_cursor(row=self.cursor_row + direction * max(1, self.rows_shown - 1))

    def action_edge(self, where: int) -> None:
        self.chosen = True
        self.move_cursor(row=0 if where == 0 else len(self.keys) - 1)

    @property
    def rows_shown(self) -> int:
        """How many rows fit between the header and the pinned lines."""
        return max(1, self.size.height - 1 - self._pinned_lines)

    def on_click(self, event: Click) -> None:
        if event.y >= self.size.height - self._pinned_lines:
            return
        row = self.scroll_offset.y + event.y - 1
        if 0 <= row < len(self.keys):
            self.chosen = True
            self.move_cursor(row=row)

    def on_focus(self) -> None:
        self._redraw_cursor()

    def on_blur(self) -> None:
        self._redraw_cursor()

    def _redraw_cursor(self) -> None:
        if self.cursor_key is not None:
            self._strips.pop(self.cursor_key, None)
            self.refresh_line(self.cursor_row + 1)

    # the lines pinned below the rows --------------------------------------------------------------

    def _repin(self) -> None:
        """The cursor's row changed (moved, or its cells did): write it out again."""
        self._pinned = None
        lines = len(self._pinned_strips())
        if lines != self._pinned_lines:
            self._pinned_lines = lines
            self._resize_virtual()
            self.refresh()
        else:
            for y in range(self.size.height - lines, self.size.height):
                self.refresh_line(y)

    def _pinned_strips(self) -> list[Strip]:
        if self._pinned is None:
            key, width = self.cursor_key, self.scrollable_content_region.width
            words = self.cursor_words(key) if key is not None and width > 2 else None
            self._pinned = []
            if words is not None and self.is_attached:
                style = self.rich_style + self.get_component_rich_style("keyed-table--pinned")
                text = words.copy()
                text.no_wrap, text.end = False, ""
                lines = text.wrap(self.app.console, width - 2)
                if len(lines) > PINNED_MAX:   # never cut silently: the last line says so
                    lines = lines[:PINNED_MAX]
                    lines[-1].truncate(width - 3, overflow="ellipsis", pad=False)
                    if not lines[-1].plain.endswith("…"):
                        lines[-1].append("…")
                for line in lines:
                    segments = [Segment(" ", style)] + [
                        Segment(s.text, style + s.style if s.style else style)
                        for s in line.render(self.app.console) if s.text != "\n"]
                    self._pinned.append(Strip(segments).crop_extend(0, self.size.width, style))
        return self._pinned

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.keys) + 1 + self._pinned_lines)

    # drawing ------------------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._refit()

    def restyle(self) -> None:
        """A new theme (or new widths): every strip drawn is drawn again."""
        self._strips.clear()
        self._header = None
        self._pinned = None
        self.refresh()

    def _refit(self) -> None:
        # the content region: the border and the scrollbar are not ours to fill
        width = self.scrollable_content_region.width
        self._fit_for = width
        self.fit = column_layout(self.COLUMNS, width, self.NARROWING)
        self.restyle()   # every strip was cut to the old widths
        self._pinned_lines = len(self._pinned_strips())
        self._resize_virtual()

    def _line(self, cells: Cells, style: Style) -> Strip:
        console = self.app.console
        segments: list[Segment] = [Segment(" ", style)]
        first = True
        for cell, width, column in zip(cells, self.fit.widths, self.COLUMNS, strict=False):
            if not width:
                continue   # a column hidden for want of room
            if not first:
                segments.append(Segment(" " * self.fit.gap, style))
            first = False
            text = cell.copy()
            text.no_wrap = True
            if cell_len(text.plain) > width:
                words = text.plain.split(" ", 2) if column.shed else []
                if len(words) > 1 and cell_len(f"{words[0]} {words[1]}") >= width:
                    text = text[len(words[0]) + 1:]   # else the second word is cut
                text.truncate(width, overflow="ellipsis")
            text.pad_right(width - cell_len(text.plain))
            text.end = ""
            segments.extend(Segment(s.text, style + s.style if s.style else style)
                            for s in text.render(console))
        return Strip(segments)

    def render_line(self, y: int) -> Strip:
        if self.scrollable_content_region.width != self._fit_for:
            self._refit()   # the scrollbar came or went: no Resize says so, the width did
        width = self.size.width
        if y == 0:
            if self._header is None:
                header = tuple(Text(label, style="bold") for label in self.fit.headers)
                style = self.rich_style + self.get_component_rich_style("keyed-table--header")
                self._header = self._line(header, style).crop_extend(0, width, style)
            return self._header
        pinned = self._pinned_strips()
        if y >= self.size.height - len(pinned):
            return pinned[y - (self.size.height - len(pinned))]
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
