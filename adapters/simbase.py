"""What every simulator shares: one request/response shape, served in-process or over real HTTP.

In-process, a simulator is an httpx transport, so adapters run unchanged against it (demo, tests).
Over HTTP, the same handler sits behind a stdlib ThreadingHTTPServer bound to loopback.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx


@dataclass(slots=True)
class SimRequest:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass(slots=True)
class SimResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

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


class Simulator(ABC):
    """A stateful, thread-safe fake service. Subclasses implement `route`."""

    kind: str = ""

    def __init__(self, *, clock: Callable[[], float] | None = None,
                 wall: Callable[[], float] | None = None) -> None:
        self.clock = clock or time.monotonic   # drives simulated progress
        self.wall = wall or time.time          # signatures, timestamps, serverTime
        self.lock = threading.RLock()
        self.received: list[Received] = []
        self.outage: tuple[float, float] | None = None  # (period s, down s): periodic 503s
        self._born = self.clock()

    def handle(self, request: SimRequest) -> SimResponse:
        with self.lock:
            if self.outage and (self.clock() - self._born) % self.outage[0] >= (
                    self.outage[0] - self.outage[1]):
                return SimResponse(503, b"service unavailable (simulated outage)",
                                   {"Content-Type": "text/plain"})
            self.advance(self.clock())
            return self.route(request)

    def advance(self, now: float) -> None:
        """Move the simulated work forward to `now`."""

    @abstractmethod
    def route(self, request: SimRequest) -> SimResponse: ...

    @abstractmethod
    def service_entry(self, name: str, base_url: str) -> dict[str, Any]:
        """The [[services]] table a client needs to reach this simulator."""

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            url = urlsplit(str(request.url))
            sim_request = SimRequest(
                method=request.method, path=url.path, headers=dict(request.headers),
                query=dict(parse_qsl(url.query, keep_blank_values=True)),
                body=request.read(),
            )
            response = self.handle(sim_request)
            return httpx.Response(response.status, content=response.body,
                                  headers=response.headers)
        return httpx.MockTransport(handler)


class SimServer:
    """One simulator on a real loopback port, in a background thread."""

    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("simulators only listen on loopback")
        self.sim = sim
        handler = _handler_for(sim)
        self.server = ThreadingHTTPServer((host, port), handler)
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
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes; no 40 ms stalls

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
            )
            try:
                response = sim.handle(request)
            except Exception as exc:  # a simulator bug must still answer, as a real 500 would
                response = SimResponse(500, f"simulator error: {exc}".encode())
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
