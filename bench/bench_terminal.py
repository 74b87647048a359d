"""Figures for `jobdeck demo` in a real pseudo-terminal: startup, and what idling costs.

  startup: spawn to the first task row on screen
  idle, live: 10 s with polls every 2 s and no key pressed: CPU seconds and bytes to the terminal
  idle, paused: the same after `P`

Run: .venv/bin/python bench/bench_terminal.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.pty_terminal import Terminal, jobdeck_command

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def measure(term: Terminal, seconds: float) -> tuple[float, int]:
    cpu, written = cpu_seconds(term.process.pid), term.written
    term.pump(seconds)
    return cpu_seconds(term.process.pid) - cpu, term.written - written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        env = {**os.environ, "TERM": "xterm-256color", "JOBDECK_STATE_DIR": state, "TZ": "UTC"}
        started = time.perf_counter()
        term = Terminal([*jobdeck_command(), "demo"], env, cols=120, rows=36)
        try:
            if not term.wait_for("cloakroom.max", 30):
                raise SystemExit("the demo did not paint within 30 s")
            startup = time.perf_counter() - started
            print(f"startup, spawn to first task row painted     {startup * 1000:8.0f} ms "
                  f"({term.written:,} bytes)")
            term.pump(3.0)  # let the first blocks and polls settle
            cpu, written = measure(term, args.seconds)
            print(f"idle, live (polls every 2 s), {args.seconds:g} s:      "
                  f"{cpu / args.seconds * 100:6.1f} % CPU, {written / args.seconds:8,.0f} bytes/s")
            term.send("P")
            term.pump(1.0)
            cpu, written = measure(term, args.seconds)
            print(f"idle, paused, {args.seconds:g} s:                      "
                  f"{cpu / args.seconds * 100:6.1f} % CPU, {written / args.seconds:8,.0f} bytes/s")
            term.send("q")
        finally:
            term.close()


if __name__ == "__main__":
    main()
