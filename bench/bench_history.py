"""Figures for the history store: what a day of the demo polled every 2 s costs on disk, and
what recording costs the CPU; prints them, asserts nothing.

The demo's seven simulated services run on a simulated clock: each round advances it by the
refresh (2 s), polls every service through its real adapter (in-process, as `jobdeck demo`
does), follows the transitions as the console does and hands each poll to the Recorder, which
writes once per simulated second, as it does in real time (polls spread over the refresh).

  size: the file after `--hours` of simulated demo (default 3), and a day extrapolated from
    the growth after the first hour (a fresh store's first poll records every item at once)
  cpu: the Recorder's own CPU time (its thread, plus queueing on the caller's) per second of
    demo, as a share of one core: what recording adds to an idle console
  read: `history --since 8h`, a report's figures, the state of every service at a moment

Run: .venv/bin/python bench/bench_history.py [--hours 3] [--refresh 2]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from jobdeck.adapters.core.demo import build_demo
from jobdeck.adapters.core.history import (
    FILE,
    HistoryStore,
    Recorder,
    snapshot_at,
)
from jobdeck.adapters.core.oncall import ServiceWatch
from jobdeck.adapters.core.trends import time_down, trend_names, trends


class SimClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def file_size(directory: Path) -> int:
    db = sqlite3.connect(directory / FILE)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages, size = db.execute("PRAGMA page_count").fetchone()[0], \
        db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return pages * size


def rows(directory: Path) -> dict[str, int]:
    db = sqlite3.connect(directory / FILE)
    counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("polls", "items", "transitions", "actions")}
    db.close()
    return counts


async def record(hours: float, refresh: float, directory: Path) -> dict[str, float]:
    world = build_demo(refresh=refresh)
    clock = SimClock(time.monotonic())
    for sim in world.sims.values():
        sim.clock = clock          # simulated progress follows the simulated clock
    adapters = world.adapters()
    for adapter in adapters.values():
        adapter.http.backoff = (0.0,)   # a read retried on a 503 waits no real time here
    watches = {n: ServiceWatch(n, a.kind, world.config.stall_after * 60)
               for n, a in adapters.items()}
    recorder = Recorder(directory, 14, flush_s=3600,   # flushed by hand: once a simulated second
                        warn=lambda text, severity: print(f"  recorder: {text}"))
    wall = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    names = list(adapters)
    halves = [names[: len(names) // 2], names[len(names) // 2:]]
    rounds = int(hours * 3600 / refresh)
    queued_cpu = 0.0
    first_hour = None
    started = time.perf_counter()
    for number in range(rounds):
        clock.now += refresh
        for half_number, half in enumerate(halves):
            moment = wall + timedelta(seconds=number * refresh + half_number * refresh / 2)
            snapshots = await asyncio.gather(*(adapters[n].poll() for n in half))
            for snapshot in snapshots:
                transitions = watches[snapshot.name].observe(snapshot, clock.now, moment)
                before = time.thread_time()
                recorder.poll(snapshot, transitions, moment)
                queued_cpu += time.thread_time() - before
            recorder.flush(60)
        if number + 1 == int(3600 / refresh):
            first_hour = file_size(directory)
    recorder.close(60)
    elapsed = time.perf_counter() - started
    simulated = rounds * refresh
    size = file_size(directory)
    return {"simulated_s": simulated, "elapsed_s": elapsed, "size": size,
            "first_hour": first_hour or size, "writer_cpu": recorder.cpu_s,
            "queue_cpu": queued_cpu, "records": recorder.written}


def reads(directory: Path) -> dict[str, float]:
    store = HistoryStore.in_dir(directory)
    kinds = store.service_kinds()
    last = store.poll_moment(2**40, -1) or 0
    end = datetime.fromtimestamp(last, tz=UTC)
    out = {}
    begun = time.perf_counter()
    events = store.events(end - timedelta(hours=8), end)
    out["history 8h"] = time.perf_counter() - begun
    begun = time.perf_counter()
    for name, kind in kinds.items():
        polls = store.polls(name, end - timedelta(hours=8), end)
        time_down(polls, last)
        trends(store, name, trend_names(kind, kind in ("ntv", "nginx-rtmp")),
               end - timedelta(hours=8), end)
    out["report figures 8h"] = time.perf_counter() - begun
    begun = time.perf_counter()
    for name, kind in kinds.items():
        snapshot_at(store, name, kind, last - 1800)
    out["every service at a moment"] = time.perf_counter() - begun
    store.close()
    out["events"] = len(events)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--refresh", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        figures = asyncio.run(record(args.hours, args.refresh, directory))
        counts = rows(directory)
        read = reads(directory)
    hours = figures["simulated_s"] / 3600
    growth = (figures["size"] - figures["first_hour"]) / max(hours - 1, 1e-9) \
        if hours > 1 else figures["size"] / hours
    day = figures["first_hour"] + growth * 23
    cpu = figures["writer_cpu"] + figures["queue_cpu"]
    print(f"demo: 7 services polled every {args.refresh:g} s for {hours:g} simulated hours "
          f"({figures['elapsed_s']:.0f} s of real time)")
    print(f"  rows: {counts['polls']:,} polls, {counts['items']:,} item changes, "
          f"{counts['transitions']:,} transitions")
    print(f"  size: {figures['size'] / 1e6:.2f} MB; first hour {figures['first_hour'] / 1e6:.2f} "
          f"MB, then {growth / 1e6:.2f} MB/h")
    print(f"  a day (extrapolated): {day / 1e6:.1f} MB  (budget 20 MB)")
    print(f"  recording CPU: {cpu:.2f} s for {figures['simulated_s']:,.0f} s of demo = "
          f"{cpu / figures['simulated_s'] * 100:.3f} % of a core  (budget 0.3 %; writer "
          f"{figures['writer_cpu']:.2f} s, queueing {figures['queue_cpu']:.2f} s)")
    print(f"  reads: history --since 8h {read['history 8h'] * 1000:.0f} ms "
          f"({read['events']:.0f} events); report figures 8h "
          f"{read['report figures 8h'] * 1000:.0f} ms; every service at a moment "
          f"{read['every service at a moment'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
