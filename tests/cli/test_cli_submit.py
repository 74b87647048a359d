"""`jobdeck submit`, `track` and `untrack` against the simulators over loopback HTTP."""

from __future__ import annotations

import json

import pytest
import tomli_w

from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.enhance.sim import EnhanceSim
from jobdeck.adapters.eva.sim import EvaSim
from jobdeck.adapters.finalrip.sim import DEMO_SCRIPT, FinalRipSim
from jobdeck.adapters.simulation.server import SimServer
from jobdeck.tui.cli.main import main


@pytest.fixture
def world(tmp_path):
    sims = {"encoder": FinalRipSim(), "promo": EvaSim(scenario="none"),
            "photo": EnhanceSim(scenario="none")}
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    path = tmp_path / "config.toml"
    entries = [sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]
    path.write_text(tomli_w.dumps({"services": entries}))
    yield sims, path
    for server in servers.values():
        server.stop()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_submit_finalrip_uploads_and_starts(capsys, world, tmp_path):
    sims, config = world
    video = tmp_path / "Ep-11.mkv"
    video.write_bytes(b"v" * 5000)
    script = tmp_path / "enc.vpy"
    script.write_text(DEMO_SCRIPT)
    code, out, err = run(capsys, "submit", "encoder", str(video), "--script", str(script),
                         "--config", str(config))
    assert code == 0, err
    assert json.loads(out) == {"service": "encoder", "task": "Ep-11.mkv", "ok": True}
    task = sims["encoder"].tasks["Ep-11.mkv"]
    # the default command is one the current server accepts (common/constant/constant.go)
    assert task.status == "running"
    assert task.encode_param == "ffmpeg -i - -c:v libx265 -crf 16 FINALRIP_ENCODED_CLIP.mkv"


def test_submit_finalrip_shows_the_servers_refusal_in_its_words(capsys, world, tmp_path):
    sims, config = world
    video = tmp_path / "Ep-12.mkv"
    video.write_bytes(b"v")
    script = tmp_path / "enc.vpy"
    script.write_text(DEMO_SCRIPT)
    code, _, err = run(capsys, "submit", "encoder", str(video), "--script", str(script),
                       "--encode-param", "ffmpeg -i - -c copy out.mkv", "--config", str(config))
    assert code == 1 and err.strip() == (
        "jobdeck: the Encode Param must contain FINALRIP_ENCODED_CLIP.mkv to specify the output "
        "video clip")
    code, out, err = run(capsys, "submit", "encoder", str(video), "--script", str(script),
                         "--config", str(config))   # the same file again: straight to start
    assert code == 0, err
    assert "already existed and was pending: started it" in err
    assert json.loads(out)["notes"] and sims["encoder"].tasks["Ep-12.mkv"].status == "running"


def test_submit_help_lists_the_kinds_own_arguments(capsys, world):
    _, config = world
    with pytest.raises(SystemExit):
        main(["submit", "encoder", "--help", "--config", str(config)])
    out = capsys.readouterr().out
    assert "--script" in out and "FINALRIP_ENCODED_CLIP.mkv" in out


def test_submit_eva_with_a_local_file_tracks_the_task(capsys, world, tmp_path):
    sims, config = world
    cover = tmp_path / "cover.png"
    cover.write_bytes(b"png")
    code, out, err = run(capsys, "submit", "promo", "123", "--asset", "image_1={file:0}",
                         "--asset", "text_1=Hello", "--file", str(cover), "--label", "hello",
                         "--config", str(config))
    assert code == 0, err
    task_id = json.loads(out)["task"]
    assert task_id in sims["promo"].renders
    assert StateStore().tracked("promo") == [task_id]
    code, out, _ = run(capsys, "snapshot", "--json", "--service", "promo", "--config",
                       str(config))
    task = json.loads(out)["services"][0]["tasks"][0]
    assert task["id"] == task_id and task["name"] == "hello" and task["status"] == "running"


def test_submit_enhance_and_its_limits(capsys, world):
    _, config = world
    code, out, _ = run(capsys, "submit", "photo", "https://pics.sim/a.jpg", "--config",
                       str(config))
    assert code == 0 and json.loads(out)["task"]
    code, _, err = run(capsys, "submit", "photo", "https://pics.sim/huge.jpg", "--config",
                       str(config))
    assert code == 1 and "at most 20 MB" in err


def test_track_and_untrack_a_tracking_kind(capsys, world):
    sims, config = world
    sims["promo"].add_render("AbC_watch_me_00000001", 123, duration=0)
    assert run(capsys, "track", "promo", "AbC_watch_me_00000001", "--config", str(config))[0] == 0
    code, out, _ = run(capsys, "snapshot", "--json", "--service", "promo", "--config",
                       str(config))
    assert code == 0
    (task,) = json.loads(out)["services"][0]["tasks"]
    assert task["status"] == "done" and task["output_url"].endswith(".mp4")
    assert run(capsys, "untrack", "promo", "AbC_watch_me_00000001", "--config",
               str(config))[0] == 0
    _, out, _ = run(capsys, "snapshot", "--json", "--service", "promo", "--config",
                       str(config))
    assert json.loads(out)["services"][0]["tasks"] == []


def test_submit_eva_dynamic_renders_through_render_dynamic(capsys, world):
    sims, config = world
    code, out, err = run(capsys, "submit", "promo", "123", "--asset", "=http://my.test/a.mp4",
                         "--dynamic", "--config", str(config))
    assert code == 0, err
    task_id = json.loads(out)["task"]
    assert sims["promo"].renders[task_id].dynamic
    assert [r.path for r in sims["promo"].received if r.path.startswith("/v1/render")] == [
        "/v1/render/dynamic"]


def test_submit_enhance_with_type_2_is_then_read_with_type_2(capsys, world):
    sims, config = world
    code, out, err = run(capsys, "submit", "photo", "https://pics.sim/face.jpg", "--type", "2",
                         "--config", str(config))
    assert code == 0, err
    task_id = json.loads(out)["task"]
    code, out, _ = run(capsys, "snapshot", "--json", "--service", "photo", "--config",
                       str(config))
    task = json.loads(out)["services"][0]["tasks"][0]
    assert task["id"] == task_id and task["status"] == "running" and task["error"] is None
    assert [r.body["type"] for r in sims["photo"].received if r.path == "gettask"] == [2]
