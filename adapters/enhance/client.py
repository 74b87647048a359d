"""Image-enhance API client: JSON POSTs with a `token` header, one method per call."""

from __future__ import annotations

from typing import Any

from jobdeck.adapters.contract.http import HttpTransport, one_line
from jobdeck.adapters.contract.model import ServiceError
from jobdeck.adapters.contract.values import integer

CODE_MEANINGS: dict[int, str] = {
    1001001: "creating the task failed",
    1001002: "the picture url could not be validated (it must be a direct link)",
    1001003: "the picture is too large (at most 20 MB, 64 to 9216 pixels a side)",
    1001004: "file type not supported",
    1002001: "task does not exist",
    1002002: "task was deleted",
    1003002: "insufficient balance",
}


def describe(code: Any, message: Any = None) -> str:
    meaning = CODE_MEANINGS.get(code) if isinstance(code, int) else None
    text = one_line(str(message or ""), 120)
    if meaning and text and text.lower() != meaning.lower():
        return f"{meaning} ({code}: {text})"
    return f"{meaning or text or 'error'} ({code})"


class EnhanceClient:
    def __init__(self, http: HttpTransport, *, token: str) -> None:
        self.http = http
        self._token = token

    async def call(self, name: str, body: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        response = await self.http.request("POST", f"/{name}", idempotent=idempotent,
                                           headers={"token": self._token}, json=body)
        reply = self.http.json_of(response)
        if not isinstance(reply, dict) or "code" not in reply:
            raise ServiceError(f"bad reply (HTTP {response.status_code}, no 'code' field)")
        code = integer(reply["code"], "code")   # "0" is as good as 0
        if code != 0:
            raise ServiceError(describe(code, self.http.redact(str(reply.get("msg") or ""))),
                               code=code)
        data = reply.get("data") or {}
        if not isinstance(data, dict):
            raise ServiceError(f"bad reply to {name} (data is not an object)")
        return data

    async def create(self, picurl: str, enhance_type: int, chtaskid: str | None = None) -> dict:
        body: dict[str, Any] = {"picurl": picurl, "type": enhance_type}
        if chtaskid:
            body["chtaskid"] = chtaskid
        return await self.call("createtask", body, idempotent=False)

    async def get(self, task_id: str, enhance_type: int) -> dict[str, Any]:
        return await self.call("gettask", {"taskid": task_id, "type": enhance_type},
                               idempotent=True)

    async def delete(self, task_id: str) -> dict[str, Any]:
        return await self.call("deletetask", {"taskid": task_id}, idempotent=False)
