"""Every field of every kind, hostile, through every screen, read back as the raw bytes the
console wrote to a real pseudo-terminal: no markup applied, no escape sequence, no C1 control,
no bidi override or zero-width character passes; the console neither crashes nor leaves with a
traceback."""

from __future__ import annotations

import os
import re

import tomli_w

from jobdeck.adapters.simulation.server import SimServer
from tests.support import hostile
from tests.support.pty_terminal import Terminal, jobdeck_command

TAB, BACK, DOWN, END, ESC, ENTER = "\t", "\x1b[Z", "\x1b[B", "\x1b[F", "\x1b", "\r"


def test_hostile_text_never_reaches_the_terminal_raw(tmp_path):
    sims = hostile.world()
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps({"refresh": 1.0, "services": [
        sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]}))
    env = {**os.environ, "TERM": "xterm-256color", "JOBDECK_STATE_DIR": str(tmp_path / "state"),
           "TZ": "UTC"}
    term = Terminal([*jobdeck_command(), "--config", str(config)], env, 140, 40)

    def press(*keys: str, wait: float = 0.3) -> None:
        for key in keys:
            term.send(key)
            term.pump(wait)

    try:
        assert term.wait_for("Attention"), term.text()
        term.pump(2.0)                                 # every service polled
        press(ENTER, ESC)                              # jump from the attention view, back
        press(BACK)                                    # to the service list
        # the farm: detail (an error code explained, frames retried: asked), its details, a
        # refused stop (a toast in the service's words), an abandon asked
        press(DOWN, TAB, ENTER, "R", "n", ESC, "I", ESC, END, "s", "a", "n")
        # the encoder: blocks of a hostile key, its detail, a clear asked
        press(BACK, DOWN, TAB, ENTER, ESC, "C", "n")
        press(BACK, DOWN, TAB, ENTER, ESC)             # promo: facts, detail
        press(BACK, DOWN, TAB, ENTER, ESC, "d", "n")   # photo: facts, delete asked
        # studio: streams, viewers, a close asked, the transcodes below
        press(BACK, DOWN, TAB, ENTER, ESC, "k", "n", TAB, ENTER, ESC, "s", "n")
        press(BACK, DOWN, TAB, ENTER, ESC, "k", "n")   # edge: streams, clients
        press("?", ESC, "H", ESC)
        screen = term.text()
        press("q")
        code = term.close()
    except BaseException:
        term.close()
        raise
    finally:
        for server in servers.values():
            server.stop()
    raw = bytes(term.raw)
    assert code == 0, screen
    for never in hostile.NEVER:
        assert never not in raw, never
    assert not re.search(rb"\x1b\]8;[^\x07\x1b]*file:///etc/passwd", raw)   # no link made
    assert "Traceback" not in screen
    # text that is not text is shown replaced (U+FFFD), never as the \ud800 escape Python's
    # stderr would make of a lone surrogate
    assert "\ufffd".encode() in raw and b"\\ud8" not in raw and b"\\udc" not in raw
    # markup is shown as the text it is, at least where it fits: in the toast of the refusal
    assert b"[bold]B[/]" in raw
