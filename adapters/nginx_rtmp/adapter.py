"""nginx with the RTMP module: streams and clients from `rtmp_stat all`, drops via `rtmp_control`.

As arut/nginx-rtmp-module has it:
- ngx_rtmp_stat_module.c lists each rtmp `server {}` block as a <server> element, in order; a
  stream stays listed while players wait for a publisher that is gone (`<publishing/>` absent):
  that stream is idle, not live.
- ngx_rtmp_control_module.c picks the server by `srv` (its index, default 0) and compares `app`
  and `name` with the request's arguments byte for byte: ngx_http_arg returns them as written,
  without percent-decoding. So a name is sent exactly as /stat gives it; a name whose bytes
  cannot stand in a query as they are (a space, '&', '#', non-ASCII) cannot be addressed.
- Its drop has three filters (ngx_rtmp_control_drop, ngx_rtmp_control_walk_session):
  `publisher`, `subscriber` (the players only) and `client` (either), narrowed by `addr` and
  `clientid` (the connection number, read with ngx_atoi). A kick is `drop/subscriber` with the
  player's clientid: it can never drop the publisher by mistake.

Where /stat lists more than one server, stream ids carry the index: `1:live/cam1`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from jobdeck.adapters.contract.base import ActionSpec, Adapter
from jobdeck.adapters.contract.model import ActionResult, ServiceError, ServiceSnapshot, Stream, Viewer
from jobdeck.adapters.contract.options import Option

if TYPE_CHECKING:
    from xml.etree import ElementTree

ACTIONS = {
    "close_stream": ActionSpec("close_stream", "Close stream", destructive=True,
                               target="stream", done="closed", ends_stream=True,
                               warning="Its publisher may connect again."),
    "kick": ActionSpec("kick", "Kick viewer", destructive=True, target="client",
                       done="kicked", warning="A player may connect again."),
}
# Bytes a query argument can carry as they are (ngx_http_arg splits on '&', ends at '#').
ARG_SAFE = re.compile(r"[!$'()*+,\-./0-9:;=?@A-Z\[\]^_`a-z{|}~%]*")
TARGET = re.compile(r"^(?:(?P<srv>\d+):)?(?P<app>[^/]+)/(?P<rest>.+)$")


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


def stream_id(server: int, app: str, name: str, several: bool) -> str:
    return f"{server}:{app}/{name}" if several else f"{app}/{name}"


def parse_target(target: str, with_client: bool = False) -> tuple[int, str, str, str | None]:
    """`[srv:]app/name` (or `[srv:]app/name/clientid` for a kick) into its parts."""
    match = TARGET.match(target)
    if match is None:
        raise ServiceError(f"{target!r} is not "
                           f"{'app/stream/clientid' if with_client else 'app/stream'}")
    srv, app, rest = int(match["srv"] or 0), match["app"], match["rest"]
    client = None
    if with_client:
        rest, sep, client = rest.rpartition("/")
        if not sep or not rest or not client.isdigit():
            raise ServiceError(f"{target!r} is not app/stream/clientid")
    return srv, app, rest, client


def parse_stat(xml_text: str, host: str, now: datetime) -> list[Stream]:
    from xml.etree import ElementTree  # only a kind in use pays for the XML parser
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise ServiceError(f"bad /stat reply (not XML: {exc})") from None
    if root.tag != "rtmp":
        raise ServiceError("bad /stat reply (no <rtmp> root; is rtmp_stat all served there?)")
    servers = root.findall("server")
    several = len(servers) > 1
    streams = []
    for index, server in enumerate(servers):
        for application in server.iterfind("application"):
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
                    id=stream_id(index, app, name, several), app=app, name=name,
                    protocol="rtmp", host=f"{host} #{index}" if several else host,
                    started_at=now - timedelta(milliseconds=_int(node, "time")),
                    viewers=sum(1 for c in clients if not c["publishing"]),
                    state="live" if publishing else "idle",
                    actions=("close_stream",) if publishing else (),
                    codec=codec(node), bitrate_kbps=bitrate_kbps(node) if publishing else None,
                    details={"server": index, "clients": clients,
                             "video": f"{_int(video, 'width')}x{_int(video, 'height')} "
                                      f"@ {_int(video, 'frame_rate')} fps"
                             if video is not None else None}))
    return streams


class NginxRtmpAdapter(Adapter):
    kind = "nginx-rtmp"
    summary = "nginx with the RTMP module: streams with codec and bitrate; close, kick"
    example_name = "edge-rtmp"
    example_base_url = "http://127.0.0.1:8080"
    options = (
        Option("stat_path", str, "where `rtmp_stat all` is served", default="/stat"),
        Option("control_path", str, "where `rtmp_control all` is served", default="/control"),
    )
    actions = ACTIONS
    lists_streams = True

    def setup(self) -> None:
        self.host = urlsplit(self.config.base_url).hostname or ""
        self._streams: dict[str, Stream] = {}

    async def read(self) -> ServiceSnapshot:
        response = await self.http.request("GET", self.option("stat_path"), idempotent=True)
        if response.status_code != 200:
            raise ServiceError(f"{self.option('stat_path')} answered HTTP {response.status_code}")
        streams = parse_stat(response.text, self.host, datetime.now(UTC))
        self._streams = {s.id: s for s in streams}
        return ServiceSnapshot(name=self.name, kind=self.kind, streams=streams)

    async def viewers(self, stream_id: str) -> list[Viewer]:
        """Who is connected now: /stat read afresh (after a kick, the last poll's is stale)."""
        await self.read()
        stream = self._streams.get(stream_id)
        clients = stream.details.get("clients", []) if stream else []
        return [Viewer(client=f"{c['address']} (id {c['id']})",
                       format="publisher" if c["publishing"] else "rtmp player",
                       since=c["since"], server=c["flashver"], id=c["id"],
                       publisher=c["publishing"]) for c in clients]

    def _control_url(self, what: str, args: list[tuple[str, str]]) -> httpx.URL:
        for key, value in args:
            if not ARG_SAFE.fullmatch(value):
                raise ServiceError(
                    f"{key} {value!r} cannot be addressed: nginx-rtmp's control module compares "
                    "it byte for byte without decoding (ngx_http_arg), and a space, '&', '#' or "
                    "a non-ASCII character cannot stand in a query as it is")
        query = "&".join(f"{key}={value}" for key, value in args)
        path = f"{self.option('control_path').rstrip('/')}/drop/{what}?{query}"
        base = httpx.URL(self.http.base_url)
        return base.copy_with(raw_path=(base.raw_path.rstrip(b"/") + path.encode("ascii")))

    async def _drop(self, what: str, args: list[tuple[str, str]]) -> int:
        response = await self.http.request("GET", self._control_url(what, args),
                                           idempotent=False)
        text = response.text.strip()
        if response.status_code != 200 or not text.isdigit():
            hint = " (no such server index or application?)" \
                if response.status_code == 500 else ""
            raise ServiceError(f"/control/drop/{what} answered HTTP {response.status_code}"
                               f"{hint}")
        return int(text)

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        if not targets:
            raise ServiceError("no target given")

        async def send(target: str) -> str:
            srv, app, name, client = parse_target(target, with_client=spec.name == "kick")
            args = [("srv", str(srv)), ("app", app), ("name", name)]
            if client is not None:
                args.append(("clientid", client))
            dropped = await self._drop(
                "publisher" if spec.name == "close_stream" else "subscriber", args)
            if not dropped:
                raise ServiceError(f"nginx dropped no session for {target} (nothing is "
                                   f"{'publishing' if spec.name == 'close_stream' else 'playing'}"
                                   " there now)")
            return f"{dropped} session{'s' if dropped != 1 else ''} dropped"

        return await self.each_target(spec, targets, send)
