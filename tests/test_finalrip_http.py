"""FinalRip against its simulator over real HTTP: form fields, filters, clips, actions, submit."""

from __future__ import annotations

import httpx
import pytest
from jobdeck.adapters.config import ServiceConfig
from jobdeck.adapters.finalrip.adapter import FinalRipAdapter
from jobdeck.adapters.finalrip.sim import CLIP_S, CUT_S, DEMO_SCRIPT, MERGE_S, FinalRipSim
from jobdeck.adapters.model import ServiceError
from jobdeck.adapters.simbase import SimServer

from .conftest import FrozenClock

ENCODE = "ffmpeg -i - -vcodec libx265 -crf 16"


@pytest.fixture
def finalrip(clock: FrozenClock):
    sim = FinalRipSim(clock=clock)
    with SimServer(sim) as server:
        yield sim, server


def adapter_for(sim: FinalRipSim, server: SimServer, token: str | None = None):
    config = ServiceConfig(name="encoder", kind="finalrip", base_url=server.base_url,
                           secrets={"token": token or sim.token})
    return FinalRipAdapter(config)


def sent(sim, endpoint):
    return [r.body for r in sim.received if r.path == endpoint]


async def test_list_asks_all_three_filters_and_progress_only_for_running(finalrip):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert sent(sim, "list") == [{"pending": "true", "running": "true", "completed": "true"}]
    assert sorted(b["video_key"] for b in sent(sim, "progress")) == [
        "Roshidere-07.mkv", "Roshidere-08.mkv"]
    by_id = {t.id: t for t in snapshot.tasks}
    assert by_id["Roshidere-06.mkv"].status == "done" and by_id["Roshidere-06.mkv"].progress == 1
    assert by_id["Roshidere-06.mkv"].output_url.endswith("Roshidere-06-encoded.mkv")
    assert by_id["Roshidere-09.mkv"].status == "queued"
    assert by_id["Roshidere-07.mkv"].progress == 0.0
    assert by_id["Roshidere-07.mkv"].details["size"].endswith("GiB")  # shown as given
    await adapter.close()


async def test_clips_are_a_one_row_block_grid_and_a_failed_clip_stays_waiting(finalrip, clock):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    clock.advance(CLIP_S * 6)
    grid = await adapter.blocks("Roshidere-07.mkv")
    assert len(grid.rows) == 1 and len(grid.rows[0]) == 16
    stuck = grid.rows[0][5]
    assert stuck.status == "waiting" and grid.counts()["done"] == 15
    task = next(t for t in (await adapter.poll()).tasks if t.id == "Roshidere-07.mkv")
    assert task.status == "running" and task.progress == pytest.approx(15 / 16)
    await adapter.close()


async def test_retry_encode_sends_the_tasks_script_and_unsticks_the_clip(finalrip, clock):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    clock.advance(CLIP_S * 6)
    await adapter.poll()
    result = await adapter.perform("retry_encode", ["Roshidere-07.mkv"], {"index": "5"})
    assert result.ok, result.message
    assert sent(sim, "retry/encode") == [{"video_key": "Roshidere-07.mkv", "index": "5",
                                          "script": DEMO_SCRIPT, "encode_param": ENCODE}]
    clock.advance(CLIP_S + 0.1)
    await adapter.poll()
    clock.advance(MERGE_S + 0.1)
    task = next(t for t in (await adapter.poll()).tasks if t.id == "Roshidere-07.mkv")
    assert task.status == "done"
    await adapter.close()


async def test_merge_failure_needs_retry_merge(finalrip, clock):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    sim.tasks["Roshidere-08.mkv"].merge_fails = True
    for _ in range(6):
        clock.advance(CLIP_S + 0.1)
        await adapter.poll()
    clock.advance(MERGE_S + 1)
    assert next(t for t in (await adapter.poll()).tasks
                if t.id == "Roshidere-08.mkv").status == "running"
    assert (await adapter.perform("retry_merge", ["Roshidere-08.mkv"])).ok
    clock.advance(MERGE_S + 1)
    assert next(t for t in (await adapter.poll()).tasks
                if t.id == "Roshidere-08.mkv").status == "done"
    await adapter.close()


async def test_clear_and_the_servers_own_error_message(finalrip):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    assert (await adapter.perform("clear", ["Roshidere-06.mkv"])).ok
    assert "Roshidere-06.mkv" not in [t.id for t in (await adapter.poll()).tasks]
    again = await adapter.perform("clear", ["Roshidere-06.mkv"])
    assert not again.ok and again.message == "task not found"
    await adapter.close()


async def test_success_false_is_an_error_whatever_the_http_status():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"success": False, "error": {"message": "db is down"}})
    config = ServiceConfig(name="e", kind="finalrip", base_url="http://e.test",
                           secrets={"token": "t" * 8})
    adapter = FinalRipAdapter(config, transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    assert not snapshot.ok and snapshot.error == "db is down"
    await adapter.close()


async def test_a_wrong_token_is_refused_and_not_shown(finalrip):
    sim, server = finalrip
    adapter = adapter_for(sim, server, token="bad-token-5678")
    snapshot = await adapter.poll()
    assert not snapshot.ok and snapshot.error == "invalid token"
    await adapter.close()


async def test_submit_uploads_with_progress_then_new_then_start(finalrip, clock, tmp_path):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    video = tmp_path / "Episode-10.mkv"
    video.write_bytes(b"\x1aE\xdf\xa3" + bytes(700_000))
    seen: list[tuple[int, int]] = []
    key = await adapter.submit(video, DEMO_SCRIPT, ENCODE,
                               on_progress=lambda sent_, total: seen.append((sent_, total)))
    assert key == "Episode-10.mkv" and sim.storage[key] == video.read_bytes()
    assert seen[-1] == (video.stat().st_size, video.stat().st_size) and len(seen) > 1
    order = [r.path for r in sim.received if r.path in
             ("oss/presigned", "oss/upload", "new", "start")]
    assert order == ["oss/presigned", "oss/upload", "new", "start"]
    assert sent(sim, "start")[0] == {"video_key": key, "script": DEMO_SCRIPT,
                                     "encode_param": ENCODE}
    task = next(t for t in (await adapter.poll()).tasks if t.id == key)
    assert task.status == "running" and task.progress == 0.0
    clock.advance(CUT_S + 0.1)
    await adapter.poll()
    assert len((await adapter.blocks(key)).rows[0]) >= 8
    await adapter.close()


@pytest.mark.parametrize(("script", "encode", "message"), [
    ("clip = core.bs.VideoSource(source='x.mkv')\nclip.set_output()", ENCODE,
     "script must use os.getenv('FINALRIP_SOURCE') as the source"),
    (DEMO_SCRIPT, "x265 --crf 16", "encode_param must be an ffmpeg command reading from stdin"),
])
async def test_start_shows_the_servers_validation_message(finalrip, tmp_path, script, encode,
                                                          message):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    video = tmp_path / "bad.mkv"
    video.write_bytes(b"x" * 10)
    with pytest.raises(ServiceError) as error:
        await adapter.submit(video, script, encode)
    assert str(error.value).startswith(message)
    await adapter.close()
