"""The Adapter interface every kind implements; the console never looks past it."""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import ClassVar, TypeVar

import httpx

from .config import ServiceConfig
from .files import StateStore
from .http import HttpTransport, Redactor, one_line
from .model import ActionResult, BlockGrid, ServiceError, ServiceSnapshot, UnknownAction

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """What one action of a kind is: the console's keys and `act` both read these."""

    name: str
    label: str
    destructive: bool = False
    params: tuple[str, ...] = ()      # names accepted by --param
    single_target: bool = False       # the endpoint takes one id, not a list


async def read_together(*reads: Awaitable[T]) -> list[T]:
    """Run reads at once; the first failure cancels the rest and is raised as itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_as_coroutine(r)) for r in reads]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [t.result() for t in tasks]


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


UNTRACK = ActionSpec("untrack", "Stop watching")


class Adapter(ABC):
    kind: ClassVar[str]
    required_keys: ClassVar[tuple[str, ...]] = ("base_url",)
    secret_keys: ClassVar[tuple[str, ...]] = ()
    optional_keys: ClassVar[tuple[str, ...]] = ()
    actions: ClassVar[Mapping[str, ActionSpec]] = {}
    has_blocks: ClassVar[bool] = False
    has_streams: ClassVar[bool] = False
    tracks_tasks: ClassVar[bool] = False   # no list call: the console keeps the ids

    def __init__(self, config: ServiceConfig, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 state: StateStore | None = None) -> None:
        self.config = config
        self.state = state
        self.name = config.name
        self.redact = Redactor(config.secret_values())
        self.http = HttpTransport(config.base_url, redact=self.redact, transport=transport)
        self._last: ServiceSnapshot | None = None
        self.setup()

    def setup(self) -> None:
        """Build the kind's client from self.config and self.http (called once, by __init__)."""

    async def close(self) -> None:
        await self.http.close()

    # kinds with no list call watch the ids in config `track` plus those kept in the state dir

    def tracked_ids(self) -> list[str]:
        ids = [str(i) for i in self.config.get("track", []) or []]
        if self.state is not None:
            ids += [i for i in self.state.tracked(self.name) if i not in ids]
            ignored = set(self.state.ids("untracked", self.name))  # config ids can be let go too
            ids = [i for i in ids if i not in ignored]
        return ids

    def track(self, task_ids: list[str]) -> None:
        if self.state is None:
            raise ServiceError("no state directory to remember tracked tasks in")
        ids = self.state.tracked(self.name)
        self.state.set_tracked(self.name, ids + [i for i in task_ids if i not in ids])
        wanted = set(task_ids)
        self.state.set_ids("untracked", self.name,
                           [i for i in self.state.ids("untracked", self.name) if i not in wanted])

    def untrack(self, task_ids: list[str]) -> None:
        if self.state is None:
            raise ServiceError("no state directory to remember untracked tasks in")
        gone = set(task_ids)
        self.state.set_tracked(self.name, [i for i in self.state.tracked(self.name)
                                           if i not in gone])
        ignored = self.state.ids("untracked", self.name)
        self.state.set_ids("untracked", self.name, ignored + [i for i in task_ids
                                                              if i not in ignored])

    async def poll(self) -> ServiceSnapshot:
        """Read the service; on failure return the last good data marked not ok. Never raises."""
        started = time.perf_counter()
        try:
            snapshot = await self.read()
        except ServiceError as exc:
            reason = exc.reason
        except Exception as exc:  # a reply of the wrong shape must not take the console down
            reason = f"unexpected reply ({type(exc).__name__}: {one_line(str(exc), 100)})"
        else:
            snapshot.latency_ms = (time.perf_counter() - started) * 1000
            self._last = snapshot
            return snapshot
        last = self._last
        return ServiceSnapshot(
                name=self.name, kind=self.kind, ok=False, error=self.redact(reason),
                account=last.account if last else None,
                tasks=last.tasks if last else [], streams=last.streams if last else [],
        )

    @abstractmethod
    async def read(self) -> ServiceSnapshot:
        """One full read of the service; raises ServiceError."""

    async def blocks(self, task_id: str) -> BlockGrid:
        raise ServiceError(f"{self.kind} has no block grid")

    async def perform(self, action: str, targets: list[str],
                      params: Mapping[str, str] | None = None) -> ActionResult:
        """Carry out one action. A refusal comes back as ok=False with the service's message."""
        spec = self.actions.get(action)
        if spec is None:
            raise UnknownAction(f"{self.kind} has no action {action!r} "
                                f"(it has: {', '.join(self.actions) or 'none'})")
        try:
            if spec is UNTRACK:  # every tracking kind forgets ids the same way
                self.untrack(targets)
                return ActionResult(self.name, action, targets, ok=True,
                                    message=f"no longer watching {', '.join(targets)}")
            return await self.do(spec, targets, dict(params or {}))
        except ServiceError as exc:
            return ActionResult(self.name, action, targets, ok=False,
                                message=self.redact(exc.reason), code=exc.code)
        except Exception as exc:  # an odd reply: the action's fate is unknown, say so
            message = f"unexpected reply ({type(exc).__name__}: {one_line(str(exc), 100)}); " \
                      "check the service before trying again"
            return ActionResult(self.name, action, targets, ok=False, message=self.redact(message))

    @abstractmethod
    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        """Send one action; raise ServiceError when the service refuses it."""
