"""The tasks pane: the task table with its header, filter and order, and the title that says
whose tasks these are and how fresh. It owns its keys (from the one table) and asks the app to
act by message; it never calls an adapter.

While filtered it says how many of how many it shows ("8 of 17 tasks"); `esc` clears the marks
and the filter. Marking a parent says that its sub-tasks go with it. `v` turns the extra
columns on and off (ELAPSED, ETA, COST, PROJECT, USER); `o` then orders by them too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from jobdeck.adapters.contract.model import Task
from jobdeck.tui.console.keymap import bindings_for, refresh_bindings_on_change
from jobdeck.tui.console.messages import Copy, HistoryWanted
from jobdeck.tui.console.service_state import ServiceState, age_text, count_tasks
from jobdeck.tui.console.task_filter import EXTRA_COLUMNS, SORTS, arrange
from jobdeck.tui.safe_text import literal, set_titles, title

from .task_table import TaskTable


class FilterInput(Input):
    BINDINGS = [Binding("escape", "clear", "Clear filter", show=False)]

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Submitted(self, ""))


class TasksPane(Vertical):
    BINDINGS = bindings_for("tasks")

    class ActionRequested(Message):
        """Run an adapter action on these tasks (the app confirms and sends it)."""

        def __init__(self, service: str, action: str, tasks: list[Task], skipped: int = 0) -> None:
            super().__init__()
            self.service, self.action, self.tasks = service, action, tasks
            self.skipped = skipped   # marked tasks the action does not apply to

    class ColumnsRequested(Message):
        """Choose the extra columns (the app asks, remembers and hands them back)."""

        def __init__(self, shown: tuple[str, ...]) -> None:
            super().__init__()
            self.shown = shown

    class DetailRequested(Message):
        def __init__(self, service: str, task: Task) -> None:
            super().__init__()
            self.service, self.task = service, task

    def __init__(self, clock: Callable[[], float] = time.monotonic, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.clock = clock   # the ages in the titles
        self.state: ServiceState | None = None
        self.filter_text = ""
        self.sort = SORTS[0]
        self.reverse = False
        self.shown_count = 0   # tasks shown (filtered), sub-tasks included
        self._header = ""
        self.wall: datetime | None = None   # the service's moment for ELAPSED and ETA

    def compose(self) -> ComposeResult:
        yield Static(id="tasks-header")
        yield TaskTable(id="tasks")
        yield FilterInput(placeholder="filter tasks: id, name, status, project or user "
                          "(enter keeps, esc clears)", id="filter")

    @property
    def table(self) -> TaskTable:
        return self.query_one(TaskTable)

    # what it shows --------------------------------------------------------------------------------

    def show(self, state: ServiceState | None, now: float, wall: datetime | None = None) -> None:
        self.state = state
        if wall is not None:
            self.wall = self.table.wall = wall
        if state is None:
            set_titles(self, title("Tasks · no services configured"), None)
            return
        tasks = state.snapshot.tasks if state.snapshot else []
        arranged = arrange(tasks, self.filter_text, self.sort, self.reverse, self.wall)
        self.shown_count = count_tasks(arranged) if self.filter_text else state.task_count
        self.table.show_tasks(state.name, arranged, state.marked)
        self.show_titles(now)
        self.keys_may_have_changed()

    def keys_may_have_changed(self) -> None:
        """The footer offers the actions of the targets: redrawn when those change (a marked
        task's status changing counts, not only the marks)."""
        offered = frozenset(name for task in self.targets() for name in task.actions)
        refresh_bindings_on_change(self, (self.state and self.state.name, offered))

    def show_titles(self, now: float) -> None:
        state = self.state
        if state is None:
            return
        header = self.table.header()
        if header != self._header:
            self._header = header
            self.query_one("#tasks-header", Static).update(Text(header, no_wrap=True))
        parts: list = ["Tasks · ", state.name]
        if state.error:
            stale = state.stale_for(now)
            age = f" {age_text(stale)}" if stale is not None else ""
            parts += [(f" · {'STALE' if state.last_ok else 'ERROR'}{age}: ", "bold"),
                      state.error]
        elif state.warnings:
            parts += [(" · ⚠ ", "bold"), state.warnings[0]]
            if len(state.warnings) > 1:
                parts.append(f" (+{len(state.warnings) - 1} more)")
        self.set_class(state.error is not None, "stale")
        noun = "task" if state.task_count == 1 else "tasks"
        words = [f"{self.shown_count} of {state.task_count} {noun}" if self.filter_text
                 else f"{state.task_count} {noun}"]
        if state.marked:
            words.append(f"{len(state.marked)} marked")
        if self.filter_text:
            words.append(f"filter: {self.filter_text}")
        words.append(f"sort: {self.sort}" + (" reversed" if self.reverse else ""))
        hidden = self.table.hidden_columns
        if hidden:   # turned on, but the pane is too narrow for them now
            words.append(f"{len(hidden)} column{'s' if len(hidden) != 1 else ''} hidden")
        if state.snapshot is not None and state.snapshot.api_version:
            words.append(f"API {state.snapshot.api_version}")   # the generation that answered
        set_titles(self, title(*parts), literal(" · ".join(words)))

    def on_task_table_columns_changed(self) -> None:
        self.show_titles(self.clock())

    def targets(self) -> list[Task]:
        """The marked tasks, else the one under the cursor."""
        state = self.state
        if state is None or state.snapshot is None:
            return []
        if state.marked:
            return [t for t in state.snapshot.all_tasks() if t.id in state.marked]
        task = self.table.cursor_task
        return [task] if task is not None else []

    # keys -----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "service_action":
            name = str(parameters[0])
            state = self.state
            if state is None or not state.can.may(name):
                return False
            return any(name in t.actions for t in self.targets())
        if action == "clear_marks":
            return bool(self.state and (self.state.marked or self.filter_text))
        if action in ("copy_id", "mark", "detail"):
            return self.table.cursor_task is not None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...], label: str) -> str:
        """Why a key of this pane does nothing now, in a few words (the toast's text)."""
        state, targets = self.state, self.targets()
        if action == "clear_marks":
            return "nothing is marked or filtered"
        if action != "service_action":
            return "no task under the cursor"
        name = str(parameters[0])
        if state is None:
            return "no service selected"
        if not state.can.may_write:
            return "read-only: actions are switched off"
        if not state.can.may(name):
            return f"{state.name} is a {state.kind} service: it has no such action"
        if not targets:
            return "no task under the cursor"
        if len(targets) == 1:
            return f"not for task {targets[0].id} while it is {targets[0].status}"
        return f"none of the {len(targets)} marked tasks can take it now"

    def action_service_action(self, name: str) -> None:
        if self.state is not None:
            targets = self.targets()
            able = [t for t in targets if name in t.actions]
            if able:
                self.post_message(self.ActionRequested(self.state.name, name, able,
                                                       skipped=len(targets) - len(able)))

    def action_mark(self) -> None:
        state, task = self.state, self.table.cursor_task
        if state is None or task is None:
            return
        state.marked ^= {task.id}
        if task.children and task.id in state.marked:
            count = count_tasks(task.children)
            self.notify(title(task.id, " marked with its ", str(count), " sub-task",
                              "s" if count != 1 else "", ": an action on a parent reaches its "
                              "sub-tasks"), timeout=4)
        self.show(state, self.clock())
        self.table.move(1)

    def action_clear_marks(self) -> None:
        if self.state is not None:
            self.state.marked.clear()
        self.filter_text = ""
        box = self.query_one(FilterInput)
        box.value = ""
        box.remove_class("on")
        self.show(self.state, self.clock())

    def action_copy_id(self) -> None:
        task = self.table.cursor_task
        if task is not None:
            self.post_message(Copy(task.id, "task"))

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self.show(self.state, self.clock())

    def action_detail(self) -> None:
        task = self.table.cursor_task
        if self.state is not None and task is not None:
            self.post_message(self.DetailRequested(self.state.name, task))

    def action_filter(self) -> None:
        box = self.query_one(FilterInput)
        box.add_class("on")
        # At once, not after the queued keys (focus() waits its turn): keys typed ahead of
        # the box then find it focused and go into it (JobdeckApp.on_key).
        self.screen.set_focus(box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.show(self.state, self.clock())

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        box = self.query_one(FilterInput)
        if not box.value:
            self.filter_text = ""
            self.show(self.state, self.clock())
        elif self.state is not None:   # a filter over the whole list: the history, fresh
            self.post_message(HistoryWanted(self.state.name))
        box.remove_class("on")
        self.table.focus()

    def sorts(self) -> tuple[str, ...]:
        """The orders `o` steps through: the usual four, then the extra columns shown (one
        turned on that the pane is too narrow for would order by figures no one can see)."""
        hidden = self.table.hidden_columns
        return SORTS + tuple(c for c in self.table.extra_columns if c not in hidden)

    def set_columns(self, extra: tuple[str, ...]) -> None:
        self.table.set_columns(tuple(c for c in extra if c in EXTRA_COLUMNS))
        if self.sort not in self.sorts():   # ordered by a column turned off: back to newest
            self.sort = SORTS[0]
        self.show(self.state, self.clock())

    def action_columns(self) -> None:
        self.post_message(self.ColumnsRequested(self.table.extra_columns))

    def action_sort(self) -> None:
        sorts = self.sorts()
        self.sort = sorts[(sorts.index(self.sort) + 1) % len(sorts)] if self.sort in sorts \
            else SORTS[0]
        if self.state is not None and self.sort != SORTS[0]:   # reorders the whole list
            self.post_message(HistoryWanted(self.state.name))
        self.show(self.state, self.clock())
