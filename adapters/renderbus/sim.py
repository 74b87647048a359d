"""A stateful Renderbus: verifies signatures and timestamps, pages, renders frames over time.

Behaviour follows the spec (body keys, reply envelope, error codes 600/601/603/610/611) and
DESIGN.md's known facts (status codes, frame codes, epoch-ms dates), and where the official SDK
(renderbus/rayvision_api) shows the live service differs, the SDK:
- id lists are read from `taskIds` (rayvision_api/operators/task.py: TASK_PARAM = "taskIds";
  operators/query.py restart_failed_frames); the spec's `taskParam` alone is not enough;
- a server of the 2.0.0 generation (rayvision_api/url.py after "version 2.0.0", constants.py
  HEADERS version 2.0.0) answers only the new paths; any other path is an HTTP 404, as the
  service's web framework gives for a route it does not have;
- queryPlatforms takes `zone` (schemas/queryPlatforms.yaml) and lists {platform, name}.
- getTaskList keeps only the tasks whose status is in `statusList` when one is sent (the spec's
  "query the status of the task in the list"); the order of the list is not documented, and this
  one lists the newest first, as the service's web console does;
- queryTaskInfo takes `taskIds` (rayvision_api operators/query.py task_info, schemas/
  queryTaskInfo.yaml) and answers each task that exists with its children: a plain list on
  1.0.0 (the spec's "Return parameter: List<TaskInfo>"), a page {pageCount, pageNum, total, size,
  items} on 2.0.0 (renderbus/docs_sdk docs/render/how to use API interface zh.md, 获取任务详情).

`scale()` builds the account of a studio with years behind it: 20,000 finished tasks and 500
rendering, for the benches and the tests of what a poll costs.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jobdeck.adapters.simulation.server import Received, SimRequest, SimResponse, Simulator

from .signing import sign

SKEW_LIMIT_S = 300
CONCURRENCY = 4
ACCESS_ID = "AKIDjobdeckSIMULATOR"
ACCESS_KEY = "sim-renderbus-access-key"

STOPPABLE = {0, 1, 5, 8, 50, 60, 100}

# queryErrorDetail's entries. 15000 is the spec's own example (its "Example of return", with the
# English words of the 2.0.0 docs, renderbus/docs_sdk "how to use API interface"); the printed
# spec documents no field that carries a failed frame's code: the simulator sends it as
# `errorCode` on the frame (queryTaskFrames) and on the task (getTaskList, queryTaskInfo).
ERROR_DETAILS: dict[int, dict[str, Any]] = {
    15000: {"type": 1, "desDescriptionCn": "Starting 3ds max got stuck or failed",
            "desSolutionCn": "1. Check if the corresponding version of 3ds max has a special "
                             "popup window, if any, manually close it; \n2. Check if the "
                             "operating system has set a high level of permissions.",
            "solutionPath": "http://note.youdao.com/noteshare?id="
                            "d8f1ea0c46dfb524af798f6b1d31cf6f",
            "isRepair": 0, "isOpen": 1},
}
FINISHED = {25, 30, 35, 45, 65, 70}
RESUMABLE = {10, 15, 20, 23, 40}


class Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class SimFrame:
    id: int
    frame: int
    block: int
    status: int = 1          # 1 waiting, 2 running, 3 stopped, 4 done, 5 failed
    percent: float = 0.0
    started_ms: int | None = None
    ended_ms: int | None = None
    speed: float = 8.0       # percent per second
    fails: bool = False      # fails once; a retry succeeds
    recommit: int = 0
    fee: float = 0.0
    error_code: int | None = None   # why it failed (a code queryErrorDetail explains)


@dataclass(slots=True)
class SimTask:
    id: int
    scene: str
    status: int
    submit_ms: int
    task_type: str = ""
    layer: str | None = None
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    frames: list[SimFrame] = field(default_factory=list)
    blocks_per_frame: int = 1
    start_after: float = 0.0   # queued -> running after this many seconds
    over_time: int | None = None   # ms, as the list's taskOverTime (setOverTimeStop: seconds)
    started_ms: int | None = None
    completed_ms: int | None = None
    project: str = ""              # projectName
    user: str | None = None        # userName: a sub-account's, else the account's own
    level: int = 79                # taskLevel, taskLimit: the spec's example's values
    node_limit: int = 200


class RenderbusSim(Simulator):
    kind = "renderbus"

    def __init__(self, *, access_id: str = ACCESS_ID, access_key: str = ACCESS_KEY,
                 seed: int = 7, scenario: str = "demo",
                 clock: Callable[[], float] | None = None,
                 wall: Callable[[], float] | None = None, user: str = "rayvision",
                 epoch: float | None = None, generation: str = "1.0.0",
                 platforms: dict[int, str] | None = None, newest_first: bool = True) -> None:
        super().__init__(clock=clock, wall=wall)
        if generation not in ("1.0.0", "2.0.0"):
            raise ValueError("generation is 1.0.0 or 2.0.0")
        self.generation = generation
        self.platforms = platforms or {2: "query_platform_w2", 3: "query_platform_w3",
                                       6: "query_platform_w6"}
        self.access_id = access_id
        self.access_key = access_key
        self.user = user
        self.random = random.Random(seed)
        self.tasks: dict[int, SimTask] = {}
        self.nonces: deque[str] = deque(maxlen=4096)
        self._nonce_set: set[str] = set()
        self._next_frame_id = 1_546_598
        self._last_tick = self.clock()
        # The service's clock runs from `epoch`: the dates it reports (submitted, started, ...),
        # its serverTime and the UTCTimestamp it accepts. A fixed epoch makes screens
        # reproducible; a client learns the service's time from serverTime, as from a real one.
        self._epoch = self.wall() if epoch is None else epoch
        self.balance = 1250.40
        # The profile's coupon and credit beside the cash (the spec's example account: cash 0,
        # coupon 49.93, credit 0); none in the demo, so its balance reads as the cash.
        self.coupon = 0.0
        self.credit = 0.0
        # queryUserSetting's default timeout (the spec's example: taskOverTime 12, in hours)
        self.default_timeout_s = 12 * 3600
        self.newest_first = newest_first    # the list's order (undocumented: either may come)
        self.min_step = 0.0                 # seconds of simulated time between two renders
        self.failure_code = 15000           # the code a frame that fails fails with
        self.error_details = dict(ERROR_DETAILS)   # code -> CodeInfo, as queryErrorDetail has them
        self._order: list[int] | None = None   # top-level ids in list order, made when asked
        self._moving: list[SimTask] | None = None   # what may change by itself, made when asked
        if scenario == "demo":
            self._seed_demo()

    def delete_task(self, task_id: int) -> None:
        """The task and its children gone, as when its owner deletes it on the web console."""
        self._remove(self.tasks[task_id])

    def now_ms(self) -> int:
        return int((self._epoch + self.clock() - self._born) * 1000)

    # building ---------------------------------------------------------------------------------

    def add_task(self, task_id: int, scene: str, status: int, *, frames: int = 0,
                 blocks: int = 1, parent: int | None = None, task_type: str = "",
                 done: int = 0, failed: int = 0, fails: int = 0, layer: str | None = None,
                 start_after: float = 0.0, age_s: float = 3600,
                 stuck: bool = False) -> SimTask:
        """Add a task; `done`/`failed` frames are pre-rendered, `fails` will fail when rendered;
        a `stuck` task's frames never move (a hung render node)."""
        now_ms = self.now_ms()
        task = SimTask(id=task_id, scene=scene, status=status, task_type=task_type, layer=layer,
                       parent=parent, blocks_per_frame=blocks, start_after=start_after,
                       submit_ms=now_ms - int(age_s * 1000))
        units = [(f, b) for f in range(frames) for b in range(1, blocks + 1)]
        for n, (f, b) in enumerate(units):
            unit = SimFrame(id=self._next_frame_id, frame=f, block=b,
                            speed=0.0 if stuck else self.random.uniform(4.0, 12.0))
            self._next_frame_id += 1
            if n < done:
                self._finish(unit, now_ms - int(age_s * 500), ok=True)
            elif n < done + failed:
                self._finish(unit, now_ms - int(age_s * 500), ok=False)
            elif status in (10, 15, 20, 23) and n < done + failed + 2:
                unit.status, unit.percent = 3, self.random.uniform(5, 60)
            task.frames.append(unit)
        pending = [u for u in task.frames if u.status == 1]
        for unit in self.random.sample(pending, min(fails, len(pending))):
            unit.fails = True
        self.tasks[task_id] = task
        self._order = self._moving = None
        if parent is not None:
            self.tasks[parent].children.append(task_id)
        if status == 5:
            task.started_ms = now_ms - int(age_s * 500)
            self._start_frames(task, now_ms)
        elif status in FINISHED:   # it ended halfway between its submission and now
            task.started_ms = now_ms - int(age_s * 900)
            task.completed_ms = now_ms - int(age_s * 500)
        return task

    def _seed_demo(self) -> None:
        add = self.add_task
        add(19084, "cloakroom.max", 5, age_s=5400)
        add(19087, "cloakroom.max", 25, frames=1, done=1, parent=19084, task_type="RenderPhoton")
        add(19088, "cloakroom.max", 5, frames=17, blocks=4, done=30, fails=2, parent=19084,
            task_type="Render")
        add(18278, "lobby.max", 10, frames=17, done=3, failed=1, age_s=86400)
        add(18301, "hall.max", 0, frames=24, blocks=2, start_after=25, age_s=600)
        add(18310, "exterior_dusk.max", 40, frames=60, done=3, age_s=7200)
        add(18320, "kitchen.ma", 25, frames=48, done=48, age_s=172800)
        add(18330, "car_turntable.c4d", 30, frames=90, done=84, failed=6, age_s=90000)
        add(18340, "forest.blend", 45, frames=12, failed=12, age_s=50000)
        add(18350, "old_scene.max", 35, frames=30, done=10, age_s=300000)
        add(18360, "tower.max", 5, age_s=3000)
        add(18361, "tower.max", 25, frames=1, done=1, parent=18360, task_type="RenderPhoton")
        add(18362, "tower.max", 5, frames=40, blocks=2, done=12, fails=1, parent=18360,
            task_type="Render", layer="beauty")
        add(18363, "tower.max", 0, frames=40, parent=18360, task_type="Render", layer="shadow",
            start_after=40)
        add(18380, "ocean_sim.hip", 5, frames=240, done=95, fails=3, age_s=20000)
        add(18306, "hangar_flythrough.max", 5, frames=30, done=12, stuck=True, age_s=4000)
        add(18304, "broken_rig.ma", 5, frames=4, fails=4, age_s=200)
        for parent in (19084, 18360):
            self._derive_parent(self.tasks[parent])
        self._seed_demo_facts()

    def _seed_demo_facts(self) -> None:
        """Projects, the sub-accounts that submitted, the limits a studio sets."""
        for task_id, project, user in ((19084, "hotel", None), (18278, "hotel", "nina"),
                                       (18301, "hotel", "nina"), (18360, "tower", "omar"),
                                       (18380, "ocean", None), (18306, "hangar", "omar"),
                                       (18304, "rigs", "li"), (18330, "cars", None)):
            for task in (self.tasks[task_id], *self._leaves(self.tasks[task_id])):
                task.project, task.user = project, user
        self.tasks[18380].node_limit = 50
        self.tasks[18306].over_time = 6 * 3_600_000   # a stuck render, stopped at 6 h

    def seed_scale(self, finished: int = 20_000, running: int = 500, years: float = 2.0) -> None:
        """A studio's account with years behind it: `finished` tasks spread over `years` (done
        mostly; some partial, failed or abandoned), `running` renders of a few hundred frames,
        and a few near their end that finish or fail within the first minute."""
        rng = random.Random(5)
        span = years * 365 * 86400
        next_id = 5_000_000
        for n in range(finished):   # oldest first: ids grow with time, as the service's do
            next_id += 1
            age = span * (1 - n / finished) + rng.uniform(60, 3600)
            roll = rng.random()
            status = 25 if roll < 0.90 else 30 if roll < 0.94 else 45 if roll < 0.97 else 35
            frames = rng.randint(1, 4)
            failed = frames if status == 45 else 1 if status == 30 else 0
            done = 0 if status == 45 else frames - failed if status != 35 else frames // 2
            self.add_task(next_id, f"shot_{n % 997:03d}_v{n // 997:02d}.max", status,
                          frames=frames, done=done, failed=failed, age_s=age)
        for n in range(running):
            next_id += 1
            near_end = n < 10   # these end within a minute; two of them with failed frames
            frames = 6 if near_end else rng.randint(80, 160)
            done = frames - 3 if near_end else rng.randint(0, frames // 2)
            self.add_task(next_id, f"render_{n:03d}.ma", 5, frames=frames, done=done,
                          fails=3 if n in (3, 7) else 0, age_s=rng.uniform(600, 86400))
        for task in self.tasks.values():   # long renders crawl; those near the end do not
            for unit in task.frames:
                if task.status == 5 and len(task.frames) > 6:
                    unit.speed = rng.uniform(0.5, 2.0)
        self.min_step = 0.5   # 500 renders move in steps of at least half a second

    def _finish(self, unit: SimFrame, now_ms: int, ok: bool) -> None:
        unit.status = 4 if ok else 5
        unit.error_code = None if ok else self.failure_code
        unit.percent = 100.0 if ok else unit.percent
        unit.started_ms = unit.started_ms or now_ms - 60_000
        unit.ended_ms = now_ms
        unit.fee = round(self.random.uniform(0.1, 0.6), 2) if ok else 0.0

    # time -------------------------------------------------------------------------------------

    def advance(self, now: float) -> None:
        dt = max(0.0, now - self._last_tick)
        if dt == 0 or dt < self.min_step:
            return
        self._last_tick = now
        now_ms = self.now_ms()
        if self._moving is None:   # leaves that may start or render, then their parents
            leaves = [t for t in self.tasks.values()
                      if not t.children and t.frames and t.status in (0, 1, 5)]
            parents = {t.parent for t in leaves if t.parent is not None}
            self._moving = leaves + [self.tasks[p] for p in parents if p in self.tasks]
        for task in self._moving:
            if task.children:
                continue
            if task.status in (0, 1) and task.frames:
                task.start_after -= dt
                if task.start_after <= 0:
                    task.status, task.started_ms = 5, now_ms
            if task.status == 5:
                self._render(task, dt, now_ms)
        for task in self._moving:
            if task.children:
                self._derive_parent(task)

    def _render(self, task: SimTask, dt: float, now_ms: int) -> None:
        if self._timed_out(task, now_ms):
            return
        for unit in task.frames:
            if unit.status != 2:
                continue
            unit.percent += unit.speed * dt
            if unit.fails and unit.percent >= 40:
                unit.fails = False
                self._finish(unit, now_ms, ok=False)
            elif unit.percent >= 100:
                self._finish(unit, now_ms, ok=True)
        self._start_frames(task, now_ms)
        if not any(u.status in (1, 2) for u in task.frames):
            failed = sum(1 for u in task.frames if u.status == 5)
            task.status = 45 if failed == len(task.frames) else 30 if failed else 25
            task.completed_ms = now_ms

    def _timed_out(self, task: SimTask, now_ms: int) -> bool:
        """A render past the limit setOverTimeStop gave it stops with status 23 (the spec's
        TIME_OUT_STOP), its rendering frames stopped, as a stop would leave them."""
        if not task.over_time or task.started_ms is None or \
                now_ms - task.started_ms < task.over_time:
            return False
        task.status = 23
        for unit in task.frames:
            if unit.status == 2:
                unit.status = 3
        return True

    def _start_frames(self, task: SimTask, now_ms: int) -> None:
        running = sum(1 for u in task.frames if u.status == 2)
        for unit in task.frames:
            if running >= CONCURRENCY:
                break
            if unit.status == 1:
                unit.status, unit.percent, unit.started_ms = 2, 0.0, now_ms
                running += 1

    def _derive_parent(self, task: SimTask) -> None:
        statuses = [self.tasks[c].status for c in task.children if c in self.tasks]
        if not statuses or task.status in (35,):
            return
        if any(s == 5 for s in statuses):
            task.status = 5
        elif any(s in (0, 1, 8, 50, 100) for s in statuses):
            task.status = 0 if task.status not in RESUMABLE else task.status
        elif any(s in RESUMABLE for s in statuses):
            task.status = next(s for s in statuses if s in RESUMABLE)
        elif all(s == 25 for s in statuses):
            task.status = 25
        elif all(s == 35 for s in statuses):
            task.status = 35
        elif any(s == 45 for s in statuses) and not any(s in (25, 30) for s in statuses):
            task.status = 45
        else:
            task.status = 30

    # HTTP -------------------------------------------------------------------------------------

    def envelope(self, code: int, message: str, data: Any = None) -> SimResponse:
        return SimResponse.json({"version": self.generation, "result": code == 200,
                                 "message": message, "code": code, "data": data,
                                 "serverTime": self.now_ms()})

    def not_found(self, path: str) -> SimResponse:
        """A route this generation does not have: the web framework's own 404, not an envelope."""
        return SimResponse.json({"timestamp": self.now_ms(), "status": 404,
                                 "error": "Not Found", "path": path}, status=404)

    def route(self, request: SimRequest) -> SimResponse:
        routes = ROUTES[self.generation]
        endpoint = routes.get(request.path)
        if request.method != "POST" or endpoint is None:
            self.received.append(Received(request.path, None, 404))
            return self.not_found(request.path)
        name = request.path.removeprefix("/api/render/") if self.generation == "1.0.0" \
            else request.path.removeprefix("/api/")
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            self.received.append(Received(name, None, 600))
            return self.envelope(600, "parameter_invalid")
        record = Received(name, body)
        self.received.append(record)
        try:
            self._verify(request, body)
            data = ENDPOINTS[endpoint](self, body)
            if endpoint not in READS:
                self._order = self._moving = None   # statuses may have changed
        except Refused as refusal:
            record.answered = refusal.code
            return self.envelope(refusal.code, refusal.message)
        record.answered = 200
        return self.envelope(200, "success", data)

    def _verify(self, request: SimRequest, body: dict[str, Any]) -> None:
        names = ("accessId", "channel", "platform", "UTCTimestamp", "nonce", "version",
                 "signature")
        headers = {n: request.header(n) for n in names}
        missing = [n for n, v in headers.items() if not v]
        if missing:
            raise Refused(601, f"parameter_cant_be_empty: header {missing[0]}")
        if headers["accessId"] != self.access_id:
            raise Refused(403, "forbidden: unknown accessId")
        try:
            stamp = int(headers["UTCTimestamp"] or "")
        except ValueError:
            raise Refused(600, "parameter_invalid: UTCTimestamp") from None
        if abs(stamp - self.now_ms() / 1000) > SKEW_LIMIT_S:
            raise Refused(610, "signature_expired")
        signed = {n: v for n, v in headers.items() if n != "signature"}
        host = request.header("host") or ""
        expected = sign(self.access_key, host, request.path, signed, body)
        if expected != headers["signature"]:
            raise Refused(611, "signature_invalid")
        nonce = f"{stamp}:{headers['nonce']}"
        if nonce in self._nonce_set:
            raise Refused(603, "illegal_protocol: nonce reused")
        if len(self.nonces) == self.nonces.maxlen:
            self._nonce_set.discard(self.nonces[0])
        self.nonces.append(nonce)
        self._nonce_set.add(nonce)

    # endpoints --------------------------------------------------------------------------------

    def task_info(self, task: SimTask) -> dict[str, Any]:
        counts = {s: sum(1 for u in task.frames if u.status == s) for s in (1, 2, 3, 4, 5)}
        children = [self.task_info(self.tasks[c]) for c in task.children if c in self.tasks]
        return {
            "sceneName": task.scene, "id": task.id, "taskAlias": f"P{task.id}",
            "taskStatus": task.status, "statusText": f"render_task_status_{task.status}",
            "totalFrames": len(task.frames), "abortFrames": counts[3],
            "executingFrames": counts[2], "doneFrames": counts[4], "failedFrames": counts[5],
            "framesRange": f"0-{max(0, len(task.frames) // max(1, task.blocks_per_frame) - 1)}",
            "submitDate": task.submit_ms, "startTime": task.started_ms,
            "completedDate": task.completed_ms,
            "taskOverTime": task.over_time, "layerParentId": task.parent or 0,
            "cgId": 2000, "isOpen": 1 if task.children else 0, "taskType": task.task_type,
            "renderCamera": "Camera001", "layerName": task.layer,
            "respRenderingTaskList": children or None,
            "errorCode": self._task_error_code(task),
            **self.task_facts(task),
        }

    def _task_error_code(self, task: SimTask) -> int | None:
        """A task that failed (or finished with failed frames) carries its first failed frame's
        code; its parent, its first failed child's."""
        if task.status not in (30, 45):
            return None
        for leaf in self._leaves(task):
            for unit in leaf.frames:
                if unit.status == 5 and unit.error_code is not None:
                    return unit.error_code
        return None

    def task_facts(self, task: SimTask) -> dict[str, Any]:
        """The list's money, times, project, user and limits (the spec's TaskInfo): what the
        frames cost is paid from the balance (no coupon in the demo), nothing owed."""
        units = [u for leaf in self._leaves(task) for u in leaf.frames]
        cost = round(sum(u.fee for u in units), 2)
        # the render time of the frames that ended (settled as each ends, like the cost)
        rendered = sum((u.ended_ms - u.started_ms) // 1000
                       for u in units if u.started_ms and u.ended_ms)
        return {"projectName": task.project, "userName": task.user or self.user,
                "renderConsume": cost if units else None, "couponConsume": 0 if units else None,
                "userAccountConsume": cost if units else None, "taskArrears": 0,
                "renderDuration": rendered if task.started_ms else None,
                "taskLevel": task.level, "taskUserLevel": 0, "taskLimit": task.node_limit,
                "outputFileName": f"{task.id}_{task.scene.rsplit('.', 1)[0]}"
                if task.completed_ms else None}

    def _task(self, value: Any) -> SimTask:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused(600, f"parameter_invalid: task id {value!r}")
        task = self.tasks.get(value)
        if task is None:
            raise Refused(600, f"parameter_invalid: task {value} does not exist")
        return task

    def _ids(self, body: dict[str, Any], key: str) -> list[SimTask]:
        ids = body.get(key)
        if ids is None or ids == []:
            raise Refused(601, f"parameter_cant_be_empty: {key}")
        if not isinstance(ids, list):
            raise Refused(600, f"parameter_invalid: {key} must be a list")
        return [self._task(i) for i in ids]

    def _page(self, body: dict[str, Any], items: list[Any]) -> dict[str, Any]:
        for key in ("pageNum", "pageSize"):
            if body.get(key) is None:
                raise Refused(601, f"parameter_cant_be_empty: {key}")
        num, size = body["pageNum"], body["pageSize"]
        if not isinstance(num, int) or not isinstance(size, int) or num < 1 or size < 1:
            raise Refused(600, "parameter_invalid: pageNum/pageSize")
        count = max(1, -(-len(items) // size))
        chunk = items[(num - 1) * size: num * size]
        return {"pageCount": count, "pageNum": num, "total": len(items), "size": len(chunk),
                "items": chunk}

    def ep_platforms(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        if body.get("zone") is None:
            raise Refused(601, "parameter_cant_be_empty: zone")
        if body["zone"] not in (1, 2):
            raise Refused(600, "parameter_invalid: zone")
        return [{"platform": n, "name": name} for n, name in sorted(self.platforms.items())]

    def ep_profile(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"userId": 10001136, "userName": self.user, "platform": 2, "zone": 1,
                "rmbbalance": round(self.balance, 2), "usdbalance": 0, "coupon": self.coupon,
                "credit": self.credit, "level": 49, "accountType": 1}

    def _top_ids(self) -> list[int]:
        if self._order is None:
            self._order = sorted((t.id for t in self.tasks.values() if t.parent is None),
                                 reverse=self.newest_first)
        return self._order

    def ep_task_list(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = self._top_ids()
        wanted = body.get("statusList")
        if wanted is not None:
            if not isinstance(wanted, list) or not all(
                    isinstance(s, int) and not isinstance(s, bool) for s in wanted):
                raise Refused(600, "parameter_invalid: statusList must be a list of numbers")
            if wanted:
                keep = set(wanted)
                ids = [i for i in ids if self.tasks[i].status in keep]
        page = self._page(body, ids)
        page["items"] = [self.task_info(self.tasks[i]) for i in page["items"]]
        return page

    def ep_task_info(self, body: dict[str, Any]) -> Any:
        ids = body.get("taskIds")
        if ids is None or ids == []:
            raise Refused(601, "parameter_cant_be_empty: taskIds")
        if not isinstance(ids, list) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise Refused(600, "parameter_invalid: taskIds must be a list of task ids")
        items = [self.task_info(self.tasks[i]) for i in dict.fromkeys(ids) if i in self.tasks]
        if self.generation == "1.0.0":
            return items
        return {"pageCount": 1, "pageNum": 1, "total": len(items), "size": 100,
                "items": items[:100]}

    def ep_frames(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("taskId") is None:
            raise Refused(601, "parameter_cant_be_empty: taskId")
        task = self._task(body["taskId"])
        records = [{
            "id": u.id, "frameIndex": f"{u.frame}-{u.block}" if task.blocks_per_frame > 1
            else str(u.frame), "frameBlock": str(u.block), "frameStatus": u.status,
            "frameStatusText": f"task_frame_status_{u.status}", "feeAmount": u.fee,
            "startTime": u.started_ms, "endTime": u.ended_ms,
            "frameExecuteTime": (u.ended_ms - u.started_ms) // 1000
            if u.ended_ms and u.started_ms else None,
            "taskId": task.id, "frameType": 5, "recommitFlag": u.recommit, "couponFee": 0,
            "errorCode": u.error_code,
        } for u in task.frames]
        return self._page(body, records)

    def ep_process_img(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("taskId") is None:
            raise Refused(601, "parameter_cant_be_empty: taskId")
        task = self._task(body["taskId"])
        rows: list[list[dict[str, Any]]] = []
        now_ms = self.now_ms()
        for unit in task.frames:
            if not rows or rows[-1][0]["frameIndex"] != str(unit.frame):
                rows.append([])
            used = ((unit.ended_ms or now_ms) - unit.started_ms) // 1000 if unit.started_ms else 0
            # a frame that does not move (a hung node) has no estimate: "" rather than a guess
            est = ("" if not unit.speed else str(int((100 - unit.percent) / unit.speed))) \
                if unit.status == 2 else "0"
            rows[-1].append({
                "frameIndex": str(unit.frame), "frameBlock": str(unit.block),
                "frameStatus": str(unit.status), "framePercent": str(int(unit.percent)),
                "frameUsed": str(max(0, used)), "frameEst": est,
                "feeAmount": f"{unit.fee:.2f}", "couponFee": "0.00", "renderInfo": "",
                "isMaxPrice": "0", "startTime": str(unit.started_ms or ""),
                "endTime": str(unit.ended_ms or ""), "grabUrl": "",
            })
        return {"width": 1920, "height": 1080, "block": task.blocks_per_frame,
                "isRenderPhoton": task.task_type == "RenderPhoton",
                "currentTaskType": task.task_type or "Render", "sceneName": task.scene,
                "startTime": str(task.started_ms or ""), "endTime": str(task.completed_ms or ""),
                "grabInfo": rows}

    def ep_frame_stats(self, body: dict[str, Any]) -> dict[str, Any]:
        units = [u for t in self.tasks.values() for u in t.frames]
        stats = {"executingFramesTotal": sum(u.status == 2 for u in units),
                 "doneFramesTotal": sum(u.status == 4 for u in units),
                 "failedFramesTotal": sum(u.status == 5 for u in units),
                 "waitingFramesTotal": sum(u.status == 1 for u in units),
                 "totalFrames": len(units)}
        if self.generation == "2.0.0":   # docs_sdk "how to use API interface zh.md": 放弃帧数
            stats["abandonFramesTotal"] = sum(
                u.status == 3 for t in self.tasks.values() if t.status == 35 for u in t.frames)
        return stats

    def ep_error_detail(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The spec's queryErrorDetail (`code`, String; its example sends a number) and the
        2.0.0 queryAnalyseErrorDetail (rayvision_api schemas: `code` or `codes`, one of them):
        List<CodeInfo> for the codes asked, empty when the service has no entry."""
        asked = [body.get("code")] if body.get("code") not in (None, "") else []
        if self.generation == "2.0.0" and isinstance(body.get("codes"), list):
            asked += body["codes"]
        if not asked:
            raise Refused(601, "parameter_cant_be_empty: code")
        found = []
        for code in asked:
            if isinstance(code, bool) or not isinstance(code, int | str) \
                    or not str(code).strip().isdigit():
                raise Refused(600, f"parameter_invalid: code {code!r}")
            info = self.error_details.get(int(code))
            if info is not None:
                found.append({"id": len(found) + 5, "code": str(int(code)),
                              "languageFlag": 1 if str(body.get("language")) == "1" else 0,
                              "isDelete": 1, "lastModifyAdmin": "",
                              "updateTime": 1534387709000, **info})
        return found

    def _leaves(self, task: SimTask) -> list[SimTask]:
        if not task.children:
            return [task]
        return [leaf for c in task.children if c in self.tasks
                for leaf in self._leaves(self.tasks[c])]

    def ep_stop(self, body: dict[str, Any]) -> None:
        tasks = self._ids(body, "taskIds")
        for task in tasks:
            if task.status not in STOPPABLE:
                raise Refused(600, f"task {task.id} is not waiting or rendering; cannot stop it")
        for task in tasks:
            for leaf in [task, *self._leaves(task)]:
                if leaf.status in STOPPABLE:
                    leaf.status = 15
                for unit in leaf.frames:
                    if unit.status == 2:
                        unit.status = 3

    def ep_start(self, body: dict[str, Any]) -> None:
        tasks = self._ids(body, "taskIds")
        for task in tasks:
            if task.status not in RESUMABLE:
                raise Refused(600, f"task {task.id} is not stopped; cannot start it")
        now_ms = self.now_ms()
        for task in tasks:
            for leaf in [task, *self._leaves(task)]:
                if leaf.status not in RESUMABLE:
                    continue
                for unit in leaf.frames:
                    if unit.status == 3:
                        unit.status = 1
                leaf.status = 5 if leaf.frames else leaf.status
                if leaf.frames:
                    self._start_frames(leaf, now_ms)

    def ep_abort(self, body: dict[str, Any]) -> None:
        tasks = self._ids(body, "taskIds")
        for task in tasks:
            if task.status in (25, 35):
                raise Refused(600, f"task {task.id} is already finished or abandoned")
        for task in tasks:
            for leaf in [task, *self._leaves(task)]:
                leaf.status = 35
                for unit in leaf.frames:
                    if unit.status in (1, 2):
                        unit.status = 3

    def ep_delete(self, body: dict[str, Any]) -> None:
        tasks = self._ids(body, "taskIds")
        for task in tasks:
            if task.status in STOPPABLE:
                raise Refused(600, f"task {task.id} is still waiting or rendering; "
                                   "stop or abandon it before deleting")
        for task in tasks:
            self._remove(task)

    def _remove(self, task: SimTask) -> None:
        self._order = self._moving = None
        for child in list(task.children):
            if child in self.tasks:
                self._remove(self.tasks[child])
        self.tasks.pop(task.id, None)
        if task.parent in self.tasks:
            self.tasks[task.parent].children.remove(task.id)

    def ep_full_speed(self, body: dict[str, Any]) -> str:
        tasks = self._ids(body, "taskIds")
        for task in tasks:
            if task.status != 40:
                raise Refused(600, f"task {task.id} is not waiting for full speed")
        now_ms = self.now_ms()
        for task in tasks:
            task.status = 5
            self._start_frames(task, now_ms)
        return "success"

    def _requeue(self, task: SimTask, units: list[SimFrame]) -> None:
        for unit in units:
            unit.status, unit.percent, unit.ended_ms, unit.fee = 1, 0.0, None, 0.0
            unit.error_code = None
            unit.recommit += 1
        if units and task.status != 35:
            task.status = 5
            self._start_frames(task, self.now_ms())

    def ep_restart_failed(self, body: dict[str, Any]) -> None:
        tasks = self._ids(body, "taskIds")
        for task in tasks:
            for leaf in self._leaves(task):
                self._requeue(leaf, [u for u in leaf.frames if u.status == 5])

    def ep_restart_frame(self, body: dict[str, Any]) -> None:
        # 1.0.0 (the spec): restartFrame {taskIds: <one id>, selectAll, ids};
        # 2.0.0 (rayvision_api query.py restart_frame): recommitTaskFrames {taskId, selectAll, ids}
        key = "taskIds" if self.generation == "1.0.0" else "taskId"
        if body.get(key) is None:
            raise Refused(601, f"parameter_cant_be_empty: {key}")
        task = self._task(body[key])
        if task.status in STOPPABLE:
            raise Refused(600, f"task {task.id} is rendering; stop it before resubmitting frames")
        if body.get("selectAll") == 1:
            units = [u for u in task.frames if u.status in (3, 4, 5)]
        else:
            ids = body.get("ids")
            if not ids or not isinstance(ids, list):
                raise Refused(601, "parameter_cant_be_empty: ids")
            by_id = {u.id: u for u in task.frames}
            unknown = [i for i in ids if i not in by_id]
            if unknown:
                raise Refused(600, f"parameter_invalid: frame {unknown[0]} is not in task {task.id}")
            units = [by_id[i] for i in ids]
        self._requeue(task, units)

    def ep_over_time(self, body: dict[str, Any]) -> None:
        tasks = self._ids(body, "taskIds")
        seconds = body.get("overTime")
        if seconds is None:
            raise Refused(601, "parameter_cant_be_empty: overTime")
        if not isinstance(seconds, int) or seconds <= 0:
            raise Refused(600, "parameter_invalid: overTime must be a positive number of seconds")
        for task in tasks:
            for leaf in {task.id: task, **{t.id: t for t in self._leaves(task)}}.values():
                leaf.over_time = seconds * 1000

    def ep_user_setting(self, body: dict[str, Any]) -> dict[str, Any]:
        """queryUserSetting as the spec's example gives it (taskOverTime in hours); the 2.0.0
        generation adds taskOverTimeSec in seconds (renderbus/docs_sdk, docs/render/how to use
        API interface zh.md: 获取用户设置)."""
        setting: dict[str, Any] = {
            "infoStatus": None, "accountType": None, "shareMainCapital": 0, "subDeleteTask": 0,
            "useMainBalance": 0, "singleNodeRenderFrames": "1", "maxIgnoreMapFlag": "1",
            "autoCommit": "2", "separateAccountFlag": 0, "mifileSwitchFlag": 0,
            "assfileSwitchFlag": 0, "manuallyStartAnalysisFlag": 0, "downloadDisable": 0,
            "taskOverTime": self.default_timeout_s // 3600}
        if self.generation == "2.0.0":
            setting["taskOverTimeSec"] = self.default_timeout_s
        return setting

    def ep_update_user_setting(self, body: dict[str, Any]) -> None:
        """updateUserSetting: the spec's `taskOverTime` (an Integer of hours) on 1.0.0; on
        2.0.0 `taskOverTimeSec` in seconds (rayvision_api schemas/updateUserSetting.yaml:
        required, integer)."""
        key = "taskOverTime" if self.generation == "1.0.0" else "taskOverTimeSec"
        value = body.get(key)
        if value is None:
            raise Refused(601, f"parameter_cant_be_empty: {key}")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise Refused(600, f"parameter_invalid: {key} must be a positive whole number")
        self.default_timeout_s = value * 3600 if key == "taskOverTime" else value

    def auth_refused(self, request: SimRequest) -> SimResponse:
        return self.envelope(611, "signature_invalid")   # as after the key was rotated

    def service_entry(self, name: str, base_url: str) -> dict[str, Any]:
        return {"name": name, "kind": self.kind, "base_url": base_url,
                "access_id": self.access_id, "access_key": self.access_key, "platform": 2}


ENDPOINTS: dict[str, Callable[[RenderbusSim, dict[str, Any]], Any]] = {
    "platforms": RenderbusSim.ep_platforms,
    "profile": RenderbusSim.ep_profile,
    "task_list": RenderbusSim.ep_task_list,
    "task_info": RenderbusSim.ep_task_info,
    "frames": RenderbusSim.ep_frames,
    "process_img": RenderbusSim.ep_process_img,
    "frame_stats": RenderbusSim.ep_frame_stats,
    "stop": RenderbusSim.ep_stop,
    "start": RenderbusSim.ep_start,
    "abort": RenderbusSim.ep_abort,
    "delete": RenderbusSim.ep_delete,
    "full_speed": RenderbusSim.ep_full_speed,
    "restart_failed": RenderbusSim.ep_restart_failed,
    "restart_frame": RenderbusSim.ep_restart_frame,
    "over_time": RenderbusSim.ep_over_time,
    "error_detail": RenderbusSim.ep_error_detail,
    "user_setting": RenderbusSim.ep_user_setting,
    "update_user_setting": RenderbusSim.ep_update_user_setting,
}

READS = frozenset({"platforms", "profile", "task_list", "task_info", "frames", "process_img",
                   "frame_stats", "error_detail", "user_setting"})

# path -> endpoint, per generation: 1.0.0 from the spec, 2.0.0 from rayvision_api/url.py.
ROUTES: dict[str, dict[str, str]] = {
    "1.0.0": {
        "/api/render/common/queryPlatforms": "platforms",
        "/api/render/user/queryUserProfile": "profile",
        "/api/render/task/getTaskList": "task_list",
        "/api/render/task/queryTaskInfo": "task_info",
        "/api/render/task/queryTaskFrames": "frames",
        "/api/render/task/loadTaskProcessImg": "process_img",
        "/api/render/task/queryAllFrameStats": "frame_stats",
        "/api/render/task/stopTask": "stop",
        "/api/render/task/startTask": "start",
        "/api/render/task/abortTask": "abort",
        "/api/render/task/deleteTask": "delete",
        "/api/render/task/fullSpeed": "full_speed",
        "/api/render/task/restartFailedFrames": "restart_failed",
        "/api/render/task/restartFrame": "restart_frame",
        "/api/render/task/setOverTimeStop": "over_time",
        "/api/render/common/queryErrorDetail": "error_detail",
        "/api/render/user/queryUserSetting": "user_setting",
        "/api/render/user/updateUserSetting": "update_user_setting",
    },
    "2.0.0": {
        "/api/render/common/queryPlatforms": "platforms",
        "/api/render/setUp/queryUserProfile": "profile",
        "/api/render/handle/getTaskList": "task_list",
        "/api/render/handle/queryTaskInfo": "task_info",
        "/api/render/handle/queryTaskFrames": "frames",
        "/api/render/handle/loadTaskProcessImg": "process_img",
        "/api/render/handle/queryAllFrameStats": "frame_stats",
        "/api/rendering/task/renderingTask/stopTask": "stop",
        "/api/rendering/task/renderingTask/startTask": "start",
        "/api/render/handle/abandonTask": "abort",
        "/api/render/handle/deleteTask": "delete",
        "/api/render/handle/fullSpeedRendering": "full_speed",
        "/api/render/handle/recommitTasks": "restart_failed",
        "/api/render/handle/recommitTaskFrames": "restart_frame",
        "/api/render/handle/setTaskOverTimeStop": "over_time",
        "/api/render/submit/queryAnalyseErrorDetail": "error_detail",
        "/api/render/setUp/queryUserSetting": "user_setting",
        "/api/render/setUp/updateUserSetting": "update_user_setting",
    },
}


def scale(finished: int = 20_000, running: int = 500) -> RenderbusSim:
    """The farm of `jobdeck sim serve --scale` and the scale bench: a big, busy account."""
    sim = RenderbusSim(seed=17, user="studio", scenario="empty")
    sim.seed_scale(finished, running)
    return sim


def demo() -> dict[str, RenderbusSim]:
    """Two farms: a busy one on the spec's interface, and one on the 2.0.0 generation that
    drops out for 20 s every 75 s, so a pane going stale can be watched."""
    flaky = RenderbusSim(seed=11, user="la-render", scenario="empty", generation="2.0.0")
    flaky.add_task(7712, "promo_spot_v3.ma", 5, frames=120, done=40, fails=2, age_s=9000)
    flaky.add_task(7713, "promo_spot_v3_alt.ma", 0, frames=120, start_after=30, age_s=800)
    flaky.add_task(7690, "logo_sting.aep", 25, frames=75, done=75, age_s=70000)
    flaky.outage = (75.0, 20.0)
    return {"sh-farm": RenderbusSim(seed=7), "la-farm": flaky}
