"""The image-enhance queue against its simulator over real HTTP."""

from __future__ import annotations

import pytest

from jobdeck.adapters.contract.model import ServiceConfig, ServiceError
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.enhance.adapter import EnhanceAdapter
from jobdeck.adapters.enhance.sim import EnhanceSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FrozenClock


@pytest.fixture
def enhance(clock: FrozenClock):
    sim = EnhanceSim(clock=clock)
    with SimServer(sim) as server:
        yield sim, server


def adapter_for(sim: EnhanceSim, server: SimServer, tmp_path, token: str | None = None):
    entry = sim.service_entry("photo-fix", server.base_url)
    config = ServiceConfig(name="photo-fix", kind="enhance", base_url=server.base_url,
                           options={"enhance_type": 1, "track": entry["track"]},
                           secrets={"token": token or entry["token"]})
    return EnhanceAdapter(config, state=StateStore(tmp_path / "state"))


async def test_queue_positions_move_as_the_queue_drains(enhance, clock, tmp_path):
    sim, server = enhance
    adapter = adapter_for(sim, server, tmp_path)
    first = await adapter.poll()
    assert first.ok, first.error
    positions = [t.queue_position for t in first.tasks if t.status == "queued"]
    assert positions == [1, 2, 3, 4, 5]  # two workers busy, five waiting in order
    assert [t.status for t in first.tasks[:2]] == ["running", "running"]
    clock.advance(13)
    second = await adapter.poll()
    assert [t.queue_position for t in second.tasks if t.status == "queued"] == [1, 2, 3]
    done = second.tasks[0]
    assert done.status == "done" and done.output_url.endswith(".jpg")
    assert done.details["output"].startswith(("1280x", "2048x", "4096x"))
    await adapter.close()


async def test_requests_carry_the_token_header_and_the_type(enhance, tmp_path):
    sim, server = enhance
    adapter = adapter_for(sim, server, tmp_path)
    await adapter.poll()
    gets = [r for r in sim.received if r.path == "gettask"]
    assert gets and all(r.body["type"] == sim.jobs[r.body["taskid"]].type and r.answered == 0
                        for r in gets)
    assert {r.body["type"] for r in gets} == {1, 2}   # each task with its own type
    await adapter.close()
    bad = adapter_for(sim, server, tmp_path, token="wrong-token-123")
    snapshot = await bad.poll()
    assert not snapshot.ok and "wrong-token-123" not in snapshot.error
    await bad.close()


async def test_face_list_comes_with_a_finished_face_task(enhance, clock, tmp_path):
    sim, server = enhance
    adapter = adapter_for(sim, server, tmp_path)
    clock.advance(13)
    snapshot = await adapter.poll()
    face_task = snapshot.find_task(sim.order[0])  # portrait-00 is a face task (type 2)
    assert face_task.details["faces"]
    assert face_task.details["faces"][0]["output_url"].endswith("_face0.jpg")
    await adapter.close()


async def test_submit_tracks_the_new_task_and_delete_removes_it(enhance, clock, tmp_path):
    sim, server = enhance
    adapter = adapter_for(sim, server, tmp_path)
    task = await adapter.create("https://pics.sim/new.jpg", label="new cover")
    assert task.status == "queued" and task.queue_position == 6
    snapshot = await adapter.poll()
    assert next(t for t in snapshot.tasks if t.id == task.id).name == "new cover"
    result = await adapter.perform("delete", [task.id])
    assert result.ok and [r.body for r in sim.received if r.path == "deletetask"] == [
        {"taskid": task.id}]
    assert task.id not in [t.id for t in (await adapter.poll()).tasks]
    again = await adapter.perform("delete", [task.id])
    assert not again.ok and "task was deleted" in again.message and "1002002" in again.message
    await adapter.close()


@pytest.mark.parametrize(("url", "words"), [
    ("ftp://pics.sim/a.jpg", "http(s) url"),
    ("https://pics.sim/a.gif", "file type not supported (1001004"),
    ("https://pics.sim/huge.jpg", "too large (at most 20 MB, 64 to 9216 pixels"),
])
async def test_submit_errors_are_plain_words(enhance, tmp_path, url, words):
    sim, server = enhance
    adapter = adapter_for(sim, server, tmp_path)
    with pytest.raises(ServiceError) as error:
        await adapter.submit({"picture": url})
    assert words in str(error.value)
    await adapter.close()


async def test_a_deleted_task_in_track_shows_as_gone_without_failing_the_service(
        enhance, tmp_path):
    sim, server = enhance
    adapter = adapter_for(sim, server, tmp_path)
    gone = sim.order[3]
    sim.jobs[gone].deleted = True
    snapshot = await adapter.poll()
    assert snapshot.ok
    task = next(t for t in snapshot.tasks if t.id == gone)
    assert task.status == "unknown" and "deleted" in task.error and task.actions == ("untrack",)
    await adapter.close()


async def test_quoted_numbers_count_as_numbers(enhance, tmp_path):
    """errorcode "0" is no error and queuenum "3" a queue position, as 0 and 3 are."""
    from jobdeck.adapters.enhance.adapter import to_task
    task = to_task("t1", {"errorcode": "0", "queuenum": "3", "outputurl": ""}, None)
    assert task.status == "queued" and task.queue_position == 3
    with pytest.raises(ServiceError, match="errorcode"):
        to_task("t1", {"errorcode": "oops"}, None)


async def test_a_finished_task_is_asked_again_only_after_a_while(enhance, clock, tmp_path,
                                                                  monkeypatch):
    """No list call: each tracked task is a request a poll, so finished ones are spared."""
    import jobdeck.adapters.enhance.adapter as module
    sim, server = enhance
    adapter = adapter_for(sim, server, tmp_path)
    adapter.cadence.longest = 0.0   # every unfinished task at every poll here (see test_cadence)
    clock.advance(30)
    first = await adapter.poll()
    finished = [t for t in first.tasks if t.status in ("done", "failed")]
    assert finished and len(finished) < len(first.tasks)

    def asked() -> int:
        return sum(1 for r in sim.requests if r[1] == "/gettask")

    before = asked()
    second = await adapter.poll()
    assert asked() - before == len(first.tasks) - len(finished)
    assert [(t.id, t.status, t.output_url) for t in second.tasks] == \
        [(t.id, t.status, t.output_url) for t in first.tasks]
    monkeypatch.setattr(module, "FINISHED_REREAD_S", 0.0)
    before = asked()
    await adapter.poll()   # due again: a few a poll, not all at once
    unfinished = len(first.tasks) - len(finished)
    assert asked() - before == unfinished + min(len(finished), module.FINISHED_REREADS)
    await adapter.close()


async def test_a_task_submitted_with_type_2_is_read_with_type_2(enhance, tmp_path):
    sim, server = enhance
    adapter = adapter_for(sim, server, tmp_path)   # the service's enhance_type is 1
    task = await adapter.create("https://pics.sim/face.jpg", enhance_type=2)
    snapshot = await adapter.poll()
    assert snapshot.find_task(task.id).status == "queued"   # found, not "gone"
    assert [r.body["type"] for r in sim.received
            if r.path == "gettask" and r.body["taskid"] == task.id] == [2]
    later = adapter_for(sim, server, tmp_path)     # another process: the type was kept
    assert (await later.poll()).find_task(task.id).status == "queued"
    assert [r.body["type"] for r in sim.received
            if r.path == "gettask" and r.body["taskid"] == task.id] == [2, 2]
    await adapter.close()
    await later.close()


async def test_asked_with_another_type_the_simulator_does_not_find_the_task(enhance, tmp_path):
    sim, server = enhance
    face = next(t for t in sim.order if sim.jobs[t].type == 2)
    adapter = adapter_for(sim, server, tmp_path)
    adapter.config.options["track"] = [face]        # tracked without its type
    snapshot = await adapter.poll()
    gone = snapshot.find_task(face)
    assert gone.status == "unknown" and "does not exist" in gone.error
    adapter.track([f"{face}:2"])                    # `jobdeck track photo-fix ID:2`
    assert (await adapter.poll()).find_task(face).status != "unknown"
    await adapter.close()


async def test_a_thousand_finished_tasks_tracked_cost_a_bounded_number_of_requests(
        clock, tmp_path, monkeypatch):
    """The same rule as every kind that lists: what a poll asks does not grow with the
    finished work, even when each finished task is due to be asked again."""
    import jobdeck.adapters.enhance.adapter as module
    sim = EnhanceSim(clock=clock, scenario="empty")
    with SimServer(sim) as server:
        for n in range(1000):
            sim._create(f"https://pics.sim/old_{n:04d}.jpg", 1, f"old-{n:04d}")
        for _ in range(501):    # two workers, 12 s each: the whole queue is done
            clock.advance(13)
            sim.advance(clock())
        entry = sim.service_entry("photo-fix", server.base_url)
        tracked = list(sim.jobs)
        adapter = EnhanceAdapter(ServiceConfig(
            name="photo-fix", kind="enhance", base_url=server.base_url,
            options={"enhance_type": 1, "track": tracked}, secrets={"token": entry["token"]}),
            state=StateStore(tmp_path / "state"))
        first = await adapter.poll()
        assert first.ok and all(t.status == "done" for t in first.tasks)
        monkeypatch.setattr(module, "FINISHED_REREAD_S", 0.0)   # every one due again
        for _ in range(5):
            before = len(sim.requests)
            snapshot = await adapter.poll()
            assert snapshot.ok and len(snapshot.tasks) == 1000
            assert len(sim.requests) - before <= module.FINISHED_REREADS
        await adapter.close()
