"""Figures for the console in a real pseudo-terminal: startup, and what idling costs.

  startup: spawn to the first frame of `jobdeck demo` and to its first data (the attention
    rows), against a bare Textual app's first frame in the same run; and the first frame of the
    console on a config of five services served over loopback
  idle on static services: five simulators that do not change (frozen clocks, served over
    loopback by this process), the console polling them every 2 s at 120x40, no key pressed:
    CPU of the console's process and bytes written to the terminal, on the attention view and
    with a service's task table shown; then paused
  one task changing: the bytes a poll writes when one task's progress moves

Run: .venv/bin/python bench/bench_terminal.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jobdeck.adapters.enhance.sim import EnhanceSim
from jobdeck.adapters.eva.sim import EvaSim
from jobdeck.adapters.finalrip.sim import FinalRipSim
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.pty_terminal import Terminal, jobdeck_command

TICKS = os.sysconf("SC_CLK_TCK")
BARE_APP = ("from textual.app import App\nfrom textual.widgets import Static\n"
            "class Bare(App):\n    def compose(self):\n        yield Static('bare ready')\n"
            "Bare().run()\n")


class Frozen:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def measure(term: Terminal, seconds: float) -> tuple[float, int]:
    cpu, written = cpu_seconds(term.process.pid), term.written
    term.pump(seconds)
    return cpu_seconds(term.process.pid) - cpu, term.written - written


def first_paint(argv: list[str], env: dict[str, str], text: str,
                data: str | None = None) -> tuple[float, float]:
    """Spawn to `text` on screen (the first frame), and to `data` (the first data) when given."""
    started = time.perf_counter()
    term = Terminal(argv, env, cols=120, rows=40)
    try:
        if not term.wait_for(text, 30):
            raise SystemExit(f"{text!r} did not paint within 30 s")
        frame = time.perf_counter() - started
        if data is not None and not term.wait_for(data, 30):
            raise SystemExit(f"{data!r} did not show within 30 s")
        return frame, time.perf_counter() - started
    finally:
        term.send("q" if "jobdeck" in " ".join(argv) else "\x11")   # ctrl+q quits Textual
        term.close()


# The demo's first attention row: sh-farm's failed render, shown once its first poll is in.
DEMO_DATA = "task 18340 forest"


def startup(env: dict[str, str], runs: int) -> None:
    # One uncounted start first: it writes the bytecode caches an installed console has (pip
    # compiles Textual at install; an editable install compiles ours on first run). Then the
    # two take turns, so a machine busier now than then weighs on both alike.
    first_paint([*jobdeck_command(), "demo"], env, "Attention")
    frames, datas, bare = [], [], []
    for _ in range(runs):
        frame, data = first_paint([*jobdeck_command(), "demo"], env, "Attention", DEMO_DATA)
        frames.append(frame)
        datas.append(data)
        bare.append(first_paint([sys.executable, "-c", BARE_APP], env, "bare ready")[0])
    f, d, b = statistics.median(frames), statistics.median(datas), statistics.median(bare)
    print(f"startup, spawn to the screen (median of {runs}):")
    print(f"  jobdeck demo, first frame                   {f * 1000:8.0f} ms   {f / b:5.2f} x")
    print(f"  jobdeck demo, first data (attention rows)   {d * 1000:8.0f} ms   {d / b:5.2f} x")
    print(f"  a bare Textual app, first frame             {b * 1000:8.0f} ms")


def idle(env: dict[str, str], seconds: float) -> None:
    clock = Frozen()
    wall = Frozen(1_795_600_000.0)   # the wall clock too: a time of day in a reply moves
    sims = {"sh-farm": RenderbusSim(clock=clock, wall=wall),
            "encoder": FinalRipSim(clock=clock, wall=wall), "promo": EvaSim(clock=clock, wall=wall),
            "photo": EnhanceSim(clock=clock), "live": NtvSim(clock=clock, wall=wall)}
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    try:
        config = Path(env["JOBDECK_STATE_DIR"]) / "static.toml"
        config.write_text(tomli_w.dumps({"refresh": 2.0, "services": [
            sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]}))
        argv = [*jobdeck_command(), "--config", str(config)]
        starts = [first_paint(argv, env, "Attention")[0] for _ in range(7)]
        print("startup on a config of 5 services over loopback (median of 7):")
        print(f"  jobdeck --config                            "
              f"{statistics.median(starts) * 1000:8.0f} ms")
        term = Terminal([*jobdeck_command(), "--config", str(config)], env, cols=120, rows=40)
        try:
            if not term.wait_for("Attention", 30):
                raise SystemExit("the console did not paint within 30 s")
            term.pump(5.0)

            def report(label: str) -> None:
                cpu, written = measure(term, seconds)
                print(f"  {label:<42}{cpu / seconds * 100:6.1f} % CPU  "
                      f"{written / seconds * 60 / 1024:8.1f} KB/min")

            print(f"idle on 5 static services, refresh 2 s, 120x40, {seconds:g} s each:")
            report("attention view")
            term.send("\x1b[Z")   # to the service list
            term.pump(0.5)
            term.send("\x1b[B")   # sh-farm: its tasks and the block grid of the first
            term.pump(5.0)
            report("a render farm's tasks and block grid")
            term.send("P")
            term.pump(1.0)
            report("paused")
            term.send("P")
            term.pump(3.0)
            task = sims["sh-farm"].tasks[18310]   # a stopped task: only the sim's test moves it
            polls = []
            for _ in range(5):
                written = term.written
                with sims["sh-farm"].lock:
                    task.frames[len(polls) + 3].status = 4
                term.pump(2.2)
                polls.append(term.written - written)
            print(f"  one task's progress moves each poll:        "
                  f"{statistics.median(polls):8,.0f} bytes a poll (median of 5)")
            term.send("q")
        finally:
            term.close()
    finally:
        for server in servers.values():
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        env = {**os.environ, "TERM": "xterm-256color", "JOBDECK_STATE_DIR": state, "TZ": "UTC"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)   # as an operator's shell runs it
        startup(env, args.runs)
        idle(env, args.seconds)


if __name__ == "__main__":
    main()
