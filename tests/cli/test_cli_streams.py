"""`snapshot --json` and `act` on the stream kinds over loopback HTTP: NTV relays, recording and
limits in the JSON, their actions from the shell; an nginx-rtmp kick; a FinalRip start."""

from __future__ import annotations

import json

import pytest
import tomli_w

from jobdeck.adapters.finalrip.sim import DEMO_SCRIPT, FinalRipSim
from jobdeck.adapters.nginx_rtmp.sim import NginxRtmpSim
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.simulation.server import SimServer
from jobdeck.tui.cli.main import main
from tests.support.clock import FrozenClock


@pytest.fixture
def world(tmp_path):
    sims = {"live": NtvSim(clock=FrozenClock()), "edge": NginxRtmpSim(clock=FrozenClock()),
            "encoder": FinalRipSim()}
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({"services": [
        sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]}))
    yield sims, path
    for server in servers.values():
        server.stop()


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {"stderr": err}


def sent(sim, path: str) -> list[dict]:
    return [{k: v for k, v in r.body.items() if k != "token"} for r in sim.received
            if r.path == path]


def test_snapshot_json_carries_ntv_relays_and_the_stream_facts(capsys, world):
    _, config = world
    code, payload = run(capsys, "snapshot", "--json", "--service", "live", "--config",
                        str(config))
    assert code == 0
    (service,) = payload["services"]
    assert [r["name"] for r in service["relays"]] == ["监控视频", "本地文件串流", "hall-cam"]
    assert set(service["relays"][0]) == {"id", "name", "source", "target", "state",
                                         "raw_status", "actions"}
    assert [r["state"] for r in service["relays"]] == ["running", "stopped", "running"]
    stream = next(s for s in service["streams"] if s["id"] == "show/board-room")
    assert stream["player_limit"] == 6 and stream["recording"] is False
    assert "start_recording" in stream["actions"]
    code, payload = run(capsys, "snapshot", "--json", "--service", "edge", "--config",
                        str(config))
    assert "relays" not in payload["services"][0]   # only kinds with relays say so


def test_act_starts_and_stops_relays_and_recordings(capsys, world):
    sims, config = world
    code, result = run(capsys, "act", "live", "start_relay", "D16E78096B55C850", "--config",
                       str(config))
    assert code == 0 and result["ok"] and result["action"] == "start_relay"
    code, result = run(capsys, "act", "live", "stop_relay", "BAF9B8E5BA819259", "--yes",
                       "--config", str(config))
    assert code == 0 and result["message"] == "BAF9B8E5BA819259 stopped"
    assert sent(sims["live"], "streamingMgr/stop_streaming") == [{"id": "BAF9B8E5BA819259"}]
    code, result = run(capsys, "act", "live", "start_recording", "show/board-room", "--config",
                       str(config))
    assert code == 0 and sent(sims["live"], "demandDvr/start") == [
        {"application": "show", "stream": "board-room"}]
    code, result = run(capsys, "act", "live", "stop_recording", "show/board-room", "--yes",
                       "--config", str(config))
    assert code == 0 and "show/board-room" not in sims["live"].recording
    code, result = run(capsys, "act", "live", "stop_relay", "nope", "--yes", "--config",
                       str(config))
    assert code == 1 and "does not exist" in result["message"]


def test_act_kick_drops_one_subscriber(capsys, world):
    sims, config = world
    player = next(c for c in sims["edge"].servers[0]["live"]["cam1"].clients
                  if not c.publishing)
    code, result = run(capsys, "act", "edge", "kick", f"0:live/cam1/{player.id}", "--yes",
                       "--config", str(config))
    assert code == 0, result
    assert [r.path for r in sims["edge"].received if r.path.startswith("drop/")] == [
        "drop/subscriber"]


def test_act_start_of_a_pending_encode_takes_the_script_as_a_param(capsys, world):
    sims, config = world
    code, result = run(capsys, "act", "encoder", "start", "Roshidere-09.mkv", "--param",
                       f"script={DEMO_SCRIPT}", "--config", str(config))
    assert code == 0, result
    assert sims["encoder"].tasks["Roshidere-09.mkv"].status == "running"
