"""A big Renderbus account in the console: the operator's `r`, a sort or a filter over the whole
list make the next poll read the history again (a sort or filter only when the last read is more
than a minute old); otherwise a poll reads what changes. Counted at the simulator."""

from __future__ import annotations

from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.widgets.tasks_pane import FilterInput
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import demo_app, select_service, settle, started

PAGES = 6   # 500 finished and 5 running tasks, 100 a page


def account(clock: FrozenClock) -> RenderbusSim:
    sim = RenderbusSim(clock=clock, epoch=FIXED_EPOCH, scenario="empty")
    sim.seed_scale(finished=500, running=5)
    return sim


def whole_list_pages(sim: RenderbusSim, since: int) -> list[int]:
    return sorted(r.body["pageNum"] for r in sim.received[since:]
                  if r.path.endswith("getTaskList") and "statusList" not in r.body)


async def poll_now(app, pilot) -> None:
    app.poller.poll_all()
    await settle(pilot)


async def test_r_reads_the_whole_list_again_and_a_sort_or_filter_asks_when_it_is_old():
    clock = FrozenClock()
    sim = account(clock)
    app = demo_app(("big", sim), clock=clock)
    app.adapters["big"].clock = clock
    async with started(app) as pilot:
        assert whole_list_pages(sim, 0) == list(range(1, PAGES + 1))   # the start
        mark = len(sim.received)
        await poll_now(app, pilot)
        assert whole_list_pages(sim, mark) == [1]                        # a poll: what changes
        mark = len(sim.received)
        await pilot.press("r")
        await settle(pilot)
        assert whole_list_pages(sim, mark) == list(range(1, PAGES + 1))
        await select_service(pilot, "big")
        pane = app.query_one("#tasks-pane")
        pane.table.focus()
        mark = len(sim.received)
        await pilot.press("o")                 # by name: read a moment ago, fresh enough
        await poll_now(app, pilot)
        assert whole_list_pages(sim, mark) == [1]
        clock.advance(61)
        mark = len(sim.received)
        await pilot.press("o")                 # by status, a minute later: read it again
        await poll_now(app, pilot)
        assert whole_list_pages(sim, mark) == list(range(1, PAGES + 1))
        clock.advance(61)
        mark = len(sim.received)
        await pilot.press("slash")
        await pilot.press(*"shot_0", "enter")  # a filter kept over the whole list
        await poll_now(app, pilot)
        assert whole_list_pages(sim, mark) == list(range(1, PAGES + 1))
        assert app.focused is not app.query_one(FilterInput)
        shown = [row.task.name for row in pane.table.rows]
        assert shown and all("shot_0" in name for name in shown)


async def test_attention_rows_are_made_once_and_again_when_what_they_show_changes():
    from jobdeck.tui.console.widgets.attention_pane import AttentionPane
    clock = FrozenClock()
    sim = RenderbusSim(clock=clock, epoch=FIXED_EPOCH)
    app = demo_app(("sh-farm", sim), clock=clock)
    async with started(app) as pilot:
        pane = app.query_one(AttentionPane)
        key = "sh-farm/task/18340"
        first = pane.get_row(key)
        await poll_now(app, pilot)
        assert pane.get_row(key) is first               # nothing it shows changed
        clock.advance(90)                               # its age did
        await poll_now(app, pilot)
        assert pane.get_row(key) is not first and pane.get_row(key)[4].plain == "1m"


async def test_the_operators_console_freezes_the_heap_once_a_service_after_its_first_data(
        monkeypatch):
    """What memory holds after a service's first data stays for the session: the console
    hands it out of the cycle collector's walks once per service; a test's app never does."""
    from jobdeck.tui.console import app as app_module

    frozen: list[int] = []
    monkeypatch.setattr(app_module.gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(app_module.gc, "set_threshold", lambda *limits: frozen.append(limits[0]))
    clock = FrozenClock()
    sim = account(clock)
    app = demo_app(("big", sim), clock=clock)
    app.freeze_heap = True
    async with started(app) as pilot:
        assert frozen == [1, 10_000]   # and young objects are collected every 10,000
        await poll_now(app, pilot)
        assert frozen == [1, 10_000]   # the next polls leave it
    quiet = demo_app(("big", account(clock)), clock=clock)
    async with started(quiet):
        assert frozen == [1, 10_000]


async def test_at_start_the_heap_is_frozen_once_when_every_service_has_answered(monkeypatch):
    """Each freeze starts with a full collection: one per service (seven in the demo) delayed
    the first data. One, once all have answered, ok or not; a service down at start freezes
    again when its first data comes."""
    from jobdeck.adapters.simulation.server import Fault
    from jobdeck.tui.console import app as app_module

    frozen: list[int] = []
    monkeypatch.setattr(app_module.gc, "freeze", lambda: frozen.append(1))
    clock = FrozenClock()
    down = account(clock)
    down.inject(Fault.parse("5xx"))
    app = demo_app(("a", account(clock)), ("b", account(clock)), ("down", down), clock=clock)
    app.freeze_heap = True
    async with started(app) as pilot:
        assert app.states["down"].error and frozen == [1]   # a and b settled, down failed
        down.clear_fault()
        await poll_now(app, pilot)
        assert app.states["down"].error is None and frozen == [1, 1]
        await poll_now(app, pilot)
        assert frozen == [1, 1]
