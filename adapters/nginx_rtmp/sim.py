"""A stateful nginx-rtmp: server blocks with applications, publishers and players, /stat and
/control/drop as arut/nginx-rtmp-module serves them.

- /stat is the XML ngx_rtmp_stat_module.c writes (ngx_rtmp_stat_handler, _server, _live,
  _client): one <server> per rtmp server block, streams with <time>, bandwidth, their clients,
  <meta>, <nclients>, and <publishing/> only while a publisher is there. A stream whose
  publisher left stays while players wait (idle).
- /control/drop/{publisher,subscriber,client} is ngx_rtmp_control_module.c's: `srv` picks the
  server by index (default 0; past the last: HTTP 500), `app`, `name`, `addr` filter the
  sessions, each compared with the argument as written (ngx_http_arg does not percent-decode),
  `clientid` with the connection number (ngx_atoi: anything but digits matches none);
  `subscriber` takes only players, `publisher` only the publisher, `client` either; the answer
  is the number of sessions dropped, "0" when none matched.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from jobdeck.adapters.simulation.server import Received, SimRequest, SimResponse, Simulator

NGINX_500 = (b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
             b"<center><h1>500 Internal Server Error</h1></center>\r\n"
             b"<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n")
RECONNECT_S = 15.0   # an encoder with auto-reconnect publishes again after a drop


@dataclass
class SimClient:
    id: int
    address: str
    since: float
    publishing: bool = False
    flashver: str = "LNX 9,0,124,2"


@dataclass
class SimLiveStream:
    name: str
    started: float
    clients: list[SimClient] = field(default_factory=list)
    kbps: int = 2500
    width: int = 1280
    height: int = 720
    back_at: float | None = None   # a dropped publisher that reconnects

    @property
    def publisher(self) -> SimClient | None:
        return next((c for c in self.clients if c.publishing), None)


class NginxRtmpSim(Simulator):
    kind = "nginx-rtmp"

    def __init__(self, *, seed: int = 17, clock: Callable[[], float] | None = None,
                 wall: Callable[[], float] | None = None, scenario: str = "demo",
                 servers: int = 2) -> None:
        super().__init__(clock=clock, wall=wall)
        self.random = random.Random(seed)
        # servers[srv][app][name]
        self.servers: list[dict[str, dict[str, SimLiveStream]]] = [{} for _ in range(servers)]
        self._next_id = 1
        self.naccepted = 0
        if scenario == "demo":
            self.add_app(0, "live")
            self.add_stream(0, "live", "cam1", players=3, age=4000)
            self.add_stream(0, "live", "lobby", publisher=False, players=2, age=600)
            if servers > 1:
                self.add_app(1, "show")
                self.add_stream(1, "show", "stage", players=12, age=1800)

    # building ---------------------------------------------------------------------------------

    def add_app(self, srv: int, app: str) -> None:
        self.servers[srv].setdefault(app, {})

    def _client(self, publishing: bool, age: float = 0) -> SimClient:
        client = SimClient(self._next_id, f"192.0.2.{self.random.randint(2, 254)}",
                           self.clock() - age, publishing,
                           "FMLE/3.0 (compatible; Lavf59.27" if publishing else "LNX 9,0,124,2")
        self._next_id += 1
        self.naccepted += 1
        return client

    def add_stream(self, srv: int, app: str, name: str, *, publisher: bool = True,
                   players: int = 0, age: float = 0) -> SimLiveStream:
        self.add_app(srv, app)
        stream = SimLiveStream(name, self.clock() - age)
        if publisher:
            stream.clients.append(self._client(True, age))
        for _ in range(players):
            stream.clients.append(self._client(False, self.random.uniform(0, age)))
        self.servers[srv][app][name] = stream
        return stream

    def advance(self, now: float) -> None:
        for apps in self.servers:
            for streams in apps.values():
                for stream in streams.values():
                    if stream.back_at is not None and now >= stream.back_at:
                        stream.back_at = None
                        stream.started = now
                        stream.clients.insert(0, self._client(True))

    # HTTP -------------------------------------------------------------------------------------

    def route(self, request: SimRequest) -> SimResponse:
        if request.path == "/stat":
            self.received.append(Received("stat", None, 200))
            return SimResponse(200, self.stat_xml().encode("utf-8"),
                               {"Content-Type": "text/xml"})
        if request.path.startswith("/control/drop/"):
            args = raw_args(request.raw_query)
            record = Received(request.path.removeprefix("/control/"), args)
            self.received.append(record)
            dropped = self.drop(request.path.rsplit("/", 1)[-1], args)
            if dropped is None:
                record.answered = 500
                return SimResponse(500, NGINX_500, {"Content-Type": "text/html"})
            record.answered = 200
            return SimResponse(200, str(dropped).encode(), {})
        return SimResponse(404, b"<html><body>404 Not Found</body></html>",
                           {"Content-Type": "text/html"})

    def drop(self, method: str, args: dict[str, str]) -> int | None:
        """ngx_rtmp_control_drop + _walk: None for what nginx answers with HTTP 500."""
        filters = {"publisher": True, "subscriber": False, "client": None}
        if method not in filters:
            return None   # "Undefined filter"
        try:
            srv = int(args.get("srv") or 0)
        except ValueError:   # ngx_atoi of garbage is NGX_ERROR, past every index
            return None
        if srv >= len(self.servers):
            return None   # "Server index out of range"
        dropped = 0
        for app, streams in self.servers[srv].items():
            if "app" in args and args["app"] != app:
                continue
            for name, stream in list(streams.items()):
                if "name" in args and args["name"] != name:
                    continue
                for client in list(stream.clients):
                    if "addr" in args and args["addr"] != client.address:
                        continue
                    if "clientid" in args and not (args["clientid"].isdigit()
                                                   and int(args["clientid"]) == client.id):
                        continue
                    want = filters[method]
                    if want is not None and client.publishing != want:
                        continue
                    stream.clients.remove(client)
                    dropped += 1
                    if client.publishing:
                        stream.back_at = self.clock() + RECONNECT_S
                if not stream.clients and stream.back_at is None:
                    del streams[name]
        return dropped

    def stat_xml(self) -> str:
        now = self.clock()
        out = ['<?xml version="1.0" encoding="utf-8" ?>\r\n<rtmp>\r\n',
               "<nginx_version>1.22.1</nginx_version>\r\n",
               "<nginx_rtmp_version>1.1.4</nginx_rtmp_version>\r\n",
               "<built>Feb 13 2023 11:56:56</built>\r\n<pid>4006</pid>\r\n",
               f"<uptime>{int(now - self._born)}</uptime>\r\n",
               f"<naccepted>{self.naccepted}</naccepted>\r\n",
               "<bw_in>0</bw_in>\r\n<bytes_in>0</bytes_in>\r\n"
               "<bw_out>0</bw_out>\r\n<bytes_out>0</bytes_out>\r\n"]
        for apps in self.servers:
            out.append("<server>\r\n")
            for app, streams in apps.items():
                out.append(f"<application>\r\n<name>{escape(app)}</name>\r\n<live>\r\n")
                total = 0
                for stream in streams.values():
                    if not stream.clients:
                        continue
                    out.append(self._stream_xml(stream, now))
                    total += len(stream.clients)
                out.append(f"<nclients>{total}</nclients>\r\n</live>\r\n</application>\r\n")
            out.append("</server>\r\n")
        out.append("</rtmp>\r\n")
        return "".join(out)

    def _stream_xml(self, stream: SimLiveStream, now: float) -> str:
        publisher = stream.publisher
        age_ms = int((now - stream.started) * 1000)
        bw = stream.kbps * 1000 if publisher and age_ms > 10_000 else 0   # measured every ~10 s
        parts = [f"<stream>\r\n<name>{escape(stream.name)}</name>\r\n",
                 f"<time>{age_ms}</time><bw_in>{bw}</bw_in>\r\n",
                 f"<bytes_in>{stream.kbps * 125 * age_ms // 1000 if publisher else 0}</bytes_in>"
                 "\r\n<bw_out>0</bw_out>\r\n<bytes_out>0</bytes_out>\r\n"
                 "<bw_audio>0</bw_audio>\r\n<bw_video>0</bw_video>\r\n"]
        for client in stream.clients:
            parts.append(f"<client><id>{client.id}</id><address>{client.address}</address>"
                         f"<time>{int((now - client.since) * 1000)}</time>"
                         f"<flashver>{escape(client.flashver)}</flashver><dropped>0</dropped>"
                         "<avsync>-3200</avsync><timestamp>3200</timestamp>"
                         f"{'<publishing/>' if client.publishing else ''}"
                         f"{'<active/>' if publisher else ''}</client>\r\n")
        if publisher:
            parts.append(f"<meta><video><width>{stream.width}</width><height>{stream.height}"
                         "</height><frame_rate>25</frame_rate><codec>H264</codec><profile>High"
                         "</profile><compat>0</compat><level>3.1</level></video><audio><codec>"
                         "AAC</codec><profile>LC</profile><channels>2</channels><sample_rate>"
                         "44100</sample_rate></audio></meta>\r\n")
        parts.append(f"<nclients>{len(stream.clients)}</nclients>\r\n")
        if publisher:
            parts.append("<publishing/>\r\n<active/>\r\n")
        parts.append("</stream>\r\n")
        return "".join(parts)

    def auth_refused(self, request: SimRequest) -> SimResponse:
        return SimResponse(403, b"<html><body><h1>403 Forbidden</h1></body></html>",
                           {"Content-Type": "text/html"})

    def service_entry(self, name: str, base_url: str) -> dict[str, Any]:
        return {"name": name, "kind": self.kind, "base_url": base_url}


def raw_args(query: str) -> dict[str, str]:
    """Query arguments as ngx_http_arg sees them: split on '&' and '=', never decoded."""
    args: dict[str, str] = {}
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key and key not in args:
            args[key] = value
    return args


def demo() -> dict[str, NginxRtmpSim]:
    return {"edge-rtmp": NginxRtmpSim()}
