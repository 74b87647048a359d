"""FinalRip against its simulator over real HTTP: form fields, filters, clips, actions, submit.

The simulator answers as TensoRaws/FinalRip's server does (module/resp/gin.go replies,
server/internal/service/task/*.go checks and words, common/constant/constant.go's validation);
`server="spec"` plays the older server the spec describes.
"""

from __future__ import annotations

import httpx
import pytest

from jobdeck.adapters.contract.model import ServiceConfig, ServiceError
from jobdeck.adapters.finalrip.adapter import DEFAULT_ENCODE_PARAM, FinalRipAdapter
from jobdeck.adapters.finalrip.sim import CLIP_S, CUT_S, DEMO_ENCODE, DEMO_SCRIPT, MERGE_S, FinalRipSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FrozenClock


@pytest.fixture(params=["current"])
def finalrip(request, clock: FrozenClock):
    sim = FinalRipSim(clock=clock, server=request.param)
    with SimServer(sim) as server:
        yield sim, server


def adapter_for(sim: FinalRipSim, server: SimServer, token: str | None = None):
    config = ServiceConfig(name="encoder", kind="finalrip", base_url=server.base_url,
                           secrets={"token": token or sim.token})
    return FinalRipAdapter(config)


def sent(sim, endpoint):
    return [r.body for r in sim.received if r.path == endpoint]


def submit_values(video, script=DEMO_SCRIPT, encode=DEFAULT_ENCODE_PARAM, key=None):
    return {"video": str(video), "script": script, "encode_param": encode, "key": key}


def test_the_default_command_is_one_the_current_server_accepts():
    assert FinalRipSim.check_script_and_encode_param(DEMO_SCRIPT, DEFAULT_ENCODE_PARAM) is None
    assert DEFAULT_ENCODE_PARAM == "ffmpeg -i - -c:v libx265 -crf 16 FINALRIP_ENCODED_CLIP.mkv"


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


async def test_list_with_an_error_reply_then_the_data_reply_is_read_as_the_server_meant(finalrip):
    """list.go: a presign that fails in a goroutine writes an error reply, and the handler
    then writes the data reply too, into the same body."""
    sim, server = finalrip
    sim.presign_fails = True
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    assert snapshot.ok, snapshot.error
    assert len(snapshot.tasks) == 4
    assert snapshot.warnings == ["list: oss.GetPresignedURL failed: connection refused"]
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


async def test_retry_encode_in_a_fresh_process_sends_key_index_and_the_known_command(finalrip,
                                                                                    clock):
    """Nothing polled before: the command comes from the task's progress; the current server
    (service/task/retry.go) needs only video_key and index and reuses its stored command."""
    sim, server = finalrip
    clock.advance(CLIP_S * 6)
    adapter = adapter_for(sim, server)
    result = await adapter.perform("retry_encode", ["Roshidere-07.mkv"], {"index": "5"})
    assert result.ok, result.message
    assert sent(sim, "retry/encode") == [{"video_key": "Roshidere-07.mkv", "index": "5",
                                          "script": DEMO_SCRIPT, "encode_param": DEMO_ENCODE}]
    clock.advance(CLIP_S + 0.1)
    await adapter.poll()
    clock.advance(MERGE_S + 0.1)
    task = next(t for t in (await adapter.poll()).tasks if t.id == "Roshidere-07.mkv")
    assert task.status == "done"
    await adapter.close()


async def test_retry_encode_never_refuses_for_lack_of_the_command(finalrip, clock):
    sim, server = finalrip
    clock.advance(CLIP_S * 6)
    sim.tasks["Roshidere-07.mkv"].script = ""   # a task whose command the list does not give
    sim.tasks["Roshidere-07.mkv"].encode_param = ""
    adapter = adapter_for(sim, server)
    result = await adapter.perform("retry_encode", ["Roshidere-07.mkv"], {"index": "5"})
    assert result.ok, result.message
    assert sent(sim, "retry/encode") == [{"video_key": "Roshidere-07.mkv", "index": "5"}]
    missing = await adapter.perform("retry_encode", ["Roshidere-07.mkv"], {"index": "99"})
    assert not missing.ok and missing.message == "Encode clip not exist"
    await adapter.close()


async def test_the_older_server_requires_the_command_on_retry_and_gets_it(clock):
    sim = FinalRipSim(clock=clock, server="spec")
    clock.advance(CLIP_S * 6)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server)
        assert (await adapter.perform("retry_encode", ["Roshidere-07.mkv"], {"index": "5"})).ok
        sim.tasks["Roshidere-08.mkv"].script = ""
        refused = await adapter.perform("retry_encode", ["Roshidere-08.mkv"], {"index": "1"})
        assert not refused.ok
        assert refused.message == ("Key: 'RetryEncodeRequest.Script' Error:Field validation "
                                   "for 'Script' failed on the 'required' tag")
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
    early = await adapter.perform("retry_merge", ["Roshidere-07.mkv"])
    assert not early.ok and early.message == "Some clips are not finished yet."
    await adapter.close()


async def test_clear_and_the_servers_own_error_message(finalrip):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    assert (await adapter.perform("clear", ["Roshidere-06.mkv"])).ok
    assert "Roshidere-06.mkv" not in [t.id for t in (await adapter.poll()).tasks]
    again = await adapter.perform("clear", ["Roshidere-06.mkv"])
    assert not again.ok and again.message == "Task not found, please check the video key"
    await adapter.close()


async def test_a_batch_clear_reports_each_target(finalrip):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    result = await adapter.perform("clear", ["Roshidere-06.mkv", "nope.mkv"])
    assert not result.ok and result.outcome == "refused"
    assert [(r.target, r.outcome) for r in result.per_target] == [
        ("Roshidere-06.mkv", "done"), ("nope.mkv", "refused")]
    assert "1 of 2 cleared" in result.message
    await adapter.close()


@pytest.mark.parametrize("success", [False, "false"])
async def test_success_false_is_an_error_whatever_the_http_status(success):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"success": success, "error": {"message": "db is down"}})
    config = ServiceConfig(name="e", kind="finalrip", base_url="http://e.test",
                           secrets={"token": "t" * 8})
    adapter = FinalRipAdapter(config, transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    assert not snapshot.ok and snapshot.error == "db is down"
    await adapter.close()


async def test_a_wrong_token_is_refused_in_the_servers_words_and_not_shown(finalrip):
    sim, server = finalrip
    adapter = adapter_for(sim, server, token="bad-token-5678")
    snapshot = await adapter.poll()
    assert not snapshot.ok and snapshot.error == "Token is invalid, please check it"
    await adapter.close()


async def test_submit_uploads_with_progress_then_new_then_start(finalrip, clock, tmp_path):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    video = tmp_path / "Episode-10.mkv"
    video.write_bytes(b"\x1aE\xdf\xa3" + bytes(700_000))
    seen: list[tuple[int, int]] = []
    result = await adapter.submit(submit_values(video),
                                  on_progress=lambda sent_, total: seen.append((sent_, total)))
    key = result.task_id
    assert key == "Episode-10.mkv" and sim.storage[key] == video.read_bytes()
    assert result.notes == []
    assert seen[-1] == (video.stat().st_size, video.stat().st_size) and len(seen) > 1
    order = [r.path for r in sim.received if r.path in
             ("oss/presigned", "oss/upload", "new", "start")]
    assert order == ["oss/presigned", "oss/upload", "new", "start"]
    upload = next(r.body for r in sim.received if r.path == "oss/upload")
    assert upload["content_type"] == "video/x-matroska"   # as AnimePipeline's client sets it
    assert sent(sim, "start")[0] == {"video_key": key, "script": DEMO_SCRIPT,
                                     "encode_param": DEFAULT_ENCODE_PARAM}
    task = next(t for t in (await adapter.poll()).tasks if t.id == key)
    assert task.status == "running" and task.progress == 0.0
    clock.advance(CUT_S + 0.1)
    await adapter.poll()
    assert len((await adapter.blocks(key)).rows[0]) >= 8
    await adapter.close()


@pytest.mark.parametrize(("script", "encode", "message"), [
    ("clip = core.bs.VideoSource(source='x.mkv')\nclip.set_output()", DEFAULT_ENCODE_PARAM,
     "the VapourSynth Script code must contain FINALRIP_SOURCE environment variable to specify "
     "the source video"),
    (DEMO_SCRIPT, "ffmpeg -i - -vcodec libx265 -crf 16",
     "the Encode Param must contain FINALRIP_ENCODED_CLIP.mkv to specify the output video clip"),
    (DEMO_SCRIPT, "ffmpeg -i - \\\n -c:v libx265 FINALRIP_ENCODED_CLIP.mkv",
     "the Encode Param cannot contain line break"),
])
async def test_start_refusals_are_the_current_servers_words(finalrip, tmp_path, script, encode,
                                                            message):
    """common/constant/constant.go CheckVSScriptAndEncodeParam, word for word."""
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    video = tmp_path / "bad.mkv"
    video.write_bytes(b"x" * 10)
    with pytest.raises(ServiceError) as error:
        await adapter.submit(submit_values(video, script, encode))
    assert str(error.value) == message
    await adapter.close()


async def test_submitting_a_key_left_pending_goes_straight_to_start(finalrip, tmp_path):
    """A submit refused at start leaves a pending task; the next submit of the same file must
    not fail with the server's "Task already exists": no upload, no new, just start."""
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    video = tmp_path / "Ep-13.mkv"
    video.write_bytes(b"v" * 5000)
    with pytest.raises(ServiceError):
        await adapter.submit(submit_values(video, encode="ffmpeg -i - out.mkv"))
    assert sim.tasks["Ep-13.mkv"].status == "pending"
    sim.received.clear()
    result = await adapter.submit(submit_values(video))
    assert result.task_id == "Ep-13.mkv" and sim.tasks["Ep-13.mkv"].status == "running"
    assert [r.path for r in sim.received if r.path in ("oss/upload", "new", "start")] == ["start"]
    assert result.notes == ["Ep-13.mkv is already in storage: upload skipped",
                            "Ep-13.mkv already existed and was pending: started it"]
    again = adapter.submit(submit_values(video))
    with pytest.raises(ServiceError, match="already exists and is running"):
        await again
    await adapter.close()


async def test_the_simulator_refuses_a_second_new_as_the_server_does(finalrip):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    with pytest.raises(ServiceError) as error:
        await adapter.client.new("Roshidere-09.mkv")
    assert str(error.value) == ("Task already exists, please wait for it to complete or "
                                "delete it.")
    await adapter.close()


async def test_a_pending_task_offers_start_and_start_sends_the_script_and_command(finalrip, clock):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    pending = snapshot.find_task("Roshidere-09.mkv")
    assert pending.status == "queued" and pending.actions == ("start", "clear")
    assert "start" not in snapshot.find_task("Roshidere-07.mkv").actions
    refused = await adapter.perform("start", ["Roshidere-09.mkv"])   # no script: asked for
    assert not refused.ok and "--param script=" in refused.message and not sent(sim, "start")
    result = await adapter.perform("start", ["Roshidere-09.mkv"], {"script": DEMO_SCRIPT})
    assert result.ok, result.message
    assert sent(sim, "start") == [{"video_key": "Roshidere-09.mkv", "script": DEMO_SCRIPT,
                                   "encode_param": DEFAULT_ENCODE_PARAM}]
    clock.advance(CUT_S + 1)
    started = (await adapter.poll()).find_task("Roshidere-09.mkv")
    assert started.status == "running" and started.details["script"] == DEMO_SCRIPT
    again = await adapter.perform("start", ["Roshidere-09.mkv"], {"script": DEMO_SCRIPT})
    assert not again.ok and again.message == "Task already started."   # start.go's words
    await adapter.close()


async def test_start_with_a_script_the_current_server_refuses_says_its_words(finalrip):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    result = await adapter.perform("start", ["Roshidere-09.mkv"],
                                   {"script": "clip.set_output()", "encode_param": "x265 -"})
    assert not result.ok and "must contain FINALRIP_SOURCE" in result.message
    await adapter.close()


async def test_the_details_carry_the_script_command_and_each_clips_urls(finalrip, clock):
    sim, server = finalrip
    adapter = adapter_for(sim, server)
    snapshot = await adapter.poll()
    done = snapshot.find_task("Roshidere-06.mkv")   # no progress read for it: from the list
    assert done.details["script"] == DEMO_SCRIPT and done.details["encode_param"] == DEMO_ENCODE
    clips = await adapter.frames("Roshidere-06.mkv")
    assert [c.frame for c in clips] == [str(n) for n in range(10)]
    assert clips[0].url == "https://oss.finalrip.sim/Roshidere-06/clip-000.mkv"
    assert clips[0].output_url == "https://oss.finalrip.sim/Roshidere-06/enc-000.mkv"
    assert all(c.status == "done" for c in clips) and adapter.has_frames
    running = await adapter.frames("Roshidere-07.mkv")
    assert running[5].status == "waiting" and running[5].output_url is None
    await adapter.close()
