"""`jobdeck demo` in a real pseudo-terminal, read back through the pyte terminal emulator."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyte
import pytest

COLS, ROWS = 100, 30


def jobdeck_command() -> list[str]:
    script = Path(sys.executable).with_name("jobdeck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jobdeck"]


class Terminal:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.master, slave = pty.openpty()
        import fcntl
        import struct
        import termios
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        close_fds=True, start_new_session=True)
        os.close(slave)
        self.written = 0

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return
                self.written += len(data)
                self.stream.feed(data)

    def wait_for(self, text: str, seconds: float = 20) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.pump(0.2)
            if text in self.text():
                return True
        return False

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int | None:
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return None
        finally:
            os.close(self.master)


@pytest.mark.skipif(not shutil.which("true"), reason="needs a POSIX system")
def test_demo_starts_in_a_real_terminal_answers_keys_and_quits_cleanly(tmp_path):
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS),
           "JOBDECK_STATE_DIR": str(tmp_path), "TZ": "UTC"}
    term = Terminal([*jobdeck_command(), "demo"], env)
    try:
        assert term.wait_for("cloakroom.max"), term.text()
        screen = term.text()
        assert "sh-farm" in screen and "la-farm" in screen and "Services" in screen
        assert "Traceback" not in screen
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
