"""Figures for a big account beside the demo's small one: what a poll asks, what idling costs.

  the simulators of `jobdeck sim serve --scale` (sh-farm: 20,000 finished and 500 running
  Renderbus tasks; live: 300 live streams; the demo's other services), and the demo's own small
  ones, each set served over loopback by this process (la-farm's periodic outage switched off):
  - requests per poll of each service, counted at the simulators while the console idles
  - the console in a pseudo-terminal at 120x40: spawn to first data (sh-farm's first
    attention row), a key in sh-farm's task table (sent to the first byte of the answer),
    then idle on the attention view for --seconds: CPU of its process, and its peak RSS

Run: .venv/bin/python bench/bench_scale.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jobdeck.adapters.contract.registry import demo_simulators
from jobdeck.adapters.simulation.server import SimServer, Simulator
from jobdeck.tui.cli.sim_serve import scaled_simulators
from tests.support.pty_terminal import Terminal, jobdeck_command

TICKS = os.sysconf("SC_CLK_TCK")
FIRST_ROW = re.compile(r"sh-farm\s+task \d+")   # an attention row of sh-farm's
REFRESH = 2.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_for_pattern(term: Terminal, pattern: re.Pattern[str], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pattern.search(term.text()):
            return True
        term.pump(0.02)
    return bool(pattern.search(term.text()))


def key_latency(term: Terminal, key: str, runs: int = 15) -> float:
    """Median seconds from a key to the first byte the console writes back."""
    times = []
    for _ in range(runs):
        term.pump(0.3)   # let the last answer (and any tick) finish
        written = term.written
        sent = time.perf_counter()
        term.send(key)
        while term.written == written and time.perf_counter() - sent < 2:
            term.pump(0.001)
        times.append(time.perf_counter() - sent)
    return statistics.median(times)


def requests(sims: dict[str, Simulator]) -> dict[str, int]:
    out = {}
    for name, sim in sims.items():
        with sim.lock:
            out[name] = len(sim.requests)
    return out


def run(label: str, sims: dict[str, Simulator], seconds: float, env: dict[str, str],
        command: list[str]) -> dict[str, object]:
    for sim in sims.values():
        sim.outage = None
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    try:
        config = Path(env["JOBDECK_STATE_DIR"]) / f"{label}.toml"
        config.write_text(tomli_w.dumps({"refresh": REFRESH, "services": [
            sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]}))
        started = time.perf_counter()
        term = Terminal([*command, "--config", str(config)], env, cols=120, rows=40)
        try:
            if not wait_for_pattern(term, FIRST_ROW, 60):
                raise SystemExit(f"{label}: no attention row of sh-farm within 60 s")
            first_data = time.perf_counter() - started
            term.pump(3.0)
            term.send("\x1b[Z")   # to the service list
            term.pump(0.5)
            term.send("\x1b[B")   # sh-farm: its tasks
            term.pump(2.0)
            term.send("\t")       # into the task table
            term.pump(1.0)
            key = key_latency(term, "\x1b[B")
            term.send("\x1b[A" * 15)
            term.send("\x1b[Z")   # back to the service list, up to the attention view
            term.pump(0.5)
            term.send("\x1b[A")
            term.pump(3.0)
            pid = term.process.pid
            cpu, counted = cpu_seconds(pid), requests(sims)
            term.pump(seconds)
            cpu = cpu_seconds(pid) - cpu
            after = requests(sims)
            rss = peak_rss_mb(pid)
            term.send("q")
        finally:
            term.close()
    finally:
        for server in servers.values():
            server.stop()
    polls = seconds / REFRESH
    return {"first_data": first_data, "key": key, "cpu": cpu / seconds * 100, "rss": rss,
            "per_poll": {name: (after[name] - counted[name]) / polls for name in sims}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    # JOBDECK_BENCH_COMMAND runs another build of the console against the same simulators
    # (how the figures before a change were taken)
    command = shlex.split(os.environ.get("JOBDECK_BENCH_COMMAND", "")) or jobdeck_command()
    with tempfile.TemporaryDirectory() as state:
        env = {**os.environ, "TERM": "xterm-256color", "JOBDECK_STATE_DIR": state, "TZ": "UTC"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        small = run("small", demo_simulators(), args.seconds, env, command)
        built = time.perf_counter()
        scaled = scaled_simulators()
        print(f"(the scaled simulators took {time.perf_counter() - built:.1f} s to build)")
        big = run("scale", scaled, args.seconds, env, command)
    print(f"a big account beside the demo's, refresh {REFRESH:g} s, 120x40, "
          f"{args.seconds:g} s idle on the attention view:")
    print(f"  {'':<34}{'demo account':>14}{'big account':>14}")
    rows = (("first data on screen", "first_data", "{:.2f} s"),
            ("a key in sh-farm's tasks", "key", "{:.0f} ms"),
            ("idle CPU of the console", "cpu", "{:.1f} %"),
            ("peak RSS of the console", "rss", "{:.0f} MB"))
    for title, key, shape in rows:
        values = [small[key], big[key]]
        if key == "key":
            values = [v * 1000 for v in values]
        print(f"  {title:<34}" + "".join(f"{shape.format(v):>14}" for v in values))
    print("  requests per poll, counted at the simulators:")
    for name in big["per_poll"]:
        print(f"    {name:<32}{small['per_poll'].get(name, 0):>14.1f}"
              f"{big['per_poll'][name]:>14.1f}")
    print(f"    {'all services':<32}{sum(small['per_poll'].values()):>14.1f}"
          f"{sum(big['per_poll'].values()):>14.1f}")


if __name__ == "__main__":
    main()
