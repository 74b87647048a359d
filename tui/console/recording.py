"""The console's side of the history store: it records every poll and transition and the
actions (through the state store's audit), shows the store's warnings as toasts, and opens what
reads it back: the persisted history (`H`) and the trends of the last hour.

Reads run in thread workers (SQLite is local, but a file held by another process must not hold
the screen); the writer is the Recorder's own thread. With no state directory there is nothing
to read, and `H` shows the session's alerts as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.events import Callback

from jobdeck.adapters.contract.model import ServiceSnapshot, iso
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.history import (
    Event,
    HistoryError,
    HistoryStore,
    Recorder,
)
from jobdeck.adapters.core.oncall import Item, Transition
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.core.trends import Trend, trend_names, trends
from jobdeck.tui.safe_text import literal, title

if TYPE_CHECKING:
    from .app import JobdeckApp

SHOWN = 2000     # the newest entries `H` lists
TREND_SPAN = timedelta(hours=1)


class Recording:
    def __init__(self, app: JobdeckApp, directory: Path | None, recorder: Recorder | None,
                 days: float = 14.0, until: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.directory = directory
        self.recorder = recorder
        self.days = days
        self.until = until or (lambda: datetime.now(UTC))

    @classmethod
    def attach(cls, app: JobdeckApp, config: Config, state: StateStore | None) -> Recording:
        """Record into the state directory, when the console has one."""
        if state is None:
            return cls(app, None, None)
        recording = cls(app, state.directory, None, config.history_days)
        recording.recorder = Recorder(state.directory, config.history_days, recording.warn)
        recording.recorder.declare((n, a.kind) for n, a in app.adapters.items())
        state.history = recording.recorder   # the audit record goes the same way
        return recording

    @property
    def readable(self) -> bool:
        return self.directory is not None

    def poll(self, snapshot: ServiceSnapshot, transitions: list[Transition],
             wall: datetime) -> None:
        if self.recorder is not None:
            self.recorder.poll(snapshot, transitions, wall)

    def warn(self, text: str, severity: str) -> None:
        """From the writer's thread: a toast, posted to the app's own queue."""
        self.app.post_message(Callback(callback=partial(
            self.app.notify, literal(text), title=title("history"), severity=severity,
            timeout=10)))

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close(timeout=2.0)

    def store(self) -> HistoryStore:
        assert self.directory is not None
        return HistoryStore.in_dir(self.directory, self.days)

    # reading back (thread workers) ---------------------------------------------------------------

    def events(self) -> list[Event]:
        """The newest entries, this session's last polls included."""
        if self.recorder is not None:
            self.recorder.flush(2.0)
        until = self.until()
        store = self.store()
        try:
            return store.events(until - timedelta(days=self.days), until, newest_first=True,
                                limit=SHOWN)
        except HistoryError as exc:
            if not store.path.exists():
                return []
            raise exc
        finally:
            store.close()

    def trends(self, services: list[tuple[str, str, bool]]) -> list[tuple[str, str, list[Trend]]]:
        """The last hour of each (name, kind, lists_streams) service."""
        until = self.until()
        store = self.store()
        try:
            if not store.path.exists():
                return [(name, kind, []) for name, kind, _ in services]
            return [(name, kind, trends(store, name, trend_names(kind, streams),
                                        until - TREND_SPAN, until))
                    for name, kind, streams in services]
        finally:
            store.close()

    # the screens -----------------------------------------------------------------------------------

    def open_history(self) -> None:
        from .screens.recorded import RecordedHistoryScreen

        alerted = {(a.transition.key, iso(a.transition.at))
                   for a in self.app.oncall.alerter.history if a.toasted}
        self.app.push_screen(RecordedHistoryScreen(self.events, alerted), callback=self.jump)

    def open_trends(self, selected: str) -> None:
        from .screens.trends import TrendsScreen

        app = self.app
        names = [selected] if selected in app.adapters else list(app.adapters)
        services = [(n, app.adapters[n].kind, app.adapters[n].lists_streams) for n in names]
        app.push_screen(TrendsScreen(partial(self.trends, services), self.readable))

    def jump(self, event: Event | None) -> None:
        """`enter` in the history: to the item in its service, as the attention view goes."""
        if event is None:
            return
        app = self.app
        adapter = app.adapters.get(event.service)
        if adapter is None:
            app.notify(title(event.service, " is not in this console"), severity="warning")
            return
        what, item = event.what, event.item
        if event.action is not None:
            spec = adapter.actions.get(str(event.action.get("action")))
            what = "stream" if spec is not None and spec.target == "stream" else "task"
        if item is None:
            what, item = "service", event.service
        from .widgets.attention_pane import AttentionPane

        app.post_message(AttentionPane.JumpRequested(
            Item(event.service, adapter.kind, what, item, item, "", 0.0)))
