"""The Renderbus adapter against its simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest
from jobdeck.adapters.renderbus.adapter import RenderbusAdapter

from .conftest import service_config


def calls(sim, endpoint):
    return [r for r in sim.received if r.path == endpoint]


async def test_poll_reads_every_page_and_builds_the_tree(adapter, sim):
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    pages = [r.body["pageNum"] for r in calls(sim, "task/getTaskList")]
    tops = [t for t in sim.tasks.values() if t.parent is None]
    assert pages == list(range(1, -(-len(tops) // 4) + 1))  # page_size=4: every page, once
    assert [t.id for t in snapshot.tasks] == [str(t.id) for t in
                                              sorted(tops, key=lambda t: t.id, reverse=True)]
    parent = snapshot.find_task("18360")
    assert [c.id for c in parent.children] == ["18361", "18362", "18363"]
    assert parent.status == "running"
    assert snapshot.account.name == "rayvision" and snapshot.account.balance == 1250.40
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
    assert len(frames) == 240 and len({f["id"] for f in frames}) == 240
    await adapter.close()


@pytest.mark.parametrize(("action", "targets", "endpoint", "body"), [
    ("stop", ["19088", "18380"], "task/stopTask", {"taskParam": [19088, 18380]}),
    ("resume", ["18278"], "task/startTask", {"taskParam": [18278]}),
    ("abandon", ["18278"], "task/abortTask", {"taskParam": [18278]}),
    ("delete", ["18320"], "task/deleteTask", {"taskParam": [18320]}),
    ("full_speed", ["18310"], "task/fullSpeed", {"taskIds": [18310]}),
    ("retry_failed", ["18330"], "task/restartFailedFrames", {"taskParam": [18330]}),
])
async def test_each_action_sends_the_spec_body_once(adapter, sim, action, targets, endpoint, body):
    result = await adapter.perform(action, targets)
    assert result.ok, result.message
    sent = calls(sim, endpoint)
    assert [r.body for r in sent] == [body]
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


async def test_retry_frames_and_set_timeout_send_their_params(adapter, sim):
    frame_ids = [int(f["id"]) for f in (await adapter.frames("18340"))[:2]]
    result = await adapter.perform("retry_frames", ["18340"],
                                   {"frames": ",".join(map(str, frame_ids))})
    assert result.ok, result.message
    assert calls(sim, "task/restartFrame")[0].body == {"taskIds": 18340, "selectAll": 0,
                                                       "ids": frame_ids}
    result = await adapter.perform("retry_frames", ["18320"], {"all": "1"})
    assert result.ok and calls(sim, "task/restartFrame")[1].body["selectAll"] == 1
    result = await adapter.perform("set_timeout", ["18301"], {"seconds": "1800"})
    assert result.ok
    assert calls(sim, "task/setOverTimeStop")[0].body == {"taskIds": [18301], "overTime": 1800}
    assert sim.tasks[18301].over_time == 1_800_000
    await adapter.close()


async def test_a_refused_action_carries_the_service_message(adapter):
    result = await adapter.perform("delete", ["19088"])  # still rendering
    assert not result.ok and result.code == 600
    assert "stop or abandon it before deleting" in result.message
    missing = await adapter.perform("retry_frames", ["18340"])
    assert not missing.ok and "--param frames" in missing.message
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


async def test_a_reply_of_the_wrong_shape_marks_the_service_failed_not_the_console():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 200, "data": {"items": "not-a-list",
                                                               "pageCount": 1}})
    from jobdeck.adapters.config import ServiceConfig
    config = ServiceConfig(name="odd", kind="renderbus", base_url="http://odd.test",
                           options={"access_id": "a"}, secrets={"access_key": "k" * 8})
    adapter = RenderbusAdapter(config, transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    assert not snapshot.ok and snapshot.error.startswith("unexpected reply")
    await adapter.close()


async def test_simulator_refuses_a_timestamp_outside_its_window(sim, server):
    adapter = RenderbusAdapter(service_config(sim, server.base_url))
    adapter.client.clock = lambda: 2_000_000_000.0
    adapter.client._learn_clock = lambda _ms: None  # a client that never corrects its clock
    snapshot = await adapter.poll()
    assert not snapshot.ok and "610" in snapshot.error
    await adapter.close()


def test_simulator_refuses_a_replayed_request(sim, server):
    adapter = RenderbusAdapter(service_config(sim, server.base_url))
    body = {"taskParam": [19088]}
    headers = adapter.client._headers("/api/render/task/stopTask", body)
    with httpx.Client(base_url=server.base_url) as http:
        first = http.post("/api/render/task/stopTask", json=body, headers=headers).json()
        again = http.post("/api/render/task/stopTask", json=body, headers=headers).json()
    assert first["code"] == 200
    assert again["code"] == 603 and again["result"] is False
