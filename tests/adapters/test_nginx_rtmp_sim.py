"""nginx-rtmp against its simulator: the /stat XML of ngx_rtmp_stat_module.c and the
/control/drop of ngx_rtmp_control_module.c, over loopback HTTP. The same behaviour is checked
against a real nginx in test_nginx_rtmp_real.py."""

from __future__ import annotations

import pytest

from jobdeck.adapters.contract.model import ServiceConfig
from jobdeck.adapters.nginx_rtmp.adapter import NginxRtmpAdapter, parse_target
from jobdeck.adapters.nginx_rtmp.sim import RECONNECT_S, NginxRtmpSim, raw_args
from jobdeck.adapters.simulation.server import SimServer


@pytest.fixture
def edge(clock):
    sim = NginxRtmpSim(clock=clock)
    with SimServer(sim) as server:
        adapter = NginxRtmpAdapter(ServiceConfig(name="edge-rtmp", kind="nginx-rtmp",
                                                 base_url=server.base_url))
        yield sim, adapter


def drops(sim):
    return [r for r in sim.received if r.path.startswith("drop/")]


async def test_two_server_blocks_carry_their_index_in_stream_ids(edge):
    _sim, adapter = edge
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    by_id = {s.id: s for s in snapshot.streams}
    assert set(by_id) == {"0:live/cam1", "0:live/lobby", "1:show/stage"}
    assert by_id["1:show/stage"].details["server"] == 1
    assert by_id["0:live/cam1"].codec == "H264/AAC" and by_id["0:live/cam1"].viewers == 3
    await adapter.close()


async def test_one_server_block_keeps_plain_app_stream_ids(clock):
    sim = NginxRtmpSim(clock=clock, servers=1)
    with SimServer(sim) as server:
        adapter = NginxRtmpAdapter(ServiceConfig(name="e", kind="nginx-rtmp",
                                                 base_url=server.base_url))
        assert {s.id for s in (await adapter.poll()).streams} == {"live/cam1", "live/lobby"}
        assert (await adapter.perform("close_stream", ["live/cam1"])).ok
        assert drops(sim)[0].body == {"srv": "0", "app": "live", "name": "cam1"}
        await adapter.close()


async def test_players_waiting_with_no_publisher_are_idle_not_live(edge):
    _sim, adapter = edge
    lobby = next(s for s in (await adapter.poll()).streams if s.id == "0:live/lobby")
    assert lobby.state == "idle" and lobby.viewers == 2 and lobby.actions == ()
    assert lobby.bitrate_kbps is None
    await adapter.close()


async def test_close_and_kick_send_srv_and_act_on_that_server_only(edge, clock):
    sim, adapter = edge
    await adapter.poll()
    result = await adapter.perform("close_stream", ["1:show/stage"])
    assert result.ok and result.message == "1:show/stage: 1 session dropped"
    assert drops(sim)[0].path == "drop/publisher"
    assert drops(sim)[0].body == {"srv": "1", "app": "show", "name": "stage"}
    streams = {s.id: s for s in (await adapter.poll()).streams}
    assert streams["1:show/stage"].state == "idle" and streams["0:live/cam1"].state == "live"
    clock.advance(RECONNECT_S + 1)   # the encoder publishes again
    assert next(s for s in (await adapter.poll()).streams
                if s.id == "1:show/stage").state == "live"
    viewer = next(v for v in await adapter.viewers("0:live/cam1") if v.format == "rtmp player")
    kicked = await adapter.perform("kick", [f"0:live/cam1/{viewer.id}"])
    assert kicked.ok and drops(sim)[-1].body == {"srv": "0", "app": "live", "name": "cam1",
                                                  "clientid": viewer.id}
    assert drops(sim)[-1].path == "drop/subscriber"   # players only, as the real module has
    assert next(s for s in (await adapter.poll()).streams if s.id == "0:live/cam1").viewers == 2
    await adapter.close()


async def test_a_kick_never_drops_the_publisher(edge):
    """drop/subscriber skips the publishing session (ngx_rtmp_control_walk_session): the
    publisher's id kicks nobody, and the viewers list shows the publisher apart."""
    _sim, adapter = edge
    viewers = await adapter.viewers("0:live/cam1")
    publisher = next(v for v in viewers if v.publisher)
    assert sum(not v.publisher for v in viewers) == 3 == next(
        s for s in (await adapter.poll()).streams if s.id == "0:live/cam1").viewers
    refused = await adapter.perform("kick", [f"0:live/cam1/{publisher.id}"])
    assert not refused.ok and "nothing is playing" in refused.message
    assert next(s for s in (await adapter.poll()).streams if s.id == "0:live/cam1").state == "live"
    await adapter.close()


async def test_names_are_sent_byte_for_byte_as_nginx_compares_them(edge):
    """ngx_http_arg gives the argument as written: a stream literally named x%26y is matched by
    name=x%26y, and would be missed if the name were percent-encoded again."""
    sim, adapter = edge
    sim.add_stream(0, "live", "x%26y")
    assert (await adapter.perform("close_stream", ["0:live/x%26y"])).ok
    assert drops(sim)[0].body["name"] == "x%26y"
    sim.add_stream(0, "live", "a b")
    refused = await adapter.perform("close_stream", ["0:live/a b"])
    assert not refused.ok and "byte for byte" in refused.message
    assert len(drops(sim)) == 1   # never sent
    await adapter.close()


async def test_a_server_index_out_of_range_is_nginxs_500(edge):
    _sim, adapter = edge
    result = await adapter.perform("close_stream", ["7:live/cam1"])
    assert not result.ok and "HTTP 500" in result.message
    await adapter.close()


async def test_nothing_dropped_is_a_refusal_not_a_success(edge):
    _sim, adapter = edge
    result = await adapter.perform("close_stream", ["0:live/lobby"])
    assert not result.ok and "nothing is publishing" in result.message
    await adapter.close()


def test_target_and_argument_parsing():
    assert parse_target("live/cam1") == (0, "live", "cam1", None)
    assert parse_target("1:show/a/b") == (1, "show", "a/b", None)
    assert parse_target("1:show/stage/42", with_client=True) == (1, "show", "stage", "42")
    assert raw_args("app=live&name=x%26y&srv=1") == {"app": "live", "name": "x%26y", "srv": "1"}
