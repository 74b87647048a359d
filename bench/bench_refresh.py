"""Figures for the console's hot paths; prints them, asserts nothing.

  first paint of 10,000 tasks (2,000 parents x 4 children) and a 100,000-block grid,
  a refresh where 1% of them changed (diffed in place) against a naive clear-and-rebuild,
  poll-to-paint through the app's own message path, a queue of 5,000 tracked entries whose
  positions all move when its head finishes, and peak RSS.

Run: .venv/bin/python bench/bench_refresh.py [--parents 2000] [--blocks 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from jobdeck.adapters.base import ActionSpec, Adapter
from jobdeck.adapters.config import Config, ServiceConfig
from jobdeck.adapters.model import (
    ActionResult,
    Block,
    BlockGrid,
    FrameCounts,
    ServiceSnapshot,
    Task,
)
from jobdeck.tui.app import JobdeckApp
from jobdeck.tui.messages import BlocksReady, SnapshotReady
from jobdeck.tui.widgets.block_grid import BlockGridView
from jobdeck.tui.widgets.task_tree import TaskTree

BASE = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def make_tasks(parents: int, children: int, rng: random.Random) -> list[Task]:
    tasks = []
    next_id = 1_000_000
    for p in range(parents):
        kids = []
        for c in range(children):
            next_id += 1
            done = rng.randint(0, 100)
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


def change_one_percent(tasks: list[Task], rng: random.Random) -> tuple[list[Task], int]:
    flat = [t for top in tasks for t in top.walk()]
    chosen = {t.id for t in rng.sample(flat, len(flat) // 100)}

    def bump(task: Task) -> Task:
        children = [bump(c) for c in task.children]
        if task.id in chosen:
            frames = task.frames or FrameCounts()
            done = min(frames.total, frames.done + 1)
            return replace(task, progress=done / max(1, frames.total), children=children,
                           frames=replace(frames, done=done))
        return replace(task, children=children) if children != task.children else task

    return [bump(t) for t in tasks], len(chosen)


def make_grid(blocks: int, rng: random.Random) -> BlockGrid:
    per_row = 100
    rows = []
    for r in range(blocks // per_row):
        rows.append([Block(index=str(r), block=str(b + 1),
                           status=rng.choice(("done", "done", "waiting", "running")),
                           percent=rng.randint(0, 99)) for b in range(per_row)])
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
    """Answers instantly with a prepared snapshot: the figures are the console's, not I/O's."""

    kind = "renderbus"
    actions = {"stop": ActionSpec("stop", "Stop")}
    has_blocks = True

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


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def queue_figures(entries: int, repeats: int) -> None:
    queue = make_queue(entries)
    app = JobdeckApp(Config(refresh=3600), {"bench": BenchAdapter(queue, BlockGrid("q", []))})
    started = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        tree = app.query_one(TaskTree)
        while len(tree._by_id) < entries:
            await pilot.pause(0.01)
        await settle(pilot)
        print(f"queue of {entries:,} tracked entries: first paint       "
              f"{ms(time.perf_counter() - started)}")
        applied, painted = [], []
        for _ in range(repeats):
            queue = drain_one(queue)
            t0 = time.perf_counter()
            tree.show_tasks("bench", queue, set())
            applied.append(time.perf_counter() - t0)
            await settle(pilot)
            painted.append(time.perf_counter() - t0)
        print(f"  head finishes, all {entries:,} positions move: apply  "
              f"{ms(statistics.median(applied))}  (median of {repeats})")
        print(f"  head finishes, all {entries:,} positions move: + paint"
              f"{ms(statistics.median(painted))}  (median of {repeats})")


async def run(parents: int, children: int, blocks: int, repeats: int,
              queue_entries: int = 5000) -> None:
    rng = random.Random(42)
    tasks = make_tasks(parents, children, rng)
    grid = make_grid(blocks, rng)
    count = sum(1 for top in tasks for _ in top.walk())
    adapter = BenchAdapter(tasks, grid)
    app = JobdeckApp(Config(refresh=3600), {"bench": adapter})
    started = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        tree = app.query_one(TaskTree)
        while len(tree._by_id) < count:
            await pilot.pause(0.01)
        await settle(pilot)
        first_paint = time.perf_counter() - started
        print(f"tasks: {count:,} ({parents:,} parents x {children} children); "
              f"blocks: {sum(len(r) for r in grid.rows):,}")
        print(f"first paint, {count:,} tasks (app start to painted tree) {ms(first_paint)}")

        grid_view = app.query_one(BlockGridView)
        t0 = time.perf_counter()
        app.post_message(BlocksReady("bench", tree.cursor_task_id or "", grid))
        while len(grid_view.blocks) < blocks:
            await pilot.pause(0.01)
        await settle(pilot)
        print(f"first paint, {blocks:,}-block grid                       {ms(time.perf_counter() - t0)}")

        diffed, naive, grid_diff, grid_naive, poll_to_paint = [], [], [], [], []
        applied, grid_applied = [], []
        current = tasks
        for _ in range(repeats):
            current, changed = change_one_percent(current, rng)
            t0 = time.perf_counter()
            tree.show_tasks("bench", current, set())
            applied.append(time.perf_counter() - t0)
            await settle(pilot)
            diffed.append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            tree.clear()
            tree._by_id.clear()
            tree._signatures.clear()
            tree._parents.clear()
            tree.show_tasks("bench", current, set())
            await settle(pilot)
            naive.append(time.perf_counter() - t0)

            current, _ = change_one_percent(current, rng)
            snapshot = ServiceSnapshot(name="bench", kind="renderbus", tasks=current)
            t0 = time.perf_counter()
            app.post_message(SnapshotReady(snapshot))
            await settle(pilot)
            poll_to_paint.append(time.perf_counter() - t0)
            await app.workers.wait_for_complete()  # its block refetch must not land below
            await settle(pilot)

            new_grid = change_grid(grid, rng)
            t0 = time.perf_counter()
            grid_view.show_grid(new_grid)
            grid_applied.append(time.perf_counter() - t0)
            await settle(pilot)
            grid_diff.append(time.perf_counter() - t0)
            t0 = time.perf_counter()   # naive: draw every row, as a non-lazy widget must
            grid_view.show_grid(new_grid)
            for row in range(grid_view.virtual_size.height):
                grid_view._render_row(row)
            await settle(pilot)
            grid_naive.append(time.perf_counter() - t0)
            grid = new_grid

        floor = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            await settle(pilot)
            floor.append(time.perf_counter() - t0)

        def line(label: str, values: list[float]) -> float:
            median = statistics.median(values)
            print(f"{label:<56}{ms(median)}  (median of {len(values)}, max {ms(max(values)).strip()})")
            return median

        line("test harness floor: two Pilot pauses with nothing changed", floor)
        print(f"refresh, {changed} of {count:,} tasks changed:")
        line("  diffed in place: apply only (show_tasks)", applied)
        d = line("  diffed in place: apply + paint", diffed)
        n = line("  naive clear-and-rebuild + paint", naive)
        print(f"  rebuild / diff ratio                                  {n / d:8.1f} x")
        work = (n - statistics.median(floor)) / max(1e-6, d - statistics.median(floor))
        print(f"  rebuild / diff ratio, harness floor removed           {work:8.1f} x")
        line("  poll-to-paint (SnapshotReady message to painted)", poll_to_paint)
        print(f"refresh, 1% of {blocks:,} blocks changed:")
        line("  lazy strips: apply only (show_grid)", grid_applied)
        gd = line("  lazy strips: apply + paint (rows on screen drawn)", grid_diff)
        gn = line("  naive: every row drawn + paint", grid_naive)
        print(f"  rebuild / diff ratio                                  {gn / gd:8.1f} x")
    await queue_figures(queue_entries, repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS                                                {peak:8.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=2000)
    parser.add_argument("--children", type=int, default=4)
    parser.add_argument("--blocks", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--queue", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(run(args.parents, args.children, args.blocks, args.repeats, args.queue))


if __name__ == "__main__":
    main()
