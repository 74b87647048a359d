"""`jobdeck act`, `submit`, `track` and `untrack`: changing things on a service from a shell,
with the same confirmation rules and audit line as the console."""

from __future__ import annotations

import argparse
import asyncio
import sys

from jobdeck.adapters.contract.base import ActionSpec, Adapter
from jobdeck.adapters.contract.jsonsafe import valid_text
from jobdeck.adapters.contract.model import ActionResult
from jobdeck.adapters.contract.registry import adapter_class
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.services import make_adapters
from jobdeck.adapters.core.state import StateStore
from jobdeck.tui.safe_text import clean

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_READ_ONLY,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    UsageError,
    emit_json,
    parse_params,
    say,
)


def act(config: Config, args: argparse.Namespace) -> int:
    service = config.service(args.service)
    cls = adapter_class(service.kind)
    spec = cls.actions.get(args.action)
    if spec is None:
        raise UsageError(f"{service.kind} has no action {args.action!r} "
                         f"(it has: {', '.join(cls.actions)})")
    params = parse_params(args.param)
    unknown = set(params) - set(spec.params)
    if unknown:
        raise UsageError(f"{args.action} takes no --param {sorted(unknown)[0]!r}"
                         + (f" (it takes: {', '.join(spec.params)})" if spec.params else ""))
    if not args.targets and spec.target == "account":   # the service's own account
        args.targets = ["account"]
    if not args.targets:
        raise UsageError(f"{args.action} needs at least one target")
    for word in (*args.targets, *args.param):
        if valid_text(word) != word:   # bytes the shell passed that are not UTF-8
            raise UsageError(f"{valid_text(word)!r} is not UTF-8 text; no service has such an id")
    if spec.single_target and len(args.targets) != 1:
        raise UsageError(f"{args.action} takes one target, not {len(args.targets)}")
    if args.read_only or config.read_only or service.read_only:
        emit_json(ActionResult(service.name, args.action, list(args.targets), ok=False,
                               message="read-only: actions are switched off").to_json(), None)
        return EXIT_READ_ONLY
    state = StateStore()
    if spec.destructive and config.confirm_destructive and not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"{args.action} is destructive: add --yes to run it without a "
                             "terminal")
        looker = make_adapters(config, [service.name], state)[service.name]
        for line in asyncio.run(confirm_lines(looker, spec, service.name, args.targets)):
            say(line, err=True)
        answer = input(clean(f"{spec.label} on {service.name}? [y/N] "))
        if answer.strip().lower() not in ("y", "yes"):
            say("cancelled", err=True)
            return EXIT_USAGE
    adapter = make_adapters(config, [service.name], state)[service.name]
    try:
        result = asyncio.run(_perform(adapter, args.action, list(args.targets), params))
    except KeyboardInterrupt:
        result = ActionResult(service.name, args.action, list(args.targets), ok=False,
                              outcome="unknown", message="interrupted after the request was "
                              "sent: outcome unknown; check the service before trying again")
    problem = state.audit_action(result, via="act")
    emit_json(result.to_json(), None)
    if problem:
        say(f"jobdeck: {problem}", err=True)
    if result.ok:
        return EXIT_OK
    return EXIT_UNKNOWN if result.outcome == "unknown" else EXIT_FAILED


async def confirm_lines(adapter: Adapter, spec: ActionSpec, service: str,
                        targets: list[str]) -> list[str]:
    """What the console's dialog says: each task with its name and status, as the service has
    them now (one poll; a task it does not list is said to be unknown)."""
    noun = "stream" if spec.target == "stream" else "task"
    lines = [f"{spec.label} {len(targets)} {noun}{'s' if len(targets) != 1 else ''} on "
             f"{service}:"]
    try:
        snap = await adapter.poll()
    finally:
        await adapter.close()
    known = {t.id: t for t in snap.all_tasks()} if noun == "task" else \
        {s.id: s for s in snap.streams}
    for target in targets:
        item = known.get(target)
        if item is None:
            lines.append(f"  {target}  ({'not listed now' if snap.ok else 'could not be read'})")
        elif noun == "task":
            lines.append(f"  {target}  {item.name}  ({item.status})")
        else:
            viewers = f", {item.viewers} viewer(s)" if item.viewers else ""
            lines.append(f"  {target}  ({item.state}{viewers})")
    lines.append(spec.warning or "This cannot be undone.")
    return lines


async def _perform(adapter: Adapter, action: str, targets: list[str],
                   params: dict[str, str]) -> ActionResult:
    try:
        return await adapter.perform(action, targets, params)
    finally:
        await adapter.close()


async def submit(config: Config, args: argparse.Namespace) -> int:
    from .submit_args import print_progress, values_from_argv

    service = config.service(args.service)
    if args.read_only or config.read_only or service.read_only:
        raise UsageError("read-only: submitting is switched off")
    adapter = make_adapters(config, [service.name])[service.name]
    try:
        values = values_from_argv(adapter, service.name, args.rest)
        result = await adapter.submit(values, print_progress)
    finally:
        await adapter.close()
    for note in result.notes:
        say(f"jobdeck: {note}", err=True)
    emit_json({"service": service.name, "task": result.task_id, "ok": True,
               **({"notes": result.notes} if result.notes else {})}, None)
    return EXIT_OK


def track(config: Config, args: argparse.Namespace, *, add: bool) -> int:
    service = config.service(args.service)
    cls = adapter_class(service.kind)
    if not cls.tracks_tasks:
        raise UsageError(f"{service.kind} lists its own tasks; there is nothing to track")
    adapter = cls(service, state=StateStore())
    (adapter.track if add else adapter.untrack)(list(args.task_ids))
    say(f"{service.name}: tracking {len(adapter.tracked_ids())} task(s)")
    return EXIT_OK
