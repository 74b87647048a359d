"""NTV Media Server G3 against its simulator over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from jobdeck.adapters.contract.cadence import LONGEST_S, Cadence
from jobdeck.adapters.contract.model import ServiceConfig
from jobdeck.adapters.ntv.adapter import NtvAdapter
from jobdeck.adapters.ntv.client import login_hash, md5
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FrozenClock


def test_login_hash_is_md5_of_md5_password_and_challenge():
    assert md5("111111") == "96e79218965eb72c92a549dd5a330112"   # the spec's example
    assert login_hash("111111", "auha3gik9m48l1mh") == md5(
        "96e79218965eb72c92a549dd5a330112auha3gik9m48l1mh")


@pytest.fixture
def ntv(clock: FrozenClock):
    sim = NtvSim(clock=clock)
    with SimServer(sim) as server:
        yield sim, server


def adapter_for(sim: NtvSim, server: SimServer, password: str | None = None) -> NtvAdapter:
    entry = sim.service_entry("live", server.base_url)
    config = ServiceConfig(name="live", kind="ntv", base_url=entry["base_url"],
                           options={"username": entry["username"]},
                           secrets={"password": password or entry["password"]})
    return NtvAdapter(config)


def calls(sim, name):
    return [r for r in sim.received if r.path == name]


async def test_login_then_streams_viewers_disabled_and_transcodes(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    login2 = calls(sim, "userAuth/login2")[0].body
    assert login2 == {"username": "admin", "hash": md5(md5("sim-ntv-password") + sim.issued[0])}
    live = {s.id: s for s in snapshot.streams if s.state == "live"}
    assert set(live) == {"live/live2", "live/大厅直播", "liveshow/jgdy", "show/board-room",
                         "show/camera1", "show/hall"}   # the last two published by relays
    assert live["live/大厅直播"].viewers == len(sim.streams["live/大厅直播"].viewers)
    assert live["liveshow/jgdy"].recording and not live["show/board-room"].recording
    assert live["live/live2"].protocol == "rtmp" and live["live/live2"].started_at is not None
    disabled = [s for s in snapshot.streams if s.state == "disabled"]
    assert [s.id for s in disabled] == ["liveshow/spam-channel"]
    assert disabled[0].actions == ("enable_stream",)
    transcode = snapshot.find_task("video89")
    assert transcode.name == "案例视频8.mp4" and transcode.progress == pytest.approx(40 / 180, 0.01)
    await adapter.close()
    assert calls(sim, "userAuth/logout")  # logout when leaving


async def test_an_expired_token_logs_in_again_once_and_repeats_the_read(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    await adapter.poll()
    logins = len(calls(sim, "userAuth/login2"))
    sim.expire_tokens()
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert len(calls(sim, "userAuth/login2")) == logins + 1  # one login for five reads
    await adapter.close()


async def test_a_wrong_password_is_reported_and_never_shown(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server, password="not-the-password-1")
    snapshot = await adapter.poll()
    assert not snapshot.ok and "login refused" in snapshot.error and "hash error" in snapshot.error
    assert "not-the-password-1" not in snapshot.error
    await adapter.close()


async def test_close_disable_enable_and_their_effects(ntv, clock):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    await adapter.poll()
    assert (await adapter.perform("close_stream", ["live/live2"])).ok
    assert calls(sim, "streamMgr/close_active_stream")[0].body["application"] == "live"
    snapshot = await adapter.poll()
    assert "live/live2" not in [s.id for s in snapshot.streams]
    clock.advance(25)  # a closed publisher may come back
    assert "live/live2" in [s.id for s in (await adapter.poll()).streams]
    assert (await adapter.perform("disable_stream", ["live/大厅直播"])).ok
    assert calls(sim, "closedStream/close")[0].body == {"application": "live",
                                                       "stream": "大厅直播",
                                                       "token": calls(sim, "closedStream/close")
                                                       [0].body["token"]}
    snapshot = await adapter.poll()
    stream = next(s for s in snapshot.streams if s.id == "live/大厅直播")
    assert stream.state == "disabled"
    assert (await adapter.perform("enable_stream", ["live/大厅直播"])).ok
    clock.advance(6)
    stream = next(s for s in (await adapter.poll()).streams if s.id == "live/大厅直播")
    assert stream.state == "live"
    await adapter.close()


async def test_stop_transcode_and_a_refusal_in_the_servers_words(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    await adapter.poll()
    assert (await adapter.perform("stop_transcode", ["8ass3"])).ok
    assert calls(sim, "transcodeMgr/stop_transcode")[0].body["src_id"] == "8ass3"
    assert (await adapter.poll()).find_task("8ass3") is None
    again = await adapter.perform("stop_transcode", ["8ass3"])
    assert not again.ok and "no working transcode" in again.message
    await adapter.close()


async def test_viewer_detail_of_one_stream(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    viewers = await adapter.viewers("live/live2")
    assert len(viewers) == len(sim.streams["live/live2"].viewers)
    assert all(v.client.startswith("192.0.2.") and v.since for v in viewers)
    await adapter.close()


async def test_many_streams_are_read_across_string_numbered_pages(ntv):
    sim, server = ntv
    for n in range(45):
        sim.add_stream("bulk", f"cam{n:02d}")
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert len([s for s in snapshot.streams if s.app == "bulk"]) == 45
    # section 1.9 of the spec: paged replies take `page`
    pages = [r.body.get("page") for r in calls(sim, "streamMgr/get_active_streams")]
    assert pages == [None, "2", "3"]
    await adapter.close()


async def test_nothing_live_means_items_are_missing_and_that_is_fine(ntv):
    sim, server = ntv
    sim.streams.clear()
    sim.transcodes.clear()
    sim.closed.clear()
    sim.recording.clear()
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert snapshot.ok and snapshot.streams == [] and snapshot.tasks == []
    await adapter.close()


@pytest.mark.parametrize("group", ["demandDvr", "statMgr", "transcodeMgr", "closedStream"])
async def test_a_refused_group_is_a_warning_and_the_streams_still_show(ntv, group):
    """A server without the on-demand DVR module, or an account limited by auth_func/auth_app
    (spec 15.1), refuses whole groups; only the stream list is essential."""
    sim, server = ntv
    sim.refuse[group] = "no permission for this function"
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert {s.id for s in snapshot.streams if s.state == "live"} >= {"live/live2"}
    assert len(snapshot.warnings) == 1 and "could not be read" in snapshot.warnings[0]
    assert group in snapshot.warnings[0] and "no permission" in snapshot.warnings[0]
    assert snapshot.to_json()["warnings"] == snapshot.warnings
    await adapter.close()


async def test_a_refused_read_causes_one_login_not_a_storm(ntv):
    """After one fresh login, a read refused the same way again is not an expiry: remembered
    for ten minutes, it starts no new login; with a live token a poll makes none."""
    sim, server = ntv
    sim.refuse["demandDvr"] = "module not installed"
    adapter = adapter_for(sim, server)
    for _ in range(5):
        assert (await adapter.poll()).ok
    assert len(calls(sim, "userAuth/login2")) == 2   # the first login, and one to be sure
    sim.expire_tokens()                               # a real expiry still logs in again
    assert (await adapter.poll()).ok
    assert len(calls(sim, "userAuth/login2")) == 3
    await adapter.close()


async def test_the_refusal_memory_lasts_ten_minutes(ntv, clock):
    sim, server = ntv
    sim.refuse["demandDvr"] = "module not installed"
    adapter = adapter_for(sim, server)
    adapter.client.clock = clock
    await adapter.poll()
    clock.advance(601)
    await adapter.poll()
    assert len(calls(sim, "userAuth/login2")) == 3   # once more after the memory lapsed
    await adapter.close()


def paged_server(pages: str, repeat: bool):
    """A server that claims `pages` pages and, if `repeat`, answers every page with page 1."""
    def handler(request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        if query["request"] in ("login1", "login2"):
            return httpx.Response(200, json={"code": 0, "err_desc": "t0k3n-value-xyz"})
        if query["request"] != "get_active_streams":
            return httpx.Response(200, json={"code": 0, "data": {"count": 0}})
        page = 1 if repeat else int(query.get("page", 1))
        items = [{"app": "live", "stream": f"s{page}-{n}"} for n in range(2)]
        return httpx.Response(200, json={"code": 0, "data": {
            "page": page, "pages": pages, "count": 2, "items": items}})
    config = ServiceConfig(name="live", kind="ntv", base_url="http://ntv.test/mserver/interface/",
                           options={"username": "admin"}, secrets={"password": "p" * 8})
    adapter = NtvAdapter(config, transport=httpx.MockTransport(handler))
    return adapter


async def test_a_server_claiming_1000_pages_of_the_same_page_costs_two_calls():
    adapter = paged_server("1000", repeat=True)
    sent: list[str] = []
    original = adapter.http.request

    async def counting(method, path, **kwargs):
        if kwargs.get("params", {}).get("request") == "get_active_streams":
            sent.append(path)
        return await original(method, path, **kwargs)

    adapter.http.request = counting
    snapshot = await adapter.poll()
    assert snapshot.ok and len(sent) == 2      # page 1, then page 2 repeats it: stop
    assert [s.name for s in snapshot.streams] == ["s1-0", "s1-1"]   # never a duplicate
    assert any("repeated" in w for w in snapshot.warnings)
    await adapter.close()


async def test_paging_never_asks_past_the_pages_the_first_reply_gave():
    adapter = paged_server("3", repeat=False)
    snapshot = await adapter.poll()
    assert snapshot.ok and len(snapshot.streams) == 6
    await adapter.close()


async def test_slowly_changing_lists_are_read_now_and_then(ntv):
    """Disabled streams and recordings stand for a while; viewers and the live list do not
    (polls 2 s apart). An action of ours, or a stream leaving the live list, makes the disabled
    list due at once."""
    sim, server = ntv
    adapter = adapter_for(sim, server)
    adapter.lists = Cadence(clock := FrozenClock(0.0))
    for _ in range(3):
        assert (await adapter.poll()).ok
        clock.advance(2.0)
    assert len(calls(sim, "closedStream/list")) == 1 and len(calls(sim, "demandDvr/list")) == 1
    assert len(calls(sim, "statMgr/connection_count")) == 3
    assert (await adapter.perform("disable_stream", ["live/大厅直播"])).ok
    stream = next(s for s in (await adapter.poll()).streams if s.id == "live/大厅直播")
    assert stream.state == "disabled" and len(calls(sim, "closedStream/list")) == 2
    sim.closed["live/live2"] = 1_795_600_000          # disabled by someone else
    del sim.streams["live/live2"]
    stream = next(s for s in (await adapter.poll()).streams if s.id == "live/live2")
    assert stream.state == "disabled"
    await adapter.close()


MOVING = ("statMgr/connection_count", "transcodeMgr/list_working", "streamingMgr/get_streaming")


async def test_lists_that_do_not_move_are_asked_less_often_and_come_back_when_they_do(ntv):
    sim, server = ntv   # the simulator's clock stands still: nothing on the server moves
    adapter = adapter_for(sim, server)
    clock = FrozenClock(0.0)
    adapter.lists = Cadence(clock)

    def asked() -> list[int]:
        return [len(calls(sim, name)) for name in MOVING]

    def viewers(snapshot, stream_id: str) -> int | None:
        return next(s for s in snapshot.streams if s.id == stream_id).viewers

    for _ in range(20):   # 40 s of polls every 2 s
        assert (await adapter.poll()).ok
        clock.advance(2.0)
    assert all(n <= 9 for n in asked()), asked()   # every 8 s at most, not 20 times each
    assert len(calls(sim, "streamMgr/get_active_streams")) == 20   # the streams: every poll

    sim._viewer(sim.streams["live/live2"])   # a viewer joins: seen within LONGEST_S
    joined = clock.now
    for _ in range(6):
        if viewers(await adapter.poll(), "live/live2") == len(sim.streams["live/live2"].viewers):
            break
        clock.advance(2.0)
    assert clock.now - joined <= LONGEST_S

    for _ in range(5):
        await adapter.poll()
        clock.advance(2.0)
    sim.add_stream("live", "new-cam", viewers=3)   # a new stream: its viewers at once
    before = asked()
    assert viewers(await adapter.poll(), "live/new-cam") == 3
    assert asked()[0] == before[0] + 1

    for _ in range(5):
        await adapter.poll()
        clock.advance(2.0)
    before = asked()
    assert (await adapter.perform("stop_relay", ["BAF9B8E5BA819259"])).ok
    snapshot = await adapter.poll()   # after an action, every list at once
    assert asked() == [n + 1 for n in before]
    assert next(r for r in snapshot.relays if r.id == "BAF9B8E5BA819259").state == "stopped"
    await adapter.close()


async def test_a_relay_whose_stream_ends_shows_its_state_in_the_same_poll(clock):
    sim = NtvSim(clock=clock)   # the demo's hall-cam relay fails 45 s in: show/hall ends
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server)
        adapter.lists = Cadence(clock)   # relays unchanged for 40 s: read every 8 s by then
        for _ in range(40):
            snapshot = await adapter.poll()
            if not any(s.id == "show/hall" and s.state == "live" for s in snapshot.streams):
                break
            clock.advance(2.0)
        assert clock.now - 1000 >= 45
        relay = next(r for r in snapshot.relays if r.name == "hall-cam")
        assert relay.state == "abnormal"
        await adapter.close()


async def test_a_paging_warning_stays_while_its_list_is_not_asked_again(clock, monkeypatch):
    from jobdeck.adapters.ntv import sim as ntv_sim

    def repeating(self, query):   # page 2 is page 1 again
        rows = [self._relay_item(r) for r in self.relays.values()]
        return self.reply(0, data={"page": 1, "pages": "3", "total": "9", "items": rows})

    monkeypatch.setitem(ntv_sim.ROUTES, ("streamingMgr", "get_streaming"), repeating)
    sim = NtvSim(clock=clock)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server)
        adapter.lists = Cadence(clock)
        said = []
        for _ in range(10):
            said.append((await adapter.poll()).warnings)
            clock.advance(2.0)
        assert len(calls(sim, "streamingMgr/get_streaming")) < 2 * 10   # not asked each poll
        assert all("streamingMgr get_streaming: page 2 repeated an earlier page" in w
                   for w in said), said
        await adapter.close()


# relays (spec 11) ------------------------------------------------------------------------------

async def test_relays_are_listed_with_source_target_and_state(ntv, clock):
    sim, server = ntv
    sim.relays["D16E78096B55C850"].status = 7     # "anything else is abnormal"
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    relays = {r.id: r for r in snapshot.relays}
    camera = relays["BAF9B8E5BA819259"]
    assert (camera.name, camera.source, camera.target, camera.state, camera.raw_status) == (
        "监控视频", "rtsp://192.0.2.246:8555/H264SubStream", "show/camera1", "running", "1")
    assert camera.actions == ("stop_relay",)
    assert relays["D16E78096B55C850"].state == "abnormal"
    assert relays["D16E78096B55C850"].actions == ("start_relay", "stop_relay")
    assert snapshot.to_json()["relays"][0] == {
        "id": "BAF9B8E5BA819259", "name": "监控视频",
        "source": "rtsp://192.0.2.246:8555/H264SubStream", "target": "show/camera1",
        "state": "running", "raw_status": "1", "actions": ["stop_relay"]}
    clock.advance(46)                              # hall-cam's source drops after 45 s
    hall = next(r for r in (await adapter.poll()).relays if r.name == "hall-cam")
    assert hall.state == "abnormal" and hall.raw_status == "2"
    await adapter.close()


async def test_start_and_stop_a_relay_by_its_id(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    await adapter.poll()
    result = await adapter.perform("start_relay", ["D16E78096B55C850"])
    assert result.ok, result.message
    assert [r.body["id"] for r in calls(sim, "streamingMgr/start_streaming")] == [
        "D16E78096B55C850"]
    snapshot = await adapter.poll()
    assert next(r for r in snapshot.relays if r.id == "D16E78096B55C850").state == "running"
    assert "liveshow/loop" in {s.id for s in snapshot.streams}   # the relay publishes it
    assert (await adapter.perform("stop_relay", ["D16E78096B55C850"])).ok
    assert [r.body["id"] for r in calls(sim, "streamingMgr/stop_streaming")] == [
        "D16E78096B55C850"]
    again = await adapter.perform("stop_relay", ["D16E78096B55C850"])
    assert not again.ok and "not running" in again.message      # the server's own words
    await adapter.close()


async def test_a_snapshot_of_a_server_without_relays_says_so_with_an_empty_list(ntv):
    sim, server = ntv
    sim.relays.clear()
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert snapshot.relays == [] and snapshot.to_json()["relays"] == []
    await adapter.close()


# on-demand recording (spec 7) and the global DVR (3.2) ----------------------------------------

async def test_start_and_stop_recording_a_live_stream_on_demand(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    live = {s.id: s for s in (await adapter.poll()).streams}
    assert "start_recording" in live["show/board-room"].actions
    assert "stop_recording" in live["liveshow/jgdy"].actions
    result = await adapter.perform("start_recording", ["show/board-room"])
    assert result.ok, result.message
    assert [{k: v for k, v in r.body.items() if k != "token"}
            for r in calls(sim, "demandDvr/start")] == [{"application": "show",
                                                         "stream": "board-room"}]
    stream = next(s for s in (await adapter.poll()).streams if s.id == "show/board-room")
    assert stream.recording and stream.actions[-1] == "stop_recording"
    assert (await adapter.perform("stop_recording", ["show/board-room"])).ok
    stream = next(s for s in (await adapter.poll()).streams if s.id == "show/board-room")
    assert not stream.recording and "start_recording" in stream.actions
    await adapter.close()


async def test_rec_is_true_only_when_the_global_dvr_writes(ntv):
    """In an on-demand app only what was asked is written; in any other app every stream is;
    with the DVR off nothing is, whatever was asked (spec 3.2, 7.1)."""
    sim, server = ntv
    adapter = adapter_for(sim, server)
    live = {s.id: s for s in (await adapter.poll()).streams}
    assert live["liveshow/jgdy"].recording and live["liveshow/jgdy"].details["recording"] \
        == "on demand"
    assert live["live/live2"].recording and live["live/live2"].details["recording"] \
        == "the global DVR"
    assert "start_recording" not in live["live/live2"].actions   # `live` takes no on-demand
    assert not live["show/board-room"].recording
    sim.dvr_on = False
    adapter.expire("the DVR switch (appMgr)")
    live = {s.id: s for s in (await adapter.poll()).streams}
    assert not any(s.recording for s in live.values())
    assert live["liveshow/jgdy"].details["recording"] == "asked on demand, but the DVR is off"
    result = await adapter.perform("start_recording", ["show/board-room"])
    assert result.ok and "DVR is off" in result.message
    await adapter.close()


async def test_recording_an_app_not_set_up_for_it_is_refused_in_the_servers_words(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    await adapter.poll()
    result = await adapter.perform("start_recording", ["live/live2"])
    assert not result.ok and "not an on-demand recording application" in result.message
    await adapter.close()


# player limits (spec 10.1) ---------------------------------------------------------------------

async def test_each_stream_carries_its_apps_player_limit(ntv):
    sim, server = ntv
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    live = {s.id: s for s in snapshot.streams if s.state == "live"}
    assert live["show/board-room"].player_limit == 6 and live["liveshow/jgdy"].player_limit == 100
    assert live["live/live2"].player_limit is None
    assert live["show/board-room"].to_json()["player_limit"] == 6
    assert [r.body.get("application") for r in calls(sim, "limitMgr/get")] == [None]
    await adapter.close()


# what the account may call (spec 15.3) ---------------------------------------------------------

async def test_a_group_the_account_may_not_call_is_named_as_such(ntv):
    sim, server = ntv
    sim.account_funcs = {"streamMgr", "closedStream", "transcodeMgr", "demandDvr", "appMgr",
                         "limitMgr", "streamingMgr"}          # no statMgr
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert snapshot.warnings == ["viewer counts (statMgr): this account may not call statMgr"]
    assert calls(sim, "userAuth/functions")
    await adapter.close()


async def test_a_group_the_account_may_call_but_the_server_refuses_keeps_its_words(ntv):
    sim, server = ntv
    sim.refuse["streamingMgr"] = "module not installed"   # listed by functions, yet refused
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert snapshot.warnings == ["relays (streamingMgr) could not be read: streamingMgr "
                                 "get_streaming: module not installed (code 9)"]
    await adapter.close()


async def test_a_big_stream_list_is_read_whole_only_when_its_counts_change_or_every_10_s(clock):
    """300 live streams are 15 pages of 20: a poll asks the first page and its count; the rest
    is read whole every REST_EVERY_S, and at once when a stream ends (the count changes)."""
    from jobdeck.adapters.ntv.client import REST_EVERY_S

    sim = NtvSim(clock=clock, scenario="empty")
    for n in range(300):
        sim.add_stream("live", f"cam{n:03d}", viewers=1 if n % 50 == 0 else 0)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server)
        adapter.client.clock = clock

        async def poll() -> tuple[list[str], int]:
            before = len(sim.received)
            snapshot = await adapter.poll()
            assert snapshot.ok, snapshot.error
            pages = [r for r in sim.received[before:] if r.path == "streamMgr/get_active_streams"]
            return sorted(s.id for s in snapshot.streams if s.state == "live"), len(pages)

        clock.advance(1)   # the simulator's guest stream goes live on its first step
        live, pages = await poll()
        whole = -(-len(live) // 20)
        assert len(live) == 301 and pages == whole == 16   # the first poll: every page
        clock.advance(2)
        again, pages = await poll()
        assert again == live and pages == 1            # the same count: the first page only
        last = "live/cam299"                           # a stream far from the first page ends
        del sim.streams[last]
        clock.advance(2)
        after, pages = await poll()
        assert last not in after and len(after) == 300 and pages == 15   # read whole at once
        clock.advance(2)
        assert (await poll())[1] == 1
        clock.advance(REST_EVERY_S)
        assert (await poll())[1] == 15                 # and whole again every REST_EVERY_S
        await adapter.close()
