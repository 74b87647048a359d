"""`jobdeck frames SERVICE TASK [--json]` against a Renderbus simulator on loopback HTTP: every
frame of every page with its id, status, time and cost; a failed frame's code with what the
service says about it; exit 0 / 1; the service's text cleaned on the way out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w

from jobdeck.adapters.simulation.server import SimServer
from jobdeck.tui.cli.main import main
from tests.support.hostile import EVIL, NEVER, SURR, garbled, hostile
from tests.support.renderbus import farm


def write_config(tmp_path: Path, sim, base_url: str, **extra) -> Path:
    path = tmp_path / "config.toml"
    entry = {**sim.service_entry("sh-farm", base_url), **extra}
    path.write_text(tomli_w.dumps({"services": [entry]}))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_frames_json_lists_every_frame_of_every_page(capsys, tmp_path, sim, server):
    config = write_config(tmp_path, sim, server.base_url, page_size=7)
    code, out, _ = run(capsys, "frames", "sh-farm", "18380", "--json", "--config", str(config))
    assert code == 0
    payload = json.loads(out)
    assert payload["service"] == "sh-farm" and payload["task"] == "18380"
    units = sim.tasks[18380].frames
    assert [f["id"] for f in payload["frames"]] == [str(u.id) for u in units]   # 240, 35 pages
    pages = sorted(r.body["pageNum"] for r in sim.received
                   if r.path == "task/queryTaskFrames" and r.answered == 200)
    assert pages == list(range(1, 36))
    first = payload["frames"][0]
    assert {"id", "index", "block", "status", "started_at", "used_s", "cost"} <= set(first)
    assert first["status"] == "done" and first["started_at"].endswith("Z")
    assert first["cost"] == units[0].fee and first["used_s"] == 60


def test_frames_text_explains_a_failed_frames_code_once(capsys, tmp_path, sim, server):
    config = write_config(tmp_path, sim, server.base_url)
    code, out, _ = run(capsys, "frames", "sh-farm", "18340", "--config", str(config))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "FRAME", "BLOCK", "STATUS", "STARTED", "SECONDS", "COST",
                                "CODE"]
    assert sum(" failed " in line for line in lines[1:13]) == 12
    assert "12 frames · 12 failed · cost 0.00" in out
    assert "error 15000: Starting 3ds max got stuck or failed" in out
    assert "http://note.youdao.com/noteshare?id=d8f1ea0c46dfb524af798f6b1d31cf6f" in out
    explained = [r for r in sim.received if r.path == "common/queryErrorDetail"]
    assert len(explained) == 1


def test_frames_exits_1_when_the_service_cannot_be_read(capsys, tmp_path, sim, server):
    config = write_config(tmp_path, sim, server.base_url)
    server.stop()
    code, out, err = run(capsys, "frames", "sh-farm", "18340", "--json", "--config",
                         str(config))
    assert code == 1 and out == "" and "unreachable" in err


def test_frames_of_a_task_that_is_not_there_exit_1_with_the_services_words(capsys, tmp_path,
                                                                          sim, server):
    config = write_config(tmp_path, sim, server.base_url)
    code, _, err = run(capsys, "frames", "sh-farm", "4242", "--config", str(config))
    assert code == 1 and "task 4242 does not exist" in err


@pytest.mark.parametrize("as_json", [False, True])
def test_frames_print_hostile_text_harmlessly(capsys, tmp_path, as_json):
    sim = farm()
    sim.tasks.clear()
    sim.add_task(503, hostile("failing"), 45, frames=2, failed=2, age_s=90)
    sim.error_details[15000] = {"type": 1, "desDescriptionCn": hostile("what"),
                                "desSolutionCn": hostile("fix"), "solutionPath": hostile("link")}
    garbled(sim)
    with SimServer(sim) as server:
        config = write_config(tmp_path, sim, server.base_url)
        code, out, _ = run(capsys, "frames", "sh-farm", "503", *(["--json"] if as_json else []),
                           "--config", str(config))
    assert code == 0
    for raw in "\x1b\x07\u009b\u202e\u200b\ufeff":   # no control reaches the terminal raw
        assert raw not in out
    if not as_json:
        for never in NEVER:
            assert never not in out.encode()
    if as_json:
        error = json.loads(out)["frames"][0]["error"]
        assert error["description"].startswith("what") and "\ufffd" in error["description"]
        assert SURR not in error["description"]
    else:
        assert "error 15000: what" in out and "what to do: fix" in out
        assert EVIL[:12] in out   # the markup stays words, never styling


def test_act_retries_frames_named_as_the_grid_names_them(capsys, tmp_path, sim, server):
    config = write_config(tmp_path, sim, server.base_url)
    code, out, _ = run(capsys, "act", "sh-farm", "retry_frames", "18340", "--param",
                       "blocks=3:1,7:1", "--yes", "--config", str(config))
    result = json.loads(out)
    assert code == 0 and result["ok"] and result["outcome"] == "done"
    units = {u.frame: u for u in sim.tasks[18340].frames}
    sent = [r.body for r in sim.received if r.path == "task/restartFrame"]
    assert sent == [{"taskIds": 18340, "selectAll": 0, "ids": [units[3].id, units[7].id]}]
    code, out, _ = run(capsys, "act", "sh-farm", "retry_frames", "18340", "--param",
                       "blocks=99:1", "--yes", "--config", str(config))
    assert code == 1 and "no frame record for block 99:1" in json.loads(out)["message"]


def test_frames_of_a_parent_name_its_sub_tasks(capsys, tmp_path, sim, server):
    config = write_config(tmp_path, sim, server.base_url)
    code, out, _ = run(capsys, "frames", "sh-farm", "19084", "--config", str(config))
    assert code == 0
    assert "task 19084 cloakroom.max has no frames of its own" in out
    assert "(jobdeck frames sh-farm 19088)" in out
