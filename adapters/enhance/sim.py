"""A stateful image-enhance queue: tasks wait their turn, are processed, some fail, can be deleted."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jobdeck.adapters.simulation.server import Received, SimRequest, SimResponse, Simulator

TOKEN = "sim-enhance-token"
WORKERS = 2
SECONDS_EACH = 12.0
WAITING, PROCESSING, DONE, FAILED = 0, 1, 2, 3


@dataclass
class SimJob:
    taskid: str
    picurl: str
    type: int
    chtaskid: str
    status: int = WAITING
    started: float | None = None
    deleted: bool = False
    fail_code: int = 0
    width: int = 1024
    height: int = 768
    faces: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class EnhanceSim(Simulator):
    kind = "enhance"

    def __init__(self, *, seed: int = 3, clock: Callable[[], float] | None = None,
                 scenario: str = "demo", balance: int = 1000) -> None:
        super().__init__(clock=clock)
        self.token = TOKEN
        self.random = random.Random(seed)
        self.jobs: dict[str, SimJob] = {}
        self.order: list[str] = []
        self.balance = balance
        if scenario == "demo":
            for n in range(7):
                self._create(f"https://pics.sim/portrait_{n:02d}.jpg", 2 if n % 3 == 0 else 1,
                             f"portrait-{n:02d}")
        self.advance(self.clock())  # the workers pick up the first jobs at once

    # the queue --------------------------------------------------------------------------------

    def _create(self, picurl: str, kind: int, chtaskid: str) -> SimJob:
        taskid = "".join(self.random.choice(string.hexdigits.lower()) for _ in range(24))
        job = SimJob(taskid, picurl, kind, chtaskid, faces=self.random.randint(1, 3)
                     if kind == 2 else 0, width=self.random.choice((640, 1024, 2048)),
                     height=self.random.choice((480, 768, 1536)))
        if "corrupt" in picurl:
            job.fail_code = 1001004
        self.jobs[taskid] = job
        self.order.append(taskid)
        return job

    def waiting(self) -> list[SimJob]:
        return [self.jobs[t] for t in self.order
                if not self.jobs[t].deleted and self.jobs[t].status == WAITING]

    def advance(self, now: float) -> None:
        for job in self.jobs.values():
            if job.status == PROCESSING and job.started is not None \
                    and now - job.started >= SECONDS_EACH:
                job.status = FAILED if job.fail_code else DONE
        busy = sum(1 for j in self.jobs.values() if j.status == PROCESSING and not j.deleted)
        for job in self.waiting():
            if busy >= WORKERS:
                break
            job.status, job.started = PROCESSING, now
            busy += 1

    def queue_position(self, job: SimJob) -> int:
        if job.status != WAITING:
            return 0
        return [j.taskid for j in self.waiting()].index(job.taskid) + 1

    # HTTP -------------------------------------------------------------------------------------

    def reply(self, code: int, msg: str = "", data: Any = None) -> SimResponse:
        return SimResponse.json({"code": code, "msg": msg, "data": data})

    def route(self, request: SimRequest) -> SimResponse:
        name = request.path.rsplit("/", 1)[-1]
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        record = Received(name, body)
        self.received.append(record)
        if request.header("token") != self.token:
            record.answered = 401
            return SimResponse.json({"code": 401, "msg": "invalid token", "data": None}, 401)
        handler = {"createtask": self.ep_create, "gettask": self.ep_get,
                   "deletetask": self.ep_delete}.get(name)
        if request.method != "POST" or handler is None or not isinstance(body, dict):
            record.answered = 404
            return SimResponse.json({"code": 404, "msg": "not found", "data": None}, 404)
        response = handler(body)
        record.answered = json.loads(response.body)["code"]
        return response

    def _payload(self, job: SimJob) -> dict[str, Any]:
        done = job.status == DONE
        data: dict[str, Any] = {
            "taskid": job.taskid, "status": job.status, "queuenum": self.queue_position(job),
            "errorcode": job.fail_code if job.status == FAILED else 0,
            "errormsg": "Unsupport file types" if job.status == FAILED else "",
            "inputurl": job.picurl, "inpathwidth": job.width, "inpathheight": job.height,
            "inpathsize": job.width * job.height // 3, "inpathext": "jpg",
            "outpathwidth": job.width * 2 if done else 0,
            "outpathheight": job.height * 2 if done else 0,
            "outpathsize": job.width * job.height if done else 0, "outpathext": "jpg",
            "outputurl": f"https://out.enhance.sim/{job.taskid}.jpg" if done else "",
            "facenum": job.faces, "chtaskid": job.chtaskid, "facelist": [],
        }
        if done and job.faces:
            data["facelist"] = [{"inputurl": f"{job.picurl}#face{n}", "inpathwidth": 128,
                                 "inpathheight": 128, "inpathsize": 9000, "inpathext": "jpg",
                                 "outpathwidth": 512, "outpathheight": 512,
                                 "outpathsize": 60000, "outpathext": "jpg",
                                 "outputurl": f"https://out.enhance.sim/{job.taskid}_face{n}.jpg"}
                                for n in range(job.faces)]
        return data

    def ep_create(self, body: dict[str, Any]) -> SimResponse:
        picurl = str(body.get("picurl") or "")
        if urlsplit(picurl).scheme not in ("http", "https"):
            return self.reply(1001002, "Validate picurl fail")
        if picurl.lower().endswith((".gif", ".svg", ".tiff")):
            return self.reply(1001004, "Unsupport file types")
        if "huge" in picurl:
            return self.reply(1001003, "Image too large")
        if not isinstance(body.get("type"), int):
            return self.reply(1001001, "Create task failed: type must be an int")
        if self.balance <= 0:
            return self.reply(1003002, "Insufficient balance")
        self.balance -= 1
        job = self._create(picurl, body["type"], str(body.get("chtaskid") or ""))
        self.advance(self.clock())
        return self.reply(0, "", {"taskid": job.taskid, "status": job.status,
                                  "queuenum": self.queue_position(job)})

    def _job(self, body: dict[str, Any]) -> SimJob | SimResponse:
        job = self.jobs.get(str(body.get("taskid") or ""))
        if job is None:
            return self.reply(1002001, "Task not exist")
        if job.deleted:
            return self.reply(1002002, "Task was deleted")
        return job

    def ep_get(self, body: dict[str, Any]) -> SimResponse:
        job = self._job(body)
        if isinstance(job, SimResponse):
            return job
        if body.get("type") != job.type:
            # gettask takes the type the task was made with; the spec lists no answer for
            # another type but "Task not exist", and that is what this simulator says.
            return self.reply(1002001, "Task not exist")
        return self.reply(0, "", self._payload(job))

    def ep_delete(self, body: dict[str, Any]) -> SimResponse:
        job = self._job(body)
        if isinstance(job, SimResponse):
            return job
        job.deleted = True
        return self.reply(0, "", {"success": True})

    def auth_refused(self, request: SimRequest) -> SimResponse:
        return SimResponse.json({"code": 401, "msg": "invalid token", "data": None}, 401)

    def service_entry(self, name: str, base_url: str) -> dict[str, Any]:
        return {"name": name, "kind": self.kind, "base_url": base_url, "token": self.token,
                "enhance_type": 1,
                "track": [t if self.jobs[t].type == 1 else f"{t}:{self.jobs[t].type}"
                          for t in self.order if not self.jobs[t].deleted]}


def demo() -> dict[str, EnhanceSim]:
    return {"photo-fix": EnhanceSim()}
