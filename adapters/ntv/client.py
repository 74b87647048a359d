"""NTV Media Server G3 client: challenge-response login, token in memory, GET for every call.

A token dies after 30 idle minutes and the spec gives no code for that, so any non-zero answer to
a read that carried a token may mean expiry: log in again once and repeat the read.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from ..http import HttpTransport, one_line
from ..model import ServiceError

MAX_PAGES = 1000


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def login_hash(password: str, challenge: str) -> str:
    return md5(md5(password) + challenge)


def number(value: Any, default: int = 0) -> int:
    """Counts in NTV replies are often strings; sometimes missing."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


class NtvError(ServiceError):
    pass


class NtvClient:
    def __init__(self, http: HttpTransport, *, username: str, password: str) -> None:
        self.http = http
        self.username = username
        self._password = password
        self._token: str | None = None
        self._login_lock = asyncio.Lock()

    async def _get(self, group: str, request: str, params: dict[str, Any], *,
                   idempotent: bool, token: bool = True) -> dict[str, Any]:
        query = {"request": request, **{k: v for k, v in params.items() if v is not None}}
        if token:
            query["token"] = self._token
        response = await self.http.request("GET", f"{group}/", idempotent=idempotent,
                                           params=query)
        reply = self.http.json_of(response)
        if not isinstance(reply, dict) or "code" not in reply:
            raise NtvError(f"bad reply (HTTP {response.status_code}, no 'code' field)")
        return reply

    @staticmethod
    def _failed(reply: dict[str, Any]) -> bool:
        return number(reply.get("code"), -1) != 0

    def _error(self, what: str, reply: dict[str, Any]) -> NtvError:
        text = one_line(str(reply.get("err_desc") or "no description"), 160)
        return NtvError(self.http.redact(f"{what}: {text} (code {reply.get('code')})"),
                        code=reply.get("code"))

    async def login(self) -> None:
        first = await self._get("userAuth", "login1", {"username": self.username},
                                idempotent=True, token=False)
        if self._failed(first):
            raise self._error("login refused", first)
        challenge = str(first.get("err_desc") or "")
        second = await self._get("userAuth", "login2", {
            "username": self.username, "hash": login_hash(self._password, challenge)},
            idempotent=False, token=False)
        if self._failed(second):
            raise self._error("login refused", second)
        self._token = str(second.get("err_desc") or "")
        self.http.redact.add(self._token)

    async def _relogin(self, stale: str | None) -> None:
        """Reads run side by side: the first to see a dead token logs in, the rest reuse it."""
        async with self._login_lock:
            if self._token == stale:
                await self.login()

    async def logout(self) -> None:
        if self._token is None:
            return
        try:
            await self._get("userAuth", "logout", {}, idempotent=False)
        finally:
            self._token = None

    async def read(self, group: str, request: str, **params: Any) -> dict[str, Any]:
        """A read with the token; one fresh login and one repeat if the answer is not 0."""
        if self._token is None:
            await self._relogin(None)
        used = self._token
        reply = await self._get(group, request, params, idempotent=True)
        if self._failed(reply):
            await self._relogin(used)
            reply = await self._get(group, request, params, idempotent=True)
            if self._failed(reply):
                raise self._error(f"{group} {request}", reply)
        return reply

    async def items(self, group: str, request: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of every page; `items` may be missing, null, a list or an object."""
        collected: list[dict[str, Any]] = []
        page = 1
        while page <= MAX_PAGES:
            reply = await self.read(group, request, **params,
                                    **({"pageno": page} if page > 1 else {}))
            data = reply.get("data") or {}
            items = data.get("items") if isinstance(data, dict) else None
            if isinstance(items, dict):
                items = list(items.values())
            collected.extend(i for i in items or [] if isinstance(i, dict))
            if number(data.get("pages"), 1) <= number(data.get("page"), page):
                break
            page += 1
        return collected

    async def act(self, group: str, request: str, **params: Any) -> None:
        """An action: never repeated; a refusal says the server's own words."""
        if self._token is None:
            await self.login()
        reply = await self._get(group, request, params, idempotent=False)
        if self._failed(reply):
            raise self._error(f"{group} {request} refused", reply)
