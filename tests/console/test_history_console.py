"""The console and the history store: `H` across a restart, its filters and `enter`; replay at
a chosen time, stepping poll by poll and jumping to transitions; the trends at 80x24; a state
directory that cannot hold the store is a warning and the console keeps working."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from textual.widgets import DataTable, Sparkline

from jobdeck.adapters.contract.model import Account, FrameCounts, ServiceSnapshot, Stream, Task
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.history import FILE, HistoryStore, Recorder
from jobdeck.adapters.core.oncall import Transition
from jobdeck.adapters.core.replay import Timeline
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.replay import ReplayApp
from jobdeck.tui.console.screens.recorded import RecordedHistoryScreen
from jobdeck.tui.console.screens.trends import TrendsScreen
from jobdeck.tui.console.widgets.task_table import TaskTable
from jobdeck.tui.console.widgets.topbar import Topbar
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import demo_app, row_of, select_service, settle, started, toasts

T0 = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


def farm() -> RenderbusSim:
    return RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)


async def until(pilot, check, seconds: float = 10.0) -> None:
    """Wait for a condition the app reaches by itself (a thread worker, the writer)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("not reached in time")
        await pilot.pause(0.05)


def history_rows(app) -> list[str]:
    table = app.screen.query_one("#history-table", DataTable)
    return [" ".join(str(cell) for cell in table.get_row_at(n)) for n in range(table.row_count)]


async def opened_history(pilot) -> RecordedHistoryScreen:
    await pilot.press("H")
    await until(pilot, lambda: isinstance(pilot.app.screen, RecordedHistoryScreen)
                and pilot.app.screen.loaded)
    return pilot.app.screen


async def test_restart_the_console_and_see_the_earlier_alerts_in_H(tmp_path, monkeypatch):
    state = StateStore(tmp_path / "state")
    sim = farm()
    first = demo_app(("sh-farm", sim), state=state)
    monkeypatch.setattr(first, "bell", lambda: None)
    async with started(first) as pilot:
        sim.tasks[18278].status = 45                       # lobby.max fails
        first.poller.poll_all()
        await settle(pilot)
        await first.action_quit()
    again = demo_app(("sh-farm", farm()), state=state)
    async with started(again) as pilot:
        assert again.oncall.alerter.history == []          # nothing happened this session
        screen = await opened_history(pilot)
        rows = history_rows(again)
        assert len(screen.events) == 1 and "lobby.max: stopped -> failed" in rows[0]
        assert not rows[0].startswith("◆")                 # alerted then, not in this session


async def test_H_filters_by_service_and_kind_and_enter_goes_to_the_item(tmp_path, monkeypatch):
    state = StateStore(tmp_path / "state")
    sh, live = farm(), NtvSim(clock=FrozenClock())
    app = demo_app(("sh-farm", sh), ("live", live), state=state)
    monkeypatch.setattr(app, "bell", lambda: None)
    async with started(app) as pilot:
        sh.tasks[18278].status = 45
        del live.streams["live/live2"]
        app.poller.poll_all()
        await settle(pilot)
        app.runner.send("sh-farm", "stop", ["18380"])     # an action: recorded with who ran it
        await settle(pilot)
        screen = await opened_history(pilot)
        assert {e.kind for e in screen.events} == {"failed", "stream_gone", "action"}
        assert any("◆" in row and "lobby.max" in row for row in history_rows(app))
        await pilot.press("s")                              # service: live (sorted first)
        assert [e.service for e in screen.shown] == ["live"]
        await pilot.press("s", "e")                         # sh-farm, then the first kind
        assert screen.filters == {"service": "sh-farm", "kind": "failed"}
        assert [e.kind for e in screen.shown] == ["failed"]
        await pilot.press("e", "e")                         # stream_gone (none here), action
        assert [e.action["action"] for e in screen.shown] == ["stop"]
        assert screen.shown[0].action["user"] and screen.shown[0].action["via"] == "console"
        await pilot.press("E", "E", "enter")                # back to failed; go to it
        await settle(pilot)
        assert app.selected == "sh-farm"
        table = app.query_one(TaskTable)
        assert table.cursor_task_id == "18278" and app.focused is table


async def test_H_at_80x24_keeps_each_event_whole_below_and_end_goes_to_the_last_row(
        tmp_path, monkeypatch):
    """An event is wider than the dialog at 80 columns: the row under the cursor shows whole
    below the table; end and home go to the last and first row (DataTable's own scrolled
    sideways, hiding the columns)."""
    state = StateStore(tmp_path / "state")
    sim = farm()
    app = demo_app(("sh-farm", sim), state=state)
    monkeypatch.setattr(app, "bell", lambda: None)
    async with started(app, (80, 24)) as pilot:
        for task_id in (18278, 18310, 18320):
            sim.tasks[task_id].status = 45
            app.poller.poll_all()
            await settle(pilot)
        screen = await opened_history(pilot)
        await settle(pilot)
        table = screen.query_one("#history-table", DataTable)
        below = str(screen.query_one("#history-cursor").render())
        assert table.cursor_row == 0 and "exterior_dusk" not in below   # the newest first
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == table.row_count - 1 and table.scroll_x == 0
        below = str(screen.query_one("#history-cursor").render())
        assert "lobby.max: stopped -> failed" in below
        await pilot.press("home")
        await settle(pilot)
        assert table.cursor_row == 0


def farm_at(render: str, done: int, balance: float = 500.0) -> ServiceSnapshot:
    child = Task("19088", "render", render, "5", progress=done / 40,
                 frames=FrameCounts(40, done, 2 if render == "failed" else 0, 1, 0))
    parent = Task("19084", "cloakroom.max", "running", "5", progress=0.5,
                  frames=FrameCounts(40, done, 0, 1, 0), submitted_at=T0 - timedelta(hours=1),
                  children=[child])
    return ServiceSnapshot("sh-farm", "renderbus", account=Account("rayvision", balance),
                           tasks=[parent], latency_ms=8)


def recorded(tmp_path) -> HistoryStore:
    """Two services for two minutes; render fails at 03:01:00, a stream ends at 03:01:30."""
    rec = Recorder(tmp_path, 14, flush_s=0.01)
    for second in range(0, 120, 10):
        wall = T0 + timedelta(seconds=second)
        failing = second >= 60
        rec.poll(farm_at("failed" if failing else "running", 10 + second // 10),
                 [Transition(wall, "sh-farm", "renderbus", "task", "19088", "render", "running",
                             "failed", "2 frames failed")] if second == 60 else [], wall)
        streams = [Stream("live/cam0", "live", "cam0", "rtmp", "media", viewers=40)]
        if second < 90:
            streams.append(Stream("live/cam1", "live", "cam1", "rtmp", "media", viewers=7))
        rec.poll(ServiceSnapshot("live", "ntv", streams=streams, latency_ms=4),
                 [Transition(wall, "live", "ntv", "stream", "live/cam1", "cam1", "live",
                             "gone")] if second == 90 else [], wall + timedelta(seconds=1))
    rec.close()
    return HistoryStore.in_dir(tmp_path)


async def test_replay_shows_the_state_at_a_chosen_time_and_steps(tmp_path):
    store = recorded(tmp_path)
    config = Config()
    config.keys = {"previous_poll": "j"}                 # replay keys remap like any other
    app = ReplayApp(config, store, Timeline(store, T0 + timedelta(seconds=45)))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await select_service(pilot, "sh-farm")
        assert app.timeline.moment == T0 + timedelta(seconds=41)   # as it was then: live's poll
        assert "running" in row_of(app, "19084") and app.read_only
        assert "03:00:41" in str(app.query_one(Topbar).query_one("#topbar-left").render())
        await pilot.press("full_stop")                      # the next poll: sh-farm at 03:00:50
        await settle(pilot)
        assert app.timeline.moment == T0 + timedelta(seconds=50)
        await pilot.press("greater_than_sign")              # the next transition: render fails
        await settle(pilot)
        assert app.timeline.moment == T0 + timedelta(seconds=60)
        app.query_one(TaskTable).move_to("19088")
        assert "failed" in row_of(app, "19088")
        assert any("render: running -> failed" in t for t in toasts(app))
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert app.timeline.moment == T0 + timedelta(seconds=90)
        await pilot.press("j", "less_than_sign")            # back a poll, back to the failure
        await settle(pilot)
        assert app.timeline.moment == T0 + timedelta(seconds=60)
        await pilot.press("less_than_sign")
        await settle(pilot)
        assert any("no recorded transition" in t for t in toasts(app))
        await pilot.press("s")                              # read-only: nothing is sent
        await settle(pilot)
        assert app.timeline.moment == T0 + timedelta(seconds=60)


async def test_the_trends_show_the_last_hour_at_80x24(tmp_path):
    state = StateStore(tmp_path / "state")
    rec = Recorder(state.directory, 14, flush_s=0.01)
    now = datetime.now(UTC)
    for second in range(0, 3600, 20):
        rec.poll(farm_at("running", second // 100), [], now - timedelta(seconds=3600 - second))
    rec.close()
    app = demo_app(("sh-farm", farm()), state=state)
    async with started(app, size=(80, 24)) as pilot:
        await select_service(pilot, "sh-farm")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, TrendsScreen)
                    and app.screen.loaded is not None)
        await settle(pilot)
        lines = app.screen.query(Sparkline)
        assert len(lines) == 3 and all(line.region.width >= 20 for line in lines)
        name, kind, trends = app.screen.loaded[0]
        assert (name, kind) == ("sh-farm", "renderbus")
        assert [t.name for t in trends] == ["running", "frames", "latency"]
        # the recorded hour ran one task; the console's own polls (5 running) may land in
        # the last minute before the trends are read, whichever comes first under load
        assert trends[1].total and max(trends[0].values[:-1]) == 1.0 and trends[2].median == 8
        figures = [str(s.render()) for s in app.screen.query(".trend-figure")]
        assert figures[2] == "median 8 ms, p95 8 ms"


async def test_a_state_dir_that_cannot_hold_the_history_is_a_warning(tmp_path):
    state = StateStore(tmp_path / "state")
    (state.directory / FILE).mkdir(parents=True)
    sim = farm()
    app = demo_app(("sh-farm", sim), state=state)
    async with started(app) as pilot:
        await until(pilot, lambda: any("history not recorded" in t for t in toasts(app)))
        await select_service(pilot, "sh-farm")
        sim.tasks[18278].status = 45                       # and the console goes on
        app.poller.poll_all()
        await settle(pilot)
        assert "failed" in row_of(app, "18278")
        assert sum("history not recorded" in t for t in toasts(app)) == 1
