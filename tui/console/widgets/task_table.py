"""The task tree, drawn with the Line API: parent -> child tasks with status, progress, frames.

A new snapshot is compared with what is shown, task by task. When the rows stay where they are,
only the changed rows are redrawn; when tasks come, go or move, the flat list of visible rows is
built again (a list, not widgets) and the cursor stays on the task it was on. Only rows on screen
are ever drawn, each once, from a per-row strip cache: 20,000 tasks cost one screenful.

Ids are never cut silently: the ID column is as wide as the longest id shown (up to a share of
the pane), and an id longer than that ends in `…`; the pane below names the task by its whole
id, and `c` copies it. A kind whose tasks count no frames gives DONE/FAIL/ALL's room to names.

Extra columns the operator turns on (ELAPSED, ETA, COST, PROJECT, USER: a render farm's task
facts) are drawn after DONE/FAIL/ALL. When the pane is narrow the submission time gives way
first, then the bar, then the extra columns from the right: the name keeps its room.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jobdeck.adapters.contract.model import Task
from jobdeck.adapters.core.task_times import duration_text, elapsed_s, eta_s
from jobdeck.tui.console.colours import status_style, theme_colour
from jobdeck.tui.console.keymap import bindings_for
from jobdeck.tui.safe_text import clean

ID_W, STATUS_W, BAR_W, PCT_W, FRAMES_W, WHEN_W = 7, 10, 8, 5, 12, 12
ID_MAX = 21   # the widest the ID column grows (wider ids end in …), and a fifth of the pane
GUIDE_W = 3
MIN_NAME_W = 14
# Columns that give way, in this order, when the pane is narrow (an 80x24 terminal).
OPTIONAL = (("submitted", WHEN_W), ("bar", BAR_W))
# The extra columns, as the operator may turn them on: header and width (a space included).
EXTRA = {"elapsed": ("ELAPSED", 8), "eta": ("ETA", 8), "cost": ("COST", 10),
         "project": ("PROJECT", 13), "user": ("USER", 11)}
Signature = tuple[object, ...]


def progress_bar(progress: float, width: int = BAR_W) -> str:
    filled = round(max(0.0, min(1.0, progress)) * width)
    return "█" * filled + "░" * (width - filled)


def when_text(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%m-%d %H:%M") if moment else "—"


@dataclass(slots=True)
class Row:
    task: Task
    depth: int
    guides: str          # the tree lines drawn before the row
    parent: str | None


def signature(task: Task, marked: bool, expanded: bool, extra: tuple[str, ...] = ()) -> Signature:
    """Exactly what a row draws: equal signatures, same line (and no redraw)."""
    frames = task.frames
    return (task.name, task.status, task.progress, task.queue_position,
            frames.done if frames else None, frames.failed if frames else None,
            frames.total if frames else None, task.submitted_at, marked, bool(task.children),
            expanded, extra)


def extra_text(column: str, task: Task, now: datetime) -> str:
    """What an extra column says of a task ("" when its service gives no figure)."""
    facts = task.facts
    if column == "elapsed":
        return duration_text(elapsed_s(task, now))
    if column == "eta":
        eta = eta_s(task, now)
        return "~" + duration_text(eta) if eta is not None else ""
    if facts is None:
        return ""
    if column == "cost":
        return f"{facts.cost:,.2f}" if facts.cost is not None else ""
    return clean(getattr(facts, column) or "")


class TaskTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"task-table--cursor"}
    BINDINGS = bindings_for("table")   # moving among rows; they replace ScrollView's own keys

    class ColumnsChanged(Message):
        """The width changed which columns fit: the header must follow."""

    class CursorMoved(Message):
        def __init__(self, table: TaskTable, task_id: str | None) -> None:
            super().__init__()
            self.table = table
            self.task_id = task_id

        @property
        def control(self) -> TaskTable:
            return self.table

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.service: str | None = None
        self.rows: list[Row] = []
        self._index: dict[str, int] = {}          # task id -> row number
        self._signatures: dict[str, Signature] = {}
        self._strips: dict[str, Strip] = {}
        self._tasks: list[Task] = []
        self._marked: set[str] = set()
        self._collapsed: set[str] = set()
        self.cursor = 0
        self._width = 0
        self._optional: set[str] = {name for name, _ in OPTIONAL}
        self._styles: dict[str, Style] = {}
        self._longest_id = ID_W - 1
        self._id_w = ID_W
        self._frames = True   # some task counts frames: DONE/FAIL/ALL is shown
        self._extra: tuple[str, ...] = ()   # the extra columns turned on, in EXTRA's order
        self._shown_extra: tuple[str, ...] = ()   # those that fit
        self.wall: datetime | None = None   # the moment ELAPSED and ETA count to (None: now)

    # the public face --------------------------------------------------------------------------------

    def show_tasks(self, service: str, tasks: list[Task], marked: set[str]) -> None:
        """Show these tasks (already filtered and sorted); redraw only what changed."""
        if service != self.service:
            self.service, self.cursor = service, 0
            self._collapsed.clear()
            self._signatures.clear()
            self._strips.clear()
            self.scroll_to(0, 0, animate=False)
        cursor_id = self.cursor_task_id
        self._tasks, self._marked = tasks, marked
        if not self._same_shape(tasks):
            self._set_rows(self._flatten(tasks), cursor_id)
            self._fit_columns()
            return
        if any(row.task.frames and row.task.frames.total for row in self.rows) != self._frames:
            self._fit_columns()
            return
        # Only the rows on screen are compared with what they drew; the strips of the others
        # are let go and drawn afresh if scrolled to. A poll's work beyond one walk of the tree
        # is then the size of the screen, not of the farm.
        top = self.scroll_offset.y
        shown = range(top, min(len(self.rows), top + self.size.height))
        kept = {self.rows[number].task.id for number in shown}
        self._strips = {k: v for k, v in self._strips.items() if k in kept}
        self._signatures = {k: v for k, v in self._signatures.items() if k in kept}
        for number in shown:
            task = self.rows[number].task
            drawn = self._signatures.get(task.id)
            if drawn is not None and drawn != signature(task, task.id in marked,
                                                        task.id not in self._collapsed,
                                                        self._extra_texts(task)):
                self._strips.pop(task.id, None)
                self.refresh_line(number)

    def set_columns(self, extra: tuple[str, ...]) -> None:
        """Turn extra columns on (EXTRA's names; the others off)."""
        wanted = tuple(name for name in EXTRA if name in extra)
        if wanted != self._extra:
            self._extra = wanted
            self._choose_columns()
            self.relabel()
            self.post_message(self.ColumnsChanged())

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """The extra columns turned on (some may not fit the pane now)."""
        return self._extra

    @property
    def hidden_columns(self) -> tuple[str, ...]:
        """Extra columns turned on that the pane is too narrow for."""
        return tuple(name for name in self._extra if name not in self._shown_extra)

    def _now(self) -> datetime:
        return self.wall or datetime.now(UTC)

    def _extra_texts(self, task: Task) -> tuple[str, ...]:
        now = self._now()
        return tuple(extra_text(name, task, now) for name in self._shown_extra)

    def relabel(self) -> None:
        """New widths or colours: every row drawn again (cursor and expansion stay)."""
        self._styles.clear()
        self._strips.clear()
        self.refresh()

    @property
    def cursor_task_id(self) -> str | None:
        return self.rows[self.cursor].task.id if 0 <= self.cursor < len(self.rows) else None

    @property
    def cursor_task(self) -> Task | None:
        return self.rows[self.cursor].task if 0 <= self.cursor < len(self.rows) else None

    def visible_ids(self) -> list[str]:
        return [row.task.id for row in self.rows]

    def row_segments(self, task_id: str) -> list[Segment]:
        """The row of one task as drawn (without the cursor), for tests and tools."""
        number = self._index.get(task_id)
        if number is None:
            raise KeyError(task_id)
        return list(self._row_strip(number, False))

    def row_text(self, task_id: str) -> str:
        """What the row of one task reads, as plain text."""
        return "".join(segment.text for segment in self.row_segments(task_id))

    def header(self) -> str:
        name_w = self._name_width(0)
        bar_w = BAR_W + PCT_W if "bar" in self._optional else PCT_W
        text = (f"{'':2}{'':2}{'ID' if self._id_w > 1 else '':<{self._id_w}}{'NAME':<{name_w}} "
                f"{'STATUS':<{STATUS_W}}"
                f"{'PROGRESS' if 'bar' in self._optional else '%':<{bar_w}}"
                f"{'DONE/FAIL/ALL' if self._frames else '':>{self._frames_w}}")
        for name in self._shown_extra:
            label, width = EXTRA[name]
            text += f" {label:>{width - 1}}" if name in ("elapsed", "eta", "cost") \
                else f" {label:<{width - 1}}"
        if "submitted" in self._optional:
            text += f" {'SUBMITTED':>{WHEN_W - 1}}"
        return text

    def move_to(self, task_id: str) -> bool:
        """Put the cursor on a task, opening its parents; False when it is not shown."""
        parents = self._parents_of(task_id)
        if parents is None:
            return False
        if self._collapsed & set(parents):
            self._collapsed -= set(parents)
            self._set_rows(self._flatten(self._tasks), self.cursor_task_id)
        number = self._index.get(task_id)
        if number is None:
            return False
        self.set_cursor(number)
        return True

    # the flat list of rows --------------------------------------------------------------------------

    def _same_shape(self, tasks: list[Task]) -> bool:
        """A poll's usual case, in one pass: the same rows as before, in the same places; each
        row takes its new task. False when rows came, went or moved."""
        rows, collapsed = self.rows, self._collapsed
        count = len(rows)
        number = 0

        def walk(level: list[Task], depth: int) -> bool:
            nonlocal number
            for task in level:
                if number >= count:
                    return False
                row, task_id = rows[number], task.id
                if row.depth != depth or row.task.id != task_id:
                    return False
                row.task = task
                number += 1
                if task.children and task_id not in collapsed and \
                        not walk(task.children, depth + 1):
                    return False
            return True

        return walk(tasks, 0) and number == count

    def _flatten(self, tasks: list[Task]) -> list[Row]:
        rows: list[Row] = []
        collapsed = self._collapsed

        def walk(level: Iterable[Task], depth: int, lines: str, parent: str | None) -> None:
            level = list(level)
            for position, task in enumerate(level):
                last = position == len(level) - 1
                guides = lines + ("└─ " if last else "├─ ") if depth else ""
                rows.append(Row(task, depth, guides, parent))
                if task.children and task.id not in collapsed:
                    walk(task.children, depth + 1,
                         lines + ("   " if last else "│  ") if depth else "", task.id)

        walk(tasks, 0, "", None)
        return rows

    def _set_rows(self, rows: list[Row], cursor_id: str | None) -> None:
        old_cursor = self.cursor
        self.rows = rows
        self._index = {row.task.id: n for n, row in enumerate(rows)}
        self._signatures.clear()
        self._strips.clear()
        self.virtual_size = Size(self._width, len(rows))
        number = self._index.get(cursor_id) if cursor_id is not None else None
        if number is None:  # the task left (or another service is shown): stay on a real line
            number = max(0, min(old_cursor, len(rows) - 1))
        self.cursor = number
        self.refresh()
        if self.rows and self.cursor_task_id != cursor_id:
            self.post_message(self.CursorMoved(self, self.cursor_task_id))

    def _parents_of(self, task_id: str) -> list[str] | None:
        def find(level: list[Task], trail: list[str]) -> list[str] | None:
            for task in level:
                if task.id == task_id:
                    return trail
                found = find(task.children, [*trail, task.id])
                if found is not None:
                    return found
            return None
        return find(self._tasks, [])

    # the cursor -------------------------------------------------------------------------------------

    def set_cursor(self, number: int) -> None:
        if not self.rows:
            return
        number = max(0, min(len(self.rows) - 1, number))
        old, self.cursor = self.cursor, number
        for line in {old, number}:
            task_id = self.rows[line].task.id if line < len(self.rows) else None
            if task_id is not None:
                self._strips.pop(task_id, None)
            self.refresh_line(line)
        self.scroll_to_region(Region(0, number, 1, 1), animate=False, immediate=True)
        if old != number:
            self.post_message(self.CursorMoved(self, self.cursor_task_id))

    def move(self, step: int) -> None:
        self.set_cursor(self.cursor + step)

    def action_cursor(self, step: int) -> None:
        self.move(step)

    def action_page(self, direction: int) -> None:
        self.move(direction * max(1, self.size.height - 1))

    def action_edge(self, where: int) -> None:
        self.set_cursor(0 if where == 0 else len(self.rows) - 1)

    def action_expand(self) -> None:
        self.expand()

    def action_collapse(self) -> None:
        self.collapse()

    def expand(self) -> None:
        task = self.cursor_task
        if task is not None and task.children and task.id in self._collapsed:
            self._collapsed.discard(task.id)
            self._set_rows(self._flatten(self._tasks), task.id)

    def collapse(self) -> None:
        if not self.rows:
            return
        row = self.rows[self.cursor]
        if row.task.children and row.task.id not in self._collapsed:
            self._collapsed.add(row.task.id)
            self._set_rows(self._flatten(self._tasks), row.task.id)
        elif row.parent is not None:
            self.set_cursor(self._index[row.parent])

    def on_click(self, event: Click) -> None:
        number = self.scroll_offset.y + event.y
        if 0 <= number < len(self.rows):
            self.set_cursor(number)

    def on_focus(self) -> None:
        self._redraw_cursor()

    def on_blur(self) -> None:
        self._redraw_cursor()

    def _redraw_cursor(self) -> None:
        if 0 <= self.cursor < len(self.rows):
            self._strips.pop(self.rows[self.cursor].task.id, None)
            self.refresh_line(self.cursor)

    # drawing ----------------------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        width = event.size.width - 1  # the vertical scrollbar's column
        if width != self._width:
            self._width = width
            self._choose_columns()
            self.virtual_size = Size(width, len(self.rows))
            self.relabel()
            self.post_message(self.ColumnsChanged())

    @property
    def _frames_w(self) -> int:
        return FRAMES_W if self._frames else 0

    def _fixed_width(self) -> int:
        width = 2 + 2 + self._id_w + 1 + STATUS_W + PCT_W + self._frames_w
        width += sum(EXTRA[name][1] for name in self._shown_extra)
        return width + sum(w for name, w in OPTIONAL if name in self._optional)

    def _choose_columns(self) -> None:
        self._optional = {name for name, _ in OPTIONAL}
        self._shown_extra = self._extra
        # ids are shown whole when they fit in a fifth of the pane (and ID_MAX)
        room = max(ID_W - 1, min(ID_MAX - 1, self._width // 5))
        self._id_w = 0 if self._longest_id == 0 else min(self._longest_id, room) + 1
        for name, _ in OPTIONAL:
            if self._width - self._fixed_width() - GUIDE_W >= MIN_NAME_W:
                break
            self._optional.discard(name)
        while self._shown_extra and self._width - self._fixed_width() - GUIDE_W < MIN_NAME_W:
            self._shown_extra = self._shown_extra[:-1]   # the operator's columns go last

    def _fit_columns(self) -> None:
        """The tasks shown changed: does the ID column, or DONE/FAIL/ALL, need other room?"""
        longest = max((cell_len(clean(row.task.id)) for row in self.rows
                       if row.task.id != row.task.name), default=0)
        frames = any(row.task.frames and row.task.frames.total for row in self.rows)
        if (longest, frames) != (self._longest_id, self._frames):
            self._longest_id, self._frames = longest, frames
            self._choose_columns()
            self.relabel()
            self.post_message(self.ColumnsChanged())

    def _name_width(self, depth: int) -> int:
        return max(6, self._width - self._fixed_width() - depth * GUIDE_W)

    def _style(self, key: str) -> Style:
        style = self._styles.get(key)
        if style is None:
            if key == "mark":
                style = Style(color=theme_colour(self.app, "mark"), bold=True)
            elif key == "dim":
                style = Style(dim=True)
            elif key == "cursor":
                style = self.get_component_rich_style("task-table--cursor")
            else:
                style = status_style(self.app, key)
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        number = self.scroll_offset.y + y
        if number >= len(self.rows):
            return Strip.blank(self.size.width, self.rich_style)
        cursor = number == self.cursor and self.has_focus
        task = self.rows[number].task
        strip = self._strips.get(task.id)
        if strip is None:
            strip = self._row_strip(number, cursor)
            self._strips[task.id] = strip
            self._signatures[task.id] = signature(task, task.id in self._marked,
                                                  task.id not in self._collapsed,
                                                  self._extra_texts(task))
        return strip.crop_extend(0, self.size.width, self.rich_style)

    def _row_strip(self, number: int, cursor: bool) -> Strip:
        # The hot path of a paint: plain strings and a few cached styles, no Rich Text.
        row = self.rows[number]
        task, depth = row.task, row.depth
        parts: list[tuple[str, Style | None]] = []
        add = parts.append
        add((row.guides, self._style("dim") if row.guides else None))
        if task.children:
            add(("▶ " if task.id in self._collapsed else "▼ ", None))
        else:
            add(("  ", None))
        if task.id in self._marked:
            add(("● ", self._style("mark")))
        else:
            add(("  ", None))
        if self._id_w:
            shown_id = "" if task.id == task.name else clean(task.id)  # keys named by id
            if cell_len(shown_id) > self._id_w - 1:   # never cut silently
                shown_id = set_cell_size(shown_id, self._id_w - 2) + "…"
            add((set_cell_size(shown_id, self._id_w), self._style("dim")))
        name_w = self._name_width(depth)
        name = clean(task.name)
        if cell_len(name) > name_w:
            name = set_cell_size(name, name_w - 1) + "…"
        add((set_cell_size(name, name_w) + " ", None))
        style = self._style(task.status)
        add((f"{task.status:<{STATUS_W}}", style))
        show_bar = "bar" in self._optional
        bar_w = BAR_W + PCT_W if show_bar else PCT_W
        if task.status == "queued" and task.queue_position:
            add((f"{'#' + str(task.queue_position):<{bar_w}}", style))
        elif task.progress is not None:
            if show_bar:
                add((progress_bar(task.progress), style))
            add((f"{task.progress * 100:>4.0f}%", None))
        else:
            add((" " * bar_w, None))
        frames = task.frames
        if not self._frames:
            pass
        elif frames and frames.total:
            done, failed, total = f"{frames.done}/", str(frames.failed), f"/{frames.total}"
            add((" " * max(0, FRAMES_W - len(done) - len(failed) - len(total)) + done, None))
            add((failed, self._style("failed") if frames.failed else None))
            add((total, None))
        else:
            add((" " * FRAMES_W, None))
        if self._shown_extra:
            for name, text in zip(self._shown_extra, self._extra_texts(task), strict=True):
                width = EXTRA[name][1] - 1
                if cell_len(text) > width:
                    text = set_cell_size(text, width - 1) + "…"
                add((" " + (f"{text:>{width}}" if name in ("elapsed", "eta", "cost")
                            else set_cell_size(text, width)), self._style("dim")
                     if name in ("project", "user") else None))
        if "submitted" in self._optional:
            add((f" {when_text(task.submitted_at):>{WHEN_W - 1}}", self._style("dim")))
        base = self.rich_style
        if cursor:   # one style for the whole row: status colours could match the cursor's
            base = base + self._style("cursor")
            return Strip([Segment("".join(text for text, _ in parts), base)]) \
                .crop_extend(0, self._width, base)
        segments = [Segment(text, base + style if style else base) for text, style in parts
                    if text]
        return Strip(segments).crop_extend(0, self._width, base)
