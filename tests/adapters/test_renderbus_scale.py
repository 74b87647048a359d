"""A studio's account at real scale, counted at the simulator over HTTP: what a poll asks must
not grow with the account's history. The whole list is read at the first poll (to the page
cap, said in a warning) and then only every `history_every` seconds or when asked; in between
a poll asks for the active set, the newest page and, by id, a task that left the active set
elsewhere, on both interface generations."""

from __future__ import annotations

import math

import pytest

from jobdeck.adapters.contract.paging import MAX_PAGES
from jobdeck.adapters.core.oncall import ServiceWatch
from jobdeck.adapters.renderbus.adapter import RenderbusAdapter
from jobdeck.adapters.renderbus.sim import ENDPOINTS, Refused, RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FIXED_EPOCH
from tests.support.renderbus import service_config

DAY_MS = 86_400_000
ACTIVE = 20


@pytest.fixture(params=["1.0.0", "2.0.0"])
def generation(request) -> str:
    return request.param


def account(clock, generation: str, finished: int, *, newest_first: bool = True) -> RenderbusSim:
    sim = RenderbusSim(clock=clock, epoch=FIXED_EPOCH, scenario="empty", generation=generation,
                       newest_first=newest_first)
    sim.seed_scale(finished=finished, running=ACTIVE)
    return sim


def adapter_for(sim: RenderbusSim, server: SimServer, clock, **options) -> RenderbusAdapter:
    adapter = RenderbusAdapter(service_config(sim, server.base_url,
                                              api_version=sim.generation, **options))
    adapter.clock = clock
    return adapter


async def poll(adapter: RenderbusAdapter, sim: RenderbusSim):
    """One poll, and what the simulator received during it."""
    before = len(sim.received)
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    return snapshot, sim.received[before:]


def named(received, endpoint: str):
    """Calls of an endpoint, but for those refused for the clock (610: sent again once the
    client has learnt the simulator's calendar from serverTime)."""
    return [r for r in received if r.path.endswith(endpoint) and r.answered != 610]


def whole_list_pages(received) -> list[int]:
    """Pages of getTaskList asked for without a statusList: the history, or the newest page
    (several pages go at once: sorted)."""
    return sorted(r.body["pageNum"] for r in named(received, "getTaskList")
                  if "statusList" not in r.body)


async def test_a_poll_between_full_reads_asks_what_changes_not_the_history(clock, generation):
    sim = account(clock, generation, finished=20_000)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)
        first, sent = await poll(adapter, sim)
        # the start reads the whole list, to the cap, and says how much it could not read
        assert whole_list_pages(sent) == list(range(1, MAX_PAGES + 1))
        assert len(first.tasks) == MAX_PAGES * 100
        assert first.warnings[0].endswith(f"{20_000 + ACTIVE - MAX_PAGES * 100} tasks not read")
        budget = 3 + math.ceil(ACTIVE / 100)
        for _ in range(5):
            clock.advance(2.0)
            snapshot, sent = await poll(adapter, sim)
            assert len(sent) <= budget, [r.path for r in sent]
            assert whole_list_pages(sent) == [1]          # the newest page, never the history
            active = named(sent, "getTaskList")
            assert len(active) == 2 and any("statusList" in r.body for r in active)
            assert len(snapshot.tasks) == MAX_PAGES * 100
        assert snapshot.warnings[0] == first.warnings[0]   # the cap is said until read again
        await adapter.close()


async def test_a_task_that_finished_between_two_polls_shows_its_final_status(clock, generation):
    sim = account(clock, generation, finished=2_000)
    # an old render far down the list, not on the newest page: it fails one frame and ends
    sim.add_task(4_000_000, "old_scene.max", 5, frames=4, done=3, fails=1, age_s=9 * 86400)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)
        watch = ServiceWatch("farm", "renderbus")
        first, _ = await poll(adapter, sim)
        watch.observe(first, now=0.0)
        assert first.find_task("4000000").status == "running"
        clock.advance(60)   # it renders its last frame, which fails
        snapshot, sent = await poll(adapter, sim)
        assert sim.tasks[4_000_000].status == 30
        asked = named(sent, "queryTaskInfo")
        assert [r.body["taskIds"] for r in asked] == [[4_000_000]]
        task = snapshot.find_task("4000000")
        assert task.status == "partial" and task.frames.failed == 1
        transitions = watch.observe(snapshot, now=2.0)
        assert [(t.id, t.from_, t.to) for t in transitions if t.id == "4000000"] == [
            ("4000000", "running", "partial")]
        clock.advance(2)
        _, sent = await poll(adapter, sim)   # asked once: it is history now
        assert named(sent, "queryTaskInfo") == []
        await adapter.close()


async def test_attention_keeps_an_old_failure_without_reading_the_history_again(clock, generation):
    sim = account(clock, generation, finished=20_000)
    now_ms = sim.now_ms()
    recent, stale = sim.tasks[5_010_000], sim.tasks[5_009_000]   # deep in the list
    for task, days in ((recent, 5), (stale, 30)):
        task.status, task.completed_ms = 45, now_ms - days * DAY_MS
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)   # attention_days: 7 by default
        watch = ServiceWatch("farm", "renderbus")
        for n in range(4):
            snapshot, sent = await poll(adapter, sim)
            watch.observe(snapshot, now=float(n))
            clock.advance(2)
        assert whole_list_pages(sent) == [1]   # no full read since the first
        items = {i.id: i for i in watch.items(now=4.0) if i.what == "task"}
        assert "5010000" in items and items["5010000"].status == "failed"
        assert "5009000" not in items   # a month old: history, not attention
        assert snapshot.find_task("5009000").status == "failed"   # still in the list
        await adapter.close()


async def test_the_attention_window_counts_back_from_the_services_clock_not_its_newest_task(
        clock):
    """A quiet account: nothing has happened for ten days. Its newest failure is then history,
    though no task is newer than it."""
    sim = RenderbusSim(clock=clock, epoch=FIXED_EPOCH, scenario="empty")
    sim.add_task(7_001, "old_fail.blend", 45, frames=4, failed=4)
    sim.tasks[7_001].completed_ms = sim.now_ms() - 10 * DAY_MS
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)   # attention_days: 7
        snapshot, _ = await poll(adapter, sim)
        watch = ServiceWatch("farm", "renderbus")
        watch.observe(snapshot, now=0.0)
        assert snapshot.find_task("7001").status == "failed"
        assert not [i for i in watch.items(now=0.0) if i.what == "task"]
        # by the service's clock (its serverTime, here the simulator's calendar), to the hour
        since = snapshot.attention_since.timestamp()
        assert since == (sim.now_ms() // 1000) // 3600 * 3600 - 7 * 86_400
        await adapter.close()


async def test_the_history_is_read_again_every_history_every_seconds_or_when_asked(clock):
    sim = account(clock, "1.0.0", finished=1_000)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock, history_every=60.0)
        pages = math.ceil((1_000 + ACTIVE) / 100)
        _, sent = await poll(adapter, sim)
        assert whole_list_pages(sent) == list(range(1, pages + 1))
        clock.advance(30)
        _, sent = await poll(adapter, sim)
        assert whole_list_pages(sent) == [1]
        clock.advance(31)   # history_every is up
        _, sent = await poll(adapter, sim)
        assert whole_list_pages(sent) == list(range(1, pages + 1))
        adapter.want_history(older_than=60)   # a sort: read less than a minute ago, enough
        _, sent = await poll(adapter, sim)
        assert whole_list_pages(sent) == [1]
        adapter.want_history()                # `r`: now
        _, sent = await poll(adapter, sim)
        assert whole_list_pages(sent) == list(range(1, pages + 1))
        await adapter.close()


async def test_a_task_deleted_here_is_asked_for_by_id_and_leaves_the_list(clock, generation):
    sim = account(clock, generation, finished=1_000)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)
        first, _ = await poll(adapter, sim)
        deep = "5000100"   # long finished, far from the newest page
        assert first.find_task(deep).status in ("done", "partial", "failed", "abandoned")
        assert (await adapter.perform("delete", [deep])).ok
        snapshot, sent = await poll(adapter, sim)
        assert [r.body["taskIds"] for r in named(sent, "queryTaskInfo")] == [[int(deep)]]
        assert snapshot.find_task(deep) is None
        await adapter.close()


async def test_the_list_is_newest_first_whatever_order_the_service_sends(clock):
    sim = account(clock, "2.0.0", finished=1_000, newest_first=False)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)
        first, _ = await poll(adapter, sim)
        ids = [int(t.id) for t in first.tasks]
        assert ids == sorted(ids, reverse=True)
        clock.advance(2)
        _, sent = await poll(adapter, sim)
        # oldest first: the newest page is the last one
        assert whole_list_pages(sent) == [math.ceil((1_000 + ACTIVE) / 100)]
        await adapter.close()


async def test_an_unchanged_poll_hands_over_the_same_task_objects(clock):
    sim = account(clock, "1.0.0", finished=1_000)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)
        first, _ = await poll(adapter, sim)
        second, _ = await poll(adapter, sim)   # a frozen clock: nothing moved
        assert second.tasks is first.tasks
        clock.advance(30)                       # the renders move; the finished do not
        third, _ = await poll(adapter, sim)
        assert third.tasks is not first.tasks
        now = {t.id: t for t in third.tasks}
        finished = [t for t in first.tasks if t.status == "done"]
        assert len(finished) > 800 and all(now[t.id] is t for t in finished)
        await adapter.close()


async def test_a_small_account_is_read_whole_in_one_request_a_poll(sim, server, clock):
    adapter = adapter_for(sim, server, clock)   # the demo farm: 17 tasks, one page of 100
    await poll(adapter, sim)
    for _ in range(3):
        clock.advance(2)
        snapshot, sent = await poll(adapter, sim)
        assert [r.path for r in sent] == [r.path for r in named(sent, "getTaskList")]
        assert len(sent) == 1 and len(list(snapshot.all_tasks())) == 17
    await adapter.close()


async def test_a_read_by_id_that_fails_is_a_warning_and_is_asked_again(clock, monkeypatch):
    sim = account(clock, "2.0.0", finished=1_000)
    sim.add_task(4_000_000, "old_scene.max", 5, frames=2, done=1, age_s=9 * 86400)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)
        await poll(adapter, sim)
        clock.advance(60)          # it ends; the next read by id is refused once

        def refused(sim: RenderbusSim, body: dict) -> None:
            raise Refused(500, "internal_error")

        with monkeypatch.context() as patch:
            patch.setitem(ENDPOINTS, "task_info", refused)
            snapshot, sent = await poll(adapter, sim)
        assert any("queryTaskInfo could not be read" in w for w in snapshot.warnings)
        assert snapshot.find_task("4000000").status == "running"   # last known, not dropped
        clock.advance(2)
        snapshot, sent = await poll(adapter, sim)
        assert [r.body["taskIds"] for r in named(sent, "queryTaskInfo")] == [[4_000_000]]
        assert snapshot.find_task("4000000").status == "done" and not snapshot.warnings
        await adapter.close()


def test_children_sent_as_items_of_their_own_go_back_under_their_parent():
    from jobdeck.adapters.renderbus.client import fold_children
    items = [{"id": 7, "taskStatus": 5},
             {"id": 8, "taskStatus": 25, "layerParentId": 7},
             {"id": 9, "taskStatus": 5, "layerParentId": 7},
             {"id": 3, "taskStatus": 25, "layerParentId": 0}]   # not asked for: left out
    tops = fold_children(items, [7])
    assert [t["id"] for t in tops] == [7]
    assert [c["id"] for c in tops[0]["respRenderingTaskList"]] == [8, 9]
    again = fold_children([*tops, items[1]], [7])   # already there: not twice
    assert [c["id"] for c in again[0]["respRenderingTaskList"]] == [8, 9]


async def test_a_list_too_long_for_one_poll_shows_what_changes_meanwhile(clock, monkeypatch):
    """A slow link: the whole list cannot be read within its share of the poll deadline. The
    poll still shows the active set and the newest page, says why, and tries again later."""
    import time

    from jobdeck.adapters.renderbus import sim as sim_module
    sim = account(clock, "1.0.0", finished=1_000)
    real = sim_module.ENDPOINTS["task_list"]

    def slow_history(sim: RenderbusSim, body: dict):
        if "statusList" not in body and body["pageNum"] > 1:
            time.sleep(0.2)   # a page of the history, over a long way
        return real(sim, body)

    monkeypatch.setitem(sim_module.ENDPOINTS, "task_list", slow_history)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, clock)
        adapter.poll_deadline = 1.0
        first, _ = await poll(adapter, sim)
        assert "the whole task list could not be read" in first.warnings[0]
        running = [t for t in first.tasks if t.status == "running"]
        assert len(running) == ACTIVE and len(first.tasks) >= ACTIVE
        clock.advance(2)
        _, sent = await poll(adapter, sim)
        assert whole_list_pages(sent) == [1]           # not tried again at once
        monkeypatch.setitem(sim_module.ENDPOINTS, "task_list", real)
        clock.advance(60)
        again, sent = await poll(adapter, sim)
        assert len(whole_list_pages(sent)) == math.ceil((1_000 + ACTIVE) / 100)
        assert len(again.tasks) == 1_000 + ACTIVE and not again.warnings
        await adapter.close()
