"""Renderbus frames over real HTTP on both generations: every frame record with its id (paged),
frames resubmitted from the block grid's blocks (joined to queryTaskFrames' ids), what the
service says about a failed task's or frame's error code (read once per code, kept), and the
farm's frame totals (queryAllFrameStats, at most every history_every or when asked)."""

from __future__ import annotations

import pytest

from jobdeck.adapters.renderbus import sim as sim_module
from jobdeck.adapters.renderbus.adapter import frame_key
from jobdeck.adapters.renderbus.sim import Refused, RenderbusSim
from tests.support.clock import FIXED_EPOCH

FRAMES = {"1.0.0": "task/queryTaskFrames", "2.0.0": "render/handle/queryTaskFrames"}
RETRY = {"1.0.0": "task/restartFrame", "2.0.0": "render/handle/recommitTaskFrames"}
# the spec's queryErrorDetail; rayvision_api/url.py (2.0.0) queryAnalyseErrorDetail
EXPLAIN = {"1.0.0": "common/queryErrorDetail", "2.0.0": "render/submit/queryAnalyseErrorDetail"}
TOTALS = {"1.0.0": "task/queryAllFrameStats", "2.0.0": "render/handle/queryAllFrameStats"}


@pytest.fixture(params=["1.0.0", "2.0.0"])
def generation(request) -> str:
    return request.param


@pytest.fixture
def sim(clock, generation) -> RenderbusSim:
    farm = RenderbusSim(clock=clock, epoch=FIXED_EPOCH, generation=generation)
    # a finished task of 3 frames in 2 blocks each: 4 blocks done, 2 failed
    farm.add_task(20001, "bridge.max", 30, frames=3, blocks=2, done=4, failed=2)
    return farm


def calls(sim, endpoint):
    """What the service took (a first request refused for the clock, 610, is not counted)."""
    return [r for r in sim.received if r.path == endpoint and r.answered != 610]


async def test_frames_come_with_their_ids_from_every_page(adapter, sim, generation):
    frames = await adapter.frames("20001")
    assert [f.id for f in frames] == [str(u.id) for u in sim.tasks[20001].frames]
    pages = [r.body["pageNum"] for r in calls(sim, FRAMES[generation])]
    assert sorted(pages) == [1, 2] and all(r.body["pageSize"] == 4
                                           for r in calls(sim, FRAMES[generation]))
    assert [(f.frame, f.block, f.status) for f in frames][:2] == [("0-1", "1", "done"),
                                                                 ("0-2", "2", "done")]
    assert frames[4].raw_status == "5" and frames[4].status == "failed"
    as_json = frames[0].to_json()
    assert set(as_json) >= {"id", "index", "block", "status", "started_at", "used_s", "cost"}
    await adapter.close()


def test_a_block_of_the_grid_and_a_frame_record_name_the_same_frame():
    assert frame_key("0-1", "1") == frame_key("0", "1") == ("0", "1")   # the spec's example
    assert frame_key("12", "1") == ("12", "1")
    assert frame_key("2-4[1]", "") == ("2-4", "1")                      # 2.0.0 docs
    assert frame_key("1", "") == ("1", "")
    assert frame_key("7-12", "2") == ("7-12", "2")


async def test_blocks_of_the_grid_are_resubmitted_by_their_frame_ids(adapter, sim, generation,
                                                                     clock):
    grid = await adapter.blocks("20001")
    failed = [b for row in grid.rows for b in row if b.status == "failed"]
    assert len(failed) == 2
    result = await adapter.perform("retry_frames", ["20001"], {
        "blocks": ",".join(f"{b.index}:{b.block}" for b in failed)})
    assert result.ok, result.message
    units = sim.tasks[20001].frames
    expected = [u.id for u in units if (str(u.frame), str(u.block)) in
                {(b.index, b.block) for b in failed}]
    sent = calls(sim, RETRY[generation])
    key = "taskIds" if generation == "1.0.0" else "taskId"
    assert [r.body for r in sent] == [{key: 20001, "selectAll": 0, "ids": expected}]
    # the service takes them back: waiting, then rendering, then done
    assert {u.status for u in units if u.id in expected} <= {1, 2}
    assert sim.tasks[20001].status == 5
    clock.advance(60)
    sim.advance(clock())
    clock.advance(60)
    sim.advance(clock())
    assert {u.status for u in units if u.id in expected} == {4}
    assert sim.tasks[20001].status == 25
    await adapter.close()


async def test_a_block_with_no_frame_record_is_refused_and_nothing_is_sent(adapter, sim,
                                                                          generation):
    result = await adapter.perform("retry_frames", ["20001"], {"blocks": "0:1,9:9"})
    assert not result.ok and "9:9" in result.message and "nothing was resubmitted" in \
        result.message
    assert calls(sim, RETRY[generation]) == []
    await adapter.close()


async def test_the_simulator_refuses_frame_ids_of_another_task(adapter, sim, generation):
    other = sim.tasks[18340].frames[0].id
    result = await adapter.perform("retry_frames", ["20001"], {"frames": str(other)})
    assert not result.ok and f"frame {other} is not in task 20001" in result.message
    assert all(u.status != 1 for u in sim.tasks[20001].frames)
    await adapter.close()


async def test_a_failed_tasks_code_is_explained_once_and_kept(adapter, sim, generation):
    first = await adapter.poll()
    assert first.ok and first.warnings == []
    broken = first.find_task("18340")
    assert broken.status == "failed" and broken.details["error_code"] == "15000"
    assert broken.to_json()["error_code"] == "15000"
    detail = first.error_codes["15000"]
    assert detail.description == "Starting 3ds max got stuck or failed"
    assert detail.link.startswith("http://note.youdao.com/") and detail.severity == "error"
    assert first.to_json()["error_codes"]["15000"]["solution"].startswith("1. Check")
    asked = calls(sim, EXPLAIN[generation])
    assert len(asked) == 1 and asked[0].body["language"] == "1"
    assert asked[0].body["code"] == (15000 if generation == "1.0.0" else "15000")
    await adapter.poll()
    frames = await adapter.frames("18340")     # the frames' code: the same one, kept
    assert {f.error_code for f in frames} == {"15000"}
    assert all(f.explained is detail for f in frames)
    assert frames[0].to_json()["error"]["code"] == "15000"
    assert len(calls(sim, EXPLAIN[generation])) == 1
    await adapter.close()


async def test_a_code_the_service_has_no_entry_for_is_read_once_too(adapter, sim, generation):
    sim.failure_code = 15999
    sim.add_task(20002, "unknown_error.max", 45, frames=2, failed=2)
    snapshot = await adapter.poll()
    assert snapshot.error_codes["15999"].known is False
    await adapter.poll()
    asked = [r for r in calls(sim, EXPLAIN[generation]) if str(r.body["code"]) == "15999"]
    assert len(asked) == 1
    await adapter.close()


async def test_the_codes_follow_the_tasks_that_carry_them(adapter, sim, generation):
    first = await adapter.poll()
    assert set(first.error_codes) == {"15000"}
    carriers = {t.id for top in first.tasks for t in top.walk() if "error_code" in t.details}
    assert "18340" in carriers
    sim.failure_code = 15999
    sim.add_task(20002, "unknown_error.max", 45, frames=2, failed=2)
    assert set((await adapter.poll()).error_codes) == {"15000", "15999"}
    for top in {int(t.id) for t in first.tasks if t.id in carriers}:
        sim.delete_task(top)   # every task that failed with 15000
    adapter.want_history()
    snapshot = await adapter.poll()
    assert snapshot.find_task("18340") is None and set(snapshot.error_codes) == {"15999"}
    await adapter.close()


async def test_an_explanation_that_cannot_be_read_is_a_warning_never_a_stale_service(
        adapter, sim, generation, monkeypatch):
    def refuse(sim, body):
        raise Refused(500, "internal_error")
    monkeypatch.setitem(sim_module.ENDPOINTS, "error_detail", refuse)
    now = [0.0]
    adapter.clock = lambda: now[0]
    snapshot = await adapter.poll()
    assert snapshot.ok and snapshot.error_codes is None
    assert any("error code 15000 could not be explained" in w for w in snapshot.warnings)
    assert (await adapter.frames("18340"))[0].explained is None   # unexplained, still listed
    now[0] += 10
    assert (await adapter.poll()).ok
    assert len(calls(sim, EXPLAIN[generation])) == 1   # not asked again for a minute
    monkeypatch.undo()
    now[0] += 60
    snapshot = await adapter.poll()
    assert snapshot.ok and snapshot.warnings == [] and "15000" in snapshot.error_codes
    await adapter.close()


async def test_farm_totals_are_read_at_most_every_history_every_or_when_asked(
        adapter, sim, generation):
    now = [0.0]
    adapter.clock = lambda: now[0]
    first = await adapter.poll()
    units = [u for t in sim.tasks.values() for u in t.frames]
    totals = first.frame_totals
    assert totals.total == len(units) and totals.failed == sum(u.status == 5 for u in units)
    assert first.to_json()["frame_totals"]["total"] == len(units)
    now[0] += 30
    assert (await adapter.poll()).frame_totals == totals
    assert len(calls(sim, TOTALS[generation])) == 1
    adapter.want_history()               # `r`: asked outright
    await adapter.poll()
    assert len(calls(sim, TOTALS[generation])) == 2
    adapter.want_history(60.0)           # a sort: not a reason to read the totals
    await adapter.poll()
    assert len(calls(sim, TOTALS[generation])) == 2
    now[0] += adapter.history_every
    await adapter.poll()
    assert len(calls(sim, TOTALS[generation])) == 3
    await adapter.close()


async def test_farm_totals_that_cannot_be_read_are_a_warning_and_the_last_ones_stand(
        adapter, sim, generation, monkeypatch):
    now = [0.0]
    adapter.clock = lambda: now[0]
    totals = (await adapter.poll()).frame_totals
    assert totals is not None

    def refuse(sim, body):
        raise Refused(500, "internal_error")
    monkeypatch.setitem(sim_module.ENDPOINTS, "frame_stats", refuse)
    adapter.want_history()
    snapshot = await adapter.poll()
    assert snapshot.ok and snapshot.frame_totals == totals
    assert any(w.startswith("queryAllFrameStats could not be read") for w in snapshot.warnings)
    monkeypatch.undo()
    now[0] += 30
    assert (await adapter.poll()).warnings == []   # tried again a minute later, not before
    assert len(calls(sim, TOTALS[generation])) == 2
    now[0] += 31
    await adapter.poll()
    assert len(calls(sim, TOTALS[generation])) == 3
    await adapter.close()


async def test_a_stuck_render_has_a_block_grid_without_estimates(adapter, sim):
    """A hung node's frames never move (the demo's stalled task): the grid is still read, and
    its running blocks carry no estimate of their own rather than a made-up one."""
    sim.add_task(20002, "hangar.max", 5, frames=4, stuck=True)
    grid = await adapter.blocks("20002")
    running = [b for row in grid.rows for b in row if b.status == "running"]
    assert running and all(b.eta_s is None for b in running)
    await adapter.close()


@pytest.mark.parametrize("missing", ["/api/render/task/queryAllFrameStats",
                                     "/api/render/common/queryErrorDetail"])
async def test_an_optional_read_missing_on_an_auto_service_does_not_move_it_to_2_0_0(
        clock, monkeypatch, missing):
    """A spec (1.0.0) service without the farm totals or the error codes: those reads warn;
    the service stays on the spec's paths, where its tasks are (a 404 there once moved the
    whole service to 2.0.0 for good, and every poll after failed)."""
    from jobdeck.adapters.renderbus.adapter import RenderbusAdapter
    from jobdeck.adapters.simulation.server import SimServer
    from tests.support.renderbus import service_config

    monkeypatch.delitem(sim_module.ROUTES["1.0.0"], missing)
    farm = RenderbusSim(clock=clock, epoch=FIXED_EPOCH)
    with SimServer(farm) as server:
        adapter = RenderbusAdapter(service_config(farm, server.base_url, api_version="auto"))
        first = await adapter.poll()
        assert first.ok and first.api_version == "1.0.0"
        assert any("HTTP 404" in w for w in first.warnings)
        adapter.want_history()
        again = await adapter.poll()
        assert again.ok and again.api_version == "1.0.0", again.error
        await adapter.close()
