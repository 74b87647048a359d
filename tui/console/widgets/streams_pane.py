"""The streams pane: who is live, for how long, how many watch; idle and disabled streams greyed.

Rows are keyed by stream id: a refresh updates the cells that changed, adds and removes rows by
key, and keeps the cursor on the stream it was on. It owns its keys and its title; actions go
to the app by message.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.message import Message

from jobdeck.adapters.contract.model import Stream
from jobdeck.tui.console.colours import status_style
from jobdeck.tui.console.keymap import bindings_for, refresh_bindings_on_change
from jobdeck.tui.console.service_state import Capabilities, ServiceState, rough_age
from jobdeck.tui.safe_text import literal, set_titles, title

from .keyed_table import KeyedTable

COLUMNS = (("state", "", 1), ("app", "APP", 8), ("stream", "STREAM", 0),
           ("protocol", "PROTO", 5), ("host", "HOST", 10), ("live", "LIVE FOR", 8),
           ("viewers", "VIEWERS", 7), ("codec", "CODEC", 8), ("bitrate", "KBPS", 5),
           ("rec", "", 4))
ORDER = {"live": 0, "idle": 1, "disabled": 2}
LOOK = {"live": ("●", "running"), "idle": ("◌", "queued"), "disabled": ("○", "abandoned")}


class StreamsPane(KeyedTable):
    BINDINGS = bindings_for("streams")
    COLUMNS = COLUMNS
    OPTIONAL = ("host", "protocol")

    class ActionRequested(Message):
        def __init__(self, service: str, action: str, stream: Stream) -> None:
            super().__init__()
            self.service, self.action, self.stream = service, action, stream

    class ViewersRequested(Message):
        def __init__(self, service: str, stream: Stream) -> None:
            super().__init__()
            self.service, self.stream = service, stream

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.streams: dict[str, Stream] = {}
        self.service: str | None = None
        self.can = Capabilities()

    def row_cells(self, stream: Stream, now: datetime) -> tuple[Text, ...]:
        dot, look = LOOK.get(stream.state, LOOK["idle"])
        live = stream.state == "live"
        dim = "" if live else "dim"
        started = rough_age((now - stream.started_at).total_seconds()) \
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
        self.can = state.can
        if state.name != self.service:
            self.service = state.name
            self.set_rows([])
        streams = state.snapshot.streams if state.snapshot else []
        ordered = sorted(streams, key=lambda s: (ORDER.get(s.state, 3), s.app, s.name))
        self.streams = {s.id: s for s in ordered}
        self.set_rows([(s.id, self.row_cells(s, now)) for s in ordered])
        counts = {s: sum(1 for x in ordered if x.state == s) for s in ORDER}
        words = [f"{counts['live']} live"] + [f"{counts[s]} {s}" for s in ("idle", "disabled")
                                              if counts[s]]
        parts: list = ["Streams · ", state.name]
        if state.warnings:
            parts += [(" · ⚠ ", "bold"), state.warnings[0]]
        set_titles(self, title(*parts), literal(" · ".join(words)))
        self.on_keyed_table_cursor_moved()

    def go_to(self, stream_id: str) -> None:
        """Put the cursor on a stream and take the focus (from the attention view)."""
        if stream_id in self.streams:
            self.move_cursor(row=self.get_row_index(stream_id))
        self.focus()

    @property
    def cursor_stream(self) -> Stream | None:
        key = self.cursor_key
        return self.streams.get(key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        stream = self.cursor_stream
        if action == "service_action":
            name = str(parameters[0])
            return bool(self.service and stream and name in stream.actions
                        and self.can.may(name))
        if action == "viewers":
            return bool(self.service and stream and self.can.has_viewers)
        return True

    def action_service_action(self, name: str) -> None:
        stream = self.cursor_stream
        if self.service and stream and name in stream.actions:
            self.post_message(self.ActionRequested(self.service, name, stream))

    def action_viewers(self) -> None:
        stream = self.cursor_stream
        if self.service and stream:
            self.post_message(self.ViewersRequested(self.service, stream))

    def on_keyed_table_cursor_moved(self) -> None:
        stream = self.cursor_stream
        refresh_bindings_on_change(self, (self.service, stream and stream.actions))
