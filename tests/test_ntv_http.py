"""NTV Media Server G3 against its simulator over real HTTP."""

from __future__ import annotations

import pytest
from jobdeck.adapters.config import ServiceConfig
from jobdeck.adapters.ntv.adapter import NtvAdapter
from jobdeck.adapters.ntv.client import login_hash, md5
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.simbase import SimServer

from .conftest import FrozenClock


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
    assert set(live) == {"live/live2", "live/大厅直播", "liveshow/jgdy", "show/board-room"}
    assert live["live/大厅直播"].viewers == len(sim.streams["live/大厅直播"].viewers)
    assert live["liveshow/jgdy"].recording and not live["live/live2"].recording
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
    assert all(v["client"].startswith("192.0.2.") and v["since"] for v in viewers)
    await adapter.close()


async def test_many_streams_are_read_across_string_numbered_pages(ntv):
    sim, server = ntv
    for n in range(45):
        sim.add_stream("bulk", f"cam{n:02d}")
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert len([s for s in snapshot.streams if s.app == "bulk"]) == 45
    pages = [r.body.get("pageno") for r in calls(sim, "streamMgr/get_active_streams")]
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
