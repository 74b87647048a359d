"""EVA API client: MD5-signed parameters, a clock kept in step with /timestamp, plain dicts back."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobdeck.adapters.contract.http import HttpTransport, one_line
from jobdeck.adapters.contract.model import ServiceError
from jobdeck.adapters.contract.values import integer, number

from .signing import sign

CLOCK_REFRESH_S = 300.0
RUNNING = 4300

# The spec's return-code table, in English.
CODE_MEANINGS: dict[int, str] = {
    4000: "invalid request", 4001: "invalid api_key", 4002: "a required parameter is missing",
    4003: "signature check failed: check api_key and api_secret",
    4004: "the upload could not be read", 4007: "file format not supported",
    4008: "file larger than the limit", 4009: "downloading the file from its url failed",
    4010: "service not enabled for this account", 4011: "insufficient balance",
    4014: "input file url not found or expired", 4100: "args must be JSON",
    4300: "task not finished yet", 4301: "assets must be JSON", 4302: "assets must not be empty",
    4303: "too many assets for this template", 4304: "asset id not valid for this template",
    4305: "template not found", 4306: "template download failed or version expired",
    4307: "task id not found", 4308: "task timed out", 4309: "notify_url is not a valid url",
    4340: "template resource files missing", 500: "internal service error",
    5001: "service processing failed", 5003: "service unavailable",
}
# Codes that speak of the account or the request, not of one task's fate.
SERVICE_CODES = {4000, 4001, 4002, 4003, 4010, 500, 5003}


def describe(code: Any, message: Any = None) -> str:
    meaning = CODE_MEANINGS.get(code) if isinstance(code, int) else None
    text = one_line(str(message or ""), 120)
    if meaning and text and text.lower() not in ("success", meaning.lower()):
        return f"{code} {meaning} ({text})"
    return f"{code} {meaning or text or 'error'}"


class EvaClient:
    def __init__(self, http: HttpTransport, *, api_key: str, api_secret: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.http = http
        self.api_key = api_key
        self._secret = api_secret
        self.clock = clock
        self.offset_s = 0.0
        self._synced_at: float | None = None

    async def sync_clock(self) -> float:
        response = await self.http.request("GET", "/timestamp", idempotent=True)
        reply = self.http.json_of(response)
        data = reply.get("data") if isinstance(reply, dict) else None
        stamp = data.get("timestamp") if isinstance(data, dict) else None
        if stamp is None:
            raise ServiceError("bad reply from /timestamp (no data.timestamp)")
        stamp = number(stamp, "data.timestamp")
        self.offset_s = stamp - self.clock()
        self._synced_at = self.clock()
        return self.offset_s

    async def signed(self, params: dict[str, Any]) -> dict[str, str]:
        if self._synced_at is None or self.clock() - self._synced_at > CLOCK_REFRESH_S:
            await self.sync_clock()
        full = {"api_key": self.api_key, "timestamp": int(self.clock() + self.offset_s),
                **{k: v for k, v in params.items() if v is not None}}
        values = {k: str(v) for k, v in full.items()}
        values["sign"] = sign(values, self._secret)
        return values

    def _reply(self, response: Any) -> dict[str, Any]:
        """The reply with its code as a number ("4300" counts); the message redacted."""
        reply = self.http.json_of(response)
        if not isinstance(reply, dict) or "code" not in reply:
            raise ServiceError(f"bad reply (HTTP {response.status_code}, no 'code' field)")
        reply["code"] = integer(reply["code"], "code")
        if reply.get("message") is not None:
            reply["message"] = self.http.redact(str(reply["message"]))
        return reply

    async def task(self, task_id: str) -> dict[str, Any]:
        """The raw reply for one task: code 4300 running, 200 done, else that task's failure.
        An invalid request (4000, which is also how a timestamp out of the server's 60 s window
        is refused) takes the clock from /timestamp again and asks once more: a read may."""
        for attempt in (1, 2):
            params = await self.signed({"task_id": task_id})
            reply = self._reply(await self.http.request("GET", "/v1/render/task",
                                                        idempotent=True, params=params))
            if reply["code"] == 4000 and attempt == 1:
                await self.sync_clock()
                continue
            break
        if reply["code"] in SERVICE_CODES:
            raise ServiceError(describe(reply["code"], reply.get("message")), code=reply["code"])
        return reply

    async def _post(self, path: str, params: dict[str, Any],
                    files: list[tuple[str, tuple[str | None, Any]]] | None = None) -> Any:
        signed = await self.signed(params)
        fields = [(k, (None, v)) for k, v in signed.items()] + (files or [])
        reply = self._reply(await self.http.request("POST", path, idempotent=False, files=fields))
        if reply["code"] != 200:
            raise ServiceError(describe(reply["code"], reply.get("message")), code=reply["code"])
        return reply.get("data") or {}

    async def render(self, tpl_id: int, assets: list[dict[str, Any]], *,
                     args: dict[str, Any] | None = None, tpl_version: str | None = None,
                     dynamic: bool = False) -> str:
        # JSON-valued parameters are signed as the exact string that is sent.
        params = {"tpl_id": tpl_id, "tpl_version": tpl_version,
                  "assets": json.dumps(assets, ensure_ascii=False, separators=(",", ":")),
                  "args": json.dumps(args, separators=(",", ":")) if args else None}
        data = await self._post("/v1/render/dynamic" if dynamic else "/v1/render", params)
        task_id = data.get("task_id")
        if not task_id:
            raise ServiceError("render accepted but no task_id came back")
        return str(task_id)

    async def upload(self, paths: list[Path]) -> list[str]:
        files = [("file", (path.name, path.read_bytes())) for path in paths]
        data = await self._post("/v1/asset", {}, files)
        return [str(u) for u in data.get("urls") or []]
