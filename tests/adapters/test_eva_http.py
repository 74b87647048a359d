"""EVA against its simulator over real HTTP: MD5 signatures, clock offset, tracking, submit."""

from __future__ import annotations

import json

import pytest

from jobdeck.adapters.contract.model import ServiceConfig, ServiceError
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.eva.adapter import EvaAdapter
from jobdeck.adapters.eva.signing import sign
from jobdeck.adapters.eva.sim import EvaSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FrozenClock


def test_signature_reproduces_the_spec_example():
    params = {"url": "http://my.test/my.jpg", "api_key": "my_api_key", "timestamp": 123456}
    assert sign(params, "my_api_secret") == "be83843c50dbfe8211256694c1cc5c58"
    assert sign({**params, "sign": "x", "file": "y"}, "my_api_secret") == \
        "be83843c50dbfe8211256694c1cc5c58"


@pytest.fixture
def eva(clock: FrozenClock):
    sim = EvaSim(clock=clock)
    with SimServer(sim) as server:
        yield sim, server


def adapter_for(sim: EvaSim, server: SimServer, tmp_path, **changes) -> EvaAdapter:
    entry = sim.service_entry("promo", server.base_url)
    config = ServiceConfig(name="promo", kind="eva", base_url=server.base_url,
                           options={"api_key": entry["api_key"], "track": entry["track"]},
                           secrets={"api_secret": entry["api_secret"]})
    config.options.update(changes)
    return EvaAdapter(config, state=StateStore(tmp_path / "state"))


async def test_tracked_tasks_map_running_done_and_failed(eva, clock, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path)
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    by_id = {t.id: t for t in snapshot.tasks}
    assert by_id["GfNE_AXLj0CHizT_9UDVp"].status == "done"
    assert by_id["GfNE_AXLj0CHizT_9UDVp"].output_url == \
        "http://file.eva.sim/GfNE_AXLj0CHizT_9UDVp.mp4"
    # "render_time": 48 // 渲染耗时, no unit in the spec: none is invented
    assert by_id["GfNE_AXLj0CHizT_9UDVp"].details == {"render_time": "48"}
    assert by_id["Kq3v_promo_summer_01"].status == "running"
    clock.advance(10)
    snapshot = await adapter.poll()
    failed = next(t for t in snapshot.tasks if t.id == "Tt0b_broken_template")
    assert failed.status == "failed" and failed.error.startswith("4340 template resource")
    await adapter.close()


async def test_finished_tasks_are_not_polled_again(eva, clock, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path)
    await adapter.poll()
    sim.received.clear()
    await adapter.poll()
    polled = [r.body["task_id"] for r in sim.received if r.path == "/v1/render/task"]
    assert "GfNE_AXLj0CHizT_9UDVp" not in polled
    assert "Kq3v_promo_summer_01" in polled
    await adapter.close()


async def test_a_skewed_local_clock_is_corrected_from_timestamp(eva, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path)
    adapter.client.clock = lambda: 1_000.0  # decades behind
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    stamps = [int(r.body["timestamp"]) for r in sim.received if r.path == "/v1/render/task"]
    assert stamps and all(abs(s - sim.wall()) <= 2 for s in stamps)
    await adapter.close()


async def test_a_timestamp_outside_the_60_seconds_is_refused_then_the_clock_taken_again(
        eva, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path)
    adapter.client.clock = lambda: 1_000.0
    adapter.client._synced_at = 1_000.0  # pretend we synced: offset 0
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert any(r.answered == 4000 for r in sim.received)     # refused once for the clock
    assert [r.path for r in sim.received].count("timestamp") >= 1   # then synced again
    await adapter.close()


async def test_a_wrong_secret_is_4003_and_is_never_shown(eva, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path)
    adapter.client._secret = "not-the-secret-xyz"
    adapter.redact.add("not-the-secret-xyz")
    snapshot = await adapter.poll()
    assert not snapshot.ok and "4003" in snapshot.error and "api_secret" in snapshot.error
    assert "not-the-secret-xyz" not in snapshot.error
    await adapter.close()


async def test_submit_uploads_assets_renders_and_tracks_the_new_task(eva, clock, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path)
    picture = tmp_path / "cover.jpg"
    picture.write_bytes(b"\xff\xd8jpeg")
    task_id = (await adapter.submit({
        "template": 123, "asset": ["image_1={file:0}", "text_1=Summer sale"],
        "file": [str(picture)], "args": {"scale": 0.5}, "label": "summer promo"})).task_id
    assert sim.assets["cover.jpg"] == b"\xff\xd8jpeg"
    render = next(r for r in sim.received if r.path == "/v1/render")
    assert render.body["assets"] == ('[{"id":"image_1","value":"http://file.eva.sim/cover.jpg"},'
                                     '{"id":"text_1","value":"Summer sale"}]')
    assert render.body["args"] == '{"scale":0.5}'
    snapshot = await adapter.poll()
    task = next(t for t in snapshot.tasks if t.id == task_id)
    assert task.name == "summer promo" and task.status == "running"
    clock.advance(120)
    task = next(t for t in (await adapter.poll()).tasks if t.id == task_id)
    assert task.status == "done"
    await adapter.close()


async def test_submit_errors_are_the_services_words(eva, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path)
    from jobdeck.adapters.contract.model import ServiceError
    with pytest.raises(ServiceError, match="4305 template not found"):
        await adapter.submit({"template": 999, "asset": ["image_1=http://x/y.jpg"]})
    with pytest.raises(ServiceError, match="4304"):
        await adapter.submit({"template": 123, "asset": ["bogus=x"]})
    await adapter.close()


async def test_untrack_stops_watching(eva, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path, track=[])
    adapter.track(["Kq3v_promo_summer_01", "Zr8x_logo_reveal_222"])
    result = await adapter.perform("untrack", ["Kq3v_promo_summer_01"])
    assert result.ok
    assert [t.id for t in (await adapter.poll()).tasks] == ["Zr8x_logo_reveal_222"]
    await adapter.close()


async def test_a_dynamic_render_goes_to_render_dynamic_with_url_assets(eva, tmp_path):
    sim, server = eva
    adapter = adapter_for(sim, server, tmp_path)
    result = await adapter.submit({"template": 123, "dynamic": True,
                                   "asset": ["=http://my.test/my.jpg"],
                                   "args": {"bgm_path": "http://my.test/bgm.mp3"}})
    render = [r for r in sim.received if r.path == "/v1/render/dynamic"]
    assert len(render) == 1 and render[0].answered == 200
    assert json.loads(render[0].body["assets"]) == [{"value": "http://my.test/my.jpg"}]
    assert json.loads(render[0].body["args"]) == {"bgm_path": "http://my.test/bgm.mp3"}
    assert not [r for r in sim.received if r.path == "/v1/render"]
    assert sim.renders[result.task_id].dynamic and result.task_id in adapter.tracked_ids()
    with pytest.raises(ServiceError, match="4009"):   # dynamic assets are files, not texts
        await adapter.submit({"template": 123, "dynamic": True, "asset": ["text_1=Hello"]})
    await adapter.close()
