"""Idle costs nothing: a poll that changes nothing redraws nothing, and a poll where one task
moved redraws that task's line and nothing else. Read from the widgets' refresh calls, which
is what becomes bytes on an SSH link."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from textual.widget import Widget

from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.widgets.keyed_table import Column, column_layout
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


async def test_a_service_entry_that_changes_redraws_its_own_lines_of_the_list(monkeypatch):
    from jobdeck.tui.console.widgets.service_list import ServiceList
    clock = FrozenClock()
    sim, other = farm(clock), farm(clock)
    async with console(("sh-farm", sim), ("la-farm", other), clock=clock) as (app, pilot):
        services = app.query_one(ServiceList)
        index = services.get_option_index("sh-farm")
        first = services._line_cache.index_to_line[index]
        height = services._line_cache.heights[index]
        below = services.render_line(first + height).text   # la-farm's first line
        before = services.get_option("sh-farm").prompt.plain
        with refreshes(monkeypatch) as calls:
            with sim.lock:
                running = next(t for t in sim.tasks.values() if t.status == 5)
                running.status = 45                  # a render fails
            app.poller.poll_all()
            await settle(pilot)
        after = services.get_option("sh-farm").prompt.plain
        assert after != before and "fail" in after
        drawn = sorted((r.y, r.height) for w, regions in calls if w is services
                       for r in regions)
        lines = services._line_cache
        assert services.scroll_offset.y == 0
        # the attention entry (one more item) and sh-farm's: not la-farm's, not the whole list
        assert drawn == [(lines.index_to_line[0], lines.heights[0]), (first, height)], drawn
        shown = [services.render_line(first + n).text for n in range(height)]
        assert "".join(shown).replace(" ", "") == after.replace("\n", "").replace(" ", "")
        assert services.render_line(first + height).text == below


def test_narrow_attention_keeps_30_columns_of_detail_by_dropping_and_shortening_the_rest():
    from jobdeck.tui.console.widgets.attention_pane import COLUMNS, NARROWING
    keys = [c.key for c in COLUMNS]
    wide = column_layout(COLUMNS, 140, NARROWING)
    assert all(wide.widths) and wide.gap == 2          # at 140 every column, KIND included
    narrow = column_layout(COLUMNS, 77, NARROWING)      # 80 columns, less the border
    widths = dict(zip(keys, narrow.widths, strict=True))
    assert widths["kind"] == 0 and widths["detail"] >= 30 and widths["name"] >= 18
    assert widths["age"] == 3 and dict(zip(keys, narrow.headers, strict=True))["age"] == "AGE"
    line = 1 + sum(narrow.widths) + narrow.gap * (sum(1 for w in narrow.widths if w) - 1)
    assert line <= 77


@pytest.mark.parametrize(("specs", "total", "widths"), [
    ([(1,), (12,), (0, 22), (8,), (0, 8)], 80, [1, 12, 32, 8, 18]),  # flexible ones share the rest
    ([(1,), (12,), (0, 22), (8,), (0, 8)], 50, [1, 12, 14, 8, 5]),    # too narrow: each its part
    ([(5,), (5,)], 40, [5, 5]),
])
def test_flexible_columns_share_what_is_left(specs, total, widths):
    columns = tuple(Column(str(n), "", *spec) for n, spec in enumerate(specs))
    assert list(column_layout(columns, total).widths) == widths


async def test_the_ticks_make_an_entry_of_the_list_again_only_when_what_it_shows_moves(
        monkeypatch):
    from jobdeck.tui.console.widgets.service_list import ServiceList
    clock = FrozenClock()
    sim, other = farm(clock), farm(clock)
    async with console(("sh-farm", sim), ("la-farm", other), clock=clock) as (app, pilot):
        made: list[str] = []
        prompt = ServiceList.prompt

        def counted(self, state, *args, **kwargs):
            made.append(state.name)
            return prompt(self, state, *args, **kwargs)

        monkeypatch.setattr(ServiceList, "prompt", counted)
        for _ in range(30):   # half a minute of the once-a-second tick, nothing moving
            clock.advance(1.0)
            app.tick()
        assert made == []
        other.outage = (1e9, 1e9)   # la-farm goes down: stale, and its age grows
        app.poller.poll("la-farm")
        await settle(pilot)
        services = app.query_one(ServiceList)
        before = services.get_option("la-farm").prompt.plain
        assert "stale" in before
        made.clear()
        for _ in range(60):
            clock.advance(1.0)
            app.tick()
        after = services.get_option("la-farm").prompt.plain
        assert after != before and "stale" in after   # the age moved on the screen
        assert "sh-farm" not in made and 0 < made.count("la-farm") < 20, made
