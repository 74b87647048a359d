"""Figures for the console's hot paths; prints them, asserts nothing.

  tasks: the first snapshot of N tasks (parents x children) to the painted table; a key (down,
    page down, end) to the painted cursor; a refresh where 1 % of the tasks changed: the work
    of applying it (the table's diff) and the whole message path from SnapshotReady to paint
  blocks: the first 100,000-block grid to paint; a refresh where 1 % of them changed
  a queue of 5,000 tracked entries whose positions all move when its head finishes
  peak RSS of the process

Each figure is the median of several runs, with the test harness's own floor (two Pilot
pauses with nothing to do) printed apart. Defaults give 10,000 tasks; `--parents 4000
--children 4` gives 20,000.

Run: .venv/bin/python bench/bench_refresh.py [--parents 2000] [--children 4] [--blocks 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jobdeck.adapters.contract.base import ActionSpec, Adapter
from jobdeck.adapters.contract.model import (
    ActionResult,
    Block,
    BlockGrid,
    FrameCounts,
    ServiceConfig,
    ServiceSnapshot,
    Task,
)
from jobdeck.adapters.core.config import Config
from jobdeck.tui.console.app import JobdeckApp
from jobdeck.tui.console.messages import SnapshotReady
from jobdeck.tui.console.widgets.block_grid import BlockGridView
from jobdeck.tui.console.widgets.service_list import ServiceList
from jobdeck.tui.console.widgets.task_table import TaskTable

BASE = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
SIZE = (160, 50)


def make_tasks(parents: int, children: int, rng: random.Random) -> list[Task]:
    tasks = []
    next_id = 1_000_000
    for p in range(parents):
        kids = []
        for c in range(children):
            next_id += 1
            done = rng.randint(0, 96)
            kids.append(Task(id=str(next_id), name=f"shot_{p:04d}_layer{c}", status="running",
                             raw_status="5", progress=done / 100,
                             frames=FrameCounts(100, done, 0, 4, 96 - done),
                             submitted_at=BASE + timedelta(seconds=p), actions=("stop",)))
        next_id += 1
        tasks.append(Task(id=str(next_id), name=f"scene_{p:04d}.max", status="running",
                          raw_status="5", progress=0.5, frames=FrameCounts(400, 200, 0, 16, 184),
                          submitted_at=BASE + timedelta(seconds=p), actions=("stop",),
                          children=kids))
    return tasks


def change_one_percent(tasks: list[Task], rng: random.Random) -> tuple[list[Task], int]:
    """A new snapshot, as a poll brings it: new objects throughout, 1 % of them different."""
    flat = [t for top in tasks for t in top.walk()]
    chosen = {t.id for t in rng.sample(flat, len(flat) // 100)}

    def bump(task: Task) -> Task:
        children = [bump(c) for c in task.children]
        frames = replace(task.frames or FrameCounts())   # a parse makes every object anew
        if task.id in chosen:
            frames.done = min(frames.total, frames.done + 1)
            frames.waiting = max(0, frames.waiting - 1)
            return replace(task, progress=frames.done / max(1, frames.total),
                           children=children, frames=frames)
        return replace(task, children=children, frames=frames)

    return [bump(t) for t in tasks], len(chosen)


def make_queue(entries: int) -> list[Task]:
    return [Task(id=f"{n:024x}", name=f"portrait_{n:05d}.jpg", status="queued", raw_status="0",
                 queue_position=n + 1, actions=("delete", "untrack")) for n in range(entries)]


def drain_one(queue: list[Task]) -> list[Task]:
    """The head finishes: it is done, and every waiting entry moves up one place."""
    head, rest = queue[0], queue[1:]
    done = replace(head, status="done", queue_position=None, progress=1.0,
                   output_url=f"https://out.sim/{head.id}.jpg")
    return [done] + [replace(t, queue_position=(t.queue_position or 2) - 1)
                     if t.status == "queued" else t for t in rest]


def make_grid(blocks: int, rng: random.Random) -> BlockGrid:
    per_row = 100
    rows = [[Block(index=str(r), block=str(b + 1),
                   status=rng.choice(("done", "done", "waiting", "running")),
                   percent=rng.randint(0, 99)) for b in range(per_row)]
            for r in range(blocks // per_row)]
    return BlockGrid(task_id="bench", rows=rows)


def change_grid(grid: BlockGrid, rng: random.Random) -> BlockGrid:
    rows = [list(row) for row in grid.rows]
    total = sum(len(r) for r in rows)
    for _ in range(total // 100):
        r = rng.randrange(len(rows))
        b = rng.randrange(len(rows[r]))
        rows[r][b] = replace(rows[r][b], status="done", percent=100)
    return BlockGrid(task_id=grid.task_id, rows=rows)


class BenchAdapter(Adapter):
    """Answers at once with what the bench hands it: the figures are the console's, not I/O's."""

    kind = "renderbus"
    actions = {"stop": ActionSpec("stop", "Stop")}

    def __init__(self, tasks: list[Task], grid: BlockGrid) -> None:
        super().__init__(ServiceConfig(name="bench", kind="renderbus", base_url="http://b.test"))
        self.tasks, self.grid = tasks, grid

    async def read(self) -> ServiceSnapshot:
        return ServiceSnapshot(name="bench", kind=self.kind, tasks=self.tasks)

    async def blocks(self, task_id: str) -> BlockGrid:
        return self.grid

    async def do(self, spec, targets, params) -> ActionResult:  # pragma: no cover
        raise NotImplementedError


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def line(label: str, values: list[float], floor: float = 0.0) -> float:
    median = statistics.median(values)
    beyond = f", {ms(median - floor).strip()} beyond the floor" if floor else ""
    print(f"  {label:<58}{ms(median)}  (median of {len(values)}, min {ms(min(values)).strip()}, "
          f"max {ms(max(values)).strip()}{beyond})")
    return median


async def painted(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def bench_table(pilot) -> TaskTable:
    """The bench service selected and its task table, once painted."""
    await painted(pilot)
    services = pilot.app.query_one(ServiceList)
    services.highlighted = services.get_option_index("bench")
    await painted(pilot)
    return pilot.app.query_one(TaskTable)


async def timed(repeats: int, step: Callable[[], Awaitable[None]]) -> list[float]:
    values = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        await step()
        values.append(time.perf_counter() - t0)
    return values


def bench_app() -> tuple[JobdeckApp, BenchAdapter]:
    """The console on one service with nothing yet; the bench hands it what to show."""
    adapter = BenchAdapter([], BlockGrid("bench", []))
    return JobdeckApp(Config(refresh=3600.0), {"bench": adapter}), adapter


async def task_figures(parents: int, children: int, repeats: int, rng: random.Random) -> None:
    tasks = make_tasks(parents, children, rng)
    count = sum(1 for top in tasks for _ in top.walk())
    app, adapter = bench_app()
    async with app.run_test(size=SIZE) as pilot:
        table = await bench_table(pilot)
        table.focus()
        await painted(pilot)
        floor = await timed(repeats, lambda: painted(pilot))

        print(f"tasks: {count:,} ({parents:,} parents x {children} children), {SIZE[0]}x{SIZE[1]}")
        line("harness floor: two Pilot pauses, nothing changed", floor)
        adapter.tasks = tasks
        t0 = time.perf_counter()
        app.post_message(SnapshotReady(await adapter.poll()))
        while len(table.rows) < count:
            await pilot.pause(0.005)
        await painted(pilot)
        first = time.perf_counter() - t0
        print(f"  {'first paint: the first snapshot to the painted table':<58}{ms(first)}")

        async def press(key: str) -> None:
            await pilot.press(key)
            await painted(pilot)

        idle_key = line("harness floor: a key bound to nothing, pressed to painted",
                        await timed(repeats * 4, lambda: press("f12")))
        for key in ("down", "pagedown"):
            line(f"a key answers ({key}): pressed to painted",
                 await timed(repeats * 4, lambda key=key: press(key)), idle_key)
        ends = []
        for _ in range(repeats):
            for key in ("end", "home"):
                t0 = time.perf_counter()
                await press(key)
                ends.append(time.perf_counter() - t0)
        line("a key answers (end, home): pressed to painted", ends, idle_key)

        work, whole = [], []
        current = tasks
        changed = 0
        for _ in range(repeats):
            current, changed = change_one_percent(current, rng)
            adapter.tasks = current
            snapshot = await adapter.poll()
            t0 = time.perf_counter()
            app.on_snapshot_ready(SnapshotReady(snapshot))   # the handler's work, no paint
            work.append(time.perf_counter() - t0)
            await app.workers.wait_for_complete()
            await painted(pilot)
            current, changed = change_one_percent(current, rng)
            adapter.tasks = current
            snapshot = await adapter.poll()
            t0 = time.perf_counter()
            app.post_message(SnapshotReady(snapshot))
            await painted(pilot)
            whole.append(time.perf_counter() - t0)
            await app.workers.wait_for_complete()   # the grid refetch the snapshot starts
            await painted(pilot)
        print(f"refresh, {changed:,} of {count:,} tasks changed:")
        line("the work: the snapshot handler (state, attention, table diff)", work)
        line("poll-to-paint: SnapshotReady to the painted screen", whole)


async def grid_figures(blocks: int, repeats: int, rng: random.Random) -> None:
    grid = make_grid(blocks, rng)
    app, _ = bench_app()
    async with app.run_test(size=SIZE) as pilot:
        await painted(pilot)
        view = app.query_one(BlockGridView)
        print(f"blocks: {blocks:,} (rows of 100)")
        t0 = time.perf_counter()
        view.show_grid(grid)
        await painted(pilot)
        print(f"  {'first paint: show_grid to the painted grid':<58}"
              f"{ms(time.perf_counter() - t0)}")
        work, whole = [], []
        for _ in range(repeats):
            grid = change_grid(grid, rng)
            t0 = time.perf_counter()
            view.show_grid(grid)
            work.append(time.perf_counter() - t0)
            await painted(pilot)
            whole.append(time.perf_counter() - t0)
        line("1 % changed: show_grid's work", work)
        line("1 % changed: to the painted grid", whole)


async def queue_figures(entries: int, repeats: int) -> None:
    queue = make_queue(entries)
    app, _ = bench_app()
    async with app.run_test(size=SIZE) as pilot:
        table = await bench_table(pilot)
        t0 = time.perf_counter()
        table.show_tasks("bench", queue, set())
        await painted(pilot)
        print(f"queue: {entries:,} tracked entries")
        print(f"  {'first paint':<58}{ms(time.perf_counter() - t0)}")
        work, whole = [], []
        for _ in range(repeats):
            queue = drain_one(queue)
            t0 = time.perf_counter()
            table.show_tasks("bench", queue, set())
            work.append(time.perf_counter() - t0)
            await painted(pilot)
            whole.append(time.perf_counter() - t0)
        line(f"the head finishes, all {entries:,} positions move: work", work)
        line("  ... to the painted table", whole)


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(42)
    await task_figures(args.parents, args.children, args.repeats, rng)
    await grid_figures(args.blocks, args.repeats, rng)
    await queue_figures(args.queue, args.repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (the whole bench process)                            {peak:8.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=2000)
    parser.add_argument("--children", type=int, default=4)
    parser.add_argument("--blocks", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--queue", type=int, default=5000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
