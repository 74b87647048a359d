"""Kicking a player from the viewers list on nginx-rtmp: `k` asks, then sends control
drop/subscriber for that one client; the publisher is shown apart and never in the list."""

from __future__ import annotations

from jobdeck.adapters.nginx_rtmp.sim import NginxRtmpSim
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.screens.viewers import ViewersScreen
from jobdeck.tui.console.widgets.streams_pane import StreamsPane
from tests.support.clock import FrozenClock
from tests.support.console import demo_app, select_service, settle, started


async def open_viewers(pilot, stream_id: str) -> None:
    table = pilot.app.query_one(StreamsPane)
    table.focus()
    table.move_cursor(row=table.get_row_index(stream_id))
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ViewersScreen)


async def test_k_in_the_viewers_list_kicks_the_player_under_the_cursor_after_asking():
    sim = NginxRtmpSim(clock=FrozenClock())
    app = demo_app(("edge", sim), clock=FrozenClock())
    async with started(app) as pilot:
        await select_service(pilot, "edge")
        await open_viewers(pilot, "0:live/cam1")
        screen = app.screen
        status = str(screen.query_one("#viewers-status").render())
        assert status.startswith("3 watching · publishing: 192.0.2.")   # 3 = the VIEWERS cell
        assert app.query_one(StreamsPane).streams["0:live/cam1"].viewers == 3
        table = screen.query_one("#viewers-table")
        assert table.row_count == 3
        await pilot.press("down")
        victim = screen.viewers[1]
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"0:live/cam1/{victim.id}" in app.screen.body.plain
        await pilot.press("y")
        await settle(pilot)
        drops = [r for r in sim.received if r.path.startswith("drop/")]
        assert [(r.path, r.body) for r in drops] == [("drop/subscriber", {
            "srv": "0", "app": "live", "name": "cam1", "clientid": victim.id})]
        assert app.screen is screen and screen.query_one("#viewers-table").row_count == 2
        assert str(screen.query_one("#viewers-status").render()).startswith("2 watching")


async def test_the_kick_key_is_remapped_like_every_other():
    sim = NginxRtmpSim(clock=FrozenClock())
    app = demo_app(("edge", sim), clock=FrozenClock())
    app.config.keys = {"kick": "x"}
    async with started(app) as pilot:
        await select_service(pilot, "edge")
        await open_viewers(pilot, "0:live/cam1")
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ViewersScreen)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
