"""Renderbus API client: signed POSTs, one method per endpoint, plain dicts back."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from ..http import HttpTransport, one_line
from ..model import ServiceError
from .signing import host_of, sign

API = "/api/render"
MAX_PAGES = 10_000

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


class RenderbusClient:
    def __init__(self, http: HttpTransport, *, access_id: str, access_key: str,
                 platform: int = 2, channel: int = 4, version: str = "1.0.0",
                 clock: Callable[[], float] = time.time) -> None:
        self.http = http
        self.access_id = access_id
        self._access_key = access_key
        self.platform = platform
        self.channel = channel
        self.version = version
        self.clock = clock
        self.host = host_of(http.base_url)
        self.clock_offset_s = 0.0   # service clock minus ours, learnt from serverTime

    def _headers(self, path: str, body: dict[str, Any]) -> dict[str, str]:
        headers: dict[str, Any] = {
            "accessId": self.access_id,
            "channel": self.channel,
            "platform": self.platform,
            "UTCTimestamp": int(self.clock() + self.clock_offset_s),
            "nonce": random.randint(1, 2**31 - 1),
            "version": self.version,
        }
        headers["signature"] = sign(self._access_key, self.host, path, headers, body)
        out = {k: str(v) for k, v in headers.items()}
        out["Content-Type"] = "application/json"
        return out

    async def call(self, endpoint: str, body: dict[str, Any] | None = None, *,
                   idempotent: bool) -> Any:
        path = f"{API}/{endpoint}"
        body = body or {}
        for attempt in (1, 2):
            response = await self.http.request(
                "POST", path, idempotent=idempotent, headers=self._headers(path, body),
                content=json.dumps(body, separators=(",", ":")).encode(),
            )
            reply = self.http.json_of(response)
            if not isinstance(reply, dict) or "code" not in reply:
                raise RenderbusError(f"bad reply (HTTP {response.status_code}, no 'code' field)")
            self._learn_clock(reply.get("serverTime"))
            code = reply.get("code")
            if code == 200:
                return reply.get("data")
            # An expired signature was not acted on, so a read may go again with the learnt clock.
            if code == 610 and idempotent and attempt == 1:
                continue
            raise RenderbusError(self.http.redact(describe(code, reply.get("message"))), code=code)
        raise AssertionError("unreachable")

    def _learn_clock(self, server_ms: Any) -> None:
        if isinstance(server_ms, int | float) and server_ms > 0:
            self.clock_offset_s = server_ms / 1000 - self.clock()

    # reads ------------------------------------------------------------------------------------

    async def user_profile(self) -> dict[str, Any]:
        return await self.call("user/queryUserProfile", idempotent=True) or {}

    async def task_list_page(self, page_num: int, page_size: int,
                             status_list: list[int] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"pageNum": page_num, "pageSize": page_size}
        if status_list:
            body["statusList"] = status_list
        return await self.call("task/getTaskList", body, idempotent=True) or {}

    async def all_tasks(self, page_size: int = 100) -> list[dict[str, Any]]:
        return await self._all_pages(
            lambda n: self.task_list_page(n, page_size))

    async def task_frames_page(self, task_id: int, page_num: int,
                               page_size: int) -> dict[str, Any]:
        body = {"taskId": task_id, "pageNum": page_num, "pageSize": page_size}
        return await self.call("task/queryTaskFrames", body, idempotent=True) or {}

    async def task_frames(self, task_id: int, page_size: int = 100) -> list[dict[str, Any]]:
        return await self._all_pages(lambda n: self.task_frames_page(task_id, n, page_size))

    async def task_process_img(self, task_id: int) -> dict[str, Any]:
        return await self.call("task/loadTaskProcessImg", {"taskId": task_id},
                               idempotent=True) or {}

    async def _all_pages(self, fetch: Callable[[int], Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while page <= MAX_PAGES:
            data = await fetch(page)
            items.extend(data.get("items") or [])
            count = int(data.get("pageCount") or 0)
            if int(data.get("pageNum") or page) >= count:
                break
            page += 1
        return items

    # actions: never retried -------------------------------------------------------------------

    async def task_param_call(self, endpoint: str, task_ids: list[int]) -> Any:
        return await self.call(f"task/{endpoint}", {"taskParam": task_ids}, idempotent=False)

    async def full_speed(self, task_ids: list[int]) -> Any:
        return await self.call("task/fullSpeed", {"taskIds": task_ids}, idempotent=False)

    async def restart_frames(self, task_id: int, frame_ids: list[int], select_all: bool) -> Any:
        body = {"taskIds": task_id, "selectAll": 1 if select_all else 0,
                "ids": [] if select_all else frame_ids}
        return await self.call("task/restartFrame", body, idempotent=False)

    async def set_over_time_stop(self, task_ids: list[int], seconds: int) -> Any:
        body = {"taskIds": task_ids, "overTime": seconds}
        return await self.call("task/setOverTimeStop", body, idempotent=False)
