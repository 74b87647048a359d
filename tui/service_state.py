"""What the console knows about one service between polls: last data, health, staleness."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from jobdeck.adapters.model import ServiceSnapshot


@dataclass(slots=True)
class ServiceState:
    name: str
    kind: str
    snapshot: ServiceSnapshot | None = None
    last_ok: float | None = None        # monotonic time of the last good poll
    last_poll: float | None = None
    error: str | None = None
    latency_ms: float | None = None
    marked: set[str] = field(default_factory=set)

    def apply(self, snapshot: ServiceSnapshot, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.snapshot = snapshot
        self.last_poll = now
        if snapshot.ok:
            self.last_ok, self.error, self.latency_ms = now, None, snapshot.latency_ms
            alive = {t.id for t in snapshot.all_tasks()}
            self.marked &= alive
        else:
            self.error = snapshot.error or "failed"

    @property
    def health(self) -> str:
        if self.snapshot is None:
            return "waiting"
        return "ok" if self.error is None else ("stale" if self.last_ok else "error")

    def stale_for(self, now: float | None = None) -> float | None:
        if self.error is None or self.last_ok is None:
            return None
        return (time.monotonic() if now is None else now) - self.last_ok


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
