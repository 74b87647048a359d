"""The streams pane: who is live, for how long, how many watch; disabled streams greyed.

Rows are keyed by app/stream: a refresh updates the cells that changed, adds and removes rows by
key, and keeps the cursor on the stream it was on.
"""

from __future__ import annotations

from datetime import datetime

from jobdeck.adapters.model import Stream
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from ..colours import status_style
from ..safe_text import literal
from ..service_state import age_text

COLUMNS = (("state", "", 1), ("app", "APP", 8), ("stream", "STREAM", 16),
           ("protocol", "PROTO", 5), ("host", "HOST", 10), ("live", "LIVE FOR", 8),
           ("viewers", "VIEWERS", 7), ("codec", "CODEC", 8), ("bitrate", "KBPS", 4),
           ("rec", "", 3))


class StreamsTable(DataTable):
    BINDINGS = [Binding("enter", "app.viewers", "Viewers", show=False)]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.streams: dict[str, Stream] = {}
        self._cells: dict[str, tuple[object, ...]] = {}
        self.service: str | None = None

    def reset(self, service: str) -> None:
        """Another service's streams: start the rows afresh."""
        self.clear()
        self.streams.clear()
        self._cells.clear()
        self.service = service

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def cells(self, stream: Stream, now: datetime) -> tuple[object, ...]:
        live = stream.state == "live"
        style = status_style(self.app, "running" if live else "abandoned")
        dim = "" if live else "dim"
        started = age_text((now - stream.started_at).total_seconds()) \
            if live and stream.started_at else ""
        return (Text("●" if live else "○", style=style), literal(stream.app, dim),
                literal(stream.name, "bold" if live else dim), literal(stream.protocol, dim),
                literal(stream.host, dim), Text(started, style=dim),
                Text("" if stream.viewers is None or not live else str(stream.viewers),
                     justify="right"),
                literal(stream.codec or "", dim),
                Text(str(stream.bitrate_kbps) if stream.bitrate_kbps else "", justify="right"),
                Text("REC" if stream.recording else ("off" if not live else ""),
                     style="bold red" if stream.recording else "dim"))

    def show_streams(self, streams: list[Stream], now: datetime) -> None:
        cursor = self.cursor_stream.id if self.cursor_stream else None
        ordered = sorted(streams, key=lambda s: (s.state != "live", s.app, s.name))
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
                        self.update_cell(stream.id, column_keys[column], after)
            self.streams[stream.id] = stream
            self._cells[stream.id] = cells
        if cursor in self.streams:
            try:
                self.move_cursor(row=self.get_row_index(cursor), animate=False)
            except RowDoesNotExist:
                pass

    @property
    def cursor_stream(self) -> Stream | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        except Exception:  # the row left between a refresh and this read
            return None
        return self.streams.get(str(key))
