"""Filtering and ordering of task trees, kept apart from the widget that shows them.

"newest" is newest first for every kind: by submission time where the service gives one (a
FinalRip server lists its tasks oldest first); tasks without one (EVA, enhance: jobdeck tracks
them in the order they were submitted) come after, the latest tracked first. Any order can be
reversed; sub-tasks keep the order of their stages. The extra columns the operator turns on
(ELAPSED, ETA, COST, PROJECT, USER: a render farm's task facts) are orders too: longest,
dearest, A to Z; tasks without the figure come last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from jobdeck.adapters.contract.model import STATUSES, Task
from jobdeck.adapters.core.task_times import elapsed_s, eta_s

SORTS = ("newest", "name", "status", "progress")
# The task list's extra columns, in the order they are drawn; each is also an order.
EXTRA_COLUMNS = ("elapsed", "eta", "cost", "project", "user")
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


def _last_if_none(value: Any, task: Task) -> tuple[int, Any, tuple[int, int | str]]:
    return (1, 0, _id_key(task)) if value is None else (0, value, _id_key(task))


def extra_key(sort: str, now: datetime) -> Callable[[Task], Any]:
    """The order of an extra column: the largest figure first, texts A to Z."""
    def figure(task: Task) -> Any:
        facts = task.facts
        if sort == "elapsed":
            value = elapsed_s(task, now)
        elif sort == "eta":
            value = eta_s(task, now)
        elif sort == "cost":
            value = facts.cost if facts else None
        else:
            text = getattr(facts, sort, None) if facts else None
            return _last_if_none(text.lower() if text else None, task)
        return _last_if_none(-value if value is not None else None, task)
    return figure


def matches(task: Task, needle: str) -> bool:
    """Id, name, project and user anywhere in them; a status by its start (`fail`, `run`),
    not inside it (`one` is not done)."""
    facts = task.facts
    return needle in task.id.lower() or needle in task.name.lower() \
        or task.status.startswith(needle) \
        or (facts is not None and any(needle in text.lower() for text in
                                      (facts.project, facts.user) if text))


def arrange(tasks: list[Task], needle: str, sort: str, reverse: bool = False,
            now: datetime | None = None) -> list[Task]:
    """A task stays when it or a descendant matches; its own children are filtered the same way.
    `now` is the wall clock the ELAPSED and ETA orders count to."""
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
    key = KEYS.get(sort) or (extra_key(sort, now or datetime.now(UTC))
                             if sort in EXTRA_COLUMNS else None)
    ordered = sorted(tasks, key=key) if key else _newest(tasks) if sort == "newest" else tasks
    return ordered[::-1] if reverse else ordered
