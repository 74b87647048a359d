"""The one HTTP transport: deadlines, bounded retries for reads only, error mapping, redaction.

- Every request has a deadline for the whole exchange, body included: a reply that drips one
  byte a second never satisfies httpx's per-read timeout, but it does not outlive the deadline.
- Reads retry on connection errors and 5xx; writes never do.
- A write whose request may have reached the service but whose answer never came (a timeout
  after sending, a reset, a gateway timeout) raises OutcomeUnknown, never a plain refusal.
- Every message that leaves here went through the Redactor first, and was cut after that.
- A reply is read up to `max_reply_bytes` (config `max_reply_mb`, default 20) and no further: a
  50 MB task list took the console to 352 MB of memory.
"""

from __future__ import annotations

import asyncio
import html
import json as jsonlib
import os
import random
import re
import ssl
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit
from urllib.request import proxy_bypass_environment

import httpx

from . import jsonsafe
from .model import OutcomeUnknown, ServiceError

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
REQUEST_DEADLINE_S = 10.0
READ_ATTEMPTS = 3
BACKOFF_S = (0.25, 0.75)
# An upload of many gigabytes takes as long as it takes; only a stall (no byte moving) ends it.
UPLOAD_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=120.0, pool=10.0)
UNKNOWN_STATUSES = {502, 504}   # a gateway gave up waiting: the service may have acted
# httpx keeps an idle connection 5 s: items asked every 8 s (cadence.py) found theirs gone each
# time and paid a new handshake (TLS too, on a real service). A server that closes an idle
# connection sooner is no harm: httpcore sees it closed before reusing it and opens another.
KEEPALIVE_S = 30.0
MAX_REPLY_BYTES = 20 * 1024 * 1024
MB = 1024 * 1024
# Headers of the body as it travelled; the reply handed on carries the body as read.
_BODY_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}

_tls: ssl.SSLContext | None = None


def shared_tls() -> ssl.SSLContext:
    """One TLS context for every service. httpx makes a new one per client, reading the CA
    bundle again each time: about 35 ms a service, which six services paid before the first
    frame (measured in bench/bench_terminal.py's startup)."""
    global _tls
    if _tls is None:
        _tls = httpx.create_ssl_context()
    return _tls


class Redactor:
    """Replaces every known secret in a text, in the forms it takes inside error messages too
    (repr- and JSON-escaped, percent-encoded); applied to anything that may reach a screen or log."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not secret or len(secret) < 4:
            return
        forms = {secret, repr(secret)[1:-1], jsonlib.dumps(secret)[1:-1],
                 quote(secret, safe=""), quote_plus(secret), secret.strip()}
        for form in forms:
            if len(form) >= 4 and form not in self._forms:
                self._forms.append(form)
        self._forms.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, "•••")
        return text

    def line(self, text: str, limit: int = 200) -> str:
        """Redact first, then flatten and cut: a cut must never leave a secret's prefix."""
        return one_line(self(str(text)), limit)


def one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# A JSON string escape that may decode to a lone surrogate: only then is a reply walked.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_HTML = re.compile(r"\s*(<!doctype html|<html|<head|<body|<title|<h1|<center)", re.IGNORECASE)
_HTML_HIDDEN = re.compile(r"<(head|script|style)\b.*?</\1\s*>|<!--.*?-->",
                          re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def decode_body(body: bytes) -> str:
    """A reply's bytes as text: UTF-8 (or the UTF-16/32 a JSON body may come in), with every
    undecodable byte replaced by U+FFFD rather than the whole reply refused."""
    return body.decode(jsonlib.detect_encoding(body), "replace")


def parse_json(text: str, decoder: jsonlib.JSONDecoder | None = None) -> Any:
    """JSON text parsed, its strings made valid text where they enter (a `\\ud800` escape
    decodes to a lone surrogate, which no writer downstream could write)."""
    value = (decoder or _DECODER).decode(text)
    return jsonsafe.valid(value) if _ESCAPED_SURROGATE.search(text) else value


def html_words(text: str) -> str:
    """What an HTML error page says, without its tags: `<h1>502 Bad Gateway</h1>` is
    `502 Bad Gateway`. Other text is returned as it is."""
    if not _HTML.match(text):
        return text
    return html.unescape(_HTML_TAG.sub(" ", _HTML_HIDDEN.sub(" ", text)))


def _detail(exc: BaseException) -> str:
    """The most specific words an exception chain has ('Connection reset by peer')."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        text = str(current).strip()
        if text and not text.startswith("[Errno"):
            return text
        current = current.__cause__ or current.__context__
    return ""


TRANSPORT_WORDS: tuple[tuple[type[Exception], str], ...] = (
    (httpx.ConnectTimeout, "timed out connecting"),
    (httpx.ConnectError, "unreachable"),
    (httpx.ReadTimeout, "timed out waiting for the reply"),
    (httpx.WriteTimeout, "timed out sending the request"),
    (httpx.PoolTimeout, "no free connection to the service"),
    (httpx.ReadError, "connection lost while reading the reply"),
    (httpx.WriteError, "connection lost while sending the request"),
    (httpx.RemoteProtocolError, "the service broke off the HTTP exchange"),
    (httpx.LocalProtocolError, "the request could not be sent"),
    (httpx.UnsupportedProtocol, "base_url is not an http:// or https:// URL"),
    (httpx.ProxyError, "the proxy refused the request"),
)
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
              httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.ProxyError)


def describe_transport(exc: httpx.TransportError, redact: Redactor) -> str:
    words = next((w for cls, w in TRANSPORT_WORDS if isinstance(exc, cls)),
                 type(exc).__name__)
    detail = redact.line(_detail(exc), 100)
    if isinstance(exc, httpx.ConnectError) and not detail:
        detail = "connection refused"
    return f"{words}: {detail}" if detail and detail.lower() != words else words


def describe_exception(exc: BaseException, redact: Redactor) -> str:
    detail = redact.line(_detail(exc), 100)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


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
        deadline: float = REQUEST_DEADLINE_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.redact = redact
        self.max_reply_bytes = MAX_REPLY_BYTES
        self.backoff = backoff
        self.deadline = deadline
        self._transport, self._timeout = transport, timeout
        self._client: httpx.AsyncClient | None = None   # made by the first request, not at start
        self._urls: dict[str, httpx.URL] = {}

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            try:
                self._client = httpx.AsyncClient(
                    base_url=self.base_url, transport=self._transport, timeout=self._timeout,
                    headers={"User-Agent": "jobdeck"}, follow_redirects=False,
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=20,
                                        keepalive_expiry=KEEPALIVE_S),
                    verify=shared_tls() if self._transport is None else True,
                )
            except ImportError:   # httpx reads a proxy from the environment it cannot use
                proxy = proxy_for(self.base_url)
                named = f"the proxy {proxy[1]} ({proxy[0]})" if proxy else "a SOCKS proxy"
                raise ServiceError(f"{named} needs SOCKS support: pip install 'httpx[socks]' "
                                   "beside jobdeck, or unset that variable") from None
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str | httpx.URL,
        *,
        idempotent: bool,
        headers: dict[str, str] | Callable[[], dict[str, str]] | None = None,
        content: Any = None,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files: list[tuple[str, tuple[str | None, Any]]] | None = None,
        json: Any = None,
        deadline: float | None = -1.0,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """`deadline` seconds for the whole exchange (None: no deadline, for uploads).
        `headers` may be a function, called for each attempt: a signature with a nonce is
        made anew for a retry (the service refuses a nonce it has seen)."""
        limit = self.deadline if deadline == -1.0 else deadline
        attempts = READ_ATTEMPTS if idempotent else 1
        last: ServiceError | None = None
        for attempt in range(attempts):
            if attempt:
                delay = self.backoff[min(attempt - 1, len(self.backoff) - 1)]
                await asyncio.sleep(delay * (1 + random.random() / 4))
            try:
                async with asyncio.timeout(limit):
                    response = await self._exchange(self.client.build_request(
                        method, self._url(path), headers=headers() if callable(headers) else headers,
                        content=content, params=params,
                        data=data, files=files, json=json,
                        timeout=timeout or httpx.USE_CLIENT_DEFAULT,
                    ))
            except _TooLarge:
                why = f"reply larger than {self.max_reply_bytes / MB:g} MB (max_reply_mb)"
                if idempotent:
                    raise ServiceError(f"{why}: not read") from None
                raise OutcomeUnknown(f"{why}: the answer was not read") from None
            except TimeoutError:
                last = self._lost(idempotent, f"no complete reply within {limit:g} s")
                continue
            except httpx.TransportError as exc:
                why = describe_transport(exc, self.redact)
                last = ServiceError(why) if isinstance(exc, NEVER_SENT) \
                    else self._lost(idempotent, why)
                continue
            if response.status_code >= 500:
                why = f"HTTP {response.status_code}" + self._snippet(response, 60, prefix=": ")
                if not idempotent and response.status_code in UNKNOWN_STATUSES:
                    last = OutcomeUnknown(why, code=response.status_code)
                else:
                    last = ServiceError(why, code=response.status_code)
                continue
            return response
        assert last is not None
        raise last

    def _url(self, path: str | httpx.URL) -> httpx.URL:
        """The whole URL of a path, as the client would join it to the base (parsed once per
        path: a poll asks the same few paths again and again)."""
        if isinstance(path, httpx.URL):
            return path
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= 256:
                self._urls.clear()
            url = httpx.URL(path)
            if not url.is_absolute_url:
                url = httpx.URL(f"{self.base_url}/{path.lstrip('/')}")
            self._urls[path] = url
        return url

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """Send, and read the body up to max_reply_bytes (as decoded: a small gzip that unpacks
        to gigabytes is stopped too)."""
        response = await self.client.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_reply_bytes:
                raise _TooLarge
            if declared.isdigit() and "content-encoding" not in response.headers \
                    and "transfer-encoding" not in response.headers:
                # The body is as long as declared (h11 reads no further; with chunks it would
                # follow them instead), so it may be read whole: the usual reply, no copy.
                await response.aread()
                return response
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_reply_bytes:
                    raise _TooLarge
        finally:
            await response.aclose()
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in _BODY_HEADERS]
        return httpx.Response(response.status_code, headers=headers, content=bytes(body),
                              request=request, extensions=response.extensions)

    @staticmethod
    def _lost(idempotent: bool, why: str) -> ServiceError:
        return ServiceError(why) if idempotent else OutcomeUnknown(why)

    def _snippet(self, response: httpx.Response, limit: int, prefix: str = "") -> str:
        """A few words of a reply for an error message: an HTML page by its words, unquoted;
        other text quoted. Redacted first, then folded and cut."""
        try:
            text = response.text
        except (UnicodeDecodeError, httpx.HTTPError):
            return ""
        words = html_words(text)
        shown = self.redact.line(words, limit)
        if not shown:
            return ""
        return f"{prefix}{shown}" if words is not text else f"{prefix}{shown!r}"

    def json_of(self, response: httpx.Response) -> Any:
        """The reply as JSON. NaN and Infinity are not JSON, whatever Python's parser allows."""
        try:
            return parse_json(decode_body(response.content))
        except ValueError:
            raise ServiceError(
                f"bad reply (HTTP {response.status_code}, not JSON"
                + self._snippet(response, 60, prefix=": ") + ")"
            ) from None

    def json_values(self, response: httpx.Response) -> list[Any]:
        """Every JSON value in a body, in order: some servers write an error reply and then the
        data reply into one body (FinalRip's list.go does, when a presign fails mid-list)."""
        text = decode_body(response.content)
        values, at = [], 0
        while True:
            while at < len(text) and text[at].isspace():
                at += 1
            if at >= len(text):
                break
            try:
                value, at = _DECODER.raw_decode(text, at)
            except ValueError:
                raise ServiceError(
                    f"bad reply (HTTP {response.status_code}, not JSON"
                    + self._snippet(response, 60, prefix=": ") + ")") from None
            values.append(value)
        if not values:
            raise ServiceError(f"bad reply (HTTP {response.status_code}, empty body)")
        return jsonsafe.valid(values) if _ESCAPED_SURROGATE.search(text) else values


def proxy_for(url: str) -> tuple[str, str] | None:
    """The proxy the environment gives requests to `url`, as httpx reads it (HTTP_PROXY,
    HTTPS_PROXY, ALL_PROXY, lower case first, NO_PROXY): (the variable, the proxy with any
    password masked); None when requests go straight to the service."""
    parts = urlsplit(url)
    for scheme in (parts.scheme, "all"):
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
            proxy = os.environ.get(name)
            if not proxy:
                continue
            no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
            host = parts.hostname or ""
            if no_proxy and proxy_bypass_environment(host, {"no": no_proxy}):
                return None
            return name, _masked(proxy)
    return None


def _masked(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.username is None and parts.password is None:
        return url
    return parts._replace(netloc=f"•••@{parts.hostname}"
                          + (f":{parts.port}" if parts.port else "")).geturl()


class _TooLarge(Exception):
    """A reply bigger than max_reply_bytes."""


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = jsonlib.JSONDecoder(parse_constant=_not_json)
