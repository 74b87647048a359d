"""The top line: which console, how many services, how often it polls, how fresh the selection
is, and the PAUSED / READ-ONLY badges. Redrawn only when a word of it changes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from jobdeck.tui.safe_text import literal


class Topbar(Horizontal):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._shown = ""
        self._fresh = ""
        self._badges: tuple[bool, bool] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="topbar-left")
        yield Static(id="topbar-fresh")   # apart, so the ticking age rewrites only itself
        yield Static(id="topbar-gap")
        with Horizontal(id="badges"):
            yield Static("PAUSED", id="badge-paused", classes="badge")
            yield Static("READ-ONLY", id="badge-readonly", classes="badge")

    def show(self, title: str, services: int, interval: float, freshness: str, *,
             paused: bool, read_only: bool) -> None:
        words = f" · {services} service{'s' if services != 1 else ''} · refresh {interval:g}s"
        if title + words != self._shown:
            self._shown = title + words
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append_text(literal(title, "bold"))
            line.append(words)
            self.query_one("#topbar-left", Static).update(line)
        fresh = f" · {freshness}" if freshness else ""
        if fresh != self._fresh:
            self._fresh = fresh
            self.query_one("#topbar-fresh", Static).update(Text(fresh, no_wrap=True), layout=False)
        if (paused, read_only) != self._badges:
            self._badges = (paused, read_only)
            self.query_one("#badge-paused").set_class(paused, "on")
            self.query_one("#badge-readonly").set_class(read_only, "on")
