"""`jobdeck demo` in a real pseudo-terminal, read back through the pyte terminal emulator."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from tests.support.pty_terminal import COLS, ROWS, Terminal, jobdeck_command


def demo(tmp_path, cols: int = COLS, rows: int = ROWS, *args: str) -> Terminal:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows),
           "JOBDECK_STATE_DIR": str(tmp_path), "TZ": "UTC"}
    return Terminal([*jobdeck_command(), "demo", *args], env, cols, rows)


SPEED = 4   # the demo's minute in 15 s: the same story, its simulated time run faster


def test_demo_starts_in_a_real_terminal_answers_keys_and_quits_cleanly(tmp_path):
    term = demo(tmp_path)
    try:
        assert term.wait_for("Attention") and term.wait_for("la-farm"), term.text()
        screen = term.text()
        assert "sh-farm" in screen and "Services" in screen
        assert "Traceback" not in screen
        term.send("\t")                 # to the service list
        term.pump(0.3)
        term.send("\x1b[B")             # down: sh-farm
        assert term.wait_for("cloakroom.max"), term.text()
        term.send("?")
        assert term.wait_for("jobdeck keys"), term.text()
        term.send("\x1b")
        term.pump(0.5)
        term.send("P")
        assert term.wait_for("PAUSED"), term.text()
        term.send("q")
        code = term.close()
    except BaseException:
        term.close()
        raise
    assert code == 0


def test_within_a_minute_the_attention_view_shows_what_needs_the_operator(tmp_path):
    """A failed render, a stalled one, a stream that ended and a farm that drops out, each with
    its service; and the terminal bell rings when the farm drops out. (At --speed 4: the
    demo's minute is 15 s here.)"""
    term = demo(tmp_path, 140, 40, "--speed", str(SPEED))
    wanted = {"failed": ("sh-farm", "broken_rig"), "stalled": ("sh-farm", "hangar_flyth"),
              "gone": ("live", "guest-cam"), "stale": ("la-farm", "service")}
    try:
        assert term.wait_for("Attention"), term.text()
        start = time.monotonic()
        bell_before = None
        seen: dict[str, float] = {}
        while time.monotonic() - start < 70 / SPEED + 10 and len(seen) < len(wanted):
            term.pump(0.5)
            lines = term.text().splitlines()
            for status, (service, item) in wanted.items():
                if status not in seen and any(service in line and item in line and
                                              status in line for line in lines):
                    seen[status] = time.monotonic() - start
                    if status == "stale":
                        bell_before = term.raw.count(b"\x07")
        assert set(seen) == set(wanted), (seen, term.text())
        assert max(seen.values()) < 65 / SPEED + 5
        term.pump(1.0)
        # the farm dropping out rang the bell (Textual's bell is a raw BEL byte)
        assert bell_before is not None and term.raw.count(b"\x07") >= 1
        assert "Traceback" not in term.text()
        term.send("q")
        assert term.close() == 0
    except BaseException:
        term.close()
        raise


def test_a_terminal_that_goes_away_ends_the_console_instead_of_spinning(tmp_path):
    """Textual's input thread loops at full speed on a hung-up terminal (Textual PR #6690);
    over SSH that would leave an orphan burning a core for every dropped session."""
    term = demo(tmp_path)
    try:
        assert term.wait_for("Attention"), term.text()
    finally:
        term.hang_up()
    pid = term.process.pid
    started = cpu_seconds(pid)
    try:
        code = term.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        spent = cpu_seconds(pid) - started
        os.killpg(pid, signal.SIGKILL)
        term.process.wait()
        raise AssertionError(f"still running 10 s after its terminal went away "
                             f"({spent:.1f} s of CPU meanwhile)") from None
    assert code == 0


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
