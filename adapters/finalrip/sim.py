"""A stateful FinalRip: upload, new, start, then cutting, clip encoding, merge, completed.

One clip of a task can be made to fail: it stays `completed: false` until retry/encode, and the
task never completes, as the real service behaves (it has no failed state).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from ..forms import parse_form
from ..simbase import Received, SimRequest, SimResponse, Simulator

TOKEN = "sim-finalrip-token"
API = "/api/v1/task/"
UPLOAD = "/oss/upload/"
CUT_S, CLIP_S, MERGE_S, WORKERS = 6.0, 5.0, 4.0, 4
DEMO_SCRIPT = ("import os\nimport vapoursynth as vs\nfrom vapoursynth import core\n\n"
               "clip = core.bs.VideoSource(source=os.getenv('FINALRIP_SOURCE'))\nclip.set_output()\n")


@dataclass
class SimClip:
    index: int
    completed: bool = False
    started: float | None = None
    fails: bool = False


@dataclass
class SimEncode:
    key: str
    size: int
    created: int
    status: str = "pending"
    script: str = ""
    encode_param: str = ""
    started: float | None = None
    clips: list[SimClip] = field(default_factory=list)
    clip_count: int = 12
    merge_started: float | None = None
    merge_fails: bool = False


def gib(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.2f} {unit}"
    return f"{size} B"


class FinalRipSim(Simulator):
    kind = "finalrip"

    def __init__(self, *, seed: int = 9, clock: Callable[[], float] | None = None,
                 wall: Callable[[], float] | None = None, scenario: str = "demo") -> None:
        super().__init__(clock=clock, wall=wall)
        self.token = TOKEN
        self.random = random.Random(seed)
        self.storage: dict[str, bytes | int] = {}   # key -> bytes uploaded (or a size)
        self.tasks: dict[str, SimEncode] = {}
        self._last_step = self.clock()
        if scenario == "demo":
            self.seed_task("Roshidere-06.mkv", "completed", clips=10)
            self.seed_task("Roshidere-07.mkv", "running", clips=16, failing_clip=5)
            self.seed_task("Roshidere-08.mkv", "running", clips=12)
            self.seed_task("Roshidere-09.mkv", "pending", clips=12)

    def seed_task(self, key: str, status: str, clips: int = 12,
                  failing_clip: int | None = None) -> SimEncode:
        size = self.random.randint(900, 2400) << 20
        self.storage[key] = size
        task = SimEncode(key, size, int(self.wall()) - self.random.randint(60, 7200),
                         clip_count=clips)
        self.tasks[key] = task
        if status in ("running", "completed"):
            self._start(task, DEMO_SCRIPT, "ffmpeg -i - -vcodec libx265 -crf 16")
            task.started = self.clock() - CUT_S  # cutting already done
            self._cut(task)
            if failing_clip is not None:
                task.clips[failing_clip].fails = True
        if status == "completed":
            for clip in task.clips:
                clip.completed = True
            task.status = "completed"
        return task

    # time -------------------------------------------------------------------------------------

    def _start(self, task: SimEncode, script: str, encode_param: str) -> None:
        task.status, task.script, task.encode_param = "running", script, encode_param
        task.started, task.clips = self.clock(), []

    def _cut(self, task: SimEncode) -> None:
        task.clips = [SimClip(i) for i in range(task.clip_count)]

    def advance(self, now: float) -> None:
        """Play time forward in 1 s steps, so a long gap between requests unfolds as it would."""
        moment = self._last_step
        while moment < now:
            moment = min(now, moment + 1.0)
            self._step(moment)
        self._last_step = max(self._last_step, now)

    def _step(self, now: float) -> None:
        for task in self.tasks.values():
            if task.status != "running" or task.started is None:
                continue
            if not task.clips:
                if now - task.started >= CUT_S:
                    self._cut(task)
                continue
            for clip in task.clips:
                if clip.started is not None and not clip.completed and not clip.fails \
                        and now - clip.started >= CLIP_S:
                    clip.completed = True
            busy = sum(1 for c in task.clips if c.started is not None and not c.completed
                       and not c.fails)
            for clip in task.clips:
                if busy >= WORKERS:
                    break
                if clip.started is None:
                    clip.started, busy = now, busy + 1
            if all(c.completed for c in task.clips):
                if task.merge_started is None:
                    task.merge_started = now
                elif now - task.merge_started >= MERGE_S and not task.merge_fails:
                    task.status = "completed"

    # HTTP -------------------------------------------------------------------------------------

    def ok(self, data: Any = None) -> SimResponse:
        body: dict[str, Any] = {"success": True}
        if data is not None:
            body["data"] = data
        return SimResponse.json(body)

    def fail(self, message: str) -> SimResponse:
        return SimResponse.json({"success": False, "error": {"message": message}})

    def route(self, request: SimRequest) -> SimResponse:
        if request.path.startswith(UPLOAD) and request.method == "PUT":
            key = unquote(request.path[len(UPLOAD):])
            self.storage[key] = request.body
            self.received.append(Received("oss/upload", {"key": key, "bytes": len(request.body)},
                                          200))
            return SimResponse(200, b"")
        endpoint = request.path[len(API):] if request.path.startswith(API) else request.path
        if request.method == "GET":
            fields = dict(request.query)
        else:
            fields, _ = parse_form(request.header("content-type"), request.body)
        record = Received(endpoint, fields)
        self.received.append(record)
        if request.header("token") != self.token:
            record.answered = "token"
            return self.fail("invalid token")
        handler = ROUTES.get((request.method, endpoint))
        if handler is None:
            record.answered = 404
            return self.fail(f"no such endpoint: {request.method} {request.path}")
        response = handler(self, fields, request)
        record.answered = 200 if b'"success": true' in response.body else "refused"
        return response

    def _need(self, fields: dict[str, str], *names: str) -> str | None:
        missing = [n for n in names if not fields.get(n)]
        return f"{missing[0]} is required" if missing else None

    def _task(self, fields: dict[str, str]) -> SimEncode | SimResponse:
        if problem := self._need(fields, "video_key"):
            return self.fail(problem)
        task = self.tasks.get(fields["video_key"])
        return task if task is not None else self.fail("task not found")

    def _item(self, task: SimEncode) -> dict[str, Any]:
        done = task.status == "completed"
        stem = task.key.rsplit(".", 1)[0]
        return {"key": task.key, "url": f"https://oss.finalrip.sim/{quote(task.key)}",
                "encode_key": f"{stem}-encoded.mkv" if done else "",
                "encode_url": f"https://oss.finalrip.sim/{quote(stem)}-encoded.mkv"
                if done else "",
                "encode_param": task.encode_param, "script": task.script, "status": task.status,
                "create_at": task.created}

    def ep_list(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        for name in ("pending", "running", "completed"):
            if fields.get(name) not in ("true", "false"):
                return self.fail(f"{name} is required (true or false)")
        wanted = {n for n in ("pending", "running", "completed") if fields[n] == "true"}
        return self.ok([self._item(t) for t in self.tasks.values() if t.status in wanted])

    def ep_progress(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        task = self._task(fields)
        if isinstance(task, SimResponse):
            return task
        stem = task.key.rsplit(".", 1)[0]
        clips = [{"completed": c.completed, "index": c.index,
                  "clip_key": f"{stem}/clip-{c.index:03d}.mkv",
                  "clip_url": f"https://oss.finalrip.sim/{quote(stem)}/clip-{c.index:03d}.mkv",
                  "encode_key": f"{stem}/enc-{c.index:03d}.mkv" if c.completed else "",
                  "encode_url": f"https://oss.finalrip.sim/{quote(stem)}/enc-{c.index:03d}.mkv"
                  if c.completed else ""} for c in task.clips]
        item = self._item(task)
        return self.ok({**item, "progress": clips, "size": gib(task.size),
                        "encode_size": gib(task.size // 3) if task.status == "completed"
                        else ""})

    def ep_presigned(self, fields: dict[str, str], request: SimRequest) -> SimResponse:
        if problem := self._need(fields, "video_key"):
            return self.fail(problem)
        key = fields["video_key"]
        host = request.header("host") or "finalrip.sim"
        return self.ok({"url": f"http://{host}{UPLOAD}{quote(key)}?X-Sim-Signature=1",
                        "exist": key in self.storage})

    def ep_new(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        if problem := self._need(fields, "video_key"):
            return self.fail(problem)
        key = fields["video_key"]
        if key not in self.storage:
            return self.fail(f"video {key} not found in oss; upload it first")
        if key in self.tasks:
            return self.fail(f"task {key} already exists")
        stored = self.storage[key]
        size = stored if isinstance(stored, int) else len(stored)
        self.tasks[key] = SimEncode(key, size, int(self.wall()),
                                    clip_count=self.random.randint(8, 16))
        return self.ok()

    def _validate(self, fields: dict[str, str]) -> str | None:
        if problem := self._need(fields, "script", "encode_param"):
            return problem
        if "FINALRIP_SOURCE" not in fields["script"]:
            return "script must use os.getenv('FINALRIP_SOURCE') as the source"
        if "set_output" not in fields["script"]:
            return "script must call set_output()"
        if not fields["encode_param"].startswith("ffmpeg") or " -i -" not in fields["encode_param"]:
            return "encode_param must be an ffmpeg command reading from stdin (-i -)"
        return None

    def ep_start(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        task = self._task(fields)
        if isinstance(task, SimResponse):
            return task
        if problem := self._validate(fields):
            return self.fail(problem)
        if task.status != "pending":
            return self.fail(f"task {task.key} is already {task.status}")
        self._start(task, fields["script"], fields["encode_param"])
        return self.ok()

    def ep_retry_encode(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        task = self._task(fields)
        if isinstance(task, SimResponse):
            return task
        if problem := self._need(fields, "index") or self._validate(fields):
            return self.fail(problem)
        try:
            clip = task.clips[int(fields["index"])]
        except (ValueError, IndexError):
            return self.fail(f"clip index {fields['index']} out of range")
        clip.fails, clip.completed, clip.started = False, False, self.clock()
        task.merge_started = None
        return self.ok()

    def ep_retry_merge(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        task = self._task(fields)
        if isinstance(task, SimResponse):
            return task
        if not task.clips or not all(c.completed for c in task.clips):
            return self.fail("not all clips are encoded yet")
        task.merge_fails, task.merge_started = False, self.clock()
        return self.ok()

    def ep_clear(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        task = self._task(fields)
        if isinstance(task, SimResponse):
            return task
        del self.tasks[task.key]
        return self.ok()

    def service_entry(self, name: str, base_url: str) -> dict[str, Any]:
        return {"name": name, "kind": self.kind, "base_url": base_url, "token": self.token}


ROUTES: dict[tuple[str, str], Callable[[FinalRipSim, dict[str, str], SimRequest], SimResponse]] = {
    ("GET", "list"): FinalRipSim.ep_list,
    ("GET", "progress"): FinalRipSim.ep_progress,
    ("GET", "oss/presigned"): FinalRipSim.ep_presigned,
    ("POST", "new"): FinalRipSim.ep_new,
    ("POST", "start"): FinalRipSim.ep_start,
    ("POST", "retry/encode"): FinalRipSim.ep_retry_encode,
    ("POST", "retry/merge"): FinalRipSim.ep_retry_merge,
    ("POST", "clear"): FinalRipSim.ep_clear,
}
