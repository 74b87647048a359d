"""The account screen (I), the time-limit dialog (L) and the extra task columns (v) of `jobdeck
demo` in a real terminal at 80x24 and 120x36, read back through the pyte emulator: their words
are there, whole, and at 80 columns the extra columns give way and say so."""

from __future__ import annotations

import os

import pytest

from tests.support.pty_terminal import Terminal, jobdeck_command, press

TAB, DOWN, ESC, SPACE, ENTER = "\t", "\x1b[B", "\x1b", " ", "\r"


def demo(tmp_path, cols: int, rows: int) -> Terminal:
    env = {**os.environ, "TERM": "xterm-256color", "JOBDECK_STATE_DIR": str(tmp_path),
           "TZ": "UTC", "COLUMNS": str(cols), "LINES": str(rows)}
    return Terminal([*jobdeck_command(), "demo"], env, cols, rows)


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (120, 36)])
def test_account_time_limit_and_columns_read_whole(tmp_path, cols, rows):
    term = demo(tmp_path, cols, rows)
    try:
        assert term.wait_for("12 of 12 frames failed"), term.text()
        press(term, TAB, "Services")
        press(term, DOWN, "Tasks · sh-farm")
        screen = press(term, "I", "sh-farm · service details")
        assert "balance" in screen and "1,250.40" in screen and "12 h for new tasks" in screen
        press(term, ESC, "Tasks · sh-farm")
        screen = press(term, "L", "Set default time limit · sh-farm")   # the service list's L
        assert "New tasks stop after this many hours" in screen
        press(term, ESC, "Tasks · sh-farm")
        press(term, TAB, "DONE/FAIL/ALL")
        screen = press(term, "L", "Set time limit · sh-farm")           # the task under the cursor
        assert "Stop the task after this many hours of rendering" in screen
        press(term, ESC, "Tasks · sh-farm")
        screen = press(term, "v", "Task columns")
        assert "ELAPSED" in screen and "PROJECT" in screen
        for key in (SPACE, DOWN, DOWN, DOWN, SPACE):                # elapsed and project
            term.send(key)
            term.pump(0.2)
        screen = press(term, ENTER, "sort: newest · " if cols > 100 else "hidden")
        assert "Task columns" not in screen   # the dialog is closed
        if cols > 100:
            assert "PROJECT" in screen and "hotel" in screen
        else:   # the name keeps its room; the pane says what it could not show
            assert "2 columns hidden" in screen or "1 column hidden" in screen
        assert "cloakroom.max" in screen
        assert "Traceback" not in screen
        term.send("q")
        assert term.close() == 0
    except BaseException:
        term.close()
        raise
