"""What needs the operator, from one poll to the next: transitions and the attention list.

A ServiceWatch follows one service's snapshots. Each poll it reports transitions (a task that
turned failed or partial, or finished (`done`, alerted only when asked), a running task that made
no progress for `stall_after`, a stream that went down, a relay that stopped or turned abnormal,
the service going down or coming back; never on the service's first poll) and keeps the items
that need attention now: failed and partial tasks, stalled tasks, tasks stopped for arrears
or for running past their timeout,
streams that went down since watching began, live streams whose app is at its player limit,
abnormal relays and relays that stopped since watching began, the service itself when it is
down or stale, its warnings, and a balance under the alert threshold.

The console's attention view and alerts, `jobdeck watch` and its metrics all read from here.

The operator's own action is an expected change: the console tells the watch what it just did
(`expect`), and the transition that follows is marked `by_you` (no alert, no attention item; it
stays in the history). `jobdeck watch` says where it starts (`at_start`): a line per service that
is down or has items needing attention at its first poll, with `from` null.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from jobdeck.adapters.contract.model import (
    ServiceSnapshot,
    Stream,
    Task,
    in_window,
    iso,
    task_changes,
)

ARREARS = "20"   # Renderbus: stopped because the account is in arrears
TIMED_OUT = "23"   # Renderbus: stopped because it ran past its timeout (TIME_OUT_STOP)
TROUBLE = frozenset({"failed", "partial"})
STOPPED = frozenset({ARREARS, TIMED_OUT})
# Streams that went down are kept as attention items until they come back, but no longer than
# GONE_KEEP_S and no more than GONE_LIMIT of them (the oldest go first): 2,000 streams renamed a
# poll once made 264,000 items and doubled the console's memory in a minute.
GONE_KEEP_S = 24 * 3600.0
GONE_LIMIT = 500
LIMIT_HOLD_S = 60.0   # an app at its player limit stays an item this long after it was


@dataclass(slots=True)
class Transition:
    at: datetime
    service: str
    kind: str
    what: str          # task | stream | relay | service
    id: str
    name: str
    from_: str | None  # None: where `watch` starts, not a change
    to: str
    detail: str | None = None
    by_you: bool = False   # the operator's own action caused it: no alert
    @property
    def label(self) -> str:
        """The id, and the name when it says more (EVA and enhance tasks are named by id)."""
        return self.id if self.name in ("", self.id) else f"{self.id} {self.name}"

    @property
    def event(self) -> str:
        """The [alerts] `on` name of this transition."""
        if self.what == "service":
            return "service_down" if self.to == "down" else "service_up"
        if self.what == "stream":
            return "stream_gone"
        if self.what == "relay":
            return "relay_down"
        return self.to   # failed, partial, stalled, done

    @property
    def key(self) -> str:
        return f"{self.service}/{self.what}/{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {"at": iso(self.at), "service": self.service, "what": self.what, "id": self.id,
                "name": self.name, "from": self.from_, "to": self.to, "detail": self.detail}

    def line(self) -> str:
        """One line of text for `watch` and the history screen."""
        detail = f" ({self.detail})" if self.detail else ""
        subject = self.service if self.what == "service" else \
            f"{self.service} {self.what} {self.label}"
        if self.from_ is None:
            return f"{iso(self.at)} {subject}: at start: {self.to}{detail}"
        by = " by you" if self.by_you else ""
        return f"{iso(self.at)} {subject}: {self.from_} -> {self.to}{by}{detail}"


def trouble(task: Task) -> str | None:
    """What went wrong with a failed or partial task, in the service's words when it gave
    any, else from its frame counts."""
    if task.error:
        return task.error
    frames = task.frames
    if frames and frames.failed:
        return f"{frames.failed} of {frames.total} frames failed"
    return None


@dataclass(slots=True)
class Item:
    """One thing that needs attention now."""

    service: str
    kind: str
    what: str          # task | stream | relay | service | warning | balance
    id: str
    name: str
    status: str        # failed, partial, stalled, arrears, timeout, gone, at limit, abnormal, stopped,
                       # down, stale, warning, low
    since: float       # monotonic time it began (newest first)
    detail: str = ""
    task: Task | None = None

    @property
    def key(self) -> str:
        return f"{self.service}/{self.what}/{self.id}"

    @property
    def signature(self) -> str:
        """What a mute "until it changes" remembers."""
        return f"{self.status}|{self.detail}"


@dataclass(slots=True)
class _Progress:
    mark: object      # what counts as progress for a running task
    since: float      # monotonic time it last moved
    stalled: bool = False


@dataclass
class ServiceWatch:
    name: str
    kind: str
    stall_after_s: float = 30 * 60
    balance_below: float | None = None
    # Per task and stream seen in the last poll only: what leaves the service's list is dropped.
    statuses: dict[str, str] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)
    gone: dict[str, Item] = field(default_factory=dict)   # oldest first; see GONE_LIMIT
    relays: dict[str, str] = field(default_factory=dict)          # relay id -> state
    relays_down: dict[str, Item] = field(default_factory=dict)    # stopped since watched
    abnormal_since: dict[str, float] = field(default_factory=dict)
    # stream id -> (since when its app is at its player limit, when it last was): see _limits
    at_limit: dict[str, tuple[float, float]] = field(default_factory=dict)
    progress: dict[str, _Progress] = field(default_factory=dict)
    first_seen: dict[str, float] = field(default_factory=dict)
    ok: bool | None = None
    down_since: float | None = None
    last_ok: float | None = None
    error: str | None = None
    snapshot: ServiceSnapshot | None = None
    expected: dict[str, float] = field(default_factory=dict)   # key -> until (monotonic)

    def expect(self, what: str, ids: Iterable[str], until: float) -> None:
        """The operator just acted on these items: a change to them before `until` is theirs."""
        for item_id in ids:
            self.expected[f"{self.name}/{what}/{item_id}"] = until

    def _by_you(self, what: str, item_id: str, now: float) -> bool:
        until = self.expected.get(f"{self.name}/{what}/{item_id}")
        return until is not None and now <= until

    def at_start(self, wall: datetime | None = None) -> list[Transition]:
        """Where watching starts, after the first poll: the service down, or what of it needs
        attention (a line per service, `from` None). Empty when all is well."""
        wall = wall or datetime.now(UTC)
        if self.ok is None:
            return []
        if self.ok is False:
            return [Transition(wall, self.name, self.kind, "service", self.name, self.name,
                               None, "down", self.error)]
        items = self.items(self.last_ok or 0.0)
        if not items:
            return []
        listed = "; ".join(f"{i.what} {i.id}" + (f" {i.name}" if i.name not in ("", i.id)
                                                   and i.what in ("task", "stream") else "")
                           + f" {i.status}" for i in items)
        return [Transition(wall, self.name, self.kind, "service", self.name, self.name, None,
                           "attention", f"{len(items)} need{'s' if len(items) == 1 else ''} "
                           f"attention: {listed}")]

    # The task objects of the last poll: one that comes again (an adapter keeps a task's object
    # while it is unchanged) is not looked at again but for a stall; the attention items of
    # the tasks are made once a snapshot, not at every ask.
    taken: dict[str, Task] = field(default_factory=dict)
    _tasks: list[Task] | None = None
    _task_items: list[Item] | None = None
    # The items of _task_items by task id, kept up to date from the changes an adapter hands
    # (a big account's book), so a poll that changed ten tasks makes ten, not a pass of 20,000
    _trouble: dict[str, Item] | None = None
    _players_of: tuple[ServiceSnapshot, dict[str, int], dict[str, Stream]] | None = None

    def observe(self, snapshot: ServiceSnapshot, now: float,
                wall: datetime | None = None) -> list[Transition]:
        """Take one poll; return what changed since the last one."""
        wall = wall or datetime.now(UTC)
        first = self.ok is None
        out: list[Transition] = []

        for key in [k for k, until in self.expected.items() if now > until]:
            del self.expected[key]

        def transition(what: str, item_id: str, name: str, before: str, after: str,
                       detail: str | None = None) -> None:
            if not first:
                out.append(Transition(wall, self.name, self.kind, what, item_id, name, before,
                                      after, detail, self._by_you(what, item_id, now)))

        if not snapshot.ok:
            if self.ok is not False:
                self.down_since = now
                transition("service", self.name, self.name, "ok", "down", snapshot.error)
            self.ok, self.error = False, snapshot.error
            return out
        if self.ok is False:
            transition("service", self.name, self.name, "down", "ok", None)
        self.ok, self.error, self.down_since, self.last_ok = True, None, None, now
        if self.snapshot is None or snapshot.attention_since != self.snapshot.attention_since:
            self._task_items = self._trouble = None
        self.snapshot = snapshot
        if snapshot.tasks is self._tasks:   # the same list: nothing in it changed but time
            for task_id in list(self.progress):
                self._stall(self.taken[task_id], now, transition)
        else:
            self._observe_tasks(snapshot, now, transition)
        live_now = {s.id: s for s in snapshot.streams}
        for stream_id, before in list(self.streams.items()):
            stream = live_now.get(stream_id)
            after = stream.state if stream is not None else "gone"
            if before == "live" and after != "live":
                name = stream.name if stream is not None else stream_id.rpartition("/")[2]
                transition("stream", stream_id, name, "live", after, None)
                self.gone.pop(stream_id, None)   # newest last
                if not self._by_you("stream", stream_id, now):   # closed by the operator
                    self.gone[stream_id] = Item(self.name, self.kind, "stream", stream_id, name,
                                                "gone" if after == "gone" else after, now,
                                                f"was live; now {after}")
        for stream in snapshot.streams:
            if stream.state == "live":
                self.gone.pop(stream.id, None)   # back: no longer needs attention
        self._forget_gone(now)
        self.streams = {s.id: s.state for s in snapshot.streams}
        self._relays(snapshot, now, transition)
        self._limits(snapshot, now)
        return out

    def _limits(self, snapshot: ServiceSnapshot, now: float) -> None:
        """Streams whose app is at its player limit, since when. An app's viewers come and go
        around its limit: the item stays LIMIT_HOLD_S after the app was last at it, and keeps
        the time it began, so it neither flickers nor jumps to the top at every poll."""
        at = [stream.id for stream in at_limit(self.name, self.kind, snapshot, now)]
        live = {s.id for s in snapshot.streams if s.state == "live"}
        for stream_id in at:
            since, _ = self.at_limit.get(stream_id, (now, now))
            self.at_limit[stream_id] = (since, now)
        for stream_id, (_, last) in list(self.at_limit.items()):
            if stream_id not in live or (stream_id not in at and now - last > LIMIT_HOLD_S):
                del self.at_limit[stream_id]

    def _forget_gone(self, now: float) -> None:
        """Keep GONE_LIMIT gone streams at most, none older than GONE_KEEP_S."""
        gone = self.gone
        while gone:
            oldest = next(iter(gone))
            if len(gone) <= GONE_LIMIT and now - gone[oldest].since <= GONE_KEEP_S:
                break
            del gone[oldest]

    def _relays(self, snapshot: ServiceSnapshot, now: float, transition: Any) -> None:
        """A relay that stops or turns abnormal is a transition; one that stopped stays an item
        until it runs again (an abnormal one is an item while it is abnormal). A relay no longer
        listed (removed, or the list not read this time) is let go quietly."""
        if snapshot.relays is None:
            return
        for relay in snapshot.relays:
            before = self.relays.get(relay.id)
            if before is not None and before != relay.state and relay.state != "running" \
                    and not (before == "abnormal" and relay.state == "stopped"):
                transition("relay", relay.id, relay.name, before, relay.state,
                           f"{relay.source} -> {relay.target}")
            if relay.state == "abnormal":
                self.abnormal_since.setdefault(relay.id, now)
            else:
                self.abnormal_since.pop(relay.id, None)
            if relay.state == "running":
                self.relays_down.pop(relay.id, None)
            elif relay.state == "stopped" and before in ("running", "abnormal") \
                    and relay.id not in self.relays_down:
                self.relays_down[relay.id] = Item(self.name, self.kind, "relay", relay.id,
                                                  relay.name, "stopped", now,
                                                  f"was {before}; {relay.source} -> "
                                                  f"{relay.target}")
        listed = {r.id for r in snapshot.relays}
        for gone in set(self.relays_down) - listed:
            self.relays_down.pop(gone)
        for gone in set(self.abnormal_since) - listed:
            self.abnormal_since.pop(gone)
        self.relays = {r.id: r.state for r in snapshot.relays}

    def _observe_tasks(self, snapshot: ServiceSnapshot, now: float, transition: Any) -> None:
        tasks = snapshot.tasks
        changes = task_changes(tasks, snapshot.changes, self._tasks)
        if changes is not None:   # the adapter says what changed: only that is looked at
            changed, gone = changes.changed, changes.gone
        else:
            changed, gone = _in_place(self._tasks, tasks), frozenset()
            self._trouble = None
        if changed is not None:
            for task_id in gone:
                self.taken.pop(task_id, None)
                self.statuses.pop(task_id, None)
                self.progress.pop(task_id, None)
                self.first_seen.pop(task_id, None)
            for task in changed:
                self.taken[task.id] = task
                self._take(task, now, transition)
            moved = {task.id for task in changed}
            for task_id in [i for i in self.progress if i not in moved]:
                self._stall(self.taken[task_id], now, transition)
            found = self._trouble
            if found is not None:   # kept only while the adapter says what changed
                for task_id in gone:
                    found.pop(task_id, None)
                for task in changed:
                    item = self._trouble_item(task, snapshot.attention_since, now)
                    if item is None:
                        found.pop(task.id, None)
                    else:
                        found[task.id] = item
            self._tasks, self._task_items = tasks, None
            return
        taken: dict[str, Task] = {}
        for task in tasks:
            taken[task.id] = task
            if self.taken.get(task.id) is task:   # unchanged since the last poll
                if task.id in self.progress:
                    self._stall(task, now, transition)
                continue
            self._take(task, now, transition)
        for gone in self.taken.keys() - taken.keys():
            self.statuses.pop(gone, None)
            self.progress.pop(gone, None)
            self.first_seen.pop(gone, None)
        self.taken, self._tasks, self._task_items = taken, tasks, None

    def _take(self, task: Task, now: float, transition: Any) -> None:
        """A task new or changed since the last poll: its transition, its stall."""
        self.first_seen.setdefault(task.id, now)
        before = self.statuses.get(task.id)
        if before is not None and before != task.status and task.status in ("failed",
                                                                             "partial", "done"):
            transition("task", task.id, task.name, before, task.status, trouble(task))
            self.first_seen[task.id] = now
        self.statuses[task.id] = task.status
        self._stall(task, now, transition)

    def _stall(self, task: Task, now: float, transition: Any) -> None:
        """A running task whose progress has not moved for stall_after. A task that reports no
        progress at all (a render service that only says "running") is never called stalled."""
        frames = task.frames
        if task.status != "running" or (task.progress is None and not (frames and frames.total)):
            self.progress.pop(task.id, None)
            return
        mark = (task.progress, frames.done if frames else None)
        tracked = self.progress.get(task.id)
        if tracked is None or tracked.mark != mark:
            self.progress[task.id] = _Progress(mark, now)
            return
        if not tracked.stalled and now - tracked.since >= self.stall_after_s:
            tracked.stalled = True
            transition("task", task.id, task.name, "running", "stalled",
                       f"no progress for {age_words(now - tracked.since)}")

    def items(self, now: float) -> list[Item]:
        """What needs attention now, newest first."""
        items: list[Item] = []
        if self.ok is False:
            status = "stale" if self.last_ok is not None else "down"
            items.append(Item(self.name, self.kind, "service", self.name, self.name, status,
                              self.down_since or now, self.error or ""))
        snapshot = self.snapshot
        if snapshot is not None:
            if self._task_items is None:
                if self._trouble is None:
                    self._trouble = self._trouble_items(snapshot, now)
                self._task_items = list(self._trouble.values())
            items += self._task_items
            for task_id, tracked in self.progress.items():   # only running tasks are here
                if not tracked.stalled:
                    continue
                task = self.taken.get(task_id)
                if task is not None:
                    items.append(Item(self.name, self.kind, "task", task.id, task.name,
                                      "stalled", tracked.since + self.stall_after_s,
                                      f"no progress for {age_words(now - tracked.since)}",
                                      task))
            if self.at_limit:
                players, streams = self._players(snapshot)
                for stream_id, (since, _) in self.at_limit.items():
                    stream = streams.get(stream_id)
                    if stream is None or not stream.player_limit:
                        continue
                    have = players.get(stream.app, 0)
                    detail = f"players refused at the limit: app {stream.app} has {have} of " \
                        f"{stream.player_limit}" if have >= stream.player_limit else \
                        f"app {stream.app} was at its limit of {stream.player_limit} players " \
                        f"(now {have})"
                    items.append(Item(self.name, self.kind, "stream", stream.id, stream.name,
                                      "at limit", since, detail))
            for relay in snapshot.relays or []:
                if relay.state == "abnormal":
                    items.append(Item(self.name, self.kind, "relay", relay.id, relay.name,
                                      "abnormal", self.abnormal_since.get(relay.id, now),
                                      f"{relay.source} -> {relay.target} (the service's "
                                      f"status {relay.raw_status})"))
            if self.ok:
                for number, warning in enumerate(snapshot.warnings):
                    items.append(Item(self.name, self.kind, "warning", str(number), "warning",
                                      "warning", self.last_ok or now, warning))
            account = snapshot.account
            # what the account can spend: cash, coupon and credit (a Renderbus profile)
            available = account.available if account is not None else None
            if account is not None and available is not None \
                    and self.balance_below is not None and available < self.balance_below:
                parts = account.parts()
                items.append(Item(self.name, self.kind, "balance", account.name or self.name,
                                  account.name or self.name, "low", self.last_ok or now,
                                  f"balance {available:,.2f}"
                                  + (f" ({parts})" if parts else "")
                                  + f" is under {self.balance_below:,.2f}"))
        items += self.gone.values()
        items += self.relays_down.values()
        return items


    def _players(self, snapshot: ServiceSnapshot) -> tuple[dict[str, int], dict[str, Stream]]:
        """app_players() and the streams by id, made once a snapshot (not at every ask)."""
        kept = self._players_of
        if kept is None or kept[0] is not snapshot:
            kept = self._players_of = (snapshot, app_players(snapshot),
                                       {s.id: s for s in snapshot.streams})
        return kept[1], kept[2]

    def _trouble_items(self, snapshot: ServiceSnapshot, now: float) -> dict[str, Item]:
        """The failed and partial tasks of the attention window, and those stopped for
        arrears or timed out: what the tasks themselves say, by task id."""
        window, found = snapshot.attention_since, {}
        for task in snapshot.tasks:
            if task.status in TROUBLE or task.raw_status in STOPPED:
                item = self._trouble_item(task, window, now)
                if item is not None:
                    found[task.id] = item
        return found

    def _trouble_item(self, task: Task, window: datetime | None, now: float) -> Item | None:
        if task.status in TROUBLE:
            if not in_window(task, window):
                return None   # history: older than the kind's attention window
            return Item(self.name, self.kind, "task", task.id, task.name, task.status,
                        self.first_seen.get(task.id, now), trouble(task) or "", task)
        if task.raw_status == ARREARS and self.kind == "renderbus":
            return Item(self.name, self.kind, "task", task.id, task.name, "arrears",
                        self.first_seen.get(task.id, now), task.error or "stopped for arrears",
                        task)
        if task.raw_status == TIMED_OUT and self.kind == "renderbus":
            return Item(self.name, self.kind, "task", task.id, task.name, "timeout",
                        self.first_seen.get(task.id, now), task.error or "stopped: timed out",
                        task)
        return None


def _in_place(previous: list[Task] | None, tasks: list[Task]) -> list[Task] | None:
    """The tasks that changed when `tasks` holds the same ids in the same places as `previous`
    (only some objects new); None when it does not."""
    if previous is None or len(previous) != len(tasks):
        return None
    changed: list[Task] = []
    for old, new in zip(previous, tasks, strict=True):
        if old is not new:
            if old.id != new.id:
                return None
            changed.append(new)
    return changed


def app_players(snapshot: ServiceSnapshot) -> dict[str, int]:
    """Players of each app's live streams together (NTV limitMgr, spec 10.1: an app's limit is
    for all its streams)."""
    players: dict[str, int] = {}
    for stream in snapshot.streams:
        if stream.state == "live":
            players[stream.app] = players.get(stream.app, 0) + (stream.viewers or 0)
    return players


def at_limit(service: str, kind: str, snapshot: ServiceSnapshot, since: float) -> list[Item]:
    """Live streams whose app has as many players as its limit allows: the next player is
    refused."""
    players = app_players(snapshot)
    return [Item(service, kind, "stream", stream.id, stream.name, "at limit", since,
                 f"players refused at the limit: app {stream.app} has "
                 f"{players[stream.app]} of {stream.player_limit}")
            for stream in snapshot.streams
            if stream.state == "live" and stream.player_limit
            and players[stream.app] >= stream.player_limit]


def age_words(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def newest_first(items: Iterable[Item]) -> list[Item]:
    """By `since`, newest first, then by service and key: two sorts in C (sort is stable)."""
    ordered = sorted(items, key=attrgetter("service", "key"))
    ordered.sort(key=attrgetter("since"), reverse=True)
    return ordered


class Mutes:
    """Muted attention items, kept in the state dir: until a time, or until the item changes
    (its status or detail is no longer what it was when it was muted). A mute silences the
    item everywhere: the attention view, and a transition of it (toast, bell, hook). Mutes can
    be listed and lifted."""

    def __init__(self, store: Any, wall: Any = None) -> None:
        import time

        self.store = store
        self.wall = wall or time.time
        self._mutes: dict[str, dict[str, Any]] = dict(
            (store.load().get("mutes") or {}) if store is not None else {})

    def is_muted(self, item: Item) -> bool:
        mute = self._mutes.get(item.key)
        if mute is None:
            return False
        until = mute.get("until")
        if until is not None and self.wall() >= until:
            return False
        return until is not None or mute.get("signature") == item.signature

    def mute(self, item: Item, seconds: float | None) -> None:
        """For `seconds`, or (None) until the item changes."""
        entry = {"until": self.wall() + seconds if seconds is not None else None,
                 "signature": item.signature, "service": item.service,
                 "label": f"{item.what} {item.id}" + (f" {item.name}" if item.name not in
                                                      ("", item.id) else ""),
                 "status": item.status}
        self._mutes[item.key] = entry
        if self.store is not None:
            self.store.change(lambda data: data.setdefault("mutes", {}).__setitem__(item.key,
                                                                                     entry))

    def unmute(self, key: str) -> None:
        self._mutes.pop(key, None)
        if self.store is not None:
            self.store.change(lambda data: (data.get("mutes") or {}).pop(key, None))

    def silences(self, transition: Transition) -> bool:
        """A transition of a muted item: held back while muted for a time; a mute "until it
        changes" holds back only a return to the state that was muted."""
        mute = self._mutes.get(transition.key)
        if mute is None:
            return False
        until = mute.get("until")
        if until is not None:
            return self.wall() < until
        return str(mute.get("signature", "")).split("|")[0] == transition.to

    def listing(self) -> list[tuple[str, dict[str, Any]]]:
        """The mutes in force (timed ones not yet over), by key, soonest to end first."""
        now = self.wall()
        live = [(k, m) for k, m in self._mutes.items()
                if m.get("until") is None or m["until"] > now]
        return sorted(live, key=lambda km: (km[1].get("until") is None,
                                            km[1].get("until") or 0, km[0]))

    def count_by_service(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for key, mute in self.listing():
            service = mute.get("service") or key.split("/", 1)[0]
            counts[service] = counts.get(service, 0) + 1
        return counts

    def split(self, items: list[Item]) -> tuple[list[Item], int]:
        """The items to show, and how many are muted. A mute "until it changes" whose item has
        changed is over: it is let go."""
        for item in items:
            mute = self._mutes.get(item.key)
            if mute is not None and mute.get("until") is None \
                    and mute.get("signature") != item.signature:
                self.unmute(item.key)
        shown = [i for i in items if not self.is_muted(i)]
        return shown, len(items) - len(shown)
