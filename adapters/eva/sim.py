"""A stateful EVA: MD5 signatures, the 60 s timestamp rule, assets, renders that finish in time."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobdeck.adapters.simulation.forms import parse_form
from jobdeck.adapters.simulation.server import Received, SimRequest, SimResponse, Simulator

from .signing import sign

API_KEY = "39802830831bed188884e193d8465226"
API_SECRET = "sim-eva-api-secret"
TEMPLATES = {123, 456, 789}
TIMESTAMP_WINDOW_S = 60


class Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class SimRender:
    task_id: str
    tpl_id: int
    started: float
    duration: float
    fail_code: int | None = None
    dynamic: bool = False   # made by /v1/render/dynamic


class EvaSim(Simulator):
    kind = "eva"

    def __init__(self, *, seed: int = 5, clock: Callable[[], float] | None = None,
                 wall: Callable[[], float] | None = None, scenario: str = "demo") -> None:
        super().__init__(clock=clock, wall=wall)
        self.api_key, self.api_secret = API_KEY, API_SECRET
        self.random = random.Random(seed)
        self.renders: dict[str, SimRender] = {}
        self.assets: dict[str, bytes] = {}
        if scenario == "demo":
            self.add_render("GfNE_AXLj0CHizT_9UDVp", 123, duration=0)
            self.add_render("Kq3v_promo_summer_01", 456, duration=40)
            self.add_render("Zr8x_logo_reveal_222", 789, duration=90)
            self.add_render("Tt0b_broken_template", 123, duration=5, fail_code=4340)

    def add_render(self, task_id: str, tpl_id: int, duration: float,
                   fail_code: int | None = None) -> SimRender:
        render = SimRender(task_id, tpl_id, self.clock(), duration, fail_code)
        self.renders[task_id] = render
        return render

    def _new_id(self) -> str:
        return "".join(self.random.choice(string.ascii_letters + string.digits + "_")
                       for _ in range(21))

    def reply(self, code: int, message: str, data: Any = None) -> SimResponse:
        body: dict[str, Any] = {"message": message, "code": code}
        if data is not None:
            body["data"] = data
        return SimResponse.json(body)

    def route(self, request: SimRequest) -> SimResponse:
        if request.path == "/timestamp":
            self.received.append(Received("timestamp", None, 200))
            return self.reply(200, "Success", {"timestamp": int(self.wall())})
        if request.method == "GET":
            params, files = dict(request.query), []
        else:
            params, files = parse_form(request.header("content-type"), request.body)
        record = Received(request.path, {**params, **({"files": [f for f, _ in files]}
                                                       if files else {})})
        self.received.append(record)
        handler = ROUTES.get((request.method, request.path))
        try:
            if handler is None:
                raise Refused(4000, f"no such endpoint {request.method} {request.path}")
            self._verify(params)
            code, message, data = handler(self, params, files)
        except Refused as refusal:
            record.answered = refusal.code
            return self.reply(refusal.code, refusal.message)
        record.answered = code
        return self.reply(code, message, data)

    def _verify(self, params: dict[str, str]) -> None:
        if not params.get("api_key") or not params.get("sign"):
            raise Refused(4002, "missing api_key or sign")
        if params["api_key"] != self.api_key:
            raise Refused(4001, "invalid api_key")
        if sign(params, self.api_secret) != params["sign"]:
            raise Refused(4003, "sign verify failed")
        if "timestamp" in params:
            try:
                stamp = int(params["timestamp"])
            except ValueError:
                raise Refused(4000, "invalid timestamp") from None
            if abs(stamp - self.wall()) > TIMESTAMP_WINDOW_S:
                raise Refused(4000, "timestamp expired: take it from /timestamp")

    def _render(self, params: dict[str, str], _files: Any, dynamic: bool) -> tuple:
        if not params.get("tpl_id"):
            raise Refused(4002, "missing tpl_id")
        try:
            assets = json.loads(params.get("assets", ""))
        except ValueError:
            raise Refused(4301, "assets should be json") from None
        if not assets:
            raise Refused(4302, "assets is empty")
        if "args" in params:
            try:
                json.loads(params["args"])
            except ValueError:
                raise Refused(4100, "args should be json") from None
        if int(params["tpl_id"]) not in TEMPLATES:
            raise Refused(4305, "eva template not found")
        for asset in assets:
            if not isinstance(asset, dict):
                raise Refused(4301, "assets should be a json array of objects")
            if dynamic:
                # render/dynamic: video and image files only, each a url in `value`
                # (optional fill_style); ids and texts belong to /v1/render
                value = str(asset.get("value", ""))
                if not value.startswith(("http://", "https://")):
                    raise Refused(4009, f"download file from url failed: {value!r}")
            elif not str(asset.get("id", "")).startswith(("video_", "image_", "audio_", "text_")):
                raise Refused(4304, f"asset id {asset.get('id')!r} not supported")
        task_id = self._new_id()
        render = self.add_render(task_id, int(params["tpl_id"]),
                                 duration=self.random.uniform(20, 60))
        render.dynamic = dynamic
        return 200, "Success", {"task_id": task_id}

    def ep_render(self, params: dict[str, str], files: Any) -> tuple:
        return self._render(params, files, dynamic=False)

    def ep_render_dynamic(self, params: dict[str, str], files: Any) -> tuple:
        return self._render(params, files, dynamic=True)

    def ep_task(self, params: dict[str, str], _files: Any) -> tuple:
        task_id = params.get("task_id")
        if not task_id:
            raise Refused(4002, "missing task_id")
        render = self.renders.get(task_id)
        if render is None:
            raise Refused(4307, "task not found")
        elapsed = self.clock() - render.started
        if elapsed < render.duration:
            return 4300, "task is processing", None
        if render.fail_code:
            return render.fail_code, CODE_TEXT.get(render.fail_code, "failed"), None
        return 200, "Success", {"render_time": int(render.duration) or 48,
                                "video": f"http://file.eva.sim/{task_id}.mp4"}

    def ep_asset(self, params: dict[str, str], files: list[tuple[str, bytes]]) -> tuple:
        if not files:
            raise Refused(4004, "get upload file failed")
        urls = []
        for name, payload in files:
            if not name.lower().endswith((".jpg", ".jpeg", ".png", ".mp4", ".mov", ".mp3")):
                raise Refused(4007, f"file format not supported: {name}")
            self.assets[name] = payload
            urls.append(f"http://file.eva.sim/{name}")
        return 200, "Success", {"urls": urls}

    def auth_refused(self, request: SimRequest) -> SimResponse:
        return self.reply(4001, "invalid api_key")

    def service_entry(self, name: str, base_url: str) -> dict[str, Any]:
        return {"name": name, "kind": self.kind, "base_url": base_url, "api_key": self.api_key,
                "api_secret": self.api_secret, "track": sorted(self.renders)}


CODE_TEXT = {4308: "task timeout", 4340: "template resource missing"}
ROUTES: dict[tuple[str, str], Callable[..., tuple]] = {
    ("POST", "/v1/render"): EvaSim.ep_render,
    ("POST", "/v1/render/dynamic"): EvaSim.ep_render_dynamic,
    ("GET", "/v1/render/task"): EvaSim.ep_task,
    ("POST", "/v1/asset"): EvaSim.ep_asset,
}


def demo() -> dict[str, EvaSim]:
    return {"promo-videos": EvaSim()}
