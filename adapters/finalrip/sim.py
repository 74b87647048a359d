"""A stateful FinalRip: upload, new, start, then cutting, clip encoding, merge, completed.

One clip of a task can be made to fail: it stays `completed: false` until retry/encode, and the
task never completes, as the real service behaves (it has no failed state).

Replies and messages are the server's own (TensoRaws/FinalRip):
- module/resp/gin.go: every failure is HTTP 200 {"success": false, "error": {"message": ...}};
- server/internal/middleware/auth/auth.go: a wrong non-empty token is refused, an empty one passes;
- server/internal/service/task/*.go: new.go, start.go, retry.go, clear.go, list.go, progress.go,
  oss.go for each endpoint's checks and words; gin's binding errors for missing fields;
- common/constant/constant.go CheckVSScriptAndEncodeParam: the current server refuses at start
  a script without FINALRIP_SOURCE, a command without FINALRIP_ENCODED_CLIP.mkv or with a line
  break. `server="spec"` plays the older server the spec describes, whose retry/encode also
  requires script and encode_param.
- list.go writes an error reply for a presign that fails and then the data reply, into one body
  (`presign_fails = True` makes it happen).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from jobdeck.adapters.simulation.forms import parse_form
from jobdeck.adapters.simulation.server import Received, SimRequest, SimResponse, Simulator

TOKEN = "sim-finalrip-token"
ENCODED_CLIP = "FINALRIP_ENCODED_CLIP.mkv"
DEMO_ENCODE = f"ffmpeg -i - -c:v libx265 -crf 16 {ENCODED_CLIP}"
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
                 wall: Callable[[], float] | None = None, scenario: str = "demo",
                 server: str = "current") -> None:
        super().__init__(clock=clock, wall=wall)
        if server not in ("current", "spec"):
            raise ValueError("server is 'current' or 'spec'")
        self.server = server
        self.presign_fails = False
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
            self._start(task, DEMO_SCRIPT, DEMO_ENCODE)
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
        # gin's c.JSON of a gin.H map: keys sorted, no trailing newline (module/resp/gin.go)
        body: dict[str, Any] = {"success": True}
        if data is not None:
            body["data"] = data
        return SimResponse.json(dict(sorted(body.items())))

    def fail(self, message: str) -> SimResponse:
        return SimResponse.json({"error": {"message": message}, "success": False})

    def route(self, request: SimRequest) -> SimResponse:
        if request.path.startswith(UPLOAD) and request.method == "PUT":
            key = unquote(request.path[len(UPLOAD):])
            self.storage[key] = request.body
            self.received.append(Received("oss/upload", {
                "key": key, "bytes": len(request.body),
                "content_type": request.header("content-type")}, 200))
            return SimResponse(200, b"")
        endpoint = request.path[len(API):] if request.path.startswith(API) else request.path
        if request.method == "GET":
            fields = dict(request.query)
        else:  # gin's ShouldBind reads the query and the form alike
            fields = {**request.query, **parse_form(request.header("content-type"),
                                                    request.body)[0]}
        record = Received(endpoint, fields)
        self.received.append(record)
        token = request.header("token") or ""
        if token and token != self.token:
            record.answered = "token"
            return self.fail("Token is invalid, please check it")
        handler = ROUTES.get((request.method, endpoint))
        if handler is None:
            record.answered = 404
            return SimResponse(404, b"404 page not found", {"Content-Type": "text/plain"})
        response = handler(self, fields, request)
        record.answered = 200 if b'"success": true' in response.body else "refused"
        return response

    @staticmethod
    def _bind(fields: dict[str, str], struct: str, *names: str) -> str | None:
        """gin's validator message for missing required fields, one line per field."""
        missing = [n for n in names if fields.get(n) in (None, "")]
        if not missing:
            return None
        go = {n: "".join(part.capitalize() for part in n.split("_")) for n in missing}
        return "\n".join(f"Key: '{struct}.{go[n]}' Error:Field validation for '{go[n]}' "
                         "failed on the 'required' tag" for n in missing)

    def _task(self, fields: dict[str, str], struct: str,
              not_found: str) -> SimEncode | SimResponse:
        if problem := self._bind(fields, struct, "video_key"):
            return self.fail(problem)
        task = self.tasks.get(fields["video_key"])
        return task if task is not None else self.fail(not_found)

    def _item(self, task: SimEncode) -> dict[str, Any]:
        done = task.status == "completed"
        stem = task.key.rsplit(".", 1)[0]
        return {"create_at": task.created,
                "encode_key": f"{stem}-encoded.mkv" if done else "",
                "encode_param": task.encode_param,
                "encode_url": f"https://oss.finalrip.sim/{quote(stem)}-encoded.mkv"
                if done else "",
                "key": task.key, "script": task.script, "status": task.status,
                "url": f"https://oss.finalrip.sim/{quote(task.key)}"}

    def ep_list(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        if problem := self._bind(fields, "ListRequest", "completed", "pending", "running"):
            return self.fail(problem)
        for name in ("pending", "running", "completed"):
            if fields[name] not in ("true", "false", "1", "0"):
                return self.fail(f"strconv.ParseBool: parsing {fields[name]!r}: invalid syntax")
        wanted = {n for n in ("pending", "running", "completed") if fields[n] in ("true", "1")}
        data = self.ok([self._item(t) for t in self.tasks.values() if t.status in wanted])
        if self.presign_fails and self.tasks:
            # list.go: a goroutine's resp.AbortWithMsg, then resp.OKWithData, into one body
            failure = self.fail("oss.GetPresignedURL failed: connection refused")
            return SimResponse(200, failure.body + data.body, data.headers)
        return data

    def ep_progress(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        task = self._task(fields, "ProgressRequest", "mongo: no documents in result")
        if isinstance(task, SimResponse):
            return task
        stem = task.key.rsplit(".", 1)[0]
        clips = [{"clip_key": f"{stem}/clip-{c.index:03d}.mkv",
                  "clip_url": f"https://oss.finalrip.sim/{quote(stem)}/clip-{c.index:03d}.mkv",
                  "completed": c.completed,
                  "encode_key": f"{stem}/enc-{c.index:03d}.mkv" if c.completed else "",
                  "encode_url": f"https://oss.finalrip.sim/{quote(stem)}/enc-{c.index:03d}.mkv"
                  if c.completed else "", "index": c.index} for c in task.clips]
        item = self._item(task)
        return self.ok({**item, "progress": clips, "size": gib(task.size),
                        "encode_size": gib(task.size // 3) if task.status == "completed"
                        else ""})

    def ep_presigned(self, fields: dict[str, str], request: SimRequest) -> SimResponse:
        if problem := self._bind(fields, "OSSPresignedRequest", "video_key"):
            return self.fail(problem)
        key = fields["video_key"]
        host = request.header("host") or "finalrip.sim"
        return self.ok({"exist": key in self.storage,
                        "url": f"http://{host}{UPLOAD}{quote(key)}?X-Sim-Signature=1"})

    def ep_new(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        if problem := self._bind(fields, "NewRequest", "video_key"):
            return self.fail(problem)
        key = fields["video_key"]
        if key in self.tasks:
            return self.fail("Task already exists, please wait for it to complete or delete it.")
        if key not in self.storage:
            return self.fail("OSS video file does not exist.")
        stored = self.storage[key]
        size = stored if isinstance(stored, int) else len(stored)
        self.tasks[key] = SimEncode(key, size, int(self.wall()),
                                    clip_count=self.random.randint(8, 16))
        return self.ok()

    @staticmethod
    def check_script_and_encode_param(script: str, encode_param: str) -> str | None:
        """common/constant/constant.go CheckVSScriptAndEncodeParam, word for word."""
        if "FINALRIP_SOURCE" not in script:
            return ("the VapourSynth Script code must contain FINALRIP_SOURCE environment "
                    "variable to specify the source video")
        if ENCODED_CLIP not in encode_param:
            return f"the Encode Param must contain {ENCODED_CLIP} to specify the output video clip"
        if "\n" in encode_param.rstrip() or "\r" in encode_param.rstrip():
            return "the Encode Param cannot contain line break"
        return None

    def ep_start(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        if problem := self._bind(fields, "StartRequest", "encode_param", "script", "video_key"):
            return self.fail(problem)
        if self.server == "current" and (problem := self.check_script_and_encode_param(
                fields["script"], fields["encode_param"])):
            return self.fail(problem)
        task = self.tasks.get(fields["video_key"])
        if task is None:
            return self.fail("Task not found, please upload video first.")
        if task.status != "pending":
            return self.fail("Task already started.")
        self._start(task, fields["script"], fields["encode_param"])
        return self.ok()

    def ep_retry_encode(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        required = ("video_key", "index") if self.server == "current" else \
            ("video_key", "encode_param", "index", "script")
        if problem := self._bind(fields, "RetryEncodeRequest", *required):
            return self.fail(problem)
        try:
            index = int(fields["index"])
        except ValueError:
            return self.fail(f"strconv.ParseInt: parsing {fields['index']!r}: invalid syntax")
        task = self.tasks.get(fields["video_key"])
        if task is None or not 0 <= index < len(task.clips):
            return self.fail("Encode clip not exist")
        clip = task.clips[index]
        clip.fails, clip.completed, clip.started = False, False, self.clock()
        task.merge_started = None
        return self.ok()

    def ep_retry_merge(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        task = self._task(fields, "RetryMergeRequest",
                          "Task not found, please upload video first.")
        if isinstance(task, SimResponse):
            return task
        if not all(c.completed for c in task.clips):
            return self.fail("Some clips are not finished yet.")
        if not task.clips:
            return self.fail("Failed to retry merge: no clips to merge")
        task.merge_fails, task.merge_started = False, self.clock()
        return self.ok()

    def ep_clear(self, fields: dict[str, str], _: SimRequest) -> SimResponse:
        task = self._task(fields, "NewRequest", "Task not found, please check the video key")
        if isinstance(task, SimResponse):
            return task
        del self.tasks[task.key]
        self.storage.pop(task.key, None)
        return self.ok()

    def auth_refused(self, request: SimRequest) -> SimResponse:
        return self.fail("Token is invalid, please check it")

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


def demo() -> dict[str, FinalRipSim]:
    return {"encoder": FinalRipSim()}
