"""FinalRip API client: `token` header, parameters as form fields or query, never JSON.

Replies are read as the server (TensoRaws/FinalRip, module/resp/gin.go) writes them: every
failure is HTTP 200 with {"success": false, "error": {"message": ...}}, and a handler that fails
part-way and then finishes (server/internal/service/task/list.go and progress.go presign URLs
in goroutines that each may write an error reply) leaves several JSON values in one body; the
last success is the answer, the errors before it are warnings.
"""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from jobdeck.adapters.contract.http import UPLOAD_TIMEOUT, HttpTransport
from jobdeck.adapters.contract.model import ServiceError

API = "/api/v1/task"
CHUNK = 256 * 1024


def success(value: Any) -> bool | None:
    """`success` as sent: true/false, or the words for them; anything else is no answer."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


class FinalRipClient:
    def __init__(self, http: HttpTransport, *, token: str) -> None:
        self.http = http
        self._token = token
        self.warnings: list[str] = []   # errors a reply carried before its data

    async def _call(self, method: str, endpoint: str, fields: dict[str, Any], *,
                    idempotent: bool) -> Any:
        values = {k: str(v).lower() if isinstance(v, bool) else str(v)
                  for k, v in fields.items() if v is not None}
        response = await self.http.request(
            method, f"{API}/{endpoint}", idempotent=idempotent, headers={"token": self._token},
            params=values if method == "GET" else None,
            data=values if method != "GET" else None)
        errors: list[str] = []
        for reply in self.http.json_values(response):
            if not isinstance(reply, dict) or success(reply.get("success")) is None:
                raise ServiceError(f"bad reply (HTTP {response.status_code}, "
                                   "no true/false 'success' field)")
            if success(reply["success"]):
                self.warnings += [f"{endpoint}: {e}" for e in errors]
                return reply.get("data")
            error = reply.get("error")
            message = error.get("message") if isinstance(error, dict) else None
            errors.append(self.http.redact.line(str(message or "request failed"), 300))
        raise ServiceError(errors[-1])

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
        """PUT the file to the presigned url in chunks, reporting bytes sent. A big file takes
        as long as it takes: no deadline for the whole, only a stall timeout per chunk. The
        type is set as TensoRaws/AnimePipeline's client sets it (mimetypes, else octet-stream),
        since a presigned PUT may be signed for it."""
        total = path.stat().st_size
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"

        async def chunks() -> AsyncIterator[bytes]:
            sent = 0
            with path.open("rb") as handle:
                while block := handle.read(CHUNK):
                    sent += len(block)
                    yield block
                    if on_progress:
                        on_progress(sent, total)

        response = await self.http.request(
            "PUT", url, idempotent=False, content=chunks(), deadline=None,
            timeout=UPLOAD_TIMEOUT, headers={"Content-Length": str(total), "Content-Type": kind})
        if response.status_code >= 300:
            raise ServiceError(f"upload refused by storage: HTTP {response.status_code} "
                               f"{self.http.redact.line(response.text, 120)}")

    async def new(self, video_key: str) -> Any:
        return await self._call("POST", "new", {"video_key": video_key}, idempotent=False)

    async def start(self, video_key: str, script: str, encode_param: str) -> Any:
        return await self._call("POST", "start", {"video_key": video_key, "script": script,
                                                  "encode_param": encode_param},
                                idempotent=False)

    async def retry_encode(self, video_key: str, index: int, script: str | None = None,
                           encode_param: str | None = None) -> Any:
        """The current server binds only video_key and index and reuses the stored command
        (service/task/retry.go); older servers require script and encode_param too, so they go
        along when known."""
        return await self._call("POST", "retry/encode", {
            "video_key": video_key, "index": index, "script": script or None,
            "encode_param": encode_param or None}, idempotent=False)

    async def retry_merge(self, video_key: str) -> Any:
        return await self._call("POST", "retry/merge", {"video_key": video_key},
                                idempotent=False)

    async def clear(self, video_key: str) -> Any:
        return await self._call("POST", "clear", {"video_key": video_key}, idempotent=False)
