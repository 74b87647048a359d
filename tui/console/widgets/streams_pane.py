"""The streams pane: who is live, for how long, how many watch (beside the app's player limit);
idle and disabled streams greyed, LIVE FOR saying "idle" or "off" instead of an age; relay
tasks (NTV) below them, keyed `relay:<id>`, with "on", "off" or "error" in the same column.

Rows are keyed by stream id: a refresh updates the cells that changed, adds and removes rows by
key, and keeps the cursor on the stream it was on. It owns its keys and its title; actions go
to the app by message. At 80 columns HOST, PROTO and CODEC give way and the headers shorten, so
the stream's name, its bitrate and REC stay; the stream under the cursor is written out whole
below the rows.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.message import Message

from jobdeck.adapters.contract.model import Relay, Stream
from jobdeck.tui.console.colours import status_style
from jobdeck.tui.console.keymap import bindings_for, refresh_bindings_on_change
from jobdeck.tui.console.messages import Copy
from jobdeck.tui.console.service_state import Capabilities, ServiceState, rough_age
from jobdeck.tui.safe_text import literal, set_titles, title

from .keyed_table import Column, KeyedTable

COLUMNS = (Column("state", "", 1), Column("app", "APP", 8, short=6),
           Column("stream", "STREAM", least=16), Column("protocol", "PROTO", 5),
           Column("host", "HOST", 10), Column("live", "LIVE FOR", 8, short=5, short_header="LIVE"),
           Column("viewers", "VIEWERS", 7, short=4, short_header="VIEW"),
           Column("limit", "APP LIMIT", 9, short=6, short_header="LIMIT"),
           Column("codec", "CODEC", 8), Column("bitrate", "KBPS", 5), Column("rec", "REC", 3))
NARROWING = ("drop:host", "drop:protocol", "drop:codec", "short:live", "short:viewers",
             "short:limit", "gap", "short:app")
ORDER = {"live": 0, "idle": 1, "disabled": 2}
LOOK = {"live": ("●", "running"), "idle": ("◌", "queued"), "disabled": ("○", "abandoned")}
RELAY_LOOK = {"running": ("▶", "running"), "stopped": ("■", "abandoned"),
              "abnormal": ("✖", "failed")}
RELAY = "relay:"   # the row key of a relay: apart from stream ids (app/stream)


class StreamsPane(KeyedTable):
    BINDINGS = bindings_for("streams")
    COLUMNS = COLUMNS
    NARROWING = NARROWING

    class ActionRequested(Message):
        def __init__(self, service: str, action: str, stream: Stream | Relay) -> None:
            super().__init__()
            self.service, self.action, self.stream = service, action, stream

    class ViewersRequested(Message):
        def __init__(self, service: str, stream: Stream) -> None:
            super().__init__()
            self.service, self.stream = service, stream

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.streams: dict[str, Stream] = {}
        self.relays: dict[str, Relay] = {}   # by row key
        self.service: str | None = None
        self._players: dict[str, int] = {}   # live players per app, for the limit column
        self.can = Capabilities()
        self._now: datetime | None = None

    def row_cells(self, stream: Stream, now: datetime) -> tuple[Text, ...]:
        dot, look = LOOK.get(stream.state, LOOK["idle"])
        live = stream.state == "live"
        dim = "" if live else "dim"
        # LIVE FOR: how long, or why not ("idle" waits for a publisher, "off" is disabled)
        started = rough_age((now - stream.started_at).total_seconds()) \
            if live and stream.started_at else {"idle": "idle", "disabled": "off"}.get(
                stream.state, "")
        return (Text(dot, style=status_style(self.app, look)), literal(stream.app, dim),
                literal(stream.name, "bold" if live else dim), literal(stream.protocol, dim),
                literal(stream.host, dim), Text(started, style=dim),
                Text("" if stream.viewers is None or stream.state == "disabled"
                     else str(stream.viewers), justify="right"),
                self.limit_cell(stream),
                literal(stream.codec or "", dim),
                Text(str(stream.bitrate_kbps) if stream.bitrate_kbps else "", justify="right"),
                Text("REC" if stream.recording else "", style="bold red"))

    def limit_cell(self, stream: Stream) -> Text:
        """The app's players of its limit (all its streams together), red when at it."""
        if not stream.player_limit or stream.state != "live":
            return Text("")
        players = self._players.get(stream.app, 0)
        return Text(f"{players}/{stream.player_limit}", justify="right",
                    style="bold red" if players >= stream.player_limit else "dim")

    def relay_cells(self, relay: Relay) -> tuple[Text, ...]:
        dot, look = RELAY_LOOK.get(relay.state, RELAY_LOOK["abnormal"])
        style = status_style(self.app, look)
        dim = "" if relay.state == "running" else "dim"
        return (Text(dot, style=style), Text("relay", style="dim"),
                literal(f"{relay.name} → {relay.target}", "bold" if not dim else dim),
                literal(str(relay.details.get("protocol") or ""), dim), literal(relay.source, dim),
                Text({"running": "on", "stopped": "off"}.get(relay.state, "error"),
                     style=dim if relay.state != "abnormal" else style),
                Text(""), Text(""), Text(""), Text(""), Text(""))

    def cursor_words(self, key: str) -> Text | None:
        relay = self.relays.get(key)
        if relay is not None:
            words = literal(f"relay {relay.name} · {relay.state} · {relay.source} → "
                            f"{relay.target}")
            return words
        stream = self.streams.get(key)
        if stream is None:
            return None
        words = Text()
        words.append_text(literal(stream.id, "bold"))
        words.append(f" · {stream.state}")
        if stream.started_at and stream.state != "disabled" and self._now is not None:
            words.append(f" for {rough_age((self._now - stream.started_at).total_seconds())}")
        if stream.viewers is not None and stream.state != "disabled":
            words.append(f" · {stream.viewers} viewer{'s' if stream.viewers != 1 else ''}")
        if stream.codec or stream.bitrate_kbps:
            words.append(" · ")
            words.append_text(literal(" ".join(filter(None, (
                stream.codec, f"{stream.bitrate_kbps} kbps" if stream.bitrate_kbps else None)))))
        if stream.recording:
            words.append(" · recording", style="bold red")
        words.append(" · ")
        words.append_text(literal(" ".join(filter(None, (stream.protocol, stream.host and
                                                         f"on {stream.host}"))), "dim"))
        return words

    def show(self, state: ServiceState, now: datetime) -> None:
        self.can = state.can
        self._now = now
        if state.name != self.service:
            self.service = state.name
            self.set_rows([])
        streams = state.snapshot.streams if state.snapshot else []
        relays = (state.snapshot.relays or []) if state.snapshot else []
        ordered = sorted(streams, key=lambda s: (ORDER.get(s.state, 3), s.app, s.name))
        self.streams = {s.id: s for s in ordered}
        self.relays = {RELAY + r.id: r for r in relays}
        self._players = {}
        for stream in ordered:
            if stream.state == "live":
                self._players[stream.app] = self._players.get(stream.app, 0) + (
                    stream.viewers or 0)
        self.set_rows([(s.id, self.row_cells(s, now)) for s in ordered]
                      + [(key, self.relay_cells(r)) for key, r in self.relays.items()])
        counts = {s: sum(1 for x in ordered if x.state == s) for s in ORDER}
        words = [f"{counts['live']} live"] + [f"{counts[s]} {s}" for s in ("idle", "disabled")
                                              if counts[s]]
        if relays:
            bad = sum(1 for r in relays if r.state == "abnormal")
            words.append(f"{len(relays)} relay{'s' if len(relays) != 1 else ''}"
                         + (f" ({bad} abnormal)" if bad else ""))
        parts: list = ["Streams · ", state.name]
        if state.warnings:
            parts += [(" · ⚠ ", "bold"), state.warnings[0]]
        set_titles(self, title(*parts), literal(" · ".join(words)))
        self.on_keyed_table_cursor_moved()

    def go_to(self, stream_id: str) -> None:
        """Put the cursor on a stream (or a relay's row) and take the focus (from the attention
        view)."""
        if stream_id in self.streams or stream_id in self.relays:
            self.move_cursor(row=self.get_row_index(stream_id))
        self.focus()

    @property
    def cursor_stream(self) -> Stream | None:
        key = self.cursor_key
        return self.streams.get(key) if key is not None else None

    @property
    def cursor_item(self) -> Stream | Relay | None:
        key = self.cursor_key
        return (self.streams.get(key) or self.relays.get(key)) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        stream = self.cursor_stream
        if action == "service_action":
            name = str(parameters[0])
            item = self.cursor_item
            return bool(self.service and item and name in item.actions and self.can.may(name))
        if action == "viewers":
            return bool(self.service and stream and self.can.has_viewers)
        if action == "copy_id":
            return stream is not None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...], label: str) -> str:
        stream = self.cursor_stream
        if stream is None:
            return "no stream under the cursor"
        if action == "viewers":
            return f"{self.service} does not list who watches"
        if action != "service_action":
            return "no stream under the cursor"
        name = str(parameters[0])
        if not self.can.may_write:
            return "read-only: actions are switched off"
        if not self.can.may(name):
            return f"{self.service} has no such action"
        return f"not for stream {stream.id} while it is {stream.state}"

    def action_copy_id(self) -> None:
        if (stream := self.cursor_stream) is not None:
            self.post_message(Copy(stream.id, "stream"))

    def action_service_action(self, name: str) -> None:
        item = self.cursor_item
        if self.service and item and name in item.actions:
            self.post_message(self.ActionRequested(self.service, name, item))

    def action_viewers(self) -> None:
        stream = self.cursor_stream
        if self.service and stream:
            self.post_message(self.ViewersRequested(self.service, stream))

    def on_keyed_table_cursor_moved(self) -> None:
        item = self.cursor_item
        refresh_bindings_on_change(self, (self.service, item and item.actions))
