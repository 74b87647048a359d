"""What the console knows about one service between polls: last data, health, staleness, marks."""

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
    failures: int = 0                   # polls failed in a row
    next_try: float | None = None       # when a failing service is polled again
    marked: set[str] = field(default_factory=set)

    def apply(self, snapshot: ServiceSnapshot, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.snapshot = snapshot
        self.last_poll = now
        if snapshot.ok:
            self.last_ok, self.error, self.latency_ms = now, None, snapshot.latency_ms
            self.failures = 0
            alive = {t.id for t in snapshot.all_tasks()}
            self.marked &= alive
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
        """What the service list shows at a glance: running / queued / failed, live streams."""
        snapshot = self.snapshot
        counts = {"running": 0, "queued": 0, "failed": 0, "live": 0}
        if snapshot is None:
            return counts
        for task in snapshot.tasks:   # top-level work, as an operator counts it
            if task.status in ("running", "queued"):
                counts[task.status] += 1
            elif task.status in ("failed", "partial"):
                counts["failed"] += 1
        counts["live"] = sum(1 for s in snapshot.streams if s.state == "live")
        return counts


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


def latency_text(ms: float | None) -> str:
    """Latency in steps, so a figure that jitters by a millisecond is not redrawn every poll."""
    if ms is None:
        return ""
    for step in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if ms < step:
            return f"<{step}ms" if step < 1000 else f"<{step // 1000}s"
    return ">5s"
