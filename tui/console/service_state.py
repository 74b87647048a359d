"""What the console knows about one service between polls: last data, health, staleness, marks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from jobdeck.adapters.contract.model import (
    ServiceSnapshot,
    Task,
    TaskChanges,
    in_window,
    task_changes,
)

if TYPE_CHECKING:
    from jobdeck.adapters.contract.base import Adapter


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a pane may offer for a service: its kind's features and the actions the operator
    may run there (none in read-only mode). Panes read this, never the adapter or the App."""

    actions: frozenset[str] = frozenset()   # permitted now: declared by the kind, not read-only
    may_write: bool = False                 # submit / track (not read-only)
    has_blocks: bool = False
    has_frames: bool = False
    has_viewers: bool = False
    lists_streams: bool = False
    can_submit: bool = False
    tracks_tasks: bool = False

    @classmethod
    def of(cls, adapter: Adapter, read_only: bool) -> Capabilities:
        writable = not (read_only or adapter.config.read_only)
        return cls(actions=frozenset(adapter.actions) if writable else frozenset(),
                   may_write=writable, has_blocks=adapter.has_blocks,
                   has_frames=adapter.has_frames, has_viewers=adapter.has_viewers,
                   lists_streams=adapter.lists_streams, can_submit=adapter.can_submit,
                   tracks_tasks=adapter.tracks_tasks)

    def may(self, action: str) -> bool:
        return action in self.actions


@dataclass(slots=True)
class ServiceState:
    name: str
    kind: str
    can: Capabilities = field(default_factory=Capabilities)
    snapshot: ServiceSnapshot | None = None
    last_ok: float | None = None        # monotonic time of the last good poll
    last_poll: float | None = None
    error: str | None = None
    latency_ms: float | None = None
    failures: int = 0                   # polls failed in a row
    next_try: float | None = None       # when a failing service is polled again
    marked: set[str] = field(default_factory=set)
    task_count: int = 0                 # every task of the snapshot, children included
    # counts() of the snapshot's task list, kept while the adapter hands over the same list
    _counted: tuple[object, object, dict[str, int]] | None = None

    def apply(self, snapshot: ServiceSnapshot, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        before = self.snapshot
        if before is None or snapshot.tasks is not before.tasks:
            changes = task_changes(snapshot.tasks, snapshot.changes, before and before.tasks)
            if changes is None:
                self.task_count = count_tasks(snapshot.tasks)
            else:   # a big account: what changed, not a count of 20,000 again
                self.task_count += count_tasks(changes.changed) - count_tasks(changes.previous)
                self._count_changes(changes, snapshot)
        self.snapshot = snapshot
        self.last_poll = now
        if snapshot.ok:
            self.last_ok, self.error = now, None
            self.latency_ms = steady_latency(self.latency_ms, snapshot.latency_ms)
            self.failures = 0
            if self.marked:
                self.marked &= {t.id for t in snapshot.all_tasks()}
        else:
            self.error = snapshot.error or "failed"
            self.failures += 1

    @property
    def health(self) -> str:
        if self.snapshot is None:
            return "waiting"
        return "ok" if self.error is None else ("stale" if self.last_ok else "error")

    @property
    def warnings(self) -> list[str]:
        return self.snapshot.warnings if self.snapshot and self.error is None else []

    def stale_for(self, now: float | None = None) -> float | None:
        if self.error is None or self.last_ok is None:
            return None
        return (time.monotonic() if now is None else now) - self.last_ok

    def counts(self) -> dict[str, int]:
        """What the service list shows at a glance: running / queued / failed (those of the
        kind's attention window: years of history are not "failed" now), live streams."""
        snapshot = self.snapshot
        counts = {"running": 0, "queued": 0, "failed": 0, "live": 0}
        if snapshot is None:
            return counts
        kept = self._counted
        if kept is not None and kept[0] is snapshot.tasks \
                and kept[1] == snapshot.attention_since:
            counts.update(kept[2])
        else:
            window = snapshot.attention_since
            for task in snapshot.tasks:   # top-level work, as an operator counts it
                counted = _counted_as(task, window)
                if counted:
                    counts[counted] += 1
            self._counted = (snapshot.tasks, snapshot.attention_since, dict(counts))
        counts["live"] = sum(1 for s in snapshot.streams if s.state == "live")
        return counts

    def _count_changes(self, changes: TaskChanges, snapshot: ServiceSnapshot) -> None:
        """Move the kept counts() by what changed, when they were of the list before."""
        kept = self._counted
        if kept is None or kept[0] is not changes.before or kept[1] != snapshot.attention_since:
            return
        counts, window = dict(kept[2]), snapshot.attention_since
        for task in changes.previous:
            counted = _counted_as(task, window)
            if counted:
                counts[counted] -= 1
        for task in changes.changed:
            counted = _counted_as(task, window)
            if counted:
                counts[counted] += 1
        self._counted = (changes.after, window, counts)


def _counted_as(task: Task, window: datetime | None) -> str | None:
    """Which of counts() a top-level task adds to: failed only within the attention window."""
    status = task.status
    if status == "running" or status == "queued":
        return status
    if (status == "failed" or status == "partial") and in_window(task, window):
        return "failed"
    return None


def count_tasks(tasks: list[Task]) -> int:
    return len(tasks) + sum(count_tasks(t.children) for t in tasks if t.children)


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


SLOW_MS = 500.0   # the service list names a latency from here up; below, "ok" says enough


def steady_latency(shown: float | None, measured: float | None) -> float | None:
    """The latency to show: kept until a poll takes under half or over twice as long, so a
    figure that jitters around a step is not redrawn (and sent over SSH) every poll."""
    if measured is None or shown is None or not shown / 2 <= measured <= shown * 2:
        return measured
    return shown


def latency_text(ms: float | None) -> str:
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms:.2g}ms" if ms < 100 else f"{round(ms, -1):.0f}ms"
    return f"{ms / 1000:.1f}s"


def rough_age(seconds: float | None) -> str:
    """An age that changes rarely, for columns redrawn when it does: 10 s steps under a
    minute, then minutes, hours, days."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds // 10 * 10}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
