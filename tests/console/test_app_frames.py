"""Frames in the console, pressed as an operator would and counted at the simulator: `space`
marks blocks of the grid (or rows of the frame list behind `enter`), `R` asks, then renders
them again by their frame ids (retry_frames; the grid's blocks joined to queryTaskFrames' ids);
the toast, the audit line and the history record follow. A failed task or frame shows what the
service says about its error code; `I` shows the farm's frame totals."""

from __future__ import annotations

import json

from textual.widgets import DataTable

from jobdeck.adapters.core.history import HistoryStore
from jobdeck.adapters.core.state import StateStore
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.screens.detail import DetailScreen
from jobdeck.tui.console.screens.service_info import ServiceScreen
from jobdeck.tui.console.widgets.block_grid import BlockGridView
from tests.support.console import console, cursor_to, settle, toasts
from tests.support.renderbus import farm

RESTART = "task/restartFrame"


def bridge_farm():
    """The demo farm with a finished task of 3 frames in 2 blocks: 4 done, then 2 failed."""
    sim = farm()
    sim.add_task(20001, "bridge.max", 30, frames=3, blocks=2, done=4, failed=2)
    return sim


def sent(sim, endpoint):
    return [r.body for r in sim.received if r.path == endpoint]


async def grid_of(app, pilot, task_id: str) -> BlockGridView:
    await cursor_to(pilot, task_id)
    await pilot.pause(0.2)          # the grid is asked for once the cursor rests
    await settle(pilot)
    grid = app.query_one(BlockGridView)
    assert grid.task_id == task_id
    grid.focus()
    await settle(pilot, 1)
    return grid


async def test_marked_blocks_of_the_grid_are_rendered_again_by_their_frame_ids(tmp_path):
    sim = bridge_farm()
    store = StateStore(tmp_path / "state")
    async with console(("sh-farm", sim), state=store) as (app, pilot):
        grid = await grid_of(app, pilot, "20001")
        await pilot.press("right", "right", "right", "right")   # frame 2 block 1: failed
        await pilot.press("space", "space")                     # both blocks of frame 2
        assert grid.marked == {4, 5}
        assert "2 marked" in str(app.query_one("#block-legend").render())
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        body = app.screen.body.plain
        assert "frame 2 block 1 (failed)" in body and "frame 2 block 2 (failed)" in body
        assert body.startswith("Retry frames of 1 task on sh-farm?")
        assert "2 frames:" in body                 # none of them finished
        assert "charged again" in body and sent(sim, RESTART) == []   # nothing before yes
        await pilot.press("y")
        await settle(pilot)
        units = sim.tasks[20001].frames
        assert sent(sim, RESTART) == [{"taskIds": 20001, "selectAll": 0,
                                       "ids": [units[4].id, units[5].id]}]
        assert {units[4].status, units[5].status} <= {1, 2}   # back in the queue
        assert "task 20001 frames resubmitted (2 of them)" in toasts(app)
        assert grid.marked == set()                # the marks did their work
        assert "running" in app.query_one("#tasks").row_text("20001")
        await app.action_quit()                    # the history store is written through
    audit = json.loads((tmp_path / "state" / "audit.log").read_text().splitlines()[-1])
    assert audit["action"] == "retry_frames" and audit["targets"] == ["20001"] and audit["ok"]
    events = HistoryStore.in_dir(tmp_path / "state").events()
    assert [e.action["action"] for e in events if e.action] == ["retry_frames"]


async def test_r_in_the_grid_retries_the_block_under_the_cursor_and_no_means_nothing_sent():
    sim = bridge_farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await grid_of(app, pilot, "20001")
        await pilot.press("end")                   # frame 2 block 2
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "1 frame:" in app.screen.body.plain
        await pilot.press("n")
        await settle(pilot)
        assert sent(sim, RESTART) == []
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [b["ids"] for b in sent(sim, RESTART)] == [[sim.tasks[20001].frames[5].id]]


async def test_r_in_the_grid_of_a_rendering_task_says_why_and_sends_nothing():
    sim = bridge_farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await grid_of(app, pilot, "18380")
        await pilot.press("space")                 # marks are allowed: the farm can retry
        await pilot.press("R")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("R Retry frames: not for task 18380 now" in t for t in toasts(app)), toasts(app)
        assert sent(sim, RESTART) == []


async def test_read_only_the_grid_marks_nothing_and_retries_nothing():
    sim = bridge_farm()
    async with console(("sh-farm", sim), read_only=True) as (app, pilot):
        grid = await grid_of(app, pilot, "20001")
        await pilot.press("space", "R")
        await settle(pilot)
        assert grid.marked == set() and not isinstance(app.screen, ConfirmScreen)
        assert sent(sim, RESTART) == []


async def test_frames_marked_in_the_frame_list_are_rendered_again_by_their_ids():
    sim = bridge_farm()
    async with console(("sh-farm", sim), size=(120, 40)) as (app, pilot):
        await cursor_to(pilot, "20001")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 6
        # the footer below is the main screen's: the list's own keys are on its border
        assert "space marks · R renders again" in str(
            screen.query_one("#detail-box").border_subtitle)
        await pilot.press("down", "down", "down", "down")      # frame 2 block 1: failed
        await pilot.press("space")
        await pilot.press("up", "up", "up", "up", "up", "space")   # and frame 0 block 1: done
        assert screen.marked == {f.id for f in (screen.frames[4], screen.frames[0])}
        assert "2 marked" in str(screen.query_one("#detail-status").render())
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "(failed, id " in app.screen.body.plain
        assert "2 frames, 1 of them finished:" in app.screen.body.plain   # frame 0: charged again
        await pilot.press("y")
        await settle(pilot)
        units = sim.tasks[20001].frames
        assert sent(sim, RESTART) == [{"taskIds": 20001, "selectAll": 0,
                                       "ids": [units[0].id, units[4].id]}]
        assert app.screen is screen and screen.marked == set()
        assert {f.status for f in (screen.frames[0], screen.frames[4])} <= {"waiting",
                                                                            "running"}
        assert "task 20001 frames resubmitted (2 of them)" in toasts(app)


async def test_a_failed_task_and_its_frames_say_what_their_error_code_means():
    sim = bridge_farm()
    async with console(("sh-farm", sim), size=(120, 44)) as (app, pilot):
        await cursor_to(pilot, "18340")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        facts = screen.query_one("#detail-facts")
        words = plain(facts)
        assert "error 15000: Starting 3ds max got stuck or failed" in words
        assert "what to do: 1. Check if the corresponding version of 3ds max" in words
        assert "note.youdao.com" in words
        await pilot.press("down")
        under = plain(screen.query_one("#detail-frame-error"))
        assert under.startswith("error 15000: Starting 3ds max")
        explained = [r for r in sim.received if r.path == "common/queryErrorDetail"]
        assert len(explained) == 1                 # once for the code, kept since


async def test_i_shows_the_farms_frame_totals_read_once():
    sim = bridge_farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        await pilot.press("I")
        await settle(pilot)
        assert isinstance(app.screen, ServiceScreen)
        facts = plain(app.screen.query_one("#service-facts"))
        units = [u for t in sim.tasks.values() for u in t.frames]
        assert f"{len(units):,} in all" in facts
        assert f"{sum(u.status == 5 for u in units):,} failed" in facts
        assert "account rayvision" in facts and "API 1.0.0" in facts
        app.poller.poll_all()
        await settle(pilot)
        assert len([r for r in sim.received if r.path == "task/queryAllFrameStats"]) == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, ServiceScreen)


def plain(static) -> str:
    """What a Static shows, as words (a Rich table rendered to text)."""
    from rich.console import Console
    out = Console(width=200, color_system=None)
    with out.capture() as captured:
        out.print(static.content)
    return " ".join(captured.get().split())


async def test_a_screen_that_hears_its_actions_result_does_not_make_the_app_audit_it_twice(
        tmp_path):
    """The runner's copy of the result for the asker (the frame list, the viewers list) stops
    there: it bubbled up to the App, which toasted and audited every such action twice."""
    from jobdeck.adapters.nginx_rtmp.sim import NginxRtmpSim
    from tests.console.test_app_kick import open_viewers
    from tests.support.clock import FrozenClock
    from tests.support.console import demo_app, select_service, started
    store = StateStore(tmp_path / "state")
    sim = bridge_farm()
    async with console(("sh-farm", sim), size=(120, 40), state=store) as (app, pilot):
        await cursor_to(pilot, "20001")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert toasts(app).count("task 20001 frames resubmitted (1 of them)") == 1
    edge = NginxRtmpSim(clock=FrozenClock())
    app = demo_app(("edge", edge), clock=FrozenClock(), state=store)
    async with started(app) as pilot:
        await select_service(pilot, "edge")
        await open_viewers(pilot, "0:live/cam1")
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    actions = [json.loads(line)["action"]
               for line in (tmp_path / "state" / "audit.log").read_text().splitlines()]
    assert actions == ["retry_frames", "kick"]


async def test_the_frame_list_has_room_on_an_80x24_terminal():
    """A failed task's facts and explanation are longer than the box at 80x24: they scroll in a
    part of their own, and the frame list keeps rows to move and mark in."""
    sim = bridge_farm()
    async with console(("sh-farm", sim), size=(80, 24)) as (app, pilot):
        await cursor_to(pilot, "18340")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 12 and table.has_focus
        assert table.size.height >= 5             # the header and at least four frames
        await pilot.press("down")                  # a failed frame: its explanation shows
        await settle(pilot)
        assert table.size.height >= 5
        facts = screen.query_one("#detail-facts-box")
        assert facts.max_scroll_y > 0              # the rest of the facts is a scroll away
        assert "error 15000" in plain(screen.query_one("#detail-facts"))


async def test_at_80_columns_the_legend_breaks_between_its_parts_not_inside_one():
    """The legend of a stopped task with marks is wider than the pane at 80x24: it goes on
    a new line before a part ("▒▒ stopped 2", "1 marked"), never inside one."""
    sim = bridge_farm()
    async with console(("sh-farm", sim), size=(80, 24)) as (app, pilot):
        await grid_of(app, pilot, "18278")           # lobby.max: stopped, 5 kinds of block
        await pilot.press("space")
        await settle(pilot)
        legend = app.query_one("#block-legend")
        lines = str(legend.render()).splitlines()
        width = legend.content_region.width
        assert width < 70 and all(len(line) <= width for line in lines), (width, lines)
        assert any("stopped 2" in line for line in lines)
        assert any(line.startswith("1 marked") or " · 1 marked" in line for line in lines)
