"""Idle costs nothing: a poll that changes nothing redraws nothing, and a poll where one task
moved redraws that task's line and nothing else. Read from the widgets' refresh calls, which
is what becomes bytes on an SSH link."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from textual.widget import Widget

from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.widgets.keyed_table import column_widths
from jobdeck.tui.console.widgets.task_table import TaskTable
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import console, settle


@contextmanager
def refreshes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Widget, tuple]]]:
    """Every Widget.refresh call while inside: (widget, the regions asked for)."""
    calls: list[tuple[Widget, tuple]] = []
    original = Widget.refresh

    def spy(self: Widget, *regions, **kwargs):
        calls.append((self, regions))
        return original(self, *regions, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Widget, "refresh", spy)
        yield calls


def farm(clock: FrozenClock) -> RenderbusSim:
    return RenderbusSim(clock=clock, wall=lambda: FIXED_EPOCH, epoch=FIXED_EPOCH)


async def test_a_poll_that_changes_nothing_redraws_nothing(monkeypatch):
    clock = FrozenClock()
    async with console(("sh-farm", farm(clock)), clock=clock) as (app, pilot):
        with refreshes(monkeypatch) as calls:
            for _ in range(3):
                app.poller.poll_all()
                await settle(pilot)
        assert [(type(w).__name__, w.id) for w, _ in calls] == []


async def test_one_task_moving_redraws_its_line_and_nothing_else(monkeypatch):
    clock = FrozenClock()
    sim = farm(clock)
    async with console(("sh-farm", sim), clock=clock) as (app, pilot):
        table = app.query_one(TaskTable)
        moving = next(t for t in table.visible_ids() if t != table.cursor_task_id
                      and sim.tasks[int(t)].parent is None and not sim.tasks[int(t)].children
                      and any(f.status != 4 for f in sim.tasks[int(t)].frames))
        row = table.visible_ids().index(moving)
        before = table.row_text(moving)
        with refreshes(monkeypatch) as calls:
            with sim.lock:
                frame = next(f for f in sim.tasks[int(moving)].frames if f.status != 4)
                frame.status = 4                     # one more frame done
            app.poller.poll_all()
            await settle(pilot)
        assert table.row_text(moving) != before
        drawn = [(type(w).__name__, regions) for w, regions in calls]
        assert len(drawn) == 1 and drawn[0][0] == "TaskTable", drawn
        (region,) = drawn[0][1]
        assert region.height == 1 and region.y == row - table.scroll_offset.y


@pytest.mark.parametrize(("specs", "total", "optional", "widths"), [
    ([1, 12, -22, 8, 0], 80, (), [1, 12, 31, 8, 17]),    # flexible ones share what is left
    ([1, 12, -22, 8, 0], 50, (), [1, 12, 22, 8, 8]),     # narrow: each keeps its minimum
    ([1, 12, -16, 8, 5, 10, 0], 78, (5,), [1, 12, 24, 8, 5, 0, 16]),   # KIND gives way
    ([1, 12, -16, 8, 5, 10, 0], 140, (5,), [1, 12, 49, 8, 5, 10, 41]),  # and comes back
    ([5, 5], 40, (), [5, 5]),
])
def test_column_widths(specs, total, optional, widths):
    assert column_widths(specs, total, optional) == widths
