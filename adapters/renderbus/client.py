"""Renderbus API client: signed POSTs, one method per endpoint, plain dicts back.

The service runs two generations of its interface side by side. The printed spec documents
1.0.0 (`/api/render/task/...`); the official SDK (renderbus/rayvision_api, `url.py` and
`constants.py` since its "version 2.0.0" update) sends header `version: 2.0.0` to new paths.
`api_version = "auto"` starts with the spec's paths and, on an HTTP 404 there, moves this client
to 2.0.0 for the rest of the process: a 404 means nothing was done, so even an action may go
again on the new path.
"""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jobdeck.adapters.contract.base import read_together
from jobdeck.adapters.contract.http import HttpTransport, one_line
from jobdeck.adapters.contract.model import ServiceError
from jobdeck.adapters.contract.paging import MAX_PAGES, Pager

from .signing import host_of, sign

GENERATIONS = ("1.0.0", "2.0.0")
API_VERSIONS = ("auto", *GENERATIONS)

# logical name -> (1.0.0 path from the spec, 2.0.0 path from rayvision_api/url.py)
PATHS: dict[str, tuple[str, str]] = {
    "platforms": ("/api/render/common/queryPlatforms", "/api/render/common/queryPlatforms"),
    "profile": ("/api/render/user/queryUserProfile", "/api/render/setUp/queryUserProfile"),
    "task_list": ("/api/render/task/getTaskList", "/api/render/handle/getTaskList"),
    "task_info": ("/api/render/task/queryTaskInfo", "/api/render/handle/queryTaskInfo"),
    "frames": ("/api/render/task/queryTaskFrames", "/api/render/handle/queryTaskFrames"),
    "frame_stats": ("/api/render/task/queryAllFrameStats", "/api/render/handle/queryAllFrameStats"),
    "process_img": ("/api/render/task/loadTaskProcessImg",
                    "/api/render/handle/loadTaskProcessImg"),
    "stop": ("/api/render/task/stopTask", "/api/rendering/task/renderingTask/stopTask"),
    "resume": ("/api/render/task/startTask", "/api/rendering/task/renderingTask/startTask"),
    "abandon": ("/api/render/task/abortTask", "/api/render/handle/abandonTask"),
    "delete": ("/api/render/task/deleteTask", "/api/render/handle/deleteTask"),
    "retry_failed": ("/api/render/task/restartFailedFrames", "/api/render/handle/recommitTasks"),
    "retry_frames": ("/api/render/task/restartFrame", "/api/render/handle/recommitTaskFrames"),
    "full_speed": ("/api/render/task/fullSpeed", "/api/render/handle/fullSpeedRendering"),
    "set_timeout": ("/api/render/task/setOverTimeStop", "/api/render/handle/setTaskOverTimeStop"),
    # the spec's "Obtain analysis error code"; 2.0.0: rayvision_api/url.py queryAnalyseErrorDetail
    "error_detail": ("/api/render/common/queryErrorDetail",
                     "/api/render/submit/queryAnalyseErrorDetail"),
    # the account's settings: the spec's /api/render/user/...; 2.0.0 rayvision_api/url.py setUp/
    "user_setting": ("/api/render/user/queryUserSetting", "/api/render/setUp/queryUserSetting"),
    "update_user_setting": ("/api/render/user/updateUserSetting",
                            "/api/render/setUp/updateUserSetting"),
}

# Pages asked for at once when a list is long: one after the first, then two, then this many.
# A liar's repeated page costs one request more than the first; an honest 200 pages take ~52
# round trips instead of 200.
PAGE_WINDOW = 4
# Ids per queryTaskInfo: the 2.0.0 reply is one page of 100 (its `size` in the SDK's docs).
INFO_BATCH = 100


@dataclass(slots=True)
class Listing:
    """What a paged read got: its items (unless they went to a sink), the service's count of
    them, and why it stopped short, if it did."""

    items: list[dict[str, Any]] = field(default_factory=list)
    total: int | None = None
    pages: int = 0
    cut: str | None = None      # the page cap (or a lie) left items unread: the warning
    capped: bool = False        # it was the cap

# The spec's error code table, in words an operator can act on.
CODE_MEANINGS: dict[int, str] = {
    100: "the request failed",
    301: "the service wants to redirect (check base_url)",
    403: "forbidden: this account may not do that",
    404: "not found",
    500: "the service failed internally",
    600: "invalid parameter",
    601: "a required parameter is missing",
    602: "the user must log in",
    603: "illegal request",
    605: "insufficient permissions",
    608: "account region does not match this base_url (domestic vs international)",
    610: "signature expired: the local clock is too far from the service's",
    611: "signature invalid: check access_id and access_key",
    700: "no more records",
}


class RenderbusError(ServiceError):
    pass


def describe(code: Any, message: Any) -> str:
    meaning = CODE_MEANINGS.get(code) if isinstance(code, int) else None
    text = one_line(str(message or "").strip(), 160)
    if meaning and text and text.lower().replace(" ", "_") not in meaning.replace(" ", "_"):
        return f"{text} ({code}: {meaning})"
    return f"{meaning or text or 'error'} ({code})"


def reply_code(value: Any) -> int | None:
    """The envelope's code; a number sent as a string counts, anything else does not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class RenderbusClient:
    def __init__(self, http: HttpTransport, *, access_id: str, access_key: str,
                 platform: int = 2, channel: int = 4, api_version: str = "auto",
                 clock: Callable[[], float] = time.time) -> None:
        if api_version not in API_VERSIONS:
            raise ValueError(f"api_version must be one of {', '.join(API_VERSIONS)}")
        self.http = http
        self.access_id = access_id
        self._access_key = access_key
        self.platform = platform
        self.channel = channel
        self.auto = api_version == "auto"
        self.generation = "1.0.0" if self.auto else api_version
        self.answered: str | None = None  # the generation that last answered
        self.clock = clock
        self.host = host_of(http.base_url)
        self.clock_offset_s = 0.0   # service clock minus ours, learnt from serverTime
        self.warnings: list[str] = []   # what the last reads left out (a paging loop cut short)

    def path(self, endpoint: str) -> str:
        return PATHS[endpoint][GENERATIONS.index(self.generation)]

    def _headers(self, path: str, body: dict[str, Any],
                 generation: str | None = None) -> dict[str, str]:
        headers: dict[str, Any] = {
            "accessId": self.access_id,
            "channel": self.channel,
            "platform": self.platform,
            "UTCTimestamp": int(self.clock() + self.clock_offset_s),
            "nonce": random.randint(1, 2**31 - 1),
            "version": generation or self.generation,
        }
        headers["signature"] = sign(self._access_key, self.host, path, headers, body)
        out = {k: str(v) for k, v in headers.items()}
        out["Content-Type"] = "application/json"
        return out

    async def call(self, endpoint: str,
                   body: dict[str, Any] | Callable[[str], dict[str, Any]] | None = None, *,
                   idempotent: bool, optional: bool = False) -> Any:
        """One signed POST. `body` may depend on the generation (a function of it). An
        `optional` call (a read the service may lack: the farm totals, the error codes, the
        account's settings) tries 2.0.0 after a 404 for itself only: it never moves an auto
        service off the paths its tasks answer on."""
        expired_once = False
        used = self.generation
        while True:
            path = PATHS[endpoint][GENERATIONS.index(used)]
            sent = (body(used) if callable(body) else body) or {}
            response = await self.http.request(
                "POST", path, idempotent=idempotent,
                headers=functools.partial(self._headers, path, sent, used),   # a new nonce a try
                content=json.dumps(sent, separators=(",", ":")).encode(),
            )
            if response.status_code == 404 and self.auto and used == "1.0.0":
                used = "2.0.0"   # nothing was done: go again on the new paths
                if not optional:
                    self.generation = used
                continue
            if response.status_code == 404:
                raise RenderbusError(f"{path} not found (HTTP 404) on API {used}; "
                                     "check base_url and api_version", code=404)
            reply = self.http.json_of(response)
            if not isinstance(reply, dict) or "code" not in reply:
                raise RenderbusError(f"bad reply (HTTP {response.status_code}, no 'code' field)")
            if not optional or used == self.generation:
                self.answered = used
            self._learn_clock(reply.get("serverTime"))
            code = reply_code(reply.get("code"))
            if code == 200:
                return reply.get("data")
            if code is None:
                raise RenderbusError(f"bad reply (HTTP {response.status_code}, "
                                     f"code {one_line(repr(reply.get('code')), 40)})")
            # An expired signature is refused before anything is done, so the call (a write
            # too) may go once more with the clock the reply taught (its serverTime).
            if code == 610 and not expired_once:
                expired_once = True
                continue
            message = self.http.redact(str(reply.get("message") or ""))  # before any cut
            raise RenderbusError(describe(code, message), code=code)

    def _learn_clock(self, server_ms: Any) -> None:
        if isinstance(server_ms, str) and server_ms.isdigit():
            server_ms = int(server_ms)
        if isinstance(server_ms, int | float) and not isinstance(server_ms, bool) \
                and 0 < server_ms < 1e14:
            self.clock_offset_s = server_ms / 1000 - self.clock()

    # reads ------------------------------------------------------------------------------------

    async def platforms(self, zone: int) -> list[dict[str, Any]]:
        data = await self.call("platforms", {"zone": zone}, idempotent=True)
        return [p for p in data or [] if isinstance(p, dict)]

    async def user_profile(self) -> dict[str, Any]:
        data = await self.call("profile", idempotent=True)
        return data if isinstance(data, dict) else {}

    async def task_list_page(self, page_num: int, page_size: int,
                             status_list: list[int] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"pageNum": page_num, "pageSize": page_size}
        if status_list:
            body["statusList"] = status_list
        return await self.call("task_list", body, idempotent=True) or {}

    async def all_tasks(self, page_size: int = 100) -> list[dict[str, Any]]:
        return (await self.task_list(page_size)).items

    async def task_list(self, page_size: int = 100, status_list: list[int] | None = None, *,
                        sink: Callable[[dict[str, Any]], None] | None = None) -> Listing:
        """Every page of getTaskList (of these statuses only, when given), up to the cap."""
        what = "getTaskList" if not status_list else "getTaskList (active)"
        return await self._pages(what, lambda n: self.task_list_page(n, page_size, status_list),
                                 key=lambda item: item.get("id"), noun="tasks", sink=sink)

    async def task_info(self, task_ids: list[int]) -> list[dict[str, Any]]:
        """queryTaskInfo: these tasks as they are now, each with its children; a task that is
        not there (deleted) is simply absent. The 1.0.0 reply is a list (the spec's
        List<TaskInfo>); 2.0.0 answers one page {pageCount, pageNum, total, size, items}
        (renderbus/docs_sdk "how to use API interface zh.md", 获取任务详情), so ids go in
        batches of one page. A child sent as an item of its own is put back under its parent."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(task_ids), INFO_BATCH):
            batch = task_ids[start:start + INFO_BATCH]
            data = await self.call("task_info", {"taskIds": batch}, idempotent=True)
            if isinstance(data, dict):
                data = data.get("items")
            if data is None:
                continue
            if not isinstance(data, list):
                raise RenderbusError("bad reply to queryTaskInfo (not a list of tasks)")
            found += fold_children([i for i in data if isinstance(i, dict)], batch)
        return found

    async def task_frames_page(self, task_id: int, page_num: int,
                               page_size: int) -> dict[str, Any]:
        body = {"taskId": task_id, "pageNum": page_num, "pageSize": page_size}
        return await self.call("frames", body, idempotent=True) or {}

    async def task_frames(self, task_id: int, page_size: int = 100) -> list[dict[str, Any]]:
        listing = await self._pages("queryTaskFrames",
                                    lambda n: self.task_frames_page(task_id, n, page_size),
                                    key=lambda item: item.get("id"), noun="frames")
        return listing.items

    async def frame_stats(self) -> dict[str, Any]:
        """queryAllFrameStats: the account's frames all told (the spec: no parameters)."""
        data = await self.call("frame_stats", idempotent=True, optional=True)
        if not isinstance(data, dict):
            raise RenderbusError("bad reply to queryAllFrameStats (data is not an object)")
        return data

    async def error_detail(self, code: str) -> list[dict[str, Any]]:
        """What the service says about one error code: a List<CodeInfo> (empty: no entry).
        1.0.0 (the spec; rayvision_api schemas/queryErrorDetail.yaml: `code` an integer) and
        2.0.0 (queryAnalyseErrorDetail.yaml: `code` a string, or `codes`); `language` "1"
        asks for English (the spec: 0 Chinese, the default, 1 English)."""
        def body(generation: str) -> dict[str, Any]:
            number = int(code) if code.isdigit() and generation == "1.0.0" else code
            return {"code": number, "language": "1"}
        data = await self.call("error_detail", body, idempotent=True, optional=True)
        if data is None:
            return []
        if isinstance(data, dict):   # one CodeInfo rather than a list of them
            data = [data]
        if not isinstance(data, list):
            raise RenderbusError("bad reply to queryErrorDetail (not a list)")
        return [i for i in data if isinstance(i, dict)]

    async def task_process_img(self, task_id: int) -> dict[str, Any]:
        data = await self.call("process_img", {"taskId": task_id}, idempotent=True)
        return data if isinstance(data, dict) else {}

    async def _pages(self, what: str, fetch: Callable[[int], Any],
                     key: Callable[[dict[str, Any]], Any], *, noun: str = "items",
                     sink: Callable[[dict[str, Any]], None] | None = None,
                     cap: int = MAX_PAGES) -> Listing:
        """Every page, in order: the first alone, then up to PAGE_WINDOW at once (1, 2, 4...),
        never past the last page claimed or the cap. A page that ends the list (empty,
        repeated) ends it: the pages asked for beside it are dropped."""
        pager = Pager(what, key=key, cap=cap, noun=noun, sink=sink)
        page, width = 1, 1
        more = True
        while more:
            last = min(pager.last_page, page + width - 1) if page > 1 else 1
            numbers = range(page, last + 1)
            replies = await read_together(*(fetch(n) for n in numbers))
            for number, data in zip(numbers, replies, strict=True):
                if not isinstance(data, dict):
                    raise RenderbusError(f"bad reply to {what} (data is not an object)")
                items = data.get("items")
                if items is not None and not isinstance(items, list):
                    raise RenderbusError(f"bad reply to {what} (items is not a list)")
                more = pager.take(number, [i for i in items or [] if isinstance(i, dict)],
                                  data.get("pageCount"), data.get("total"))
                if not more:
                    break
            if page > 1:
                width = min(PAGE_WINDOW, width * 2)
            page = last + 1
        cut = pager.stopped_early if pager.stopped_early and \
            "empty" not in pager.stopped_early else None
        if cut:
            self.warnings.append(cut)
        return Listing(items=pager.items, total=pager.total, pages=pager.calls, cut=cut,
                       capped=pager.capped)

    # actions: never retried -------------------------------------------------------------------

    async def task_ids_call(self, endpoint: str, task_ids: list[int]) -> Any:
        """stop, resume, abandon, delete, retry failed: every SDK release sends the ids as
        `taskIds` (rayvision_api operators/task.py TASK_PARAM); the spec prints `taskParam`.
        Both go, both signed."""
        return await self.call(endpoint, {"taskIds": task_ids, "taskParam": task_ids},
                               idempotent=False)

    async def full_speed(self, task_ids: list[int]) -> Any:
        return await self.call("full_speed", {"taskIds": task_ids}, idempotent=False)

    async def restart_frames(self, task_id: int, frame_ids: list[int], select_all: bool) -> Any:
        def body(generation: str) -> dict[str, Any]:
            if generation == "1.0.0":  # the spec's restartFrame: {taskIds: id, selectAll, ids}
                return {"taskIds": task_id, "selectAll": 1 if select_all else 0,
                        "ids": [] if select_all else frame_ids}
            # rayvision_api operators/query.py restart_frame -> recommitTaskFrames
            return {"taskId": task_id, "selectAll": 1} if select_all else \
                {"taskId": task_id, "selectAll": 0, "ids": frame_ids}
        return await self.call("retry_frames", body, idempotent=False)

    async def set_over_time_stop(self, task_ids: list[int], seconds: int) -> Any:
        body = {"taskIds": task_ids, "overTime": seconds}
        return await self.call("set_timeout", body, idempotent=False)


    # the account's default task timeout ---------------------------------------------------------

    async def user_setting(self) -> dict[str, Any]:
        """queryUserSetting: the account's settings; its default timeout is `taskOverTime` in
        hours (the spec: "Timeout - hour"), and since 2.0.0 also `taskOverTimeSec` in seconds
        (renderbus/docs_sdk docs/render/how to use API interface zh.md, 获取用户设置:
        taskOverTime 超时时间-小时, taskOverTimeSec 超时时间-秒)."""
        # read beside the tasks: a 404 here (a service without it) must not move the
        # generation under the task list's feet
        data = await self.call("user_setting", idempotent=True, optional=True)
        return data if isinstance(data, dict) else {}

    async def update_default_timeout(self, seconds: int) -> Any:
        """updateUserSetting: the spec's 1.0.0 takes `taskOverTime` in whole hours; 2.0.0 takes
        `taskOverTimeSec` in seconds (rayvision_api operators/user.py update_user_settings,
        schemas/updateUserSetting.yaml: taskOverTimeSec, required integer)."""
        def body(generation: str) -> dict[str, Any]:
            if generation == "1.0.0":
                return {"taskOverTime": seconds // 3600}   # whole hours (the adapter checks)
            return {"taskOverTimeSec": seconds}
        return await self.call("update_user_setting", body, idempotent=False)


def fold_children(items: list[dict[str, Any]], asked: list[int]) -> list[dict[str, Any]]:
    """The asked-for tasks, with any child that came as an item of its own (its layerParentId
    one of them) put under its parent's respRenderingTaskList, once."""
    wanted = {str(i) for i in asked}
    tops = {str(i.get("id")): i for i in items if str(i.get("id")) in wanted}
    for item in items:
        parent = tops.get(str(item.get("layerParentId")))
        if str(item.get("id")) in tops or parent is None:
            continue
        children = parent.get("respRenderingTaskList")
        if not isinstance(children, list):
            children = parent["respRenderingTaskList"] = []
        if all(str(c.get("id")) != str(item.get("id")) for c in children if isinstance(c, dict)):
            children.append(item)
    return list(tops.values())


def page_of(data: Any, what: str) -> tuple[list[dict[str, Any]], int, int | None]:
    """One page's items, its page count (1 when missing) and its total (None when missing)."""
    if not isinstance(data, dict):
        raise RenderbusError(f"bad reply to {what} (data is not an object)")
    items = data.get("items")
    if items is not None and not isinstance(items, list):
        raise RenderbusError(f"bad reply to {what} (items is not a list)")
    count = data.get("pageCount")
    total = data.get("total")
    return ([i for i in items or [] if isinstance(i, dict)],
            count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1,
            total if isinstance(total, int) and not isinstance(total, bool) else None)
