"""The history store: what happened on the services, kept after the console closes.

One SQLite file in the state directory (`history.sqlite3`; the standard library's sqlite3, WAL)
holds every transition, every action result (the audit record, with who ran it) and a compact
record of each poll: per service up or down, latency, its top-level tasks counted by status,
balance, live streams and viewers, and the frames (clips) and tasks finished since the poll
before; and of its tasks and streams only those that changed, never the whole list again.
`jobdeck history`, `report` and `replay`, the console's `H` and its trends read it.

Items (tasks, streams, and the service's own facts: account, warnings, API generation) are kept
as intervals: a row says what the item was from `at` until `until` (NULL: still so). A change
closes the old row and opens a new one; an item that leaves the list closes its row; the state
of a service at any moment is the rows open at that moment. A change of status, name, error,
queue position or failed frames is recorded at once; one of progress, done frames or viewers
alone at most once a minute (THROTTLE_S), which is what keeps a day within its budget.

Writing: one writer per process, the Recorder's thread, takes polls, transitions and actions
from a queue and writes about once a second in one transaction. Several jobdeck processes share
the file: WAL lets readers read while one writes, a busy timeout waits out another's write, and
a lease per service (LEASE_S, renewed with each write) lets only one process record a service's
polls and transitions when two poll it (a console and `watch`), so nothing is counted twice;
actions are recorded by whichever process ran them.

Never a stop: a store that cannot be opened or written (a read-only or full disk, another
process holding it too long, a corrupt file) is reported once through `warn`, and the console
and `watch` go on; transitions and actions wait in memory for the store to come back, polls are
let go. A corrupt file is set aside (`history.sqlite3.corrupt-<time>`) and a new one begun.
Rows older than `history_days` are pruned as it goes, a slice at a time.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import queue
import re
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

from jobdeck.adapters.contract.model import (
    STATUSES,
    Account,
    FrameCounts,
    JobdeckError,
    ServiceSnapshot,
    Stream,
    Task,
    changed_tasks,
    iso,
    task_changes,
)

from .oncall import Transition

FILE = "history.sqlite3"
SCHEMA_VERSION = 1
THROTTLE_S = 60          # a change of progress, done frames or viewers alone: once a minute
LEASE_S = 30             # a service's polls are recorded by one process; its claim lasts this
FLUSH_S = 1.0            # the writer gathers this long before one transaction
RETRY_S = 30.0           # a store that failed is tried again after this
PRUNE_EVERY_S = 600      # retention is applied this often (seconds of recorded time)
PRUNE_SLICE_S = 3600     # and removes at most this much of the oldest time per service at once
KEEP_PENDING = 10_000    # transitions and actions held while the store is away, at most

SCHEMA = """
CREATE TABLE services (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL);
CREATE TABLE polls (
    service INTEGER NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL, latency INTEGER,
    queued INTEGER, running INTEGER, stopped INTEGER, done INTEGER, partial INTEGER,
    failed INTEGER, abandoned INTEGER, unknown INTEGER,
    live INTEGER, viewers INTEGER, balance REAL, units INTEGER, finished INTEGER, error TEXT,
    PRIMARY KEY (at, service)) WITHOUT ROWID;
CREATE TABLE items (
    service INTEGER NOT NULL, what TEXT NOT NULL, item TEXT NOT NULL, at INTEGER NOT NULL,
    until INTEGER, status TEXT, data TEXT NOT NULL);
CREATE INDEX items_by_end ON items (service, until);
CREATE INDEX items_by_start ON items (service, at);
CREATE TABLE transitions (
    at INTEGER NOT NULL, service TEXT NOT NULL, kind TEXT NOT NULL, what TEXT NOT NULL,
    item TEXT NOT NULL, name TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL,
    detail TEXT);
CREATE INDEX transitions_by_time ON transitions (at);
CREATE TABLE actions (
    at INTEGER NOT NULL, service TEXT NOT NULL, action TEXT NOT NULL, via TEXT, user TEXT,
    targets TEXT NOT NULL, ok INTEGER NOT NULL, outcome TEXT, message TEXT, code TEXT,
    results TEXT);
CREATE INDEX actions_by_time ON actions (at);
CREATE TABLE leases (service TEXT PRIMARY KEY, owner TEXT NOT NULL, until INTEGER NOT NULL);
"""
# One entry per schema version after the first: the statements that bring N-1 to N.
MIGRATIONS: dict[int, str] = {}

COUNTED = STATUSES   # the poll row's count columns, one per status


class HistoryError(JobdeckError):
    """The store could not be opened, read or written; the words say why."""


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# what goes in -------------------------------------------------------------------------------------

@dataclass(slots=True)
class PollRecord:
    snapshot: ServiceSnapshot
    at: int


@dataclass(slots=True)
class TransitionRecord:
    transition: Transition


@dataclass(slots=True)
class ActionRecord:
    entry: dict[str, Any]     # the audit record: at, service, action, via, user, targets, ...


Record = PollRecord | TransitionRecord | ActionRecord


# what comes out -----------------------------------------------------------------------------------

@dataclass(slots=True)
class Event:
    """One line of the history: a transition, or an action someone took."""

    at: datetime
    service: str
    transition: Transition | None = None
    action: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        """The event's kind for filters: a transition's [alerts] name, or "action"."""
        if self.transition is not None:
            return self.transition.event
        return "action"

    def to_json(self) -> dict[str, Any]:
        if self.transition is not None:
            return self.transition.to_json()
        return dict(self.action or {})

    def line(self) -> str:
        if self.transition is not None:
            return self.transition.line()
        return f"{iso(self.at)} {self.service} action {describe_action(self.action or {})}"

    @property
    def what(self) -> str:
        return self.transition.what if self.transition is not None else "action"

    @property
    def item(self) -> str | None:
        """The task or stream it concerns (an action's first target), None for a service."""
        if self.transition is not None:
            return None if self.transition.what == "service" else self.transition.id
        targets = (self.action or {}).get("targets") or []
        return str(targets[0]) if targets else None


def describe_action(entry: dict[str, Any]) -> str:
    """`retry_failed 18330 by alice via console: done (18330 retried)`"""
    targets = " ".join(str(t) for t in entry.get("targets") or [])
    who = entry.get("user") or "someone"
    via = f" via {entry['via']}" if entry.get("via") else ""
    message = f" ({entry['message']})" if entry.get("message") else ""
    outcome = entry.get("outcome") or ("done" if entry.get("ok") else "refused")
    return f"{entry.get('action')}{' ' + targets if targets else ''} by {who}{via}: " \
           f"{outcome}{message}"


@dataclass(slots=True)
class PollRow:
    service: str
    at: int
    ok: bool
    latency: int | None
    counts: dict[str, int | None]
    live: int | None
    viewers: int | None
    balance: float | None
    units: int | None
    finished: int | None
    error: str | None


@dataclass(slots=True)
class ItemRow:
    what: str
    item: str
    at: int
    data: dict[str, Any]


# encoding of items --------------------------------------------------------------------------------

def _task_keys(task: Task, parent: str | None) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """What about a task is news at once, and what only once a minute."""
    frames = task.frames
    stable = (task.name, task.status, task.raw_status, task.queue_position,
              frames.total if frames else None, frames.failed if frames else None,
              task.output_url, task.error, parent)
    progress = round(task.progress, 3) if task.progress is not None \
        and math.isfinite(task.progress) else None
    # A start time some services give as "running for N s" wobbles by a second or two.
    volatile = (progress, (frames.done, frames.running, frames.waiting) if frames else None,
                task.details.get("clips"), task.submitted_at)
    return stable, volatile


def _task_data(task: Task, parent: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"name": task.name, "status": task.status,
                            "raw_status": task.raw_status}
    if task.progress is not None and math.isfinite(task.progress):
        data["progress"] = round(task.progress, 4)
    if task.queue_position is not None:
        data["queue_position"] = task.queue_position
    if task.frames is not None:
        f = task.frames
        data["frames"] = [f.total, f.done, f.failed, f.running, f.waiting]
    if task.submitted_at is not None:
        data["submitted_at"] = epoch(task.submitted_at)
    for key in ("output_url", "error"):
        if (value := getattr(task, key)) is not None:
            data[key] = value
    if parent is not None:
        data["parent"] = parent
    return data


def _stream_keys(stream: Stream) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    return ((stream.app, stream.name, stream.protocol, stream.host, stream.state, stream.codec,
             stream.recording), (stream.viewers, stream.bitrate_kbps, stream.started_at))


def _stream_data(stream: Stream) -> dict[str, Any]:
    data: dict[str, Any] = {"app": stream.app, "name": stream.name, "protocol": stream.protocol,
                            "host": stream.host, "state": stream.state}
    if stream.started_at is not None:
        data["started_at"] = epoch(stream.started_at)
    for key in ("viewers", "codec", "bitrate_kbps"):
        if (value := getattr(stream, key)) is not None:
            data[key] = value
    if stream.recording:
        data["recording"] = True
    return data


def _facts(snapshot: ServiceSnapshot) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if snapshot.account is not None:
        data["account"] = snapshot.account.name
    if snapshot.warnings:
        data["warnings"] = list(snapshot.warnings)
    if snapshot.api_version:
        data["api_version"] = snapshot.api_version
    return data


def task_from(item: str, data: dict[str, Any]) -> Task:
    frames = data.get("frames")
    submitted = data.get("submitted_at")
    return Task(id=item, name=str(data.get("name", item)), status=data.get("status", "unknown"),
                raw_status=str(data.get("raw_status", "")), progress=data.get("progress"),
                queue_position=data.get("queue_position"),
                frames=FrameCounts(*frames) if isinstance(frames, list) and len(frames) == 5
                else None,
                submitted_at=moment(submitted) if isinstance(submitted, int) else None,
                output_url=data.get("output_url"), error=data.get("error"))


def stream_from(item: str, data: dict[str, Any]) -> Stream:
    started = data.get("started_at")
    return Stream(id=item, app=str(data.get("app", "")), name=str(data.get("name", item)),
                  protocol=str(data.get("protocol", "")), host=str(data.get("host", "")),
                  started_at=moment(started) if isinstance(started, int) else None,
                  viewers=data.get("viewers"), state=data.get("state", "live"),
                  codec=data.get("codec"), bitrate_kbps=data.get("bitrate_kbps"),
                  recording=bool(data.get("recording")))


def _units(task: Task) -> tuple[int, int] | None:
    """Done and total frames (FinalRip: clips, kept in details) of a task, when known."""
    if task.frames is not None:
        return task.frames.done, task.frames.total
    clips = task.details.get("clips")
    if isinstance(clips, list | tuple) and len(clips) == 2:
        return int(clips[0]), int(clips[1])
    return None


# the writer's memory of what it has recorded -------------------------------------------------------

@dataclass(slots=True)
class _Kept:
    rowid: int
    stable: tuple[Any, ...]
    volatile: tuple[Any, ...]
    at: int


@dataclass(slots=True)
class _Seen:
    items: dict[tuple[str, str], _Kept] = field(default_factory=dict)
    units: dict[str, tuple[int, int]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    # Top-level tasks whose every row is written as they are, by the very object written (an
    # adapter hands the same object again while a task is unchanged): the next poll passes
    # over them without a look, so a big account's finished years cost nothing a poll. With
    # the item keys of each one's tree, to close them when it goes.
    settled: dict[str, Task] = field(default_factory=dict)
    trees: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    others: set[tuple[str, str]] = field(default_factory=set)   # streams and the service
    # The list of the last poll written, and its tasks whose change waits (throttled): when the
    # adapter says what changed since that list, those are all that is looked at.
    tasks: list[Task] | None = None
    waiting: dict[str, Task] = field(default_factory=dict)
    tally: Counter[str] = field(default_factory=Counter)   # `statuses` counted


# the store ----------------------------------------------------------------------------------------

class HistoryStore:
    """One connection to the history file, used from one thread. Readers make their own."""

    def __init__(self, path: Path, days: float = 14.0, *, max_pages: int | None = None,
                 busy_s: float = 5.0) -> None:
        self.path = path
        self.days = days
        self.max_pages = max_pages      # a ceiling on the file, as a full disk would set one
        self.busy_s = busy_s
        self._db: sqlite3.Connection | None = None
        self._service_ids: dict[str, int] = {}
        self._seen: dict[str, _Seen] = {}
        self._held: set[str] = set()
        self._pruned_at: int | None = None

    @classmethod
    def in_dir(cls, directory: Path, days: float = 14.0, **kwargs: Any) -> HistoryStore:
        return cls(directory / FILE, days, **kwargs)

    # opening --------------------------------------------------------------------------------------

    def connect(self, *, create: bool = True) -> sqlite3.Connection:
        """The connection, opened and brought to the current schema. A corrupt file is set
        aside and a new one begun (`create`) or reported. Raises HistoryError."""
        if self._db is not None:
            return self._db
        if not create and not self.path.exists():
            raise HistoryError(f"nothing recorded yet ({self.path} does not exist)")
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not self.path.exists():   # the operator's own record, like state.json
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            db = self._open()
        except sqlite3.DatabaseError as exc:
            if not create or not corrupt(exc):
                raise HistoryError(why(exc, self.path)) from None
            aside = self.set_aside()
            try:
                db = self._open()
            except sqlite3.DatabaseError as again:
                raise HistoryError(why(again, self.path)) from None
            self._db = db
            raise StoreReplaced(f"history store {self.path} was unreadable ({exc}); set aside "
                                f"as {aside.name}, recording anew") from None
        except OSError as exc:
            raise HistoryError(f"cannot use {self.path.parent}: {exc.strerror or exc}") from None
        self._db = db
        return db

    def _open(self) -> sqlite3.Connection:
        """Open and set up; two processes opening a new file at once may find it locked for
        a moment in ways SQLite's busy wait does not cover (the switch to WAL, the schema):
        those are tried again for up to `busy_s`."""
        deadline = time.monotonic() + self.busy_s
        while True:
            try:
                return self._open_once()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)

    def _open_once(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.busy_s, isolation_level=None,
                             check_same_thread=False)
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # The WAL is folded back every 256 pages and cut back to 1 MB after, so the record
            # on disk is the database and little more.
            db.execute("PRAGMA wal_autocheckpoint=256")
            db.execute("PRAGMA journal_size_limit=1048576")
            if self.max_pages is not None:
                db.execute(f"PRAGMA max_page_count={int(self.max_pages)}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                self._migrate(db, version)
            elif version > SCHEMA_VERSION:
                raise HistoryError(f"{self.path} was written by a newer jobdeck "
                                   f"(schema {version}; this one knows {SCHEMA_VERSION})")
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection, version: int) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]   # another may have done it
            steps = [SCHEMA] if version == 0 else []
            steps += [MIGRATIONS[v] for v in range(max(version, 1) + 1, SCHEMA_VERSION + 1)]
            for step in steps:   # executescript would commit: one statement at a time
                for statement in filter(str.strip, step.split(";")):
                    db.execute(statement)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise

    def set_aside(self) -> Path:
        """Move an unreadable file (and its WAL) out of the way; the path it went to."""
        self.close()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
        return aside

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None
        self._service_ids.clear()
        self._seen.clear()
        self._held.clear()

    # writing (the Recorder's thread only) -----------------------------------------------------------

    def write(self, records: Sequence[Record], owner: str, now: float | None = None,
              declared: Sequence[tuple[str, str]] = ()) -> None:
        """Write records in one transaction. Polls and transitions of a service another
        process is recording are let go. `declared`: (name, kind) of the services in the
        order the config lists them, which is the order they are read back in.
        Raises sqlite3.Error or HistoryError."""
        db = self.connect()
        wall = time.time() if now is None else now
        services = {r.snapshot.name for r in records if isinstance(r, PollRecord)} | \
                   {r.transition.service for r in records if isinstance(r, TransitionRecord)}
        db.execute("BEGIN IMMEDIATE")
        try:
            for name, kind in declared:
                self.service_id(db, name, kind)
            held = self._claim(db, services, owner, wall)
            latest = None
            for record in records:
                if isinstance(record, PollRecord):
                    if record.snapshot.name in held:
                        self._poll(db, record)
                    latest = max(latest or record.at, record.at)
                elif isinstance(record, TransitionRecord):
                    if record.transition.service in held:
                        self._transition(db, record.transition)
                else:
                    self._action(db, record.entry)
            if latest is not None:
                self._prune_now_and_then(db, latest)
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            self._seen.clear()   # what was diffed was not written: begin each service anew
            self._held.clear()
            raise

    def release(self, owner: str) -> None:
        """Give up this process's claims, so another records those services at once."""
        if self._db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("DELETE FROM leases WHERE owner = ?", (owner,))

    def _claim(self, db: sqlite3.Connection, services: Iterable[str], owner: str,
               now: float) -> set[str]:
        held = set()
        for name in services:
            row = db.execute("SELECT owner, until FROM leases WHERE service = ?",
                             (name,)).fetchone()
            if row is None or row[0] == owner or row[1] < now:
                db.execute("INSERT INTO leases (service, owner, until) VALUES (?, ?, ?) "
                           "ON CONFLICT (service) DO UPDATE SET owner = excluded.owner, "
                           "until = excluded.until", (name, owner, int(now + LEASE_S)))
                held.add(name)
        for name in services:
            if name not in held or name not in self._held:
                self._seen.pop(name, None)   # recorded by another meanwhile: begin anew
        self._held = (self._held | held) - (set(services) - held)
        return held

    def service_id(self, db: sqlite3.Connection, name: str, kind: str) -> int:
        known = self._service_ids.get(name)
        if known is not None:
            return known
        db.execute("INSERT INTO services (name, kind) VALUES (?, ?) ON CONFLICT (name) DO "
                   "UPDATE SET kind = excluded.kind", (name, kind))
        number = db.execute("SELECT id FROM services WHERE name = ?", (name,)).fetchone()[0]
        self._service_ids[name] = number
        return number

    def _poll(self, db: sqlite3.Connection, record: PollRecord) -> None:
        snapshot, at = record.snapshot, record.at
        sid = self.service_id(db, snapshot.name, snapshot.kind)
        seen = self._seen.get(snapshot.name)
        units = finished = 0
        if snapshot.ok:
            if seen is None:
                seen = self._seen[snapshot.name] = _Seen()
                db.execute("UPDATE items SET until = ? WHERE service = ? AND until IS NULL",
                           (at, sid))
            changes = task_changes(snapshot.tasks, snapshot.changes, seen.tasks)
            if changes is None:
                changed = changed_tasks(snapshot.tasks, seen.settled)
            else:   # what the adapter says changed, and what waited from before
                moved = {task.id for task in changes.changed}
                changed = [*changes.changed, *(t for i, t in seen.waiting.items()
                                               if i not in moved and i not in changes.gone)]
            seen.tasks = snapshot.tasks
            units, finished = self._progress(seen, snapshot.tasks, changed)
            self._items(db, sid, seen, snapshot, changed, at)
        counts = dict.fromkeys(COUNTED, 0)
        if snapshot.ok and snapshot.changes is not None:   # a book's list: unique ids
            counts.update(seen.tally)   # kept as the statuses move: 20,000 are not counted
        else:
            counts.update(Counter(map(attrgetter("status"), snapshot.tasks)))
        live = [s for s in snapshot.streams if s.state == "live"]
        viewers = [s.viewers for s in live if s.viewers is not None]
        latency = snapshot.latency_ms
        db.execute(
            "INSERT OR REPLACE INTO polls VALUES (?,?,?,?, ?,?,?,?,?,?,?,?, ?,?,?,?,?,?)",
            (sid, at, int(snapshot.ok),
             round(latency) if latency is not None and math.isfinite(latency) else None,
             *(counts[s] for s in COUNTED), len(live) if snapshot.streams else None,
             sum(viewers) if viewers else None,
             snapshot.account.available if snapshot.account is not None else None,
             units if snapshot.ok else None, finished if snapshot.ok else None,
             None if snapshot.ok else (snapshot.error or "failed")))

    def _progress(self, seen: _Seen, tasks: list[Task],
                  changed: Iterable[Task]) -> tuple[int, int]:
        """Frames (clips) finished, and top-level tasks turned done, since the poll before."""
        units = finished = 0
        for task in changed:
            before, now = seen.units.get(task.id), _units(task)
            if before is not None:
                if now is not None:
                    units += max(0, now[0] - before[0])
                elif task.status == "done":
                    units += max(0, before[1] - before[0])
                    now = (before[1], before[1])
            if now is not None:
                seen.units[task.id] = now
            status_before = seen.statuses.get(task.id)
            if status_before is not None and status_before != "done" and task.status == "done":
                finished += 1
            if status_before != task.status:
                if status_before is not None:
                    seen.tally[status_before] -= 1
                seen.tally[task.status] += 1
            seen.statuses[task.id] = task.status
        if len(seen.statuses) != len(tasks):   # some went (each task here has a status)
            present = {task.id for task in tasks}
            for gone in set(seen.statuses) - present:
                seen.tally[seen.statuses.pop(gone)] -= 1
                seen.units.pop(gone, None)
        return units, finished

    def _items(self, db: sqlite3.Connection, sid: int, seen: _Seen,
               snapshot: ServiceSnapshot, changed: Iterable[Task], at: int) -> None:
        items = seen.items

        def one(what: str, item: str, keys: tuple[tuple[Any, ...], tuple[Any, ...]],
                data: Callable[[], dict[str, Any]], status: str | None) -> bool:
            """Write the item's row if it changed; False when a change waits (throttled)."""
            key = (what, item)
            stable, volatile = keys
            kept = items.get(key)
            if kept is not None and kept.stable == stable:
                if kept.volatile == volatile:
                    return True
                if at - kept.at < THROTTLE_S:
                    return False
            if kept is not None:
                db.execute("UPDATE items SET until = ? WHERE rowid = ?", (at, kept.rowid))
            cursor = db.execute(
                "INSERT INTO items (service, what, item, at, status, data) VALUES (?,?,?,?,?,?)",
                (sid, what, item, at, status,
                 json.dumps(data(), separators=(",", ":"), ensure_ascii=False)))
            items[key] = _Kept(cursor.lastrowid or 0, stable, volatile, at)
            return True

        def tree(task: Task, parent: str | None, keys: list[tuple[str, str]]) -> bool:
            keys.append(("task", task.id))
            written = one("task", task.id, _task_keys(task, parent),
                          lambda: _task_data(task, parent), task.status)
            for child in task.children:
                written = tree(child, task.id, keys) and written
            return written

        def close(keys: Iterable[tuple[str, str]]) -> None:
            for key in keys:
                kept = items.pop(key, None)
                if kept is not None:
                    db.execute("UPDATE items SET until = ? WHERE rowid = ?", (at, kept.rowid))

        settled, trees = seen.settled, seen.trees
        for task in changed:
            keys: list[tuple[str, str]] = []
            if tree(task, None, keys):
                settled[task.id] = task
                seen.waiting.pop(task.id, None)
            else:
                settled.pop(task.id, None)   # a change waits: looked at again next poll
                seen.waiting[task.id] = task
            before = trees.get(task.id)
            trees[task.id] = tuple(keys)
            if before is not None and len(before) != 1:   # children that went
                close(set(before) - set(keys))
        if len(trees) != len(snapshot.tasks):   # top-level tasks that went
            present = {task.id for task in snapshot.tasks}
            for gone in set(trees) - present:
                settled.pop(gone, None)
                seen.waiting.pop(gone, None)
                close(trees.pop(gone))
        present_others: set[tuple[str, str]] = set()
        for stream in snapshot.streams:
            present_others.add(("stream", stream.id))
            one("stream", stream.id, _stream_keys(stream), lambda s=stream: _stream_data(s),
                stream.state)
        facts = _facts(snapshot)
        present_others.add(("service", ""))
        one("service", "", ((tuple(sorted((k, str(v)) for k, v in facts.items()))), ()),
            lambda: facts, None)
        close(seen.others - present_others)
        seen.others = present_others

    def _transition(self, db: sqlite3.Connection, t: Transition) -> None:
        db.execute("INSERT INTO transitions VALUES (?,?,?,?,?,?,?,?,?)",
                   (epoch(t.at), t.service, t.kind, t.what, t.id, t.name, t.from_, t.to,
                    t.detail))

    def _action(self, db: sqlite3.Connection, entry: dict[str, Any]) -> None:
        at = entry.get("at")
        try:
            seconds = epoch(datetime.fromisoformat(str(at).replace("Z", "+00:00")))
        except ValueError:
            seconds = int(time.time())
        results = entry.get("results")
        code = entry.get("code")
        db.execute("INSERT INTO actions VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (seconds, str(entry.get("service", "")), str(entry.get("action", "")),
                    entry.get("via"), entry.get("user"),
                    json.dumps([str(t) for t in entry.get("targets") or []], ensure_ascii=False),
                    int(bool(entry.get("ok"))), entry.get("outcome"), entry.get("message"),
                    None if code is None else str(code),
                    json.dumps(results, ensure_ascii=False) if results else None))

    def _prune_now_and_then(self, db: sqlite3.Connection, now: int) -> None:
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = now
        self.prune(now, db)

    def prune(self, now: int, db: sqlite3.Connection | None = None) -> bool:
        """Remove what is older than `days`, at most PRUNE_SLICE_S of time per service at
        once; True when something older is left for the next time."""
        db = db or self.connect()
        cutoff = int(now - self.days * 86400)
        more = False
        for (sid,) in db.execute("SELECT id FROM services").fetchall():
            oldest = db.execute("SELECT min(at) FROM polls WHERE service = ?", (sid,)).fetchone()[0]
            if oldest is not None and oldest < cutoff:
                upto = min(cutoff, oldest + PRUNE_SLICE_S)
                db.execute("DELETE FROM polls WHERE service = ? AND at < ?", (sid, upto))
                more = more or upto < cutoff
            first_end = db.execute("SELECT min(until) FROM items WHERE service = ? AND "
                                   "until IS NOT NULL", (sid,)).fetchone()[0]
            if first_end is not None and first_end < cutoff:
                upto = min(cutoff, first_end + PRUNE_SLICE_S)
                db.execute("DELETE FROM items WHERE service = ? AND until IS NOT NULL AND "
                           "until < ?", (sid, upto))
                more = more or upto < cutoff
        db.execute("DELETE FROM transitions WHERE at < ?", (cutoff,))
        db.execute("DELETE FROM actions WHERE at < ?", (cutoff,))
        db.execute("DELETE FROM leases WHERE until < ?", (int(time.time()) - 86400,))
        if more:
            self._pruned_at = None
        return more

    # reading ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads; HistoryError when there is nothing to read or it fails."""
        try:
            yield self.connect(create=False)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(why(exc, self.path)) from None

    def service_kinds(self) -> dict[str, str]:
        with self.reading() as db:
            return dict(db.execute("SELECT name, kind FROM services ORDER BY id").fetchall())

    def events(self, since: datetime | None = None, until: datetime | None = None,
               services: Sequence[str] | None = None, *, newest_first: bool = False,
               limit: int | None = None) -> list[Event]:
        """Transitions and actions, merged in time order."""
        low = epoch(since) if since else 0
        high = epoch(until) if until else 2**62
        where = "at >= ? AND at <= ?"
        args: list[Any] = [low, high]
        if services:
            where += f" AND service IN ({','.join('?' * len(services))})"
            args += list(services)
        order = "DESC" if newest_first else "ASC"
        tail = f" ORDER BY at {order}, rowid {order}" + (f" LIMIT {int(limit)}" if limit else "")
        with self.reading() as db:
            found: list[tuple[int, int, int, Event]] = []
            for row in db.execute("SELECT at, service, kind, what, item, name, from_status, "
                                  f"to_status, detail, rowid FROM transitions WHERE {where}{tail}",
                                  args):
                at = moment(row[0])
                found.append((row[0], 0, row[9], Event(at, row[1], transition=Transition(
                    at, row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8]))))
            for row in db.execute("SELECT at, service, action, via, user, targets, ok, outcome, "
                                  f"message, code, results, rowid FROM actions WHERE {where}{tail}",
                                  args):
                entry: dict[str, Any] = {
                    "at": iso(moment(row[0])), "service": row[1], "action": row[2],
                    "via": row[3], "user": row[4], "targets": _json(row[5], []),
                    "ok": bool(row[6]), "outcome": row[7], "message": row[8], "code": row[9]}
                if row[10]:
                    entry["results"] = _json(row[10], [])
                found.append((row[0], 1, row[11], Event(moment(row[0]), row[1], action=entry)))
        found.sort(key=lambda e: e[:3], reverse=newest_first)
        events = [e[3] for e in found]
        return events[:limit] if limit else events

    def polls(self, service: str, since: datetime, until: datetime) -> list[PollRow]:
        with self.reading() as db:
            rows = db.execute("SELECT p.* FROM polls p JOIN services s ON s.id = p.service "
                              "WHERE s.name = ? AND p.at >= ? AND p.at <= ? ORDER BY p.at",
                              (service, epoch(since), epoch(until))).fetchall()
        return [_poll_row(service, row) for row in rows]

    def poll_at(self, service: str, at: int) -> PollRow | None:
        """The last poll of the service at or before `at`."""
        with self.reading() as db:
            row = db.execute("SELECT p.* FROM polls p JOIN services s ON s.id = p.service "
                             "WHERE s.name = ? AND p.at <= ? ORDER BY p.at DESC LIMIT 1",
                             (service, at)).fetchone()
        return _poll_row(service, row) if row else None

    def items_at(self, service: str, at: int) -> list[ItemRow]:
        """The service's tasks, streams and facts as they were at `at`."""
        with self.reading() as db:
            sid = db.execute("SELECT id FROM services WHERE name = ?", (service,)).fetchone()
            if sid is None:
                return []
            rows = db.execute(
                "SELECT what, item, at, data FROM items WHERE service = ? AND until IS NULL "
                "AND at <= ? UNION ALL SELECT what, item, at, data FROM items WHERE service = ? "
                "AND until > ? AND at <= ?", (sid[0], at, sid[0], at, at)).fetchall()
        latest: dict[tuple[str, str], ItemRow] = {}
        for what, item, start, data in rows:
            key = (what, item)
            if key not in latest or latest[key].at < start:   # two recorders: the later wins
                latest[key] = ItemRow(what, item, start, _json(data, {}))
        return list(latest.values())

    def poll_moment(self, after: int, direction: int) -> int | None:
        """The next (direction 1) or previous (-1) second in which some service was polled."""
        with self.reading() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM services")]
            if direction > 0:
                found = [db.execute("SELECT at FROM polls WHERE service = ? AND at > ? ORDER BY "
                                    "at LIMIT 1", (i, after)).fetchone() for i in ids]
                times = [r[0] for r in found if r]
                return min(times) if times else None
            found = [db.execute("SELECT at FROM polls WHERE service = ? AND at < ? ORDER BY at "
                                "DESC LIMIT 1", (i, after)).fetchone() for i in ids]
            times = [r[0] for r in found if r]
            return max(times) if times else None

    def transition_moment(self, after: int, direction: int) -> int | None:
        with self.reading() as db:
            if direction > 0:
                row = db.execute("SELECT min(at) FROM transitions WHERE at > ?", (after,))
            else:
                row = db.execute("SELECT max(at) FROM transitions WHERE at < ?", (after,))
            return row.fetchone()[0]


class StoreReplaced(HistoryError):
    """The store was unreadable and has been set aside; a new one is open and working."""


def corrupt(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return True
    text = str(exc)
    return "malformed" in text or "not a database" in text


def why(exc: BaseException, path: Path) -> str:
    """The words for a store that failed: what an operator can do something about."""
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc)
    if name == "SQLITE_FULL" or "full" in text:
        return f"the disk holding {path} is full"
    if name == "SQLITE_BUSY" or "locked" in text:
        return f"{path} is held by another process"
    if name in ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM") or "readonly" in text \
            or "unable to open" in text:
        return f"{path} cannot be written ({text})"
    if isinstance(exc, sqlite3.DatabaseError) and corrupt(exc):
        return f"{path} is unreadable ({text})"
    return f"{path}: {text}"


def _json(text: str | None, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def _poll_row(service: str, row: Sequence[Any]) -> PollRow:
    counts = dict(zip(COUNTED, row[4:12], strict=True))
    return PollRow(service=service, at=row[1], ok=bool(row[2]), latency=row[3], counts=counts,
                   live=row[12], viewers=row[13], balance=row[14], units=row[15],
                   finished=row[16], error=row[17])


# the state of a service at a moment, as a snapshot --------------------------------------------------

def snapshot_at(store: HistoryStore, service: str, kind: str, at: int) -> ServiceSnapshot | None:
    """The service as it was at `at`: its last poll then, with the tasks and streams it held."""
    poll = store.poll_at(service, at)
    if poll is None:
        return None
    tasks: dict[str, Task] = {}
    parents: dict[str, str] = {}
    streams: list[Stream] = []
    facts: dict[str, Any] = {}
    for row in store.items_at(service, at):
        if row.what == "task":
            tasks[row.item] = task_from(row.item, row.data)
            if row.data.get("parent") is not None:
                parents[row.item] = str(row.data["parent"])
        elif row.what == "stream":
            streams.append(stream_from(row.item, row.data))
        elif row.what == "service":
            facts = row.data
    top: list[Task] = []
    for task_id, task in tasks.items():
        parent = tasks.get(parents.get(task_id, ""))
        (parent.children if parent is not None else top).append(task)
    for task in tasks.values():
        task.children.sort(key=lambda t: _number_first(t.id))
    top.sort(key=lambda t: (t.submitted_at.timestamp() if t.submitted_at else float("-inf"),
                            _number_first(t.id)), reverse=True)
    streams.sort(key=lambda s: s.id)
    account = None
    if "account" in facts or poll.balance is not None:
        account = Account(name=str(facts.get("account") or service), balance=poll.balance)
    return ServiceSnapshot(name=service, kind=kind, ok=poll.ok, error=poll.error,
                           account=account, tasks=top, streams=streams,
                           latency_ms=float(poll.latency) if poll.latency is not None else None,
                           warnings=list(facts.get("warnings") or []),
                           api_version=facts.get("api_version"))


def _number_first(text: str) -> tuple[int, int, str]:
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


# time words ------------------------------------------------------------------------------------------

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_span(text: str) -> timedelta | None:
    """`8h`, `90m`, `2d`, `1h30m` as a duration; None when it is not one."""
    words = text.strip().replace(" ", "")
    if not words or _SPAN.sub("", words):
        return None
    return timedelta(seconds=sum(float(n) * _SECONDS[u.lower()] for n, u in _SPAN.findall(words)))


def parse_moment(text: str) -> datetime | None:
    """`2026-12-04 03:12` (local time, as `date` shows it) or ISO 8601 with Z or an offset."""
    words = text.strip()
    if not words:
        return None
    try:
        found = datetime.fromisoformat(words.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if found.tzinfo is None:
        found = found.astimezone()   # the operator's local time
    return found.astimezone(UTC)


def parse_since(text: str, now: datetime | None = None) -> datetime | None:
    """A span back from now (`8h`) or a moment (`2026-12-04 03:12`)."""
    span = parse_span(text)
    if span is not None:
        return (now or datetime.now(UTC)) - span
    return parse_moment(text)


# the writer ------------------------------------------------------------------------------------------

def record_action(state: Any, entry: dict[str, Any]) -> None:
    """An audit record into the history: through the process's recorder when it has one, else
    written at once (`jobdeck act`). A store that fails leaves it in audit.log alone."""
    if state.history is not None:
        state.history.action(entry)
        return
    store = HistoryStore.in_dir(state.directory, busy_s=2.0)
    try:
        store.write([ActionRecord(dict(entry))], f"{os.getpid()}-act")
    except (sqlite3.Error, HistoryError, OSError):
        pass
    finally:
        store.close()


Warn = Callable[[str, str], None]     # words, severity ("warning" or "information")


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


class _Stop(_Flush):
    pass


class Recorder:
    """The one writer of this process: `poll()`, `transition()` and `action()` queue records
    (cheap, any thread); a thread diffs and writes them, about once a second, in one
    transaction. A store that fails is reported once through `warn`; the caller never sees an
    exception from here."""

    def __init__(self, directory: Path | None, days: float = 14.0, warn: Warn | None = None,
                 *, flush_s: float = FLUSH_S, max_pages: int | None = None,
                 retry_s: float = RETRY_S, busy_s: float = 5.0) -> None:
        self.directory = directory
        self.days = days
        self.enabled = directory is not None and days > 0
        self.warn = warn or (lambda text, severity: None)
        self.flush_s, self.retry_s, self.max_pages = flush_s, retry_s, max_pages
        self.busy_s = busy_s          # how long a write waits for another process's
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.problem: str | None = None
        self.written = 0              # records written, for the bench and the tests
        self.cpu_s = 0.0              # the writer thread's own CPU time
        self._queue: queue.SimpleQueue[Record | _Flush] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._store: HistoryStore | None = None
        self._retry_at = 0.0
        self._pending: list[Record] = []
        self._closed = False
        self.declared: list[tuple[str, str]] = []

    def declare(self, services: Iterable[tuple[str, str]]) -> None:
        """The services about to be recorded, (name, kind) in the config's order."""
        self.declared = list(services)

    @property
    def path(self) -> Path | None:
        return self.directory / FILE if self.directory is not None else None

    def poll(self, snapshot: ServiceSnapshot, transitions: Iterable[Transition] = (),
             wall: datetime | None = None) -> None:
        if not self.enabled:
            return
        self._put(PollRecord(snapshot, epoch(wall or datetime.now(UTC))))
        for transition in transitions:
            self._put(TransitionRecord(transition))

    def transition(self, transition: Transition) -> None:
        if self.enabled:
            self._put(TransitionRecord(transition))

    def action(self, entry: dict[str, Any]) -> None:
        if self.enabled:
            self._put(ActionRecord(dict(entry)))

    def _put(self, record: Record | _Flush) -> None:
        if self._closed:
            return
        self._queue.put(record)
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="jobdeck-history",
                                                    daemon=True)
                    self._thread.start()
                    atexit.register(self.close, 2.0)   # however the process ends

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was queued so far is written (or given up); False on timeout."""
        if not self.enabled or self._thread is None or self._closed:
            return True
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, give up this process's claims, end the thread."""
        if self._closed:
            return
        if self._thread is None:
            self._closed = True
            return
        atexit.unregister(self.close)
        marker = _Stop()
        self._queue.put(marker)
        self._closed = True
        marker.done.wait(timeout)

    # the thread -----------------------------------------------------------------------------------

    def _run(self) -> None:
        started = time.thread_time()
        try:
            while True:
                first = self._queue.get()
                batch: list[Record | _Flush] = [first]
                deadline = time.monotonic() + self.flush_s
                while not any(isinstance(b, _Flush) for b in batch):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    try:
                        batch.append(self._queue.get(timeout=left))
                    except queue.Empty:
                        break
                while True:   # whatever else is already waiting goes in the same transaction
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                records = [b for b in batch if not isinstance(b, _Flush)]
                markers = [b for b in batch if isinstance(b, _Flush)]
                stopping = any(isinstance(m, _Stop) for m in markers)
                if records or self._pending:
                    self._write(records)
                if stopping:
                    self._shut()
                self.cpu_s = time.thread_time() - started
                for marker in markers:
                    marker.done.set()
                if stopping:
                    return
        except Exception as exc:   # never take the process down; say it once
            self._fail(f"history recording stopped: {type(exc).__name__}: {exc}")
            self.enabled = False

    def _write(self, records: list[Record]) -> None:
        work = self._pending + records
        self._pending = []
        store = self._open()
        if store is None:
            self._hold(work)
            return
        try:
            store.write(work, self.owner, declared=self.declared)
        except (sqlite3.Error, HistoryError, OSError) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and corrupt(exc):
                store.set_aside()
                self._store = None
                self._fail(f"history store was unreadable and was set aside ({exc}); "
                           "recording anew")
                self._retry_at = 0.0
            else:
                if not isinstance(exc, sqlite3.OperationalError) or "locked" not in str(exc):
                    store.close()
                    self._store = None
                    self._retry_at = time.monotonic() + self.retry_s
                self._fail(f"history not recorded: {why(exc, store.path)}"
                           if not isinstance(exc, HistoryError) else f"history not recorded: {exc}")
            self._hold(work)
            return
        self.written += len(work)
        if self.problem is not None:
            self.problem = None
            self.warn("history: recording again", "information")

    def _open(self) -> HistoryStore | None:
        if self._store is not None:
            return self._store
        if time.monotonic() < self._retry_at or self.directory is None:
            return None
        store = HistoryStore.in_dir(self.directory, self.days, max_pages=self.max_pages,
                                    busy_s=self.busy_s)
        try:
            store.connect()
        except StoreReplaced as exc:
            self._fail(str(exc))
            self.problem = None    # it works again: the next trouble is news
        except HistoryError as exc:
            store.close()
            self._retry_at = time.monotonic() + self.retry_s
            self._fail(f"history not recorded: {exc}")
            return None
        self._store = store
        return store

    def _hold(self, work: list[Record]) -> None:
        """Keep transitions and actions for when the store is back; polls are let go."""
        kept = [r for r in work if not isinstance(r, PollRecord)]
        self._pending = kept[-KEEP_PENDING:]

    def _fail(self, text: str) -> None:
        if self.problem != text:
            self.problem = text
            self.warn(text, "warning")

    def _shut(self) -> None:
        if self._store is not None:
            self._store.release(self.owner)
            self._store.close()
            self._store = None
