"""`jobdeck snapshot` and `jobdeck blocks`: one look at the services, as text or JSON.

Each service is made into its JSON or its lines on its own: one that cannot be (a snapshot of a
shape no printer expects) is reported failed in its place, and never empties the others'."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import Any

from jobdeck.adapters.contract import jsonsafe
from jobdeck.adapters.contract.model import ServiceSnapshot, iso
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.services import make_adapters, poll_all

from .common import EXIT_FAILED, EXIT_OK, UsageError, emit_json, say


async def snapshot(config: Config, args: argparse.Namespace) -> int:
    adapters = make_adapters(config, args.service)
    if args.json:
        snapshots = await poll_all(adapters)
        services = [service_json(s) for s in snapshots]
        emit_json({"taken_at": iso(datetime.now(UTC)), "services": services})
        return EXIT_OK if all(s["ok"] for s in services) else EXIT_FAILED
    ok = True
    try:  # text: each service as soon as it has answered
        for next_done in asyncio.as_completed([a.poll() for a in adapters.values()]):
            snap = await next_done
            lines = snapshot_lines(snap)
            ok = ok and snap.ok and "FAILED" not in lines[0]
            for line in lines:
                say(line)
    finally:
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


def snapshot_lines(snap: ServiceSnapshot) -> list[str]:
    try:
        return _lines(snap)
    except Exception as exc:
        return [f"{snap.name} ({snap.kind}): FAILED: {_internal(exc)}"]


def _lines(snap: ServiceSnapshot) -> list[str]:
    state = "ok" if snap.ok else f"FAILED: {snap.error}"
    api = f", API {snap.api_version}" if snap.api_version else ""
    lines = [f"{snap.name} ({snap.kind}{api}): {state}"]
    lines += [f"  warning: {warning}" for warning in snap.warnings]
    for task in snap.all_tasks():
        pct = f"{task.progress * 100:5.1f}%" if task.progress is not None else "     -"
        lines.append(f"  {task.id:>8}  {task.status:<9} {pct}  {task.name}")
    for stream in snap.streams:
        viewers = f"{stream.viewers} viewers" if stream.viewers is not None else ""
        lines.append(f"  {stream.id:>16}  {stream.state:<9} {viewers}")
    return lines


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
