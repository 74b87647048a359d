"""NTV Media Server G3 mapped onto the model: live and disabled streams, viewers, transcodes."""

from __future__ import annotations

import math
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from jobdeck.adapters.contract.base import ActionSpec, Adapter, Reads, read_together
from jobdeck.adapters.contract.model import (
    ActionResult,
    ServiceError,
    ServiceSnapshot,
    Stream,
    Task,
    Viewer,
    from_unix,
)
from jobdeck.adapters.contract.options import Option

from .client import NtvClient, number

ACTIONS = {
    "close_stream": ActionSpec("close_stream", "Close stream", destructive=True,
                               target="stream", done="closed",
                               warning="Its publisher may connect again."),
    "disable_stream": ActionSpec("disable_stream", "Close and disable", destructive=True,
                                 target="stream", done="closed and disabled",
                                 warning="The stream stays disabled until it is enabled."),
    "enable_stream": ActionSpec("enable_stream", "Enable stream", target="stream",
                                done="enabled"),
    "stop_transcode": ActionSpec("stop_transcode", "Stop transcode", destructive=True,
                                 done="stopped"),
}
CALLS = {"close_stream": ("streamMgr", "close_active_stream"),
         "disable_stream": ("closedStream", "close"),
         "enable_stream": ("closedStream", "open")}
# Only the stream list is essential; these degrade to a warning in plain words (spec 15.1:
# an account limited by auth_func/auth_app, or a server without the module, refuses a group).
SECONDARY = {"connection_count": "viewer counts (statMgr)",
             "closed": "disabled streams (closedStream)",
             "transcodes": "transcodes (transcodeMgr)",
             "recordings": "recordings (demandDvr)"}


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

    async def close(self) -> None:
        try:
            await self.client.logout()
        except ServiceError:
            pass  # leaving anyway; the token dies on its own after 30 idle minutes
        await super().close()

    async def read(self) -> ServiceSnapshot:
        self.client.warnings = []
        reads = Reads()
        items = self.client.items

        def disabled() -> Awaitable[list[dict[str, Any]] | None]:
            return self.now_and_then(SECONDARY["closed"], lambda: items(
                "closedStream", "list", key=lambda r: stream_key(r, "application")), reads)

        remembered = self.kept(SECONDARY["closed"])
        active, counts, closed, working, recording = await read_together(
            items("streamMgr", "get_active_streams", key=stream_key),
            reads.optional(items("statMgr", "connection_count",
                                 key=lambda r: (*stream_key(r, "application"), r.get("ver"))),
                           SECONDARY["connection_count"]),
            disabled(),
            reads.optional(items("transcodeMgr", "list_working", key=lambda r: r.get("src_id")),
                           SECONDARY["transcodes"]),
            self.now_and_then(SECONDARY["recordings"], lambda: items(
                "demandDvr", "list", key=lambda r: stream_key(r, "application")), reads),
        )
        was_live, self._live = self._live, {"/".join(stream_key(r)) for r in active}
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
        recorded = {"/".join(stream_key(r, "application")) for r in recording or []}
        host = urlsplit(self.config.base_url).hostname or ""
        streams = []
        for row in active:
            key = "/".join(stream_key(row))
            streams.append(Stream(
                id=key, app=str(row.get("app") or ""), name=str(row.get("stream") or ""),
                protocol=str(row.get("protocol") or ""), host=str(row.get("host") or host),
                started_at=from_unix(row.get("starttime")),
                viewers=viewers.get(key, 0) if viewers is not None else None,
                state="live", actions=("close_stream", "disable_stream"),
                recording=key in recorded))
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
        return ServiceSnapshot(name=self.name, kind=self.kind, tasks=tasks, streams=streams,
                               warnings=reads.warnings + self.client.warnings)

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

        async def send(target: str) -> None:
            if spec.name == "stop_transcode":
                await self.client.act("transcodeMgr", "stop_transcode", src_id=target)
            else:
                app, name = split_stream(target)
                group, request = CALLS[spec.name]
                await self.client.act(group, request, application=app, stream=name)

        return await self.each_target(spec, targets, send)
