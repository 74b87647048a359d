"""Headless commands against a simulator on loopback HTTP: JSON shapes and exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from jobdeck.tui.cli.main import main


@pytest.fixture
def config_file(tmp_path, sim, server) -> Path:
    path = tmp_path / "config.toml"
    entry = sim.service_entry("sh-farm", server.base_url)
    path.write_text(tomli_w.dumps({"refresh": 2.0, "services": [entry]}))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_snapshot_json_has_the_design_shape(capsys, config_file):
    code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config_file))
    assert code == 0
    payload = json.loads(out)
    assert payload["taken_at"].endswith("Z")
    (service,) = payload["services"]
    assert set(service) == {"name", "kind", "ok", "error", "account", "tasks", "streams",
                            "warnings", "api_version",
                            "frame_totals", "error_codes"}   # renderbus: the farm's totals
    assert service["warnings"] == [] and service["api_version"] == "1.0.0"
    # DESIGN's keys, and (added) the balance's parts and the default timeout
    assert service["account"] == {"name": "rayvision", "balance": 1250.4, "coupon": 0.0,
                                  "credit": 0.0, "available": 1250.4,
                                  "default_timeout_s": 43200.0}
    task = next(t for t in service["tasks"] if t["id"] == "19084")
    assert set(task) == {"id", "name", "status", "raw_status", "progress", "queue_position",
                         "frames", "submitted_at", "output_url", "error", "actions", "children",
                         "facts"}   # added: the render farm's own facts of the task
    assert task["facts"]["project"] == "hotel" and task["facts"]["started_at"].endswith("Z")
    assert task["status"] == "running" and task["raw_status"] == "5"
    assert [c["id"] for c in task["children"]] == ["19087", "19088"]
    assert set(task["frames"]) == {"total", "done", "failed", "running", "waiting"}


def test_snapshot_exits_1_when_a_service_fails(capsys, config_file, server):
    server.stop()
    code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config_file))
    service = json.loads(out)["services"][0]
    assert code == 1 and service["ok"] is False and service["error"].startswith("unreachable")


def test_blocks_json(capsys, config_file):
    code, out, _ = run(capsys, "blocks", "sh-farm", "19088", "--json", "--config",
                       str(config_file))
    payload = json.loads(out)
    assert code == 0 and payload["service"] == "sh-farm" and payload["task"] == "19088"
    assert len(payload["rows"]) == 17
    assert set(payload["rows"][0][0]) == {"index", "block", "status", "percent", "used_s",
                                          "eta_s"}


def test_act_exit_codes_and_result_json(capsys, config_file, sim):
    code, out, _ = run(capsys, "act", "sh-farm", "stop", "19088", "--yes",
                       "--config", str(config_file))
    assert code == 0 and json.loads(out)["ok"] is True
    # acted on once (a first call refused for the clock, 610, learns the calendar and goes again)
    assert [r.body for r in sim.received if r.path == "task/stopTask" and r.answered == 200] == [
        {"taskIds": [19088], "taskParam": [19088]}]
    code, out, _ = run(capsys, "act", "sh-farm", "delete", "18380", "--yes",
                       "--config", str(config_file))
    result = json.loads(out)
    assert code == 1 and result["code"] == 600 and "before deleting" in result["message"]
    code, _, err = run(capsys, "act", "sh-farm", "explode", "1", "--config", str(config_file))
    assert code == 2 and "no action 'explode'" in err
    code, out, _ = run(capsys, "--read-only", "act", "sh-farm", "stop", "1", "--config",
                       str(config_file))
    assert code == 3
    code, out, _ = run(capsys, "act", "sh-farm", "stop", "1", "--read-only", "--config",
                       str(config_file))
    assert code == 3 and json.loads(out)["ok"] is False


def test_act_destructive_without_terminal_needs_yes(capsys, config_file, sim, monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, _, err = run(capsys, "act", "sh-farm", "abandon", "18278", "--config",
                       str(config_file))
    assert code == 2 and "--yes" in err
    assert not [r for r in sim.received if r.path == "task/abortTask"]


def test_act_params(capsys, config_file, sim):
    code, _, _ = run(capsys, "act", "sh-farm", "set_timeout", "18301", "--param",
                       "seconds=600", "--config", str(config_file))
    assert code == 0 and sim.tasks[18301].over_time == 600_000
    # the account's default: no target needed (the account is the target)
    code, out, _ = run(capsys, "act", "sh-farm", "set_default_timeout", "--param", "hours=6",
                       "--config", str(config_file))
    result = json.loads(out)
    assert code == 0 and result["targets"] == ["account"] and sim.default_timeout_s == 21600
    assert [r.body for r in sim.received if r.path == "user/updateUserSetting"
            and r.answered == 200] == [{"taskOverTime": 6}]
    code, out, _ = run(capsys, "act", "sh-farm", "set_default_timeout", "--param", "hours=1.5",
                       "--config", str(config_file))
    assert code == 1 and "whole hours" in json.loads(out)["message"]
    code, _, err = run(capsys, "act", "sh-farm", "stop", "1", "--param", "x=1", "--config",
                       str(config_file))
    assert code == 2 and "no --param 'x'" in err
    code, _, err = run(capsys, "act", "sh-farm", "retry_frames", "18340", "18330", "--param",
                       "all=1", "--config", str(config_file))
    assert code == 2 and "takes one target" in err


def test_config_errors_exit_2_naming_the_key(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[services]]\nname = "x"\nkind = "renderbus"\nbase_url = "http://a"\n'
                    'access_id = "a"\n')
    code, _, err = run(capsys, "snapshot", "--config", str(path))
    assert code == 2 and str(path) in err and "'x'" in err and "'access_key'" in err
    assert "Traceback" not in err


def test_config_init_check_and_path(capsys, tmp_path, monkeypatch):
    path = tmp_path / "new" / "config.toml"
    assert run(capsys, "config", "path", "--config", str(path))[1].strip() == str(path)
    assert run(capsys, "config", "init", "--config", str(path))[0] == 0
    assert path.stat().st_mode & 0o777 == 0o600
    assert run(capsys, "config", "init", "--config", str(path))[0] == 2  # no silent overwrite
    monkeypatch.setenv("RENDERBUS_ACCESS_KEY", "k" * 12)
    code, out, _ = run(capsys, "config", "check", "--offline", "--config", str(path))
    assert code == 0 and "ok, 1 service\n" in out


def test_config_keys_lists_every_command_with_its_key_remapped_or_not(capsys, tmp_path):
    from jobdeck.adapters.core.commands import COMMANDS
    code, out, _ = run(capsys, "config", "keys", "--config", str(tmp_path / "none.toml"))
    assert code == 0
    listed = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert listed == {c.name: c.display_key() for c in COMMANDS}
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\nstop = "x"\n')
    out = run(capsys, "config", "keys", "--config", str(path))[1]
    assert any(line.split()[:3] == ["stop", "x", "*"] for line in out.splitlines())


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    """`jobdeck ... | head`: the pipe closes before jobdeck writes; it stops quietly."""
    jobdeck = Path(sys.executable).with_name("jobdeck")
    process = subprocess.Popen([str(jobdeck), "config", "keys", "--config",
                                str(tmp_path / "none.toml")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()            # the reader is gone before the first line
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0 and err == b""


def test_track_refuses_kinds_that_list_their_own_tasks(capsys, config_file):
    code, _, err = run(capsys, "track", "sh-farm", "1", "--config", str(config_file))
    assert code == 2 and "nothing to track" in err


def test_sim_serve_prints_a_config_that_works(tmp_path):
    jobdeck = Path(sys.executable).with_name("jobdeck")
    process = subprocess.Popen([str(jobdeck), "sim", "serve", "--kind", "renderbus"],
                               stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if line.startswith("# serving") or not line:
                break
        config = tmp_path / "sim.toml"
        config.write_text("".join(lines))
        result = subprocess.run([str(jobdeck), "snapshot", "--json", "--config", str(config)],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        names = [s["name"] for s in json.loads(result.stdout)["services"]]
        assert names == ["sh-farm", "la-farm"]
        assert "127.0.0.1" in config.read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sim_serve_scale_serves_a_big_account_and_counts_its_requests(tmp_path):
    jobdeck = Path(sys.executable).with_name("jobdeck")
    process = subprocess.Popen([str(jobdeck), "sim", "serve", "--scale", "--kind", "renderbus",
                                "--kind", "ntv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if line.startswith("# serving") or not line:
                break
        config = tmp_path / "sim.toml"
        config.write_text("".join(lines))
        result = subprocess.run([str(jobdeck), "snapshot", "--json", "--config", str(config)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        services = {s["name"]: s for s in json.loads(result.stdout)["services"]}
        farm = services["sh-farm"]
        assert len(farm["tasks"]) == 20_000                       # the page cap: 200 of 100
        assert farm["warnings"][0].endswith("500 tasks not read")
        assert sum(t["status"] == "running" for t in farm["tasks"]) >= 490   # a few end soon
        assert len(services["live"]["streams"]) >= 300
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    totals = next(line for line in err.splitlines() if line.startswith("# requests served"))
    farm_requests = int(totals.split("sh-farm ")[1].split()[0])
    assert 200 < farm_requests < 230   # the whole list once, the active set, the account
