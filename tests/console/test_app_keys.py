"""The console driven by its real keys: what the operator sees, and what the service received."""

from __future__ import annotations

import json

from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.screens.help import HelpScreen
from jobdeck.tui.console.widgets.block_grid import BlockGridView, BlockPane
from jobdeck.tui.console.widgets.task_table import TaskTable
from jobdeck.tui.console.widgets.tasks_pane import TasksPane
from tests.support.clock import FrozenClock
from tests.support.console import HOSTILE, console, cursor_to, row_of, select_service, settle, toasts
from tests.support.renderbus import farm


def sent(sim: RenderbusSim, endpoint: str) -> list[dict]:
    return [r.body for r in sim.received if r.path == endpoint]


def ids(*numbers: int) -> dict:
    return {"taskIds": list(numbers), "taskParam": list(numbers)}


async def test_first_look_shows_services_tasks_and_the_block_grid_of_the_cursor_task():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        assert "cloakroom.max" in row_of(app, "19084")
        assert "running" in row_of(app, "19088") and "30/0/68" in row_of(app, "19088")
        await cursor_to(pilot, "19088")
        grid = app.query_one(BlockGridView)
        assert grid.task_id == "19088" and len(grid.blocks) == 68
        legend = str(app.query_one("#block-legend").render())
        assert "done 30" in legend and "running 4" in legend
        assert "to go by the frame estimates" in legend   # not the detail's "at its rate"
        assert "Blocks · 19088" in str(app.query_one(BlockPane).border_title)



async def test_s_stops_the_task_under_the_cursor_and_shows_the_result():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "19088")
        await pilot.press("s")
        await settle(pilot)
        assert sent(sim, "task/stopTask") == [ids(19088)]
        assert "stopped" in row_of(app, "19088")
        assert "task 19088 stopped" in toasts(app)


async def test_marked_tasks_are_stopped_in_one_call():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "19088")
        await pilot.press("space")          # marks 19088, cursor moves on
        await cursor_to(pilot, "18380")
        await pilot.press("space")          # marks 18380
        assert "● 19088" in row_of(app, "19088")
        assert "2 marked" in str(app.query_one("#tasks-pane").border_subtitle)
        await pilot.press("s")
        await settle(pilot)
        assert sent(sim, "task/stopTask") == [ids(19088, 18380)]
        assert "● 19088" not in row_of(app, "19088")  # marks cleared after success


async def test_abandon_asks_first_naming_task_and_service_and_no_sends_nothing():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "18278")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        body = app.screen.body.plain
        assert "18278" in body and "lobby.max" in body and "sh-farm" in body
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert sent(sim, "task/abortTask") == []
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert sent(sim, "task/abortTask") == [ids(18278)]
        assert "abandoned" in row_of(app, "18278")


async def test_delete_confirmed_removes_the_task_and_enter_on_cancel_is_safe():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "18320")
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")          # focus starts on Cancel
        await settle(pilot)
        assert sent(sim, "task/deleteTask") == []
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert sent(sim, "task/deleteTask") == [ids(18320)]
        assert "18320" not in app.query_one(TaskTable).visible_ids()


async def test_actions_not_valid_for_the_status_are_not_offered_or_sent():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "18320")     # done
        pane = app.query_one(TasksPane)
        assert pane.check_action("service_action", ("stop",)) is False
        assert pane.check_action("service_action", ("delete",)) is True
        offered = footer_keys(app)
        assert "d" in offered and "s" not in offered and "g" not in offered
        await pilot.press("s", "g", "f")
        await settle(pilot)
        assert sent(sim, "task/stopTask") == sent(sim, "task/startTask") == []
        assert sent(sim, "task/fullSpeed") == []


def footer_keys(app) -> set[str]:
    """The keys the footer shows now (not what it would show if it were redrawn)."""
    return {key.key for key in app.screen.query("Footer FooterKey")}


async def test_the_footer_follows_the_marked_tasks_when_their_status_changes():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "19088")     # running
        await pilot.press("space")
        await settle(pilot)
        assert "s" in footer_keys(app)
        sim.tasks[19088].status = 25         # done behind our back: nothing left to stop
        await pilot.press("r")
        await settle(pilot)
        assert "19088" in app.states["sh-farm"].marked
        assert "s" not in footer_keys(app) and "d" in footer_keys(app)


async def test_a_refused_action_shows_the_services_own_message():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "19088")
        sim.tasks[19088].status = 25     # the farm finished it behind our back
        await pilot.press("s")
        await settle(pilot)
        errors = [message for message, severity in app.toasts if severity == "error"]
        assert errors and "is not waiting or rendering" in errors[-1]


async def test_read_only_shows_a_badge_and_sends_no_action():
    sim = farm()
    async with console(("sh-farm", sim), read_only=True) as (app, pilot):
        badge = app.query_one("#badge-readonly")
        assert badge.has_class("on") and badge.region.width >= len("READ-ONLY")
        await cursor_to(pilot, "19088")
        assert app.query_one(TasksPane).check_action("service_action", ("stop",)) is False
        await pilot.press("s", "a")
        await settle(pilot)
        assert sent(sim, "task/stopTask") == sent(sim, "task/abortTask") == []
        assert not isinstance(app.screen, ConfirmScreen)


async def test_pause_shows_the_badge_and_stops_polls_until_resumed():
    sim = farm()
    async with console(("sh-farm", sim), refresh=0.5) as (app, pilot):
        await pilot.press("P")
        await settle(pilot)
        badge = app.query_one("#badge-paused")
        assert badge.has_class("on") and badge.region.width >= len("PAUSED")
        polls = len(sent(sim, "task/getTaskList"))
        await pilot.pause(1.2)
        assert len(sent(sim, "task/getTaskList")) == polls
        await pilot.press("P")
        await pilot.pause(0.8)
        await settle(pilot)
        assert not app.query_one("#badge-paused").has_class("on")
        assert len(sent(sim, "task/getTaskList")) >= polls + 2


async def test_r_polls_now_and_plus_minus_change_the_interval():
    sim = farm()
    async with console(("sh-farm", sim), refresh=30) as (app, pilot):
        polls = len(sent(sim, "task/getTaskList"))
        await pilot.press("r")
        await settle(pilot)
        assert len(sent(sim, "task/getTaskList")) == polls + 1
        await pilot.press("minus")
        assert app.poller.interval == 60
        await pilot.press("plus", "plus")
        assert app.poller.interval == 10
        assert "refresh 10s" in str(app.query_one("#topbar-left").render())


async def test_help_lists_every_key_from_the_action_table():
    async with console(("sh-farm", farm()), size=(120, 40)) as (app, pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        from jobdeck.adapters.core.commands import COMMANDS
        recorder = Console(width=200, record=True)
        for group in app.screen.query(".help-group"):
            recorder.print(group.content)
        text = recorder.export_text()
        for command in COMMANDS:
            assert command.label in text and command.display_key() in text
        assert "Cursor up" in text and "Cursor up: Cursor up" not in text   # said once
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_runs_a_command_on_the_cursor_task():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "18278")      # stopped: resume, not stop
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Resume (g)" in titles and "Help (?)" in titles
        # Textual's theme picker says how it differs from T's "Theme (T)" beside it
        assert "Theme" not in titles and "Choose a theme" in titles and "Theme (T)" in titles
        app.action_command_palette()
        await settle(pilot)
        await pilot.press(*"resume")
        await pilot.press("enter")
        await settle(pilot)
        assert sent(sim, "task/startTask") == [ids(18278)]


async def test_a_down_service_goes_stale_with_age_and_reason_while_the_other_updates():
    clock = FrozenClock()
    healthy, flaky = farm(), farm()
    async with console(("sh-farm", healthy), ("la-farm", flaky), refresh=0.3, clock=clock) as (app, pilot):
        flaky.outage = (10.0, 10.0)       # from now on every answer is 503
        clock.advance(34)
        before = len(sent(healthy, "task/getTaskList"))
        await pilot.pause(1.0)
        await settle(pilot)
        assert len(sent(healthy, "task/getTaskList")) > before
        state = app.states["la-farm"]
        assert state.health == "stale" and "503" in state.error
        prompt = app.query_one("#services").get_option("la-farm").prompt.plain
        assert "stale 30s" in prompt and "HTTP 503" in prompt
        assert app.states["sh-farm"].health == "ok"
        await select_service(pilot, "la-farm")   # the operator picks la-farm
        title = str(app.query_one("#tasks-pane").border_title)
        assert "la-farm" in title and "STALE 34s" in title and "HTTP 503" in title
        assert "cloakroom.max" in row_of(app, "19084")  # last good data


async def test_cursor_and_collapse_survive_a_refresh_that_adds_tasks():
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "18360")
        await pilot.press("left")            # collapse tower.max
        table = app.query_one(TaskTable)
        assert "18361" not in table.visible_ids() and "▶" in row_of(app, "18360")
        await cursor_to(pilot, "18330")
        sim.add_task(20001, "new_top.max", 0, frames=4, age_s=1)
        sim.add_task(20002, "another.max", 0, frames=4, age_s=1)
        await pilot.press("r")
        await settle(pilot)
        assert "20001" in table.visible_ids()
        assert table.cursor_task_id == "18330"
        assert "18361" not in table.visible_ids()


async def test_a_hostile_task_name_shows_literally_and_emits_no_escape():
    sim = farm()
    sim.add_task(99999, HOSTILE, 5, frames=2, age_s=5)
    async with console(("sh-farm", sim), size=(140, 36)) as (app, _):
        table = app.query_one(TaskTable)
        row = row_of(app, "99999")
        assert "[bold red]x[/]" in row
        assert "\x1b" not in row and "\x07" not in row
        for y in range(table.size.height):
            rendered = "".join(segment.text for segment in table.render_line(y))
            assert "\x1b" not in rendered and "\x07" not in rendered
        svg = app.export_screenshot()
        assert "[bold&#160;red]x[/]" in svg or "[bold red]x[/]" in svg


async def test_filter_narrows_the_tree_and_escape_clears_it():
    async with console(("sh-farm", farm())) as (app, pilot):
        await pilot.press("slash")
        await pilot.press(*"lobby")
        await pilot.press("enter")
        await settle(pilot)
        table = app.query_one(TaskTable)
        assert table.visible_ids() == ["18278"]
        assert "filter: lobby" in str(app.query_one("#tasks-pane").border_subtitle)
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert len(table.visible_ids()) == 17


async def test_theme_key_cycles_and_the_choice_is_saved(tmp_path):
    store = StateStore(tmp_path / "state")
    async with console(("sh-farm", farm()), state=store) as (app, pilot):
        assert app.theme == "jobdeck-dark"
        await pilot.press("T")
        await settle(pilot)
        assert app.theme == "jobdeck-light"
    assert json.loads((tmp_path / "state" / "state.json").read_text())["theme"] == "jobdeck-light"


async def test_actions_are_written_to_the_audit_log(tmp_path):
    store = StateStore(tmp_path / "state")
    sim = farm()
    async with console(("sh-farm", sim), state=store) as (_, pilot):
        await cursor_to(pilot, "19088")
        await pilot.press("s")
        await settle(pilot)
    line = json.loads((tmp_path / "state" / "audit.log").read_text().splitlines()[-1])
    assert line["action"] == "stop" and line["targets"] == ["19088"] and line["ok"] is True


async def test_T_recolours_the_attention_rows_at_once_not_at_the_next_poll():
    from jobdeck.tui.console.colours import status_style
    from jobdeck.tui.console.widgets.attention_pane import AttentionPane
    from tests.support.console import demo_app, started
    app = demo_app(("sh-farm", farm()))          # polls every 30 s: none comes meanwhile
    async with started(app) as pilot:
        pane = app.query_one(AttentionPane)
        key = pane.keys[0]
        status = pane.items[key].status
        dark = pane.cells[key][0].style
        pane.render_line(0)                          # the header, drawn in the dark theme
        await pilot.press("T")
        await settle(pilot)
        assert app.theme == "jobdeck-light"
        assert pane.cells[key][0].style == status_style(app, status) != dark
        header = pane.render_line(0)                 # drawn, not only made: the header too
        assert header.text.strip().startswith("SERVICE")
        assert pane.get_component_rich_style("keyed-table--header").bgcolor in {
            segment.style.bgcolor for segment in header if segment.style}


async def test_enter_opens_the_detail_with_every_frame_record():
    from textual.widgets import DataTable

    from jobdeck.tui.console.screens.detail import DetailScreen
    async with console(("sh-farm", farm()), size=(120, 40)) as (app, pilot):
        await cursor_to(pilot, "18380")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.query_one(DataTable).row_count == 240  # every page of 100 read
        assert "240 frame records" in str(app.screen.query_one("#detail-status").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


async def test_sort_cycles_and_keeps_the_cursor_task():
    async with console(("sh-farm", farm())) as (app, pilot):
        await cursor_to(pilot, "18330")
        await pilot.press("o")               # by name
        await settle(pilot)
        table = app.query_one(TaskTable)
        names = [row.task.name for row in table.rows if row.depth == 0]
        assert names == sorted(names, key=str.lower)
        assert table.cursor_task_id == "18330"
        assert "sort: name" in str(app.query_one("#tasks-pane").border_subtitle)


async def test_every_theme_renders_including_one_without_our_status_colours():
    async with console(("sh-farm", farm())) as (app, pilot):
        await pilot.press("T", "T")          # jobdeck-light, then textual-dark (fallbacks)
        await settle(pilot)
        assert app.theme == "textual-dark"
        table = app.query_one(TaskTable)
        running = [segment for segment in table.row_segments("19088")
                   if segment.text.startswith("running")]
        assert running and running[0].style.color is not None


async def test_a_service_with_one_task_says_1_task():
    sim = farm()
    alone = next(t for t, task in sim.tasks.items() if task.parent is None and not task.children)
    for task_id in [t for t, task in sim.tasks.items() if task.parent is None and t != alone]:
        sim.delete_task(task_id)
    async with console(("sh-farm", sim)) as (app, pilot):
        await select_service(pilot, "sh-farm")
        subtitle = str(app.query_one("#tasks-pane").border_subtitle)
        assert subtitle.startswith("1 task · "), subtitle


async def test_a_grid_is_read_again_only_while_its_task_runs_or_when_the_task_changed(
        monkeypatch):
    monkeypatch.setattr(BlockPane, "DEBOUNCE_S", 0.001)   # asked at once, not when at rest
    sim = farm()

    def grid_reads() -> int:
        return sum(path.endswith("loadTaskProcessImg") for _, path, _ in sim.requests)

    async def polled() -> None:
        app.poller.poll("sh-farm")
        await settle(pilot)

    async with console(("sh-farm", sim)) as (app, pilot):
        await cursor_to(pilot, "18310")                 # stopped: its blocks stand still
        await polled()
        before = grid_reads()
        assert app.query_one(BlockPane).grid.task_id == "18310"
        for _ in range(3):
            await polled()
        assert grid_reads() == before                   # nothing asked: nothing could move
        with sim.lock:
            sim.tasks[18310].frames[3].status = 4       # someone retried one elsewhere
        await polled()
        assert grid_reads() == before + 1               # the task changed: read again
        await cursor_to(pilot, "18306")                 # running: read every poll
        await polled()
        running = grid_reads()
        await polled()
        await polled()
        assert grid_reads() == running + 2


async def test_keys_typed_ahead_of_the_filter_box_go_into_it_not_to_the_commands():
    """A paste or a fast typist: `/fail` arrives in one burst, before the box has focus. Every
    key after `/` is the filter's text; none runs a command (`f` full speed, `a` abandon...)."""
    from textual import events
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        for key, character in [("slash", "/"), *[(c, c) for c in "fail"], ("enter", "\r")]:
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        pane = app.query_one(TasksPane)
        assert pane.filter_text == "fail"
        assert app.focused is app.query_one(TaskTable)   # enter kept the filter and went back
        writes = [r.path for r in sim.received
                  if not r.path.rsplit("/", 1)[-1].startswith(("get", "query", "load"))]
        assert writes == []
        assert not toasts(app)
        await pilot.press("slash", "escape")    # a long paste: every key counts, not the last 64
        await settle(pilot)
        for key, character in [("slash", "/"), *[(c, c) for c in "fail" + "x" * 70]]:
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert pane.filter_text == "fail" + "x" * 70 and not toasts(app)
