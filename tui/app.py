"""The console: panes, live polls per service, actions, and the keys that drive them."""

from __future__ import annotations

import asyncio
import time
from argparse import Namespace
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial, wraps

from jobdeck.adapters.base import Adapter
from jobdeck.adapters.config import Config
from jobdeck.adapters.files import StateStore
from jobdeck.adapters.model import JobdeckError, Task
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, Tree

from .keymap import Command, bindings_for, commands_with_keys
from .messages import ActionDone, BlocksReady, SnapshotReady
from .safe_text import literal
from .screens.confirm import ConfirmScreen
from .screens.detail import DetailScreen
from .screens.help import HelpScreen
from .screens.submit import SubmitScreen, TrackScreen
from .screens.viewers import ViewersScreen
from .service_state import ServiceState, age_text
from .submit import submit_from_args
from .task_facts import task_facts
from .task_filter import SORTS, arrange
from .themes import STATUS_DEFAULTS, load_themes
from .widgets.block_grid import BlockPane
from .widgets.service_list import ServiceList
from .widgets.streams_table import StreamsTable
from .widgets.task_tree import TaskTree

INTERVALS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
BLOCKS_DEBOUNCE_S = 0.15


def while_open(method: Callable[..., None]) -> Callable[..., None]:
    """For what arrives on its own (poll results, ticks): after the screen is gone, drop it."""
    @wraps(method)
    def guarded(self: JobdeckApp, *args: object) -> None:
        try:
            method(self, *args)
        except NoMatches:
            if not self._quitting and self.is_running and self.screen_stack:
                raise

    return guarded


class FilterInput(Input):
    BINDINGS = [Binding("escape", "app.clear_filter", "Clear filter", show=False)]


class JobdeckApp(App[None]):
    CSS_PATH = "jobdeck.tcss"
    TITLE = "jobdeck"

    def __init__(self, config: Config, adapters: dict[str, Adapter], *,
                 read_only: bool = False, state: StateStore | None = None,
                 title: str = "jobdeck", clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self.clock = clock   # ages of polls
        self.wall = wall     # how long a stream has been live
        self.config = config
        self.adapters = adapters
        self.read_only = read_only or config.read_only
        self.store = state
        self.deck_title = title
        self.commands = commands_with_keys(config.keys)
        for binding in bindings_for(self.commands):
            self.bind(binding.key, binding.action, description=binding.description,
                      show=binding.show, key_display=binding.key_display)
        self.states = {name: ServiceState(name, adapter.kind) for name, adapter in adapters.items()}
        self.interval = config.refresh
        self.paused = False
        self.selected: str | None = next(iter(adapters), None)
        self.filter_text = ""
        self.sort = SORTS[0]
        self._poll_timers: dict[str, Timer] = {}
        self._blocks_timer: Timer | None = None
        self._quitting = False

    # layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(id="topbar-left")
            with Horizontal(id="badges"):
                yield Static("PAUSED", id="badge-paused", classes="badge")
                yield Static("READ-ONLY", id="badge-readonly", classes="badge")
        with Horizontal(id="main"):
            yield ServiceList(list(self.states.values()), id="services")
            with Vertical(id="right"):
                yield StreamsTable(id="streams")
                with Vertical(id="tasks-pane"):
                    yield Static(id="tasks-header")
                    yield TaskTree(id="tasks")
                yield BlockPane(id="blocks-pane")
        yield FilterInput(placeholder="filter tasks: id, name or status (enter keeps, esc clears)",
                          id="filter")
        yield Footer()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(STATUS_DEFAULTS)

    def on_mount(self) -> None:
        for theme in load_themes():
            self.register_theme(theme)
        saved = (self.store.load().get("theme") if self.store else None) or self.config.theme
        if saved in self.available_themes:
            self.theme = saved
        else:
            self.theme = "jobdeck-dark"
            self.notify(f"theme {saved!r} not found; using jobdeck-dark", severity="warning",
                        markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.query_one("#services", ServiceList).border_title = "Services"
        self.query_one("#badge-readonly").set_class(self.read_only, "on")
        tree = self.query_one(TaskTree)
        tree.focus()
        self._update_tasks_title()
        self.query_one(BlockPane).show_grid(None, "move the cursor to a task to see its blocks")
        for name in self.adapters:
            self.poll(name)
        self.set_interval(1.0, self._tick)
        self._tick()

    def on_resize(self) -> None:
        self.screen.set_class(self.size.width < 100, "narrow")

    # polling: one worker per service, re-armed only when it has finished -------------------------

    def poll(self, name: str) -> None:
        timer = self._poll_timers.pop(name, None)
        if timer is not None:
            timer.stop()
        if self._quitting:
            return
        self.run_worker(self._poll(name), name=f"poll {name}", group=f"poll:{name}",
                        exclusive=True, exit_on_error=False)

    async def _poll(self, name: str) -> None:
        snapshot = await self.adapters[name].poll()
        self.post_message(SnapshotReady(snapshot))

    def _arm(self, name: str) -> None:
        if self.paused or self._quitting:
            return
        self._poll_timers[name] = self.set_timer(self.interval, partial(self.poll, name))

    @while_open
    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        snapshot = message.snapshot
        state = self.states.get(snapshot.name)
        if state is None:
            return
        state.apply(snapshot, self.clock())
        if snapshot.name == self.selected:
            self._show_selected()
            if snapshot.ok:
                self._schedule_blocks(0)
        self._tick()
        self._arm(snapshot.name)

    # what the panes show ------------------------------------------------------------------------

    def _show_selected(self) -> None:
        tree = self.query_one(TaskTree)
        state = self.states.get(self.selected or "")
        if state is None:
            return
        tasks = state.snapshot.tasks if state.snapshot else []
        tree.show_tasks(state.name, arrange(tasks, self.filter_text, self.sort), state.marked)
        adapter = self.adapters[state.name]
        right = self.query_one("#right")
        right.set_class(adapter.has_streams, "streams")
        right.set_class(adapter.has_streams and not tasks, "no-tasks")
        if adapter.has_streams:
            table = self.query_one(StreamsTable)
            if table.service != state.name:
                table.reset(state.name)
            table.show_streams(state.snapshot.streams if state.snapshot else [], self.wall())
            live = sum(1 for s in table.streams.values() if s.state == "live")
            title = Text("Streams · ")
            title.append_text(literal(state.name))
            table.border_title = title
            table.border_subtitle = f"{live} live · {len(table.streams) - live} disabled"
        self._update_tasks_title()
        self.refresh_bindings()

    def _update_tasks_title(self) -> None:
        pane = self.query_one("#tasks-pane")
        state = self.states.get(self.selected or "")
        tree = self.query_one(TaskTree)
        self.query_one("#tasks-header", Static).update(tree.header())
        if state is None:
            pane.border_title = "Tasks · no services configured"
            return
        title = Text("Tasks · ")
        title.append_text(literal(state.name))
        stale = state.stale_for(self.clock())
        if state.error:
            age = f" {age_text(stale)}" if stale is not None else ""
            title.append(f" · {'STALE' if state.last_ok else 'ERROR'}{age}: ")
            title.append_text(literal(state.error))
        pane.border_title = title
        pane.set_class(state.error is not None, "stale")
        snapshot = state.snapshot
        total = sum(1 for _ in snapshot.all_tasks()) if snapshot else 0
        parts = [f"{total} tasks"]
        if state.marked:
            parts.append(f"{len(state.marked)} marked")
        if self.filter_text:
            parts.append(f"filter: {self.filter_text}")
        parts.append(f"sort: {self.sort}")
        pane.border_subtitle = literal(" · ".join(parts))

    @while_open
    def _tick(self) -> None:
        state = self.states.get(self.selected or "")
        left = Text(no_wrap=True, overflow="ellipsis")
        left.append(self.deck_title, style="bold")
        left.append(f" · {len(self.states)} service{'s' if len(self.states) != 1 else ''}")
        left.append(f" · refresh {self.interval:g}s")
        if state is not None and state.last_ok is not None:
            left.append(f" · updated {age_text(self.clock() - state.last_ok)} ago")
        elif state is not None:
            left.append(" · waiting for the first poll")
        self.query_one("#topbar-left", Static).update(left)
        self.query_one("#badge-paused").set_class(self.paused, "on")
        services = self.query_one(ServiceList)
        for each in self.states.values():
            services.update_state(each, self.clock())
        if state is not None and state.error:
            self._update_tasks_title()

    # selection ----------------------------------------------------------------------------------

    @on(ServiceList.OptionHighlighted, "#services")
    def _service_highlighted(self, event: ServiceList.OptionHighlighted) -> None:
        name = event.option.id
        if name and name != self.selected:
            self.selected = name
            self._show_selected()
            self._schedule_blocks(0)

    @on(Tree.NodeHighlighted, "#tasks")
    def _task_highlighted(self, _: Tree.NodeHighlighted) -> None:
        self._schedule_blocks(BLOCKS_DEBOUNCE_S)
        self.refresh_bindings()

    def _schedule_blocks(self, delay: float) -> None:
        if self._blocks_timer is not None:
            self._blocks_timer.stop()
        self._blocks_timer = self.set_timer(delay, self._load_blocks) if delay else None
        if not delay:
            self._load_blocks()

    @while_open
    def _load_blocks(self) -> None:
        name = self.selected
        task_id = self.query_one(TaskTree).cursor_task_id
        pane = self.query_one(BlockPane)
        if name is None or task_id is None:
            pane.show_grid(None, "no task under the cursor")
            return
        adapter = self.adapters[name]
        state = self.states[name]
        task = state.snapshot.find_task(task_id) if state.snapshot else None
        if task is not None and task.children:
            pane.show_grid(None, f"{task_id} is a parent task: move to one of its children "
                                 "to see its blocks")
            return
        if not adapter.has_blocks:
            if task is not None:
                pane.show_facts(task.id, task_facts(task))
            else:
                pane.show_grid(None, "no task under the cursor")
            return
        self.run_worker(self._blocks(name, task_id), group="blocks", exclusive=True,
                        exit_on_error=False)

    async def _blocks(self, name: str, task_id: str) -> None:
        try:
            grid = await self.adapters[name].blocks(task_id)
        except JobdeckError as exc:
            self.post_message(BlocksReady(name, task_id, None, str(exc)))
        except Exception as exc:
            self.post_message(BlocksReady(name, task_id, None, f"unexpected reply: {exc}"))
        else:
            self.post_message(BlocksReady(name, task_id, grid))

    @while_open
    def on_blocks_ready(self, message: BlocksReady) -> None:
        if message.service != self.selected:
            return
        if message.task_id != self.query_one(TaskTree).cursor_task_id:
            return
        pane = self.query_one(BlockPane)
        if message.grid is None:
            pane.show_grid(None, f"blocks could not be read: {message.error}")
        else:
            pane.show_grid(message.grid)

    # actions on tasks ---------------------------------------------------------------------------

    def _targets(self) -> list[Task]:
        state = self.states.get(self.selected or "")
        if state is None or state.snapshot is None:
            return []
        snapshot = state.snapshot
        if state.marked:
            return [t for t in snapshot.all_tasks() if t.id in state.marked]
        trees = self.query(TaskTree)  # empty while the screen is still being composed
        cursor = trees.first().cursor_task_id if trees else None
        task = snapshot.find_task(cursor) if cursor else None
        return [task] if task else []

    def _read_only_for(self, name: str | None) -> bool:
        if self.read_only:
            return True
        adapter = self.adapters.get(name or "")
        return adapter is None or adapter.config.read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry_block":
            return not self._read_only_for(self.selected)
        if action == "stream_action":
            adapter = self.adapters.get(self.selected or "")
            stream = self.query_one(StreamsTable).cursor_stream
            return bool(adapter and adapter.has_streams and not self._read_only_for(self.selected)
                        and stream and str(parameters[0]) in stream.actions)
        if action == "viewers":
            adapter = self.adapters.get(self.selected or "")
            return bool(adapter and hasattr(adapter, "viewers"))
        if action in ("submit", "track"):
            adapter = self.adapters.get(self.selected or "")
            if adapter is None or self._read_only_for(self.selected):
                return False
            return adapter.tracks_tasks if action == "track" else hasattr(adapter, "submit")
        if action == "service_action":
            if self._read_only_for(self.selected):
                return False
            name = str(parameters[0])
            adapter = self.adapters.get(self.selected or "")
            if adapter is None or name not in adapter.actions:
                return False
            return any(name in t.actions for t in self._targets())
        return True

    def action_service_action(self, name: str) -> None:
        service = self.selected
        if service is None:
            return
        if self._read_only_for(service):
            self.notify("read-only: actions are switched off", severity="warning")
            return
        targets = self._targets()
        able = [t for t in targets if name in t.actions]
        adapter = self.adapters[service]
        spec = adapter.actions[name]
        if not able:
            self.notify(f"{spec.label}: not possible for the selected tasks now",
                        severity="warning", markup=False)
            return
        ids = [t.id for t in able]
        skipped = len(targets) - len(able)
        if spec.destructive and self.config.confirm_destructive:
            body = Text()
            body.append(f"{spec.label} {len(able)} task{'s' if len(able) > 1 else ''} on ")
            body.append_text(literal(service, "bold"))
            body.append("?\n\n")
            for task in able[:8]:
                body.append(f"  {task.id}  ", style="bold")
                body.append_text(literal(task.name))
                body.append(f"  ({task.status})\n", style="dim")
            if len(able) > 8:
                body.append(f"  … and {len(able) - 8} more\n", style="dim")
            if skipped:
                body.append(f"\n{skipped} marked task(s) cannot be {spec.label.lower()}ed now "
                            "and will be left alone.\n", style="dim")
            body.append("\nThis cannot be undone.", style="bold")
            self.push_screen(ConfirmScreen(f"{spec.label} · {service}", body, spec.label),
                             callback=lambda ok: self._perform(service, name, ids) if ok else None)
        else:
            self._perform(service, name, ids)

    def _perform(self, service: str, name: str, ids: list[str],
                 params: dict[str, str] | None = None) -> None:
        # Never exclusive: an action in flight is not cancelled by a later one.
        self.run_worker(self._do(service, name, ids, params), group=f"act:{service}",
                        exit_on_error=False)

    async def _do(self, service: str, name: str, ids: list[str],
                  params: dict[str, str] | None) -> None:
        result = await self.adapters[service].perform(name, ids, params)
        self.post_message(ActionDone(result))

    def action_submit(self) -> None:
        service = self.selected
        adapter = self.adapters.get(service or "")
        if service is None or adapter is None or not hasattr(adapter, "submit"):
            return

        async def run(args: Namespace, progress: Callable[[int, int], None]) -> str:
            return await submit_from_args(adapter, args, progress)

        def submitted(task_id: str | None) -> None:
            if not task_id:
                return
            self.notify(f"submitted {task_id}", title=f"{service} · new", markup=False)
            if self.store is not None:
                self.store.audit({"service": service, "action": "submit", "targets": [task_id],
                                  "ok": True})
            self.poll(service)

        self.push_screen(SubmitScreen(service, adapter.kind, run), callback=submitted)

    def action_track(self) -> None:
        service = self.selected
        adapter = self.adapters.get(service or "")
        if service is None or adapter is None or not adapter.tracks_tasks:
            return

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            try:
                adapter.track(ids)
            except (JobdeckError, OSError) as exc:
                self.notify(f"not tracked: {exc}", severity="error", markup=False)
                return
            self.notify(f"watching {', '.join(ids)}", title=f"{service} · track", markup=False)
            self.poll(service)

        self.push_screen(TrackScreen(service), callback=chosen)

    def action_stream_action(self, name: str) -> None:
        service = self.selected
        stream = self.query_one(StreamsTable).cursor_stream
        adapter = self.adapters.get(service or "")
        if service is None or adapter is None or stream is None or name not in stream.actions:
            return
        spec = adapter.actions[name]
        if spec.destructive and self.config.confirm_destructive:
            body = Text(f"{spec.label} ")
            body.append_text(literal(f"{stream.app}/{stream.name}", "bold"))
            body.append(" on ")
            body.append_text(literal(service, "bold"))
            body.append("?\n\n")
            if stream.viewers:
                body.append(f"{stream.viewers} viewer(s) will be cut off.\n", style="bold")
            if name == "disable_stream":
                body.append("The stream stays disabled until enabled with e.\n")
            self.push_screen(ConfirmScreen(f"{spec.label} · {service}", body, spec.label),
                             callback=lambda ok: self._perform(service, name, [stream.id])
                             if ok else None)
        else:
            self._perform(service, name, [stream.id])

    def action_viewers(self) -> None:
        service = self.selected
        stream = self.query_one(StreamsTable).cursor_stream
        loader = getattr(self.adapters.get(service or ""), "viewers", None)
        if service is None or stream is None or loader is None:
            return
        self.push_screen(ViewersScreen(service, stream, loader))

    @on(StreamsTable.RowHighlighted, "#streams")
    def _stream_highlighted(self) -> None:
        self.refresh_bindings()

    def action_retry_block(self) -> None:
        """R in the block grid: encode the clip under the cursor again."""
        service = self.selected
        grid = self.query_one(BlockPane).grid
        block = grid.cursor_block
        adapter = self.adapters.get(service or "")
        state = self.states.get(service or "")
        if adapter is None or state is None or block is None or grid.task_id is None:
            return
        task = state.snapshot.find_task(grid.task_id) if state.snapshot else None
        if "retry_encode" not in adapter.actions or task is None \
                or "retry_encode" not in task.actions:
            self.notify("no clip to retry here", severity="warning", timeout=2)
            return
        if self._read_only_for(service):
            self.notify("read-only: actions are switched off", severity="warning")
            return
        self._perform(service, "retry_encode", [task.id], {"index": block.index})

    @while_open
    def on_action_done(self, message: ActionDone) -> None:
        result = message.result
        self.notify(result.message, title=f"{result.service} · {result.action}",
                    severity="information" if result.ok else "error", markup=False,
                    timeout=4 if result.ok else 10)
        if self.store is not None:
            self.store.audit({"service": result.service, "action": result.action,
                              "targets": result.targets, "ok": result.ok,
                              "message": result.message, "code": result.code})
        state = self.states.get(result.service)
        if state is not None and result.ok:
            state.marked -= set(result.targets)
        self.poll(result.service)

    # console commands ---------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.commands))

    def action_mark(self) -> None:
        state = self.states.get(self.selected or "")
        tree = self.query_one(TaskTree)
        task_id = tree.cursor_task_id
        if state is None or task_id is None:
            return
        state.marked ^= {task_id}
        self._show_selected()
        tree.action_cursor_down()

    def action_detail(self) -> None:
        state = self.states.get(self.selected or "")
        task_id = self.query_one(TaskTree).cursor_task_id
        if state is None or state.snapshot is None or task_id is None:
            return
        task = state.snapshot.find_task(task_id)
        if task is None:
            return
        loader = getattr(self.adapters[state.name], "frames", None)
        self.push_screen(DetailScreen(state.name, task, loader))

    def action_refresh(self) -> None:
        for name in self.adapters:
            self.poll(name)
        self.notify("polling every service now", timeout=1.5)

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            for timer in self._poll_timers.values():
                timer.stop()
            self._poll_timers.clear()
        else:
            for name in self.adapters:
                self.poll(name)
        self._tick()

    def _step_interval(self, direction: int) -> None:
        index = min(range(len(INTERVALS)), key=lambda i: abs(INTERVALS[i] - self.interval))
        self.interval = INTERVALS[max(0, min(len(INTERVALS) - 1, index + direction))]
        self.notify(f"polling every {self.interval:g}s", timeout=1.5)
        self._tick()

    def action_faster(self) -> None:
        self._step_interval(-1)

    def action_slower(self) -> None:
        self._step_interval(1)

    def action_filter(self) -> None:
        box = self.query_one("#filter", FilterInput)
        box.add_class("on")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._show_selected()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one("#filter").remove_class("on")
        self.query_one(TaskTree).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", FilterInput)
        box.value = ""
        self.filter_text = ""
        box.remove_class("on")
        self.query_one(TaskTree).focus()
        self._show_selected()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        state = self.states.get(self.selected or "")
        tree = self.query_one(TaskTree)
        if state is not None:
            tasks = state.snapshot.tasks if state.snapshot else []
            tree.rebuild(arrange(tasks, self.filter_text, self.sort))
        self._update_tasks_title()

    def action_next_theme(self) -> None:
        ours = sorted(name for name in self.available_themes if name.startswith("jobdeck-"))
        names = [*ours, "textual-dark"]
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]

    @while_open
    def _theme_changed(self, theme: Theme) -> None:
        self.query_one(TaskTree).relabel()
        self.query_one(BlockPane).grid.theme_changed()
        self._show_selected()
        if self.store is not None:
            try:
                self.store.update(theme=theme.name)
            except OSError as exc:
                self.notify(f"theme not saved: {exc.strerror}", severity="warning", markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for command in self.commands:
            if command.name in ("palette", "quit"):
                continue
            if command.service_action and self.check_action(
                    "service_action", (command.service_action,)) is not True:
                continue
            yield SystemCommand(f"{command.label} ({command.display_key})", command.help,
                                partial(self._run_command, command))

    def _run_command(self, command: Command) -> None:
        self.call_later(self.run_action, command.action)

    async def action_quit(self) -> None:
        self._quitting = True
        for timer in self._poll_timers.values():
            timer.stop()
        closes = [adapter.close() for adapter in self.adapters.values()]
        try:
            await asyncio.wait_for(asyncio.gather(*closes, return_exceptions=True), timeout=2)
        except TimeoutError:
            pass
        self.exit()
