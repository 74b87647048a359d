"""Every screen of `jobdeck demo` in a real terminal at 80x24 and at 120x36, read back through the
pyte emulator: the words that must be seen are there, whole, at both sizes."""

from __future__ import annotations

import os
import re

import pytest

from jobdeck.adapters.core.commands import COMMANDS
from tests.support.pty_terminal import Terminal, jobdeck_command, press

TAB, SHIFT_TAB, DOWN, ESC = "\t", "\x1b[Z", "\x1b[B", "\x1b"
LABELS = {c.label for c in COMMANDS} | {"Palette"}


def demo(tmp_path, cols: int, rows: int) -> Terminal:
    env = {**os.environ, "TERM": "xterm-256color", "JOBDECK_STATE_DIR": str(tmp_path),
           "TZ": "UTC", "COLUMNS": str(cols), "LINES": str(rows)}
    return Terminal([*jobdeck_command(), "demo"], env, cols, rows)


def footer_is_whole(term: Terminal) -> str:
    """The footer line: every key in it with its whole label, ? Help among them."""
    assert term.wait_for("? Help"), term.text()   # the footer is drawn after the panes
    term.pump(0.3)
    line = term.text().splitlines()[-1]
    left = line.split("▏")[0].strip()
    keys = re.findall(r"(\S+) (.+?)(?=  |$)", left)
    assert keys and all(label in LABELS for _, label in keys), line
    assert ("?", "Help") in keys, line
    return line


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (120, 36)])
def test_every_screen_shows_its_words_whole(tmp_path, cols, rows):
    term = demo(tmp_path, cols, rows)
    narrow = cols < 100
    try:
        # attention: what needs a person, and why, in words
        assert term.wait_for("12 of 12 frames failed"), term.text()
        assert term.wait_for(" ago: "), term.text()    # the cursor's row whole, below the rows
        assert term.wait_for("tab: services" if narrow else "Services"), term.text()
        screen = term.text()
        assert "SERVICE" in screen and "DETAIL" in screen and "AGE" in screen
        assert ("tab: services" in screen) == narrow and ("Services" in screen) != narrow
        footer_is_whole(term)
        # the service list, counts whole
        screen = press(term, TAB, "Services")
        assert "fail" in screen and "bal 1,250.40" in screen
        # a farm: its task tree and the block grid of the task under the cursor
        screen = press(term, DOWN, "Tasks · sh-farm")
        assert "cloakroom.max" in screen and "Blocks ·" in screen
        footer_is_whole(term)
        # the encoder: newest first
        screen = press(term, DOWN + DOWN, "Tasks · encoder")
        assert screen.index("Roshidere-09") < screen.index("Roshidere-06"), screen
        # enhance: long ids end in …; its keys (track, untrack) in the footer
        screen = press(term, DOWN + DOWN, "Tasks · photo-fix")
        assert re.search(r"\b[0-9a-f]{6,}…", screen), screen
        screen = press(term, TAB, "u Untrack")
        assert "t Track" in screen.splitlines()[-1]
        footer_is_whole(term)
        press(term, SHIFT_TAB, "Services")
        # NTV: streams by name, with their live time and viewers
        screen = press(term, DOWN, "Streams · live")
        assert "guest-cam" in screen and "LIVE" in screen and "VIEW" in screen
        assert "Tasks · live" in screen and "video89" in screen   # an id that fits: whole
        # nginx-rtmp: names, bitrate, the stream under the cursor written out whole
        screen = press(term, DOWN, "Streams · edge-rtmp")
        assert "KBPS" in screen and "cam1" in screen
        footer_is_whole(term)
        # help, the alerts history and the muted items
        screen = press(term, "?", "jobdeck keys")
        assert "then move down" in screen
        press(term, "\x1b[6~" * 2, "Clear marks")   # page down: the keys go on below
        press(term, ESC, "Streams · edge-rtmp")
        press(term, "H", "newest first")   # the recorded history
        screen = press(term, "m", "Muted items")
        assert "nothing is muted" in screen
        press(term, ESC + ESC, "Streams · edge-rtmp")
        assert "Traceback" not in term.text()
        term.send("q")
        assert term.close() == 0
    except BaseException:
        term.close()
        raise
