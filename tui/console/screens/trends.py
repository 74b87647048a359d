"""The trends of the last hour: the selected service's, or every service's from the attention
view. Read from the history store in a thread worker when opened and every 30 s after."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from jobdeck.adapters.core.trends import Trend
from jobdeck.tui.console.widgets.trends import TrendsView
from jobdeck.tui.safe_text import literal, set_titles

Loaded = list[tuple[str, str, list[Trend]]]
REREAD_S = 30.0


class TrendsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,i", "app.pop_screen", "Close")]

    def __init__(self, load: Callable[[], Loaded], readable: bool = True) -> None:
        super().__init__()
        self.load = load
        self.readable = readable
        self.loaded: Loaded | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="trends-box") as box:
            set_titles(box, Text("Trends · the last hour, a point a minute"), Text("esc closes"))
            yield Static(Text("reading the history…" if self.readable else
                              "no history store: trends come from the state directory's record",
                              style="dim"), id="trends-status")
            yield TrendsView(id="trends")

    def on_mount(self) -> None:
        if self.readable:
            self.reread()
            self.set_interval(REREAD_S, self.reread)

    def reread(self) -> None:
        self.run_worker(self._read, thread=True, exclusive=True, exit_on_error=False,
                        group="trends-read")

    def _read(self) -> None:
        try:
            loaded, error = self.load(), None
        except Exception as exc:   # an unreadable store is a line here, never a crash
            loaded, error = [], str(exc)
        self.app.call_from_thread(self.show, loaded, error)

    def show(self, loaded: Loaded, error: str | None = None) -> None:
        self.loaded = loaded
        status = self.query_one("#trends-status", Static)
        if error is not None:
            status.update(literal(f"the history could not be read: {error}", "bold"))
            return
        status.display = False
        self.query_one(TrendsView).show(loaded)
