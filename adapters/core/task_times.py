"""How long a render has run and how long it has left, from what its service says.

Elapsed: from the task's start to its end, or to now while it runs. ETA, two ways: from the
task's own rate (frames finished per second since it started, over the frames still to go),
or, where the block grid is read, from the frames' own estimates (Renderbus loadTaskProcessImg
`frameEst`, "Predicted Remaining Time for Frame Rendering"): the running blocks' time to go plus
the waiting blocks at the pace the finished ones set, shared among the blocks that render at
once. No guess without figures: a task that finished no frame yet has no rate-based ETA.
"""

from __future__ import annotations

from datetime import datetime

from jobdeck.adapters.contract.model import BlockGrid, Task


def elapsed_s(task: Task, now: datetime) -> float | None:
    """Seconds from start to end (or to now while it runs); None when it never started, or
    when it is not running and its service gives no end (a stopped Renderbus task)."""
    started = task.facts.started_at if task.facts is not None else None
    if started is None:
        return None
    if task.status == "running":
        end = now
    elif task.ended_at is not None:
        end = task.ended_at
    else:
        return None
    return max(0.0, (end - started).total_seconds())


def eta_s(task: Task, now: datetime) -> float | None:
    """A running task's time to go at the rate it has kept since it started."""
    if task.status != "running" or task.frames is None:
        return None
    frames, elapsed = task.frames, elapsed_s(task, now)
    left = frames.total - frames.done - frames.failed
    if elapsed is None or elapsed <= 0 or frames.done <= 0 or left <= 0:
        return None
    return left * elapsed / frames.done


def grid_eta_s(grid: BlockGrid) -> float | None:
    """Time to go from the blocks' own estimates (frameEst); None when none is running."""
    blocks = [b for row in grid.rows for b in row]
    running = [b for b in blocks if b.status == "running"]
    if not running or all(b.eta_s is None for b in running):
        return None   # no estimate of the service's own (FinalRip clips have none)
    waiting = sum(1 for b in blocks if b.status == "waiting")
    ahead = sum(b.eta_s or 0 for b in running)
    if waiting:
        took = [b.used_s for b in blocks if b.status == "done" and b.used_s]
        pace = sum(took) / len(took) if took else \
            sum((b.used_s or 0) + (b.eta_s or 0) for b in running) / len(running)
        if not pace:
            return None
        ahead += waiting * pace
    return ahead / len(running)


def duration_text(seconds: float | None) -> str:
    """"45s", "12m", "3h05m", "2d04h": short enough for a column; "" for no figure."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"
