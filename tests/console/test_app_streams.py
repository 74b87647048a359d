"""The streams pane on NTV: keys, confirmation naming app/stream, viewers, transcodes."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.screens.viewers import ViewersScreen
from jobdeck.tui.console.widgets.streams_pane import StreamsPane
from tests.support.clock import FrozenClock
from tests.support.console import cursor_to, demo_app, screen_text, select_service, settle
from tests.support.console import started as start


@asynccontextmanager
async def started(app, *, toasts: bool = False):
    async with start(app, toasts=toasts) as pilot:
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


async def to_viewers(pilot, stream_id: str) -> None:
    """enter on a stream: its viewers dialog."""
    await to_stream(pilot, stream_id)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ViewersScreen)


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
                                       "show/board-room", "show/camera1", "show/hall",
                                       "liveshow/spam-channel"]
        row = [str(c) for c in table.get_row("liveshow/jgdy")]
        assert "jgdy" in row and "REC" in row
        assert str(table.get_row("live/live2")[6]) == str(len(sim.streams["live/live2"].viewers))
        assert "6 live · 1 disabled · 3 relays" in str(table.border_subtitle)


async def test_at_80_columns_every_streams_column_is_whole_beside_the_scrollbar():
    """At 80x24 the streams pane scrolls: its columns are fitted to the width left beside the
    scrollbar (they were fitted before it showed, and REC was cut to "RE"). The last column
    says REC and only that; idle, disabled and relay states are words under LIVE FOR."""
    _, app = live_world()
    async with start(app, size=(80, 24)) as pilot:
        await select_service(pilot, "studio")
        table = app.query_one(StreamsPane)
        assert table.show_vertical_scrollbar
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "STREAM" in line)
        assert header.rstrip(" │").endswith("KBPS  REC")
        assert any("jgdy" in line and "40/100" in line and line.rstrip(" │").endswith("REC")
                   for line in lines)
        assert [str(c) for c in table.get_row("liveshow/spam-channel")][5] == "off"
        relay = [str(c) for c in table.get_row("relay:BAF9B8E5BA819259")]
        assert relay[5] == "on" and relay[-1] == ""
        stopped = [str(c) for c in table.get_row("relay:D16E78096B55C850")]
        assert stopped[5] == "off"


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
        await to_viewers(pilot, "live/live2")
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


# relays, recording, limits, viewers (issue 17) -------------------------------------------------

async def to_row(pilot, key: str) -> None:
    table = pilot.app.query_one(StreamsPane)
    table.focus()
    await pilot.press("home")
    for _ in range(30):
        if table.cursor_key == key:
            await settle(pilot)
            return
        await pilot.press("down")
    raise AssertionError(f"{key} not reachable")


async def test_relays_are_rows_of_the_streams_pane_and_s_stops_one_after_asking():
    sim, app = live_world()
    async with started(app) as pilot:
        table = app.query_one(StreamsPane)
        row = [str(c) for c in table.get_row("relay:BAF9B8E5BA819259")]
        assert "监控视频 → show/camera1" in row and "rtsp://192.0.2.246:8555/H264SubStream" in row
        await to_row(pilot, "relay:BAF9B8E5BA819259")
        assert table.check_action("service_action", ("start_relay",)) is False
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "监控视频 (BAF9B8E5BA819259)" in app.screen.body.plain
        assert "show/camera1" in app.screen.body.plain and "studio" in app.screen.body.plain
        await pilot.press("y")
        await settle(pilot)
        assert sent(sim, "streamingMgr/stop_streaming") == [{"id": "BAF9B8E5BA819259"}]
        assert table.relays["relay:BAF9B8E5BA819259"].state == "stopped"
        assert any("stopped" in message for message, _ in app.toasts)


async def test_g_starts_a_stopped_relay_without_asking():
    sim, app = live_world()
    async with started(app) as pilot:
        await to_row(pilot, "relay:D16E78096B55C850")
        await pilot.press("g")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert sent(sim, "streamingMgr/start_streaming") == [{"id": "D16E78096B55C850"}]
        table = app.query_one(StreamsPane)
        assert table.relays["relay:D16E78096B55C850"].state == "running"
        assert "liveshow/loop" in table.streams


async def test_c_starts_recording_and_c_again_stops_it_after_asking():
    sim, app = live_world()
    async with started(app) as pilot:
        table = app.query_one(StreamsPane)
        await to_row(pilot, "show/board-room")
        assert str(table.get_row("show/board-room")[-1]) == ""
        await pilot.press("c")
        await settle(pilot)
        assert sent(sim, "demandDvr/start") == [{"application": "show", "stream": "board-room"}]
        assert str(table.get_row("show/board-room")[-1]) == "REC"
        await to_row(pilot, "show/board-room")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "viewer" not in app.screen.body.plain   # recording cuts nobody off
        await pilot.press("y")
        await settle(pilot)
        assert sent(sim, "demandDvr/stop") == [{"application": "show", "stream": "board-room"}]
        assert str(table.get_row("show/board-room")[-1]) == ""


async def test_the_apps_player_limit_shows_beside_the_viewers_and_at_it_needs_attention():
    sim, app = live_world()
    async with started(app) as pilot:
        table = app.query_one(StreamsPane)
        players = sim.app_players("show")
        assert str(table.get_row("show/board-room")[7]) == f"{players}/6"
        assert str(table.get_row("live/live2")[7]) == ""        # no limit there
        items = [i for i in app.oncall.items()[0] if i.status == "at limit"]
        if players >= 6:
            assert {i.id for i in items} == {"show/board-room", "show/camera1", "show/hall"}
            assert "players refused at the limit" in items[0].detail
        else:
            assert items == []
        sim.limits["show"] = players                            # now it is at its limit
        app.adapters["studio"].expire("player limits (limitMgr)")
        await pilot.press("r")
        await settle(pilot)
        assert [i.id for i in app.oncall.items()[0] if i.status == "at limit"]
        assert str(table.get_row("show/board-room")[7]) == f"{players}/{players}"


async def test_a_relay_turning_abnormal_is_an_attention_item_enter_goes_to_it():
    clock = FrozenClock()
    sim = NtvSim(clock=clock)
    app = demo_app(("studio", sim), clock=FrozenClock())
    async with start(app) as pilot:
        clock.advance(46)                     # hall-cam's source drops
        await pilot.press("r")
        await settle(pilot)
        [item] = [i for i in app.oncall.items()[0] if i.what == "relay"]
        assert item.status == "abnormal" and item.name == "hall-cam"
        assert any("relay 7C1E0A55D2F04B11 hall-cam: running -> abnormal" in m
                   for m, _ in app.toasts)
        from jobdeck.tui.console.widgets.attention_pane import AttentionPane
        pane = app.query_one(AttentionPane)
        pane.focus()
        pane.move_cursor(row=pane.get_row_index(item.key))
        await pilot.press("enter")
        await settle(pilot)
        table = app.query_one(StreamsPane)
        assert table.has_focus and table.cursor_key == "relay:7C1E0A55D2F04B11"
        assert table.check_action("service_action", ("start_relay",))


async def test_the_viewers_count_is_the_streams_and_k_says_ntv_cannot_kick_one():
    _sim, app = live_world()
    async with started(app) as pilot:
        await to_stream(pilot, "live/live2")
        shown = app.query_one(StreamsPane).streams["live/live2"].viewers
        await pilot.press("enter")
        await settle(pilot)
        status = str(app.screen.query_one("#viewers-status").render())
        assert status == f"{shown} watching"
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ViewersScreen)   # nothing asked, nothing sent
        assert any("no per-viewer kick here" in m for m, _ in app.toasts)
        # shown while the dialog stays open, not held until it closes (a key must answer)
        assert any("no per-viewer kick here" in n.message for n in app._notifications)


async def test_an_alert_waits_for_the_dialog_but_the_dialogs_own_answer_does_not():
    _sim, app = live_world()
    async with started(app, toasts=True) as pilot:
        app.notify("relay one restarted", timeout=30)         # up before the dialog opens
        await settle(pilot)
        assert "relay one restarted" in screen_text(app)
        await to_viewers(pilot, "live/live2")
        app.notify("relay two down", severity="warning")     # as an alert says it
        await pilot.press("k")
        await settle(pilot)
        shown = screen_text(app)                            # the dialog's answer, over it
        assert "no per-viewer kick" in shown
        assert "relay one" not in shown and "relay two" not in shown
        await pilot.press("escape")
        await settle(pilot)
        shown = screen_text(app)                            # closed: what waited shows
        assert not isinstance(app.screen, ViewersScreen)
        assert "relay one restarted" in shown and "relay two down" in shown


async def test_a_worker_a_dialogs_key_started_does_not_speak_over_the_dialog_later(monkeypatch):
    went = asyncio.Event()

    async def later() -> None:
        await went.wait()
        app.notify("relay three down", severity="warning")   # long after the key's action

    def action_start_later(self) -> None:
        self.run_worker(later())

    monkeypatch.setattr(ViewersScreen, "action_start_later", action_start_later, raising=False)
    _sim, app = live_world()
    async with started(app, toasts=True) as pilot:
        await to_viewers(pilot, "live/live2")
        await app.run_action("start_later", app.screen)
        went.set()
        await settle(pilot)
        assert "relay three" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "relay three down" in screen_text(app)
