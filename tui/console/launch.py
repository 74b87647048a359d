"""Running the console in the operator's terminal. If the console itself fails, the operator
gets one line and a non-zero exit, never a traceback (Textual's would print local variables,
secrets among them); the traceback goes to crash.log in the state directory without its local
variables (Rich cuts a long string at 80 characters, and a secret's cut prefix is one no
redactor recognises) and with every secret removed from what is left."""

from __future__ import annotations

import io
import os
import re
import sys

from rich.console import Console

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.http import Redactor
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.state import StateStore, atomic_write
from jobdeck.tui.safe_text import clean

from .app import JobdeckApp

EXIT_CRASHED = 70


def run_app(config: Config, adapters: dict[str, Adapter], *, read_only: bool = False,
            state: StateStore | None = None, title: str = "jobdeck",
            app: JobdeckApp | None = None) -> int:
    """`app`: one made already (the replay's); else the console on these adapters."""
    app = app or JobdeckApp(config, adapters, read_only=read_only, state=state, title=title)
    app.freeze_heap = True   # this process is the console's alone, for the whole session
    report = io.StringIO()
    if not os.environ.get("JOBDECK_DEBUG"):
        app.error_console = Console(file=report, markup=False, highlight=False, width=120)
    app.run()
    if not app.return_code:
        return 0
    redact = Redactor(secret for a in adapters.values() for secret in a.config.secret_values())
    text = redact(without_locals(report.getvalue()))
    last = next((line.strip() for line in reversed(text.splitlines())
                 if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line)), "")
    where = ""
    if state is not None and text:
        try:
            atomic_write(state.directory / "crash.log", text)
            where = f"; details, secrets removed: {state.directory / 'crash.log'}"
        except OSError:
            pass
    print(clean(f"jobdeck: the console stopped on an internal error: {last or 'unknown'}"
                f"{where} (JOBDECK_DEBUG=1 shows the traceback)"), file=sys.stderr)
    return EXIT_CRASHED


def without_locals(text: str) -> str:
    """A Rich traceback without its `locals` boxes (each from the ╭ of its title line to the
    ╰ in the same column)."""
    kept: list[str] = []
    closing: int | None = None
    for line in text.splitlines():
        if closing is not None:
            if line[closing:closing + 1] == "╰":
                closing = None
            continue
        corner = line.find("╭")
        if corner >= 0 and " locals " in line[corner:]:
            closing = corner
            continue
        kept.append(line)
    return "\n".join(kept) + ("\n" if text.endswith("\n") else "")
