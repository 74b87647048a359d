"""The shared model every adapter maps its service onto, and the only thing the console sees."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from operator import attrgetter, is_not
from typing import Any, Literal

Status = Literal["queued", "running", "stopped", "done", "partial", "failed", "abandoned", "unknown"]
STATUSES: tuple[Status, ...] = (
    "queued", "running", "stopped", "done", "partial", "failed", "abandoned", "unknown",
)
BlockStatus = Literal["waiting", "running", "done", "failed", "stopped"]
BLOCK_STATUSES: tuple[BlockStatus, ...] = ("done", "running", "waiting", "failed", "stopped")
# live: a publisher is sending; idle: players wait with no publisher; disabled: refused by the server
StreamState = Literal["live", "idle", "disabled"]
STREAM_STATES: tuple[StreamState, ...] = ("live", "idle", "disabled")
# A relay (NTV streamingMgr, spec 11.1): status 0 not running, 1 running, anything else abnormal
RelayState = Literal["running", "stopped", "abnormal"]
RELAY_STATES: tuple[RelayState, ...] = ("running", "stopped", "abnormal")
# done: the service did it; refused: the service said no; unknown: sent, but no answer came back
Outcome = Literal["done", "refused", "unknown"]


class JobdeckError(Exception):
    """Base of every error jobdeck raises on purpose; its text is safe to show an operator."""


class ConfigError(JobdeckError):
    """A config file that cannot be used; the message names file, service and key."""


class ServiceError(JobdeckError):
    """A service that could not be read: unreachable, timed out, refused or misbehaving."""

    def __init__(self, reason: str, *, code: int | str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class UnknownAction(JobdeckError):
    """An action name the service's kind does not have."""


class OutcomeUnknown(ServiceError):
    """A request went out and no answer came back: it may or may not have been carried out."""


@dataclass(slots=True)
class ServiceConfig:
    """One [[services]] table, checked against its kind's options."""

    name: str
    kind: str
    base_url: str
    read_only: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    poll_deadline: float | None = None   # seconds a whole poll may take; None: the global one
    max_reply_mb: float | None = None    # a reply larger than this is not read; None: global

    def secret_values(self) -> list[str]:
        return list(self.secrets.values())

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.secrets:
            return self.secrets[key]
        return self.options.get(key, default)


@dataclass(slots=True)
class FrameCounts:
    total: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0
    waiting: int = 0

    def to_json(self) -> dict[str, int]:
        return {"total": self.total, "done": self.done, "failed": self.failed,
                "running": self.running, "waiting": self.waiting}


@dataclass(slots=True)
class Task:
    id: str
    name: str
    status: Status
    raw_status: str
    progress: float | None = None
    queue_position: int | None = None
    frames: FrameCounts | None = None
    submitted_at: datetime | None = None
    output_url: str | None = None
    error: str | None = None
    actions: tuple[str, ...] = ()
    children: list[Task] = field(default_factory=list)
    # Kind-specific facts for the detail views (sizes, face lists); not part of the JSON contract.
    details: dict[str, Any] = field(default_factory=dict)
    # When it finished, where the service says (the attention view's window counts from it).
    ended_at: datetime | None = None
    # What the service says of the task beyond the shared shape (a render farm's cost, project,
    # user, timeout...): None for kinds that say nothing more; in the JSON as "facts".
    facts: TaskFacts | None = None

    def walk(self) -> Iterator[Task]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "raw_status": self.raw_status,
            "progress": finite(self.progress),
            "queue_position": self.queue_position,
            "frames": self.frames.to_json() if self.frames else None,
            "submitted_at": iso(self.submitted_at),
            "output_url": self.output_url,
            "error": self.error,
            "actions": list(self.actions),
            "children": [child.to_json() for child in self.children],
            **({"error_code": self.details["error_code"]} if "error_code" in self.details
               else {}),   # a failed task's code: the snapshot's error_codes explain it
            **({"facts": self.facts.to_json(self.ended_at)} if self.facts is not None else {}),
        }


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """A render task's own facts, as its service's list gives them (Renderbus getTaskList):
    money in the account's currency, durations in seconds."""

    started_at: datetime | None = None
    render_s: float | None = None        # the service's own count of render time
    cost: float | None = None            # all the task consumed (renderConsume)
    coupon_cost: float | None = None     # of which paid by coupon (couponConsume)
    account_cost: float | None = None    # of which paid from the balance (userAccountConsume)
    arrears: float | None = None         # owed for it (taskArrears)
    project: str | None = None
    user: str | None = None
    level: int | None = None             # its priority (taskLevel)
    node_limit: int | None = None        # the most render nodes it may take (taskLimit)
    output_name: str | None = None
    timeout_s: float | None = None       # stopped for timeout after this long (taskOverTime)

    def to_json(self, ended_at: datetime | None = None) -> dict[str, Any]:
        return {"started_at": iso(self.started_at), "ended_at": iso(ended_at),
                "render_s": finite(self.render_s), "cost": finite(self.cost),
                "coupon_cost": finite(self.coupon_cost),
                "account_cost": finite(self.account_cost), "arrears": finite(self.arrears),
                "project": self.project, "user": self.user, "level": self.level,
                "node_limit": self.node_limit, "output_name": self.output_name,
                "timeout_s": finite(self.timeout_s)}


@dataclass(slots=True)
class Stream:
    id: str
    app: str
    name: str
    protocol: str
    host: str
    started_at: datetime | None = None
    viewers: int | None = None
    state: StreamState = "live"
    actions: tuple[str, ...] = ()
    # Beyond DESIGN's shape (added keys): what the publisher sends, and on-demand recording.
    codec: str | None = None
    bitrate_kbps: int | None = None
    recording: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    # The most players the stream's app lets in at once, all its streams together (NTV limitMgr,
    # spec 10.1); None: no limit, or not known.
    player_limit: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "app": self.app, "name": self.name, "protocol": self.protocol,
                "host": self.host, "started_at": iso(self.started_at), "viewers": self.viewers,
                "state": self.state, "actions": list(self.actions), "codec": self.codec,
                "bitrate_kbps": self.bitrate_kbps, "recording": self.recording,
                "player_limit": self.player_limit}


@dataclass(slots=True)
class Relay:
    """A relay task: the server pulls `source` and publishes it as `target` (app/stream)."""

    id: str
    name: str
    source: str
    target: str
    state: RelayState
    raw_status: str
    actions: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "source": self.source, "target": self.target,
                "state": self.state, "raw_status": self.raw_status, "actions": list(self.actions)}


@dataclass(slots=True)
class Account:
    """An account's money: the cash balance, and what else the service lets it spend (a
    Renderbus profile's coupon and credit). What the operator sees, and what the balance
    rule compares, is `available`: all of it."""

    name: str
    balance: float | None = None
    coupon: float | None = None
    credit: float | None = None
    # The account's default task timeout, in seconds (Renderbus queryUserSetting); None: unknown.
    default_timeout_s: float | None = None

    @property
    def available(self) -> float | None:
        parts = [p for p in (self.balance, self.coupon, self.credit)
                 if p is not None and math.isfinite(p)]
        return sum(parts) if parts else None

    def parts(self) -> str:
        """"cash 0.00 + coupon 49.93": what `available` is made of, when more than the cash."""
        named = [(n, v) for n, v in (("cash", self.balance), ("coupon", self.coupon),
                                     ("credit", self.credit)) if v]
        if not named or [n for n, _ in named] == ["cash"]:
            return ""
        return " + ".join(f"{n} {v:,.2f}" for n, v in named)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "balance": finite(self.balance)}
        if self.coupon is not None or self.credit is not None:
            out.update(coupon=finite(self.coupon), credit=finite(self.credit),
                       available=finite(self.available))
        if self.default_timeout_s is not None:
            out["default_timeout_s"] = finite(self.default_timeout_s)
        return out


@dataclass(slots=True)
class ErrorDetail:
    """What the service says about one of its error codes (Renderbus queryErrorDetail): what it
    means, what to do, where the fix is written up. `known` false: the service has no entry."""

    code: str
    description: str | None = None
    solution: str | None = None
    link: str | None = None
    severity: Literal["error", "warning"] | None = None   # the spec's type: 1 error, 0 warning
    known: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description, "solution": self.solution,
                "link": self.link, "severity": self.severity, "known": self.known}


@dataclass(slots=True)
class FrameRecord:
    """One frame (or block) of a render, as the detail view lists them."""

    id: str
    frame: str
    block: str
    status: BlockStatus
    started_at: datetime | None = None
    ended_at: datetime | None = None
    seconds: float | None = None
    cost: float | None = None
    url: str | None = None          # where the frame's (or clip's) input can be fetched
    output_url: str | None = None   # and its output
    raw_status: str | None = None   # the service's own status code
    error_code: str | None = None   # a failed frame's code, where the service gives one
    explained: ErrorDetail | None = None   # and what the service says about that code

    def to_json(self) -> dict[str, Any]:
        """`jobdeck frames --json`: one frame, as DESIGN.md's frames command names its keys."""
        return {"id": self.id, "index": self.frame, "block": self.block, "status": self.status,
                "raw_status": self.raw_status, "started_at": iso(self.started_at),
                "ended_at": iso(self.ended_at), "used_s": finite(self.seconds),
                "cost": finite(self.cost), "url": self.url, "output_url": self.output_url,
                "error_code": self.error_code,
                "error": self.explained.to_json() if self.explained else None}


@dataclass(slots=True)
class Viewer:
    """One client connected to a stream."""

    client: str
    format: str
    since: datetime | None = None
    server: str = ""
    id: str | None = None           # what a kick needs, where the service has one
    publisher: bool = False         # the one sending the stream, not watching it


@dataclass(slots=True)
class Block:
    index: str
    block: str
    status: BlockStatus
    percent: int | None = None
    used_s: int | None = None
    eta_s: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "block": self.block, "status": self.status,
                "percent": self.percent, "used_s": self.used_s, "eta_s": self.eta_s}


@dataclass(slots=True)
class BlockGrid:
    task_id: str
    rows: list[list[Block]]
    unit: str = "frame"   # what a row's index counts: a render frame, or a FinalRip clip

    def counts(self) -> dict[BlockStatus, int]:
        counts: dict[BlockStatus, int] = dict.fromkeys(BLOCK_STATUSES, 0)
        for row in self.rows:
            for block in row:
                counts[block.status] += 1
        return counts

    def to_json(self, service: str) -> dict[str, Any]:
        return {"service": service, "task": self.task_id,
                "rows": [[b.to_json() for b in row] for row in self.rows]}


@dataclass(slots=True)
class ServiceSnapshot:
    """One poll of one service. `ok` false keeps the last good tasks so panes go stale, not empty."""

    name: str
    kind: str
    ok: bool = True
    error: str | None = None
    account: Account | None = None
    tasks: list[Task] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=list)
    latency_ms: float | None = None
    # What could not be read this time while the main list worked (recordings, account...).
    warnings: list[str] = field(default_factory=list)
    api_version: str | None = None   # the interface generation that answered, where a kind has two
    relays: list[Relay] | None = None   # kinds with relay tasks (NTV); None: the kind has none
    # Failed and partial tasks that ended (else were submitted) before this need no attention:
    # they are history (a kind that keeps a long history sets it; None: every one counts).
    attention_since: datetime | None = None
    # The account's frames all told (Renderbus queryAllFrameStats); None: not read, or no such call.
    frame_totals: FrameCounts | None = None
    # What the service says about the error codes of its failed tasks (code -> detail).
    error_codes: dict[str, ErrorDetail] | None = None
    # How `tasks` differs from the list the adapter handed before, where it knows (a big
    # account's book); never printed, never compared. Read it through task_changes().
    changes: TaskChanges | None = field(default=None, compare=False, repr=False)

    def all_tasks(self) -> Iterator[Task]:
        for task in self.tasks:
            yield from task.walk()

    def find_task(self, task_id: str) -> Task | None:
        return next((t for t in self.all_tasks() if t.id == task_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "ok": self.ok,
            "error": self.error,
            "account": self.account.to_json() if self.account else None,
            "tasks": [t.to_json() for t in self.tasks],
            "streams": [s.to_json() for s in self.streams],
            "warnings": list(self.warnings),
            "api_version": self.api_version,
            **({"relays": [r.to_json() for r in self.relays]} if self.relays is not None else {}),
            **({"frame_totals": self.frame_totals.to_json()} if self.frame_totals else {}),
            **({"error_codes": {c: d.to_json() for c, d in self.error_codes.items()}}
               if self.error_codes else {}),
        }


@dataclass(slots=True)
class TargetResult:
    """The fate of one target of a batch action."""

    target: str
    outcome: Outcome
    message: str = ""
    code: int | str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.outcome == "done", "outcome": self.outcome,
                "message": self.message, "code": self.code}


@dataclass(slots=True)
class ActionResult:
    service: str
    action: str
    targets: list[str]
    ok: bool
    message: str
    code: int | str | None = None
    outcome: Outcome | None = None   # None: derived from ok
    per_target: list[TargetResult] = field(default_factory=list)   # batches sent one by one

    def __post_init__(self) -> None:
        if self.outcome is None:
            self.outcome = "done" if self.ok else "refused"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"service": self.service, "action": self.action,
                               "targets": self.targets, "ok": self.ok, "message": self.message,
                               "code": self.code, "outcome": self.outcome}
        if self.per_target:
            out["results"] = [r.to_json() for r in self.per_target]
        return out


@dataclass(slots=True)
class SubmitResult:
    """New work the service accepted: its id, and what happened on the way (a skipped upload)."""

    task_id: str
    notes: list[str] = field(default_factory=list)


def in_window(task: Task, since: datetime | None) -> bool:
    """A failed task still needs attention: it ended (else was submitted) at or after `since`,
    the kind's attention window; without a window or a date, it does."""
    ended = task.ended_at or task.submitted_at
    return since is None or ended is None or ended >= since


@dataclass(frozen=True, slots=True, eq=False)
class TaskChanges:
    """How an adapter's list of top-level tasks differs from the list it handed before: a
    consumer that took `before` applies this instead of comparing 20,000 tasks again."""

    before: list[Task]
    after: list[Task]
    changed: tuple[Task, ...] = ()     # new, or not the object `before` held under that id
    previous: tuple[Task, ...] = ()    # the objects of `before` that were replaced or went
    gone: frozenset[str] = frozenset()


def task_changes(tasks: list[Task], changes: TaskChanges | None,
                 before: list[Task] | None) -> TaskChanges | None:
    """What changed in `tasks` (with the `changes` its adapter handed, if any) since `before`,
    the list this consumer took last; None when only a comparison can tell (the adapter does
    not say, or this consumer missed a poll)."""
    if before is None:
        return None
    if tasks is before:
        return TaskChanges(before, tasks)
    if changes is not None and changes.before is before and changes.after is tasks:
        return changes
    return None


def changed_tasks(tasks: list[Task], kept: dict[str, Task]) -> list[Task]:
    """The tasks that are not the very objects kept under their ids. An adapter hands an
    unchanged task as the object it handed before, so this is what moved since; looped in C,
    for a big account hands 20,000 tasks a poll, nearly all of them the same objects."""
    return list(compress(tasks, map(is_not, map(kept.get, map(attrgetter("id"), tasks)), tasks)))


def finite(value: float | None) -> float | None:
    """NaN and infinities are not JSON: they leave as null."""
    return value if value is None or math.isfinite(value) else None


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_unix(value: Any) -> datetime | None:
    """Unix seconds, as a number or a string, to UTC; anything else is no date."""
    try:
        return _from_unix(value)   # the same start times come back every poll (300 streams)
    except TypeError:   # unhashable: not a date either
        return None


@functools.lru_cache(maxsize=8192)
def _from_unix(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(float(value)), tz=UTC) if value not in (None, "", 0, "0") \
            else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_epoch_ms(value: Any) -> datetime | None:
    if value in (None, "", 0):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
