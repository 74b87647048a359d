"""`jobdeck demo` in a real pseudo-terminal, read back through the pyte terminal emulator."""

from __future__ import annotations

import os

from .pty_terminal import COLS, ROWS, Terminal, jobdeck_command


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
