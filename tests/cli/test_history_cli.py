"""`jobdeck history` and `jobdeck report` on a store written by a real `watch` process against
simulators over loopback HTTP (and an `act` run beside it): what happened, in time order, as
lines and JSON; the handover in Markdown, with service text kept literal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tomli_w

from jobdeck.adapters.contract.model import ServiceSnapshot, Task
from jobdeck.adapters.core.history import Recorder
from jobdeck.adapters.core.oncall import Transition
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FIXED_EPOCH, FrozenClock

JOBDECK = str(Path(sys.executable).with_name("jobdeck"))


def run(*args: str, state: Path, config: Path | None = None) -> subprocess.CompletedProcess:
    extra = ["--config", str(config)] if config else []
    return subprocess.run([JOBDECK, *args, *extra], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "JOBDECK_STATE_DIR": str(state), "TZ": "UTC",
                               "USER": "night-shift"})


def until(check, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("not reached in time")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def shift(tmp_path_factory):
    """A `watch` run against two simulators while a task fails, the farm goes down and comes
    back, a stream ends; and an action taken with `act`. Yields the state dir and config."""
    tmp = tmp_path_factory.mktemp("shift")
    state = tmp / "state"
    sims = {"sh-farm": RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH),
            "live": NtvSim(clock=FrozenClock())}
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    config = tmp / "config.toml"
    config.write_text(tomli_w.dumps({"refresh": 0.2, "poll_deadline": 5.0, "services": [
        sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]}))
    watch = subprocess.Popen([JOBDECK, "watch", "--json", "--config", str(config)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "JOBDECK_STATE_DIR": str(state)})
    seen: list[str] = []

    def line_with(text: str) -> bool:
        seen.extend(iter_lines(watch))
        return any(text in line for line in seen)

    try:
        until(lambda: (state / "history.sqlite3").exists())   # a first poll: the baseline
        sims["sh-farm"].tasks[18278].status = 45            # lobby.max fails
        until(lambda: line_with('"to": "failed"'))
        sims["sh-farm"].outage = (10.0, 10.0)
        until(lambda: line_with('"to": "down"'))
        sims["sh-farm"].outage = None
        until(lambda: line_with('"to": "ok"'), 40)
        del sims["live"].streams["live/live2"]
        until(lambda: line_with('"what": "stream"'))
        acted = run("act", "sh-farm", "retry_failed", "18330", "--yes", state=state,
                    config=config)
        assert acted.returncode == 0, acted.stderr
    finally:
        watch.send_signal(signal.SIGTERM)
        watch.wait(timeout=15)
        for server in servers.values():
            server.stop()
    assert watch.returncode == 0
    yield state, config


def iter_lines(process: subprocess.Popen) -> list[str]:
    import select
    out = []
    while select.select([process.stdout], [], [], 0.05)[0]:
        line = process.stdout.readline()
        if not line:
            break
        out.append(line)
    return out


def test_history_lists_the_shift_in_time_order(shift):
    state, _ = shift
    done = run("history", state=state)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    wanted = ["sh-farm task 18278 lobby.max: stopped -> failed", "sh-farm: ok -> down",
              "sh-farm: down -> ok", "live stream live/live2 live2: live -> gone",
              "sh-farm action retry_failed 18330 by night-shift via act: done"]
    found = [next(n for n, line in enumerate(lines) if w in line) for w in wanted]
    assert found == sorted(found), lines
    stamps = [line.split()[0] for line in lines]
    assert stamps == sorted(stamps)


def test_history_json_per_service_gives_the_transition_and_audit_shapes(shift):
    state, _ = shift
    done = run("history", "--json", "--service", "sh-farm", state=state)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert {r["service"] for r in records} == {"sh-farm"}
    failed = next(r for r in records if r.get("to") == "failed")
    assert set(failed) == {"at", "service", "what", "id", "name", "from", "to", "detail"}
    action = next(r for r in records if "action" in r)
    assert action["action"] == "retry_failed" and action["targets"] == ["18330"]
    assert action["outcome"] == "done" and action["user"] == "night-shift"
    later = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert run("history", "--since", later, state=state).stdout == ""   # a moment as --since


def test_history_refuses_what_it_cannot_read(shift, tmp_path):
    state, _ = shift
    unknown = run("history", "--service", "nowhere", state=state)
    assert unknown.returncode == 2 and "recorded: " in unknown.stderr and "sh-farm" in \
        unknown.stderr
    assert run("history", "--since", "yesterday", state=state).returncode == 2
    empty = run("history", state=tmp_path / "none")
    assert empty.returncode == 0 and "nothing recorded yet" in empty.stderr


def test_report_is_a_markdown_handover_per_service(shift):
    state, _ = shift
    done = run("report", "--since", "1h", state=state)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("# Handover: ")
    table = next(line for line in text.splitlines() if line.startswith("| sh-farm "))
    cells = [c.strip() for c in table.strip("|").split("|")]
    assert cells[3] == "1" and cells[6] == "1" and cells[1] != "–"   # failed, actions, down
    farm = text.split("## sh-farm (renderbus)")[1]
    assert "- **Down:** " in farm and "in 1 outage" in farm
    assert "`18278` lobby.max at " in farm and "- **Still failing:** " in farm
    assert "night-shift via act: retry\\_failed `18330` → **done**" in farm
    assert "- **Balance:** 1,250.40 → 1,250.40 (±0.00)" in farm
    assert "running tasks avg " in farm and "frames finished " in farm
    assert "poll latency median " in farm
    live = text.split("## live (ntv)")[1]
    assert "- **Streams lost:** `live/live2` at " in live
    assert "live streams avg " in live and "viewers avg " in live


def test_report_keeps_service_text_literal(tmp_path):
    wall = datetime.now(UTC) - timedelta(minutes=5)
    rec = Recorder(tmp_path, 14, flush_s=0.01)
    hostile = "| **x** `y` \x1b[31mred"
    rec.poll(ServiceSnapshot("farm", "renderbus", tasks=[Task("1", hostile, "running", "5")]),
             [], wall)
    rec.poll(ServiceSnapshot("farm", "renderbus", tasks=[Task("1", hostile, "failed", "45")]),
             [Transition(wall, "farm", "renderbus", "task", "1", hostile, "running", "failed")],
             wall + timedelta(seconds=2))
    rec.close()
    done = run("report", state=tmp_path)
    assert "\x1b" not in done.stdout
    assert "\\| \\*\\*x\\*\\* \\`y\\`" in done.stdout
    assert "| farm | – | 0 | 1 | 1 |" in done.stdout
