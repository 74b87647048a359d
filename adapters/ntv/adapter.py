"""NTV Media Server G3 mapped onto the model: live and disabled streams, viewers, transcodes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..base import ActionSpec, Adapter, read_together
from ..model import ActionResult, ServiceError, ServiceSnapshot, Stream, Task, from_unix
from .client import NtvClient, number

ACTIONS = {
    "close_stream": ActionSpec("close_stream", "Close stream", destructive=True),
    "disable_stream": ActionSpec("disable_stream", "Close and disable", destructive=True),
    "enable_stream": ActionSpec("enable_stream", "Enable stream"),
    "stop_transcode": ActionSpec("stop_transcode", "Stop transcode", destructive=True),
}
CALLS = {"close_stream": ("streamMgr", "close_active_stream"),
         "disable_stream": ("closedStream", "close"),
         "enable_stream": ("closedStream", "open")}
DONE = {"close_stream": "closed", "disable_stream": "closed and disabled",
        "enable_stream": "enabled", "stop_transcode": "stopped"}


def percent(value: Any) -> float | None:
    text = str(value or "").strip().rstrip("%")
    try:
        return max(0.0, min(1.0, float(text) / 100))
    except ValueError:
        return None


def split_stream(target: str) -> tuple[str, str]:
    app, sep, name = target.partition("/")
    if not sep or not app or not name:
        raise ServiceError(f"{target!r} is not app/stream")
    return app, name


class NtvAdapter(Adapter):
    kind = "ntv"
    required_keys = ("base_url", "username", "password")
    secret_keys = ("password",)
    actions = ACTIONS
    has_streams = True

    def setup(self) -> None:
        self.client = NtvClient(self.http, username=str(self.config.get("username")),
                                password=str(self.config.get("password")))

    async def close(self) -> None:
        try:
            await self.client.logout()
        except ServiceError:
            pass  # leaving anyway; the token dies on its own after 30 idle minutes
        await super().close()

    async def read(self) -> ServiceSnapshot:
        active, counts, closed, working, recording = await read_together(
            self.client.items("streamMgr", "get_active_streams"),
            self.client.items("statMgr", "connection_count"),
            self.client.items("closedStream", "list"),
            self.client.items("transcodeMgr", "list_working"),
            self.client.items("demandDvr", "list"),
        )
        viewers: dict[str, int] = {}
        for row in counts:
            if str(row.get("ver") or "") in ("", "-1"):  # live viewers, not playback of a recording
                key = f"{row.get('application')}/{row.get('stream')}"
                viewers[key] = viewers.get(key, 0) + number(row.get("count"))
        recorded = {f"{r.get('application')}/{r.get('stream')}" for r in recording}
        host = urlsplit(self.config.base_url).hostname or ""
        streams = []
        for row in active:
            key = f"{row.get('app')}/{row.get('stream')}"
            streams.append(Stream(
                id=key, app=str(row.get("app") or ""), name=str(row.get("stream") or ""),
                protocol=str(row.get("protocol") or ""), host=str(row.get("host") or host),
                started_at=from_unix(row.get("starttime")), viewers=viewers.get(key, 0),
                state="live", actions=("close_stream", "disable_stream"),
                recording=key in recorded))
        for row in closed:
            key = f"{row.get('application')}/{row.get('stream')}"
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
            for row in working if row.get("src_id")]
        return ServiceSnapshot(name=self.name, kind=self.kind, tasks=tasks, streams=streams)

    async def viewers(self, stream_id: str) -> list[dict[str, Any]]:
        """Who watches one stream now (connection_detail)."""
        app, name = split_stream(stream_id)
        rows = await self.client.items("statMgr", "connection_detail", application=app,
                                       stream=name, version="")
        return [{"client": str(r.get("cip") or ""), "format": str(r.get("format") or ""),
                 "since": from_unix(r.get("reg_time")), "server": str(r.get("sip") or "")}
                for r in rows]

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        if not targets:
            raise ServiceError("no target given")
        for target in targets:
            if spec.name == "stop_transcode":
                await self.client.act("transcodeMgr", "stop_transcode", src_id=target)
            else:
                app, name = split_stream(target)
                group, request = CALLS[spec.name]
                await self.client.act(group, request, application=app, stream=name)
        return ActionResult(self.name, spec.name, targets, ok=True,
                            message=f"{', '.join(targets)} {DONE[spec.name]}")
