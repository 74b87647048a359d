"""The streams pane: who is live, for how long, how many watch; idle and disabled streams greyed.

Rows are keyed by stream id: a refresh updates the cells that changed, adds and removes rows by
key, and keeps the cursor on the stream it was on. It owns its keys and its title; actions go
to the app by message.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from jobdeck.adapters.model import Stream
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from ..colours import status_style
from ..keymap import bindings_for
from ..safe_text import literal, set_titles, title
from ..service_state import ServiceState, age_text

if TYPE_CHECKING:
    from ..app import JobdeckApp

COLUMNS = (("state", "", 1), ("app", "APP", 8), ("stream", "STREAM", 16),
           ("protocol", "PROTO", 5), ("host", "HOST", 10), ("live", "LIVE FOR", 8),
           ("viewers", "VIEWERS", 7), ("codec", "CODEC", 8), ("bitrate", "KBPS", 4),
           ("rec", "", 4))
ORDER = {"live": 0, "idle": 1, "disabled": 2}
LOOK = {"live": ("●", "running"), "idle": ("◌", "queued"), "disabled": ("○", "abandoned")}


class StreamsPane(DataTable):
    BINDINGS = bindings_for("streams")

    class ActionRequested(Message):
        def __init__(self, service: str, action: str, stream: Stream) -> None:
            super().__init__()
            self.service, self.action, self.stream = service, action, stream

    class ViewersRequested(Message):
        def __init__(self, service: str, stream: Stream) -> None:
            super().__init__()
            self.service, self.stream = service, stream

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.streams: dict[str, Stream] = {}
        self._cells: dict[str, tuple[object, ...]] = {}
        self.service: str | None = None

    @property
    def deck(self) -> JobdeckApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def cells(self, stream: Stream, now: datetime) -> tuple[object, ...]:
        dot, look = LOOK.get(stream.state, LOOK["idle"])
        live = stream.state == "live"
        dim = "" if live else "dim"
        started = age_text((now - stream.started_at).total_seconds()) \
            if stream.state != "disabled" and stream.started_at else ""
        return (Text(dot, style=status_style(self.app, look)), literal(stream.app, dim),
                literal(stream.name, "bold" if live else dim), literal(stream.protocol, dim),
                literal(stream.host, dim), Text(started, style=dim),
                Text("" if stream.viewers is None or stream.state == "disabled"
                     else str(stream.viewers), justify="right"),
                literal(stream.codec or "", dim),
                Text(str(stream.bitrate_kbps) if stream.bitrate_kbps else "", justify="right"),
                Text("REC" if stream.recording else ("idle" if stream.state == "idle" else
                                                     "off" if stream.state == "disabled" else ""),
                     style="bold red" if stream.recording else "dim"))

    def show(self, state: ServiceState, now: datetime) -> None:
        if state.name != self.service:
            self.clear()
            self.streams.clear()
            self._cells.clear()
            self.service = state.name
        streams = state.snapshot.streams if state.snapshot else []
        cursor = self.cursor_stream.id if self.cursor_stream else None
        ordered = sorted(streams, key=lambda s: (ORDER.get(s.state, 3), s.app, s.name))
        wanted = {s.id for s in ordered}
        for key in [k for k in self.streams if k not in wanted]:
            self.remove_row(key)
            self.streams.pop(key)
            self._cells.pop(key, None)
        column_keys = [key for key, _, _ in COLUMNS]
        for stream in ordered:
            cells = self.cells(stream, now)
            if stream.id not in self.streams:
                self.add_row(*cells, key=stream.id)
            else:
                old = self._cells.get(stream.id, ())
                for column, (before, after) in enumerate(zip(old, cells, strict=True)):
                    if before != after:
                        try:
                            self.update_cell(stream.id, column_keys[column], after)
                        except CellDoesNotExist:
                            pass
            self.streams[stream.id] = stream
            self._cells[stream.id] = cells
        if cursor in self.streams:
            try:
                self.move_cursor(row=self.get_row_index(cursor), animate=False)
            except RowDoesNotExist:
                pass
        counts = {s: sum(1 for x in ordered if x.state == s) for s in ORDER}
        words = [f"{counts['live']} live"] + [f"{counts[s]} {s}" for s in ("idle", "disabled")
                                              if counts[s]]
        set_titles(self, title("Streams · ", state.name), literal(" · ".join(words)))

    def go_to(self, stream_id: str) -> None:
        """Put the cursor on a stream and take the focus (from the attention view)."""
        if stream_id in self.streams:
            self.move_cursor(row=self.get_row_index(stream_id), animate=False)
        self.focus()

    @property
    def cursor_stream(self) -> Stream | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        except (CellDoesNotExist, RowDoesNotExist):  # the row left between a refresh and this read
            return None
        return self.streams.get(str(key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        stream = self.cursor_stream
        if action == "service_action":
            name = str(parameters[0])
            return bool(self.service and stream and name in stream.actions
                        and self.deck.may_act(self.service, name))
        if action == "viewers":
            return bool(self.service and stream and self.deck.adapters[self.service].has_viewers)
        return True

    def action_service_action(self, name: str) -> None:
        stream = self.cursor_stream
        if self.service and stream and name in stream.actions:
            self.post_message(self.ActionRequested(self.service, name, stream))

    def action_viewers(self) -> None:
        stream = self.cursor_stream
        if self.service and stream:
            self.post_message(self.ViewersRequested(self.service, stream))

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_bindings()
