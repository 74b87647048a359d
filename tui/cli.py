"""Argument parsing and the headless commands; they use the same adapters and model as the panes."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import tomli_w
from jobdeck.adapters.base import Adapter
from jobdeck.adapters.config import TEMPLATE, Config, config_path, load_config
from jobdeck.adapters.files import StateStore, atomic_write
from jobdeck.adapters.model import ConfigError, JobdeckError, ServiceSnapshot, iso
from jobdeck.adapters.registry import adapter_class

from jobdeck import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_READ_ONLY = 0, 1, 2, 3


class UsageError(JobdeckError):
    pass


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

    act = sub.add_parser("act", parents=[common], help="perform one action")
    act.add_argument("service")
    act.add_argument("action")
    act.add_argument("targets", nargs="*")
    act.add_argument("--param", action="append", default=[], metavar="K=V")
    act.add_argument("--yes", action="store_true", help="do not ask before destructive actions")

    submit = sub.add_parser("submit", parents=[common], help="start new work on a service",
                            description="finalrip: VIDEO --script FILE --encode-param CMD; "
                            "eva: TEMPLATE_ID --asset ID=VALUE... [--file PATH...]; "
                            "enhance: PICTURE_URL [--type N]")
    submit.add_argument("service")
    submit.add_argument("what", help="video file, template id or picture url")
    submit.add_argument("--script", metavar="FILE", help="finalrip: VapourSynth script")
    submit.add_argument("--encode-param", help="finalrip: encoder command, e.g. "
                        "'ffmpeg -i - -vcodec libx265 -crf 16'")
    submit.add_argument("--key", help="finalrip: video key (default: the file name)")
    submit.add_argument("--asset", action="append", default=[], metavar="ID=VALUE",
                        help="eva: an asset; VALUE {file:N} takes the url of the Nth --file")
    submit.add_argument("--file", action="append", default=[], metavar="PATH",
                        help="eva: a local file to upload as an asset")
    submit.add_argument("--args", metavar="JSON", help='eva: render args, e.g. \'{"scale":0.5}\'')
    submit.add_argument("--dynamic", action="store_true", help="eva: render/dynamic")
    submit.add_argument("--type", type=int, help="enhance: enhance type (default: config)")
    submit.add_argument("--label", help="a name to show for the new task")

    for name, text in (("track", "watch task ids"), ("untrack", "stop watching task ids")):
        track = sub.add_parser(name, parents=[common], help=f"{text} (kinds with no list call)")
        track.add_argument("service")
        track.add_argument("task_ids", nargs="+")

    sim = sub.add_parser("sim", help="the simulators")
    sim_sub = sim.add_subparsers(dest="sim_command", metavar="SUBCOMMAND", required=True)
    serve = sim_sub.add_parser("serve", help="serve simulators over HTTP on loopback")
    serve.add_argument("--kind", action="append", metavar="K", help="only this kind (repeatable)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="first port (default: any free one)")

    config = sub.add_parser("config", help="the config file")
    config_sub = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    init = config_sub.add_parser("init", parents=[common], help="write a commented template")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    config_sub.add_parser("check", parents=[common], help="validate the config")
    config_sub.add_parser("path", parents=[common], help="show which file is used")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.config = getattr(args, "config", None)
    args.read_only = getattr(args, "read_only", False)
    try:
        return dispatch(args)
    except ConfigError as exc:
        print(f"jobdeck: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"jobdeck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except JobdeckError as exc:
        print(f"jobdeck: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("JOBDECK_DEBUG"):
            raise
        print(f"jobdeck: internal error: {type(exc).__name__}: {exc} "
              "(set JOBDECK_DEBUG=1 for the traceback)", file=sys.stderr)
        return 70


def dispatch(args: argparse.Namespace) -> int:
    command = args.command or "run"
    if command == "demo":
        return run_demo(args)
    if command == "sim":
        return sim_serve(args)
    if command == "config":
        return config_command(args)
    config = load_config(config_path(args.config))
    if command == "run":
        return run_console(config, args)
    if command == "snapshot":
        return asyncio.run(snapshot(config, args))
    if command == "blocks":
        return asyncio.run(blocks(config, args))
    if command == "act":
        return asyncio.run(act(config, args))
    if command in ("track", "untrack"):
        return track(config, args, add=command == "track")
    if command == "submit":
        return asyncio.run(submit(config, args))
    raise UsageError(f"unknown command {command!r}")


def make_adapters(config: Config, names: Sequence[str] | None = None) -> dict[str, Adapter]:
    wanted = [config.service(n) for n in names] if names else config.services
    state = StateStore()
    return {s.name: adapter_class(s.kind)(s, state=state) for s in wanted}


# the console -------------------------------------------------------------------------------------

def run_console(config: Config, args: argparse.Namespace) -> int:
    from .app import JobdeckApp

    if not config.services:
        raise UsageError(f"{config.path}: no [[services]] configured (try `jobdeck demo`)")
    app = JobdeckApp(config, make_adapters(config), read_only=args.read_only, state=StateStore())
    app.run()
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> int:
    from .app import JobdeckApp
    from .demo import build_demo

    world = build_demo()
    # The demo keeps its own state (tracked ids of the simulators) apart from a real one.
    state = StateStore(StateStore().directory / "demo")
    app = JobdeckApp(world.config, world.adapters(state), read_only=args.read_only,
                     state=state, title="jobdeck demo")
    app.run()
    return EXIT_OK


# headless ----------------------------------------------------------------------------------------

async def poll_all(adapters: dict[str, Adapter]) -> list[ServiceSnapshot]:
    try:
        return list(await asyncio.gather(*(a.poll() for a in adapters.values())))
    finally:
        await asyncio.gather(*(a.close() for a in adapters.values()))


async def snapshot(config: Config, args: argparse.Namespace) -> int:
    snapshots = await poll_all(make_adapters(config, args.service))
    if args.json:
        payload = {"taken_at": iso(datetime.now(UTC)),
                   "services": [s.to_json() for s in snapshots]}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for snap in snapshots:
            state = "ok" if snap.ok else f"FAILED: {snap.error}"
            print(f"{snap.name} ({snap.kind}): {state}")
            for task in snap.all_tasks():
                pct = f"{task.progress * 100:5.1f}%" if task.progress is not None else "     -"
                print(f"  {task.id:>8}  {task.status:<9} {pct}  {task.name}")
    return EXIT_OK if all(s.ok for s in snapshots) else EXIT_FAILED


async def blocks(config: Config, args: argparse.Namespace) -> int:
    adapter = make_adapters(config, [args.service])[args.service]
    try:
        grid = await adapter.blocks(args.task_id)
    finally:
        await adapter.close()
    if args.json:
        print(json.dumps(grid.to_json(args.service), indent=2))
    else:
        glyph = {"done": "█", "running": "▓", "waiting": "░", "failed": "✗", "stopped": "▒"}
        for row in grid.rows:
            print("".join(glyph[b.status] for b in row))
        print(", ".join(f"{k} {v}" for k, v in grid.counts().items()))
    return EXIT_OK


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param takes K=V, not {pair!r}")
        params[key] = value
    return params


async def act(config: Config, args: argparse.Namespace) -> int:
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
        print(json.dumps({"service": service.name, "action": args.action,
                          "targets": args.targets, "ok": False,
                          "message": "read-only: actions are switched off", "code": None}))
        return EXIT_READ_ONLY
    if spec.destructive and config.confirm_destructive and not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"{args.action} is destructive: add --yes to run it without a terminal")
        answer = input(f"{spec.label} {', '.join(args.targets)} on {service.name}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("cancelled", file=sys.stderr)
            return EXIT_USAGE
    adapter = cls(service, state=StateStore())
    try:
        result = await adapter.perform(args.action, args.targets, params)
    finally:
        await adapter.close()
    StateStore().audit({"service": result.service, "action": result.action, "via": "act",
                        "targets": result.targets, "ok": result.ok, "message": result.message,
                        "code": result.code})
    print(json.dumps(result.to_json(), ensure_ascii=False))
    return EXIT_OK if result.ok else EXIT_FAILED


async def submit(config: Config, args: argparse.Namespace) -> int:
    from .submit import submit_from_args

    service = config.service(args.service)
    if args.read_only or config.read_only or service.read_only:
        raise UsageError("read-only: submitting is switched off")
    adapter = adapter_class(service.kind)(service, state=StateStore())
    try:
        task_id = await submit_from_args(adapter, args)
    finally:
        await adapter.close()
    print(json.dumps({"service": service.name, "task": task_id, "ok": True}))
    return EXIT_OK


def track(config: Config, args: argparse.Namespace, *, add: bool) -> int:
    service = config.service(args.service)
    cls = adapter_class(service.kind)
    if not cls.tracks_tasks:
        raise UsageError(f"{service.kind} lists its own tasks; there is nothing to track")
    adapter = cls(service, state=StateStore())
    (adapter.track if add else adapter.untrack)(list(args.task_ids))
    print(f"{service.name}: tracking {len(adapter.tracked_ids())} task(s)")
    return EXIT_OK


# simulators and config ---------------------------------------------------------------------------

def sim_serve(args: argparse.Namespace) -> int:
    from jobdeck.adapters.simbase import SimServer

    from .demo import demo_sims

    sims = demo_sims()
    if args.kind:
        unknown = set(args.kind) - {s.kind for s in sims.values()}
        if unknown:
            raise UsageError(f"no simulator of kind {sorted(unknown)[0]!r}")
        sims = {n: s for n, s in sims.items() if s.kind in args.kind}
    servers: list[SimServer] = []
    try:
        for offset, sim in enumerate(sims.values()):
            port = args.port + offset if args.port else 0
            try:
                servers.append(SimServer(sim, args.host, port).start())
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            except OSError as exc:
                raise UsageError(f"cannot listen on {args.host}:{port}: {exc.strerror}") from None
        entries = [sim.service_entry(name, server.base_url)
                   for (name, sim), server in zip(sims.items(), servers, strict=True)]
        print("# jobdeck simulators: save as a config and run `jobdeck --config FILE`")
        print(tomli_w.dumps({"refresh": 2.0, "services": entries}))
        print("# serving until Ctrl-C", flush=True)
        while True:
            time.sleep(3600)
    finally:
        for server in servers:
            server.stop()


def config_command(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    if args.config_command == "path":
        print(path)
        return EXIT_OK
    if args.config_command == "init":
        if path.exists() and not args.force:
            raise UsageError(f"{path} exists; add --force to overwrite it")
        atomic_write(Path(path), TEMPLATE)
        print(f"wrote {path}")
        return EXIT_OK
    config = load_config(path)
    for service in config.services:
        print(f"{service.name}: {service.kind} at {service.base_url}")
    print(f"{path}: ok, {len(config.services)} service(s)")
    return EXIT_OK
