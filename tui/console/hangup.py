"""Noticing that the terminal went away.

Over SSH a dropped session normally ends the console with a SIGHUP. When none arrives (the
program is not on its controlling terminal: tmux or docker exec gone wrong, a pty held by some
frontend that died), Textual's input thread reads end-of-file at full speed forever (Textual
PR #6690), and the console would live on as an orphan burning a core. The console looks once
in a while and leaves when its terminal is gone.
"""

from __future__ import annotations

import os
import select

GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def watched_fd() -> int | None:
    """The terminal the console reads keys from, if it is one."""
    try:
        return 0 if os.isatty(0) else None
    except OSError:
        return None


def terminal_gone(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)   # hang-up and errors are reported whatever is asked
    return any(events & GONE for _, events in poller.poll(0))
