"""A stateful NTV Media Server G3: login by challenge, tokens that die after 30 idle minutes,
streams that come and go, viewers that change, disabled streams, transcodes that progress.

NTV publishes no source; this follows its spec: paged replies carry page/page_size/pages/total as
strings and take `page` (section 1.9); an account created with auth_func/auth_app (15.1), or a
server without a module (on-demand DVR), refuses whole groups: `refuse` holds those groups.
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
        self.recording: set[str] = set()
        self.refuse: dict[str, str] = {}   # group -> err_desc: groups this server refuses
        self._last = self.clock()
        if scenario == "demo":
            now = self.clock()
            for app, name, age in (("live", "live2", 5400), ("live", "大厅直播", 1200),
                                   ("liveshow", "jgdy", 300), ("show", "board-room", 60)):
                self.add_stream(app, name, age=age, viewers=self.random.randint(0, 40))
            self.closed["liveshow/spam-channel"] = self.wall() - 3600
            self.recording.add("liveshow/jgdy")
            self.add_transcode("video89", "案例视频8.mp4", seconds=180, done_s=40)
            self.add_transcode("8ass3", "keynote-2026.mov", seconds=600, done_s=10)
            self._last = now

    def add_stream(self, app: str, name: str, age: float = 0, viewers: int = 0) -> SimStream:
        stream = SimStream(app, name, self.clock() - age)
        self.streams[f"{app}/{name}"] = stream
        for _ in range(viewers):
            self._viewer(stream)
        return stream

    def _viewer(self, stream: SimStream) -> None:
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
}


def demo() -> dict[str, NtvSim]:
    return {"live": NtvSim()}
