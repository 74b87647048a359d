"""The console: composes the panes, the poller, the reader, the action runner and the on-call
desk, and routes messages between them.

Every pane owns its titles, its keys (from the one table) and its updates, and never knows this
App: it is given what it shows and posts what it wants (an action, a jump, a read). The poller
owns the timers; the reader answers the reads panes and screens ask for; the action runner owns
confirmation, sending, toasts and the audit line; the on-call desk owns transitions, mutes and
alerts. What is left here is who hears what.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.core.commands import BY_NAME, COMMANDS, WHERE, Command, normal_key
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.hooks import HookRunner
from jobdeck.adapters.core.state import StateStore
from jobdeck.tui.safe_text import clean, literal
from jobdeck.tui.safe_text import title as safe_title

from .action_runner import ActionRunner
from .desk import Desk, Glanced
from .hangup import terminal_gone, watched_fd
from .keymap import bindings_for
from .messages import ActionDone, Ask, Copy, HistoryWanted, SnapshotReady
from .palette import palette_commands
from .poller import Poller
from .reader import Reader
from .recording import Recording
from .service_state import Capabilities, ServiceState, age_text
from .themes import STATUS_DEFAULTS, load_themes, theme_ring
from .widgets.attention_pane import AttentionPane
from .widgets.block_grid import BlockGridView
from .widgets.key_footer import KeyFooter
from .widgets.keyed_table import KeyedTable
from .widgets.service_list import ATTENTION, Glance, ServiceList
from .widgets.streams_pane import StreamsPane
from .widgets.task_table import TaskTable
from .widgets.tasks_pane import TasksPane
from .widgets.topbar import Topbar
from .widgets.workspace import Workspace

ALERT_TOAST_S = 8.0   # an alert's toast stays up this long

# The screen whose key's action is running now (see JobdeckApp.run_action).
_ANSWERING: ContextVar[tuple[Screen, asyncio.Task | None] | None] = \
    ContextVar("answering", default=None)


class DeckScreen(Screen):
    """The main screen: toasts held while a dialog was open show when it closes."""

    def on_screen_suspend(self) -> None:
        app = self.app
        if isinstance(app, JobdeckApp):
            app.hold_toasts()

    def on_screen_resume(self) -> None:
        app = self.app
        if isinstance(app, JobdeckApp):
            app.show_held_toasts()


# The widgets that own each pane's commands (the names of adapters/core/commands.py).
OWNERS = {"tasks": TasksPane, "table": TaskTable, "streams": StreamsPane,
          "blocks": BlockGridView, "attention": AttentionPane, "services": ServiceList}


class JobdeckApp(App[int]):
    CSS_PATH = "jobdeck.tcss"
    TITLE = "jobdeck"
    BINDINGS = bindings_for("app")

    def __init__(self, config: Config, adapters: dict[str, Adapter], *,
                 read_only: bool = False, state: StateStore | None = None,
                 title: str = "jobdeck", clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self.clock, self.wall = clock, wall   # ages of polls; how long a stream has been live
        self.config, self.adapters, self.store, self.deck_title = config, adapters, state, title
        self.read_only = read_only or config.read_only
        self.states = {name: ServiceState(name, a.kind, Capabilities.of(a, self.read_only))
                       for name, a in adapters.items()}
        self.oncall = Desk(config, {n: a.kind for n, a in adapters.items()}, state,
                             notify=lambda message, title, severity: self.notify(
                                 message, title=title, severity=severity,
                                 timeout=ALERT_TOAST_S),
                             bell=lambda: self.bell(), clock=clock, room=self.toast_room,
                             toast_s=ALERT_TOAST_S)
        self.hooks = HookRunner(config.alerts, report=lambda failed: self.notify(
            literal(failed), title="alert command", severity="warning"))
        self.poller = Poller(self, adapters, config.refresh, clock)
        self.reader = Reader(self, adapters)
        self.runner = ActionRunner(self, state)
        self.recording = Recording.attach(self, config, state)   # the history store
        self.selected: str = ATTENTION
        self.toasts: list[tuple[str, str]] = []   # the last toasts shown, newest last
        self._held: list[tuple[str, str, Any, float | None]] = []   # while a dialog is open
        self._up: list[tuple[str, str, Any, float | None, float]] = []   # shown, until when
        # The operator's console (not a test's) sets this: see settle()
        self.freeze_heap = False
        self._settled: set[str] = set()
        self._answered: set[str] = set()   # services whose first poll is in, ok or not
        # Each key the terminal sent, with the widget it was handed to, until it comes back
        # unanswered (on_key) or is gone (weak: a key a widget took is forgotten with it).
        self._handed: WeakKeyDictionary[events.Key, Widget | None] = WeakKeyDictionary()
        # The theme is chosen before the first stylesheet parse. Its watcher still queues a
        # reparse of every stylesheet after the first; setting the theme without the watcher
        # (set_reactive) made no measurable difference to the first data, so it stays.
        for theme in load_themes():
            self.register_theme(theme)
        saved = (self.store.load().get("theme") if self.store else None) or self.config.theme
        self.theme = saved if saved in self.available_themes else "jobdeck-dark"
        self._theme_missing = None if saved in self.available_themes else saved

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._handed[event] = self.focused   # Textual hands it to the focus next
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """A key no widget took, before the bindings are tried (this runs before App._on_key).

        Typed ahead: keys that come in one burst (a paste, a fast typist's `/fail`) are all
        handed to the task table before it has handled the `/`, so they came back here after
        the filter box took focus, and would run commands (`f`, `a`...). They go into the box,
        in their order, as if typed after it opened.

        On the main screen, a key that no binding would answer says why (`unanswered`)."""
        handed_to = self._handed.pop(event, event)
        focused = self.focused
        if (isinstance(focused, Input) and handed_to is not event and handed_to is not focused
                and not isinstance(handed_to, Input)):
            event.prevent_default()
            event.stop()
            self.post_message(events.Key(event.key, event.character))   # handed to the box
            return
        if isinstance(self.screen, DeckScreen):
            active = self.screen.active_bindings.get(event.key)
            if active is None or not active.enabled:
                self.unanswered(event.key, event.character if event.is_printable else None)

    def toast_room(self) -> int:
        """How many alert toasts may be up at once: a toast takes about five rows, and the
        top line, the footer and the pane titles stay clear (2 at 80x24, 4 at 36 rows). None
        while a dialog is open: its toasts would be held and shown all at once after it."""
        if isinstance(self.screen, ModalScreen):
            return 0
        return max(1, (self.size.height - 12) // 5)

    def get_default_screen(self) -> Screen:
        return DeckScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield Topbar(id="topbar")
        with Horizontal(id="main"):
            yield ServiceList(list(self.states.values()), id="services")
            yield Workspace(self.may_act, self.clock, id="right", classes="attention")
        yield KeyFooter()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(STATUS_DEFAULTS)

    def on_mount(self) -> None:
        if self._theme_missing:
            self.notify(safe_title("theme ", repr(self._theme_missing),
                                   " not found; using jobdeck-dark"), severity="warning")
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.set_keymap(self.config.keys)
        services = self.query_one(ServiceList)
        services.border_title, services.highlighted = "Services", 0   # the attention view
        self.query_one(AttentionPane).focus()
        self.poller.start()   # the first polls go out with the first frame
        self.set_interval(1.0, self.tick)
        self.watch(self.screen, "focused", lambda _: self.fold_services(), init=False)
        if not self.is_headless and (fd := watched_fd()) is not None:
            self.set_interval(2.0, lambda: terminal_gone(fd) and self.exit(0))
        saved = self.store.load().get("task_columns") if self.store else None
        if isinstance(saved, list):   # the extra task columns chosen last time (v)
            self.query_one(TasksPane).set_columns(tuple(str(c) for c in saved))
        self.show_selected()

    def on_resize(self) -> None:
        self.screen.set_class(self.size.width < 100, "narrow")
        self.fold_services()

    def fold_services(self) -> None:
        """At 80 columns the attention view needs the whole width to give its reasons room: the
        service list folds away while the view has the focus; tab brings the list back."""
        if not self.is_running or self.screen is not self.screen_stack[0]:
            return
        fold = self.size.width < 100 and self.selected == ATTENTION and \
            not isinstance(self.screen.focused, ServiceList)
        main = self.query_one("#main")
        if main.has_class("fold") != fold:
            main.set_class(fold, "fold")
            self.query_one(Workspace).update_attention(*self.attention())

    def action_focus_next(self) -> None:
        if not self._unfold():
            super().action_focus_next()

    def action_focus_previous(self) -> None:
        if not self._unfold():
            super().action_focus_previous()

    def _unfold(self) -> bool:
        """tab from the narrow attention view: the folded service list comes back, focused."""
        main = self.query_one("#main")
        if not main.has_class("fold"):
            return False
        main.remove_class("fold")
        self.query_one(ServiceList).focus()
        self.query_one(Workspace).update_attention(*self.attention())
        return True

    def notify(self, message: Text | str, *, title: Text | str = "",
               severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every toast: its words cleaned of escapes and never read as markup. Ours come as
        Text built by safe_text's title()/literal() (tests/test_safe_text.py fails a toast
        made with an f-string); Textual's own come as plain str and are cleaned here."""
        message, title = (clean(v.plain if isinstance(v, Text) else v) for v in (message, title))
        self.toasts = [*self.toasts[-49:], (message, severity)]
        if isinstance(self.screen, ModalScreen):
            if not self._said_in(self.screen):
                # a poll's or an alert's toast never covers a dialog: it waits
                self._held.append((message, title, severity, timeout))
                return
            # the dialog's own answer to a key pressed in it shows at once: the operator is
            # waiting for it
        else:
            now = time.monotonic()
            until = now + (self.NOTIFICATION_TIMEOUT if timeout is None else timeout)
            self._up = [*(t for t in self._up if t[-1] > now),
                        (message, title, severity, timeout, until)]
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    @staticmethod
    def _said_in(screen: Screen) -> bool:
        """Whether the toast answers a key pressed in this dialog (an action on it or on a
        widget in it), rather than coming from a poll, an alert or an action's outcome."""
        return _ANSWERING.get(None) == (screen, asyncio.current_task())

    async def run_action(self, action: Any, default_namespace: Any = None,
                         namespaces: Any = None) -> bool:
        """An action run from a key: while it runs, a toast it raises answers that key."""
        node = default_namespace
        screen = node if isinstance(node, Screen) else \
            node.screen if isinstance(node, Widget) and node.is_attached else None
        # with the task: a worker the action starts inherits the mark but is not the answer
        token = _ANSWERING.set((screen, asyncio.current_task()) if screen else None)
        try:
            return await super().run_action(action, default_namespace, namespaces)
        finally:
            _ANSWERING.reset(token)

    def hold_toasts(self) -> None:
        """A dialog opens: the toasts still up leave it clear and wait with what comes next."""
        now = time.monotonic()
        up = [toast[:-1] for toast in self._up if toast[-1] > now]
        self._held, self._up = [*up, *self._held], []
        self.clear_notifications()

    def show_held_toasts(self) -> None:
        """The dialog closed: what was said meanwhile shows now (its time starts now)."""
        held, self._held = self._held, []
        for message, heading, severity, timeout in held:
            super().notify(message, title=heading, severity=severity, timeout=timeout,
                           markup=False)
        self.oncall.alerter.flush()   # alerts that waited for the dialog: now, not at the tick

    # polls --------------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.poller.worker_changed(event.worker)

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        snapshot = message.snapshot
        state = self.states.get(snapshot.name)
        if state is None or not self.is_running:
            return
        state.apply(snapshot, self.clock())
        first = snapshot.name not in self._answered
        self._answered.add(snapshot.name)
        if snapshot.ok and snapshot.name not in self._settled:
            self.settle(snapshot.name)
        elif first and self.freeze_heap and self._settled and self._all_answered():
            self.call_after_refresh(self._freeze)   # the last to answer failed: freeze now
        wall = self.wall()
        transitions, hooked = self.oncall.observe(snapshot, wall)
        self.recording.poll(snapshot, transitions, wall)
        self.hooks.submit(hooked)
        glance = self.oncall.glance()   # one pass over the watches serves both below
        if snapshot.name == self.selected:
            self.show_selected(blocks=snapshot.ok)
        if self.selected == ATTENTION or transitions:
            self.query_one(Workspace).update_attention(*self.attention(glance))
        self.tick(only=snapshot.name, glance=glance)

    def settle(self, service: str) -> None:
        """A service's first data is in: what memory holds now (the widgets, a big account's
        20,000 tasks) stays for the session, so the cycle collector is told to pass over it
        (gc.freeze), after this paint. Its full collections walked all of it, 128 ms each,
        measured at scale. At start, once every service has answered (each freeze begins
        with a full collection, and seven of them delayed the first data); a service whose
        first data comes later (it was down at start) freezes again."""
        self._settled.add(service)
        if self.freeze_heap and self._all_answered():
            self.call_after_refresh(self._freeze)

    def _all_answered(self) -> bool:
        return len(self._answered) >= len(self.states)

    @staticmethod
    def _freeze() -> None:
        gc.collect()   # what is garbage now is not frozen with the rest (for good)
        gc.freeze()
        # A poll's replies make thousands of short-lived objects: collected every 700 new
        # ones, most were walked while still in use (150 young collections a minute at
        # scale, 106 ms); every 10,000, six a minute, 52 ms in all.
        gc.set_threshold(10_000, 10, 10)

    def attention(self, glance: Glanced | None = None) -> tuple[list, float, int, str]:
        items, muted, _, _ = glance or self.oncall.glance()
        folded = self.is_running and self.query_one("#main").has_class("fold")
        return items, self.clock(), muted, "tab: services" if folded else ""

    def show_selected(self, blocks: bool = True) -> None:
        workspace = self.query_one(Workspace)
        if self.selected == ATTENTION:
            workspace.show_attention(*self.attention())
        else:
            workspace.show_service(self.states[self.selected], self.clock(), self.wall(), blocks)

    def tick(self, only: str | None = None, glance: Glanced | None = None) -> None:
        """Once a second: ages, the service list, the top line. Unchanged text is not redrawn.
        After a poll, `only` that service's line is made again (the others wait their second)."""
        if not self.is_running:
            return
        now, state = self.clock(), self.states.get(self.selected)
        freshness = "" if state is None else "waiting for the first poll" \
            if state.last_ok is None else f"updated {age_text(now - state.last_ok)} ago"
        self.query_one(Topbar).show(self.deck_title, len(self.states), self.poller.interval,
                                    freshness, paused=self.poller.paused,
                                    read_only=self.read_only)
        items, muted, by_service, muted_by_service = glance or self.oncall.glance()
        services = self.query_one(ServiceList)
        services.update_attention(len(items), muted)
        for each in self.states.values():
            if only is None or each.name == only:
                services.update_state(each, now, Glance(self.poller.next_try_in(each.name),
                                                        by_service.get(each.name, 0),
                                                        muted_by_service.get(each.name, 0)))
        if state is not None and state.error:
            self.query_one(TasksPane).show_titles(now)
        if only is None:
            self.oncall.alerter.flush()   # alerts that waited for a toast to go
        self.fold_services()   # the size the terminal reported last decides (cheap when same)

    def select(self, name: str) -> None:
        if name != self.selected:
            self.selected = name
            self.show_selected()
            self.fold_services()
            self.tick()

    @on(ServiceList.OpenRequested)
    def _open(self) -> None:
        state = self.states.get(self.selected)
        if state is None:
            self.query_one(AttentionPane).focus()
        elif state.can.lists_streams:
            self.query_one(StreamsPane).focus()
        else:
            self.query_one(TaskTable).focus()

    @on(ServiceList.OptionHighlighted, "#services")
    def _service_highlighted(self, event: ServiceList.OptionHighlighted) -> None:
        if event.option.id:
            self.select(event.option.id)

    def may_act(self, service: str, action: str | None) -> bool:
        """Not read-only, and (when named) an action this service's kind has."""
        adapter = self.adapters.get(service)
        if self.read_only or adapter is None or adapter.config.read_only:
            return False
        return action is None or action in adapter.actions

    # what panes and screens ask for ---------------------------------------------------------------

    def on_ask(self, ask: Ask) -> None:
        self.reader.answer(ask)

    def on_history_wanted(self, message: HistoryWanted) -> None:
        self.poller.want_history(message.service)

    @on(TasksPane.ActionRequested)
    def _act_on_tasks(self, event: TasksPane.ActionRequested) -> None:
        self.runner.request(event.service, event.action, event.tasks, skipped=event.skipped)

    @on(StreamsPane.ActionRequested)
    def _act_on_stream(self, event: StreamsPane.ActionRequested) -> None:
        self.runner.request(event.service, event.action, [event.stream])

    @on(BlockGridView.ActionRequested)
    def _act_on_block(self, event: BlockGridView.ActionRequested) -> None:
        spec = self.adapters[event.service].spec(event.action)
        params = {spec.block_param: event.block.index} if spec.block_param else {}
        self.runner.send(event.service, event.action, [event.task_id], params)

    @on(AttentionPane.ActionRequested)
    def _act_on_item(self, event: AttentionPane.ActionRequested) -> None:
        if event.item.task is not None:
            self.runner.request(event.item.service, event.action, [event.item.task])

    @on(AttentionPane.JumpRequested)
    def _jump(self, event: AttentionPane.JumpRequested) -> None:
        item, state = event.item, self.states.get(event.item.service)
        snapshot = state.snapshot if state is not None else None
        gone = snapshot is not None and (
            (item.what == "stream" and all(s.id != item.id for s in snapshot.streams)) or
            (item.what == "task" and all(t.id != item.id for t in snapshot.all_tasks())))
        if gone:   # never land on another row (a live stream, with Close offered)
            self.notify(safe_title(item.what, " ", item.id, " is gone from ", item.service,
                                   ": nothing to go to"), severity="warning", timeout=4)
            return
        services = self.query_one(ServiceList)
        services.highlighted = services.get_option_index(event.item.service)
        self.select(event.item.service)
        self.query_one(Workspace).go_to(event.item)

    @on(AttentionPane.MuteRequested)
    def _mute(self, event: AttentionPane.MuteRequested) -> None:
        def chosen(seconds: float | bool | None) -> None:
            if seconds is not False:
                self.oncall.mutes.mute(event.item, seconds if isinstance(seconds, float) else None)
                self.query_one(Workspace).update_attention(*self.attention())
                self.tick()

        from .screens.history import MuteScreen  # screens load when first opened
        self.push_screen(MuteScreen(event.item), callback=chosen)

    @on(ServiceList.ActionRequested)
    def _act_on_account(self, event: ServiceList.ActionRequested) -> None:
        from .action_runner import Other
        state = self.states[event.service]
        account = state.snapshot.account if state.snapshot is not None else None
        self.runner.request(event.service, event.action,
                            [Other("account", account.name if account else event.service)])

    @on(TasksPane.ColumnsRequested)
    def _choose_columns(self, event: TasksPane.ColumnsRequested) -> None:
        from .screens.columns import ColumnsScreen

        def chosen(columns: tuple[str, ...] | None) -> None:
            if columns is None:
                return
            self.query_one(TasksPane).set_columns(columns)
            if self.store is not None:
                try:
                    self.store.update(task_columns=list(columns))
                except OSError as exc:   # kept for this session only
                    self.notify(safe_title("columns not saved: ", str(exc)), severity="warning")

        self.push_screen(ColumnsScreen(event.shown), callback=chosen)

    @on(TasksPane.DetailRequested)
    def _detail(self, event: TasksPane.DetailRequested) -> None:
        from .screens.detail import DetailScreen
        state = self.states[event.service]
        self.push_screen(DetailScreen(event.service, event.task, state.can.has_frames, state.can,
                                      state.snapshot.error_codes if state.snapshot else None,
                                      self.wall()))

    @on(BlockGridView.FramesRequested)
    def _retry_blocks(self, event: BlockGridView.FramesRequested) -> None:
        """R in the block grid: the marked blocks (else the one under the cursor) rendered
        again; the adapter joins them to the frames' ids."""
        from .action_runner import frames_named
        state = self.states.get(event.service)
        task = state.snapshot.find_task(event.task_id) if state and state.snapshot else None
        if task is None:
            self.notify(safe_title("task ", event.task_id, " is gone from ", event.service),
                        severity="warning", timeout=4)
            return
        params = {"blocks": ",".join(f"{b.index}:{b.block}" for b in event.blocks)}
        self.runner.request(event.service, "retry_frames", [task], params, reply_to=event.grid,
                            what=frames_named([f"frame {b.index} block {b.block} ({b.status})"
                                               for b in event.blocks],
                                              sum(b.status == "done" for b in event.blocks)))

    def on_detail_screen_retry_requested(self, event: Any) -> None:
        """R in the frame list (DetailScreen.RetryRequested): the frames by their ids."""
        from .action_runner import frames_named
        params = {"frames": ",".join(f.id for f in event.frames)}
        self.runner.request(event.service, "retry_frames", [event.task], params,
                            reply_to=event.screen,
                            what=frames_named([f"frame {f.frame} block {f.block} ({f.status}, "
                                               f"id {f.id})" for f in event.frames],
                                              sum(f.status == "done" for f in event.frames)))

    @on(StreamsPane.ViewersRequested)
    def _viewers(self, event: StreamsPane.ViewersRequested) -> None:
        from .screens.viewers import ViewersScreen
        self.push_screen(ViewersScreen(event.service, event.stream,
                                       self.states[event.service].can))

    def on_viewers_screen_kick_requested(self, event: Any) -> None:
        """`k` in the viewers list (ViewersScreen.KickRequested): the runner asks and sends;
        the screen hears the result and reads the list again."""
        from .action_runner import Other
        self.runner.request(event.service, event.action, [Other(event.target, event.client)],
                            reply_to=event.screen)

    def on_copy(self, message: Copy) -> None:
        self.copy_to_clipboard(message.text)
        self.notify(safe_title("copied ", message.what, " id ", message.text), timeout=3)

    def on_action_done(self, message: ActionDone) -> None:
        if self.is_running:
            self.runner.done(message.result)

    # console commands ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "service_info":
            return self.selected in self.states
        if action in ("submit", "track"):
            adapter = self.adapters.get(self.selected)
            able = adapter is not None and (adapter.can_submit if action == "submit"
                                            else adapter.tracks_tasks)
            return able and self.may_act(self.selected, None)
        return True

    def why_not(self, action: str, parameters: tuple[object, ...], label: str) -> str:
        adapter = self.adapters.get(self.selected)
        if adapter is None:
            return "choose a service first"
        if action == "service_info":
            return "nothing to show"
        if not self.may_act(self.selected, None):
            return "read-only: actions are switched off"
        if action == "submit":
            return f"{self.selected} is a {adapter.kind} service: jobdeck starts no work there"
        return f"{self.selected} lists its own tasks: there is nothing to track"

    def unanswered(self, key: str, character: str | None = None) -> None:
        """A key nothing answered: a command's key says why it does not apply here; a letter
        or sign that is no command's key says so (control and function keys pass quietly:
        the terminal and tmux have their own)."""
        keys = self.config.keys
        commands = [c for c in COMMANDS if normal_key(keys.get(c.name, c.key)) == key]
        if not commands:
            if character and not character.isspace():
                help_key = BY_NAME["help"].display_key(keys)
                self.notify(safe_title(character, ": no command has this key (",
                                       help_key, " lists them)"), severity="warning", timeout=3)
            return
        adapter = self.adapters.get(self.selected)
        if adapter is not None:   # of commands sharing the key, the selected kind's say why
            commands.sort(key=lambda c: c.service_action and c.name not in adapter.actions)
        chain = []
        node = self.focused
        while node is not None and node is not self.screen:
            chain.append(node)
            node = node.parent
        chain.append(self)

        def owns(node: object, command: Command) -> bool:
            if node is self:
                return "app" in command.targets
            return any(t in OWNERS and isinstance(node, OWNERS[t]) for t in command.targets)

        for command in commands:
            for node in chain:
                if owns(node, command):
                    self._say_why(command, node)
                    return
        command = commands[0]
        where = " or ".join(dict.fromkeys(WHERE[t] for t in command.targets))
        self._say_why(command, None, f"works in {where}")

    def _say_why(self, command: Command, node: object, reason: str | None = None) -> None:
        if reason is None:
            name, _, rest = command.action.partition("(")
            params = tuple(p.strip().strip("'\"") for p in rest.rstrip(")").split(",")
                           if p.strip())
            why = getattr(node, "why_not", None)
            reason = why(name, params, command.label) if why else "does not apply here"
        self.notify(safe_title(command.display_key(self.config.keys), " ", command.label, ": ",
                          reason), severity="warning", timeout=3)

    def action_submit(self) -> None:
        self.runner.submit(self.selected)

    def action_track(self) -> None:
        self.runner.track(self.selected)

    # Screens are imported when first opened: the first frame needs none of them.

    def action_help(self) -> None:
        from .screens.help import HelpScreen
        self.push_screen(HelpScreen(self.config.keys))

    def action_history(self) -> None:
        if self.recording.readable:   # the recorded history, across restarts
            self.recording.open_history()
            return
        from .screens.history import HistoryScreen
        self.push_screen(HistoryScreen(self.oncall.alerter.history))

    def action_service_info(self) -> None:
        from .screens.service_info import ServiceScreen
        state = self.states.get(self.selected)
        if state is None:
            return
        key = BY_NAME["set_default_timeout"].display_key(self.config.keys) \
            if state.can.may("set_default_timeout") else None
        self.push_screen(ServiceScreen(state, key))

    def action_trends(self) -> None:
        self.recording.open_trends(self.selected)

    def action_mutes(self) -> None:
        from .screens.mutes import MutesScreen
        self.push_screen(MutesScreen(self.oncall.mutes.listing()))

    def on_mutes_screen_unmute(self, message: Any) -> None:
        self.oncall.mutes.unmute(message.key)
        self.query_one(Workspace).update_attention(*self.attention())
        self.tick()

    def action_refresh(self) -> None:
        self.poller.poll_all(history=True)
        self.notify("polling every service now", timeout=1.5)

    def action_pause(self) -> None:
        self.poller.pause(not self.poller.paused)
        self.tick()

    def action_faster(self) -> None:
        self.say_interval(self.poller.step_interval(-1))

    def action_slower(self) -> None:
        self.say_interval(self.poller.step_interval(1))

    def say_interval(self, seconds: float) -> None:
        self.notify(safe_title("polling every ", format(seconds, "g"), "s"), timeout=1.5)
        self.tick()

    def action_next_theme(self) -> None:
        ring = theme_ring(list(self.available_themes))
        self.theme = ring[(ring.index(self.theme) + 1) % len(ring) if self.theme in ring else 0]

    def _theme_changed(self, theme: Theme) -> None:
        if not self.is_running:
            return
        key = BY_NAME["theme"].display_key(self.config.keys)
        self.notify(safe_title("theme ", theme.name, " (", key, " for the next)"), timeout=2)
        self.query_one(TaskTable).relabel()
        for table in self.query(KeyedTable):
            table.restyle()
        self.query_one(BlockGridView).theme_changed()
        self.show_selected(blocks=False)
        if self.store is not None:
            try:
                self.store.update(theme=theme.name)
            except OSError as exc:
                self.notify(safe_title("theme not saved: ", exc.strerror), severity="warning")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.callback == self.action_change_theme:   # beside "Theme (T)": say how
                # they differ (the choice is saved either way: _theme_changed)
                command = command._replace(title="Choose a theme", help="Pick any colour "
                                           "theme by name, Textual's too (T steps through "
                                           "jobdeck's)")
            yield command
        yield from palette_commands(self, self.config.keys, {
            "tasks": self.query_one(TasksPane), "table": self.query_one(TaskTable),
            "streams": self.query_one(StreamsPane), "blocks": self.query_one(BlockGridView),
            "attention": self.query_one(AttentionPane),
            "services": self.query_one(ServiceList)})

    async def action_quit(self) -> None:
        self.poller.stop()
        self.recording.close()
        closes = [adapter.close() for adapter in self.adapters.values()]
        try:   # a service that hangs must not hold the operator in the console
            await asyncio.wait_for(asyncio.gather(*closes, return_exceptions=True), timeout=2)
        except TimeoutError:
            pass
        self.exit(0)

    async def on_unmount(self) -> None:
        """However the console ends, the hooks still running end with it (their whole process
        groups), on this loop, before it closes."""
        await self.hooks.close(grace=1.0)
