"""Drives a program in a real pseudo-terminal and reads its screen back through pyte.

Shared by the pty test and bench/bench_terminal.py.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pyte

COLS, ROWS = 100, 30


def jobdeck_command() -> list[str]:
    script = Path(sys.executable).with_name("jobdeck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jobdeck"]


class Terminal:
    def __init__(self, argv: list[str], env: dict[str, str], cols: int = COLS,
                 rows: int = ROWS) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        close_fds=True, start_new_session=True)
        os.close(slave)
        self.written = 0
        self.raw = bytearray()   # every byte the program wrote, escapes and bells included

    def pump(self, seconds: float, until: str | None = None) -> bool:
        """Read what the program writes for `seconds`, or until `until` is on the screen
        (checked after every read, so a first paint is timed to the read that brought it)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return False
                self.written += len(data)
                self.raw += data
                self.stream.feed(data)
                if until is not None and until in self.text():
                    return True
        return False

    def wait_for(self, text: str, seconds: float = 20) -> bool:
        return text in self.text() or self.pump(seconds, until=text)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def hang_up(self) -> None:
        """The terminal goes away under the program, as when an SSH session dies without
        a SIGHUP reaching it (the program here has no controlling terminal to get one)."""
        os.close(self.master)
        self.master = -1

    def close(self) -> int | None:
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return None
        finally:
            if self.master >= 0:
                os.close(self.master)


def press(term: Terminal, keys: str, wait_for: str, seconds: float = 10) -> str:
    """Send keys, wait for `wait_for` on screen (failing with the screen if it never shows),
    let the rest of the answer land, and give the screen."""
    term.send(keys)
    assert term.wait_for(wait_for, seconds), term.text()
    term.pump(0.3)
    return term.text()
