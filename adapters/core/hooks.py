"""The alert hook: `[alerts] command`, run once per alert with the transition's JSON on stdin,
so that no hook (and no number of them) can hold jobdeck, its memory or the machine.

- At most `command_concurrency` hooks run at once (default 4); the others wait in a queue of
  QUEUE_LIMIT, whose oldest is dropped, and counted, when a newer one arrives to a full queue.
- Each hook runs in a process group of its own, so a shell script's children go with it: at
  `command_timeout` the whole group gets SIGTERM, then SIGKILL after KILL_AFTER_S.
- Of its output only the last STDERR_TAIL bytes of stderr are kept (stdout goes nowhere); after
  the hook exits, a child it left behind holding the pipe is not waited for beyond PIPES_GRACE_S.
- `close()` ends the running hooks the same way and forgets the queue, on the loop that started
  them: quitting leaves no orphan and nothing for a closed event loop to trip on.
- Failures (and drops) go to `report`: at most `burst` of them one by one while the hooks are
  busy, the rest as one summary when the queue has drained (or after SUMMARY_EVERY_S of work).

The console and `jobdeck watch` run hooks through this; it knows nothing of either.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from jobdeck.adapters.contract import jsonsafe

from .alerts import AlertsConfig

QUEUE_LIMIT = 1000        # alerts waiting for a free hook; beyond it the oldest is dropped
STDERR_TAIL = 4096        # bytes of a hook's stderr kept for its failure message
KILL_AFTER_S = 2.0        # from SIGTERM to SIGKILL, at the timeout and at close
PIPES_GRACE_S = 0.5       # after the hook exits, how long its stderr may stay open
SUMMARY_EVERY_S = 60.0    # while hooks stay busy, how often failures held back are summed up


class _Hook(asyncio.SubprocessProtocol):
    """One running hook: its exit, its stderr's last bytes, its process group."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.exited: asyncio.Future[None] = loop.create_future()
        self.stderr_closed: asyncio.Future[None] = loop.create_future()
        self.tail = bytearray()
        self.pid: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.SubprocessTransport)
        self.pid = transport.get_pid()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        if fd == 2:
            self.tail += data if isinstance(data, bytes) else data.encode()
            if len(self.tail) > STDERR_TAIL:
                del self.tail[:-STDERR_TAIL]

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 2 and not self.stderr_closed.done():
            self.stderr_closed.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def signal_group(self, sig: int) -> None:
        if self.pid is not None:   # the group's id is the hook's pid (start_new_session)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)

    async def end(self, kill_after: float) -> None:
        """SIGTERM to the whole group, SIGKILL if the hook has not gone after `kill_after`; the
        group is killed in any case, so nothing it started lives on."""
        self.signal_group(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.exited), kill_after)
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.exited), kill_after)

    def last_line(self) -> str:
        lines = bytes(self.tail).decode("utf-8", "replace").strip().splitlines()
        return lines[-1].strip() if lines else ""


class HookRunner:
    """Runs `[alerts] command` for alerts, read from the AlertsConfig at each use (the console
    may change it while running)."""

    def __init__(self, alerts: AlertsConfig, report: Callable[[str], None], *,
                 queue_limit: int = QUEUE_LIMIT, kill_after: float = KILL_AFTER_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.alerts, self.report = alerts, report
        self.queue_limit, self.kill_after, self.clock = queue_limit, kill_after, clock
        self._queue: deque[Any] = deque()
        self._running: set[_Hook] = set()
        self._workers: set[asyncio.Task[None]] = set()
        self._closed = False
        self.started = 0               # hooks started, all told (for tests and figures)
        self.most_at_once = 0          # the most hooks that ran at the same time
        self._failed = 0               # failures since the hooks were last idle (or summed up)
        self._held: list[str] = []     # failures beyond `burst`, not shown one by one
        self._held_count = 0
        self._dropped = 0              # alerts dropped from a full queue, not yet reported
        self._busy_since: float | None = None

    @property
    def busy(self) -> bool:
        return bool(self._workers)

    def submit(self, transitions: Iterable[Any]) -> None:
        """Queue a hook run for each transition (objects with `to_json()`); start what may
        start. Call on the event loop the hooks should run on."""
        if self._closed or not self.alerts.command:
            return
        for transition in transitions:
            if len(self._queue) >= self.queue_limit:
                self._queue.popleft()
                self._dropped += 1
            self._queue.append(transition)
        if self._busy_since is None and self._queue:
            self._busy_since = self.clock()
        loop = asyncio.get_running_loop()
        while self._queue and len(self._workers) < max(1, self.alerts.command_concurrency):
            worker = loop.create_task(self._work(), name="alert-hook")
            self._workers.add(worker)

    async def _work(self) -> None:
        try:
            while self._queue and not self._closed:
                transition = self._queue.popleft()
                failure = await self.run_one(transition)
                if failure is not None and not self._closed:
                    self._failure(failure)
        finally:
            current = asyncio.current_task()
            self._workers.discard(current)  # type: ignore[arg-type]
            if not self._workers and not self._closed:
                self._sum_up()

    async def run_one(self, transition: Any) -> str | None:
        """Run the hook for one transition; the reason it failed, or None."""
        command, timeout = self.alerts.command, self.alerts.command_timeout
        if not command:
            return None
        data = (jsonsafe.dumps(transition.to_json()) + "\n").encode("utf-8", "replace")
        loop = asyncio.get_running_loop()
        hook = _Hook(loop)
        try:
            transport, _ = await loop.subprocess_shell(
                lambda: hook, command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            return f"alert command could not start: {exc.strerror or exc}"
        self.started += 1
        self._running.add(hook)
        self.most_at_once = max(self.most_at_once, len(self._running))
        try:
            stdin = transport.get_pipe_transport(0)
            if stdin is not None:   # a hook that exits without reading it is its own business
                with contextlib.suppress(OSError):
                    stdin.write(data)   # type: ignore[attr-defined]
                    stdin.close()
            try:
                await asyncio.wait_for(asyncio.shield(hook.exited), timeout)
            except TimeoutError:
                await hook.end(self.kill_after)
                return f"alert command took longer than {timeout:g} s and was stopped"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(hook.stderr_closed), PIPES_GRACE_S)
            code = transport.get_returncode()
            if code is None or code == 0:
                return None
            last = hook.last_line()
            how = f"exited {code}" if code > 0 else f"was ended by {_signal_name(-code)}"
            return f"alert command {how}" + (f": {last}" if last else "")
        except asyncio.CancelledError:
            hook.signal_group(signal.SIGKILL)   # cancelled from outside close(): never an orphan
            raise
        finally:
            self._running.discard(hook)
            transport.close()

    def _failure(self, message: str) -> None:
        self._failed += 1
        if self._failed <= max(1, self.alerts.burst):
            self.report(message)
        else:
            self._held_count += 1
            self._held = [message]
        if self._busy_since is not None and self.clock() - self._busy_since >= SUMMARY_EVERY_S:
            self._sum_up()
            self._busy_since = self.clock()

    def _sum_up(self) -> None:
        """Say what was held back: failures beyond `burst`, alerts dropped from a full queue."""
        if self._held_count:
            self.report(f"{self._held_count} more alert commands failed (the last: "
                        f"{self._held[-1].removeprefix('alert command ')})")
        if self._dropped:
            self.report(f"{self._dropped} alerts dropped without running the command: more "
                        f"than {self.queue_limit} were waiting for it "
                        f"([alerts] command_concurrency = {self.alerts.command_concurrency})")
        self._failed, self._held, self._held_count, self._dropped = 0, [], 0, 0
        self._busy_since = None if not self._workers else self.clock()

    async def close(self, grace: float | None = None) -> None:
        """End every running hook (its group: SIGTERM, SIGKILL after `grace`) and forget the
        queue. Says how many queued alerts were not sent."""
        if self._closed:
            return
        self._closed = True
        waiting = len(self._queue)
        self._queue.clear()
        await asyncio.gather(*(hook.end(self.kill_after if grace is None else grace)
                               for hook in list(self._running)))
        workers = list(self._workers)
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        if waiting:
            self.report(f"{waiting} queued alerts not sent to the command: jobdeck stopped")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
