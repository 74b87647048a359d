"""NTV Media Server G3 mapped onto the model: live and disabled streams, viewers, transcodes,
relay tasks, on-demand recording and the apps' player limits."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from jobdeck.adapters.contract.base import ActionSpec, Adapter, Reads, read_together
from jobdeck.adapters.contract.model import (
    ActionResult,
    Relay,
    RelayState,
    ServiceError,
    ServiceSnapshot,
    Stream,
    Task,
    Viewer,
    from_unix,
)
from jobdeck.adapters.contract.options import Option

from .client import REST_EVERY_S, NtvClient, number

ACTIONS = {
    "close_stream": ActionSpec("close_stream", "Close stream", destructive=True,
                               target="stream", done="closed", ends_stream=True,
                               warning="Its publisher may connect again."),
    "disable_stream": ActionSpec("disable_stream", "Close and disable", destructive=True,
                                 target="stream", done="closed and disabled",
                                 ends_stream=True,
                                 warning="The stream stays disabled until it is enabled."),
    "enable_stream": ActionSpec("enable_stream", "Enable stream", target="stream",
                                done="enabled"),
    "stop_transcode": ActionSpec("stop_transcode", "Stop transcode", destructive=True,
                                 done="stopped"),
    "start_relay": ActionSpec("start_relay", "Start relay", target="relay", done="started"),
    "stop_relay": ActionSpec("stop_relay", "Stop relay", destructive=True, target="relay",
                             done="stopped",
                             warning="Its target stream stops until the relay is started."),
    "start_recording": ActionSpec("start_recording", "Start recording", target="stream",
                                  done="recording"),
    "stop_recording": ActionSpec("stop_recording", "Stop recording", destructive=True,
                                 target="stream", done="no longer recording",
                                 warning="What was recorded so far is kept."),
}
CALLS = {"close_stream": ("streamMgr", "close_active_stream"),
         "disable_stream": ("closedStream", "close"),
         "enable_stream": ("closedStream", "open"),
         "start_recording": ("demandDvr", "start"),
         "stop_recording": ("demandDvr", "stop")}
RELAY_CALLS = {"start_relay": "start_streaming", "stop_relay": "stop_streaming"}
# Only the stream list is essential; these degrade to a warning in plain words (spec 15.1:
# an account limited by auth_func/auth_app, or a server without the module, refuses a group).
SECONDARY = {"connection_count": "viewer counts (statMgr)",
             "closed": "disabled streams (closedStream)",
             "transcodes": "transcodes (transcodeMgr)",
             "recordings": "recordings (demandDvr)",
             "demand_apps": "on-demand recording apps (demandDvr)",
             "dvr": "the DVR switch (appMgr)",
             "limits": "player limits (limitMgr)",
             "relays": "relays (streamingMgr)"}
GROUP = {what: what.rpartition("(")[2].rstrip(")") for what in SECONDARY.values()}
# Secondary lists that move with the work: (group, request, item key, rest_every)
MOVING: dict[str, tuple[str, str, Callable[[dict[str, Any]], Any], float | None]] = {
    "connection_count": ("statMgr", "connection_count",
                         lambda r: (*stream_key(r, "application"), r.get("ver")), REST_EVERY_S),
    "transcodes": ("transcodeMgr", "list_working", lambda r: r.get("src_id"), None),
    "relays": ("streamingMgr", "get_streaming", lambda r: r.get("id"), None),
}
FUNCTIONS = "what this account may call (userAuth functions)"
T = TypeVar("T")


@dataclass
class GroupReads(Reads):
    """Secondary reads whose refusals are kept to be worded once it is known whether the
    account may call that group at all (spec 15.3)."""

    refused: list[tuple[str, ServiceError]] = field(default_factory=list)

    async def optional(self, read: Awaitable[T], what: str) -> T | None:
        try:
            return await read
        except ServiceError as exc:
            self.refused.append((what, exc))
            return None


def relay_state(status: Any) -> RelayState:
    """Spec 11.1: 0 not running, 1 running, anything else abnormal."""
    return {0: "stopped", 1: "running"}.get(number(status, -1), "abnormal")


def to_relay(row: dict[str, Any]) -> Relay:
    state = relay_state(row.get("status"))
    target = "/".join(stream_key(row, "application"))
    if str(row.get("to_host") or "localhost") not in ("", "localhost"):
        target = f"{row.get('to_server') or row.get('to_host')}: {target}"
    actions = {"running": ("stop_relay",), "stopped": ("start_relay",),
               "abnormal": ("start_relay", "stop_relay")}[state]
    return Relay(id=str(row.get("id") or ""), name=str(row.get("name") or row.get("id") or ""),
                 source=str(row.get("source_url") or ""), target=target, state=state,
                 raw_status=str(row.get("status") if row.get("status") is not None else ""),
                 actions=actions, details={"protocol": str(row.get("protocol") or "")})


def takes_demand(app: str, stream: str) -> bool:
    """Spec 7.1: on-demand recording does not apply to the `live` app, apps named `live-*`,
    nor apps and streams marked NR."""
    return app != "live" and not app.startswith("live-") and "NR" not in app + stream


def stream_key(row: dict[str, Any], app: str = "app") -> tuple[str, str]:
    return str(row.get(app) or ""), str(row.get("stream") or "")


def percent(value: Any) -> float | None:
    text = str(value or "").strip().rstrip("%")
    try:
        fraction = float(text) / 100
    except ValueError:
        return None
    return max(0.0, min(1.0, fraction)) if math.isfinite(fraction) else None


def split_stream(target: str) -> tuple[str, str]:
    app, sep, name = target.partition("/")
    if not sep or not app or not name:
        raise ServiceError(f"{target!r} is not app/stream")
    return app, name


class Recorder:
    """Whether a live stream is being written, and what may be asked of it (spec 3.2, 7): the
    global DVR must be on; in an app set up for on-demand recording only the streams asked for
    (demandDvr start) are written, in any other app every stream is. Without the list of
    on-demand apps, every app that may be one is taken for one (the server refuses if not);
    without the DVR switch, only what was asked on demand is called recording."""

    def __init__(self, recording: list[dict[str, Any]] | None,
                 demand_apps: list[dict[str, Any]] | None,
                 dvr: list[dict[str, Any]] | None) -> None:
        self.asked = {"/".join(stream_key(r, "application")) for r in recording or []}
        self.apps = {str(r.get("application") or "") for r in demand_apps} \
            if demand_apps is not None else None
        switch = str(dvr[0].get("is_dvr") or "").lower() if dvr else ""
        self.dvr_on: bool | None = True if switch == "on" else False if switch == "off" else None

    def of(self, app: str, name: str) -> tuple[bool, str | None, tuple[str, ...]]:
        """(written now, by what, the recording actions it offers)"""
        if not takes_demand(app, name) or (self.apps is not None and app not in self.apps):
            written = self.dvr_on is True
            return written, "the global DVR" if written else None, ()
        asked = f"{app}/{name}" in self.asked
        actions = ("stop_recording",) if asked else ("start_recording",)
        if not asked:
            return False, None, actions
        if self.dvr_on is False:
            return False, "asked on demand, but the DVR is off", actions
        return True, "on demand", actions


class NtvAdapter(Adapter):
    kind = "ntv"
    summary = "NTV Media Server G3: live streams, viewers, recordings, transcodes"
    example_name = "live"
    example_base_url = "http://media.internal/mserver/interface/"
    options = (
        Option("username", str, "an administrator of the media server", example="admin"),
        Option("password", str, "its password (never sent: a challenge is signed with it)",
               secret=True, example={"env": "NTV_PASSWORD"}),
    )
    actions = ACTIONS
    lists_streams = True

    def setup(self) -> None:
        self.client = NtvClient(self.http, username=str(self.config.get("username")),
                                password=str(self.config.get("password")))
        self._live: set[str] = set()   # the streams live at the last poll
        self._dvr_off = False          # the global DVR was off at the last poll

    async def close(self) -> None:
        try:
            await self.client.logout()
        except ServiceError:
            pass  # leaving anyway; the token dies on its own after 30 idle minutes
        await super().close()

    async def read(self) -> ServiceSnapshot:
        self.client.warnings = []
        reads = GroupReads()
        items = self.client.items

        def disabled() -> Awaitable[list[dict[str, Any]] | None]:
            return self.now_and_then(SECONDARY["closed"], lambda: items(
                "closedStream", "list", key=lambda r: stream_key(r, "application")), reads)

        def slowly(what: str, group: str, request: str,
                   key: Any) -> Awaitable[list[dict[str, Any]] | None]:
            return self.now_and_then(SECONDARY[what], lambda: items(group, request, key=key),
                                     reads)

        moved: set[str] = set()   # the lists that move with the work read at this poll

        async def moving(what: str) -> list[dict[str, Any]] | None:
            """One of MOVING, read while it changes (Adapter.while_moving); its paging
            warnings are kept with its answer, so they show as long as that answer does."""
            group, request, key, rest_every = MOVING[what]

            async def read() -> tuple[list[dict[str, Any]], list[str]]:
                moved.add(what)
                said: list[str] = []
                return await items(group, request, key=key, rest_every=rest_every,
                                   said=said), said

            answer = await self.while_moving(SECONDARY[what], read, reads)
            if answer is None:
                return None
            self.client.warnings.extend(answer[1])
            return answer[0]

        remembered = self.kept(SECONDARY["closed"])
        active, counts, closed, working, recording, demand_apps, dvr, limits, relays = \
            await read_together(
                items("streamMgr", "get_active_streams", key=stream_key, rest_every=REST_EVERY_S),
                moving("connection_count"),
                disabled(),
                moving("transcodes"),
                slowly("recordings", "demandDvr", "list", lambda r: stream_key(r, "application")),
                slowly("demand_apps", "demandDvr", "list_app", lambda r: r.get("application")),
                slowly("dvr", "appMgr", "get_dvr_paras", lambda r: r.get("application")),
                slowly("limits", "limitMgr", "get", lambda r: r.get("application")),
                moving("relays"),
            )
        was_live, self._live = self._live, {"/".join(stream_key(r)) for r in active}
        if was_live != self._live:   # a stream came or went: its viewers, and the relay that
            again = [w for w in ("connection_count", "relays") if w not in moved]  # published it
            for what in again:
                self.lists.drop(SECONDARY[what])
            answers = dict(zip(again, await read_together(*(moving(w) for w in again)),
                               strict=True))
            counts = answers.get("connection_count", counts)
            relays = answers.get("relays", relays)
        if remembered and was_live - self._live:   # it may have been disabled by someone else
            self.expire(SECONDARY["closed"])
            closed = await disabled()
        viewers: dict[str, int] | None = None
        if counts is not None:
            viewers = {}
            for row in counts:
                if str(row.get("ver") or "") in ("", "-1"):  # live, not playback of a recording
                    key = "/".join(stream_key(row, "application"))
                    viewers[key] = viewers.get(key, 0) + number(row.get("count"))
        recorder = Recorder(recording, demand_apps, dvr)
        self._dvr_off = recorder.dvr_on is False
        player_limit = {str(r.get("application") or ""): number(r.get("limit"))
                        for r in limits or []}
        host = urlsplit(self.config.base_url).hostname or ""
        streams = []
        for row in active:
            key = "/".join(stream_key(row))
            app, name = str(row.get("app") or ""), str(row.get("stream") or "")
            recorded, by, actions = recorder.of(app, name)
            streams.append(Stream(
                id=key, app=app, name=name,
                protocol=str(row.get("protocol") or ""), host=str(row.get("host") or host),
                started_at=from_unix(row.get("starttime")),
                viewers=viewers.get(key, 0) if viewers is not None else None,
                state="live", actions=("close_stream", "disable_stream", *actions),
                recording=recorded, player_limit=player_limit.get(app) or None,
                details={"recording": by} if by else {}))
        live = {s.id for s in streams}
        for row in closed or []:
            key = "/".join(stream_key(row, "application"))
            if key in live:
                continue
            streams.append(Stream(
                id=key, app=str(row.get("application") or ""), name=str(row.get("stream") or ""),
                protocol="", host=host, state="disabled", actions=("enable_stream",),
                details={"disabled_at": from_unix(row.get("time"))}))
        tasks = [Task(
            id=str(row.get("src_id")), name=str(row.get("src_file") or row.get("src_id")),
            status="running" if row.get("status") == "working" else "unknown",
            raw_status=str(row.get("status") or ""), progress=percent(row.get("encode_progress")),
            submitted_at=from_unix(row.get("add_time") or row.get("start_time")),
            actions=("stop_transcode",),
            details={"application": row.get("application"),
                     "output": f"{row.get('width')}x{row.get('height')} "
                               f"{row.get('bitrate')} kbps video, "
                               f"{row.get('bitrate_audio')} kbps audio",
                     "running_for": f"{number(row.get('work_duration'))} s"})
            for row in working or [] if row.get("src_id")]
        warnings = await self._refusals(reads)
        return ServiceSnapshot(name=self.name, kind=self.kind, tasks=tasks, streams=streams,
                               relays=[to_relay(r) for r in relays or [] if r.get("id")],
                               warnings=warnings + self.client.warnings)

    async def _refusals(self, reads: GroupReads) -> list[str]:
        """Each refused read in plain words: when `userAuth functions` (spec 15.3), asked with
        this account's token, leaves the group out, the account may not call it; otherwise the
        server's own refusal (a server without the module, say)."""
        if not reads.refused:
            return []
        ask = Reads()
        listed = await self.now_and_then(FUNCTIONS, lambda: self.client.items(
            "userAuth", "functions", key=lambda r: r.get("controller")), ask)
        allowed = {str(r.get("controller")) for r in listed} if listed else None
        by_group: dict[str, list[tuple[str, ServiceError]]] = {}
        for what, exc in reads.refused:   # one line per group, however many reads it refused
            by_group.setdefault(GROUP.get(what, what), []).append((what, exc))
        words = []
        for group, refused in by_group.items():
            names = " and ".join(w.rpartition(" (")[0] or w for w, _ in refused)
            what = f"{names} ({group})" if group in GROUP.values() else names
            if allowed is not None and group in GROUP.values() and group not in allowed:
                words.append(f"{what}: this account may not call {group}")
            else:
                words.append(f"{what} could not be read: {refused[0][1].reason}")
        return words

    async def viewers(self, stream_id: str) -> list[Viewer]:
        """Who watches one stream now (connection_detail)."""
        app, name = split_stream(stream_id)
        rows = await self.client.items("statMgr", "connection_detail", application=app,
                                       stream=name, version="", key=lambda r: r.get("sid"))
        return [Viewer(client=str(r.get("cip") or ""), format=str(r.get("format") or ""),
                       since=from_unix(r.get("reg_time")), server=str(r.get("sip") or ""),
                       id=str(r.get("sid") or "") or None)
                for r in rows]

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        if not targets:
            raise ServiceError("no target given")

        async def send(target: str) -> str | None:
            if spec.name == "stop_transcode":
                await self.client.act("transcodeMgr", "stop_transcode", src_id=target)
            elif spec.name in RELAY_CALLS:
                await self.client.act("streamingMgr", RELAY_CALLS[spec.name], id=target)
            else:
                app, name = split_stream(target)
                group, request = CALLS[spec.name]
                await self.client.act(group, request, application=app, stream=name)
                if spec.name == "start_recording" and self._dvr_off:
                    return ("recording asked, but the server's DVR is off (spec 3.2): nothing "
                            "is written until it is switched on")
            return None

        return await self.each_target(spec, targets, send)
