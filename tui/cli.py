"""Argument parsing and the headless commands; they use the same adapters and model as the panes.

Everything a service sent that reaches stdout or stderr goes through `clean` (text) or
jsonsafe.dumps (JSON): no escape sequence a service sends reaches the operator's terminal raw.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w
from jobdeck.adapters import jsonsafe
from jobdeck.adapters.base import Adapter
from jobdeck.adapters.config import Config, config_path, load_config, template
from jobdeck.adapters.files import StateStore, atomic_write
from jobdeck.adapters.model import ActionResult, ConfigError, JobdeckError, ServiceSnapshot, iso
from jobdeck.adapters.registry import ADAPTERS, adapter_class

from jobdeck import __version__

from .keymap import command_names
from .safe_text import clean

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_READ_ONLY, EXIT_UNKNOWN = 0, 1, 2, 3, 4
EXIT_INTERNAL = 70


class UsageError(JobdeckError):
    pass


def say(text: object, *, err: bool = False) -> None:
    """Print service-derived text cleaned of escapes and controls."""
    print(clean(text), file=sys.stderr if err else sys.stdout, flush=True)


def emit_json(value: Any, indent: int | None = 2) -> None:
    print(jsonsafe.dumps(value, indent=indent), flush=True)


def build_parser() -> argparse.ArgumentParser:
    # Options accepted before or after the command; SUPPRESS keeps a subcommand from resetting
    # what was given before it (`jobdeck --read-only act ...`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="config file (default: $JOBDECK_CONFIG, else "
                             "$XDG_CONFIG_HOME/jobdeck/config.toml)")
    common.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="refuse every action")

    parser = argparse.ArgumentParser(
        prog="jobdeck", parents=[common],
        description="A keyboard-driven console for render farms and media services.")
    parser.add_argument("--version", action="version", version=f"jobdeck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", parents=[common], help="the console on the config (the default)")
    sub.add_parser("demo", parents=[common], help="the console on built-in simulators, no network")

    snap = sub.add_parser("snapshot", parents=[common], help="one poll of every service")
    snap.add_argument("--json", action="store_true", help="print JSON (DESIGN.md's shape)")
    snap.add_argument("--service", action="append", metavar="NAME", help="only this service")

    blocks = sub.add_parser("blocks", parents=[common], help="the block grid of one task")
    blocks.add_argument("service")
    blocks.add_argument("task_id")
    blocks.add_argument("--json", action="store_true")

    act = sub.add_parser("act", parents=[common], help="perform one action",
                         description="exit 0 done, 1 refused, 2 usage or config, 3 read-only, "
                                     "4 outcome unknown (sent, no answer: check the service)")
    act.add_argument("service")
    act.add_argument("action")
    act.add_argument("targets", nargs="*")
    act.add_argument("--param", action="append", default=[], metavar="K=V")
    act.add_argument("--yes", action="store_true", help="do not ask before destructive actions")

    submit = sub.add_parser("submit", parents=[common], help="start new work on a service",
                            description="the arguments after SERVICE depend on its kind: "
                                        "`jobdeck submit SERVICE --help` lists them")
    submit.add_argument("service")
    submit.add_argument("rest", nargs=argparse.REMAINDER, help="the kind's own arguments")

    for name, text in (("track", "watch task ids"), ("untrack", "stop watching task ids")):
        track = sub.add_parser(name, parents=[common], help=f"{text} (kinds with no list call)")
        track.add_argument("service")
        track.add_argument("task_ids", nargs="+")

    watch = sub.add_parser("watch", parents=[common],
                           help="poll like the console; print each transition as it happens")
    watch.add_argument("--json", action="store_true", help="one JSON line per transition")
    watch.add_argument("--service", action="append", metavar="NAME", help="only this service")
    watch.add_argument("--metrics", metavar="HOST:PORT",
                       help="also serve Prometheus metrics there (needs jobdeck[metrics])")

    sim = sub.add_parser("sim", help="the simulators")
    sim_sub = sim.add_subparsers(dest="sim_command", metavar="SUBCOMMAND", required=True)
    serve = sim_sub.add_parser("serve", help="serve simulators over HTTP on loopback")
    serve.add_argument("--kind", action="append", metavar="K", help="only this kind (repeatable)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="first port (default: any free one)")
    serve.add_argument("--fault", action="append", default=[], metavar="SERVICE:FAULT[=N]",
                       help="misbehave on purpose: latency=S, hang, drip, 5xx, html, reset, "
                            "truncated, shape, auth, skew=S, down=S")

    config = sub.add_parser("config", help="the config file")
    config_sub = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    init = config_sub.add_parser("init", parents=[common], help="write a commented template")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    check = config_sub.add_parser("check", parents=[common],
                                  help="validate the config, then ask each service")
    check.add_argument("--offline", action="store_true", help="only validate the file")
    config_sub.add_parser("path", parents=[common], help="show which file is used")
    config_sub.add_parser("keys", parents=[common],
                          help="every command [keys] may remap, with its key and what it does")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.config = getattr(args, "config", None)
    args.read_only = getattr(args, "read_only", False)
    if getattr(args, "command", None) == "submit":
        take_common_options(args)
    try:
        return dispatch(args)
    except ConfigError as exc:
        say(f"jobdeck: config error: {exc}", err=True)
        return EXIT_USAGE
    except UsageError as exc:
        say(f"jobdeck: {exc}", err=True)
        return EXIT_USAGE
    except JobdeckError as exc:
        say(f"jobdeck: {exc}", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:   # the reader left (`| head`): it has what it wanted, say no more
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("JOBDECK_DEBUG"):
            raise
        say(f"jobdeck: internal error: {type(exc).__name__}: {exc} "
            "(set JOBDECK_DEBUG=1 for the traceback)", err=True)
        return EXIT_INTERNAL


def take_common_options(args: argparse.Namespace) -> None:
    """`submit`'s kind arguments come last and whole; --config and --read-only may sit among
    them, as after any other command."""
    rest: list[str] = []
    words = iter(args.rest)
    for word in words:
        if word == "--config":
            args.config = next(words, None)
        elif word.startswith("--config="):
            args.config = word.partition("=")[2]
        elif word == "--read-only":
            args.read_only = True
        else:
            rest.append(word)
    args.rest = rest


def read_config(args: argparse.Namespace) -> Config:
    return load_config(config_path(args.config), ADAPTERS, command_names())


def dispatch(args: argparse.Namespace) -> int:
    command = args.command or "run"
    if command == "demo":
        return run_demo(args)
    if command == "sim":
        from .sim_serve import sim_serve
        return sim_serve(args)
    if command == "config":
        return config_command(args)
    config = read_config(args)
    if command == "run":
        return run_console(config, args)
    if command == "snapshot":
        return asyncio.run(snapshot(config, args))
    if command == "blocks":
        return asyncio.run(blocks(config, args))
    if command == "act":
        return act(config, args)
    if command in ("track", "untrack"):
        return track(config, args, add=command == "track")
    if command == "submit":
        return asyncio.run(submit(config, args))
    if command == "watch":
        from .watch import watch
        return watch(config, args)
    raise UsageError(f"unknown command {command!r}")


def make_adapters(config: Config, names: Sequence[str] | None = None,
                  state: StateStore | None = None) -> dict[str, Adapter]:
    wanted = [config.service(n) for n in names] if names else config.services
    state = state or StateStore()
    adapters = {}
    for service in wanted:
        adapter = adapter_class(service.kind)(service, state=state)
        adapter.poll_deadline = service.poll_deadline or config.poll_deadline
        adapters[service.name] = adapter
    return adapters


# the console -------------------------------------------------------------------------------------

def run_console(config: Config, args: argparse.Namespace) -> int:
    from .launch import run_app

    if not config.services:
        raise UsageError(f"{config.path}: no [[services]] configured (try `jobdeck demo`)")
    return run_app(config, make_adapters(config), read_only=args.read_only, state=StateStore())


def run_demo(args: argparse.Namespace) -> int:
    from .demo import build_demo
    from .launch import run_app

    world = build_demo()
    # The demo keeps its own state (tracked ids of the simulators) apart from a real one.
    state = StateStore(StateStore().directory / "demo")
    return run_app(world.config, world.adapters(state), read_only=args.read_only, state=state,
                   title="jobdeck demo")


# headless ----------------------------------------------------------------------------------------

async def poll_all(adapters: dict[str, Adapter]) -> list[ServiceSnapshot]:
    """Every service at once: the slowest bounds the wait (its own poll deadline), and a slow
    one never holds another back."""
    try:
        return list(await asyncio.gather(*(a.poll() for a in adapters.values())))
    finally:
        await asyncio.gather(*(a.close() for a in adapters.values()), return_exceptions=True)


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


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param takes K=V, not {pair!r}")
        params[key] = value
    return params


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
    if not args.targets:
        raise UsageError(f"{args.action} needs at least one target")
    if spec.single_target and len(args.targets) != 1:
        raise UsageError(f"{args.action} takes one target, not {len(args.targets)}")
    if args.read_only or config.read_only or service.read_only:
        emit_json(ActionResult(service.name, args.action, list(args.targets), ok=False,
                               message="read-only: actions are switched off").to_json(), None)
        return EXIT_READ_ONLY
    if spec.destructive and config.confirm_destructive and not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"{args.action} is destructive: add --yes to run it without a "
                             "terminal")
        answer = input(clean(f"{spec.label} {', '.join(args.targets)} on {service.name}? "
                             "[y/N] "))
        if answer.strip().lower() not in ("y", "yes"):
            say("cancelled", err=True)
            return EXIT_USAGE
    state = StateStore()
    adapter = make_adapters(config, [service.name], state)[service.name]
    try:
        result = asyncio.run(_perform(adapter, args.action, list(args.targets), params))
    except KeyboardInterrupt:
        result = ActionResult(service.name, args.action, list(args.targets), ok=False,
                              outcome="unknown", message="interrupted after the request was "
                              "sent: outcome unknown; check the service before trying again")
    state.audit_action(result, via="act")
    emit_json(result.to_json(), None)
    if result.ok:
        return EXIT_OK
    return EXIT_UNKNOWN if result.outcome == "unknown" else EXIT_FAILED


async def _perform(adapter: Adapter, action: str, targets: list[str],
                   params: dict[str, str]) -> ActionResult:
    try:
        return await adapter.perform(action, targets, params)
    finally:
        await adapter.close()


async def submit(config: Config, args: argparse.Namespace) -> int:
    from .submit import print_progress, values_from_argv

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


# config ------------------------------------------------------------------------------------------

def masked_url(url: str) -> str:
    """A base URL fit to print: user:password@ becomes •••@."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return parts._replace(netloc=f"•••@{host}").geturl()


def config_command(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    if args.config_command == "path":
        print(path)
        return EXIT_OK
    if args.config_command == "keys":
        return print_keys(read_config(args).keys if path.exists() else {})
    if args.config_command == "init":
        if path.exists() and not args.force:
            raise UsageError(f"{path} exists; add --force to overwrite it")
        atomic_write(Path(path), template(ADAPTERS))
        print(f"wrote {path}")
        return EXIT_OK
    config = read_config(args)
    problems = 0
    for service in config.services:
        say(f"{service.name}: {service.kind} at {masked_url(service.base_url)}")
        if service.base_url.startswith("http://") and service.secrets \
                and urlsplit(service.base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
            say("  ! plain http:// for a service that carries secrets: anyone on the path can "
                "read them; use https:// if the service offers it")
    if not args.offline and config.services:
        for name, lines in asyncio.run(probe_all(make_adapters(config))).items():
            for line in lines:
                problems += line.startswith("!")
                say(f"  {name}: {line}")
    print(f"{path}: ok, {len(config.services)} service(s)"
          + (f", {problems} problem(s) found on the services" if problems else ""))
    return EXIT_OK if not problems else EXIT_FAILED


def print_keys(remapped: dict[str, str]) -> int:
    from .keymap import COMMANDS

    print(f"{'COMMAND':<16}{'KEY':<10}WHAT IT DOES")
    for command in COMMANDS:
        key = command.display_key(remapped) + (" *" if command.name in remapped else "")
        print(f"{command.name:<16}{key:<10}{command.help}")
    if remapped:
        print("* remapped in [keys]")
    return EXIT_OK


async def probe_all(adapters: dict[str, Adapter]) -> dict[str, list[str]]:
    async def one(adapter: Adapter) -> list[str]:
        try:
            return await adapter.probe()
        except JobdeckError as exc:
            return [f"! {exc}"]
        finally:
            await adapter.close()

    results = await asyncio.gather(*(one(a) for a in adapters.values()))
    return dict(zip(adapters, results, strict=True))


def serve_forever() -> None:
    while True:
        time.sleep(3600)


def simulator_config(entries: list[dict[str, Any]]) -> str:
    return tomli_w.dumps({"refresh": 2.0, "services": entries})
