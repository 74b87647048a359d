"""Filtering and ordering of task trees, kept apart from the widget that shows them.

"newest" is newest first for every kind: by submission time where the service gives one (a
FinalRip server lists its tasks oldest first); tasks without one (EVA, enhance: jobdeck tracks
them in the order they were submitted) come after, the latest tracked first. Any order can be
reversed; sub-tasks keep the order of their stages.
"""

from __future__ import annotations

from dataclasses import replace

from jobdeck.adapters.contract.model import STATUSES, Task

SORTS = ("newest", "name", "status", "progress")
_STATUS_ORDER = {status: n for n, status in enumerate(
    ("running", "failed", "partial", "stopped", "queued", "done", "abandoned", "unknown"))}
assert set(_STATUS_ORDER) == set(STATUSES)


def _id_key(task: Task) -> tuple[int, int | str]:
    return (0, -int(task.id)) if task.id.isdigit() else (1, task.id)


def _newest(tasks: list[Task]) -> list[Task]:
    dated = [t for t in tasks if t.submitted_at is not None]
    undated = [t for t in tasks if t.submitted_at is None]
    dated.sort(key=lambda t: t.submitted_at, reverse=True)   # stable: ties keep the service's order
    return dated + undated[::-1]


KEYS = {
    "newest": None,  # _newest
    "name": lambda t: (t.name.lower(), t.id),
    "status": lambda t: (_STATUS_ORDER.get(t.status, 99), _id_key(t)),
    "progress": lambda t: (-(t.progress or 0.0), _id_key(t)),
}


def matches(task: Task, needle: str) -> bool:
    return needle in task.id.lower() or needle in task.name.lower() or needle == task.status


def arrange(tasks: list[Task], needle: str, sort: str, reverse: bool = False) -> list[Task]:
    """A task stays when it or a descendant matches; its own children are filtered the same way."""
    needle = needle.lower()
    if needle:
        kept: list[Task] = []
        for task in tasks:
            if matches(task, needle):
                kept.append(task)
                continue
            children = arrange(task.children, needle, "as given")
            if children:
                kept.append(replace(task, children=children))
        tasks = kept
    key = KEYS.get(sort)
    ordered = sorted(tasks, key=key) if key else _newest(tasks) if sort == "newest" else tasks
    return ordered[::-1] if reverse else ordered
