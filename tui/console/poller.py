"""Polls: one worker per service, re-armed with a timer only when the last one has finished.

The next poll is armed from Worker.StateChanged, whatever the worker's end (success, error,
cancellation), so a poll is never silently dead. A service that keeps failing is polled with
backoff (2, 4, 8 ... up to 30 s, with jitter), and says when it will be tried next; a refresh
tries every service now; it recovers by itself as soon as it answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.worker import Worker, WorkerState

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.http import describe_exception
from jobdeck.adapters.contract.model import ServiceSnapshot
from jobdeck.adapters.core.services import BACKOFF_CAP_S, BACKOFF_FIRST_S, backoff

from .messages import SnapshotReady

if TYPE_CHECKING:
    from textual.app import App

INTERVALS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
HISTORY_FRESH_S = 60.0   # a filter or a sort makes the history read again when older than this
GROUP = "poll:"


@dataclass(slots=True)
class Schedule:
    timer: Timer | None = None
    due: float | None = None      # monotonic time of the next poll
    failures: int = 0


class Poller:
    def __init__(self, app: App, adapters: dict[str, Adapter], interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.adapters = adapters
        self.interval = interval
        self.clock = clock
        self.paused = False
        self.stopped = False
        self.backoff_first, self.backoff_cap = BACKOFF_FIRST_S, BACKOFF_CAP_S
        self.schedules = {name: Schedule() for name in adapters}
        # one callback per service for its timers: Textual reads a new callable's signature
        # each time it calls it (inspect.signature, ~0.1 ms), a kept one's once
        self._due = {name: partial(self.poll, name) for name in adapters}

    def start(self) -> None:
        for name in self.adapters:
            self.poll(name)

    def poll(self, name: str) -> None:
        """Poll one service now (a running poll of it is replaced)."""
        schedule = self.schedules[name]
        if schedule.timer is not None:
            schedule.timer.stop()
        schedule.timer, schedule.due = None, None
        if self.stopped:
            return
        # The poll starts inside the worker: one replaced before it began leaves no coroutine.
        self.app.run_worker(partial(self._poll, name), name=f"{GROUP}{name}", group=f"{GROUP}{name}",
                            exclusive=True, exit_on_error=False)

    def poll_all(self, *, history: bool = False) -> None:
        """Every service now; with `history` (the operator's `r`), each reads its whole list."""
        for name in self.adapters:
            if history:
                self.adapters[name].want_history()
            self.poll(name)

    def want_history(self, name: str, older_than: float = HISTORY_FRESH_S) -> None:
        """A filter or a sort over this service's whole list: its next poll reads the history
        unless it did within `older_than` seconds (kinds that read all each poll ignore it)."""
        adapter = self.adapters.get(name)
        if adapter is not None:
            adapter.want_history(older_than)

    async def _poll(self, name: str) -> ServiceSnapshot:
        snapshot = await self.adapters[name].poll()
        self.app.post_message(SnapshotReady(snapshot))
        return snapshot

    def worker_changed(self, worker: Worker) -> bool:
        """Arm the next poll when a poll worker ends, however it ended. True if it was ours."""
        if not worker.group.startswith(GROUP):
            return False
        name = worker.group[len(GROUP):]
        if worker.state == WorkerState.ERROR:
            # an adapter that raised despite poll()'s promise: shown on its line, then re-armed
            error = worker.error or RuntimeError("poll failed")
            self.app.post_message(SnapshotReady(ServiceSnapshot(
                name=name, kind=self.adapters[name].kind, ok=False,
                error=f"poll failed: {describe_exception(error, self.adapters[name].redact)}")))
            self.arm(name, failed=True)
        elif worker.state == WorkerState.SUCCESS:
            result = worker.result
            self.arm(name, failed=isinstance(result, ServiceSnapshot) and not result.ok)
        elif worker.state == WorkerState.CANCELLED and not self.stopped:
            pass   # replaced by a newer poll of the same service: that one re-arms
        return True

    def arm(self, name: str, *, failed: bool) -> None:
        schedule = self.schedules[name]
        schedule.failures = schedule.failures + 1 if failed else 0
        if self.paused or self.stopped:
            return
        delay = backoff(schedule.failures, self.interval, first=self.backoff_first,
                        cap=self.backoff_cap)
        if schedule.timer is not None:
            schedule.timer.stop()
        schedule.due = self.clock() + delay
        schedule.timer = self.app.set_timer(delay, self._due[name])

    def next_try_in(self, name: str) -> float | None:
        """Seconds until a failing service is tried again; None when it is not failing."""
        schedule = self.schedules[name]
        if not schedule.failures or schedule.due is None:
            return None
        return max(0.0, schedule.due - self.clock())

    def pause(self, paused: bool) -> None:
        self.paused = paused
        if paused:
            for schedule in self.schedules.values():
                if schedule.timer is not None:
                    schedule.timer.stop()
                schedule.timer, schedule.due = None, None
        else:
            self.poll_all()

    def step_interval(self, direction: int) -> float:
        index = min(range(len(INTERVALS)), key=lambda i: abs(INTERVALS[i] - self.interval))
        self.interval = INTERVALS[max(0, min(len(INTERVALS) - 1, index + direction))]
        return self.interval

    def stop(self) -> None:
        self.stopped = True
        for schedule in self.schedules.values():
            if schedule.timer is not None:
                schedule.timer.stop()
