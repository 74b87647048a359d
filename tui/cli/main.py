"""The `jobdeck` command: argument parsing and dispatch. Only `run`, `demo` (and `replay`)
import the console; every other command is headless and loads no Textual module
(tests/cli/test_import_hygiene.py checks it in a fresh interpreter)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from jobdeck import __version__
from jobdeck.adapters.contract.model import ConfigError, JobdeckError

from .common import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError, say

if TYPE_CHECKING:
    from jobdeck.adapters.core.config import Config


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
    demo = sub.add_parser("demo", parents=[common],
                          help="the console on built-in simulators, no network")
    demo.add_argument("--speed", type=float, default=1.0, metavar="N",
                      help="run the simulators' time N times faster (outages, stalls, streams "
                           "ending): the demo's whole story in a fraction of a minute")

    snap = sub.add_parser("snapshot", parents=[common], help="one poll of every service")
    snap.add_argument("--json", action="store_true",
                      help="print JSON (the shape the README describes)")
    snap.add_argument("--service", action="append", metavar="NAME", help="only this service")

    blocks = sub.add_parser("blocks", parents=[common], help="the block grid of one task")
    blocks.add_argument("service")
    blocks.add_argument("task_id")
    blocks.add_argument("--json", action="store_true")

    frames = sub.add_parser("frames", parents=[common],
                            help="every frame of a task: id, status, time, cost")
    frames.add_argument("service")
    frames.add_argument("task_id")
    frames.add_argument("--json", action="store_true")

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
                       help="also serve Prometheus metrics there (needs jobdeck[metrics]); "
                            "HOST defaults to 127.0.0.1")
    watch.add_argument("--no-hook", action="store_true",
                       help="do not run the [alerts] command for alerts")
    watch.add_argument("--on", metavar="EVENT,...",
                       help="print only these transitions; `done` (a task finishing) only when "
                            "named (default: every event but done)")

    since_help = ("how far back: a span (8h, 30m, 2d, 1h30m) or a time ('2026-12-04 03:12', "
                  "local; or ISO 8601 with Z)")
    history = sub.add_parser("history", parents=[common],
                             help="recorded transitions and actions, in time order")
    history.add_argument("--since", default="8h", metavar="WHEN", help=since_help + "; default 8h")
    history.add_argument("--service", action="append", metavar="NAME", help="only this service")
    history.add_argument("--json", action="store_true",
                         help="one JSON line each (a transition as `watch --json` prints it, an "
                              "action as its audit record)")
    report = sub.add_parser("report", parents=[common],
                            help="a Markdown handover summary per service")
    report.add_argument("--since", default="8h", metavar="WHEN", help=since_help + "; default 8h")
    replay = sub.add_parser("replay", parents=[common],
                            help="the console, read-only, on the recorded past; step poll by poll")
    when = replay.add_mutually_exclusive_group()
    when.add_argument("--at", metavar="TIME", help="start at this moment ('2026-12-04 03:12', "
                                                   "local; or ISO 8601 with Z)")
    when.add_argument("--since", metavar="SPAN", help="start this long ago (default 3h)")

    sim = sub.add_parser("sim", help="the simulators")
    sim_sub = sim.add_subparsers(dest="sim_command", metavar="SUBCOMMAND", required=True)
    serve = sim_sub.add_parser("serve", help="serve simulators over HTTP on loopback")
    serve.add_argument("--kind", action="append", metavar="K", help="only this kind (repeatable)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="first port (default: any free one)")
    serve.add_argument("--fault", action="append", default=[], metavar="SERVICE:FAULT[=N]",
                       help="misbehave on purpose: latency=S, hang, drip, 5xx, html, reset, "
                            "truncated, shape, auth, skew=S, down=S")
    serve.add_argument("--scale", action="store_true",
                       help="a big account: sh-farm holds 20,000 finished and 500 running tasks, "
                            "live 300 live streams; requests are counted and printed each minute")

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


def dispatch(args: argparse.Namespace) -> int:
    """Each command's module is imported when that command runs: `config path` reads no kind,
    `snapshot` loads no console."""
    command = args.command or "run"
    if command == "demo":
        return run_demo(args)
    if command == "sim":
        from .sim_serve import sim_serve
        return sim_serve(args)
    if command == "config":
        from .config_command import config_command
        return config_command(args)
    if command == "history":   # the history needs no config: it reads the state directory
        from .history import history
        return history(args)
    if command == "report":
        from .report import report
        return report(args)
    if command == "replay":
        return run_replay(args)
    from .config_command import read_config
    config = read_config(args)
    if command == "run":
        return run_console(config, args)
    if command in ("snapshot", "blocks"):
        import asyncio

        from . import reads
        return asyncio.run(getattr(reads, command)(config, args))
    if command == "frames":
        import asyncio

        from .frames import frames
        return asyncio.run(frames(config, args))
    if command in ("act", "track", "untrack", "submit"):
        from . import actions
        if command == "act":
            return actions.act(config, args)
        if command == "submit":
            import asyncio
            return asyncio.run(actions.submit(config, args))
        return actions.track(config, args, add=command == "track")
    if command == "watch":
        from .watch import watch
        return watch(config, args)
    raise UsageError(f"unknown command {command!r}")


def run_console(config: Config, args: argparse.Namespace) -> int:
    from jobdeck.adapters.core.services import make_adapters
    from jobdeck.adapters.core.state import StateStore
    from jobdeck.tui.console.launch import run_app

    if not config.services:
        raise UsageError(f"{config.path}: no [[services]] configured (try `jobdeck demo`)")
    return run_app(config, make_adapters(config), read_only=args.read_only, state=StateStore())


def run_demo(args: argparse.Namespace) -> int:
    from jobdeck.adapters.core.demo import build_demo
    from jobdeck.adapters.core.state import StateStore
    from jobdeck.tui.console.launch import run_app

    if not 0.1 <= args.speed <= 100:
        raise UsageError(f"--speed {args.speed:g}: give a factor from 0.1 to 100")
    world = build_demo(speed=args.speed)
    # The demo keeps its own state (tracked ids of the simulators) apart from a real one.
    state = StateStore(StateStore().directory / "demo")
    return run_app(world.config, world.adapters(state), read_only=args.read_only, state=state,
                   title="jobdeck demo")


def run_replay(args: argparse.Namespace) -> int:
    """The console on the history store: the config, when there is one, gives keys and theme."""
    from jobdeck.adapters.core.config import Config, config_path
    from jobdeck.tui.console.replay import run_replay as replay_console

    from .config_command import read_config
    from .history import open_store, since_of

    config = read_config(args) if args.config or config_path(None).exists() else Config()
    store = open_store()
    if not store.path.exists():
        raise UsageError(f"nothing recorded yet in {store.path}; the console and `jobdeck watch` "
                         "record there")
    if args.at:
        from jobdeck.adapters.core.history import parse_moment
        start = parse_moment(args.at)
        if start is None:
            raise UsageError(f"--at takes a time ('2026-12-04 03:12', local; or ISO 8601 with Z), "
                             f"not {args.at!r}")
        return replay_console(config, store, at=start)
    return replay_console(config, store, since=since_of(args.since or "3h"))
