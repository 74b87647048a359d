"""The on-call engine over a long task list: a poll that hands over the same task objects (or the
same list) costs no walk of the history, and still finds the transitions, the stalls as time
passes, the tasks that went, and leaves failures older than the attention window out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from jobdeck.adapters.contract.model import FrameCounts, ServiceSnapshot, Task
from jobdeck.adapters.core.oncall import ServiceWatch

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def task(n: int, status: str = "done", **fields) -> Task:
    return Task(id=str(n), name=f"shot_{n}", status=status, raw_status="25",
                progress=1.0 if status == "done" else 0.5,
                frames=FrameCounts(total=10, done=5), **fields)


def snapshot(tasks: list[Task], since: datetime | None = None) -> ServiceSnapshot:
    return ServiceSnapshot(name="farm", kind="renderbus", tasks=tasks, attention_since=since)


def test_a_task_changed_in_place_raises_its_transition_among_unchanged_ones():
    tasks = [task(n) for n in range(1000, 0, -1)]
    tasks[500] = task(500, "running")
    watch = ServiceWatch("farm", "renderbus")
    watch.observe(snapshot(tasks), now=0.0)
    again = list(tasks)
    again[500] = replace(tasks[500], status="failed")   # only this object is new
    transitions = watch.observe(snapshot(again), now=2.0)
    assert [(t.id, t.from_, t.to) for t in transitions] == [("500", "running", "failed")]
    assert [i.id for i in watch.items(now=2.0)] == ["500"]


def test_a_running_task_that_never_changes_is_called_stalled_as_time_passes():
    tasks = [task(3), task(2, "running"), task(1)]
    listing = snapshot(tasks)
    watch = ServiceWatch("farm", "renderbus", stall_after_s=60)
    watch.observe(listing, now=0.0)
    assert watch.observe(snapshot(tasks), now=30.0) == []   # the very same list again
    stalled = watch.observe(snapshot(tasks), now=61.0)
    assert [(t.id, t.to) for t in stalled] == [("2", "stalled")]
    assert [(i.id, i.status) for i in watch.items(now=61.0)] == [("2", "stalled")]


def test_a_task_that_went_leaves_the_watch():
    tasks = [task(3, "failed"), task(2), task(1)]
    watch = ServiceWatch("farm", "renderbus")
    watch.observe(snapshot(tasks), now=0.0)
    watch.observe(snapshot(tasks[1:]), now=2.0)
    assert "3" not in watch.statuses and watch.items(now=2.0) == []
    back = watch.observe(snapshot([replace(tasks[0]), *tasks[1:]]), now=4.0)
    assert back == []   # it came back failed: no transition from a status never seen


def test_failures_older_than_the_window_need_no_attention():
    old = task(2, "failed", ended_at=NOW - timedelta(days=30))
    recent = task(1, "partial", ended_at=NOW - timedelta(days=2))
    submitted_only = task(3, "failed", submitted_at=NOW - timedelta(days=9))
    watch = ServiceWatch("farm", "renderbus")
    watch.observe(snapshot([submitted_only, old, recent], since=NOW - timedelta(days=7)), 0.0)
    assert [i.id for i in watch.items(now=0.0)] == ["1"]
    watch.observe(snapshot([submitted_only, old, recent]), now=2.0)   # no window: all count
    assert sorted(i.id for i in watch.items(now=2.0)) == ["1", "2", "3"]
