"""The Renderbus adapter against its simulator over real HTTP on 127.0.0.1, on both interface
generations: the spec's 1.0.0 and the 2.0.0 of the official SDK (renderbus/rayvision_api,
url.py after its "version 2.0.0" update), found by `api_version = "auto"` from an HTTP 404.
"""

from __future__ import annotations

import httpx
import pytest

from jobdeck.adapters.renderbus.adapter import RenderbusAdapter
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimResponse, SimServer
from tests.support.clock import FIXED_EPOCH
from tests.support.renderbus import service_config

V1 = {"stop": "task/stopTask", "resume": "task/startTask", "abandon": "task/abortTask",
      "delete": "task/deleteTask", "full_speed": "task/fullSpeed",
      "retry_failed": "task/restartFailedFrames", "retry_frames": "task/restartFrame",
      "set_timeout": "task/setOverTimeStop", "list": "task/getTaskList",
      "profile": "user/queryUserProfile"}
# rayvision_api/url.py (2.0.0), relative to /api/
V2 = {"stop": "rendering/task/renderingTask/stopTask",
      "resume": "rendering/task/renderingTask/startTask",
      "abandon": "render/handle/abandonTask", "delete": "render/handle/deleteTask",
      "full_speed": "render/handle/fullSpeedRendering",
      "retry_failed": "render/handle/recommitTasks",
      "retry_frames": "render/handle/recommitTaskFrames",
      "set_timeout": "render/handle/setTaskOverTimeStop", "list": "render/handle/getTaskList",
      "profile": "render/setUp/queryUserProfile"}
PATHS = {"1.0.0": V1, "2.0.0": V2}


@pytest.fixture(params=["1.0.0", "2.0.0"])
def generation(request) -> str:
    return request.param


@pytest.fixture
def sim(clock, generation) -> RenderbusSim:
    return RenderbusSim(clock=clock, epoch=FIXED_EPOCH, generation=generation)


def calls(sim, endpoint):
    """What the service acted on: a call refused for the clock (610, the first of a client
    that has not yet learnt the simulator's calendar) is sent again and counted once."""
    return [r for r in sim.received if r.path == endpoint and r.answered != 610]


async def test_poll_reads_every_page_and_builds_the_tree(adapter, sim, generation):
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert snapshot.api_version == generation
    pages = [r.body["pageNum"] for r in calls(sim, PATHS[generation]["list"])]
    tops = [t for t in sim.tasks.values() if t.parent is None]
    assert pages == list(range(1, -(-len(tops) // 4) + 1))  # page_size=4: every page, once
    assert [t.id for t in snapshot.tasks] == [str(t.id) for t in
                                              sorted(tops, key=lambda t: t.id, reverse=True)]
    parent = snapshot.find_task("18360")
    assert [c.id for c in parent.children] == ["18361", "18362", "18363"]
    assert parent.status == "running"
    assert snapshot.account.name == "rayvision" and snapshot.account.balance == 1250.40
    assert snapshot.warnings == []
    await adapter.close()


async def test_the_balance_is_read_now_and_then_and_after_an_action(adapter, sim, generation):
    profile = PATHS[generation]["profile"]
    for _ in range(3):
        assert (await adapter.poll()).account.balance == 1250.40
    assert len(calls(sim, profile)) == 1 and len(calls(sim, PATHS[generation]["list"])) > 3
    sim.balance = 99.5
    await adapter.perform("stop", ["18360"])
    assert (await adapter.poll()).account.balance == 99.5
    assert len(calls(sim, profile)) == 2
    await adapter.close()


async def test_auto_finds_the_2_0_0_generation_from_a_404_and_keeps_it(sim, server, generation):
    adapter = RenderbusAdapter(service_config(sim, server.base_url, api_version="auto"))
    first = await adapter.poll()
    assert first.ok and first.api_version == generation
    misses = [r for r in sim.received if r.answered == 404]
    # a 2.0.0 server answers the spec's paths with a 404: only the first poll's two reads (run
    # side by side) meet one; after that the generation is known and no more 404s come
    assert (1 <= len(misses) <= 2) if generation == "2.0.0" else not misses
    second = await adapter.poll()
    assert second.ok and len([r for r in sim.received if r.answered == 404]) == len(misses)
    assert (await adapter.perform("stop", ["19088"])).ok
    assert len([r for r in sim.received if r.answered == 404]) == len(misses)
    await adapter.close()


async def test_a_pinned_generation_that_the_server_lacks_says_so(sim, server, generation):
    other = "1.0.0" if generation == "2.0.0" else "2.0.0"
    adapter = RenderbusAdapter(service_config(sim, server.base_url, api_version=other))
    snapshot = await adapter.poll()
    assert not snapshot.ok and "404" in snapshot.error and "api_version" in snapshot.error
    await adapter.close()


async def test_progress_advances_as_simulated_time_passes(adapter, clock):
    before = (await adapter.poll()).find_task("19088").frames.done
    clock.advance(30)
    after = (await adapter.poll()).find_task("19088").frames.done
    assert after > before
    await adapter.close()


async def test_block_grid_and_frames_of_one_task(adapter):
    grid = await adapter.blocks("19088")
    assert len(grid.rows) == 17 and all(len(row) == 4 for row in grid.rows)
    assert grid.counts()["done"] == 30 and grid.counts()["running"] == 4
    frames = await adapter.frames("18380")  # 240 records across 60 pages of 4
    assert len(frames) == 240 and len({f.id for f in frames}) == 240
    assert all(f.status in ("done", "waiting", "running", "failed", "stopped") for f in frames)
    await adapter.close()


@pytest.mark.parametrize(("action", "targets", "ids"), [
    ("stop", ["19088", "18380"], [19088, 18380]),
    ("resume", ["18278"], [18278]),
    ("abandon", ["18278"], [18278]),
    ("delete", ["18320"], [18320]),
    ("retry_failed", ["18330"], [18330]),
])
async def test_id_list_actions_send_task_ids_and_task_param_once(adapter, sim, generation,
                                                                 action, targets, ids):
    # rayvision_api operators/task.py TASK_PARAM = "taskIds"; the spec prints "taskParam"
    result = await adapter.perform(action, targets)
    assert result.ok, result.message
    assert [r.body for r in calls(sim, PATHS[generation][action])] == [
        {"taskIds": ids, "taskParam": ids}]
    await adapter.close()


async def test_the_simulator_reads_task_ids_not_the_specs_task_param(sim, server):
    """What the live service does: an id list under taskParam alone is not enough."""
    adapter = RenderbusAdapter(service_config(sim, server.base_url))
    with pytest.raises(Exception) as refused:
        await adapter.client.call("stop", {"taskParam": [19088]}, idempotent=False)
    assert "taskIds" in str(refused.value)
    await adapter.close()


async def test_full_speed_and_its_effect(adapter, sim, generation):
    assert (await adapter.perform("full_speed", ["18310"])).ok
    assert [r.body for r in calls(sim, PATHS[generation]["full_speed"])] == [{"taskIds": [18310]}]
    assert (await adapter.poll()).find_task("18310").status == "running"
    await adapter.close()


async def test_action_effects_are_visible_on_the_next_poll(adapter):
    await adapter.perform("stop", ["19088"])
    await adapter.perform("full_speed", ["18310"])
    await adapter.perform("delete", ["18320"])
    await adapter.perform("retry_failed", ["18330"])
    snapshot = await adapter.poll()
    assert snapshot.find_task("19088").status == "stopped"
    assert snapshot.find_task("18310").status == "running"
    assert snapshot.find_task("18320") is None
    assert snapshot.find_task("18330").status == "running"
    assert snapshot.find_task("18330").frames.failed == 0
    await adapter.close()


async def test_retry_frames_and_set_timeout_send_their_params(adapter, sim, generation):
    frame_ids = [int(f.id) for f in (await adapter.frames("18340"))[:2]]
    result = await adapter.perform("retry_frames", ["18340"],
                                   {"frames": ",".join(map(str, frame_ids))})
    assert result.ok, result.message
    sent = calls(sim, PATHS[generation]["retry_frames"])
    if generation == "1.0.0":   # the spec's restartFrame
        assert sent[0].body == {"taskIds": 18340, "selectAll": 0, "ids": frame_ids}
    else:                       # rayvision_api query.py restart_frame -> recommitTaskFrames
        assert sent[0].body == {"taskId": 18340, "selectAll": 0, "ids": frame_ids}
    result = await adapter.perform("retry_frames", ["18320"], {"all": "1"})
    assert result.ok and calls(sim, PATHS[generation]["retry_frames"])[1].body["selectAll"] == 1
    result = await adapter.perform("set_timeout", ["18301"], {"seconds": "1800"})
    assert result.ok
    assert calls(sim, PATHS[generation]["set_timeout"])[0].body == {"taskIds": [18301],
                                                                   "overTime": 1800}
    assert sim.tasks[18301].over_time == 1_800_000
    await adapter.close()


async def test_a_refused_action_carries_the_service_message(adapter):
    result = await adapter.perform("delete", ["19088"])  # still rendering
    assert not result.ok and result.code == 600 and result.outcome == "refused"
    assert "stop or abandon it before deleting" in result.message
    missing = await adapter.perform("retry_frames", ["18340"])
    assert not missing.ok and "--param frames" in missing.message
    await adapter.close()


async def test_probe_names_the_accounts_platforms_when_the_configured_one_is_not_there(
        sim, server):
    sim.platforms = {4: "query_platform_w4", 5: "query_platform_w5"}
    adapter = RenderbusAdapter(service_config(sim, server.base_url))   # platform 2
    lines = await adapter.probe()
    assert lines[0].startswith("! platform 2 is not one of this account's platforms")
    assert "4 (query_platform_w4)" in lines[0] and "5 (query_platform_w5)" in lines[0]
    assert [r.body for r in sim.received if r.path.endswith("queryPlatforms")] == [{"zone": 2}]
    sim.platforms = {2: "query_platform_w2"}
    assert not any(line.startswith("!") for line in await adapter.probe())
    await adapter.close()


async def test_wrong_access_key_is_611_with_advice_and_never_leaks_the_key(sim, server):
    config = service_config(sim, server.base_url)
    config.secrets["access_key"] = "wrong-key-9f8e7d6c"
    adapter = RenderbusAdapter(config)
    snapshot = await adapter.poll()
    assert not snapshot.ok
    assert "611" in snapshot.error and "access_key" in snapshot.error
    assert "wrong-key-9f8e7d6c" not in snapshot.error
    await adapter.close()


async def test_skewed_clock_is_corrected_from_server_time(sim, server):
    adapter = RenderbusAdapter(service_config(sim, server.base_url))
    adapter.client.clock = lambda: 1_000_000.0  # decades behind the service
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert any(r.answered == 610 for r in sim.received)  # refused once, then learnt the offset
    await adapter.close()


async def test_an_unreachable_service_goes_stale_keeping_its_last_tasks(sim, server):
    adapter = RenderbusAdapter(service_config(sim, server.base_url))
    adapter.http.backoff = (0.0,)
    good = await adapter.poll()
    server.stop()
    stale = await adapter.poll()
    assert not stale.ok and stale.error.startswith("unreachable")
    assert [t.id for t in stale.tasks] == [t.id for t in good.tasks]
    await adapter.close()


async def test_reads_retry_5xx_but_actions_are_sent_once(sim, server):
    adapter = RenderbusAdapter(service_config(sim, server.base_url))
    adapter.http.backoff = (0.0,)
    sim.outage = (10.0, 10.0)  # always down: every answer is 503
    hits: list[str] = []
    handle = sim.handle

    def count_handle(request):
        hits.append(request.path.rsplit("/", 1)[-1])
        return handle(request)

    sim.handle = count_handle
    snapshot = await adapter.poll()
    assert not snapshot.ok and "503" in snapshot.error
    assert max(hits.count(p) for p in set(hits)) == 3  # the read that failed tried three times
    hits.clear()
    result = await adapter.perform("stop", ["19088"])
    assert not result.ok and hits.count("stopTask") == 1  # an action is never retried
    await adapter.close()


async def test_a_read_tried_again_is_signed_again_with_a_new_nonce(sim, server, monkeypatch):
    """The service took the first request (its nonce is spent) and the answer was lost on the
    way (a 502 from a proxy): the read that goes again must not reuse the nonce."""
    adapter = RenderbusAdapter(service_config(sim, server.base_url))
    adapter.http.backoff = (0.0,)
    route, nonces = sim.route, []

    def answer_lost_once(request):
        response = route(request)
        nonces.append(request.header("nonce"))
        if len(nonces) == 1:
            return SimResponse(502, b"Bad Gateway", {"Content-Type": "text/plain"})
        return response
    monkeypatch.setattr(sim, "route", answer_lost_once)
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert len(nonces) > 2 and len(set(nonces)) == len(nonces)
    await adapter.close()


async def test_a_reply_of_the_wrong_shape_marks_the_service_failed_not_the_console():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 200, "data": {"items": "not-a-list",
                                                               "pageCount": 1}})
    from jobdeck.adapters.contract.model import ServiceConfig
    config = ServiceConfig(name="odd", kind="renderbus", base_url="http://odd.test",
                           options={"access_id": "a"}, secrets={"access_key": "k" * 8})
    adapter = RenderbusAdapter(config, transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    assert not snapshot.ok and "items is not a list" in snapshot.error
    await adapter.close()


async def test_simulator_refuses_a_timestamp_outside_its_window(sim, server):
    adapter = RenderbusAdapter(service_config(sim, server.base_url))
    adapter.client.clock = lambda: 2_000_000_000.0
    adapter.client._learn_clock = lambda _ms: None  # a client that never corrects its clock
    snapshot = await adapter.poll()
    assert not snapshot.ok and "610" in snapshot.error
    await adapter.close()


def test_simulator_refuses_a_replayed_request(sim, server, generation):
    adapter = RenderbusAdapter(service_config(sim, server.base_url, api_version=generation))
    adapter.client.clock = lambda: sim.now_ms() / 1000   # in step with the simulator's calendar
    path = adapter.client.path("stop")
    body = {"taskIds": [19088], "taskParam": [19088]}
    headers = adapter.client._headers(path, body)
    with httpx.Client(base_url=server.base_url) as http:
        first = http.post(path, json=body, headers=headers).json()
        again = http.post(path, json=body, headers=headers).json()
    assert first["code"] == 200
    assert again["code"] == 603 and again["result"] is False


def test_demo_runs_one_farm_on_each_generation():
    from jobdeck.adapters.renderbus.sim import demo
    farms = demo()
    assert sorted(f.generation for f in farms.values()) == ["1.0.0", "2.0.0"]


async def test_a_2_0_0_farm_serves_the_demo_console_end_to_end(clock):
    sim = RenderbusSim(clock=clock, epoch=FIXED_EPOCH, generation="2.0.0")
    with SimServer(sim) as server:
        adapter = RenderbusAdapter(service_config(sim, server.base_url))
        assert (await adapter.poll()).api_version == "2.0.0"
        assert (await adapter.blocks("19088")).rows
        assert (await adapter.perform("abandon", ["18278"])).ok
        assert (await adapter.poll()).find_task("18278").status == "abandoned"
        await adapter.close()
