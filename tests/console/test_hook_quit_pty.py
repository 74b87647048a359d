"""Quitting the console while alert hooks run, in a real pseudo-terminal: the hooks' process
groups end with it, and nothing is printed after the console leaves its screen (it used to print
"Event loop is closed" tracebacks while the hooks lived on under PID 1)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import tomli_w

from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.pty_terminal import Terminal, jobdeck_command


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_quitting_with_hooks_running_ends_them_and_prints_nothing(tmp_path):
    pids = tmp_path / "pids"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\nsleep 60 &\necho $! >> {pids}\nsleep 60\n")
    hook.chmod(0o755)
    sim = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)
    with SimServer(sim) as server:
        config = tmp_path / "config.toml"
        config.write_text(tomli_w.dumps({
            "refresh": 0.5, "alerts": {"command": str(hook), "command_timeout": 60.0},
            "services": [sim.service_entry("sh-farm", server.base_url)]}))
        env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC",
               "JOBDECK_STATE_DIR": str(tmp_path / "state")}
        term = Terminal([*jobdeck_command(), "--config", str(config)], env, 120, 30)
        try:
            assert term.wait_for("Attention"), term.text()
            deadline = time.monotonic() + 20                 # the first poll: a baseline, and
            while time.monotonic() < deadline and sum(      # the second one asked for
                    path.endswith("getTaskList") for _, path, _ in list(sim.requests)) < 2:
                term.pump(0.05)
            for task_id in (18278, 18301, 18320):            # three fail: three hooks
                sim.tasks[task_id].status = 45
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and (
                    not pids.exists() or len(pids.read_text().split()) < 3):
                term.pump(0.1)
            children = [int(pid) for pid in pids.read_text().split()]
            assert len(children) == 3
            at_quit = len(term.raw)
            term.send("q")
            deadline = time.monotonic() + 10
            while term.process.poll() is None and time.monotonic() < deadline:
                term.pump(0.05)
            term.pump(0.1)                                   # what it wrote on its way out
            code = term.close()
        except BaseException:
            term.close()
            raise
    after = bytes(term.raw[at_quit:]).decode("utf-8", "replace")
    assert code == 0, after
    assert "Event loop is closed" not in after and "Traceback" not in after, after
    deadline = time.monotonic() + 3
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children)
