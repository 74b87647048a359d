"""How HttpTransport reads a reply: whole when its length is declared and plain, piece by
piece under max_reply_bytes otherwise; and the URL a path becomes under the base URL."""

from __future__ import annotations

import asyncio
import gzip

import httpx
import pytest

from jobdeck.adapters.contract.http import HttpTransport, Redactor
from jobdeck.adapters.contract.model import ServiceError


def transport(handler, base: str = "http://svc.test/api") -> HttpTransport:
    return HttpTransport(base, redact=Redactor(), backoff=(0.0,),
                         transport=httpx.MockTransport(handler))


async def test_a_declared_plain_reply_is_read_whole_with_its_headers():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"ok": 1}', headers={"X-Server": "sim"})

    http = transport(handler)
    response = await http.request("GET", "/list", idempotent=True)
    assert http.json_of(response) == {"ok": 1}
    assert response.headers["x-server"] == "sim" and response.headers["content-length"] == "9"
    await http.close()


async def test_a_small_gzip_that_unpacks_past_the_limit_is_refused():
    # declared and short, but encoded: only the piece-by-piece read can see what it unpacks to
    packed = gzip.compress(b"[" + b"0," * 600_000 + b"0]")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=packed, headers={"Content-Encoding": "gzip"})

    http = transport(handler)
    http.max_reply_bytes = 1024 * 1024
    assert len(packed) < http.max_reply_bytes
    with pytest.raises(ServiceError, match="reply larger than 1 MB"):
        await http.request("GET", "/list", idempotent=True)
    http.max_reply_bytes = 4 * 1024 * 1024   # under the limit, it is read and unpacked
    response = await http.request("GET", "/list", idempotent=True)
    assert len(http.json_of(response)) == 600_001
    await http.close()


async def test_a_path_joins_the_base_as_the_client_would_and_keeps_its_parameters():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=b"{}")

    http = transport(handler, "http://svc.test/api/")
    for path, params in (("/v1/list", {"page": 2}), ("v1/list", {"page": 3}),
                         ("/go?to=http://x.test/y", None),
                         ("/v1/list?request=x", None), ("/v1/list", None),
                         (httpx.URL("http://other.test/abs"), {"a": "b c"}),
                         ("http://third.test/x", None)):
        await http.request("GET", path, idempotent=True, params=params)
    assert seen == ["http://svc.test/api/v1/list?page=2", "http://svc.test/api/v1/list?page=3",
                    "http://svc.test/api/go?to=http://x.test/y",
                    "http://svc.test/api/v1/list?request=x", "http://svc.test/api/v1/list",
                    "http://other.test/abs?a=b+c", "http://third.test/x"]
    await http.close()


async def test_a_chunked_reply_that_also_declares_a_length_is_still_cut_at_the_limit():
    # h11 follows the chunks and not the declared length: reading it whole would take it all
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"y" * 65536
        for _ in range(48):   # 3 MB
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    http = HttpTransport(f"http://127.0.0.1:{port}", redact=Redactor(), backoff=(0.0,))
    http.max_reply_bytes = 1024 * 1024
    try:
        with pytest.raises(ServiceError, match="reply larger than 1 MB"):
            await http.request("GET", "/list", idempotent=False)
    finally:
        await http.close()
        server.close()
