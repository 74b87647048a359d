"""`jobdeck snapshot` and `jobdeck blocks`: one look at the services, as text or JSON.

Each service is made into its JSON or its lines on its own: one that cannot be (a snapshot of a
shape no printer expects) is reported failed in its place, and never empties the others'.

As text, `snapshot` prints the services in the order of the config, each under a header with
its state, balance and how many of its items need attention, its columns aligned by terminal
cells (a CJK name takes two per character). `blocks` prints the grid packed in lines that say
which frames they hold, and for a parent task (which has no grid of its own) its sub-tasks.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jobdeck.adapters.contract import jsonsafe
from jobdeck.adapters.contract.model import BlockGrid, ServiceSnapshot, Task, iso
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.oncall import ServiceWatch
from jobdeck.adapters.core.services import make_adapters, poll_all
from jobdeck.tui.safe_text import clean

from .common import EXIT_FAILED, EXIT_OK, UsageError, emit_json, say

if TYPE_CHECKING:
    from jobdeck.adapters.contract.base import Adapter


async def snapshot(config: Config, args: argparse.Namespace) -> int:
    adapters = make_adapters(config, args.service)
    if args.json:
        snapshots = await poll_all(adapters)
        services = [service_json(s) for s in snapshots]
        emit_json({"taken_at": iso(datetime.now(UTC)), "services": services})
        return EXIT_OK if all(s["ok"] for s in services) else EXIT_FAILED
    ok = True
    polls = [asyncio.ensure_future(a.poll()) for a in adapters.values()]
    try:  # text: all asked at once, printed in the config's order as each answers
        for number, poll in enumerate(polls):
            snap = await poll
            ok = ok and snap.ok
            if number:
                print()
            try:   # one service that cannot be printed never empties the others' lines
                lines = snapshot_text(snap, config.alerts.balance_below, config.stall_after)
            except Exception as exc:
                ok = False
                lines = [f"{clean(snap.name)} ({snap.kind}): FAILED: {_internal(exc)}"]
            for line in lines:
                say(line)
    finally:
        for poll in polls:
            poll.cancel()
        await asyncio.gather(*(a.close() for a in adapters.values()), return_exceptions=True)
    return EXIT_OK if ok else EXIT_FAILED


def _internal(exc: Exception) -> str:
    return f"internal error: {type(exc).__name__}: {exc}"


def service_json(snap: ServiceSnapshot) -> dict[str, Any]:
    """The service's JSON, checked writable; else the service failed, in its place."""
    try:
        value = snap.to_json()
        jsonsafe.dumps(value)
        return value
    except Exception as exc:
        return {**ServiceSnapshot(snap.name, snap.kind, ok=False).to_json(),
                "error": _internal(exc)}


def cells(text: str) -> int:
    """Terminal cells: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, right: bool = False) -> str:
    room = " " * max(0, width - cells(text))
    return room + text if right else text + room


def snapshot_text(snap: ServiceSnapshot, balance_below: float | None = None,
                  stall_after: float = 30.0) -> list[str]:
    """The service's lines, made whole before any is printed."""
    lines: list[str] = []
    watch = ServiceWatch(snap.name, snap.kind, stall_after * 60, balance_below)
    watch.observe(snap, time.monotonic())
    attention = len(watch.items(time.monotonic())) if snap.ok else 0
    words = [f"{snap.name} ({snap.kind}" + (f", API {snap.api_version}" if snap.api_version
                                             else "") + ")",
             "ok" if snap.ok else f"FAILED: {snap.error}"]
    if snap.account is not None and snap.account.available is not None:
        parts = snap.account.parts()
        words.append(f"balance {snap.account.available:,.2f}" + (f" ({parts})" if parts else ""))
    if attention:
        words.append(f"{attention} need{'s' if attention == 1 else ''} attention")
    lines.append(" · ".join(words))
    for warning in snap.warnings:
        lines.append(f"  warning: {warning}")
    rows: list[tuple[str, str, str, str]] = []

    def walk(tasks: list[Task], depth: int) -> None:
        for task in tasks:
            pct = f"{task.progress * 100:.1f}%" if task.progress is not None else \
                f"#{task.queue_position}" if task.queue_position else "-"
            name = "" if task.name == task.id else clean(task.name)   # named by its id
            rows.append((clean(task.id), task.status, pct, "  " * depth + name))
            walk(task.children, depth + 1)

    walk(snap.tasks, 0)
    if rows:
        id_w = max(cells("ID"), *(cells(r[0]) for r in rows))
        lines.append(f"  {pad('ID', id_w)}  {'STATUS':<9}  {'PROGRESS':>8}  NAME")
        for task_id, status, pct, name in rows:
            lines.append(f"  {pad(task_id, id_w)}  {status:<9}  {pct:>8}  {name}".rstrip())
    if snap.streams:
        streams = [(clean(s.id), s.state, "" if s.viewers is None else str(s.viewers))
                   for s in snap.streams]
        id_w = max(cells("STREAM"), *(cells(r[0]) for r in streams))
        lines.append(f"  {pad('STREAM', id_w)}  {'STATE':<9}  VIEWERS")
        for stream_id, state, viewers in streams:
            lines.append(f"  {pad(stream_id, id_w)}  {state:<9}  {viewers:>7}")
    return lines


async def read_of_task(config: Config, args: argparse.Namespace, can: str, cannot: str,
                       read: Callable[[Adapter], Awaitable[Any]],
                       empty: Callable[[Any], bool]) -> tuple[Any, Task | None]:
    """What `read` gets of a task (`blocks`, `frames`); when it is empty and text is wanted,
    the task too (a parent has none of its own: its sub-tasks have them)."""
    adapter = make_adapters(config, [args.service])[args.service]
    task = None
    try:
        if not getattr(adapter, can):
            raise UsageError(f"{adapter.kind} {cannot}")
        got = await read(adapter)
        if empty(got) and not args.json:
            snap = await adapter.poll()
            task = next((t for t in snap.all_tasks() if t.id == args.task_id), None)
    finally:
        await adapter.close()
    return got, task


def sub_task_lines(command: str, service: str, task: Task, why: str) -> list[str]:
    """A parent's sub-tasks, each with the command that reads it."""
    return [f"task {task.id} {task.name} {why} {len(task.children)} sub-task(s)",
            *(f"  {child.id}  {child.status:<9}  {child.name}   "
              f"(jobdeck {command} {service} {child.id})" for child in task.children)]


async def blocks(config: Config, args: argparse.Namespace) -> int:
    grid, task = await read_of_task(config, args, "has_blocks", "has no block grid",
                                    lambda adapter: adapter.blocks(args.task_id),
                                    lambda grid: not grid.rows)
    if args.json:
        emit_json(grid.to_json(args.service))
    elif task is not None and task.children:
        for line in sub_task_lines("blocks", args.service, task, "has no grid of its own: its "
                                   "frames are rendered by its"):
            say(line)
    else:
        for line in grid_lines(grid):
            say(line)
    return EXIT_OK


GLYPH = {"done": "█", "running": "▓", "waiting": "░", "failed": "✗", "stopped": "▒"}


def grid_lines(grid: BlockGrid, width: int = 80) -> list[str]:
    """The grid as lines that say which frames (or clips) they hold: a frame's blocks side by
    side, frames apart by a space (a FinalRip clip is one block); then the counts and where the
    failures are."""
    groups: list[tuple[str, str]] = []   # (index, glyphs)
    for row in grid.rows:
        if row and all(b.index == row[0].index for b in row):
            groups.append((clean(row[0].index), "".join(GLYPH.get(b.status, "?") for b in row)))
        else:
            groups += [(clean(b.index), GLYPH.get(b.status, "?")) for b in row]
    if not groups:
        return [f"task {grid.task_id}: no blocks yet"]
    label_w = len(f"{grid.unit}s ") + 2 * max(len(index) for index, _ in groups) + 1
    room = max(10, width - label_w - 2)
    lines: list[str] = []
    line: list[tuple[str, str]] = []

    def flush() -> None:
        label = f"{grid.unit}s {line[0][0]}-{line[-1][0]}"
        lines.append(label.ljust(label_w) + "  " + " ".join(g for _, g in line))

    for group in groups:
        if line and sum(len(g) + 1 for _, g in line) + len(group[1]) > room:
            flush()
            line = []
        line.append(group)
    flush()
    counts = grid.counts()
    lines.append(" · ".join(f"{GLYPH[k]} {k} {v}" for k, v in counts.items() if v))
    failed = [f"{grid.unit} {clean(b.index)} block {clean(b.block)}"
              for row in grid.rows for b in row if b.status == "failed"]
    if failed:
        lines.append("failed: " + ", ".join(failed[:20]) +
                     (f" and {len(failed) - 20} more" if len(failed) > 20 else ""))
    return lines
