"""nginx with the RTMP module: streams and clients from `rtmp_stat all`, drops via `rtmp_control`."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ..base import ActionSpec, Adapter
from ..http import one_line
from ..model import ActionResult, ServiceError, ServiceSnapshot, Stream

ACTIONS = {
    "close_stream": ActionSpec("close_stream", "Close stream", destructive=True),
    "kick": ActionSpec("kick", "Kick client", destructive=True),
}


def _int(node: ElementTree.Element | None, tag: str) -> int:
    text = node.findtext(tag) if node is not None else None
    try:
        return int(text or 0)
    except ValueError:
        return 0


def bitrate_kbps(stream: ElementTree.Element) -> int:
    """nginx measures bw_in every few seconds; until then, the average since the stream began."""
    bw_in = _int(stream, "bw_in")
    if bw_in:
        return round(bw_in / 1000)
    millis = _int(stream, "time")
    return round(_int(stream, "bytes_in") * 8 / millis) if millis else 0


def codec(stream: ElementTree.Element) -> str | None:
    video = stream.findtext("meta/video/codec") or ""
    audio = stream.findtext("meta/audio/codec") or ""
    return "/".join(c for c in (video, audio) if c) or None


def parse_stat(xml_text: str, host: str, now: datetime) -> list[Stream]:
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise ServiceError(f"bad /stat reply (not XML: {exc})") from None
    if root.tag != "rtmp":
        raise ServiceError("bad /stat reply (no <rtmp> root; is rtmp_stat all served there?)")
    streams = []
    for application in root.iter("application"):
        app = application.findtext("name") or ""
        for node in application.iterfind("live/stream"):
            name = node.findtext("name") or ""
            clients = [{
                "id": client.findtext("id") or "",
                "address": client.findtext("address") or "",
                "since": now - timedelta(milliseconds=_int(client, "time")),
                "publishing": client.find("publishing") is not None,
                "flashver": client.findtext("flashver") or "",
            } for client in node.iterfind("client")]
            publishing = node.find("publishing") is not None
            video = node.find("meta/video")
            streams.append(Stream(
                id=f"{app}/{name}", app=app, name=name, protocol="rtmp", host=host,
                started_at=now - timedelta(milliseconds=_int(node, "time")),
                viewers=sum(1 for c in clients if not c["publishing"]),
                state="live", actions=("close_stream",) if publishing else (),
                codec=codec(node), bitrate_kbps=bitrate_kbps(node),
                details={"clients": clients,
                         "video": f"{_int(video, 'width')}x{_int(video, 'height')} "
                                  f"@ {_int(video, 'frame_rate')} fps" if video is not None
                         else None}))
    return streams


class NginxRtmpAdapter(Adapter):
    kind = "nginx-rtmp"
    actions = ACTIONS
    has_streams = True

    def setup(self) -> None:
        self.host = urlsplit(self.config.base_url).hostname or ""
        self._streams: dict[str, Stream] = {}

    async def read(self) -> ServiceSnapshot:
        response = await self.http.request("GET", "/stat", idempotent=True)
        if response.status_code != 200:
            raise ServiceError(f"/stat answered HTTP {response.status_code}")
        streams = parse_stat(response.text, self.host, datetime.now(UTC))
        self._streams = {s.id: s for s in streams}
        return ServiceSnapshot(name=self.name, kind=self.kind, streams=streams)

    async def viewers(self, stream_id: str) -> list[dict[str, Any]]:
        stream = self._streams.get(stream_id)
        clients = stream.details.get("clients", []) if stream else []
        return [{"client": f"{c['address']} (id {c['id']})",
                 "format": "publisher" if c["publishing"] else "rtmp player",
                 "since": c["since"], "server": c["flashver"]} for c in clients]

    async def _drop(self, what: str, params: dict[str, str]) -> int:
        response = await self.http.request("GET", f"/control/drop/{what}", idempotent=False,
                                           params=params)
        text = response.text.strip()
        if response.status_code != 200 or not text.isdigit():
            raise ServiceError(f"/control/drop/{what} answered HTTP {response.status_code} "
                               f"{one_line(text, 80)!r}")
        return int(text)

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        dropped = 0
        for target in targets:
            parts = target.split("/")
            if spec.name == "close_stream" and len(parts) == 2:
                dropped += await self._drop("publisher", {"app": parts[0], "name": parts[1]})
            elif spec.name == "kick" and len(parts) == 3:
                dropped += await self._drop("client", {"app": parts[0], "name": parts[1],
                                                       "clientid": parts[2]})
            else:
                shape = "app/stream" if spec.name == "close_stream" else "app/stream/clientid"
                raise ServiceError(f"{target!r} is not {shape}")
        if not dropped:
            raise ServiceError(f"nginx dropped no session for {', '.join(targets)} "
                               "(nothing is publishing there now)")
        return ActionResult(self.name, spec.name, targets, ok=True,
                            message=f"{', '.join(targets)}: {dropped} session(s) dropped")

