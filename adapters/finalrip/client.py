"""FinalRip API client: `token` header, parameters as form fields or query, never JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from ..http import HttpTransport, one_line
from ..model import ServiceError

API = "/api/v1/task"
CHUNK = 256 * 1024


class FinalRipClient:
    def __init__(self, http: HttpTransport, *, token: str) -> None:
        self.http = http
        self._token = token

    async def _call(self, method: str, endpoint: str, fields: dict[str, Any], *,
                    idempotent: bool) -> Any:
        values = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
        response = await self.http.request(
            method, f"{API}/{endpoint}", idempotent=idempotent, headers={"token": self._token},
            params=values if method == "GET" else None,
            data=values if method != "GET" else None)
        reply = self.http.json_of(response)
        if not isinstance(reply, dict) or "success" not in reply:
            raise ServiceError(f"bad reply (HTTP {response.status_code}, no 'success' field)")
        if not reply["success"]:  # whatever the HTTP status: the server's message is the error
            message = (reply.get("error") or {}).get("message") or "request failed"
            raise ServiceError(self.http.redact(one_line(message, 300)))
        return reply.get("data")

    async def list(self, pending: bool = True, running: bool = True,
                   completed: bool = True) -> list[dict[str, Any]]:
        data = await self._call("GET", "list", {"pending": pending, "running": running,
                                                "completed": completed}, idempotent=True)
        return [d for d in data or [] if isinstance(d, dict)]

    async def progress(self, video_key: str) -> dict[str, Any]:
        return await self._call("GET", "progress", {"video_key": video_key},
                                idempotent=True) or {}

    async def presigned(self, video_key: str) -> dict[str, Any]:
        return await self._call("GET", "oss/presigned", {"video_key": video_key},
                                idempotent=True) or {}

    async def upload(self, url: str, path: Path,
                     on_progress: Callable[[int, int], None] | None = None) -> None:
        """PUT the file to the presigned url in chunks, reporting bytes sent."""
        total = path.stat().st_size

        async def chunks() -> AsyncIterator[bytes]:
            sent = 0
            with path.open("rb") as handle:
                while block := handle.read(CHUNK):
                    sent += len(block)
                    yield block
                    if on_progress:
                        on_progress(sent, total)

        response = await self.http.request("PUT", url, idempotent=False, content=chunks(),
                                           headers={"Content-Length": str(total)})
        if response.status_code >= 300:
            raise ServiceError(f"upload refused by storage: HTTP {response.status_code} "
                               f"{one_line(response.text, 120)}")

    async def new(self, video_key: str) -> Any:
        return await self._call("POST", "new", {"video_key": video_key}, idempotent=False)

    async def start(self, video_key: str, script: str, encode_param: str) -> Any:
        return await self._call("POST", "start", {"video_key": video_key, "script": script,
                                                  "encode_param": encode_param},
                                idempotent=False)

    async def retry_encode(self, video_key: str, index: int, script: str,
                           encode_param: str) -> Any:
        return await self._call("POST", "retry/encode", {
            "video_key": video_key, "index": index, "script": script,
            "encode_param": encode_param}, idempotent=False)

    async def retry_merge(self, video_key: str) -> Any:
        return await self._call("POST", "retry/merge", {"video_key": video_key},
                                idempotent=False)

    async def clear(self, video_key: str) -> Any:
        return await self._call("POST", "clear", {"video_key": video_key}, idempotent=False)
