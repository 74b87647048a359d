"""Timeouts, task facts and the account's money in the console, driven by its real keys: what
the operator sees, and what the simulated Renderbus received."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from rich.console import Console
from textual.widgets import Input

from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.widgets.service_list import ServiceList
from jobdeck.tui.console.widgets.task_table import TaskTable
from jobdeck.tui.console.widgets.tasks_pane import TasksPane
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import console, cursor_to, row_of, settle, toasts
from tests.support.renderbus import farm


def sent(sim: RenderbusSim, endpoint: str) -> list[dict]:
    return [r.body for r in sim.received if r.path == endpoint]


def words_of(renderable) -> str:
    console = Console(width=120, record=True, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


async def answer(pilot, value: str) -> None:
    """Type into the open dialog's field, replacing what it offered, and send it."""
    field = pilot.app.screen.query_one(Input)
    field.value = ""
    await pilot.press(*value, "enter")
    await settle(pilot)


async def test_L_asks_the_hours_and_stops_the_render_past_them_with_status_23(tmp_path):
    from jobdeck.tui.console.screens.params import ParamsScreen

    clock = FrozenClock()
    sim = farm(clock)
    store = StateStore(tmp_path / "state")
    async with console(("sh-farm", sim), clock=clock, state=store) as (app, pilot):
        await cursor_to(pilot, "18380")
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, ParamsScreen)
        # it offers the limit in force: the account's default (12 h, the spec's example)
        assert app.screen.query_one(Input).value == "12"
        await answer(pilot, "0.5")
        assert not isinstance(app.screen, ParamsScreen)
        assert sent(sim, "task/setOverTimeStop") == [{"taskIds": [18380], "overTime": 1800}]
        assert "task 18380 timeout stop set (after 30 min of rendering)" in toasts(app)
        clock.advance(3)
        app.poller.poll("sh-farm")
        await settle(pilot)
        assert "stopped" in row_of(app, "18380")
        watch = app.oncall.watches["sh-farm"]
        (item,) = [i for i in watch.items(clock()) if i.id == "18380"]
        assert item.status == "timeout" and "its limit: 30 min" in item.detail
    line = json.loads((tmp_path / "state" / "audit.log").read_text().splitlines()[-1])
    assert line["action"] == "set_timeout" and line["targets"] == ["18380"] and line["ok"]


async def test_a_limit_that_is_not_a_number_is_said_in_the_dialog_and_not_sent():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "18380")
        await pilot.press("L")
        await settle(pilot)
        await answer(pilot, "soon")
        assert "not a number" in str(app.screen.query_one("#params-status").render())
        await pilot.press("escape")
        await settle(pilot)
        assert sent(sim, "task/setOverTimeStop") == []


async def test_L_in_the_service_list_sets_the_accounts_default_timeout(tmp_path):
    store = StateStore(tmp_path / "state")
    sim = farm()
    async with console(("sh-farm", sim), state=store) as (app, pilot):
        services = app.query_one(ServiceList)
        services.focus()
        await settle(pilot)
        assert services.selected_service == "sh-farm"
        await pilot.press("L")
        await settle(pilot)
        assert app.screen.query_one(Input).value == "12"
        await answer(pilot, "6")
        assert sent(sim, "user/updateUserSetting") == [{"taskOverTime": 6}]
        assert sim.default_timeout_s == 6 * 3600
        assert "default timeout set to 6 h for new tasks" in toasts(app)
        assert app.states["sh-farm"].snapshot.account.default_timeout_s == 6 * 3600
    line = json.loads((tmp_path / "state" / "audit.log").read_text().splitlines()[-1])
    assert line["action"] == "set_default_timeout" and line["targets"] == ["account"]


async def test_I_shows_the_balance_with_its_parts_and_the_default_timeout():
    from jobdeck.tui.console.screens.service_info import ServiceScreen

    sim = farm()
    sim.balance, sim.coupon = 0.0, 49.93   # the spec's example account
    async with console(("sh-farm", sim)) as (app, pilot):
        assert "bal 49.93" in app.query_one(ServiceList).prompt(app.states["sh-farm"]).plain
        await pilot.press("I")
        await settle(pilot)
        assert isinstance(app.screen, ServiceScreen)
        words = words_of(app.screen.query_one("#service-facts").content)
        assert "balance  49.93" in words and "coupon  49.93" in words
        assert "cash  0.00" in words and "12 h for new tasks" in words
        assert "L in the service list sets it" in words


async def test_the_specs_example_account_raises_no_false_low_balance_item():
    from tests.support.console import demo_app

    sim = farm()
    sim.balance, sim.coupon = 0.0, 49.93
    app = demo_app(("sh-farm", sim))
    app.oncall.watches["sh-farm"].balance_below = 40.0
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert not [i for i in app.oncall.watches["sh-farm"].items(0.0) if i.what == "balance"]


async def test_v_turns_on_columns_that_o_sorts_by_and_are_kept_for_next_time(tmp_path):
    sim = farm()
    store = StateStore(tmp_path / "state")
    async with console(("sh-farm", sim), state=store) as (app, pilot):
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("down", "down", "space", "down", "space", "enter")   # cost, project
        await settle(pilot)
        table = app.query_one(TaskTable)
        assert table.extra_columns == ("cost", "project")
        header = table.header()
        assert "COST" in header and "PROJECT" in header and "USER" not in header
        assert "ocean" in row_of(app, "18380")
        pane = app.query_one(TasksPane)
        for _ in range(4):   # from newest: name, status, progress, then cost
            await pilot.press("o")
        await settle(pilot)
        assert pane.sort == "cost"
        costs = [sim.task_facts(sim.tasks[int(i)])["renderConsume"] or 0
                 for i in table.visible_ids() if i.isdigit() and sim.tasks[int(i)].parent is None]
        assert costs == sorted(costs, reverse=True) and costs[0] > 0
        await pilot.press("o")                   # project
        await settle(pilot)
        assert pane.sort == "project"
        await pilot.press("o")                   # and round to newest
        assert pane.sort == "newest"
    assert json.loads((tmp_path / "state" / "state.json").read_text())["task_columns"] == [
        "cost", "project"]
    async with console(("sh-farm", farm()), state=store) as (app, pilot):
        assert app.query_one(TaskTable).extra_columns == ("cost", "project")


async def test_v_space_toggles_the_row_it_was_pressed_on_even_in_a_burst():
    """Typed fast (or pasted), space, down, space reaches the list before it has toggled:
    SelectionList's own toggle ran later, on whatever row was highlighted by then."""
    from textual import events
    async with console(("sh-farm", farm())) as (app, pilot):
        await pilot.press("v")
        await settle(pilot)
        for key, character in [("space", " "), ("down", None), ("space", " "),
                               ("enter", "\r")]:
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert app.query_one(TaskTable).extra_columns == ("elapsed", "eta")


async def test_at_80_columns_the_extra_columns_give_way_and_say_so():
    sim = farm()
    async with console(("sh-farm", sim), size=(80, 24)) as (app, pilot):
        app.query_one(TasksPane).set_columns(("elapsed", "eta", "cost", "project", "user"))
        await settle(pilot)
        table = app.query_one(TaskTable)
        assert table.hidden_columns   # the name keeps its room
        assert "hidden" in str(app.query_one(TasksPane).border_subtitle)
        name = row_of(app, "18380")
        assert "ocean_sim" in name
        pane, seen = app.query_one(TasksPane), []
        for _ in range(12):                      # o orders by what can be seen only
            await pilot.press("o")
            seen.append(pane.sort)
        assert not set(seen) & set(table.hidden_columns) and set(seen) >= {"newest", "progress"}


async def test_the_filter_matches_project_and_user():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await pilot.press("slash", *"nina")
        await settle(pilot)
        shown = app.query_one(TaskTable).visible_ids()
        assert shown == ["18301", "18278"]
        await pilot.press("escape")
        await pilot.press("slash", *"tower")
        await settle(pilot)
        assert app.query_one(TaskTable).visible_ids()[0] == "18360"


async def test_enter_shows_the_tasks_cost_project_user_and_limits():
    from jobdeck.tui.console.screens.detail import DetailScreen

    clock = FrozenClock()
    sim = farm(clock)
    wall = datetime.fromtimestamp(FIXED_EPOCH, UTC)   # the simulator's own now
    async with console(("sh-farm", sim), size=(120, 40), clock=clock,
                       wall=lambda: wall) as (app, pilot):
        await cursor_to(pilot, "18380")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        words = words_of(app.screen.query_one("#detail-facts").content)
        for expected in ("project", "ocean", "user", "rayvision", "node limit", "50", "cost",
                         "started", "elapsed", "to go at its rate", "level"):
            assert expected in words, expected


async def test_enter_names_a_tasks_limit_as_L_does():
    """The limit L sets is called a time limit everywhere: the key, the dialog, the facts."""
    from jobdeck.tui.console.screens.detail import DetailScreen

    sim = farm(FrozenClock())
    async with console(("sh-farm", sim), size=(120, 40)) as (app, pilot):
        await cursor_to(pilot, "18306")      # the demo's stuck render, limited to 6 h
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        words = words_of(app.screen.query_one("#detail-facts").content)
        assert "time limit stops after 6 h of rendering" in " ".join(words.split())


async def test_I_shows_no_parts_of_a_balance_that_is_all_cash():
    from jobdeck.tui.console.screens.service_info import ServiceScreen

    sim = farm()
    sim.balance, sim.coupon = 1250.40, 0.0
    async with console(("sh-farm", sim)) as (app, pilot):
        await pilot.press("I")
        await settle(pilot)
        assert isinstance(app.screen, ServiceScreen)
        words = words_of(app.screen.query_one("#service-facts").content)
        assert "balance  1,250.40" in words and "cash" not in words
