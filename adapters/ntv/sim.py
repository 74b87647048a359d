"""A stateful NTV Media Server G3: login by challenge, tokens that die after 30 idle minutes,
streams that come and go, viewers that change, disabled streams, transcodes that progress.

NTV publishes no source; this follows its spec: paged replies carry page/page_size/pages/total as
strings and take `page` (section 1.9); an account created with auth_func/auth_app (15.1), or a
server without a module (on-demand DVR), refuses whole groups: `refuse` holds the groups this
server lacks, `account_funcs` (when set) the only groups the account may call, which is also
what `userAuth functions` (15.3) lists for it.

Also as the spec has them: relay tasks (streamingMgr, 11: status 0 not running, 1 running, other
values abnormal; a running relay publishes its target stream), on-demand recording (demandDvr, 7:
only for apps set up for it, never `live`, `live-*` or apps and streams marked NR; a stream is
written only while the global DVR is on, 3.2-3.3) and per-app player limits (limitMgr, 10: the
players of all the app's streams together; one more is refused).
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jobdeck.adapters.simulation.server import Received, SimRequest, SimResponse, Simulator

USERNAME, PASSWORD = "admin", "sim-ntv-password"
TOKEN_IDLE_S = 30 * 60
PAGE_SIZE = 20
BAD_TOKEN = 8   # the spec gives no code for an invalid token; this server uses 8
REFUSED = 9     # nor for a group the account or the server does not have
RELAY_ABNORMAL = 2   # any status but 0 and 1 is abnormal (spec 11.1); this server says 2
# userAuth functions (spec 15.3): every controller the server has, with its own words
FUNCTIONS = (("loginWeb", "登录管理平台"), ("appMgr", "管理应用"), ("streamMgr", "管理播出流"),
             ("authMgr", "管理播出/推流认证"), ("streamingMgr", "管理串流"),
             ("streamingMgr2", "管理监控接入"), ("closedStream", "关闭/开启直播流"),
             ("demandDvr", "执行按需录制"), ("limitMgr", "设置并发限制"),
             ("autodelMgr", "设置自动删除"), ("set_domain", "设置本机域名"), ("cdnMgr", "配置CDN"),
             ("statMgr", "播出统计和明细"), ("transcodeMgr", "管理转码"),
             ("fileMgr", "管理转码文件(上传和管理资源文件)"), ("systemMgr", "重启服务"),
             ("cms_module", "使用内容管理模块(如果安装)"))


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@dataclass
class SimStream:
    app: str
    name: str
    started: float
    protocol: str = "rtmp"
    viewers: list[dict[str, Any]] = field(default_factory=list)
    back_at: float | None = None  # a closed (not disabled) publisher reconnects


@dataclass
class SimRelay:
    id: str
    name: str
    protocol: str
    source_url: str
    application: str
    stream: str
    status: int = 0
    started: float | None = None
    fails_after: float | None = None   # a running relay whose source drops after this long


@dataclass
class SimTranscode:
    src_id: str
    src_file: str
    started: float
    seconds: float


class NtvSim(Simulator):
    kind = "ntv"

    def __init__(self, *, seed: int = 13, clock: Callable[[], float] | None = None,
                 wall: Callable[[], float] | None = None, scenario: str = "demo") -> None:
        super().__init__(clock=clock, wall=wall)
        self.random = random.Random(seed)
        self.users = {USERNAME: PASSWORD}
        self.challenges: dict[str, str] = {}
        self.issued: list[str] = []              # every challenge handed out, for tests
        self.tokens: dict[str, float] = {}   # token -> last use (clock)
        self.streams: dict[str, SimStream] = {}
        self.waiting: dict[str, SimStream] = {}  # closed, coming back
        self.closed: dict[str, float] = {}       # disabled: key -> wall time
        self.transcodes: dict[str, SimTranscode] = {}
        self.recording: set[str] = set()        # on-demand recording asked: app/stream
        self.demand_apps: dict[str, float] = {}  # apps set up for on-demand recording -> wall
        self.dvr_on = True                       # the global DVR switch (spec 3.2-3.4)
        self.limits: dict[str, int] = {}         # app -> most players at once, all its streams
        self.refused_players = 0                 # players turned away at a limit
        self.relays: dict[str, SimRelay] = {}
        self.refuse: dict[str, str] = {}   # group -> err_desc: groups this server refuses
        self.account_funcs: set[str] | None = None   # the account's auth_func; None: all
        self._last = self.clock()
        if scenario == "demo":
            self.demand_apps.update({"liveshow": self.wall() - 86400, "show": self.wall() - 600})
            self.limits.update({"liveshow": 100, "show": 6})
            now = self.clock()
            for app, name, age in (("live", "live2", 5400), ("live", "大厅直播", 1200),
                                   ("liveshow", "jgdy", 300), ("show", "board-room", 60)):
                self.add_stream(app, name, age=age, viewers=self.random.randint(0, 40))
            self.closed["liveshow/spam-channel"] = self.wall() - 3600
            self.recording.add("liveshow/jgdy")
            self.add_transcode("video89", "案例视频8.mp4", seconds=180, done_s=40)
            self.add_transcode("8ass3", "keynote-2026.mov", seconds=600, done_s=10)
            self.add_relay("BAF9B8E5BA819259", "监控视频", "rtsp",
                           "rtsp://192.0.2.246:8555/H264SubStream", "show", "camera1", running=True)
            self.add_relay("D16E78096B55C850", "本地文件串流", "file", "file:///var/media/jgdy.mp4",
                           "liveshow", "loop")
            self.add_relay("7C1E0A55D2F04B11", "hall-cam", "rtsp", "rtsp://192.0.2.31/main",
                           "show", "hall", running=True, fails_after=45)
            self._last = now

    def add_stream(self, app: str, name: str, age: float = 0, viewers: int = 0) -> SimStream:
        stream = SimStream(app, name, self.clock() - age)
        self.streams[f"{app}/{name}"] = stream
        for _ in range(viewers):
            self._viewer(stream)
        return stream

    def add_relay(self, relay_id: str, name: str, protocol: str, source_url: str, app: str,
                  stream: str, running: bool = False, fails_after: float | None = None) -> SimRelay:
        relay = SimRelay(relay_id, name, protocol, source_url, app, stream,
                         fails_after=fails_after)
        self.relays[relay_id] = relay
        if running:
            self._run_relay(relay)
        return relay

    def _run_relay(self, relay: SimRelay) -> None:
        relay.status, relay.started = 1, self.clock()
        key = f"{relay.application}/{relay.stream}"
        if key not in self.streams and key not in self.closed:
            self.add_stream(relay.application, relay.stream, viewers=1)

    def _halt_relay(self, relay: SimRelay, status: int) -> None:
        relay.status, relay.started = status, None
        self.streams.pop(f"{relay.application}/{relay.stream}", None)

    def app_players(self, app: str) -> int:
        return sum(len(s.viewers) for s in self.streams.values() if s.app == app)

    def _viewer(self, stream: SimStream) -> None:
        limit = self.limits.get(stream.app, 0)
        if limit and self.app_players(stream.app) >= limit:
            self.refused_players += 1   # spec 10.1: past the limit a player is refused
            return
        stream.viewers.append({"cip": f"192.0.2.{self.random.randint(2, 254)}",
                               "format": self.random.choice(("rtmp", "hls", "flv")),
                               "reg_time": int(self.wall()) - self.random.randint(0, 900),
                               "uid": "".join(self.random.choice(string.hexdigits.upper())
                                              for _ in range(16))})

    def add_transcode(self, src_id: str, src_file: str, seconds: float,
                      done_s: float = 0) -> SimTranscode:
        job = SimTranscode(src_id, src_file, self.clock() - done_s, seconds)
        self.transcodes[src_id] = job
        return job

    # time -------------------------------------------------------------------------------------

    def advance(self, now: float) -> None:
        dt = now - self._last
        if dt <= 0:
            return
        self._last = now
        # a guest stream goes live every 90 s and ends 50 s later: streams come and go
        cycle = (now - self._born) % 90
        guest = "live/guest-cam"
        if cycle < 50 and guest not in self.streams and guest not in self.closed \
                and guest not in self.waiting:
            self.add_stream("live", "guest-cam", viewers=2)
        elif cycle >= 50 and guest in self.streams:
            del self.streams[guest]
        for key, stream in list(self.waiting.items()):
            if stream.back_at is not None and now >= stream.back_at and key not in self.closed:
                stream.started, stream.back_at = now, None
                self.streams[key] = self.waiting.pop(key)
        for stream in self.streams.values():   # viewers come and go
            for _ in range(int(dt // 3) or (1 if self.random.random() < dt / 3 else 0)):
                if stream.viewers and self.random.random() < 0.45:
                    stream.viewers.pop(self.random.randrange(len(stream.viewers)))
                else:
                    self._viewer(stream)
        for src_id, job in list(self.transcodes.items()):
            if now - job.started >= job.seconds:
                del self.transcodes[src_id]
        for relay in self.relays.values():   # a source that drops leaves its relay abnormal
            if relay.status == 1 and relay.fails_after is not None and relay.started is not None \
                    and now - relay.started >= relay.fails_after:
                self._halt_relay(relay, RELAY_ABNORMAL)

    # HTTP -------------------------------------------------------------------------------------

    def reply(self, code: int, err_desc: str | None = None, data: Any = None) -> SimResponse:
        body: dict[str, Any] = {"code": code}
        if err_desc is not None:
            body["err_desc"] = err_desc
        if data is not None:
            body["data"] = data
        return SimResponse.json(body)

    def page(self, items: list[Any], query: dict[str, str], paged: bool = True) -> SimResponse:
        if not items:
            return self.reply(0, data={"count": 0})       # items missing when there are none
        if not paged:
            return self.reply(0, data={"count": len(items), "items": items})
        page = max(1, int(query.get("page") or 1))
        pages = max(1, -(-len(items) // PAGE_SIZE))
        chunk = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        return self.reply(0, data={"page": page, "page_size": str(PAGE_SIZE), "pages": str(pages),
                                   "total": str(len(items)), "count": len(chunk), "items": chunk})

    def route(self, request: SimRequest) -> SimResponse:
        group = request.path.rstrip("/").rsplit("/", 1)[-1]
        query = dict(request.query)
        name = query.get("request", "")
        record = Received(f"{group}/{name}", {k: v for k, v in query.items() if k != "request"})
        self.received.append(record)
        if group == "userAuth" and name in ("login1", "login2"):
            response = self.ep_login1(query) if name == "login1" else self.ep_login2(query)
            record.answered = "ok" if b'"code": 0' in response.body else "refused"
            return response
        token = query.get("token", "")
        last = self.tokens.get(token)
        if last is None or self.clock() - last > TOKEN_IDLE_S:
            self.tokens.pop(token, None)
            record.answered = BAD_TOKEN
            return self.reply(BAD_TOKEN, "token无效 (token invalid or expired)")
        self.tokens[token] = self.clock()
        if group in self.refuse:
            record.answered = "refused"
            return self.reply(REFUSED, self.refuse[group])
        if self.account_funcs is not None and group != "userAuth" \
                and group not in self.account_funcs:
            record.answered = "refused"
            return self.reply(REFUSED, "没有权限 (no permission)")
        handler = ROUTES.get((group, name))
        if handler is None:
            record.answered = 404
            return self.reply(1, f"unknown request {group}/{name}")
        response = handler(self, query)
        record.answered = "ok" if b'"code": 0' in response.body else "refused"
        return response

    def ep_login1(self, query: dict[str, str]) -> SimResponse:
        user = query.get("username", "")
        if user not in self.users:
            return self.reply(1, "user does not exist")
        challenge = "".join(self.random.choice(string.ascii_lowercase + string.digits)
                            for _ in range(16))
        self.challenges[user] = challenge
        self.issued.append(challenge)
        return self.reply(0, challenge)

    def ep_login2(self, query: dict[str, str]) -> SimResponse:
        user = query.get("username", "")
        challenge = self.challenges.pop(user, None)
        if challenge is None:
            return self.reply(2, "no challenge: call login1 first")
        if query.get("hash") != md5(md5(self.users[user]) + challenge):
            return self.reply(3, "password hash error")
        token = "".join(self.random.choice(string.ascii_lowercase + string.digits)
                        for _ in range(16))
        self.tokens[token] = self.clock()
        return self.reply(0, token)

    def expire_tokens(self) -> None:
        """Every token dies, as after 30 idle minutes."""
        self.tokens.clear()

    def ep_logout(self, query: dict[str, str]) -> SimResponse:
        self.tokens.pop(query.get("token", ""), None)
        return self.reply(0)

    def ep_active(self, query: dict[str, str]) -> SimResponse:
        wall_now, now = self.wall(), self.clock()
        return self.page([{"server": "g3", "host": "media.sim", "protocol": s.protocol,
                           "app": s.app, "stream": s.name, "uid": str(23000000 + n),
                           "end": "end", "starttime": int(wall_now - (now - s.started))}
                          for n, s in enumerate(self.streams.values())], query)

    def ep_count(self, query: dict[str, str]) -> SimResponse:
        return self.page([{"application": s.app, "stream": s.name, "ver": "",
                           "count": len(s.viewers)} for s in self.streams.values()], query,
                         paged=False)

    def ep_detail(self, query: dict[str, str]) -> SimResponse:
        stream = self.streams.get(f"{query.get('application')}/{query.get('stream')}")
        if stream is None:
            return self.page([], query)
        return self.page([{**v, "sip": "media.sim:1935", "sid": v["uid"], "ver": "-1",
                           "type": "live", "start": "-1"} for v in stream.viewers], query)

    def _target(self, query: dict[str, str]) -> str | SimResponse:
        if not query.get("application") or not query.get("stream"):
            return self.reply(1, "application and stream are required")
        return f"{query['application']}/{query['stream']}"

    def ep_close_active(self, query: dict[str, str]) -> SimResponse:
        key = self._target(query)
        if isinstance(key, SimResponse):
            return key
        stream = self.streams.pop(key, None)
        if stream is None:
            return self.reply(1, f"stream {key} is not live")
        stream.viewers, stream.back_at = [], self.clock() + 20  # the publisher retries
        self.waiting[key] = stream
        return self.reply(0)

    def ep_closed_close(self, query: dict[str, str]) -> SimResponse:
        key = self._target(query)
        if isinstance(key, SimResponse):
            return key
        self.streams.pop(key, None)
        self.waiting.pop(key, None)
        self.closed[key] = self.wall()
        return self.reply(0)

    def ep_closed_open(self, query: dict[str, str]) -> SimResponse:
        key = self._target(query)
        if isinstance(key, SimResponse):
            return key
        if self.closed.pop(key, None) is None:
            return self.reply(1, f"stream {key} is not disabled")
        app, name = key.split("/", 1)
        self.waiting[key] = SimStream(app, name, self.clock(), back_at=self.clock() + 5)
        return self.reply(0)

    def ep_closed_list(self, query: dict[str, str]) -> SimResponse:
        return self.page([{"application": k.split("/", 1)[0], "stream": k.split("/", 1)[1],
                           "time": int(t)} for k, t in self.closed.items()], query, paged=False)

    def ep_transcodes(self, query: dict[str, str]) -> SimResponse:
        now, wall_now = self.clock(), self.wall()
        return self.page([{
            "status": "working", "src_file": j.src_file, "application": "vod", "bitrate": "800",
            "width": "640", "height": "352", "bitrate_audio": "56", "src_id": j.src_id,
            "add_time": str(int(wall_now - (now - j.started))),
            "start_time": str(int(wall_now - (now - j.started))), "from": None,
            "encode_progress": f"{min(99.9, (now - j.started) / j.seconds * 100):.1f}%",
            "work_duration": int(now - j.started)} for j in self.transcodes.values()], query,
            paged=False)

    def ep_stop_transcode(self, query: dict[str, str]) -> SimResponse:
        if self.transcodes.pop(query.get("src_id", ""), None) is None:
            return self.reply(1, f"no working transcode {query.get('src_id')!r}")
        return self.reply(0)

    def ep_functions(self, query: dict[str, str]) -> SimResponse:
        return self.page([{"controller": c, "name": n} for c, n in FUNCTIONS
                          if self.account_funcs is None or c in self.account_funcs], query,
                         paged=False)

    # relays (spec 11) ---------------------------------------------------------------------------

    def _relay_item(self, relay: SimRelay) -> dict[str, Any]:
        return {"name": relay.name, "id": relay.id, "protocol": relay.protocol,
                "source_url": relay.source_url, "to_host": "localhost",
                "application": relay.application, "stream": relay.stream,
                "status": relay.status}

    def ep_relays(self, query: dict[str, str]) -> SimResponse:
        wanted = query.get("id")
        return self.page([self._relay_item(r) for r in self.relays.values()
                          if not wanted or r.id == wanted], query, paged=False)

    def _relay(self, query: dict[str, str]) -> SimRelay | SimResponse:
        relay = self.relays.get(query.get("id", ""))
        if relay is None:
            return self.reply(1, f"streaming task {query.get('id')!r} does not exist")
        return relay

    def ep_relay_start(self, query: dict[str, str]) -> SimResponse:
        relay = self._relay(query)
        if isinstance(relay, SimResponse):
            return relay
        if relay.status == 1:
            return self.reply(1, "streaming task is already running")
        self._run_relay(relay)
        return self.reply(0)

    def ep_relay_stop(self, query: dict[str, str]) -> SimResponse:
        relay = self._relay(query)
        if isinstance(relay, SimResponse):
            return relay
        if relay.status == 0:
            return self.reply(1, "streaming task is not running")
        self._halt_relay(relay, 0)
        return self.reply(0)

    # on-demand recording (spec 7) and the global DVR (3.2) ----------------------------------------

    @staticmethod
    def takes_demand(app: str, stream: str = "") -> bool:
        """Spec 7.1: on-demand recording does not apply to `live`, `live-*`, nor to apps and
        streams marked NR."""
        return app != "live" and not app.startswith("live-") and "NR" not in app + stream

    def _demand(self, query: dict[str, str]) -> str | SimResponse:
        key = self._target(query)
        if isinstance(key, SimResponse):
            return key
        app, stream = key.split("/", 1)
        if not self.takes_demand(app, stream) or app not in self.demand_apps:
            return self.reply(1, f"{app} is not an on-demand recording application")
        return key

    def ep_dvr_start(self, query: dict[str, str]) -> SimResponse:
        key = self._demand(query)
        if isinstance(key, SimResponse):
            return key
        self.recording.add(key)   # 7.4: live or not; recording begins when it is live
        return self.reply(0)

    def ep_dvr_stop(self, query: dict[str, str]) -> SimResponse:
        key = self._demand(query)
        if isinstance(key, SimResponse):
            return key
        self.recording.discard(key)
        return self.reply(0)

    def ep_dvr_apps(self, query: dict[str, str]) -> SimResponse:
        return self.page([{"application": a, "time": int(t)} for a, t in self.demand_apps.items()],
                         query, paged=False)

    def ep_dvr_paras(self, query: dict[str, str]) -> SimResponse:
        return self.page([{"is_dvr": "on" if self.dvr_on else "off", "dvr_method": "METHOD_A",
                           "media_root": "/var/www/media", "keep_time": "0",
                           "formats": "flv;hls", "tv_streams": "tv",
                           "application": query.get("application") or "__Default"}], query,
                         paged=False)

    def ep_limits(self, query: dict[str, str]) -> SimResponse:
        wanted = query.get("application")
        return self.page([{"application": a, "limit": n} for a, n in self.limits.items()
                          if not wanted or a == wanted], query, paged=False)

    def ep_dvr_list(self, query: dict[str, str]) -> SimResponse:
        app = query.get("application")
        items = {k.replace("/", "-"): {"application": k.split("/")[0], "stream": k.split("/")[1]}
                 for k in sorted(self.recording) if not app or k.startswith(app + "/")}
        return self.reply(0, data={"count": len(items), "items": items} if items else {"count": 0})

    def auth_refused(self, request: SimRequest) -> SimResponse | None:
        """Every token dies at once; logging in again still works."""
        if request.query.get("request") in ("login1", "login2"):
            return None
        self.tokens.clear()
        return self.reply(BAD_TOKEN, "token无效 (token invalid or expired)")

    def service_entry(self, name: str, base_url: str) -> dict[str, Any]:
        return {"name": name, "kind": self.kind,
                "base_url": base_url.rstrip("/") + "/mserver/interface/",
                "username": USERNAME, "password": PASSWORD}


ROUTES: dict[tuple[str, str], Callable[[NtvSim, dict[str, str]], SimResponse]] = {
    ("userAuth", "logout"): NtvSim.ep_logout,
    ("streamMgr", "get_active_streams"): NtvSim.ep_active,
    ("streamMgr", "close_active_stream"): NtvSim.ep_close_active,
    ("statMgr", "connection_count"): NtvSim.ep_count,
    ("statMgr", "connection_detail"): NtvSim.ep_detail,
    ("closedStream", "close"): NtvSim.ep_closed_close,
    ("closedStream", "open"): NtvSim.ep_closed_open,
    ("closedStream", "list"): NtvSim.ep_closed_list,
    ("transcodeMgr", "list_working"): NtvSim.ep_transcodes,
    ("transcodeMgr", "stop_transcode"): NtvSim.ep_stop_transcode,
    ("demandDvr", "list"): NtvSim.ep_dvr_list,
    ("demandDvr", "list_app"): NtvSim.ep_dvr_apps,
    ("demandDvr", "start"): NtvSim.ep_dvr_start,
    ("demandDvr", "stop"): NtvSim.ep_dvr_stop,
    ("appMgr", "get_dvr_paras"): NtvSim.ep_dvr_paras,
    ("limitMgr", "get"): NtvSim.ep_limits,
    ("streamingMgr", "get_streaming"): NtvSim.ep_relays,
    ("streamingMgr", "start_streaming"): NtvSim.ep_relay_start,
    ("streamingMgr", "stop_streaming"): NtvSim.ep_relay_stop,
    ("userAuth", "functions"): NtvSim.ep_functions,
}


def demo() -> dict[str, NtvSim]:
    return {"live": NtvSim()}
