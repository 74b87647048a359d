"""The task tree: parent -> child tasks with status, progress and frames, diffed in place.

A new snapshot is compared with what is shown, task by task: a changed task gets a new label,
a new one is inserted where it belongs, a vanished one is removed. Cursor, expansion and scroll
survive because the nodes do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from jobdeck.adapters.model import Task
from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Span, Text
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..colours import status_style, theme_colour
from ..safe_text import clean, literal

ID_W, STATUS_W, BAR_W, PCT_W, FRAMES_W, WHEN_W = 7, 10, 8, 5, 12, 12
MIN_NAME_W = 14
# Columns that give way, in this order, when the pane is narrow (an 80x24 terminal).
OPTIONAL = (("submitted", WHEN_W), ("bar", BAR_W))
Signature = tuple[object, ...]


def progress_bar(progress: float, width: int = BAR_W) -> str:
    filled = round(max(0.0, min(1.0, progress)) * width)
    return "█" * filled + "░" * (width - filled)


def when_text(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%m-%d %H:%M") if moment else "—"


class TaskTree(Tree[str]):
    BINDINGS = [
        Binding("space", "app.mark", "Mark", show=False),
        Binding("enter", "app.detail", "Detail", show=False),
        Binding("right", "expand", "Expand", show=False),
        Binding("left", "collapse", "Collapse", show=False),
    ]

    _deferring = False   # class defaults: Tree.__init__ already invalidates
    _invalidated = False
    _relabelled = False

    def __init__(self, **kwargs: object) -> None:
        super().__init__("tasks", **kwargs)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 3
        self.service: str | None = None
        self._by_id: dict[str, TreeNode[str]] = {}
        self._signatures: dict[str, Signature] = {}
        self._parents: dict[str, str | None] = {}
        self._shown_tasks: list[Task] = []
        self._marked: set[str] = set()
        self._styles: dict[str, Style] = {}
        self._label_width = 0
        self._optional: set[str] = {name for name, _ in OPTIONAL}

    # the public face ------------------------------------------------------------------------------

    def show_tasks(self, service: str, tasks: list[Task], marked: set[str]) -> None:
        if service != self.service:
            self._reset(service)
        self._shown_tasks, self._marked = tasks, marked
        cursor = self.cursor_node.data if self.cursor_node else None
        seen: set[str] = set()
        self._deferring = True
        try:
            self._sync(self.root, None, tasks, 0, seen)
            vanished = [t for t in self._by_id if t not in seen] \
                if len(seen) != len(self._by_id) else []
            for task_id in vanished:
                node = self._by_id.get(task_id)
                if node is None:
                    continue  # already forgotten with its parent
                self._forget(node)
                if node.id in self._tree_nodes:
                    node.remove()
        finally:
            self._deferring = False
        if self._invalidated:
            self._invalidated = False
            super()._invalidate()
        elif self._relabelled:
            self.refresh()
        self._relabelled = False
        self._restore_cursor(cursor)

    def rebuild(self, tasks: list[Task]) -> None:
        """Throw the nodes away and show the tasks in a new order (after a sort change).

        The diff keeps nodes where they stand, so an order change needs fresh nodes."""
        cursor = self.cursor_node.data if self.cursor_node else None
        service, marked = self.service, self._marked
        self._reset(service)
        if service is not None:
            self.show_tasks(service, tasks, marked)
        self._restore_cursor(cursor)

    @property
    def cursor_task_id(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def shown_ids(self) -> Iterable[str]:
        return self._by_id.keys()

    def header(self) -> Text:
        name_w = self._name_width(0)
        text = Text(no_wrap=True, style="bold")
        text.append(" " * (2 + 1))
        bar_w = BAR_W + PCT_W if "bar" in self._optional else PCT_W
        text.append(f"{'ID':<{ID_W}}{'NAME':<{name_w}} {'STATUS':<{STATUS_W}}"
                    f"{'PROGRESS' if 'bar' in self._optional else '%':<{bar_w}}"
                    f"{'DONE/FAIL/ALL':>{FRAMES_W}}")
        if "submitted" in self._optional:
            text.append(f" {'SUBMITTED':>{WHEN_W - 1}}")
        return text

    # diffing --------------------------------------------------------------------------------------

    def _reset(self, service: str | None) -> None:
        self.clear()
        self._by_id.clear()
        self._signatures.clear()
        self._parents.clear()
        self.service = service

    def _sync(self, parent: TreeNode[str], parent_id: str | None, tasks: list[Task], depth: int,
              seen: set[str]) -> None:
        # The hot loop of every refresh: locals and a cheap signature keep 10k tasks in budget.
        by_id, signatures, parents, marked = self._by_id, self._signatures, self._parents, self._marked
        previous: TreeNode[str] | None = None
        for task in tasks:
            task_id = task.id
            seen.add(task_id)
            node = by_id.get(task_id)
            if node is not None and parents.get(task_id) != parent_id:
                self._forget(node)  # moved to another parent: recreate it there
                node.remove()
                node = None
            signature = (task.name, task.status, task.progress, task.queue_position, task.frames,
                         task.submitted_at, task_id in marked)
            if node is None:
                node = self._insert(parent, previous, task, depth, signature)
            elif signatures.get(task_id) != signature:
                signatures[task_id] = signature
                # TreeNode.set_label schedules a refresh per node (5,000 in a draining queue);
                # bumping the node's _updates retires its cached line, and one refresh follows.
                node._label = self._label(task, depth)
                node._updates += 1
                self._relabelled = True
                if node.allow_expand != bool(task.children):
                    node.allow_expand = bool(task.children)
            if task.children:
                self._sync(node, task_id, task.children, depth + 1, seen)
            previous = node

    def _insert(self, parent: TreeNode[str], previous: TreeNode[str] | None, task: Task,
                depth: int, signature: Signature) -> TreeNode[str]:
        """Labels depend on depth and width too; both only change with a relabel of all."""
        label = self._label(task, depth)
        expand = bool(task.children)
        if previous is not None:
            node = parent.add(label, task.id, after=previous, expand=expand, allow_expand=expand)
        elif parent.children:
            node = parent.add(label, task.id, before=parent.children[0], expand=expand,
                              allow_expand=expand)
        else:
            node = parent.add(label, task.id, expand=expand, allow_expand=expand)
        self._by_id[task.id] = node
        self._signatures[task.id] = signature
        self._parents[task.id] = parent.data if parent is not self.root else None
        return node

    def _forget(self, node: TreeNode[str]) -> None:
        for child in node.children:
            self._forget(child)
        if node.data is not None:
            self._by_id.pop(node.data, None)
            self._signatures.pop(node.data, None)
            self._parents.pop(node.data, None)

    def _restore_cursor(self, task_id: str | None) -> None:
        node = self._by_id.get(task_id) if task_id else None
        if node is None:
            # The task left (or another service is shown): stay on a line that exists.
            if self._by_id and not 0 <= self.cursor_line <= self.last_line:
                self.cursor_line = max(0, min(self.cursor_line, self.last_line))
            return
        _ = self._tree_lines  # lines are rebuilt lazily; node.line needs them now
        if node.line >= 0 and node.line != self.cursor_line:
            self.move_cursor(node, animate=False)

    # labels ---------------------------------------------------------------------------------------

    def _fixed_width(self) -> int:
        width = 2 + 2 + ID_W + 1 + STATUS_W + PCT_W + FRAMES_W + 2
        return width + sum(w for name, w in OPTIONAL if name in self._optional)

    def _choose_columns(self) -> None:
        self._optional = {name for name, _ in OPTIONAL}
        for name, _ in OPTIONAL:
            if self._label_width - self._fixed_width() - self.guide_depth >= MIN_NAME_W:
                break
            self._optional.discard(name)

    def _name_width(self, depth: int) -> int:
        return max(6, self._label_width - self._fixed_width() - depth * self.guide_depth)

    def _style(self, status: str) -> Style:
        if status not in self._styles:
            self._styles[status] = status_style(self.app, status)
        return self._styles[status]

    def _label(self, task: Task, depth: int) -> Text:
        # Built as one string plus spans: Text.append per cell costs 10x more on 10k tasks.
        parts: list[tuple[str, Style | str | None]] = []
        add = parts.append
        if task.id in self._marked:
            add(("● ", self._mark_style()))
        else:
            add(("  ", None))
        shown_id = "" if task.id == task.name else clean(task.id)[:ID_W - 1]  # keys named by id
        add((f"{shown_id:<{ID_W}}", "dim"))
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
        if frames and frames.total:
            done, failed, total = f"{frames.done}/", str(frames.failed), f"/{frames.total}"
            add((" " * max(0, FRAMES_W - len(done) - len(failed) - len(total)) + done, None))
            add((failed, self._style("failed") if frames.failed else None))
            add((total, None))
        else:
            add((" " * FRAMES_W, None))
        if "submitted" in self._optional:
            add((f" {when_text(task.submitted_at):>{WHEN_W - 1}}", "dim"))
        plain = "".join(text for text, _ in parts)
        spans, offset = [], 0
        for text, part_style in parts:
            if part_style:
                spans.append(Span(offset, offset + len(text), part_style))
            offset += len(text)
        return Text(plain, spans=spans, no_wrap=True, overflow="ellipsis", end="")

    def _mark_style(self) -> Style:
        if "mark" not in self._styles:
            self._styles["mark"] = Style(color=theme_colour(self.app, "mark"), bold=True)
        return self._styles["mark"]

    def render_label(self, node: TreeNode[str], base_style: Style, style: Style) -> Text:
        label = node._label.copy()
        label.stylize(style)
        if node._allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
        else:
            icon = "  "
        return Text.assemble((icon, base_style), label)

    def _invalidate(self) -> None:
        # Tree invalidates (and schedules a layout) on every add and remove; a sync of 10k tasks
        # does that once, at its end. (Tree._invalidate is private: textual is pinned < 9.)
        if self._deferring:
            self._invalidated = True
            return
        super()._invalidate()

    def get_label_width(self, node: TreeNode[str]) -> int:
        return node._label.cell_len + 2  # the icon; every label is already padded to width

    def process_label(self, label: str | Text) -> Text:
        return label if isinstance(label, Text) else literal(label)

    # keeping labels right -------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        width = event.size.width - 1  # the vertical scrollbar's column
        if width != self._label_width:
            self._label_width = width
            self._choose_columns()
            self.relabel()

    def relabel(self) -> None:
        """New widths or colours: every label again (nodes, cursor and expansion stay)."""
        self._styles.clear()
        self._signatures.clear()
        if self.service is not None:
            self.show_tasks(self.service, self._shown_tasks, self._marked)

    def action_expand(self) -> None:
        if self.cursor_node and self.cursor_node.allow_expand:
            self.cursor_node.expand()

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent, animate=False)
