"""What every simulator shares: one request/response shape, served in-process or over real HTTP,
and the faults a bad day brings, injected on purpose.

In-process, a simulator is an httpx transport, so adapters run unchanged against it (demo, tests).
Over HTTP, the same handler sits behind a stdlib ThreadingHTTPServer bound to loopback.

Faults (`sim.inject(Fault.parse("hang@30"))`, or `jobdeck sim serve --fault NAME:FAULT`):
latency=S, hang, drip, 5xx, html, reset, truncated, shape, auth, skew=S, down=S; `@S` ends any
of them after S seconds. Each transport plays them as a real network would show them.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import httpx

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

FAULTS = ("latency", "hang", "drip", "5xx", "html", "reset", "truncated", "shape", "auth",
          "skew", "down")
WITH_VALUE = {"latency": 2.0, "skew": 3600.0, "down": 30.0}
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
             b"<h1>Bad Gateway</h1><p>The proxy could not reach the service.</p></body></html>")


@dataclass(slots=True)
class SimRequest:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes
    raw_query: str = ""   # as sent, not decoded (nginx reads its arguments this way)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass(slots=True)
class SimResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # how the bytes travel: normal, hang (never), drip (a byte a second), reset, refuse
    delivery: str = "normal"
    delay: float = 0.0

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> SimResponse:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode(),
                   {"Content-Type": "application/json; charset=utf-8"})


@dataclass(slots=True)
class Received:
    """One request as the simulator understood it, for tests to assert on."""

    path: str
    body: Any
    answered: int | str | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    value: float = 0.0
    lasts: float | None = None     # seconds, from when it is injected; None: until cleared

    @classmethod
    def parse(cls, text: str) -> Fault:
        """`name[=value][@seconds]`, e.g. `latency=3`, `down=20`, `hang@30`."""
        head, _, lasts = text.partition("@")
        name, _, value = head.partition("=")
        if name not in FAULTS:
            raise ValueError(f"no fault {name!r} (faults: {', '.join(FAULTS)})")
        try:
            number = float(value) if value else WITH_VALUE.get(name, 0.0)
            duration = float(lasts) if lasts else None
        except ValueError:
            raise ValueError(f"{text!r}: the numbers must be seconds") from None
        if name == "down" and duration is None:
            duration = number
        return cls(name, number, duration)


class Simulator(ABC):
    """A stateful, thread-safe fake service. Subclasses implement `route`."""

    kind: str = ""

    def __init__(self, *, clock: Callable[[], float] | None = None,
                 wall: Callable[[], float] | None = None) -> None:
        self.clock = clock or time.monotonic   # drives simulated progress
        self._wall = wall or time.time         # signatures, timestamps, serverTime
        self.lock = threading.RLock()
        self.received: list[Received] = []
        self.requests: list[tuple[str, str, str]] = []   # every request, faults included
        self.outage: tuple[float, float] | None = None  # (period s, down s): periodic 503s
        self.fault: Fault | None = None
        self._fault_until: float | None = None
        self._born = self.clock()

    def wall(self) -> float:
        skew = self.fault.value if self.fault_now() == "skew" else 0.0
        return self._wall() + skew

    # faults -----------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.fault = fault
            self._fault_until = self.clock() + fault.lasts if fault.lasts is not None else None

    def clear_fault(self) -> None:
        with self.lock:
            self.fault, self._fault_until = None, None

    def fault_now(self) -> str | None:
        if self.fault is None:
            return None
        if self._fault_until is not None and self.clock() >= self._fault_until:
            self.fault, self._fault_until = None, None
            return None
        return self.fault.name

    def auth_refused(self, request: SimRequest) -> SimResponse | None:
        """How this service says the credentials are no longer good (the `auth` fault);
        None lets this request through (a login, say)."""
        return SimResponse(401, b"unauthorized", {"Content-Type": "text/plain"})

    def _faulty(self, request: SimRequest) -> SimResponse | None:
        name = self.fault_now()
        if name in (None, "skew"):
            return None
        if name == "down":
            return SimResponse(0, b"", delivery="refuse")
        if name == "hang":
            return SimResponse(0, b"", delivery="hang")
        if name == "reset":
            return SimResponse(0, b"", delivery="reset")
        if name == "5xx":
            return SimResponse(503, b"Service Temporarily Unavailable",
                               {"Content-Type": "text/plain"})
        if name == "html":
            return SimResponse(200, HTML_PAGE, {"Content-Type": "text/html"})
        if name == "shape":
            return SimResponse.json(["not", "what", "was", "asked", {"for": None}])
        if name == "auth":
            refused = self.auth_refused(request)
            if refused is not None:
                self.received.append(Received(request.path, None, "auth"))
            return refused
        return None   # latency, drip, truncated change a real answer

    def handle(self, request: SimRequest) -> SimResponse:
        with self.lock:
            self.requests.append((request.method, request.path, request.query.get("request", "")))
            if self.outage and (self.clock() - self._born) % self.outage[0] >= (
                    self.outage[0] - self.outage[1]):
                return SimResponse(503, b"service unavailable (simulated outage)",
                                   {"Content-Type": "text/plain"})
            faulty = self._faulty(request)
            if faulty is not None:
                return faulty
            self.advance(self.clock())
            response = self.route(request)
            name = self.fault_now()
            if name == "latency":
                response.delay = self.fault.value if self.fault else 0.0
            elif name == "drip":
                response.delivery = "drip"
            elif name == "truncated":
                response.body = response.body[: max(1, len(response.body) // 2)]
            return response

    def still_hanging(self) -> bool:
        with self.lock:
            return self.fault_now() == "hang"

    def advance(self, now: float) -> None:
        """Move the simulated work forward to `now`."""

    @abstractmethod
    def route(self, request: SimRequest) -> SimResponse: ...

    @abstractmethod
    def service_entry(self, name: str, base_url: str) -> dict[str, Any]:
        """The [[services]] table a client needs to reach this simulator."""

    def transport(self) -> httpx.AsyncBaseTransport:
        return _InProcess(self)


class _InProcess(httpx.AsyncBaseTransport):
    """The simulator as an httpx transport: faults play out on the event loop."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        sim_request = SimRequest(
            method=request.method, path=url.path, headers=dict(request.headers),
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            body=await request.aread(), raw_query=url.query,
        )
        response = self.sim.handle(sim_request)
        if response.delivery == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if response.delivery == "reset":
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if response.delivery == "hang":
            while self.sim.still_hanging():
                await asyncio.sleep(0.05)
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request)
        if response.delay:
            await asyncio.sleep(response.delay)
        if response.delivery == "drip":
            return httpx.Response(response.status, headers=response.headers,
                                  stream=_Drip(response.body))
        return httpx.Response(response.status, content=response.body, headers=response.headers)


class _Drip(httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for byte in self.body:
            await asyncio.sleep(1.0)
            yield bytes([byte])


class SimServer:
    """One simulator on a real loopback port, in a background thread."""

    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("simulators only listen on loopback")
        from http.server import ThreadingHTTPServer  # the in-process demo needs no server
        self.sim = sim
        handler = _handler_for(sim)
        # socketserver listens with a backlog of 5: a client that opens a sixth connection at
        # once has its SYN dropped and retries it a second later, which looked like a slow service
        server_class = type("SimHTTPServer", (ThreadingHTTPServer,), {"request_queue_size": 128})
        self.server = server_class((host, port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True,
                                       name=f"sim-{sim.kind}")

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SimServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.stopping = True  # type: ignore[attr-defined]  # kept-alive sockets die too
        self.sim.clear_fault()       # a hanging handler lets go
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes; no 40 ms stalls

        def _abort(self) -> None:
            """Close with a TCP reset, no FIN first: the client sees 'connection reset by
            peer' (the server's own shutdown of the socket then finds it closed)."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def _serve(self) -> None:
            if getattr(self.server, "stopping", False):
                self.close_connection = True  # a stopped service answers nothing
                return
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = SimRequest(
                method=self.command, path=url.path, headers=dict(self.headers.items()),
                query=dict(parse_qsl(url.query, keep_blank_values=True)), body=body,
                raw_query=url.query,
            )
            try:
                response = sim.handle(request)
            except Exception as exc:  # a simulator bug must still answer, as a real 500 would
                response = SimResponse(500, f"simulator error: {exc}".encode())
            if response.delivery in ("reset", "refuse"):
                self._abort()
                return
            if response.delivery == "hang":
                while sim.still_hanging() and not getattr(self.server, "stopping", False):
                    time.sleep(0.05)
                self._abort()
                return
            if response.delay:
                time.sleep(response.delay)
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if response.delivery == "drip":
                for byte in response.body:
                    if getattr(self.server, "stopping", False):
                        break
                    time.sleep(1.0)
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            else:
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def handle(self) -> None:
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError):
                pass   # the client went away first: its business

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
