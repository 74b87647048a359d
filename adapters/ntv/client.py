"""NTV Media Server G3 client: challenge-response login, token in memory, GET for every call.

A token dies after 30 idle minutes and the spec gives no code for that, so any non-zero answer to
a read that carried a token may mean expiry: log in again once and repeat the read. If the repeat
is refused the same way, that read is refused for what it is (a server without the module, an
account limited by auth_func/auth_app, spec 15.1), not for the token: it is remembered for
REFUSAL_MEMORY_S, and while the token is seen working for other reads, its refusals start no
new login. (When no read works with the token, it is the token: a login, shared by every read.)
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobdeck.adapters.contract.http import HttpTransport
from jobdeck.adapters.contract.model import ServiceError
from jobdeck.adapters.contract.paging import Pager

REFUSAL_MEMORY_S = 600.0
# Section 1.9 of the spec: paged replies take `page`; the sections of get_streams and
# get_stream_files name `pageno` instead.
PAGE_PARAM = {("streamMgr", "get_streams"): "pageno", ("streamMgr", "get_stream_files"): "pageno"}
# A list of many pages (a server with hundreds of live streams: 20 a page, chosen by the
# server, spec 1.9) is read whole at most this often; between, its first page and its count,
# and the whole again at once when the count or the number of pages changes.
REST_EVERY_S = 10.0


@dataclass(slots=True)
class _Rest:
    """A list's pages after the first, as last read whole, and the counts they went with."""
    total: Any
    pages: Any
    items: list[dict[str, Any]]
    read_at: float


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def login_hash(password: str, challenge: str) -> str:
    return md5(md5(password) + challenge)


def number(value: Any, default: int = 0) -> int:
    """Counts in NTV replies are often strings; sometimes missing."""
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return default


class NtvError(ServiceError):
    pass


class NtvClient:
    def __init__(self, http: HttpTransport, *, username: str, password: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http = http
        self.username = username
        self._password = password
        self._token: str | None = None
        self._login_lock = asyncio.Lock()
        self.clock = clock
        self.logins = 0
        self._refused: dict[tuple[str, str], float] = {}   # read -> when it was found refused
        self._working: str | None = None   # a token some read has succeeded with
        self.warnings: list[str] = []
        self._rest: dict[tuple[str, str], _Rest] = {}

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
        text = str(reply.get("err_desc") or "no description")
        return NtvError(self.http.redact.line(f"{what}: {text} (code {reply.get('code')})", 200),
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
        self.logins += 1

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

    def _known_refused(self, read: tuple[str, str], token: str | None) -> bool:
        when = self._refused.get(read)
        return when is not None and self.clock() - when < REFUSAL_MEMORY_S \
            and token is not None and token == self._working

    async def read(self, group: str, request: str, **params: Any) -> dict[str, Any]:
        """A read with the token; one fresh login and one repeat if the answer is not 0,
        unless this read was found refused for itself within REFUSAL_MEMORY_S."""
        if self._token is None:
            await self._relogin(None)
        used = self._token
        reply = await self._get(group, request, params, idempotent=True)
        if not self._failed(reply):
            self._working = used
            return reply
        read = (group, request)
        if self._known_refused(read, used):
            raise self._error(f"{group} {request}", reply)
        await self._relogin(used)
        fresh = self._token
        reply = await self._get(group, request, params, idempotent=True)
        if self._failed(reply):
            self._refused[read] = self.clock()   # a fresh token did not help: not an expiry
            raise self._error(f"{group} {request}", reply)
        self._working = fresh
        self._refused.pop(read, None)
        return reply

    async def items(self, group: str, request: str, key: Callable[[dict[str, Any]], Any] = id,
                    *, rest_every: float | None = None, said: list[str] | None = None,
                    **params: Any) -> list[dict[str, Any]]:
        """Every item of every page, each once by `key`; `items` may be missing, null, a list
        or an object. A paging problem is a warning, in `said` if given, else in `warnings`.
        A reply without `pages` is the only page. With `rest_every`, the pages
        after the first are read again only that often, or when the first page's counts
        (`total`, `pages`) differ from the last whole read's: what a poll of a big list asks
        does not grow with its length."""
        pager = Pager(f"{group} {request}", key=key)
        page_param = PAGE_PARAM.get((group, request), "page")
        page = 1
        rest = self._rest.get((group, request)) if rest_every is not None else None
        first, counts = 0, (None, None)   # where the first page ends, and its counts
        while True:
            reply = await self.read(group, request, **params,
                                    **({page_param: page} if page > 1 else {}))
            data = reply.get("data") or {}
            items = data.get("items") if isinstance(data, dict) else None
            if isinstance(items, dict):
                items = list(items.values())
            rows = [i for i in items or [] if isinstance(i, dict)] if isinstance(items, list) \
                else []
            pages = data.get("pages") if isinstance(data, dict) else None
            total = data.get("total") if isinstance(data, dict) else None
            more = pager.take(page, rows, pages)
            if page == 1 and rest_every is not None:
                if not more:
                    self._rest.pop((group, request), None)
                elif rest is not None and (rest.total, rest.pages) == (total, pages) \
                        and total is not None and self.clock() - rest.read_at < rest_every:
                    # the same counts, read whole a moment ago: the first page, then the rest
                    # as it was (an item the first page holds now is not taken twice)
                    for item in rest.items:
                        pager.take_item(item)
                    return pager.items
                first, counts = len(pager.items), (total, pages)
            if not more:
                if pager.stopped_early and "empty" not in pager.stopped_early:
                    (self.warnings if said is None else said).append(pager.stopped_early)
                if rest_every is not None and page > 1 and not pager.stopped_early:
                    self._rest[(group, request)] = _Rest(counts[0], counts[1],
                                                         pager.items[first:], self.clock())
                return pager.items
            page += 1

    async def act(self, group: str, request: str, **params: Any) -> None:
        """An action: never repeated; a refusal says the server's own words."""
        if self._token is None:
            await self.login()
        reply = await self._get(group, request, params, idempotent=False)
        if self._failed(reply):
            raise self._error(f"{group} {request} refused", reply)
