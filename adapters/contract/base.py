"""The Adapter interface every kind implements; the console never looks past it.

What a kind can do is declared here once:
- `options`: the keys its [[services]] table takes (config parsing, `config check`, the template);
- `actions`: what `act`, the keys and the palette may ask of it;
- `submit_fields`: what new work needs (the CLI's `submit` arguments and the console's form);
- optional methods (`blocks`, `frames`, `viewers`, `submit`), each with a capability property
  that is true when the kind overrides it, so callers ask `adapter.has_blocks`, never hasattr.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, TypeVar

import httpx

from .cadence import Cadence
from .http import HttpTransport, Redactor, describe_exception
from .model import (
    ActionResult,
    BlockGrid,
    FrameRecord,
    OutcomeUnknown,
    ServiceConfig,
    ServiceError,
    ServiceSnapshot,
    SubmitResult,
    TargetResult,
    UnknownAction,
    Viewer,
)
from .options import Option

T = TypeVar("T")

POLL_DEADLINE_S = 15.0     # one whole poll of one service, every request and retry included
ACTION_DEADLINE_S = 30.0   # one action, all its targets
SLOW_READ_S = 30.0         # how long a slowly changing secondary read's answer stands

# "account": the service's account itself (a default for new work), not an item in a list
Target = Literal["task", "stream", "block", "client", "relay", "account"]


class TaskMemory(Protocol):
    """Where kinds with no list call keep the ids they watch and the labels they gave them:
    the state directory's store (adapters/core/state.py) in jobdeck, a dict in a test."""

    def load(self) -> dict[str, Any]: ...
    def change(self, edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]: ...
    def labels(self, service: str) -> dict[str, str]: ...
    def set_label(self, service: str, task_id: str, label: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """What one action of a kind is: `act`, the keys, the palette and the confirmation read it."""

    name: str
    label: str
    destructive: bool = False
    params: tuple[str, ...] = ()      # names accepted by --param
    single_target: bool = False       # the endpoint takes one id, not a list
    target: Target = "task"           # what the console applies it to: the item under the cursor
    block_param: str | None = None    # in the block grid, the block's index fills this param
    done: str = "done"                # past tense for the result message
    warning: str | None = None        # one more line for the confirmation
    ends_stream: bool = False         # the stream's viewers are cut off (the confirmation says)
    # What the console asks before sending (each field's value goes as the param of its name);
    # `act` takes the same names as --param.
    ask: tuple[SubmitField, ...] = ()


@dataclass(frozen=True, slots=True)
class SubmitField:
    """One input of new work: a CLI argument and a field of the console's form."""

    name: str
    label: str
    kind: Literal["text", "file", "file_text", "files", "int", "number", "json", "lines",
                  "flag"] = "text"
    required: bool = False
    default: str = ""
    placeholder: str = ""
    help: str = ""
    positional: bool = False          # the CLI's first argument
    repeat: bool = False              # the CLI flag may be given several times


@dataclass(slots=True)
class Reads:
    """Warnings gathered while reading: a secondary feature that failed leaves a line here."""

    warnings: list[str] = field(default_factory=list)

    async def optional(self, read: Awaitable[T], what: str) -> T | None:
        try:
            return await read
        except ServiceError as exc:
            self.warnings.append(f"{what} could not be read: {exc.reason}")
            return None


async def read_together(*reads: Awaitable[Any]) -> list[Any]:
    """Run reads at once; the first failure cancels the rest and is raised as itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_as_coroutine(r)) for r in reads]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    finally:   # a read never started (cancelled first) is closed, not left to warn
        for read in reads:
            close_unstarted(read)
    return [t.result() for t in tasks]


def close_unstarted(read: object) -> None:
    """Close a coroutine that never ran, and the coroutines it was given to await (as in
    `reads.optional(client.items())`): closing only the outer one left the inner to warn
    'never awaited' on stderr."""
    if asyncio.iscoroutine(read) and inspect.getcoroutinestate(read) == inspect.CORO_CREATED:
        for argument in read.cr_frame.f_locals.values():
            close_unstarted(argument)
        read.close()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


UNTRACK = ActionSpec("untrack", "Stop watching", done="no longer watched")


def _overrides(adapter: Adapter, method: str) -> bool:
    return getattr(type(adapter), method) is not getattr(Adapter, method)


class Adapter(ABC):
    kind: ClassVar[str]
    summary: ClassVar[str] = ""               # one line: what this kind is (docs, template)
    example_name: ClassVar[str] = "service"
    example_base_url: ClassVar[str] = "https://service.example"
    options: ClassVar[tuple[Option, ...]] = ()
    actions: ClassVar[Mapping[str, ActionSpec]] = {}
    submit_fields: ClassVar[tuple[SubmitField, ...]] = ()
    lists_streams: ClassVar[bool] = False     # the streams pane shows for it
    tracks_tasks: ClassVar[bool] = False      # no list call: the console keeps the ids

    def __init__(self, config: ServiceConfig, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 state: TaskMemory | None = None) -> None:
        self.config = config
        self.state = state
        self.name = config.name
        self.redact = Redactor(config.secret_values())
        self.http = HttpTransport(config.base_url, redact=self.redact, transport=transport)
        self.poll_deadline = config.poll_deadline or POLL_DEADLINE_S
        self.action_deadline = ACTION_DEADLINE_S
        self.slow_read_every = SLOW_READ_S
        self._last: ServiceSnapshot | None = None
        self._slow: dict[str, tuple[float, Any]] = {}   # what -> (read at, answer)
        self.closing = False   # close() was called: what fails from here on failed because of it
        self.cadence = Cadence()   # items read one by one: the unchanged, less often
        self.lists = Cadence()     # secondary lists that move with the work: the same rule
        self.setup()

    def setup(self) -> None:
        """Build the kind's client from self.config and self.http (called once, by __init__)."""

    def option(self, name: str) -> Any:
        """A declared option's value from config, else its default."""
        declared = next((o for o in self.options if o.name == name), None)
        if declared is None:
            raise KeyError(f"{self.kind} declares no option {name!r}")
        value = self.config.get(name)
        if value is None and not declared.required:
            return declared.default
        return value

    async def close(self) -> None:
        self.closing = True
        await self.http.close()

    # capabilities ---------------------------------------------------------------------------------

    @property
    def has_blocks(self) -> bool:
        """blocks(): a grid of frame blocks (or clips) per task."""
        return _overrides(self, "blocks")

    @property
    def has_frames(self) -> bool:
        """frames(): every frame record of a task, for the detail view."""
        return _overrides(self, "frames")

    @property
    def has_viewers(self) -> bool:
        """viewers(): who is connected to a stream."""
        return _overrides(self, "viewers")

    @property
    def can_submit(self) -> bool:
        """submit(): start new work from `submit_fields` values."""
        return _overrides(self, "submit")

    # optional abilities: a kind overrides what it has ----------------------------------------------

    async def blocks(self, task_id: str) -> BlockGrid:
        raise NotImplementedError

    async def frames(self, task_id: str) -> list[FrameRecord]:
        raise NotImplementedError

    async def viewers(self, stream_id: str) -> list[Viewer]:
        raise NotImplementedError

    async def submit(self, values: Mapping[str, Any],
                     on_progress: Callable[[int, int], None] | None = None) -> SubmitResult:
        raise NotImplementedError

    async def probe(self) -> list[str]:
        """`config check`'s look at the live service: lines to print, problems first with '!'
        (what stops the service working), warnings with 'warning:' (a feature that could not
        be read: the service works without it)."""
        snapshot = await self.poll()
        if not snapshot.ok:
            return [f"! {snapshot.error}"]
        lines = [f"answered in {snapshot.latency_ms or 0:.0f} ms"]
        if snapshot.api_version:
            lines.append(f"API generation {snapshot.api_version}")
        lines += [f"warning: {w}" for w in snapshot.warnings]
        return lines

    # kinds with no list call watch the ids in config `track` plus those kept in the state dir ------

    def tracked_ids(self) -> list[str]:
        ids = [str(i) for i in self.config.get("track", []) or []]
        if self.state is not None:
            data = self.state.load()
            ids += [i for i in data.get("tracked", {}).get(self.name, []) if i not in ids]
            ignored = set(data.get("untracked", {}).get(self.name, []))  # config ids let go too
            ids = [i for i in ids if i not in ignored]
        return ids

    def track(self, task_ids: list[str]) -> None:
        if self.state is None:
            raise ServiceError("no state directory to remember tracked tasks in")
        wanted = list(dict.fromkeys(task_ids))

        def change(data: dict[str, Any]) -> None:
            tracked = data.setdefault("tracked", {}).setdefault(self.name, [])
            tracked += [i for i in wanted if i not in tracked]
            untracked = data.setdefault("untracked", {}).setdefault(self.name, [])
            untracked[:] = [i for i in untracked if i not in wanted]

        self.state.change(change)

    def untrack(self, task_ids: list[str]) -> None:
        if self.state is None:
            raise ServiceError("no state directory to remember untracked tasks in")
        gone = list(dict.fromkeys(task_ids))

        def change(data: dict[str, Any]) -> None:
            tracked = data.setdefault("tracked", {}).setdefault(self.name, [])
            tracked[:] = [i for i in tracked if i not in gone]
            untracked = data.setdefault("untracked", {}).setdefault(self.name, [])
            untracked += [i for i in gone if i not in untracked]

        self.state.change(change)

    # reading ----------------------------------------------------------------------------------------

    async def poll(self) -> ServiceSnapshot:
        """Read the service within its deadline; on failure return the last good data marked
        not ok. Never raises (but for cancellation)."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.poll_deadline):
                snapshot = await self.read()
        except ServiceError as exc:
            reason = exc.reason
        except TimeoutError:
            reason = f"no complete answer within {self.poll_deadline:g} s"
        except Exception as exc:  # a reply of the wrong shape must not take the console down
            reason = f"unexpected reply ({describe_exception(exc, self.redact)})"
        else:
            snapshot.latency_ms = (time.perf_counter() - started) * 1000
            self._last = snapshot
            return snapshot
        last = self._last
        return ServiceSnapshot(
            name=self.name, kind=self.kind, ok=False, error=self.redact.line(reason),
            account=last.account if last else None,
            tasks=last.tasks if last else [], streams=last.streams if last else [],
            api_version=last.api_version if last else None,
            relays=last.relays if last else None,
            attention_since=last.attention_since if last else None,
        )

    @abstractmethod
    async def read(self) -> ServiceSnapshot:
        """One read of the service (what changes; the whole of it now and then); raises
        ServiceError."""

    def want_history(self, older_than: float = 0.0) -> None:
        """The operator asked for the whole list (`r`, a filter or a sort over it): a kind that
        reads its history only now and then reads it at its next poll, unless it did less than
        `older_than` seconds ago. Asked outright (`r`), every item read one by one is asked
        about again at the next poll, however long it has been unchanged."""
        if older_than <= 0:
            self.cadence.forget()
            self.lists.forget()

    def expire(self, what: str) -> None:
        """Make a `now_and_then` read due at the next ask."""
        self._slow.pop(what, None)

    def kept(self, what: str) -> bool:
        """Would a `now_and_then` read be answered from memory now?"""
        kept = self._slow.get(what)
        return kept is not None and time.monotonic() - kept[0] < self.slow_read_every

    async def now_and_then(self, what: str, read: Callable[[], Awaitable[T]],
                           reads: Reads) -> T | None:
        """A secondary read whose answer changes slowly (a balance, the recordings, the disabled
        streams): its last answer stands for `slow_read_every` seconds, so a poll costs fewer
        requests; an action of ours makes it due at once. A failure is not kept: the next poll
        asks again, and meanwhile it is a warning like any secondary read's."""
        if self.kept(what):
            return self._slow[what][1]
        now = time.monotonic()
        answer = await reads.optional(read(), what)
        if answer is None:
            self._slow.pop(what, None)
        else:
            self._slow[what] = (now, answer)
        return answer

    async def while_moving(self, what: str, read: Callable[[], Awaitable[T]],
                           reads: Reads) -> T | None:
        """A secondary list that moves with the work (viewer counts, transcodes, relays): read at
        every poll while its answer changes, less often while it does not (cadence.py: 2, 4,
        then 8 s), so a server where nothing moves is not asked the same three lists every
        two seconds. An action of ours or the operator's `r` makes it due at once. A failure
        is not kept: the next poll asks again."""
        if not self.lists.due(what):
            return self.lists.last(what)
        answer = await reads.optional(read(), what)
        if answer is None:
            self.lists.drop(what)
        else:
            self.lists.answered(what, answer)
        return answer

    # acting -----------------------------------------------------------------------------------------

    def spec(self, action: str) -> ActionSpec:
        spec = self.actions.get(action)
        if spec is None:
            raise UnknownAction(f"{self.kind} has no action {action!r} "
                                f"(it has: {', '.join(self.actions) or 'none'})")
        return spec

    async def perform(self, action: str, targets: list[str],
                      params: Mapping[str, str] | None = None) -> ActionResult:
        """Carry out one action within its deadline. A refusal comes back as ok=False with the
        service's message; a request that went out with no answer as outcome "unknown"."""
        spec = self.spec(action)
        try:
            async with asyncio.timeout(self.action_deadline):
                if spec is UNTRACK:  # every tracking kind forgets ids the same way
                    self.untrack(targets)
                    return ActionResult(self.name, action, targets, ok=True,
                                        message=f"no longer watching {', '.join(targets)}")
                return await self.do(spec, targets, dict(params or {}))
        except OutcomeUnknown as exc:
            return self.unknown(spec, targets, exc.reason)
        except TimeoutError:
            return self.unknown(spec, targets, f"no answer within {self.action_deadline:g} s")
        except ServiceError as exc:
            return ActionResult(self.name, action, targets, ok=False,
                                message=self.redact.line(exc.reason), code=exc.code)
        except Exception as exc:  # an odd reply: the action's fate is unknown, say so
            return self.unknown(spec, targets,
                                f"unexpected reply ({describe_exception(exc, self.redact)})")
        finally:
            self._slow.clear()   # whatever it changed shows on the next poll
            self.cadence.forget()
            self.lists.forget()

    def unknown(self, spec: ActionSpec, targets: list[str], why: str) -> ActionResult:
        if self.closing:   # whatever broke (a pool emptied under the request) broke from this
            why = "jobdeck quit while waiting for the answer"
        return ActionResult(self.name, spec.name, targets, ok=False, outcome="unknown",
                            message=self.redact.line(f"outcome unknown: {why}; check the "
                                                     "service before trying again"))

    async def each_target(self, spec: ActionSpec, targets: list[str],
                          send: Callable[[str], Awaitable[Any]]) -> ActionResult:
        """For endpoints that take one target per call: send each, keep each one's fate. `send`
        may return the words for what it did (else the action's `done`)."""
        results: list[TargetResult] = []
        for target in targets:
            try:
                said = await send(target)
            except OutcomeUnknown as exc:
                why = "jobdeck quit while waiting for the answer" if self.closing else exc.reason
                results.append(TargetResult(target, "unknown", self.redact.line(why)))
            except ServiceError as exc:
                results.append(TargetResult(target, "refused", self.redact.line(exc.reason),
                                            exc.code))
            else:
                results.append(TargetResult(target, "done",
                                            said if isinstance(said, str) else spec.done))
        return batch_result(self.name, spec, results)

    @abstractmethod
    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        """Send one action; raise ServiceError when the service refuses it."""


def batch_result(service: str, spec: ActionSpec, results: list[TargetResult]) -> ActionResult:
    """One result for a batch: ok only when every target was done; each target's fate kept."""
    targets = [r.target for r in results]
    done = [r for r in results if r.outcome == "done"]
    if len(done) == len(results):
        if len(results) == 1 and results[0].message != spec.done:
            message = f"{targets[0]}: {results[0].message}"
        else:
            message = f"{', '.join(targets)} {spec.done}"
        return ActionResult(service, spec.name, targets, ok=True, message=message,
                            per_target=results if len(results) > 1 else [])
    outcome = "unknown" if any(r.outcome == "unknown" for r in results) else "refused"
    failed = [r for r in results if r.outcome != "done"]
    if len(results) == 1:
        message = failed[0].message
    else:
        message = f"{len(done)} of {len(results)} {spec.done}; " + "; ".join(
            f"{r.target}: {r.outcome}: {r.message}" for r in failed)
    code = failed[0].code if len(failed) == 1 else None
    return ActionResult(service, spec.name, targets, ok=False, message=message, code=code,
                        outcome=outcome, per_target=results if len(results) > 1 else [])
