"""`jobdeck snapshot` and `jobdeck blocks`: one look at the services, as text or JSON."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from jobdeck.adapters.contract.model import ServiceSnapshot, iso
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.services import make_adapters, poll_all

from .common import EXIT_FAILED, EXIT_OK, UsageError, emit_json, say


async def snapshot(config: Config, args: argparse.Namespace) -> int:
    adapters = make_adapters(config, args.service)
    if args.json:
        snapshots = await poll_all(adapters)
        emit_json({"taken_at": iso(datetime.now(UTC)),
                   "services": [s.to_json() for s in snapshots]})
        return EXIT_OK if all(s.ok for s in snapshots) else EXIT_FAILED
    ok = True
    try:  # text: each service as soon as it has answered
        for next_done in asyncio.as_completed([a.poll() for a in adapters.values()]):
            snap = await next_done
            ok = ok and snap.ok
            print_snapshot(snap)
    finally:
        await asyncio.gather(*(a.close() for a in adapters.values()), return_exceptions=True)
    return EXIT_OK if ok else EXIT_FAILED


def print_snapshot(snap: ServiceSnapshot) -> None:
    state = "ok" if snap.ok else f"FAILED: {snap.error}"
    api = f", API {snap.api_version}" if snap.api_version else ""
    say(f"{snap.name} ({snap.kind}{api}): {state}")
    for warning in snap.warnings:
        say(f"  warning: {warning}")
    for task in snap.all_tasks():
        pct = f"{task.progress * 100:5.1f}%" if task.progress is not None else "     -"
        say(f"  {task.id:>8}  {task.status:<9} {pct}  {task.name}")
    for stream in snap.streams:
        viewers = f"{stream.viewers} viewers" if stream.viewers is not None else ""
        say(f"  {stream.id:>16}  {stream.state:<9} {viewers}")


async def blocks(config: Config, args: argparse.Namespace) -> int:
    adapter = make_adapters(config, [args.service])[args.service]
    try:
        if not adapter.has_blocks:
            raise UsageError(f"{adapter.kind} has no block grid")
        grid = await adapter.blocks(args.task_id)
    finally:
        await adapter.close()
    if args.json:
        emit_json(grid.to_json(args.service))
    else:
        glyph = {"done": "█", "running": "▓", "waiting": "░", "failed": "✗", "stopped": "▒"}
        for row in grid.rows:
            print("".join(glyph[b.status] for b in row))
        say(", ".join(f"{k} {v}" for k, v in grid.counts().items()))
    return EXIT_OK
