"""The one HTTP transport: timeouts, bounded retries for reads only, error mapping, redaction."""

from __future__ import annotations

import asyncio
import json as jsonlib
import random
from collections.abc import Iterable
from typing import Any

import httpx

from .model import ServiceError

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
READ_ATTEMPTS = 3
BACKOFF_S = (0.25, 0.75)


class Redactor:
    """Replaces every known secret in a text; applied to anything that may reach a screen or log."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "•••")
        return text


def one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class HttpTransport:
    """Wraps an httpx.AsyncClient. Reads retry on connection errors and 5xx; writes never do."""

    def __init__(
        self,
        base_url: str,
        *,
        redact: Redactor,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        backoff: tuple[float, ...] = BACKOFF_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.redact = redact
        self.backoff = backoff
        self._client = httpx.AsyncClient(
            base_url=self.base_url, transport=transport, timeout=timeout,
            headers={"User-Agent": "jobdeck"}, follow_redirects=False,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        headers: dict[str, str] | None = None,
        content: Any = None,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files: list[tuple[str, tuple[str | None, Any]]] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        attempts = READ_ATTEMPTS if idempotent else 1
        last: ServiceError | None = None
        for attempt in range(attempts):
            if attempt:
                delay = self.backoff[min(attempt - 1, len(self.backoff) - 1)]
                await asyncio.sleep(delay * (1 + random.random() / 4))
            try:
                response = await self._client.request(
                    method, path, headers=headers, content=content, params=params, data=data,
                    files=files, json=json,
                )
            except httpx.TimeoutException:
                last = ServiceError("timed out")
                continue
            except httpx.TransportError as exc:
                last = ServiceError(self._describe(exc))
                continue
            if response.status_code >= 500:
                last = ServiceError(f"HTTP {response.status_code}", code=response.status_code)
                continue
            return response
        assert last is not None
        raise last

    def _describe(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.ConnectError):
            return "unreachable: " + self.redact(one_line(str(exc) or "connection refused", 80))
        return self.redact(one_line(f"{type(exc).__name__}: {exc}", 120))

    def json_of(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (jsonlib.JSONDecodeError, UnicodeDecodeError):
            snippet = self.redact(one_line(response.text, 60))
            raise ServiceError(
                f"bad reply (HTTP {response.status_code}, not JSON: {snippet!r})"
            ) from None
