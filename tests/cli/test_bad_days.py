"""Bad days: hostile replies, faults and load never crash, leak, hang or lie about an outcome.
Each test is a finding that was reproduced before it was fixed."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from jobdeck.adapters.contract.model import ServiceConfig
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.adapter import RenderbusAdapter
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import Fault, SimServer
from jobdeck.tui.cli.main import main
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.hostile import EVIL, NEVER

JOBDECK = str(Path(sys.executable).with_name("jobdeck"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def farm_server():
    sim = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)
    with SimServer(sim) as server:
        yield sim, server


def write_config(tmp_path, *entries, **top) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({**top, "services": list(entries)}))
    return path


# nothing hangs ---------------------------------------------------------------------------------

def test_snapshot_with_a_hanging_and_a_dripping_service_ends_within_the_deadline(capsys,
                                                                               tmp_path):
    hang, drip, fine = RenderbusSim(), RenderbusSim(), NtvSim()
    hang.inject(Fault.parse("hang"))
    drip.inject(Fault.parse("drip"))
    servers = [SimServer(s).start() for s in (hang, drip, fine)]
    try:
        config = write_config(tmp_path, hang.service_entry("hang", servers[0].base_url),
                              drip.service_entry("drip", servers[1].base_url),
                              fine.service_entry("fine", servers[2].base_url),
                              poll_deadline=2.0)
        started = time.monotonic()
        code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
        elapsed = time.monotonic() - started
    finally:
        for server in servers:
            server.stop()
    services = {s["name"]: s for s in json.loads(out)["services"]}
    assert code == 1 and elapsed < 4.5, elapsed
    assert services["fine"]["ok"] is True
    for name in ("hang", "drip"):
        assert services[name]["ok"] is False
        assert services[name]["error"] == "no complete answer within 2 s"


# nothing lies about an outcome -----------------------------------------------------------------

def test_an_action_whose_reply_never_came_is_outcome_unknown_exit_4(capsys, tmp_path,
                                                                    farm_server):
    sim, server = farm_server
    config = write_config(tmp_path, sim.service_entry("farm", server.base_url))
    sim.inject(Fault.parse("reset"))
    code, out, _ = run(capsys, "act", "farm", "stop", "19088", "--yes", "--config",
                       str(config))
    result = json.loads(out)
    assert code == 4 and result["outcome"] == "unknown" and result["ok"] is False
    assert "connection lost while reading the reply" in result["message"]
    assert "check the service before trying again" in result["message"]
    assert len([r for r in sim.requests if r[1].endswith("stopTask")]) == 1   # never resent
    audit = json.loads((StateStore().directory / "audit.log").read_text().splitlines()[-1])
    assert audit["outcome"] == "unknown" and audit["via"] == "act"


async def test_a_hung_action_ends_at_its_deadline_as_unknown(farm_server):
    sim, server = farm_server
    adapter = RenderbusAdapter(ServiceConfig(
        name="farm", kind="renderbus", base_url=server.base_url,
        options={"access_id": sim.access_id}, secrets={"access_key": sim.access_key}))
    adapter.action_deadline = 1.0
    sim.inject(Fault.parse("hang"))
    result = await adapter.perform("stop", ["19088"])
    assert result.outcome == "unknown" and "no answer within 1 s" in result.message
    sim.clear_fault()
    await adapter.close()


def test_ctrl_c_during_an_action_is_outcome_unknown_and_still_audited(tmp_path, farm_server):
    sim, server = farm_server
    config = write_config(tmp_path, sim.service_entry("farm", server.base_url))
    sim.inject(Fault.parse("hang"))
    state = tmp_path / "state"
    process = subprocess.Popen([JOBDECK, "act", "farm", "stop", "19088", "--yes", "--config",
                                str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "JOBDECK_STATE_DIR": str(state)})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(r[1].endswith("stopTask")
                                                  for r in sim.requests):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=15)
    sim.clear_fault()
    assert process.returncode == 4
    assert json.loads(out)["outcome"] == "unknown"
    line = json.loads((state / "audit.log").read_text().splitlines()[-1])
    assert line["outcome"] == "unknown" and line["action"] == "stop"


def test_a_batch_reports_each_target_in_the_json_and_the_audit(capsys, tmp_path):
    sim = NtvSim(clock=FrozenClock())
    with SimServer(sim) as server:
        config = write_config(tmp_path, sim.service_entry("live", server.base_url))
        code, out, _ = run(capsys, "act", "live", "close_stream", "live/live2", "live/nope",
                           "--yes", "--config", str(config))
    result = json.loads(out)
    assert code == 1 and result["outcome"] == "refused"
    assert [(r["target"], r["outcome"]) for r in result["results"]] == [
        ("live/live2", "done"), ("live/nope", "refused")]
    audit = json.loads((StateStore().directory / "audit.log").read_text().splitlines()[-1])
    assert [r["outcome"] for r in audit["results"]] == ["done", "refused"]


# lying servers ---------------------------------------------------------------------------------

def test_a_reset_says_what_happened(capsys, tmp_path, farm_server):
    sim, server = farm_server
    config = write_config(tmp_path, sim.service_entry("farm", server.base_url))
    sim.inject(Fault.parse("reset"))
    _, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
    error = json.loads(out)["services"][0]["error"]
    assert error == "connection lost while reading the reply: Connection reset by peer"


# secrets ---------------------------------------------------------------------------------------

def test_config_check_masks_a_password_in_the_url_and_warns_of_plain_http(capsys, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("T", "t" * 10)
    path = tmp_path / "c.toml"
    path.write_text('[[services]]\nname = "enc"\nkind = "finalrip"\n'
                    'base_url = "http://admin:hunter2@encoder.example:8848"\n'
                    'token = { env = "T" }\n')
    code, out, _ = run(capsys, "config", "check", "--offline", "--config", str(path))
    assert code == 0 and "hunter2" not in out and "admin" not in out
    assert "http://•••@encoder.example:8848" in out and "plain http://" in out


def test_an_env_secret_ending_in_a_newline_works_and_never_shows(capsys, tmp_path, farm_server,
                                                                monkeypatch):
    sim, server = farm_server
    monkeypatch.setenv("RB_KEY", sim.access_key + "\n")
    entry = {**sim.service_entry("farm", server.base_url), "access_key": {"env": "RB_KEY"}}
    config = write_config(tmp_path, entry)
    code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
    assert code == 0 and sim.access_key not in out


# text from a service on the command line -------------------------------------------------------

def test_the_headless_printers_never_pass_escapes(capsys, tmp_path):
    from tests.support.hostile import finalrip
    sim = finalrip()
    with SimServer(sim) as server:
        config = write_config(tmp_path, sim.service_entry("enc", server.base_url))
        outputs = []
        for argv in (("snapshot",), ("snapshot", "--json")):
            outputs.append(run(capsys, *argv, "--config", str(config)))
        key = next(iter(sim.tasks))
        outputs.append(run(capsys, "blocks", "enc", key, "--config", str(config)))
        outputs.append(run(capsys, "act", "enc", "clear", "nope" + EVIL, "--yes",
                           "--config", str(config)))
    for number, (_code, out, err) in enumerate(outputs):
        if number in (1, 3):   # JSON: controls leave escaped (\u001b), never raw
            assert not any(c in out for c in "\x1b\x07\u009b\u202e\u200b\ufeff")
            continue
        for never in NEVER:
            assert never.decode() not in out + err
    payload = json.loads(outputs[1][1])
    assert any("[bold]B[/]" in t["name"] for t in payload["services"][0]["tasks"])


# the state store ------------------------------------------------------------------------------

def test_ten_concurrent_track_processes_keep_every_id(tmp_path):
    from jobdeck.adapters.eva.sim import EvaSim
    sim = EvaSim(scenario="none")
    config = write_config(tmp_path, sim.service_entry("promo", "http://promo.test"))
    env = {**os.environ, "JOBDECK_STATE_DIR": str(tmp_path / "state")}
    ids = [f"task_{n:02d}" for n in range(10)]
    processes = [subprocess.Popen([JOBDECK, "track", "promo", task_id, "--config", str(config)],
                                  env=env, stdout=subprocess.DEVNULL) for task_id in ids]
    assert all(p.wait(timeout=60) == 0 for p in processes)
    assert sorted(StateStore(tmp_path / "state").tracked("promo")) == ids
    racing = [subprocess.Popen([JOBDECK, "untrack" if n % 2 else "track", "promo", task_id,
                                "--config", str(config)], env=env, stdout=subprocess.DEVNULL)
              for n, task_id in enumerate(ids)]
    assert all(p.wait(timeout=60) == 0 for p in racing)
    assert sorted(StateStore(tmp_path / "state").tracked("promo")) == ids[::2]


# the console: a crash, a poll that raises, backoff ----------------------------------------------

def test_a_crash_in_the_console_exits_70_with_one_line_and_no_secret(tmp_path):
    from tests.support.pty_terminal import Terminal
    script = tmp_path / "crash.py"
    script.write_text(
        "from jobdeck.tui.console import launch\n"
        "from jobdeck.tui.console import app as app_module\n"
        "from jobdeck.adapters.core.demo import build_demo\n"
        "from jobdeck.adapters.core.state import StateStore\n"
        "class Boom(app_module.JobdeckApp):\n"
        "    CSS_PATH = app_module.__file__[:-6] + 'jobdeck.tcss'\n"
        "    def on_mount(self):\n"
        "        super().on_mount()\n"
        "        raise RuntimeError('boom with sim-renderbus-access-key inside')\n"
        "launch.JobdeckApp = Boom\n"
        "world = build_demo()\n"
        f"state = StateStore(__import__('pathlib').Path({str(tmp_path / 'state')!r}))\n"
        "raise SystemExit(launch.run_app(world.config, world.adapters(state), state=state))\n")
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("JOBDECK_DEBUG", None)
    term = Terminal([sys.executable, str(script)], env, 100, 30)
    term.pump(8)
    code = term.close()
    text = bytes(term.raw).decode("utf-8", "replace")
    assert code == 70
    assert "the console stopped on an internal error: RuntimeError: boom with ••• inside" in text
    assert "Traceback" not in text and "sim-renderbus-access-key" not in text
    log = (tmp_path / "state" / "crash.log").read_text()
    assert "RuntimeError" in log and "sim-renderbus-access-key" not in log


async def test_a_poll_worker_that_raises_is_shown_on_its_line_and_re_armed():
    from tests.support.console import demo_app, settle, started

    sim = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)
    app = demo_app(("farm", sim), refresh=0.2)
    async with started(app) as pilot:
        adapter = app.adapters["farm"]
        real = adapter.poll
        calls = {"n": 0}

        async def broken():
            calls["n"] += 1
            if calls["n"] <= 2:
                raise RuntimeError("an adapter bug")
            return await real()

        adapter.poll = broken
        app.poller.backoff_first = 0.2
        app.poller.poll("farm")
        await pilot.pause(0.3)
        assert "poll failed: RuntimeError: an adapter bug" in (app.states["farm"].error or "")
        prompt = app.query_one("#services").get_option("farm").prompt.plain
        assert "retry soon" in prompt   # backoff of 0.2 s: under the 10 s step
        for _ in range(40):
            await pilot.pause(0.1)
            if calls["n"] > 2 and app.states["farm"].error is None:
                break
        assert app.states["farm"].error is None and calls["n"] >= 3   # re-armed, recovered
        await settle(pilot)


def test_backoff_grows_to_its_cap_with_jitter():
    from jobdeck.adapters.core.services import backoff
    assert backoff(0, 2.0) == 2.0
    delays = [backoff(n, 2.0, jitter=lambda: 0.5) for n in range(1, 8)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    low, high = backoff(3, 2.0, jitter=lambda: 0.0), backoff(3, 2.0, jitter=lambda: 1.0)
    assert math.isclose(low, 6.4) and math.isclose(high, 9.6)
