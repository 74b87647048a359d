"""The right-hand side: the attention view, or one service's streams, tasks and blocks.

It decides which panes a service shows (streams for stream kinds, the block grid or the task's
facts below the tasks) and hands each pane its part of what it is given. What the panes ask for
(actions, jumps, screens) bubbles past it to the App.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from jobdeck.adapters.core.oncall import Item
from jobdeck.tui.console.service_state import ServiceState

from .attention_pane import AttentionPane
from .block_grid import BlockPane
from .streams_pane import RELAY, StreamsPane
from .task_table import TaskTable
from .tasks_pane import TasksPane


class Workspace(Vertical):
    def __init__(self, may_act: Callable[[str, str], bool],
                 clock: Callable[[], float] = time.monotonic, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.may_act, self.clock = may_act, clock
        self.state: ServiceState | None = None   # the service shown; None: the attention view

    def compose(self) -> ComposeResult:
        yield AttentionPane(self.may_act, id="attention")
        yield StreamsPane(id="streams")
        yield TasksPane(self.clock, id="tasks-pane")
        yield BlockPane(id="blocks-pane")

    def show_service(self, state: ServiceState, now: float, wall: object,
                     blocks: bool = True) -> None:
        self.state = state
        self.remove_class("attention")
        streams = state.can.lists_streams
        self.set_class(streams, "streams")
        self.set_class(streams and not (state.snapshot and state.snapshot.tasks), "no-tasks")
        if streams:
            self.query_one(StreamsPane).show(state, wall)  # type: ignore[arg-type]
        self.query_one(TasksPane).show(state, now, wall if isinstance(wall, datetime) else None)
        if blocks:
            self.show_blocks()

    def show_attention(self, items: list[Item], now: float, muted: int, hint: str = "") -> None:
        opening = self.state is not None or not self.has_class("attention")
        self.state = None
        self.add_class("attention")
        self.update_attention(items, now, muted, hint)
        if opening:
            self.query_one(AttentionPane).opened()

    def update_attention(self, items: list[Item], now: float, muted: int,
                         hint: str = "") -> None:
        """The attention pane's rows, whether or not it is the one shown."""
        self.query_one(AttentionPane).show(items, now, muted, hint)

    def show_blocks(self) -> None:
        if self.state is not None:
            self.query_one(BlockPane).show_task(self.state, self.query_one(TaskTable).cursor_task)

    def go_to(self, item: Item) -> None:
        """Put the cursor on the item's stream or task (the service is already shown)."""
        if item.what == "stream":
            self.query_one(StreamsPane).go_to(item.id)
        elif item.what == "relay":
            self.query_one(StreamsPane).go_to(RELAY + item.id)
        elif item.what == "task":
            table = self.query_one(TaskTable)
            table.move_to(item.id)
            table.focus()

    @on(TaskTable.CursorMoved)
    def _task_moved(self) -> None:
        self.query_one(BlockPane).later(self.show_blocks)
        self.query_one(TasksPane).keys_may_have_changed()
