"""`jobdeck watch` as a real process against simulators that change state over loopback HTTP:
transitions as text and as JSON lines, exit 0 on SIGINT and SIGTERM, Prometheus metrics."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
import tomli_w
from prometheus_client.parser import text_string_to_metric_families

from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FIXED_EPOCH, FrozenClock

JOBDECK = str(Path(sys.executable).with_name("jobdeck"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def farms(tmp_path):
    sims = {"sh-farm": stamped(RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)),
            "live": stamped(NtvSim(clock=FrozenClock()))}
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps({"refresh": REFRESH, "poll_deadline": 5.0, "services": [
        sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]}))
    yield sims, config
    for server in servers.values():
        server.stop()


REFRESH = 0.5


def stamped(sim):
    """The simulator, noting when each request arrived."""
    answer, sim.arrivals = sim.handle, []

    def handle(request):
        sim.arrivals.append(time.monotonic())
        return answer(request)

    sim.handle = handle
    return sim


def polled_twice(*sims, seconds: float = 20) -> None:
    """Wait until each simulator saw a request after a pause of most of the refresh interval:
    a poll's requests come back to back and the next is armed only when it ends, so the first
    poll has ended and watch holds its baseline."""
    def next_poll_began(times: list[float]) -> bool:
        return any(b - a >= REFRESH * 0.8 for a, b in pairwise(times))

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(next_poll_began(list(sim.arrivals)) for sim in sims):
            return
        time.sleep(0.05)
    raise AssertionError(f"not polled twice in {seconds} s: {[len(s.arrivals) for s in sims]}")


class Process:
    def __init__(self, *args: str, env_dir: Path) -> None:
        env = {**os.environ, "JOBDECK_STATE_DIR": str(env_dir), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen([JOBDECK, *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env)
        self.lines: list[str] = []

    def read_until(self, check, seconds: float = 20) -> str:
        deadline = time.monotonic() + seconds
        buffer = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    break
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    text = line.decode()
                    self.lines.append(text)
                    if check(text):
                        return text
        raise AssertionError(f"nothing matched; got {self.lines}; "
                             f"stderr: {self.stop(signal.SIGKILL)[1]}")

    def stop(self, how: int = signal.SIGTERM) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            code = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        return code, self.process.stderr.read().decode()


def test_watch_json_prints_each_transition_and_exits_0_on_sigterm(farms, tmp_path):
    sims, config = farms
    watch = Process("watch", "--json", "--config", str(config), env_dir=tmp_path)
    try:
        polled_twice(*sims.values())   # first polls: a baseline, never a transition
        assert watch.lines == []
        sims["sh-farm"].tasks[18278].status = 45          # lobby.max fails
        failed = json.loads(watch.read_until(lambda line: '"to": "failed"' in line))
        assert failed["service"] == "sh-farm" and failed["what"] == "task"
        assert failed["id"] == "18278" and failed["from"] == "stopped"
        assert set(failed) == {"at", "service", "what", "id", "name", "from", "to", "detail"}
        sims["sh-farm"].outage = (10.0, 10.0)
        down = json.loads(watch.read_until(lambda line: '"to": "down"' in line))
        assert down["what"] == "service" and "503" in down["detail"]
        sims["sh-farm"].outage = None
        back = json.loads(watch.read_until(lambda line: '"to": "ok"' in line, 40))
        assert back["from"] == "down"
        del sims["live"].streams["live/live2"]             # a stream ends
        gone = json.loads(watch.read_until(lambda line: '"what": "stream"' in line))
        assert gone["id"] == "live/live2" and gone["to"] == "gone"
    finally:
        code, err = watch.stop(signal.SIGTERM)
    assert code == 0 and "Traceback" not in err


def test_watch_text_lines_one_service_and_sigint(farms, tmp_path):
    sims, config = farms
    watch = Process("watch", "--service", "sh-farm", "--config", str(config), env_dir=tmp_path)
    try:
        polled_twice(sims["sh-farm"])
        sims["sh-farm"].tasks[18278].status = 45
        sims["live"].streams.clear()          # not watched: no line for it
        line = watch.read_until(lambda text: "18278" in text)
        assert "sh-farm task 18278 lobby.max: stopped -> failed" in line
        polled_twice(sims["sh-farm"])
    finally:
        code, err = watch.stop(signal.SIGINT)
    rest = watch.process.stdout.read().decode().splitlines()
    assert code == 0 and "Traceback" not in err
    assert sims["live"].requests == []    # the service left out is never asked
    assert not any(text.split()[1:2] == ["live"] for text in [*watch.lines, *rest])


def test_watch_serves_prometheus_metrics(farms, tmp_path):
    sims, config = farms
    port = free_port()
    watch = Process("watch", "--metrics", f"127.0.0.1:{port}", "--config", str(config),
                    env_dir=tmp_path)
    try:
        deadline = time.monotonic() + 20
        samples: dict = {}
        while time.monotonic() < deadline:
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                       for family in text_string_to_metric_families(text)
                       for s in family.samples}
            if ("jobdeck_balance", (("kind", "renderbus"), ("service", "sh-farm"))) in samples:
                break
            time.sleep(0.2)
        farm = (("kind", "renderbus"), ("service", "sh-farm"))
        live = (("kind", "ntv"), ("service", "live"))
        assert samples[("jobdeck_up", farm)] == 1.0 and samples[("jobdeck_up", live)] == 1.0
        assert samples[("jobdeck_balance", farm)] == pytest.approx(1250.40)
        assert samples[("jobdeck_tasks", (*farm, ("status", "failed")))] == 1.0
        assert samples[("jobdeck_tasks", (*farm, ("status", "running")))] >= 1
        assert samples[("jobdeck_streams_live", live)] == 4.0
        assert ("jobdeck_streams_live", farm) not in samples   # a farm has no streams to count
        viewers = len(sims["live"].streams["live/live2"].viewers)   # a frozen clock: steady
        assert samples[("jobdeck_stream_viewers", (*live, ("stream", "live/live2")))] == viewers
        assert samples[("jobdeck_last_poll_age_seconds", farm)] < 5
        assert samples[("jobdeck_attention_items", farm)] >= 2
        sims["sh-farm"].outage = (10.0, 10.0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            if 'jobdeck_up{kind="renderbus",service="sh-farm"} 0.0' in text:
                break
            time.sleep(0.2)
        assert 'jobdeck_up{kind="renderbus",service="sh-farm"} 0.0' in text
        assert 'jobdeck_transitions_total{event="service_down",kind="renderbus",' \
               'service="sh-farm"} 1.0' in text
    finally:
        code, err = watch.stop()
    assert code == 0, err


def test_watch_metrics_address_is_checked(farms, tmp_path):
    _, config = farms
    result = subprocess.run([JOBDECK, "watch", "--metrics", "nowhere", "--config", str(config)],
                            capture_output=True, text=True, timeout=30,
                            env={**os.environ, "JOBDECK_STATE_DIR": str(tmp_path)})
    assert result.returncode == 2 and "HOST:PORT" in result.stderr


def test_a_transition_names_its_item_once_when_the_name_is_the_id():
    from datetime import UTC, datetime

    from jobdeck.adapters.core.oncall import Transition
    from jobdeck.tui.console.toasts import describe

    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    eva = Transition(at, "promo", "eva", "task", "Tt0b", "Tt0b", "running", "failed", "4340")
    farm = Transition(at, "sh-farm", "renderbus", "task", "18304", "rig.ma", "running", "failed")
    assert eva.line() == "2026-11-30T12:00:00Z promo task Tt0b: running -> failed (4340)"
    assert describe(eva) == "task Tt0b: running -> failed (4340)"
    assert farm.line() == "2026-11-30T12:00:00Z sh-farm task 18304 rig.ma: running -> failed"
