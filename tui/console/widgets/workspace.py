"""The right-hand side: the attention view, or one service's streams, tasks and blocks.

It decides which panes a service shows (streams for stream kinds, the block grid or the task's
facts below the tasks), hands each pane its part of the service's state, and turns the panes'
requests into the runner's actions and the screens they open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from .attention_pane import AttentionPane
from .block_grid import BlockGridView, BlockPane
from .service_list import ATTENTION, ServiceList
from .streams_pane import RELAY, StreamsPane
from .task_table import TaskTable
from .tasks_pane import TasksPane

if TYPE_CHECKING:
    from jobdeck.tui.console.app import JobdeckApp


class Workspace(Vertical):
    @property
    def deck(self) -> JobdeckApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield AttentionPane(id="attention")
        yield StreamsPane(id="streams")
        yield TasksPane(id="tasks-pane")
        yield BlockPane(id="blocks-pane")

    # what the panes show ------------------------------------------------------------------------

    def show(self, selected: str, blocks: bool = True) -> None:
        deck = self.deck
        self.set_class(selected == ATTENTION, "attention")
        if selected == ATTENTION:
            self.show_attention()
            return
        state, adapter = deck.states[selected], deck.adapters[selected]
        self.set_class(adapter.lists_streams, "streams")
        self.set_class(adapter.lists_streams and not (state.snapshot and state.snapshot.tasks),
                       "no-tasks")
        if adapter.lists_streams:
            self.query_one(StreamsPane).show(state, deck.wall())
        self.query_one(TasksPane).show(state, deck.clock())
        if blocks:
            self.show_blocks()

    def show_attention(self) -> None:
        items, muted = self.deck.oncall.items()
        self.query_one(AttentionPane).show(items, self.deck.clock(), muted)

    def show_blocks(self) -> None:
        selected = self.deck.selected
        if selected != ATTENTION:
            self.query_one(BlockPane).show_task(selected, self.deck.adapters[selected],
                                                self.query_one(TaskTable).cursor_task)

    @on(TaskTable.CursorMoved)
    def _task_moved(self) -> None:
        self.query_one(BlockPane).later(self.show_blocks)
        self.query_one(TasksPane).keys_may_have_changed()

    # what the panes ask for ---------------------------------------------------------------------

    @on(TasksPane.ActionRequested)
    def _act_on_tasks(self, event: TasksPane.ActionRequested) -> None:
        marked = len(self.query_one(TasksPane).targets())
        self.deck.runner.request(event.service, event.action, event.tasks,
                                 skipped=marked - len(event.tasks))

    @on(StreamsPane.ActionRequested)
    def _act_on_stream(self, event: StreamsPane.ActionRequested) -> None:
        self.deck.runner.request(event.service, event.action, [event.stream])

    @on(BlockGridView.ActionRequested)
    def _act_on_block(self, event: BlockGridView.ActionRequested) -> None:
        spec = self.deck.adapters[event.service].spec(event.action)
        params = {spec.block_param: event.block.index} if spec.block_param else {}
        self.deck.runner.send(event.service, event.action, [event.task_id], params)

    @on(AttentionPane.ActionRequested)
    def _act_on_item(self, event: AttentionPane.ActionRequested) -> None:
        if event.item.task is not None:
            self.deck.runner.request(event.item.service, event.action, [event.item.task])

    @on(AttentionPane.JumpRequested)
    def _jump(self, event: AttentionPane.JumpRequested) -> None:
        item = event.item
        services = self.deck.query_one(ServiceList)
        services.highlighted = services.get_option_index(item.service)
        self.deck.select(item.service)
        if item.what == "stream":
            self.query_one(StreamsPane).go_to(item.id)
        elif item.what == "relay":
            self.query_one(StreamsPane).go_to(RELAY + item.id)
        elif item.what == "task":
            table = self.query_one(TaskTable)
            table.move_to(item.id)
            table.focus()

    @on(AttentionPane.MuteRequested)
    def _mute(self, event: AttentionPane.MuteRequested) -> None:
        def chosen(seconds: float | bool | None) -> None:
            if seconds is not False:
                self.deck.oncall.mutes.mute(event.item,
                                            seconds if isinstance(seconds, float) else None)
                self.show_attention()
                self.deck.tick()

        from jobdeck.tui.console.screens.history import MuteScreen  # screens load when first opened
        self.deck.push_screen(MuteScreen(event.item), callback=chosen)

    @on(TasksPane.DetailRequested)
    def _detail(self, event: TasksPane.DetailRequested) -> None:
        from jobdeck.tui.console.screens.detail import DetailScreen
        self.deck.push_screen(DetailScreen(event.service, event.task,
                                           self.deck.adapters[event.service]))

    @on(StreamsPane.ViewersRequested)
    def _viewers(self, event: StreamsPane.ViewersRequested) -> None:
        from jobdeck.tui.console.screens.viewers import ViewersScreen
        self.deck.push_screen(ViewersScreen(event.service, event.stream,
                                            self.deck.adapters[event.service]))
