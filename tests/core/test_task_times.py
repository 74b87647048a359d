"""Elapsed time and time to go: from a task's start and its rate, or from the blocks' own
estimates (Renderbus frameEst)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobdeck.adapters.contract.model import Block, BlockGrid, FrameCounts, Task, TaskFacts
from jobdeck.adapters.core.task_times import duration_text, elapsed_s, eta_s, grid_eta_s

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def task(status: str = "running", *, started_min: float | None = 60, done: int = 10,
         total: int = 40, failed: int = 0, ended_min: float | None = None) -> Task:
    started = NOW - timedelta(minutes=started_min) if started_min is not None else None
    return Task("1", "scene", status, "5", frames=FrameCounts(total=total, done=done,
                                                              failed=failed),
                facts=TaskFacts(started_at=started),
                ended_at=NOW - timedelta(minutes=ended_min) if ended_min is not None else None)


def test_elapsed_runs_to_now_while_rendering_and_to_the_end_after():
    assert elapsed_s(task(), NOW) == 3600
    assert elapsed_s(task("done", ended_min=20), NOW) == 2400
    assert elapsed_s(task(started_min=None), NOW) is None
    assert elapsed_s(Task("2", "x", "queued", "0"), NOW) is None   # a kind with no facts


def test_a_task_that_stopped_without_an_end_date_has_no_elapsed_that_grows():
    """Renderbus gives a stopped task (a timeout, arrears, by hand) no completedDate: it is not
    rendering, so counting to now would grow by the hour and sort it first."""
    assert elapsed_s(task("stopped"), NOW) is None
    assert elapsed_s(task("stopped"), NOW + timedelta(days=2)) is None
    assert elapsed_s(task("stopped", ended_min=30), NOW) == 1800


def test_eta_at_the_tasks_rate_counts_only_the_frames_still_to_go():
    # 10 frames in an hour; 40 - 10 done - 2 failed = 28 to go: 2.8 hours
    assert eta_s(task(failed=2), NOW) == 28 * 360
    assert eta_s(task(done=0), NOW) is None               # no rate yet: no guess
    assert eta_s(task("stopped"), NOW) is None
    assert eta_s(task(done=40), NOW) is None


def test_eta_from_the_blocks_own_estimates():
    def block(status, used=None, eta=None):
        return Block("0", "1", status, used_s=used, eta_s=eta)

    only_running = BlockGrid("1", [[block("running", 30, 60), block("running", 10, 120)]])
    assert grid_eta_s(only_running) == 90      # both render at once: (60 + 120) / 2
    with_waiting = BlockGrid("1", [[block("done", 100), block("done", 140),
                                    block("running", 30, 60), block("running", 10, 120),
                                    block("waiting"), block("waiting")]])
    assert grid_eta_s(with_waiting) == (60 + 120 + 2 * 120) / 2   # the done blocks' pace
    assert grid_eta_s(BlockGrid("1", [[block("done", 100)]])) is None
    clips = BlockGrid("1", [[block("done"), block("running"), block("waiting")]], unit="clip")
    assert grid_eta_s(clips) is None   # no estimate of the service's own: no guess


def test_durations_read_short():
    assert [duration_text(s) for s in (None, 42, 600, 3 * 3600 + 300, 2 * 86400 + 4 * 3600)] \
        == ["", "42s", "10m", "3h05m", "2d04h"]
