"""`jobdeck replay`: the console, read-only, on the recorded past.

The same app and panes, fed from the history store instead of the adapters: a Timeline
(adapters/core/replay.py) gives every service as it was at one moment, and each is posted as
the SnapshotReady a live poll would post. `.` and `,` step poll by poll, `>` and `<` jump to the
next or previous transition, which shows as a toast (no bell, no hook). Every service's adapter
is a RecordedAdapter: its kind's panes, no I/O, every action refused; `H` and the trends read the
store up to the moment shown.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from jobdeck.adapters.contract.model import iso
from jobdeck.adapters.core.alerts import AlertsConfig
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.history import HistoryError, HistoryStore
from jobdeck.adapters.core.replay import Timeline, recorded_adapter
from jobdeck.tui.safe_text import literal, title

from .app import JobdeckApp
from .desk import Desk
from .keymap import bindings_for
from .messages import SnapshotReady
from .poller import Poller
from .recording import Recording


class ReplayPoller(Poller):
    """No polls: the timeline posts what was recorded."""

    def start(self) -> None:
        self.app.show_moment()   # type: ignore[attr-defined]

    def poll(self, name: str) -> None:
        pass

    def poll_all(self) -> None:
        self.app.show_moment()   # type: ignore[attr-defined]

    def pause(self, paused: bool) -> None:
        pass


class ReplayApp(JobdeckApp):
    BINDINGS = [*JobdeckApp.BINDINGS, *bindings_for("replay")]

    def __init__(self, config: Config, store: HistoryStore, timeline: Timeline) -> None:
        self.timeline = timeline
        quiet = dataclasses.replace(config, read_only=True,
                                    alerts=AlertsConfig(bell=False, on=()))
        adapters = {name: recorded_adapter(name, kind) for name, kind in timeline.kinds.items()}
        super().__init__(quiet, adapters, read_only=True, state=None, title=self.words(),
                         clock=lambda: float(self.timeline.cursor),
                         wall=lambda: self.timeline.moment)
        self.poller = ReplayPoller(self, adapters, quiet.refresh, self.clock)
        self.recording = Recording(self, store.path.parent, None, store.days,
                                   until=lambda: self.timeline.moment)
        self._store = store

    def words(self) -> str:
        return f"jobdeck replay · {self.timeline.moment:%Y-%m-%d %H:%M:%S} UTC"

    def show_moment(self) -> None:
        """Post every service as it was at the cursor (read in a thread worker)."""
        self.deck_title = self.words()
        self.tick()
        self.run_worker(self._read, thread=True, exclusive=True, exit_on_error=False,
                        group="replay-read")

    def _read(self) -> None:
        # its own connection: this is another thread than the one that steps
        timeline = self.timeline.using(HistoryStore(self._store.path, self._store.days))
        try:
            for snapshot in timeline.snapshots():
                self.post_message(SnapshotReady(snapshot))
        except HistoryError as exc:
            self.call_from_thread(self.notify, literal(str(exc)), title=title("replay"),
                                  severity="error")
        finally:
            timeline.store.close()

    def _forget(self) -> None:
        """Going back: the on-call desk starts over, as if the console had started there."""
        self.oncall = Desk(self.config, {n: a.kind for n, a in self.adapters.items()}, None,
                             notify=lambda message, title, severity: None, bell=lambda: None,
                             clock=self.clock)

    def _moved(self, before: int, forward: bool) -> None:
        if not forward:
            self._forget()
        else:
            self._tell(before, self.timeline.cursor)
        self.show_moment()

    def _tell(self, before: int, after: int) -> None:
        """The recorded transitions and actions between two moments, as toasts."""
        try:
            events = self.timeline.events_between(before, after)
        except HistoryError:
            return
        for event in events[-5:]:
            self.notify(literal(event.line().removeprefix(f"{iso(event.at)} ")),
                        title=title("at ", f"{event.at:%H:%M:%S}"),
                        severity="information" if event.kind in ("service_up", "action")
                        else "error", timeout=6)

    def action_replay_step(self, count: int) -> None:
        before = self.timeline.cursor
        if not self.timeline.step(count):
            self.notify("no recorded poll that way", severity="warning", timeout=2)
            return
        self._moved(before, count > 0)

    def action_replay_jump(self, direction: int) -> None:
        before = self.timeline.cursor
        if not self.timeline.jump(direction):
            self.notify("no recorded transition that way", severity="warning", timeout=2)
            return
        self._moved(before, direction > 0)


def run_replay(config: Config, store: HistoryStore, *, at: datetime | None = None,
               since: datetime | None = None) -> int:
    from .launch import run_app

    moment = at if at is not None else since
    assert moment is not None
    timeline = Timeline(store, moment, as_of=at is not None)
    return run_app(config, {}, app=ReplayApp(config, store, timeline))
