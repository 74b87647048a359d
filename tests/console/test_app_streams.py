"""The streams pane on NTV: keys, confirmation naming app/stream, viewers, transcodes."""

from __future__ import annotations

from contextlib import asynccontextmanager

from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.screens.viewers import ViewersScreen
from jobdeck.tui.console.widgets.streams_pane import StreamsPane
from tests.support.clock import FrozenClock
from tests.support.console import cursor_to, demo_app, select_service, settle
from tests.support.console import started as start


@asynccontextmanager
async def started(app):
    async with start(app) as pilot:
        await select_service(pilot, "studio")
        yield pilot


async def to_stream(pilot, stream_id: str) -> None:
    table = pilot.app.query_one(StreamsPane)
    table.focus()
    for _ in range(30):
        if table.cursor_stream and table.cursor_stream.id == stream_id:
            await settle(pilot)
            return
        await pilot.press("down")
    raise AssertionError(f"{stream_id} not reachable")


def sent(sim: NtvSim, name: str) -> list[dict]:
    return [{k: v for k, v in r.body.items() if k != "token"} for r in sim.received
            if r.path == name]


def live_world():
    sim = NtvSim(clock=FrozenClock())
    # named unlike any stream's app, so a confirmation that names the service can be told apart
    return sim, demo_app(("studio", sim), clock=FrozenClock())


async def test_the_streams_pane_shows_live_and_disabled_streams():
    sim, app = live_world()
    async with started(app):
        table = app.query_one(StreamsPane)
        assert app.query_one("#right").has_class("streams") and table.display
        assert list(table.streams) == ["live/live2", "live/大厅直播", "liveshow/jgdy",
                                       "show/board-room", "liveshow/spam-channel"]
        row = [str(c) for c in table.get_row("liveshow/jgdy")]
        assert "jgdy" in row and "REC" in row
        assert str(table.get_row("live/live2")[6]) == str(len(sim.streams["live/live2"].viewers))
        assert "4 live · 1 disabled" in str(table.border_subtitle)


async def test_k_asks_naming_app_and_stream_then_closes_it():
    sim, app = live_world()
    async with started(app) as pilot:
        await to_stream(pilot, "live/大厅直播")
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "live/大厅直播" in app.screen.body.plain and "studio" in app.screen.body.plain
        await pilot.press("n")
        await settle(pilot)
        assert sent(sim, "streamMgr/close_active_stream") == []
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert sent(sim, "streamMgr/close_active_stream") == [
            {"application": "live", "stream": "大厅直播"}]
        assert "live/大厅直播" not in app.query_one(StreamsPane).streams


async def test_shift_k_disables_and_e_enables():
    sim, app = live_world()
    async with started(app) as pilot:
        await to_stream(pilot, "show/board-room")
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert sent(sim, "closedStream/close") == [{"application": "show",
                                                    "stream": "board-room"}]
        table = app.query_one(StreamsPane)
        assert table.streams["show/board-room"].state == "disabled"
        await to_stream(pilot, "show/board-room")
        assert table.check_action("service_action", ("close_stream",)) is False
        await pilot.press("e")
        await settle(pilot)
        assert sent(sim, "closedStream/open") == [{"application": "show", "stream": "board-room"}]


async def test_enter_shows_who_watches():
    sim, app = live_world()
    async with started(app) as pilot:
        await to_stream(pilot, "live/live2")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ViewersScreen)
        table = app.screen.query_one("#viewers-table")
        assert table.row_count == len(sim.streams["live/live2"].viewers)
        assert str(table.get_row_at(0)[0]).startswith("192.0.2.")


async def test_s_stops_a_transcode_after_asking():
    sim, app = live_world()
    async with started(app) as pilot:
        await cursor_to(pilot, "8ass3")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "keynote-2026.mov" in app.screen.body.plain
        await pilot.press("y")
        await settle(pilot)
        assert sent(sim, "transcodeMgr/stop_transcode") == [{"src_id": "8ass3"}]
